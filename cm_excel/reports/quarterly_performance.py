"""The performance sheets of the SMG quarterly workbook: KPIs and Finance.

KPIs shows each KPI against its register target with previous quarters, a trend
sparkline (Excel) and a trend arrow and word that print in any program, one block per
contract, each starting a printed page; Finance shows budget against actual per budget line
and per contract, with a chart of the contract totals.
"""

from __future__ import annotations

import math

from xlsxwriter.utility import xl_rowcol_to_cell

from ..flags.overview import missing_return_word
from ..portfolio.rag import variance_share
from ..templates.contract import FINANCIAL, PERFORMANCE
from ..portfolio.quarter import KpiResult, QuarterData
from .quarterly_layout import (
    HEADER_ROW, SheetContext, end_sheet, header, section, start_sheet, wide_note, write_fitted,
    write_rows,
)
from .xlsx_style import INTEGER, MONEY, SIGNED_PERCENT, UNIT_FORMATS, column_range, put

DECIMAL_NUM = "#,##0.##"
CHART_HEIGHT = 300  # pixels
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


def trend_word(k: KpiResult) -> str:
    """This quarter's actual against the previous quarter's, as an arrow and a word that
    print in any program: ``↑ Better``, ``↓ Worse``, ``→ Same`` (``↑ Up`` / ``↓ Down`` for
    a KPI for information); blank when either figure is missing."""
    before = k.history[-1].actual if k.history else None
    if k.actual is None or before is None:
        return ""
    if abs(k.actual - before) <= 1e-9 * max(1.0, abs(before)):
        return "\u2192 Same"
    up = k.actual > before
    arrow = "\u2191" if up else "\u2193"
    if k.direction == "higher is better":
        return f"{arrow} {'Better' if up else 'Worse'}"
    if k.direction == "lower is better":
        return f"{arrow} {'Worse' if up else 'Better'}"
    return f"{arrow} {'Up' if up else 'Down'}"


KPI_FIXED = ("Contract ID", "KPI Code", "KPI", "Direction", "Mandatory", "Target",
             "Amber Threshold", "Numerator", "Denominator")
KPI_TAIL = ("Actual", "RAG", "Trend (8 quarters)", "Since Last Quarter",
            "Red Quarters In A Row", "Previous RAG", "Commentary", "Evidence")
KPI_FOLDED = (4, 7, 8)  # Mandatory, Numerator, Denominator: on screen behind [+], not printed


def write_kpis(wb, ctx: SheetContext) -> None:
    """KPIs: one block per contract (a heading, its own header row, its KPIs), each
    starting a printed page, with previous quarters, a sparkline and a printable trend."""
    data, st = ctx.data, ctx.st
    history = list(data.history_periods)
    headers = KPI_FIXED + tuple(p.label for p in history) + KPI_TAIL
    widths = ((9, 7, 20, 10, 9, 8, 9, 10, 12) + (8,) * len(history)
              + (9, 11, 10, 10, 8, 9, 20, 22))
    first_hist = len(KPI_FIXED)
    actual_col = first_hist + len(history)
    hidden = max(0, len(history) - SHOWN_QUARTERS)
    folded = KPI_FOLDED + tuple(range(first_hist, first_hist + hidden))
    ws = start_sheet(wb, ctx, "KPIs", "KPI results against target", widths, freeze_col=2,
                     tables=True, folded=folded)
    ws.freeze_panes(HEADER_ROW, 2)  # the title rows; each block has its own header
    row = HEADER_ROW
    text, wrap = st.cell(), st.cell(wrap=True)
    blocks = []
    trends: list[tuple[str, str]] = []  # (cell, range) of each trend sparkline
    for cid in dict.fromkeys(k.contract_id for k in data.kpis):
        blocks.append(row)
        c = data.contract(cid)
        section(ws, ctx, row, f"{cid}: {c.service} ({c.provider})", len(headers) - 1)
        header(ws, ctx, row + 1, headers, height=42)
        row += 2
        for k in data.kpis_of(cid):
            _kpi_row(ws, ctx, row, k, len(history), (text, wrap))
            if history:
                first = max(first_hist, actual_col - 7)  # eight quarters: seven before, this one
                trends.append((xl_rowcol_to_cell(row, actual_col + 2),
                               f"'KPIs'!{column_range(first, actual_col, row)}"))
            row += 1
        row += 1
    if trends:  # one sparkline group: xlsxwriter builds every style's colours per call
        ws.add_sparkline(HEADER_ROW + 2, actual_col + 2, {
            "location": [cell for cell, _ in trends], "range": [rng for _, rng in trends],
            "markers": True, "empty_cells": "gaps", "show_hidden": True})
    if not blocks:
        put(ws, row, 0, "No KPI results this quarter.", st.note())
        row += 2
    wide_note(ws, ctx, row, "Previous quarters come from the accepted return of each quarter "
                            "(a blank means none); RAG is judged against the register's "
                            f"targets in force in that quarter (see Rules). The {hidden} "
                            "oldest quarters, Mandatory, Numerator and Denominator are "
                            "grouped: click + above the columns to show them. Since Last "
                            "Quarter compares the actual with the previous quarter's.")
    end_sheet(ws, ctx, row, forced=blocks[1:])


