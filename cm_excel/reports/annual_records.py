"""The record sheets of the SMG annual workbook: Incidents & Complaints, Risks &
Improvements, Governance (audits, disputes, exit decisions), Returns, Risk Flags, Calendar
and Notes. Each row names where it came from: the return's file, sheet and cells, or the
register row.
"""

from __future__ import annotations

from ..periods import Period
from ..portfolio.quarter import ACCEPTED, LATE, register_row_ref
from ..portfolio.rag import day
from ..portfolio.rollup import LATEST, MEAN, RATIO, SUM
from ..portfolio.year_records import category_of
from .annual_layout import AnnualContext
from .quarterly_calendar import DUE, OVERDUE
from .quarterly_layout import HEADER_ROW, header, start_sheet, titled_rows, write_rows
from .xlsx_style import DATE, INTEGER, MONEY, PERCENT, as_date, put

FLAG_HEADERS = ("Quarter", "Contract ID", "Flag", "Severity", "Detail", "Evidence",
                "Recommended Action")
CALENDAR_HEADERS = ("Date", "Status", "Contract ID", "Event", "Detail", "Register Row")


def _reg(ctx: AnnualContext, sheet: str, row: int) -> str:
    return register_row_ref(ctx.year.register_name, sheet, row)


def _complaint_note(x) -> str:
    """Where a complaint's outcome comes from when a later return updated it."""
    if x.updated_in:
        return (f"Outcome and resolved date as updated in the {x.updated_period.label} "
                f"return ({x.updated_in}); first reported as {x.reported_outcome or 'blank'}.")
    if x.is_update:
        return f"First reported in {x.first_reported.label} ({x.update_of})."
    return ""


def write_incidents(wb, ctx: AnnualContext) -> None:
    """Incidents by contract and by category, complaints (counts, upheld rate, days to
    resolve, each complaint once), and the lists."""
    y, st = ctx.year, ctx.st
    widths = (11, 11, 36, 14, 11, 11, 11, 11, 12, 30, 34)
    ws = start_sheet(wb, ctx, "Incidents & Complaints", "Incidents and complaints in the year",
                     widths, tables=True)
    text, wrap, n = st.cell(), st.cell(wrap=True), st.cell(INTEGER)
    money = st.cell(MONEY)
    header(ws, ctx, HEADER_ROW, ("Contract ID", "Incidents", "Provider", "Harm Caused",
                                  "Provider Negligence", "Reputational Risk", "None Of These",
                                  "Clients Affected", "Estimated Cost (£)"), height=42)
    rows = [(s.contract_id, s.incidents, y.contract(s.contract_id).provider, s.harm_caused,
             s.provider_negligence, s.reputational_risk, s.none_of_these, s.clients_affected,
             s.estimated_cost) for s in y.incident_summary]
    row = write_rows(ws, ctx, HEADER_ROW + 1, rows, (text, n, wrap, n, n, n, n, n, money))
    row = titled_rows(ws, ctx, row + 1, "Incidents by category", (
        "Contract ID", "Incidents", "Category", "Harm Caused", "Provider Negligence",
        "Reputational Risk", "Clients Affected", "Estimated Cost (£)"),
        [(s.contract_id, c.incidents, c.category, c.harm_caused, c.provider_negligence,
          c.reputational_risk, c.clients_affected, c.estimated_cost)
         for s in y.incident_summary for c in s.by_category],
        (text, n, wrap, n, n, n, n, money), "No incidents were reported in the year.")
    row = titled_rows(ws, ctx, row + 1, "Complaints", (
        "Contract ID", "Received", "Upheld Or Partly Upheld", "Not Upheld", "Open",
        "Upheld Rate (Of Decided)", "Resolved", "Mean Days To Resolve",
        "Longest Days To Resolve"),
        [(s.contract_id, s.received, s.upheld, s.not_upheld, s.open, s.upheld_rate, s.resolved,
          s.mean_days_to_resolve, s.longest_days_to_resolve) for s in y.complaint_summary],
        (text, n, n, n, n, st.cell(PERCENT), n, st.cell("0.0"), n))
    row = titled_rows(ws, ctx, row + 1, "Complaints by category",
                      ("Contract ID", "Category", "Received", "Upheld Or Partly Upheld"),
                      [(s.contract_id, cat, got, up) for s in y.complaint_summary
                       for cat, got, up in s.by_category],
                      (text, wrap, n, n), "No complaints were reported in the year.")
    row = titled_rows(ws, ctx, row + 1, "Incidents reported", (
        "Contract ID", "Quarter", "Description", "Category", "Date", "Clients Affected",
        "Estimated Cost (£)", "Harm Caused", "Provider Negligence", "Reputational Risk",
        "Evidence"),
        [(i.contract_id, i.source.period.q_label, i.description, category_of(i.category),
          as_date(i.date), i.clients_affected, i.estimated_cost, i.harm_caused,
          i.provider_negligence, i.reputational_risk, i.row_ref()) for i in y.incidents],
        (text, text, wrap, wrap, st.cell(DATE), n, money, text, text, text, wrap),
        "No incidents were reported in the year.")
    titled_rows(ws, ctx, row + 1, "Complaints received (each once)", (
        "Contract ID", "Quarter", "Summary", "Category", "Date Received", "Outcome",
        "Resolved Date", "First Reported", "Outcome Updated In", "Note", "Evidence"),
        [(x.contract_id, x.source.period.q_label, x.summary, x.category,
          as_date(x.date_received), x.outcome, as_date(x.resolved_date),
          (x.first_reported if x.is_update else x.source.period).label,
          x.updated_period.label if x.updated_in else "", _complaint_note(x), x.row_ref())
         for x in y.complaints],
        (text, text, wrap, wrap, st.cell(DATE), text, st.cell(DATE), wrap, wrap, wrap, wrap),
        "No complaints were reported in the year.")


