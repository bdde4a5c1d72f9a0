"""The register's calendar: the contract-management dates ahead, as plain values.

``calendar_events(register, as_of, months=12)`` lists what falls due between as-of and
``months`` later — exit notice deadlines, contract ends, Service Transfer Plans, post-contract
reviews, audits, dispute meetings and action plans, checklist expiries, return deadlines and
quarterly contract meetings — each a ``CalendarEvent`` naming the register row it comes from
and carrying a UID that stays the same while the row means the same thing (so a calendar
program updates the event on re-import instead of adding another).

The date arithmetic the calendar flags share lives here too (``contract_end``,
``notice_deadline``, ``audit_due``, ``dispute_meeting_due`` ...), so that a flag and the
Calendar sheet can never disagree about a deadline. Nothing here judges: flags do that.
"""

from __future__ import annotations

import calendar as _cal
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import PurePosixPath, PureWindowsPath

from .rag import day
from ..periods import Period, add_working_days, period_of, return_deadline
from ..register.model import Audit, Contract, Dispute, ExitPlan, Register, Settings
from .quarter import register_row_ref

# Event kinds, in the order they sort on one day.
EXIT_NOTICE = "Exit notice deadline"
CONTRACT_END = "Contract end"
STP_DUE = "Service Transfer Plan due"
STP_APPROVAL = "Service Transfer Plan approval due"
POST_CONTRACT_REVIEW = "Post-contract review"
AUDIT_DUE = "Audit due"
AUDIT_PLANNED = "Audit planned"
DISPUTE_MEETING = "Dispute meeting due"
ACTION_PLAN = "Dispute action plan due"
CHECKLIST_EXPIRY = "Checklist expiry"
CHECKLIST_DUE = "Checklist item due"
RETURN_DEADLINE = "Return deadline"
CONTRACT_MEETING = "Quarterly contract meeting due"
KINDS = (EXIT_NOTICE, CONTRACT_END, STP_DUE, STP_APPROVAL, POST_CONTRACT_REVIEW, AUDIT_DUE,
         AUDIT_PLANNED, DISPUTE_MEETING, ACTION_PLAN, CHECKLIST_EXPIRY, CHECKLIST_DUE,
         RETURN_DEADLINE, CONTRACT_MEETING)
KIND_ORDER = {k: i for i, k in enumerate(KINDS)}

UID_DOMAIN = "cm-excel"
LIVE = ("active", "mobilising")  # contract statuses that still have a calendar ahead
CONCLUDING = ("re-tender", "decommission", "terminate")  # exit decisions that end the contract


@dataclass(frozen=True)
class CalendarEvent:
    """One dated item of the contract-management calendar.

    ``contract_id`` is "" for what concerns every contract (a quarter's return deadline).
    ``ref`` names the register row (``register.xlsx Exit row 3``) or sheet it comes from.
    ``uid`` is stable across runs and as-of dates while the row keeps its identity.
    ``overdue`` is True for an open item whose date has passed (listed only on request).
    """

    date: date
    kind: str
    contract_id: str
    title: str
    ref: str
    uid: str
    detail: str = ""
    overdue: bool = False

    def sort_key(self):
        return (self.date, self.contract_id, KIND_ORDER.get(self.kind, len(KINDS)), self.uid)


# --- date arithmetic shared with the calendar flags ------------------------------------


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months, clamped to the month's last day.

    30 Jun 2027 - 6 months = 30 Dec 2026; 31 Aug + 6 months = 28 (or 29) Feb.
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, _cal.monthrange(year, month)[1]))


def contract_end(contract: Contract, exit_plan: ExitPlan | None) -> date:
    """The day the contract ends: its Latest Extension End Date when the recorded exit
    decision is to extend (the extension is taken up), else its End Date.

    Without a recorded decision the End Date counts: an extension not yet taken up cannot
    push the notice deadline back.
    """
    if (exit_plan is not None and exit_plan.decision == "extend"
            and contract.latest_extension_end and contract.latest_extension_end > contract.end_date):
        return contract.latest_extension_end
    return contract.end_date


