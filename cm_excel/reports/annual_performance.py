"""The performance sheets of the SMG annual workbook: Summary, KPIs and Finance.

KPIs shows each KPI by quarter and for the year, rolled up by its Annual Aggregation, with
the year's RAG, the trend in the year and the change on the previous year. A quarter
without a value is a grey word (No return, Not reported, Not yet due), never a zero.
"""

from __future__ import annotations

from collections import Counter

from ..flags import most_serious_action
from ..portfolio.grouping import by_contract
from ..portfolio.rag import GREEN, INFO
from ..portfolio.year import YearKpi
from .annual_layout import AnnualContext
from .quarterly_layout import HEADER_ROW, header, section, start_sheet, write_fitted, write_rows
from .xlsx_style import (
    BORDER_COLOUR, INTEGER, MONEY, PERCENT, RAG_COLOURS, SIGNED_PERCENT, UNIT_FORMATS, put,
)

DECIMAL_NUM = "#,##0.##"
SIGNED_UNIT = {"percent": SIGNED_PERCENT, "gbp": "+£#,##0.00;-£#,##0.00;£0.00",
               "days": "+0.0#;-0.0#;0", "count": "+#,##0;-#,##0;0", "score": "+0.0#;-0.0#;0"}
SIGNED_MONEY = "+£#,##0;-£#,##0;£0"


def year_rag_word(k: YearKpi) -> str:
    """The year's RAG, or why it has none."""
    if k.rag:
        return k.rag
    if k.value is None:
        return "No value"
    if k.direction == INFO:
        return "For information"
    return "No target"


def _quarter_rags(k: YearKpi) -> str:
    return ", ".join(f"{p.period.q_label} {p.rag}" for p in k.quarters if p.rag)


def write_summary(wb, ctx: AnnualContext) -> None:
    """Summary: the year in a few lines, then one line per contract."""
    y, st = ctx.year, ctx.st
    widths = (10, 30, 24, 12, 8, 8, 8, 13, 12, 11, 9, 9, 40)
    ws = start_sheet(wb, ctx, "Summary", f"SMG annual contract report {y.label}", widths,
                     freeze_col=None, repeat_to=1)
    row = HEADER_ROW
    if y.provisional:
        fill, font = RAG_COLOURS["Amber"]
        ws.merge_range(row, 0, row, len(widths) - 1,
                       ctx.provisional_words + "; the year's figures will change.",
                       st.get(bold=True, bg_color=fill, font_color=font, border=1,
                              border_color=BORDER_COLOUR, valign="vcenter"))
        ws.set_row(row, 20)
        row += 2
    rags = Counter(year_rag_word(k) for k in y.kpis)
    returns_due = sum(c.due for c in y.compliance)
    on_time = sum(c.on_time for c in y.compliance)
    budget = sum(f.annual_budget for f in y.finance)
    outturn = sum(f.outturn or 0.0 for f in y.finance)
    facts = [
        ("Contracts", len(y.contracts), st.cell(INTEGER)),
        ("KPIs rated Green for the year", rags[GREEN], st.cell(INTEGER)),
        ("KPIs rated Amber for the year", rags["Amber"], st.cell(INTEGER)),
        ("KPIs rated Red for the year", rags["Red"], st.cell(INTEGER)),
        ("Returns due so far", returns_due, st.cell(INTEGER)),
        ("Returns on time", on_time, st.cell(INTEGER)),
        ("Annual budget (all contracts)", budget, st.cell(MONEY)),
        ("Outturn (actual or latest forecast)", outturn, st.cell(MONEY)),
        ("Risk flags raised in the year", len(ctx.flags), st.cell(INTEGER)),
    ]
    for label, value, fmt in facts:
        ws.merge_range(row, 0, row, 1, label, st.label())
        put(ws, row, 2, value, fmt)
        row += 1
    row += 1
    section(ws, ctx, row, "Contracts", len(widths) - 1)
    headers = ("Contract ID", "Service", "Provider", "Lead Officer", "KPIs Green", "KPIs Amber",
               "KPIs Red", "Outturn", "Outturn Against Budget", "Returns On Time",
               "Flags Red", "Flags Amber", "Most Serious Action In The Year")
    header(ws, ctx, row + 1, headers, height=42)
    rows = []
    flags_of = by_contract((f.flag for f in ctx.flags), key=lambda flag: flag.contract_id)
    for c, fin, comp in zip(y.contracts, y.finance, y.compliance):
        cid = c.contract_id
        words = Counter(year_rag_word(k) for k in y.kpis_of(cid))
        mine = flags_of.get(cid, [])
        rows.append((cid, c.service, c.provider, c.lead_officer, words[GREEN], words["Amber"],
                     words["Red"], fin.outturn, fin.variance_share, comp.on_time_share,
                     sum(1 for f in mine if f.severity == "Red"),
                     sum(1 for f in mine if f.severity == "Amber"),
                     most_serious_action(f.action for f in mine)))
    wrap = st.cell(wrap=True)
    write_rows(ws, ctx, row + 2, rows, (
        st.cell(), wrap, wrap, wrap, st.cell(INTEGER), st.cell(INTEGER), st.cell(INTEGER),
        st.cell(MONEY), st.cell(SIGNED_PERCENT), st.cell(PERCENT), st.cell(INTEGER),
        st.cell(INTEGER), wrap))