def write_logs(wb, ctx: AnnualContext) -> None:
    """Risks & Improvements: each provider's latest risk log and improvement plan."""
    y, st = ctx.year, ctx.st
    widths = (10, 9, 34, 11, 10, 30, 16, 11, 36)
    ws = start_sheet(wb, ctx, "Risks & Improvements", "Providers' risk logs and improvement "
                     "plans (latest return of the year)", widths)
    text, wrap = st.cell(), st.cell(wrap=True)
    header(ws, ctx, HEADER_ROW, ("Contract ID", "Quarter", "Risk", "Likelihood", "Impact",
                                  "Mitigation", "Owner", "Status", "Evidence"))
    rows = [(r.contract_id, r.period.q_label, r.risk, r.likelihood, r.impact, r.mitigation,
             r.owner, r.status, r.row_ref()) for r in y.risks]
    row = write_rows(ws, ctx, HEADER_ROW + 1, rows,
                     (text, text, wrap, text, text, wrap, wrap, text, wrap))
    if not rows:
        put(ws, row, 0, "No risk log was returned in the year.", st.note())
        row += 1
    titled_rows(ws, ctx, row + 1, "Improvement plans", (
        "Contract ID", "Quarter", "Action", "Due Date", "Status", "Progress", "First Reported",
        "", "Evidence"),
        [(i.contract_id, i.period.q_label, i.action, as_date(i.due_date), i.status,
          i.progress, i.first_reported.label if i.first_reported else "", None, i.row_ref())
         for i in y.improvements],
        (text, text, wrap, st.cell(DATE), text, wrap, text, text, wrap),
        "No improvement plan was returned in the year.")