def notice_deadline(end: date, settings: Settings) -> date:
    """The last day for written notice of the plans for contract end (strategy §6.0)."""
    return add_months(end, -settings.exit_notice_months)


def exit_warning_start(end: date, settings: Settings) -> date:
    """From this day, a contract without an exit decision raises EXIT_NOTICE_DUE."""
    return add_months(end, -settings.exit_notice_warning_months)


def stp_due(exit_plan: ExitPlan, settings: Settings) -> tuple[str, date] | None:
    """(kind, date) of the Service Transfer Plan step still awaited, or None.

    Only after written notice of a decision that ends the contract (re-tender, decommission,
    terminate): the plan is due within the Settings' window of the notice, its approval
    within the window of its receipt.
    """
    if exit_plan.decision not in CONCLUDING or exit_plan.notice_date is None:
        return None
    if exit_plan.stp_received is None:
        return STP_DUE, exit_plan.notice_date + _days(settings.stp_window_days)
    if exit_plan.stp_approved is None:
        return STP_APPROVAL, exit_plan.stp_received + _days(settings.stp_window_days)
    return None


def is_concluding(contract: Contract, exit_plan: ExitPlan | None) -> bool:
    """Ended or terminated, a decision that ends it (re-tender, decommission, terminate), or
    no decision and no extension available: a post-contract review is due (strategy §3.0)."""
    return (contract.status in ("ended", "terminated")
            or (exit_plan is not None and exit_plan.decision in CONCLUDING)
            or (exit_plan is None and not contract.latest_extension_end))


def audits_of(register: Register, contract_id: str) -> list[Audit]:
    return sorted(register.audits_of(contract_id), key=lambda a: (a.date, a.row))


def audit_due(contract: Contract, audits: list[Audit], as_of: date, settings: Settings) -> date:
    """The day by which the next audit is due: the last audit held on or before as-of (or
    the contract's start without one) plus the audit interval."""
    held = [a.date for a in audits if a.date <= as_of]
    return add_months(max(held) if held else contract.start_date, settings.audit_interval_months)


def dispute_meeting_due(dispute: Dispute, settings: Settings) -> date | None:
    """Formal route: ten (Settings) working days after the written notice; else None."""
    if dispute.route != "formal" or dispute.written_notice is None:
        return None
    return add_working_days(dispute.written_notice, settings.dispute_meeting_working_days)


def contract_meeting_due(period: Period, settings: Settings) -> date:
    """The quarterly contract meeting for ``period`` is due by this day."""
    deadline = return_deadline(period, settings.return_deadline_working_days)
    return add_working_days(deadline, settings.contract_meeting_working_days)


def register_name_of(register: Register) -> str:
    """The register's file name as evidence writes it (``register.xlsx`` by default)."""
    path = register.path or ""
    name = (PureWindowsPath(path) if "\\" in path else PurePosixPath(path)).name
    return name or "register.xlsx"


