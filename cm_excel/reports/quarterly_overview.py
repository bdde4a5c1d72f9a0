"""The overview sheets of the SMG quarterly workbook: Summary and Contracts.

Summary is the page SMG reads first (headline figures, RAG by contract, the flags needing
its attention); Contracts is the same per-contract line with the register's details.
"""

from __future__ import annotations

from ..flags import group_issues
from ..portfolio.provisional import provisional_note
from ..portfolio.rag import day
from .quarterly_layout import (
    HEADER_ROW, SheetContext, end_sheet, header, rag_or_plain, section, start_sheet,
    write_rows,
)
from .xlsx_style import DATE, INTEGER, MONEY, page_setup, put, set_widths, wrapped_height, write_row

SUMMARY_PAGE_POINTS = 500  # printable height of an A4 landscape page at these margins


def write_summary(wb, ctx: SheetContext) -> None:
    """Summary: the facts of the quarter, headline figures, RAG by contract, attention list."""
    data, st = ctx.data, ctx.st
    widths = (11, 24, 22, 12, 12, 12, 9, 44)
    ws = wb.add_worksheet("Summary")
    set_widths(ws, widths)
    ctx.widths = widths
    page_setup(ws, period_label=ctx.page_label, marking=ctx.settings.protective_marking,
               repeat=None, title="Summary")
    ws.set_row(0, 26)
    put(ws, 0, 0, f"SMG quarterly contract report: {data.period.label}", st.get(
        bold=True, font_size=16, font_color="#1F3864", valign="vcenter"))
    put(ws, 1, 0, f"{ctx.settings.office_name}  ·  {ctx.settings.protective_marking}",
        st.subtitle())

    row = _briefing(ws, ctx, 3, sum(widths))

    counts = data.return_counts()
    facts = [
        ("Period", data.period.describe()),
        ("Returns due by", f"{day(data.deadline)} ({ctx.settings.return_deadline_working_days} "
                           f"working days after quarter end)"),
        ("As of", day(data.as_of)),
        *([("Provisional", note)] if (note := provisional_note(data.period, data.as_of,
                                                               data.deadline)) else []),
        ("Figures from", f"the providers' accepted returns and {data.register_name}; "
                         f"the Rules sheet gives every threshold"),
    ]
    for label, value in facts:
        ws.merge_range(row, 0, row, 1, label, st.label())
        ws.merge_range(row, 2, row, 7, value, st.cell())
        row += 1
    # Page one is the briefing and the facts; the figures start page two, so that however
    # long "What changed" runs, no table starts at the foot of a page.
    row += 1
    page = _Page(row)
    section(ws, ctx, row, "Headline figures", 7)
    row += 1
    greens = sum(1 for o in ctx.overview if o.overall == "Green")
    ambers = sum(1 for o in ctx.overview if o.overall == "Amber")
    reds = sum(1 for o in ctx.overview if o.overall == "Red")
    red_flags = sum(1 for f in ctx.flags if f.severity == "Red")
    amber_flags = sum(1 for f in ctx.flags if f.severity == "Amber")
    header(ws, ctx, row, ("Contracts", "Green", "Amber", "Red", "Red flags", "Amber flags",
                          "Flags"))
    for col, word in ((1, "Green"), (2, "Amber"), (3, "Red")):  # the word in its colour
        put(ws, row, col, word, st.rag(word, valign="vcenter"))
    num = st.cell(INTEGER, align="center")
    write_row(ws, row + 1, (len(ctx.overview), greens, ambers, reds, red_flags, amber_flags,
                            len(ctx.flags)), [num] * 7)
    row += 3
    header(ws, ctx, row, ("Returns expected", "Received", "Accepted", "Of which late",
                          "Rejected", "Missing", "Not yet due"))
    write_row(ws, row + 1, (counts["expected"], counts["received"], counts["accepted"],
                            counts["late"], counts["rejected"], counts["missing"],
                            counts["not_yet_due"]), [num] * 7)
    row += 3
    page.add(20 + 2 * (30 + 15) + 15 + 15)

    heights = [wrapped_height([(o.contract.service, widths[1]), (o.contract.provider, widths[2]),
                               (o.action, widths[7])]) for o in ctx.overview]
    page.keep_with_next(row, 20 + 30 + (heights[0] if heights else 15))
    section(ws, ctx, row, "RAG by contract", 7)
    row += 1
    header(ws, ctx, row, ("Contract ID", "Service", "Provider", "Performance", "Finance",
                          "Overall", "Flags", "Recommended Action"))
    row += 1
    page.add(20 + 30)
    for o, height in zip(ctx.overview, heights):
        c = o.contract
        page.add(height)
        ws.set_row(row, height)
        write_row(ws, row, (c.contract_id, c.service, c.provider, o.performance_rag,
                            o.finance_rag, o.overall, len(o.flags), o.action),
                  (st.cell(bold=False), st.cell(wrap=True), st.cell(wrap=True),
                   st.rag(o.performance_rag), st.rag(o.finance_rag), st.rag(o.overall),
                   st.cell(INTEGER, align="center"), st.cell(wrap=True)))
        row += 1

    row += 1
    issues = group_issues(ctx.flags)
    attention = [i for i in issues if i.needs_smg]  # one line per issue, most serious first
    detail_width = sum(widths[2:6])
    first = wrapped_height([(attention[0].detail, detail_width)]) if attention else 15
    page.keep_with_next(row, 15 + 20 + 30 + first)  # the heading with its first rows
    if page.breaks:
        ws.set_h_pagebreaks(page.breaks)
    section(ws, ctx, row, "Needs SMG's attention first", 7)
    row += 1
    if not attention:
        ws.merge_range(row, 0, row, 7, "No flag needs SMG's attention this quarter.",
                       st.note(wrap=True))
        row += 1
    else:
        ws.set_row(row, 30)
        for col, text in ((0, "Contract ID"), (1, "Issue"), (6, "Severity"),
                          (7, "Recommended Action")):
            put(ws, row, col, text, st.header())
        ws.merge_range(row, 2, row, 5, "", st.header())
        put(ws, row, 2, "Detail", st.header())
        row += 1
        for issue in attention:
            detail = issue.detail
            if len(issue.flags) > 1:
                detail += f" (Flags: {', '.join(issue.codes)}.)"
            ws.set_row(row, wrapped_height([(detail, detail_width), (issue.action, widths[7]),
                                            (issue.name, widths[1])]))
            put(ws, row, 0, issue.contract_id, st.cell())
            put(ws, row, 1, issue.name, st.cell(wrap=True))
            ws.merge_range(row, 2, row, 5, "", st.cell(wrap=True))
            put(ws, row, 2, detail, st.cell(wrap=True))
            put(ws, row, 6, issue.severity, st.rag(issue.severity))
            put(ws, row, 7, issue.action, st.cell(wrap=True))
            row += 1
    row += 1
    others = len(issues) - len(attention)
    n = len(ctx.flags)
    note = (f"{n} flag{'s' if n != 1 else ''} about {len(issues)} "
            f"issue{'s' if len(issues) != 1 else ''} in all"
            + (f", {others} more issue{'s' if others != 1 else ''} on the Risk Flags sheet"
               if others else "")
            + ". Each issue is one line here; the Risk Flags sheet keeps every flag with its "
              "Issue and its evidence (return file, sheet and cell, or register row).")
    ws.set_row(row, 28)
    ws.merge_range(row, 0, row, 7, note, st.note(wrap=True))
    ws.print_area(0, 0, row, 7)


