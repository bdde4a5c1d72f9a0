"""The record sheets of the SMG quarterly workbook: Risk Flags, Incidents & Complaints,
Returns and Sources.

Each lists the quarter's records one per row with the file, sheet and cell they came from.
"""

from __future__ import annotations

from ..flags import group_issues
from ..templates.contract import INCIDENTS
from ..portfolio.quarter import LATE
from .quarterly_layout import (
    HEADER_ROW, SheetContext, end_sheet, header, kind_label, section, several_tables,
    start_sheet, titled_rows, write_rows,
)
from .xlsx_style import DATE, DATETIME, INTEGER, MONEY, as_date, put, wrapped_height, write_row

RISK_FLAG_HEADERS = ("Contract ID", "Flag", "Severity", "Detail", "Evidence",
                     "Recommended Action", "Issue")


def risk_flag_order(flags) -> list:
    """Every flag, by contract, then issue (most serious issue first), then most serious
    flag first: the rows about one issue stand together."""
    issues = sorted(group_issues(flags), key=lambda i: i.contract_id)  # stable: keeps order
    return [f for issue in issues for f in issue.flags]


def write_risk_flags(wb, ctx: SheetContext) -> None:
    """Risk Flags: every flag with its issue, detail, evidence and recommended action."""
    st = ctx.st
    widths = (10, 22, 9, 50, 64, 36, 24)
    ws = start_sheet(wb, ctx, "Risk Flags", "Risk flags", widths)
    header(ws, ctx, HEADER_ROW, RISK_FLAG_HEADERS)
    wrap = st.cell(wrap=True)
    rows = [(f.contract_id, f.code, f.severity, f.detail, f.evidence, f.action, f.issue_name)
            for f in risk_flag_order(ctx.flags)]
    end = write_rows(ws, ctx, HEADER_ROW + 1, rows,
                     (st.cell(), st.cell(), lambda v: st.rag(v), wrap, wrap, wrap, wrap))
    ws.autofilter(HEADER_ROW, 0, max(end - 1, HEADER_ROW), len(RISK_FLAG_HEADERS) - 1)
    if not rows:
        put(ws, end + 1, 0, "No flags were raised this quarter.", st.note())
    end_sheet(ws, ctx, end + 1)


INCIDENT_HEADERS = ("Contract ID", "Date", "Category", "Description", "Clients Affected",
                    "Estimated Cost (£)", "Harm Caused", "Provider Negligence",
                    "Reputational Risk", "Action Taken", "Significant Failure", "Note",
                    "Evidence")


def incident_note(inc) -> str | None:
    """What SMG should know about when an incident was reported (None: nothing)."""
    if inc.reported_late:
        return (f"Happened in {inc.happened_in.label}; first reported in this quarter's "
                "return (the provider was asked why not sooner).")
    return None


def complaint_note(c) -> str | None:
    """How a complaint relates to its reports in other quarters (None: nothing)."""
    if c.is_update:
        return (f"First reported in {c.first_reported.label} ({c.update_of}); this return "
                "gives its outcome. Not counted again.")
    if c.updated_in:
        return (f"Outcome and resolved date as updated in the {c.updated_period.label} "
                f"return ({c.updated_in}); this return said {c.reported_outcome or 'blank'}.")
    return None


def write_incidents(wb, ctx: SheetContext) -> None:
    """Incidents & Complaints: the incidents with their category (significant ones marked,
    late reports noted), then complaints (updates of earlier ones noted, not counted)."""
    data, st = ctx.data, ctx.st
    widths = (11, 12, 16, 38, 12, 12, 12, 11, 11, 30, 11, 30, 32)
    ws = start_sheet(wb, ctx, "Incidents & Complaints", "Incidents and complaints", widths)
    header(ws, ctx, HEADER_ROW, INCIDENT_HEADERS, height=42)
    significant = {ref for f in ctx.flags if f.code == "SIGNIFICANT_FAILURE" for ref in f.refs}
    text, wrap = st.cell(), st.cell(wrap=True)
    rows = []
    for inc in data.incidents:
        cells = {inc.ref(h) for h in INCIDENTS.headers}
        rows.append((inc.contract_id, as_date(inc.date), inc.category or "Not given",
                     inc.description, inc.clients_affected, inc.estimated_cost,
                     inc.harm_caused, inc.provider_negligence, inc.reputational_risk,
                     inc.action_taken, "Yes" if cells & significant else "No",
                     incident_note(inc), inc.row_ref()))
    end = write_rows(ws, ctx, HEADER_ROW + 1, rows, (
        text, st.cell(DATE), wrap, wrap, st.cell(INTEGER), st.cell(MONEY), text, text, text,
        wrap, lambda v: st.rag(v) if v == "Yes" else st.plain_word(), wrap, wrap))
    ws.autofilter(HEADER_ROW, 0, max(end - 1, HEADER_ROW), len(INCIDENT_HEADERS) - 1)
    if not rows:
        put(ws, end, 0, "No incidents were reported this quarter.", st.note())
        end += 1

    several_tables(ws, ctx)
    _write_complaints(ws, ctx, end + 1)


