"""The sheets of one contract's meeting pack (``packs.py`` knows their order).

Every sheet holds the one contract's data only: its KPIs, finance, incidents, complaints,
risks, improvement actions, flags and disputes. The twice-yearly (Q2) and annual (Q4)
meetings add the risk log, the complaints overview and the action plans of the year so far.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..flags import Flag
from ..portfolio.logs import ImprovementEntry, RiskEntry
from ..portfolio.quarter import QuarterData
from ..portfolio.rag import day
from ..portfolio.year import YearData, trend_word
from ..register.model import Contract, Dispute, Settings
from .annual_records import calendar_row
from .quarterly_calendar import OVERDUE
from .quarterly_layout import HEADER_ROW, header, start_sheet, titled_rows, write_rows
from .quarterly_performance import kpi_rag_word
from .xlsx_style import DATE, INTEGER, MONEY, PERCENT, SIGNED_PERCENT, UNIT_FORMATS, Styles, as_date, put

QUARTERLY, TWICE_YEARLY, ANNUAL = "Quarterly", "Twice-yearly", "Annual"


def meeting_kind(quarter: int) -> str:
    """Q2: the twice-yearly meeting; Q4: the annual one; else the quarterly (§3.1)."""
    return {2: TWICE_YEARLY, 4: ANNUAL}.get(quarter, QUARTERLY)


@dataclass
class PackContext:
    contract: Contract
    data: QuarterData  # the quarter (read only through the contract's accessors)
    year_to_date: YearData  # Q1 .. this quarter, for the longer meetings
    flags: list[Flag]  # this contract's flags
    risks: list[RiskEntry]  # this contract's, this year so far
    improvements: list[ImprovementEntry]
    disputes: list[Dispute]
    calendar: tuple  # this contract's CalendarEvent values of the twelve months ahead
    settings: Settings
    st: Styles
    widths: tuple = ()
    opened: list = field(default_factory=list)  # sheets to end (quarterly_layout.finish_sheets)

    @property
    def cid(self) -> str:
        return self.contract.contract_id

    @property
    def meeting(self) -> str:
        return meeting_kind(self.data.period.quarter)

    @property
    def longer(self) -> bool:
        return self.meeting != QUARTERLY

    @property
    def period_line(self) -> str:
        return (f"{self.cid} {self.contract.service}  ·  {self.data.period.describe()}  ·  "
                f"as of {day(self.data.as_of)}  ·  {self.settings.protective_marking}")

    @property
    def page_label(self) -> str:
        return f"{self.cid} contract meeting pack {self.data.period.label}"


def write_contract(wb, ctx: PackContext) -> None:
    """Contract: who is who, and the meeting this pack is for."""
    c, st = ctx.contract, ctx.st
    ws = start_sheet(wb, ctx, "Contract", f"{ctx.meeting} contract meeting pack: {c.contract_id}",
                     (30, 70), freeze_col=None, repeat_to=1)
    facts = [
        ("Contract ID", c.contract_id), ("Service", c.service), ("Provider", c.provider),
        ("Meeting", f"{ctx.meeting} contract meeting, {ctx.data.period.label}"),
        ("Chair (lead officer)", c.lead_officer),
        ("Deputy officer", c.deputy_officer or "None recorded"),
        ("Provider contract manager", c.provider_contract_manager),
        ("Provider escalation contact", c.provider_escalation_contact),
        ("Annual contract value", c.annual_value), ("Client group size", c.client_group_size),
        ("Start date", c.start_date), ("End date", c.end_date),
        ("Latest extension end", c.latest_extension_end),
    ]
    wrap = st.cell(wrap=True)
    fmts = {"Annual contract value": st.cell(MONEY), "Client group size": st.cell(INTEGER),
            "Start date": st.cell(DATE), "End date": st.cell(DATE),
            "Latest extension end": st.cell(DATE)}
    write_rows(ws, ctx, HEADER_ROW, [(k, v) for k, v in facts],
               [st.label(), lambda v: wrap])
    for i, (k, v) in enumerate(facts):
        if k in fmts:
            put(ws, HEADER_ROW + i, 1, v, fmts[k])


def write_kpis(wb, ctx: PackContext) -> None:
    """KPIs: this quarter against target, the four quarters before and the trend."""
    data, st = ctx.data, ctx.st
    history = list(data.history_periods)[-4:]
    headers = (("KPI Code", "KPI", "Target", "Amber Threshold")
               + tuple(p.label for p in history)
               + ("This Quarter", "RAG", "Trend", "Commentary", "Evidence"))
    widths = (8, 26, 9, 9) + (9,) * len(history) + (10, 12, 11, 30, 34)
    ws = start_sheet(wb, ctx, "KPIs", "KPIs and trend", widths, freeze_col=2)
    header(ws, ctx, HEADER_ROW, headers, height=42)
    text, wrap = st.cell(), st.cell(wrap=True)
    row = HEADER_ROW + 1
    for k in data.kpis_of(ctx.cid):
        fmt = st.cell(UNIT_FORMATS.get(k.unit, "General"))
        points = k.history[-len(history):] if history else ()
        earlier = next((p.actual for p in reversed(points) if p.actual is not None), None)
        word = kpi_rag_word(k, data)
        values = ((k.kpi_code, k.name, k.target, k.amber) + tuple(p.actual for p in points)
                  + (k.actual, word, trend_word(earlier, k.actual, k.direction) or "",
                     k.commentary, k.ref or ""))
        fmts = ((text, wrap, fmt, fmt) + (fmt,) * len(points)
                + (fmt, st.rag(word) if k.rag else st.plain_word(), text, wrap, wrap))
        write_rows(ws, ctx, row, [values], fmts)
        row += 1


def write_finance(wb, ctx: PackContext) -> None:
    """Finance: budget against actual by line, for the quarter and the year to date."""
    data, st = ctx.data, ctx.st
    headers = ("Budget Line", "Annual Budget", "Quarter Budget", "Quarter Actual",
               "Quarter Variance", "Year To Date Budget", "Year To Date Actual",
               "Forecast Outturn", "Variance Explanation", "Evidence")
    widths = (22, 12, 12, 12, 11, 12, 12, 12, 30, 34)
    ws = start_sheet(wb, ctx, "Finance", "Finance", widths)
    header(ws, ctx, HEADER_ROW, headers, height=42)
    money, wrap = st.cell(MONEY), st.cell(wrap=True)
    rows = []
    for f in data.finance_of(ctx.cid):
        variance = (None if f.quarter_actual is None or f.quarter_budget is None
                    else (f.quarter_actual - f.quarter_budget) / f.quarter_budget
                    if f.quarter_budget else None)
        rows.append((f.line, f.annual_budget, f.quarter_budget, f.quarter_actual, variance,
                     f.ytd_budget, f.ytd_actual, f.forecast_outturn, f.explanation,
                     f.ref("Quarter Actual")))
    end = write_rows(ws, ctx, HEADER_ROW + 1, rows, (wrap, money, money, money,
                                                       st.cell(SIGNED_PERCENT), money, money,
                                                       money, wrap, wrap))
    if not rows:
        put(ws, end, 0, "No financial return has been accepted for this quarter.", st.note())


def write_records(wb, ctx: PackContext) -> None:
    """Incidents & Complaints of the quarter."""
    data, st = ctx.data, ctx.st
    widths = (11, 36, 10, 12, 10, 10, 10, 30, 34)
    ws = start_sheet(wb, ctx, "Incidents & Complaints", "Incidents and complaints", widths)
    text, wrap = st.cell(), st.cell(wrap=True)
    header(ws, ctx, HEADER_ROW, ("Date", "Description", "Clients Affected",
                                  "Estimated Cost (£)", "Harm Caused", "Provider Negligence",
                                  "Reputational Risk", "Action Taken", "Evidence"), height=42)
    rows = [(as_date(i.date), i.description, i.clients_affected, i.estimated_cost,
             i.harm_caused, i.provider_negligence, i.reputational_risk, i.action_taken,
             i.row_ref()) for i in data.incidents_of(ctx.cid)]
    row = write_rows(ws, ctx, HEADER_ROW + 1, rows, (
        st.cell(DATE), wrap, st.cell(INTEGER), st.cell(MONEY), text, text, text, wrap, wrap))
    if not rows:
        put(ws, row, 0, "No incidents were reported this quarter.", st.note())
        row += 1
    complaints = [x for x in data.complaints if x.contract_id == ctx.cid]
    titled_rows(ws, ctx, row + 1, "Complaints", (
        "Date Received", "Summary", "Category", "Outcome", "Resolved Date", "", "", "",
        "Evidence"),
        [(as_date(x.date_received), x.summary, x.category, x.outcome,
          as_date(x.resolved_date), None, None, None, x.row_ref()) for x in complaints],
        (st.cell(DATE), wrap, wrap, text, st.cell(DATE), text, text, text, wrap),
        "No complaints were reported this quarter.")


def _risk_rows(entries):
    return [(r.period.q_label, r.risk, r.likelihood, r.impact, r.mitigation, r.owner, r.status,
             r.row_ref()) for r in entries]


def _action_rows(entries):
    return [(i.period.q_label, i.action, as_date(i.due_date), i.status, i.progress,
             i.first_reported.label if i.first_reported else "", i.row_ref()) for i in entries]


RISK_HEADERS = ("Quarter", "Risk", "Likelihood", "Impact", "Mitigation", "Owner", "Status",
                "Evidence")
ACTION_HEADERS = ("Quarter", "Action", "Due Date", "Status", "Progress", "First Reported",
                  "Evidence")


def write_risks(wb, ctx: PackContext) -> None:
    """Risks & Actions: the risks and improvement actions of this quarter's return."""
    st = ctx.st
    widths = (9, 32, 11, 10, 28, 16, 12, 34)
    ws = start_sheet(wb, ctx, "Risks & Actions", "Risks and improvement actions", widths)
    text, wrap = st.cell(), st.cell(wrap=True)
    now = ctx.data.period
    header(ws, ctx, HEADER_ROW, RISK_HEADERS)
    rows = _risk_rows(r for r in ctx.risks if r.period == now)
    row = write_rows(ws, ctx, HEADER_ROW + 1, rows,
                     (text, wrap, text, text, wrap, wrap, text, wrap))
    if not rows:
        put(ws, row, 0, "No risks were returned this quarter.", st.note())
        row += 1
    titled_rows(ws, ctx, row + 1, "Improvement actions", ACTION_HEADERS,
                _action_rows(i for i in ctx.improvements if i.period == now),
                (text, wrap, st.cell(DATE), text, wrap, text, wrap),
                "No improvement actions were returned this quarter.")