class _Page:
    """Where the Summary's printed page stands, in points, from a page break at ``row``, so
    that a section never starts at the foot of a page: ``keep_with_next`` breaks before
    ``row`` when the next ``need`` points would not fit. Heights are counted at full size,
    so a page printed smaller only ever breaks early, never late."""

    def __init__(self, row: int):
        self.used = 0.0
        self.breaks: list[int] = [row]

    def add(self, points: float) -> None:
        # No wrapping round when a table runs past the page: a program printing smaller (as
        # LibreOffice does without the Calibri-metric fonts) may not break there at all,
        # so the next section then gets a page of its own rather than risk its foot.
        self.used += points

    def keep_with_next(self, row: int, need: float) -> None:
        if self.used + need > SUMMARY_PAGE_POINTS:
            self.breaks.append(row)
            self.used = 0.0


def _briefing(ws, ctx: SheetContext, row: int, width: int) -> int:
    """"In brief" (two or three sentences) and "What changed since last quarter", from
    ``row``; returns the next free row."""
    st, briefing = ctx.st, ctx.briefing
    section(ws, ctx, row, "In brief", 7)
    row += 1
    for sentence in briefing.sentences:
        ws.set_row(row, wrapped_height([(sentence, width)], line_height=15))
        ws.merge_range(row, 0, row, 7, sentence, st.get(text_wrap=True, valign="top",
                                                        font_size=11))
        row += 1
    row += 1
    section(ws, ctx, row, f"What changed since {briefing.compared_with or 'last quarter'}", 7)
    row += 1
    for line in [f"{c.kind}: {c.text}" for c in briefing.changes] or [briefing.change_note]:
        ws.set_row(row, wrapped_height([(line, width)]))
        ws.merge_range(row, 0, row, 7, line, st.get(text_wrap=True, valign="top"))
        row += 1
    return row + 1


def write_contracts(wb, ctx: SheetContext) -> None:
    """Contracts: one row per active contract with its RAG, flag counts and action."""
    st = ctx.st
    headers = ("Contract ID", "Service", "Provider", "Lead Officer", "Deputy Officer",
               "Annual Value (£)", "Client Group Size", "End Date", "Performance RAG",
               "Finance RAG", "Overall RAG", "Flags", "Red Flags", "Amber Flags",
               "Recommended Action", "Register Row")
    widths = (9, 17, 15, 11, 11, 11, 8, 11, 11, 10, 10, 5, 5, 6, 30, 8)
    ws = start_sheet(wb, ctx, "Contracts", "Contracts", widths)
    header(ws, ctx, HEADER_ROW, headers)
    rows = []
    for o in ctx.overview:
        c = o.contract
        rows.append((c.contract_id, c.service, c.provider, c.lead_officer,
                     c.deputy_officer or "None recorded", c.annual_value,
                     c.client_group_size, c.end_date, o.performance_rag, o.finance_rag,
                     o.overall, len(o.flags), o.red, o.amber, o.action, c.row or None))
    text, wrap = st.cell(), st.cell(wrap=True)
    rag = rag_or_plain(ctx)
    num = st.cell(INTEGER, align="center")
    end = write_rows(ws, ctx, HEADER_ROW + 1, rows, (
        text, wrap, wrap, wrap, wrap, st.cell(MONEY), st.cell(INTEGER), st.cell(DATE),
        rag, rag, rag, num, num, num, wrap, num))
    ws.autofilter(HEADER_ROW, 0, max(end - 1, HEADER_ROW), len(headers) - 1)
    put(ws, end + 1, 0, f"Register Row is the contract's row on the Contracts sheet of "
                        f"{ctx.data.register_name}.", st.note())
    end_sheet(ws, ctx, end + 1)