# Complaints sit under the incident columns: six of their own, then Note and Evidence each
# merged over the incident columns beneath them, so every printed column has a heading.
COMPLAINT_COLUMNS = ("Contract ID", "Date Received", "Category", "Summary", "Outcome",
                     "Resolved Date")
NOTE_SPAN, EVIDENCE_SPAN = (6, 9), (10, 12)  # sheet columns Note and Evidence are merged over


def _write_complaints(ws, ctx: SheetContext, row: int) -> int:
    """Complaints, under the incidents in the sheet's own columns (updates of complaints
    from earlier quarters noted and not counted again). Returns the next row."""
    st, data = ctx.st, ctx.data
    text, wrap, day_fmt = st.cell(), st.cell(wrap=True), st.cell(DATE)
    new = sum(1 for c in data.complaints if not c.is_update)
    title = "Complaints" + (f" ({new} received this quarter; {len(data.complaints) - new} "
                            "from earlier quarters updated)" if new != len(data.complaints)
                            else "")
    section(ws, ctx, row, title, EVIDENCE_SPAN[1])
    header(ws, ctx, row + 1, COMPLAINT_COLUMNS)
    for (first, last), word in ((NOTE_SPAN, "Note"), (EVIDENCE_SPAN, "Evidence")):
        ws.merge_range(row + 1, first, row + 1, last, "", st.header())
        put(ws, row + 1, first, word, st.header())
    widths = {span: sum(ctx.widths[span[0]:span[1] + 1]) for span in (NOTE_SPAN, EVIDENCE_SPAN)}
    row += 2
    for c in data.complaints:
        values = (c.contract_id, as_date(c.date_received), c.category, c.summary, c.outcome,
                  as_date(c.resolved_date))
        write_row(ws, row, values, (text, day_fmt, wrap, wrap, wrap, day_fmt))
        extra = ((NOTE_SPAN, complaint_note(c) or ""), (EVIDENCE_SPAN, c.row_ref()))
        for (first, last), words in extra:
            ws.merge_range(row, first, row, last, "", wrap)
            put(ws, row, first, words, wrap)
        ws.set_row(row, wrapped_height(
            [(v, w) for v, w in zip(values, ctx.widths) if isinstance(v, str)]
            + [(words, widths[span]) for span, words in extra]))
        row += 1
    if not data.complaints:
        put(ws, row, 0, "No complaints were reported this quarter.", st.note())
        row += 1
    end_sheet(ws, ctx, row - 1)
    return row