def _kpi_row(ws, ctx: SheetContext, row: int, k: KpiResult, quarters: int, plain) -> None:
    data, st = ctx.data, ctx.st
    text, wrap = plain
    value_fmt = st.cell(UNIT_FORMATS.get(k.unit, "General"))
    previous = k.history[-1].rag if k.history else None
    word = kpi_rag_word(k, data)
    values = ((k.contract_id, k.kpi_code, k.name, k.direction,
               "Yes" if k.mandatory else "No", k.target, k.amber, k.numerator,
               k.denominator)
              + tuple(p.actual for p in k.history)
              + (k.actual, word, None, trend_word(k), k.consecutive_red, previous or "",
                 k.commentary, k.computed_from or k.ref or ""))
    fmts = ((text, text, wrap, wrap, text, value_fmt, value_fmt, st.cell(DECIMAL_NUM),
             st.cell(DECIMAL_NUM))
            + (value_fmt,) * quarters
            + (value_fmt, st.rag(word) if k.rag else st.plain_word(), text, text,
               st.cell(INTEGER, align="center"),
               st.rag(previous) if previous else text, wrap, wrap))
    write_fitted(ws, ctx, row, values, fmts)


def write_finance(wb, ctx: SheetContext) -> None:
    """Finance: budget against actual by budget line and contract, and a chart of totals."""
    data, st = ctx.data, ctx.st
    headers = ("Contract ID", "Budget Line", "Annual Budget", "Quarter Budget",
               "Quarter Actual", "Quarter Variance (£)", "Quarter Variance %", "YTD Budget",
               "YTD Actual", "YTD Variance (£)", "YTD Variance %", "Forecast Outturn",
               "Annual Contract Value", "Forecast Less Value (£)", "Finance RAG",
               "Variance Explanation", "Evidence")
    widths = (9, 18, 11, 11, 11, 11, 9, 11, 11, 11, 9, 11, 11, 11, 10, 22, 26)
    # the two variances in pounds (their percentages print) and the contract value (its
    # difference from the forecast prints) fold away, so the sheet prints one page wide at
    # a readable size; columns A to E stay, for the chart's data below
    ws = start_sheet(wb, ctx, "Finance", "Budget against actual", widths, tables=True,
                     folded=(5, 9, 12), min_scale=0.85)  # LibreOffice shrinks a sheet
    # with a chart a little more than its columns need
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
        chart.set_size({"width": 520, "height": CHART_HEIGHT})
        ws.insert_chart(end + 1, 1, chart)
    # the chart is drawn below its data (over rows of 15 pt): print it, on its data's page
    end_sheet(ws, ctx, end + (math.ceil(CHART_HEIGHT * 0.75 / 15) + 1 if chart_rows else 0))


def _variance(actual, budget) -> tuple[float | None, float | None]:
    """(actual - budget, its share of the budget); blanks where a figure is blank."""
    if actual is None or budget is None:
        return None, None
    return actual - budget, variance_share(actual, budget)