def write_flags(wb, ctx: PackContext) -> None:
    """Flags & Disputes: the contract's risk flags, open disputes and dates ahead."""
    st = ctx.st
    widths = (22, 11, 44, 50, 34, 12)
    ws = start_sheet(wb, ctx, "Flags & Disputes", "Risk flags and open dispute actions", widths)
    wrap = st.cell(wrap=True)
    header(ws, ctx, HEADER_ROW, ("Flag", "Severity", "Detail", "Evidence", "Recommended Action"))
    rows = [(f.code, f.severity, f.detail, f.evidence, f.action) for f in ctx.flags]
    row = write_rows(ws, ctx, HEADER_ROW + 1, rows,
                     (st.cell(), lambda v: st.rag(v), wrap, wrap, wrap))
    if not rows:
        put(ws, row, 0, "No flags were raised this quarter.", st.note())
        row += 1
    open_disputes = [d for d in ctx.disputes if d.is_open]
    row = titled_rows(ws, ctx, row + 1, "Open disputes", (
        "Stage", "Route", "Summary", "Next Action", "Register Row", "Opened"),
        [(d.stage, d.route, d.summary, _dispute_action(d),
          f"{ctx.data.register_name} Disputes row {d.row}", d.opened) for d in open_disputes],
        (wrap, st.cell(), wrap, wrap, wrap, st.cell(DATE)), "No dispute is open.")
    events = [calendar_row(e) for e in ctx.calendar]
    titled_rows(ws, ctx, row + 1, "Overdue and dates ahead",
                ("Event", "Date", "Detail", "Register Row", "Status"),
                [(e[3], e[0], e[4], e[5], e[1]) for e in events],
                (wrap, st.cell(DATE), wrap, wrap,
                 lambda v: st.rag("Red") if v == OVERDUE else st.plain_word()),
                "Nothing is overdue or falls due in the twelve months ahead.")