def write_returns(wb, ctx: SheetContext) -> None:
    """Returns: each expected return's status, the chase list, restatements, every file."""
    data, st = ctx.data, ctx.st
    widths = (12, 22, 12, 15, 12, 18, 12, 14, 40, 9, 8, 8, 9)
    ws = start_sheet(wb, ctx, "Returns", "Returns received, late and missing", widths,
                     tables=True)
    headers = ("Contract ID", "Provider", "Return", "Status", "Due By", "Received (UK time)",
               "Version", "Working Days Late", "File", "Files Received", "Errors", "Queries",
               "Warnings")
    header(ws, ctx, HEADER_ROW, headers, height=30)
    text, wrap, num = st.cell(), st.cell(wrap=True), st.cell(INTEGER, align="center")
    rows = []
    for r in data.returns:
        c = data.contract(r.contract_id)
        shown = r.accepted or r.latest
        first = r.first_valid or shown
        rows.append((r.contract_id, c.provider, kind_label(r.kind), r.status, r.deadline,
                     first.received_uk if first else None,
                     shown.version if shown and shown.version else None,
                     r.working_days_late if r.status == LATE else None,
                     shown.file if shown else None, len(r.submissions),
                     shown.errors if shown else None, shown.queries if shown else None,
                     shown.warnings if shown else None))
    end = write_rows(ws, ctx, HEADER_ROW + 1, rows, (
        text, wrap, text, lambda v: st.rag(v), st.cell(DATE), st.cell(DATETIME), num, num, wrap,
        num, num, num, num))
    ws.autofilter(HEADER_ROW, 0, max(end - 1, HEADER_ROW), len(headers) - 1)
    row = end + 1
    put(ws, row, 0, "Received is when the first valid version arrived (lateness is judged on "
                    "it); File and Version are the return in use.", st.note())

    rows = [(c.contract_id, c.provider, kind_label(c.kind), c.status, c.deadline, c.lead_officer,
             c.deputy_officer or "None recorded", c.provider_escalation_contact,
             c.provider_contract_manager) for c in data.chase]
    row = titled_rows(ws, ctx, row + 2, "Chase list: returns missing or rejected",
                      ("Contract ID", "Provider", "Return", "Status", "Due By", "Lead Officer",
                       "Deputy Officer", "Escalation Contact", "Provider Contract Manager"),
                      rows, (text, wrap, text, lambda v: st.rag(v), st.cell(DATE), wrap, wrap,
                             wrap, wrap),
                      "Nothing to chase.")
    rows = [(r.contract_id, r.item, kind_label(r.kind), r.old_value, r.new_value, r.received,
             r.version, r.previous_version, r.file) for r in data.restatements]
    row = titled_rows(ws, ctx, row + 1, "Restatements: what changed when a return was replaced",
                      ("Contract ID", "Item", "Return", "Old Value", "New Value",
                       "Received (UK time)", "Version", "Replaces Version", "File"),
                      rows, (text, wrap, text, wrap, wrap, st.cell(DATETIME), num, num, wrap),
                      "No return was restated this quarter.")
    rows = [(s.contract_id, s.original_name, kind_label(s.kind), s.status.capitalize(), s.version,
             s.received_uk, s.errors, s.queries, s.archive_path or s.feedback_path or "",
             s.warnings) for s in data.submissions]
    row = titled_rows(ws, ctx, row + 1, "Every file received for this quarter",
                      ("Contract ID", "Original Name", "Return", "Ledger Status", "Version",
                       "Received (UK time)", "Errors", "Queries", "Archived As", "Warnings"),
                      rows, (text, wrap, text, text, num, st.cell(DATETIME), num, num, wrap,
                             num))
    end_sheet(ws, ctx, row - 1)


def write_sources(wb, ctx: SheetContext) -> None:
    """Sources: every return whose figures the workbook uses, with its SHA-256."""
    st = ctx.st
    headers = ("File", "Original Name", "Contract ID", "Period", "Return", "Version", "Status",
               "Received (UK time)", "SHA-256", "Archive Path", "Used For")
    widths = (30, 24, 10, 10, 10, 8, 10, 16, 52, 30, 18)
    ws = start_sheet(wb, ctx, "Sources", "Sources: every return used", widths,
                     keep=(8,))  # the SHA-256 prints whole
    header(ws, ctx, HEADER_ROW, headers)
    text, wrap = st.cell(), st.cell(wrap=True)
    rows = [(u.source.file, u.source.original_name, u.source.contract_id, u.source.period.label,
             kind_label(u.source.kind), u.source.version, u.source.status.capitalize(),
             u.source.received_uk, u.source.sha256, u.source.archive_path or "", u.used_for)
            for u in ctx.data.sources]
    end = write_rows(ws, ctx, HEADER_ROW + 1, rows, (
        wrap, wrap, text, text, text, st.cell(INTEGER, align="center"), text,
        st.cell(DATETIME), st.get(border=1, border_color="#A6A6A6", font_name="Courier New",
                                       font_size=8), wrap, wrap))
    ws.autofilter(HEADER_ROW, 0, max(end - 1, HEADER_ROW), len(headers) - 1)
    end_sheet(ws, ctx, max(end - 1, HEADER_ROW))