def slug(text: str) -> str:
    """Lower-case words joined by hyphens: a readable, stable part of a UID."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).casefold()).strip("-")[:60] or "item"


def _days(n: int) -> timedelta:
    return timedelta(days=int(n))


def _uid(*parts: object) -> str:
    return "-".join(slug(p) if not isinstance(p, date) else p.isoformat() for p in parts) \
        + f"@{UID_DOMAIN}"


# --- the events ----------------------------------------------------------------------


def calendar_events(register: Register, as_of: date, months: int = 12, *,
                    include_overdue: bool = False,
                    register_name: str | None = None) -> list[CalendarEvent]:
    """The calendar from ``as_of`` to ``months`` later (both days included), sorted by date,
    contract, kind and UID.

    ``include_overdue`` adds the open items whose date has already passed (an exit notice
    not given, an audit not held, a dispute meeting not held, a checklist item expired ...),
    marked ``overdue``. Contracts ended or terminated keep only an outstanding
    post-contract review.
    """
    name = register_name or register_name_of(register)
    horizon = add_months(as_of, months)
    events: list[CalendarEvent] = []
    for contract in sorted(register.contracts.values(), key=lambda c: c.contract_id):
        events += _contract_events(register, contract, as_of, name)
    events += _quarter_events(register, as_of, horizon, name)
    chosen = [e for e in events
              if (as_of <= e.date <= horizon and not e.overdue)
              or (include_overdue and e.overdue)]
    return sorted(chosen, key=CalendarEvent.sort_key)


def _contract_events(register: Register, contract: Contract, as_of: date,
                     name: str) -> list[CalendarEvent]:
    cid, settings = contract.contract_id, register.settings
    exit_plan = register.exit_plan(cid)
    end = contract_end(contract, exit_plan)
    contract_ref = register_row_ref(name, "Contracts", contract.row)
    exit_ref = register_row_ref(name, "Exit", exit_plan.row) if exit_plan else contract_ref
    live = contract.status in LIVE and end >= as_of
    out: list[CalendarEvent] = []

    def add(when, kind, title, ref, uid, detail="", can_be_overdue=True):
        out.append(CalendarEvent(when, kind, cid, f"{cid} {title}", ref, uid, detail,
                                 can_be_overdue and when < as_of))

    if live:
        add(end, CONTRACT_END, f"contract ends ({contract.provider})", contract_ref,
            _uid("contract-end", cid), f"End of {contract.service}.", can_be_overdue=False)
        if exit_plan is None or exit_plan.notice_date is None:
            decided = f"decision recorded: {exit_plan.decision}" if exit_plan else \
                "no exit decision recorded"
            add(notice_deadline(end, settings), EXIT_NOTICE,
                f"written notice of plans for contract end due (ends {day(end)})", exit_ref,
                _uid("exit-notice", cid),
                f"Strategy 6.0: at least {settings.exit_notice_months} months before the end "
                f"date; {decided}.")
        if exit_plan is not None:
            step = stp_due(exit_plan, settings)
            if step:
                kind, when = step
                add(when, kind, kind, exit_ref, _uid(kind, cid),
                    f"Notice of {exit_plan.decision} given {day(exit_plan.notice_date)}.")
    _review_events(contract, exit_plan, end, as_of, live, exit_ref, add)
    if live:
        _audit_events(register, contract, as_of, name, add)
        _dispute_events(register, cid, as_of, name, add)
        _checklist_events(register, cid, name, add)
    return out


def _review_events(contract, exit_plan, end, as_of, live, ref, add) -> None:
    """The post-contract review: its recorded date ahead, or due by the end of a contract
    that is concluding (strategy §3.0) when none is recorded."""
    cid = contract.contract_id
    if exit_plan is not None and exit_plan.post_contract_review is not None:
        if exit_plan.post_contract_review >= as_of:
            add(exit_plan.post_contract_review, POST_CONTRACT_REVIEW, "post-contract review",
                ref, _uid("post-contract-review", cid), can_be_overdue=False)
        return
    concluding = is_concluding(contract, exit_plan)
    recently_ended = (contract.status in ("ended", "terminated")
                      and add_months(contract.end_date, 12) >= as_of)
    if concluding and (live or recently_ended):
        add(end if contract.status in LIVE else contract.end_date, POST_CONTRACT_REVIEW,
            "post-contract review due (none recorded)", ref, _uid("post-contract-review", cid),
            "Strategy 3.0: a post-contract review takes place before the contract concludes.")


def _audit_events(register, contract, as_of, name, add) -> None:
    cid, settings = contract.contract_id, register.settings
    audits = audits_of(register, cid)
    planned = [a for a in audits if a.date > as_of]
    for a in planned:
        add(a.date, AUDIT_PLANNED, f"{a.audit_type} audit planned",
            register_row_ref(name, "Audits", a.row), _uid("audit", cid, a.date),
            f"Recommended by {a.recommended_by}.", can_be_overdue=False)
    due = audit_due(contract, audits, as_of, settings)
    if not any(a.date <= due for a in planned):
        held = [a for a in audits if a.date <= as_of]
        ref = register_row_ref(name, "Audits", held[-1].row) if held else \
            register_row_ref(name, "Contracts", contract.row)
        since = f"last audit {day(held[-1].date)}" if held else \
            f"no audit since the start on {day(contract.start_date)}"
        add(due, AUDIT_DUE, "audit due", ref, _uid("audit-due", cid),
            f"Strategy 3.1: at least one audit every {settings.audit_interval_months} "
            f"months; {since}.")


def _dispute_events(register, cid, as_of, name, add) -> None:
    settings = register.settings
    for d in register.disputes:
        if d.contract_id != cid or not d.is_open:
            continue
        ref = register_row_ref(name, "Disputes", d.row)
        due = dispute_meeting_due(d, settings)
        if due is not None and d.meeting_date is None:
            add(due, DISPUTE_MEETING, "formal dispute meeting due", ref,
                _uid("dispute-meeting", cid, d.opened),
                f"Strategy 5.2: within {settings.dispute_meeting_working_days} working days of "
                f"the written notice of {day(d.written_notice)}.")
        if d.action_plan_due is not None and not d.outcome:
            add(d.action_plan_due, ACTION_PLAN, "dispute action plan to be completed", ref,
                _uid("action-plan", cid, d.opened), d.summary or "")


def _checklist_events(register, cid, name, add) -> None:
    for item in register.checklist:
        if item.contract_id != cid:
            continue
        ref = register_row_ref(name, "Checklist", item.row)
        if item.status == "in place" and item.expiry_date is not None:
            add(item.expiry_date, CHECKLIST_EXPIRY, f"{item.item} expires", ref,
                _uid("checklist-expiry", cid, item.item))
        elif item.status in ("requested", "missing") and item.due_date is not None:
            add(item.due_date, CHECKLIST_DUE, f"{item.item} due from the provider", ref,
                _uid("checklist-due", cid, item.item), f"Status: {item.status}.")


def _quarter_events(register: Register, as_of: date, horizon: date,
                    name: str) -> list[CalendarEvent]:
    """Return deadlines and quarterly contract meetings for the quarters that reach them."""
    settings = register.settings
    out: list[CalendarEvent] = []
    period = period_of(as_of).shift(-2)
    while period.start <= horizon:
        deadline = return_deadline(period, settings.return_deadline_working_days)
        active = register.active_contracts(period)
        if active and as_of <= deadline <= horizon:
            out.append(CalendarEvent(
                deadline, RETURN_DEADLINE, "", f"Quarterly returns due for {period.label}",
                register_row_ref(name, "Settings", None), _uid("returns", period.label),
                f"{settings.return_deadline_working_days} working days after "
                f"{day(period.end)}; {len(active)} contracts, two returns each."))
        meeting = contract_meeting_due(period, settings)
        if as_of <= meeting <= horizon:
            for contract in active:
                if contract.status not in LIVE:
                    continue
                out.append(CalendarEvent(
                    meeting, CONTRACT_MEETING, contract.contract_id,
                    f"{contract.contract_id} quarterly contract meeting for {period.label} "
                    f"due (lead {contract.lead_officer})",
                    register_row_ref(name, "Contracts", contract.row),
                    _uid("meeting", contract.contract_id, period.label),
                    f"Strategy 4.0: chaired by {contract.lead_officer}"
                    + (f", deputy {contract.deputy_officer}" if contract.deputy_officer else "")
                    + "."))
        period = period.shift(1)
    return out


__all__ = [
    "ACTION_PLAN", "AUDIT_DUE", "AUDIT_PLANNED", "CHECKLIST_DUE", "CHECKLIST_EXPIRY",
    "CONCLUDING", "CONTRACT_END", "CONTRACT_MEETING", "CalendarEvent", "DISPUTE_MEETING",
    "EXIT_NOTICE", "KINDS", "LIVE", "POST_CONTRACT_REVIEW", "RETURN_DEADLINE", "STP_APPROVAL",
    "STP_DUE", "add_months", "audit_due", "audits_of", "calendar_events", "contract_end",
    "contract_meeting_due", "dispute_meeting_due", "exit_warning_start", "is_concluding", "notice_deadline",
    "register_name_of", "stp_due",
]