KPI_HEADERS = ("Contract ID", "KPI Code", "KPI", "Annual Aggregation", "Q1", "Q2", "Q3", "Q4",
               "Year", "Year Target", "Year RAG", "Quarters Behind The Year", "Trend In Year",
               "Quarter RAGs", "Year Numerator", "Year Denominator", "Previous Year",
               "Previous Year Quarters", "Change On Previous Year", "Sources")


def write_kpis(wb, ctx: AnnualContext) -> None:
    """KPIs: each KPI by quarter and for the year against target."""
    y, st = ctx.year, ctx.st
    widths = (10, 7, 22, 11, 9, 9, 9, 9, 10, 9, 10, 9, 11, 16, 10, 11, 10, 9, 11, 40)
    # the quarter RAGs, the year's numerator and denominator and the previous year's quarter
    # count sit behind a [+] on screen, off the printed page (it prints at 8 pt or more)
    folded = tuple(KPI_HEADERS.index(h) for h in (
        "Quarter RAGs", "Year Numerator", "Year Denominator", "Previous Year Quarters"))
    ws = start_sheet(wb, ctx, "KPIs", "KPIs by quarter and for the year", widths, freeze_col=3,
                     folded=folded)
    header(ws, ctx, HEADER_ROW, KPI_HEADERS, height=42)
    text, wrap = st.cell(), st.cell(wrap=True)
    row = HEADER_ROW + 1
    for k in y.kpis:
        fmt = st.cell(UNIT_FORMATS.get(k.unit, "General"))
        quarters = tuple(p.value if p.value is not None else p.gap for p in k.quarters)
        q_fmts = tuple(fmt if p.value is not None else st.plain_word() for p in k.quarters)
        word = year_rag_word(k)
        refs = "; ".join(f"{p.period.q_label}: {p.ref}" for p in k.quarters if p.ref)
        values = ((k.contract_id, k.kpi_code, k.name, k.aggregation) + quarters
                  + (k.value if k.value is not None else "No value", k.target, word,
                     f"{k.reported} of 4", k.trend or "", _quarter_rags(k), k.numerator,
                     k.denominator, k.previous,
                     f"{k.previous_reported} of 4" if k.previous is not None else "",
                     k.change, refs))
        fmts = ((text, text, wrap, wrap) + q_fmts
                + (st.cell(UNIT_FORMATS.get(k.unit, "General"), bold=True)
                   if k.value is not None else st.plain_word(), fmt,
                   st.rag(word) if k.rag else st.plain_word(), st.cell(align="center"), text,
                   wrap, st.cell(DECIMAL_NUM), st.cell(DECIMAL_NUM), fmt, st.cell(align="center"),
                   st.cell(SIGNED_UNIT.get(k.unit, "General")), wrap))
        write_fitted(ws, ctx, row, values, fmts)
        row += 1
    ws.autofilter(HEADER_ROW, 0, max(row - 1, HEADER_ROW), len(KPI_HEADERS) - 1)
    if not y.kpis:
        put(ws, row, 0, "No KPI results in the ledger for this year.", st.note())
        row += 1
    put(ws, row + 1, 0, "The year follows each KPI's Annual Aggregation (see Notes): a sum, a "
        "ratio of the summed numerators and denominators, a mean or the latest quarter. A "
        "quarter without a value is a gap, never a zero. Change is in points for a "
        "percentage, and for a sum only when both years rest on as many quarters.", st.note())