def write_governance(wb, ctx: AnnualContext) -> None:
    """Governance: audits in the year and due next, disputes, exit and re-commissioning."""
    y, st = ctx.year, ctx.st
    widths = (10, 12, 22, 14, 12, 14, 14, 12, 24, 40)
    ws = start_sheet(wb, ctx, "Governance", "Audits, disputes and exit decisions", widths)
    text, wrap, dt = st.cell(), st.cell(wrap=True), st.cell(DATE)
    header(ws, ctx, HEADER_ROW, ("Contract ID", "Audit Date", "Audit Type", "Recommended By",
                                  "Outcome", "", "", "", "Register Row"))
    rows = [(a.contract_id, a.date, a.audit_type, a.recommended_by, a.outcome, None, None,
             None, _reg(ctx, "Audits", a.row)) for a in y.audits]
    row = write_rows(ws, ctx, HEADER_ROW + 1, rows,
                     (text, dt, wrap, wrap, wrap, text, text, text, wrap))
    if not rows:
        put(ws, row, 0, "No audits are recorded in the year.", st.note())
        row += 1
    next_fy = (Period(y.fy + 1, 1).start, Period(y.fy + 1, 4).end)

    def due_word(a) -> str:
        if a.overdue:
            return "Overdue"
        return "Due next year" if next_fy[0] <= a.next_due <= next_fy[1] else "Not yet due"

    row = titled_rows(ws, ctx, row + 1, "Audits due", (
        "Contract ID", "Last Audit", "Next Due", "Status"),
        [(a.contract_id, a.last_audit, a.next_due, due_word(a)) for a in y.audits_due],
        (text, dt, dt, lambda v: st.rag("Red") if v == "Overdue" else st.plain_word()))
    row = titled_rows(ws, ctx, row + 1, "Disputes", (
        "Contract ID", "Opened", "Route", "Stage", "Written Notice", "Meeting Date",
        "Action Plan Due", "Status", "Register Row", "Summary And Outcome"),
        [(d.contract_id, d.opened, d.route, d.stage, d.written_notice, d.meeting_date,
          d.action_plan_due, d.status, _reg(ctx, "Disputes", d.row),
          "; ".join(t for t in (d.summary, d.outcome) if t)) for d in y.disputes],
        (text, dt, text, wrap, dt, dt, dt, text, wrap, wrap), "No disputes are recorded.")
    titled_rows(ws, ctx, row + 1, "Exit and re-commissioning decisions", (
        "Contract ID", "End Date", "Latest Extension End", "Decision", "Notice Date",
        "Transfer Plan Received", "Transfer Plan Approved", "Post-Contract Review",
        "Register Row"),
        [(c.contract_id, c.end_date, c.latest_extension_end,
          e.decision if e else "No decision recorded", e.notice_date if e else None,
          e.stp_received if e else None, e.stp_approved if e else None,
          e.post_contract_review if e else None,
          _reg(ctx, "Exit", e.row) if e else _reg(ctx, "Contracts", c.row))
         for c, e in y.exits],
        (text, dt, dt, wrap, dt, dt, dt, dt, wrap))


def write_returns(wb, ctx: AnnualContext) -> None:
    """Returns: compliance per provider, then every expected return's status by quarter."""
    y, st = ctx.year, ctx.st
    widths = (10, 24, 9, 9, 9, 9, 11, 9, 10, 11)
    ws = start_sheet(wb, ctx, "Returns", "Returns compliance in the year", widths)
    text, wrap, n = st.cell(), st.cell(wrap=True), st.cell(INTEGER)
    header(ws, ctx, HEADER_ROW, ("Contract ID", "Provider", "Due", "On Time", "Late",
                                  "Missing Or Rejected", "Resubmitted", "Not Yet Due",
                                  "On Time Share", "Working Days Late"), height=42)
    rows = [(c.contract_id, y.contract(c.contract_id).provider, c.due, c.on_time, c.late,
             c.missing, c.resubmitted, c.not_yet_due, c.on_time_share, c.working_days_late)
            for c in y.compliance]
    row = write_rows(ws, ctx, HEADER_ROW + 1, rows,
                     (text, wrap, n, n, n, n, n, n, st.cell(PERCENT), n))
    grid = []
    for c in y.contracts:
        for kind in ("performance", "financial"):
            cells = []
            for q in y.quarters:
                r = next((r for r in q.returns_of(c.contract_id) if r.kind == kind), None)
                word = r.status if r else "Not active"
                if r and r.accepted and (r.accepted.version or 1) > 1:
                    word = f"{word} (v{r.accepted.version})"
                cells.append(word)
            grid.append((c.contract_id, kind.capitalize(), *cells))

    def colour(word):
        base = word.split(" (v")[0]
        if base in (ACCEPTED,):
            return st.rag("Green")
        if base == LATE:
            return st.rag("Amber")
        return st.rag(base)

    titled_rows(ws, ctx, row + 1, "By quarter", ("Contract ID", "Return", "Q1", "Q2", "Q3",
                                                 "Q4"),
                grid, (text, text, colour, colour, colour, colour))


def write_flags(wb, ctx: AnnualContext) -> None:
    """Risk Flags: every flag raised in the year's quarters, quarter by quarter."""
    st = ctx.st
    widths = (12, 10, 22, 9, 46, 56, 34)
    ws = start_sheet(wb, ctx, "Risk Flags", "Risk flags raised in the year", widths)
    header(ws, ctx, HEADER_ROW, FLAG_HEADERS)
    wrap = st.cell(wrap=True)
    rows = [(f.period.q_label if f.period else f"As of {day(ctx.year.as_of)}", f.flag.contract_id, f.flag.code, f.flag.severity, f.flag.detail,
             f.flag.evidence, f.flag.action) for f in ctx.flags]
    end = write_rows(ws, ctx, HEADER_ROW + 1, rows,
                     (st.cell(), st.cell(), st.cell(), lambda v: st.rag(v), wrap, wrap, wrap))
    ws.autofilter(HEADER_ROW, 0, max(end - 1, HEADER_ROW), len(FLAG_HEADERS) - 1)
    if not rows:
        put(ws, end + 1, 0, "No flags were raised in the year.", st.note())


