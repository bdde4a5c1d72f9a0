"""The performance sheets of the SMG quarterly workbook: KPIs and Finance.

KPIs shows each KPI against its register target with previous quarters and a trend
sparkline; Finance shows budget against actual per budget line and per contract, with a
chart of the contract totals.
"""

from __future__ import annotations

from xlsxwriter.utility import xl_rowcol_to_cell

from ..flags.overview import missing_return_word
from ..portfolio.rag import variance_share
from ..templates.contract import FINANCIAL, PERFORMANCE
from ..portfolio.quarter import KpiResult, QuarterData
from .quarterly_layout import (
    HEADER_ROW, SheetContext, header, section, start_sheet, write_fitted, write_rows,
)
from .xlsx_style import INTEGER, MONEY, SIGNED_PERCENT, UNIT_FORMATS, column_range, put

DECIMAL_NUM = "#,##0.##"
SHOWN_QUARTERS = 4  # previous quarters shown; older ones are in a collapsed column group


def kpi_rag_word(k: KpiResult, data: QuarterData) -> str:
    """The KPI's RAG, or the word saying why it has none."""
    if k.rag:
        return k.rag
    if not k.returned:
        return missing_return_word(data.return_of(k.contract_id, PERFORMANCE).status)
    if k.actual is None:
        return "Not reported"
    if k.direction == "for information":
        return "For information"
    return "No target"


def write_kpis(wb, ctx: SheetContext) -> None:
    """KPIs: each KPI against target, with previous quarters and a trend sparkline."""
    data, st = ctx.data, ctx.st
    history = list(data.history_periods)
    fixed = ("Contract ID", "KPI Code", "KPI", "Direction", "Mandatory", "Target",
             "Amber Threshold", "Numerator", "Denominator")
    tail = ("Actual", "RAG", "Trend (8 quarters)", "Red Quarters In A Row", "Previous RAG",
            "Commentary", "Evidence")
    headers = fixed + tuple(p.label for p in history) + tail
    widths = ((10, 7, 20, 10, 10, 8, 9, 10, 12) + (8,) * len(history)
              + (9, 14, 12, 8, 9, 20, 26))
    ws = start_sheet(wb, ctx, "KPIs", "KPI results against target", widths, freeze_col=2)
    first_hist = len(fixed)
    actual_col = first_hist + len(history)
    hidden = max(0, len(history) - SHOWN_QUARTERS)
    if hidden:  # older quarters: on screen behind a [+], off the printed page
        ws.set_column(first_hist, first_hist + hidden - 1, 8, None,
                      {"level": 1, "hidden": True})
        ws.set_column(first_hist + hidden, first_hist + hidden, 8, None, {"collapsed": True})
    header(ws, ctx, HEADER_ROW, headers, height=42)
    row = HEADER_ROW + 1
    text, wrap = st.cell(), st.cell(wrap=True)
    trends: list[tuple[str, str]] = []  # (cell, range) of each trend sparkline
    for k in data.kpis:
        value_fmt = st.cell(UNIT_FORMATS.get(k.unit, "General"))
        previous = k.history[-1].rag if k.history else None
        word = kpi_rag_word(k, data)
        values = ((k.contract_id, k.kpi_code, k.name, k.direction,
                   "Yes" if k.mandatory else "No", k.target, k.amber, k.numerator,
                   k.denominator)
                  + tuple(p.actual for p in k.history)
                  + (k.actual, word, None, k.consecutive_red, previous or "",
                     k.commentary, k.ref or ""))
        fmts = ((text, text, wrap, wrap, text, value_fmt, value_fmt, st.cell(DECIMAL_NUM),
                 st.cell(DECIMAL_NUM))
                + (value_fmt,) * len(history)
                + (value_fmt, st.rag(word) if k.rag else st.plain_word(), text,
                   st.cell(INTEGER, align="center"),
                   st.rag(previous) if previous else text, wrap, wrap))
        write_fitted(ws, ctx, row, values, fmts)
        if history:
            first = max(first_hist, actual_col - 7)  # eight quarters: seven before and this one
            trends.append((xl_rowcol_to_cell(row, actual_col + 2),
                           f"'KPIs'!{column_range(first, actual_col, row)}"))
        row += 1
    if trends:  # one sparkline group: xlsxwriter builds every style's colours per call
        ws.add_sparkline(HEADER_ROW + 1, actual_col + 2, {
            "location": [cell for cell, _ in trends], "range": [rng for _, rng in trends],
            "markers": True, "empty_cells": "gaps", "show_hidden": True})
    ws.autofilter(HEADER_ROW, 0, max(row - 1, HEADER_ROW), len(headers) - 1)
    put(ws, row + 1, 0, "Previous quarters come from the accepted return of each quarter (a "
                        "blank means none); RAG is judged against the register's targets in "
                        f"force in that quarter (see Rules). The {hidden} oldest quarters are "
                        "grouped: click + above the columns to show them.", st.note())