FINANCE_CONTRACT_HEADERS = (
    "Contract ID", "Provider", "Annual Contract Value", "Annual Budget", "Spent To Date",
    "Outturn", "Outturn Basis", "Outturn Against Budget (£)", "Outturn Against Budget (%)",
    "Outturn Against Contract Value (£)",
    "Client Group Size", "Cost Per Service User", "Previous Year Outturn",
    "Change On Previous Year")
FINANCE_LINE_HEADERS = ("Contract ID", "Budget Line", "Annual Budget", "Q1 Actual",
                        "Q2 Actual", "Q3 Actual", "Q4 Actual", "Sum Of Quarters",
                        "Year To Date Actual", "Forecast Outturn", "Forecast Against Budget",
                        "Latest Return")


def write_finance(wb, ctx: AnnualContext) -> None:
    """Finance: the outturn by contract against budget and contract value, then by line."""
    y, st = ctx.year, ctx.st
    widths = (10, 24, 12, 12, 12, 12, 13, 11, 10, 12, 10, 11, 12, 12)
    ws = start_sheet(wb, ctx, "Finance", "Financial outturn for the year", widths)
    header(ws, ctx, HEADER_ROW, FINANCE_CONTRACT_HEADERS, height=42)
    money, text, wrap = st.cell(MONEY), st.cell(), st.cell(wrap=True)
    rows = [(f.contract.contract_id, f.contract.provider, f.annual_value, f.annual_budget,
             f.spent, f.outturn, f.outturn_basis, f.variance, f.variance_share,
             f.against_value, f.contract.client_group_size, f.cost_per_user,
             f.previous_outturn, f.change) for f in y.finance]
    end = write_rows(ws, ctx, HEADER_ROW + 1, rows, (
        text, wrap, money, money, money, money, text, st.cell(SIGNED_MONEY),
        st.cell(SIGNED_PERCENT), st.cell(SIGNED_MONEY), st.cell(INTEGER),
        st.cell("£#,##0.00"), money, st.cell(SIGNED_MONEY)))
    if rows:
        total = ("Total", None, sum(f.annual_value for f in y.finance),
                 sum(f.annual_budget for f in y.finance),
                 sum(f.spent or 0.0 for f in y.finance),
                 sum(f.outturn or 0.0 for f in y.finance))
        bold_money = st.cell(MONEY, bold=True)
        write_fitted(ws, ctx, end, total, (st.cell(bold=True), st.cell(bold=True))
                     + (bold_money,) * 4)
        end += 1
    row = end + 1
    section(ws, ctx, row, "By budget line", len(FINANCE_LINE_HEADERS) - 1)
    header(ws, ctx, row + 1, FINANCE_LINE_HEADERS, height=42)
    rows = []
    for f in y.finance:
        for ln in f.lines:
            against = (None if ln.forecast_outturn is None or ln.annual_budget is None
                       else ln.forecast_outturn - ln.annual_budget)
            rows.append((ln.contract_id, ln.line, ln.annual_budget)
                        + tuple(ln.quarter_actuals)
                        + (ln.sum_of_quarters, ln.ytd_actual, ln.forecast_outturn, against,
                           ln.latest.label if ln.latest else "No return"))
    write_rows(ws, ctx, row + 2, rows, (text, wrap, money, money, money, money, money, money,
                                         money, money, st.cell(SIGNED_MONEY), text))
    note_row = row + 2 + len(rows) + 1
    put(ws, note_row, 0, "Outturn is the year-to-date actual of the Q4 return when it has been "
        "accepted, else the latest forecast outturn. Cost per service user is the outturn over "
        "the register's client group size.", st.note())


__all__ = ["write_summary", "write_kpis", "write_finance", "year_rag_word", "KPI_HEADERS",
           "FINANCE_CONTRACT_HEADERS", "FINANCE_LINE_HEADERS"]
