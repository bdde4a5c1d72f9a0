"""Calendar and governance flags: what the register says is due, overdue or missing as of
a date (strategy §3.0, §3.1, §4.0, §5.2, §6.0).

EXIT_NOTICE_DUE, EXIT_NOTICE_OVERDUE, POST_CONTRACT_REVIEW_DUE, AUDIT_OVERDUE, AUDIT_LIMIT,
DISPUTE_MEETING_OVERDUE, DISPUTE_ACTION_PLAN_OVERDUE, CHECKLIST_EXPIRED, GOVERNANCE_NO_DEPUTY.

Each rule takes a quarter's facts (``QuarterData``, as every entry of ``flags.RULES`` does)
or a ``RegisterView`` (the register, the as-of date, the contracts judged), so the quarterly
workbook and the annual one (``calendar_flags(register, as_of)``) share them. The deadlines come from
``portfolio.calendar``, so a flag and the Calendar sheet never disagree about a date.
Evidence names the register row (``register.xlsx Exit row 3``) and the dates compared.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Iterator

from ..portfolio import calendar as cal
from ..portfolio.quarter import register_row_ref
from ..portfolio.rag import day
from .catalogue import BY_CODE
from .model import AMBER, INFORMAL, NORMAL, RED, Flag

if TYPE_CHECKING:
    from ..register.model import Contract, Register


@dataclass(frozen=True)
class RegisterView:
    """What a calendar rule reads: the register, the date it speaks for, whom it judges."""

    register: "Register"
    as_of: date
    contracts: tuple["Contract", ...]
    name: str = "register.xlsx"

    @property
    def settings(self):
        return self.register.settings

    def ref(self, sheet: str, row: int | None) -> str:
        return register_row_ref(self.name, sheet, row)

    def live(self) -> Iterator[tuple["Contract", date]]:
        """(contract, the day it ends) for contracts active or mobilising and not yet ended."""
        for contract in self.contracts:
            end = cal.contract_end(contract, self.register.exit_plan(contract.contract_id))
            if contract.status in cal.LIVE and self.as_of <= end:
                yield contract, end


def as_view(source) -> RegisterView | None:
    """``source`` itself when a RegisterView; the quarter's register, as-of and active
    contracts when QuarterData; None when the quarter was built without its register."""
    if isinstance(source, RegisterView):
        return source
    if getattr(source, "register", None) is None:
        return None
    return RegisterView(source.register, source.as_of, source.contracts, source.register_name)


def _rule(fn):
    """A rule over a RegisterView, callable with QuarterData too (no flags without a register)."""
    @functools.wraps(fn)
    def rule(source) -> Iterator[Flag]:
        view = as_view(source)
        return iter(()) if view is None else fn(view)

    return rule


# What each flag is about, in plain words (``Flag.issue``): flags of one contract about the
# same thing are one line for SMG (a dispute's overdue meeting and its overdue action plan).
EXIT_NOTICE_ISSUE = "Exit notice"
TRANSFER_PLAN_ISSUE = "Service Transfer Plan"
REVIEW_ISSUE = "Post-contract review"
AUDITS_ISSUE = "Audits"
DEPUTY_ISSUE = "Deputy officer"


def dispute_issue(dispute) -> str:
    """``Dispute (Disputes row 4)``: one dispute, one issue."""
    return f"Dispute (Disputes row {dispute.row})"


def checklist_issue(item) -> str:
    """``ISVA accreditation certificate (checklist)``."""
    return f"{item.item} (checklist)"


def _flag(code: str, contract_id: str, detail: str, evidence: str, refs, *, issue: str,
          severity: str | None = None, action: str | None = None) -> Flag:
    spec = BY_CODE[code]
    return Flag(contract_id, code, severity or spec.severity, detail, evidence,
                action or spec.action, tuple(refs), issue=issue)


# --- exit (§6.0) and post-contract review (§3.0) ------------------------------------------


@_rule
def exit_notice_due(view: RegisterView) -> Iterator[Flag]:
    """EXIT_NOTICE_DUE: the end is within the warning window (Settings "Exit notice warning
    months") and no exit decision is recorded; until the notice deadline (6 months before
    the end, inclusive), after which EXIT_NOTICE_OVERDUE takes over."""
    for contract, end in view.live():
        exit_plan = view.register.exit_plan(contract.contract_id)
        start = cal.exit_warning_start(end, view.settings)
        deadline = cal.notice_deadline(end, view.settings)
        if exit_plan is not None or not start <= view.as_of <= deadline:
            continue
        ref = view.ref("Contracts", contract.row)
        yield _flag(
            "EXIT_NOTICE_DUE", contract.contract_id,
            f"The contract ends on {day(end)} and no exit decision (extend, re-tender, "
            f"decommission, terminate) is recorded; written notice is due by {day(deadline)}.",
            f"{ref}: ends {day(end)}; no row in the Exit sheet; notice due "
            f"{view.settings.exit_notice_months} months before the end, by {day(deadline)}; "
            f"warning from {day(start)}; as of {day(view.as_of)}", (ref,),
            issue=EXIT_NOTICE_ISSUE)


@_rule
def exit_notice_overdue(view: RegisterView) -> Iterator[Flag]:
    """EXIT_NOTICE_OVERDUE: fewer than 6 months left with no written notice recorded (Red);
    or, after notice of a decision that ends the contract, the Service Transfer Plan not
    received, or not approved, within Settings "Service transfer plan days" (Amber)."""
    for contract, end in view.live():
        cid = contract.contract_id
        exit_plan = view.register.exit_plan(cid)
        deadline = cal.notice_deadline(end, view.settings)
        contract_ref = view.ref("Contracts", contract.row)
        exit_ref = view.ref("Exit", exit_plan.row) if exit_plan else None
        if view.as_of > deadline and (exit_plan is None or exit_plan.notice_date is None):
            decided = (f"{exit_ref}: decision {exit_plan.decision}, Notice Date blank"
                       if exit_plan else "no row in the Exit sheet")
            yield _flag(
                "EXIT_NOTICE_OVERDUE", cid,
                f"Fewer than {view.settings.exit_notice_months} months are left before the "
                f"contract ends on {day(end)} and no written notice of the plans for its end "
                "is recorded (strategy 6.0).",
                f"{contract_ref}: ends {day(end)}; {decided}; notice was due by "
                f"{day(deadline)}; as of {day(view.as_of)}",
                (contract_ref,) + ((exit_ref,) if exit_ref else ()), severity=RED,
                issue=EXIT_NOTICE_ISSUE)
            continue
        step = cal.stp_due(exit_plan, view.settings) if exit_plan else None
        if step and view.as_of > step[1]:
            kind, due = step
            what = ("not received" if kind == cal.STP_DUE else
                    f"received {day(exit_plan.stp_received)} but not approved")
            since = (f"notice of {exit_plan.decision} given {day(exit_plan.notice_date)}"
                     if kind == cal.STP_DUE else f"received {day(exit_plan.stp_received)}")
            yield _flag(
                "EXIT_NOTICE_OVERDUE", cid,
                f"The provider's Service Transfer Plan is {what} within "
                f"{view.settings.stp_window_days} days (strategy 6.0); the contract ends on "
                f"{day(end)}.",
                f"{exit_ref}: {since}; {kind.lower()} by {day(due)}; as of {day(view.as_of)}",
                (exit_ref,), issue=TRANSFER_PLAN_ISSUE)


@_rule
def post_contract_review_due(view: RegisterView) -> Iterator[Flag]:
    """POST_CONTRACT_REVIEW_DUE: a contract concluding (a decision to re-tender, decommission
    or terminate, no extension available, or ended/terminated) whose end is within Settings
    "Post-contract review months" either side of as-of, without a post-contract review date."""
    window = view.settings.post_contract_review_months
    for contract in view.contracts:
        exit_plan = view.register.exit_plan(contract.contract_id)
        if exit_plan is not None and exit_plan.post_contract_review is not None:
            continue
        if not cal.is_concluding(contract, exit_plan):
            continue
        end = cal.contract_end(contract, exit_plan)
        terminated = contract.status == "terminated"
        if not ((terminated or cal.add_months(end, -window) <= view.as_of)
                and view.as_of <= cal.add_months(end, window)):
            continue
        ref = view.ref("Exit", exit_plan.row) if exit_plan else view.ref("Contracts", contract.row)
        why = (f"decision {exit_plan.decision}" if exit_plan else
               f"status {contract.status}" if contract.status in ("ended", "terminated") else
               "no exit decision and no extension available")
        yield _flag(
            "POST_CONTRACT_REVIEW_DUE", contract.contract_id,
            f"The contract {'ended' if end < view.as_of else 'ends'} on {day(end)} and no "
            "post-contract review date is recorded (strategy 3.0).",
            f"{ref}: {why}; Post-Contract Review Date blank; ends {day(end)}; flagged from "
            f"{window} months before the end; as of {day(view.as_of)}", (ref,),
            issue=REVIEW_ISSUE)


# --- audits (§3.1) ----------------------------------------------------------------------


@_rule
def audit_overdue(view: RegisterView) -> Iterator[Flag]:
    """AUDIT_OVERDUE: no audit held in the Settings "Audit interval months" before as-of
    (the last audit, or the start without one, plus the interval has passed)."""
    for contract, _ in view.live():
        audits = cal.audits_of(view.register, contract.contract_id)
        due = cal.audit_due(contract, audits, view.as_of, view.settings)
        if view.as_of <= due:
            continue
        held = [a for a in audits if a.date <= view.as_of]
        if held:
            ref = view.ref("Audits", held[-1].row)
            last = f"{ref}: last audit {day(held[-1].date)} ({held[-1].audit_type})"
        else:
            ref = view.ref("Contracts", contract.row)
            last = f"{ref}: no audit since the start on {day(contract.start_date)}"
        yield _flag(
            "AUDIT_OVERDUE", contract.contract_id,
            f"No audit in the last {view.settings.audit_interval_months} months; one was due "
            f"by {day(due)} (strategy 3.1).",
            f"{last}; next due by {day(due)}; as of {day(view.as_of)}", (ref,),
            issue=AUDITS_ISSUE)


@_rule
def audit_limit(view: RegisterView) -> Iterator[Flag]:
    """AUDIT_LIMIT: two audits (held or planned) less than the audit interval apart, the
    later one within the interval before as-of or still to come (strategy 3.1: "no more
    than one audit per year")."""
    months = view.settings.audit_interval_months
    for contract, _ in view.live():
        audits = cal.audits_of(view.register, contract.contract_id)
        for first, second in zip(audits, audits[1:]):
            if not (second.date < cal.add_months(first.date, months)
                    and view.as_of <= cal.add_months(second.date, months)):
                continue
            refs = (view.ref("Audits", first.row), view.ref("Audits", second.row))
            yield _flag(
                "AUDIT_LIMIT", contract.contract_id,
                f"Two audits within {months} months: {day(first.date)} and "
                f"{day(second.date)} (strategy 3.1 expects no more than one a year).",
                f"{refs[0]}: {first.audit_type} audit {day(first.date)}; {refs[1]}: "
                f"{second.audit_type} audit {day(second.date)}; as of {day(view.as_of)}",
                refs, issue=AUDITS_ISSUE)


# --- disputes (§5.1, §5.2) --------------------------------------------------------------


@_rule
def dispute_meeting_overdue(view: RegisterView) -> Iterator[Flag]:
    """DISPUTE_MEETING_OVERDUE: an open formal dispute with no meeting held within Settings
    "Dispute meeting working days" (10) of the written notice, England and Wales bank
    holidays skipped; the day itself is still on time."""
    ids = {c.contract_id for c, _ in view.live()}
    for d in view.register.disputes:
        if d.contract_id not in ids or not d.is_open or d.meeting_date is not None:
            continue
        due = cal.dispute_meeting_due(d, view.settings)
        if due is None or view.as_of <= due:
            continue
        ref = view.ref("Disputes", d.row)
        yield _flag(
            "DISPUTE_MEETING_OVERDUE", d.contract_id,
            f"Formal dispute: written notice given on {day(d.written_notice)}, but no meeting "
            f"was held by {day(due)} ({view.settings.dispute_meeting_working_days} working "
            "days, strategy 5.2).",
            f"{ref}: route formal, Written Notice Date {day(d.written_notice)}, Meeting Date "
            f"blank; meeting due by {day(due)}; as of {day(view.as_of)}", (ref,),
            issue=dispute_issue(d))


@_rule
def dispute_action_plan_overdue(view: RegisterView) -> Iterator[Flag]:
    """DISPUTE_ACTION_PLAN_OVERDUE: an open dispute's agreed action plan past its completion
    date with no outcome recorded."""
    ids = {c.contract_id for c, _ in view.live()}
    for d in view.register.disputes:
        if (d.contract_id not in ids or not d.is_open or d.action_plan_due is None
                or d.outcome or view.as_of <= d.action_plan_due):
            continue
        ref = view.ref("Disputes", d.row)
        yield _flag(
            "DISPUTE_ACTION_PLAN_OVERDUE", d.contract_id,
            f"The action plan agreed in the {d.route} dispute opened on {day(d.opened)} was "
            f"due to be completed by {day(d.action_plan_due)}; no outcome is recorded.",
            f"{ref}: route {d.route}, Action Plan Completion Date {day(d.action_plan_due)}, "
            f"Outcome blank; as of {day(view.as_of)}", (ref,), issue=dispute_issue(d))


# --- checklist and governance -----------------------------------------------------------


@_rule
def checklist_expired(view: RegisterView) -> Iterator[Flag]:
    """CHECKLIST_EXPIRED: an item in place past its expiry date, or requested (or missing)
    and not received by its due date (Red); an item expiring within Settings "Checklist
    warning days" (Amber, a warning; the expiry day itself is still in date)."""
    ids = {c.contract_id for c, _ in view.live()}
    warn = view.settings.checklist_warning_days
    for item in view.register.checklist:
        if item.contract_id not in ids:
            continue
        ref = view.ref("Checklist", item.row)
        if item.status == "in place" and item.expiry_date is not None:
            expiry = item.expiry_date
            if view.as_of > expiry:
                yield _flag("CHECKLIST_EXPIRED", item.contract_id,
                            f"{item.item} expired on {day(expiry)}.",
                            f"{ref}: {item.item}, Expiry Date {day(expiry)}; as of "
                            f"{day(view.as_of)}", (ref,), severity=RED, action=INFORMAL,
                            issue=checklist_issue(item))
            elif (expiry - view.as_of).days <= warn:
                yield _flag("CHECKLIST_EXPIRED", item.contract_id,
                            f"{item.item} expires on {day(expiry)}, within {warn} days.",
                            f"{ref}: {item.item}, Expiry Date {day(expiry)}; warning from "
                            f"{warn} days before; as of {day(view.as_of)}", (ref,),
                            severity=AMBER, action=NORMAL, issue=checklist_issue(item))
        elif (item.status in ("requested", "missing") and item.due_date is not None
              and view.as_of > item.due_date):
            yield _flag("CHECKLIST_EXPIRED", item.contract_id,
                        f"{item.item} was {item.status} and not received by its due date, "
                        f"{day(item.due_date)}.",
                        f"{ref}: {item.item}, Status {item.status}, Due Date "
                        f"{day(item.due_date)}; as of {day(view.as_of)}", (ref,),
                        severity=RED, action=INFORMAL, issue=checklist_issue(item))


@_rule
def governance_no_deputy(view: RegisterView) -> Iterator[Flag]:
    """GOVERNANCE_NO_DEPUTY: a live contract with no deputy officer, or the lead named as
    deputy (strategy 4.0: a lead officer and a deputy)."""
    for contract, _ in view.live():
        deputy = (contract.deputy_officer or "").strip()
        if deputy and deputy.casefold() != contract.lead_officer.strip().casefold():
            continue
        ref = view.ref("Contracts", contract.row)
        shown = "blank" if not deputy else f'"{deputy}", the same as the Lead Officer'
        yield _flag(
            "GOVERNANCE_NO_DEPUTY", contract.contract_id,
            f"The contract has no deputy officer; {contract.lead_officer} (lead) has no cover "
            "(strategy 4.0).",
            f"{ref}: Deputy Officer {shown}; Lead Officer {contract.lead_officer}", (ref,),
            issue=DEPUTY_ISSUE)


# Every calendar and governance rule, in catalogue order.
CALENDAR_RULES = (
    exit_notice_overdue, exit_notice_due, post_contract_review_due, dispute_meeting_overdue,
    dispute_action_plan_overdue, audit_overdue, audit_limit, checklist_expired,
    governance_no_deputy,
)


def calendar_flags(register: "Register", as_of: date, contract_ids=None) -> list[Flag]:
    """The calendar and governance flags of ``register`` as of ``as_of`` (for the contracts
    ``contract_ids``, all by default), in rule order; callers sort."""
    ids = set(contract_ids) if contract_ids is not None else None
    contracts = tuple(c for c in sorted(register.contracts.values(), key=lambda c: c.contract_id)
                      if ids is None or c.contract_id in ids)
    view = RegisterView(register, as_of, contracts, cal.register_name_of(register))
    return [flag for rule in CALENDAR_RULES for flag in rule(view)]


__all__ = ["CALENDAR_RULES", "RegisterView", "as_view", "calendar_flags", "dispute_issue",
           "checklist_issue", "EXIT_NOTICE_ISSUE", "TRANSFER_PLAN_ISSUE", "REVIEW_ISSUE",
           "AUDITS_ISSUE", "DEPUTY_ISSUE"] + [
    rule.__name__ for rule in CALENDAR_RULES]