def write_finance(wb, ctx: SheetContext) -> None:
    """Finance: budget against actual by budget line and contract, and a chart of totals."""
    data, st = ctx.data, ctx.st
    headers = ("Contract ID", "Budget Line", "Annual Budget", "Quarter Budget",
               "Quarter Actual", "Quarter Variance (£)", "Quarter Variance %", "YTD Budget",
               "YTD Actual", "YTD Variance (£)", "YTD Variance %", "Forecast Outturn",
               "Annual Contract Value", "Forecast Less Value (£)", "Finance RAG",
               "Variance Explanation", "Evidence")
    widths = (9, 18, 11, 11, 11, 11, 9, 11, 11, 11, 9, 11, 11, 11, 10, 22, 26)
    ws = start_sheet(wb, ctx, "Finance", "Budget against actual", widths)
    header(ws, ctx, HEADER_ROW, headers, height=42)
    money, pct = st.cell(MONEY), st.cell(SIGNED_PERCENT)
    bmoney, bpct, btext = st.cell(MONEY, bold=True), st.cell(SIGNED_PERCENT, bold=True), st.cell(bold=True)
    text, wrap = st.cell(), st.cell(wrap=True)
    row = HEADER_ROW + 1
    by_contract = {o.contract_id: o for o in ctx.overview}
    chart_rows = []
    for contract in data.contracts:
        cid = contract.contract_id
        total = data.finance_total(cid)
        if total is None:
            status = data.return_of(cid, FINANCIAL).status
            word = missing_return_word(status)
            values = ((cid, f"No accepted financial return ({status.lower()})")
                      + (None,) * 10 + (contract.annual_value, None, word, None, None))
            write_fitted(ws, ctx, row, values,
                         (text, text) + (money,) * 12 + (st.rag(word), wrap, wrap))
            row += 1
            continue
        for ln in total.lines:
            qv, q_share = _variance(ln.quarter_actual, ln.quarter_budget)
            yv, y_share = _variance(ln.ytd_actual, ln.ytd_budget)
            write_fitted(ws, ctx, row, (
                cid, ln.line, ln.annual_budget, ln.quarter_budget, ln.quarter_actual, qv,
                q_share, ln.ytd_budget, ln.ytd_actual, yv,
                y_share, ln.forecast_outturn, None, None, None,
                ln.explanation, ln.ref("Quarter Actual")),
                (text, wrap, money, money, money, money, pct, money, money, money, pct, money,
                 money, money, text, wrap, wrap))
            row += 1
        rag = by_contract[cid].finance_rag
        write_fitted(ws, ctx, row, (
            cid, "Contract total", total.annual_budget, total.quarter_budget,
            total.quarter_actual, total.quarter_variance, total.quarter_share, total.ytd_budget,
            total.ytd_actual, total.ytd_variance, total.ytd_share, total.forecast_outturn,
            contract.annual_value, total.forecast_outturn - contract.annual_value, rag, None,
            f"{total.lines[0].source.file} ({len(total.lines)} budget lines)"),
            (btext, btext, bmoney, bmoney, bmoney, bmoney, bpct, bmoney, bmoney, bmoney, bpct,
             bmoney, bmoney, bmoney, st.rag(rag), btext, st.cell(wrap=True, bold=True)))
        chart_rows.append((cid, total.quarter_budget, total.quarter_actual, total.ytd_budget,
                           total.ytd_actual))
        row += 1
    ws.autofilter(HEADER_ROW, 0, max(row - 1, HEADER_ROW), len(headers) - 1)

    row += 1
    section(ws, ctx, row, "Budget against actual by contract (for the chart)", 4)
    row += 1
    header(ws, ctx, row, ("Contract ID", "Quarter Budget", "Quarter Actual", "YTD Budget",
                          "YTD Actual"))
    table_row = row + 1
    end = write_rows(ws, ctx, table_row, chart_rows, (text, money, money, money, money))
    if chart_rows:
        chart = wb.add_chart({"type": "column"})
        for col, name, colour in ((1, "Quarter budget", "#8EA9DB"), (2, "Quarter actual", "#1F3864")):
            chart.add_series({
                "name": name,
                "categories": ["Finance", table_row, 0, end - 1, 0],
                "values": ["Finance", table_row, col, end - 1, col],
                "fill": {"color": colour},
                "data_labels": {"value": False},
            })
        chart.set_title({"name": f"Quarter budget against actual, {data.period.label}",
                         "name_font": {"size": 11, "name": "Arial"}})
        chart.set_y_axis({"num_format": "£#,##0", "major_gridlines": {"visible": True}})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 620, "height": 300})
        ws.insert_chart(end + 1, 1, chart)


def _variance(actual, budget) -> tuple[float | None, float | None]:
    """(actual - budget, its share of the budget); blanks where a figure is blank."""
    if actual is None or budget is None:
        return None, None
    return actual - budget, variance_share(actual, budget)