def write_calendar(wb, ctx: AnnualContext) -> None:
    """Calendar: what is overdue, then the deadlines of the twelve months after as-of."""
    st = ctx.st
    widths = (12, 9, 12, 28, 58, 30)
    ws = start_sheet(wb, ctx, "Calendar", "Overdue, and the twelve months from "
                     f"{day(ctx.year.as_of)}", widths)
    header(ws, ctx, HEADER_ROW, CALENDAR_HEADERS)
    wrap = st.cell(wrap=True)
    rows = [calendar_row(e) for e in ctx.calendar]
    end = write_rows(ws, ctx, HEADER_ROW + 1, rows,
                     (st.cell(DATE), lambda v: st.rag("Red") if v == OVERDUE else st.plain_word(),
                      st.cell(), wrap, wrap, wrap))
    ws.autofilter(HEADER_ROW, 0, max(end - 1, HEADER_ROW), len(CALENDAR_HEADERS) - 1)
    if not rows:
        put(ws, end, 0, "Nothing is overdue or falls due in the twelve months ahead.", st.note())


def calendar_row(event) -> tuple:
    """(date, status, contract, event, detail, register row) of a
    ``portfolio.calendar.CalendarEvent``."""
    detail = event.title + (f". {event.detail}" if event.detail else "")
    return (event.date, OVERDUE if event.overdue else DUE, event.contract_id or "All contracts",
            event.kind, detail, event.ref)


AGGREGATION_WORDS = (
    (SUM, "The quarters added up; the year's target is the quarterly targets of the same "
          "quarters added up (SLA targets are per quarter)."),
    (RATIO, "Total numerator over total denominator across the quarters: never an average of "
            "the quarterly percentages."),
    (MEAN, "The mean of the quarterly values."),
    (LATEST, "The latest quarter's value (a stock, such as the open caseload)."),
)


def write_notes(wb, ctx: AnnualContext) -> None:
    """Notes: how the year's figures are made, in words, so an auditor can retrace them."""
    y, st = ctx.year, ctx.st
    widths = (22, 100)
    ws = start_sheet(wb, ctx, "Notes", "How the year's figures are made", widths,
                     freeze_col=None)
    header(ws, ctx, HEADER_ROW, ("Annual Aggregation", "Meaning"))
    wrap = st.cell(wrap=True)
    row = write_rows(ws, ctx, HEADER_ROW + 1, list(AGGREGATION_WORDS), (st.cell(), wrap))
    notes = [
        ("Gaps", "A quarter with no accepted return, or a KPI not reported, is shown as a word "
                 "(No return, Not reported, Not yet due) and left out of the year: never a "
                 "zero. 'Quarters Behind The Year' says how many quarters the figure rests on."),
        ("Year target", "For ratio, mean and latest KPIs: the register's target in force in the "
                        "latest quarter with a value."),
        ("Year RAG", "The year's value against the year's target and amber threshold, by the "
                     "KPI's direction, as for a quarter."),
        ("Trend in year", "The latest quarter with a value against the first: Improving, "
                          "Worsening or Steady (within 1%); Up or Down for information KPIs."),
        ("Previous year", "The previous financial year rolled up by the same rules, when the "
                          "ledger holds its returns"
                          + ("." if y.previous_fy_in_ledger else
                             "; the ledger holds none for this year.")),
        ("Provisional", "The year is provisional while any of its returns is not yet due."
                        + (f" {ctx.provisional_words}." if y.provisional else "")),
        ("Risk flags", "The flags of each quarter of the year that has ended, as in that "
                       "quarter's SMG workbook; then the calendar and governance flags of the "
                       "register as of the report's date, once."),
    ]
    write_rows(ws, ctx, row + 1, notes, (st.label(), wrap))


__all__ = ["write_incidents", "write_logs", "write_governance", "write_returns", "write_flags",
           "write_calendar", "write_notes", "FLAG_HEADERS", "CALENDAR_HEADERS", "calendar_row"]