def _dispute_action(d: Dispute) -> str:
    """What the dispute waits for, in words, from its register row."""
    if d.action_plan_due and not d.outcome:
        return f"Agreed action plan to be completed by {day(d.action_plan_due)}"
    if (d.route or "").lower() == "formal":
        if d.written_notice and not d.meeting_date:
            return (f"Formal meeting due within ten business days of the written notice of "
                    f"{day(d.written_notice)} (§5.2)")
        if d.meeting_date:
            return f"Follow up the actions agreed at the meeting of {day(d.meeting_date)}"
        return "Give written notice once SMG agrees in writing (§5.2)"
    return "Review at this meeting and record the agreed actions (informal procedure, §5.1)"


def write_longer(wb, ctx: PackContext) -> None:
    """Risk Log, Complaints Overview and Action Plans of the year so far (Q2 and Q4)."""
    st, y = ctx.st, ctx.year_to_date
    text, wrap, n = st.cell(), st.cell(wrap=True), st.cell(INTEGER)
    ws = start_sheet(wb, ctx, "Risk Log", "Risk log: the year so far", (9, 32, 11, 10, 28, 16,
                                                                        12, 34))
    header(ws, ctx, HEADER_ROW, RISK_HEADERS)
    rows = _risk_rows(ctx.risks)
    end = write_rows(ws, ctx, HEADER_ROW + 1, rows,
                     (text, wrap, text, text, wrap, wrap, text, wrap))
    if not rows:
        put(ws, end, 0, "No risk log was returned this year.", st.note())

    ws = start_sheet(wb, ctx, "Complaints Overview", "Complaints received: the year so far",
                     (26, 12, 12, 12, 12, 12, 12, 12))
    summary = next(s for s in y.complaint_summary if s.contract_id == ctx.cid)
    header(ws, ctx, HEADER_ROW, ("Received", "Upheld Or Partly Upheld", "Not Upheld", "Open",
                                  "Upheld Rate (Of Decided)", "Resolved",
                                  "Mean Days To Resolve", "Longest Days To Resolve"), height=42)
    write_rows(ws, ctx, HEADER_ROW + 1, [(summary.received, summary.upheld, summary.not_upheld,
                                          summary.open, summary.upheld_rate, summary.resolved,
                                          summary.mean_days_to_resolve,
                                          summary.longest_days_to_resolve)],
               (n, n, n, n, st.cell(PERCENT), n, st.cell("0.0"), n))
    titled_rows(ws, ctx, HEADER_ROW + 3, "By category", ("Category", "Received",
                                                         "Upheld Or Partly Upheld"),
                list(summary.by_category), (wrap, n, n), "No complaints this year.")

    ws = start_sheet(wb, ctx, "Action Plans", "Action and improvement plans: the year so far",
                     (9, 32, 11, 12, 32, 12, 34))
    header(ws, ctx, HEADER_ROW, ACTION_HEADERS)
    rows = _action_rows(ctx.improvements)
    end = write_rows(ws, ctx, HEADER_ROW + 1, rows,
                     (text, wrap, st.cell(DATE), text, wrap, text, wrap))
    if not rows:
        put(ws, end, 0, "No improvement plan was returned this year.", st.note())


__all__ = ["PackContext", "meeting_kind", "QUARTERLY", "TWICE_YEARLY", "ANNUAL",
           "write_contract", "write_kpis", "write_finance", "write_records", "write_risks",
           "write_flags", "write_longer"]
