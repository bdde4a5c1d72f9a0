"""Calendar and governance flags at their thresholds: on the day, one day before and one day
after (as-of moves; the register is built in code)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from builders import make_register
from cm_excel.flags import BY_CODE, FORMAL, INFORMAL, MONITOR, NORMAL, calendar_flags
from cm_excel.flags.model import ACTIONS, AMBER, RED
from cm_excel.register.model import Audit, ChecklistItem, Dispute, ExitPlan

ONE = timedelta(days=1)


def register_with(contract_changes=None, **records):
    """The builders' register; VS-001 changed by ``contract_changes``, records added."""
    register = make_register()
    if contract_changes:
        register.contracts["VS-001"] = replace(register.contracts["VS-001"], **contract_changes)
    for name, rows in records.items():
        setattr(register, name, list(rows))
    return register


def raised(register, as_of, code, contract_id="VS-001"):
    """(severity, action) of each ``code`` flag on the contract as of ``as_of``."""
    return [(f.severity, f.action) for f in calendar_flags(register, as_of)
            if f.code == code and f.contract_id == contract_id]


def on_around(register, threshold, code, contract_id="VS-001"):
    """What is raised one day before, on, and one day after ``threshold``."""
    return [raised(register, threshold + k * ONE, code, contract_id) for k in (-1, 0, 1)]


# VS-001 ends 30 Jun 2027 with no extension: notice due by 30 Dec 2026 (exactly six months
# before), warning from 30 Sep 2026 (nine months before).
ENDING = {"end_date": date(2027, 6, 30), "latest_extension_end": None}


def test_exit_notice_due_from_nine_months_before_the_end():
    register = register_with(ENDING)
    assert on_around(register, date(2026, 9, 30), "EXIT_NOTICE_DUE") == [
        [], [(AMBER, NORMAL)], [(AMBER, NORMAL)]]


def test_exit_notice_overdue_after_exactly_six_months_before_the_end():
    register = register_with(ENDING)
    deadline = date(2026, 12, 30)
    assert on_around(register, deadline, "EXIT_NOTICE_DUE") == [
        [(AMBER, NORMAL)], [(AMBER, NORMAL)], []]
    assert on_around(register, deadline, "EXIT_NOTICE_OVERDUE") == [
        [], [], [(RED, INFORMAL)]]
    # A decision recorded silences EXIT_NOTICE_DUE; only written notice silences OVERDUE.
    decided = register_with(ENDING, exits=[ExitPlan("VS-001", "re-tender", None, None, None,
                                                    None, row=2)])
    assert raised(decided, deadline, "EXIT_NOTICE_DUE") == []
    assert raised(decided, deadline + ONE, "EXIT_NOTICE_OVERDUE") == [(RED, INFORMAL)]
    noticed = register_with(ENDING, exits=[ExitPlan("VS-001", "extend", date(2026, 12, 1), None,
                                                    None, None, row=2)])
    assert raised(noticed, deadline + ONE, "EXIT_NOTICE_OVERDUE") == []


def test_an_extension_taken_up_moves_the_end():
    register = register_with({"end_date": date(2027, 6, 30),
                              "latest_extension_end": date(2028, 6, 30)})
    # Not yet taken up: the End Date counts.
    assert raised(register, date(2026, 12, 31), "EXIT_NOTICE_OVERDUE") == [(RED, INFORMAL)]
    extended = register_with({"end_date": date(2027, 6, 30),
                              "latest_extension_end": date(2028, 6, 30)},
                             exits=[ExitPlan("VS-001", "extend", None, None, None, None, row=2)])
    assert raised(extended, date(2026, 12, 31), "EXIT_NOTICE_OVERDUE") == []
    assert raised(extended, date(2027, 12, 31), "EXIT_NOTICE_OVERDUE") == [(RED, INFORMAL)]


def test_service_transfer_plan_not_received_or_not_approved_within_30_days():
    notice = date(2026, 10, 1)
    plan = ExitPlan("VS-001", "decommission", notice, None, None, None, row=2)
    register = register_with(ENDING, exits=[plan])
    assert on_around(register, notice + 30 * ONE, "EXIT_NOTICE_OVERDUE") == [
        [], [], [(AMBER, INFORMAL)]]
    received = register_with(ENDING, exits=[replace(plan, stp_received=date(2026, 10, 20))])
    assert on_around(received, date(2026, 11, 19), "EXIT_NOTICE_OVERDUE") == [
        [], [], [(AMBER, INFORMAL)]]
    approved = register_with(ENDING, exits=[replace(plan, stp_received=date(2026, 10, 20),
                                                    stp_approved=date(2026, 11, 30))])
    assert raised(approved, date(2026, 12, 5), "EXIT_NOTICE_OVERDUE") == []
    # An extension needs no Service Transfer Plan.
    extend = register_with(ENDING, exits=[replace(plan, decision="extend")])
    assert raised(extend, date(2026, 12, 5), "EXIT_NOTICE_OVERDUE") == []


def test_post_contract_review_due_from_three_months_before_the_end():
    plan = ExitPlan("VS-001", "re-tender", date(2026, 12, 1), date(2026, 12, 10),
                    date(2026, 12, 20), None, row=2)
    register = register_with(ENDING, exits=[plan])
    assert on_around(register, date(2027, 3, 30), "POST_CONTRACT_REVIEW_DUE") == [
        [], [(AMBER, NORMAL)], [(AMBER, NORMAL)]]
    # ... and until three months after it.
    assert on_around(register, date(2027, 9, 30), "POST_CONTRACT_REVIEW_DUE") == [
        [(AMBER, NORMAL)], [(AMBER, NORMAL)], []]
    reviewed = register_with(ENDING, exits=[replace(plan, post_contract_review=date(2027, 7, 1))])
    assert raised(reviewed, date(2027, 5, 1), "POST_CONTRACT_REVIEW_DUE") == []
    extended = register_with(ENDING, exits=[replace(plan, decision="extend")])
    assert raised(extended, date(2027, 5, 1), "POST_CONTRACT_REVIEW_DUE") == []


def test_a_terminated_contract_needs_its_review_at_once():
    register = register_with({"status": "terminated"})  # End Date still 31 Mar 2028
    assert raised(register, date(2026, 11, 25), "POST_CONTRACT_REVIEW_DUE") == [(AMBER, NORMAL)]


def test_audit_overdue_twelve_months_after_the_last_audit():
    audits = [Audit("VS-001", date(2025, 6, 12), "financial", "OPCC", None, row=2)]
    register = register_with(audits=audits)
    assert on_around(register, date(2026, 6, 12), "AUDIT_OVERDUE") == [
        [], [], [(AMBER, NORMAL)]]
    # Without any audit, counted from the start (VS-002 started 1 Apr 2025).
    assert on_around(register, date(2026, 4, 1), "AUDIT_OVERDUE", "VS-002") == [
        [], [], [(AMBER, NORMAL)]]


def test_audit_limit_two_audits_less_than_twelve_months_apart():
    first = Audit("VS-001", date(2026, 2, 10), "case file", "OPCC", None, row=2)

    def second(on):
        return register_with(audits=[first, Audit("VS-001", on, "financial", "OPCC", None,
                                                  row=3)])

    as_of = date(2026, 11, 25)
    assert raised(second(date(2027, 2, 9)), as_of, "AUDIT_LIMIT") == [(AMBER, MONITOR)]
    assert raised(second(date(2027, 2, 10)), as_of, "AUDIT_LIMIT") == []  # a year apart
    # Raised while the later audit is within the last twelve months (or planned).
    pair = second(date(2026, 9, 15))
    assert on_around(pair, date(2027, 9, 15), "AUDIT_LIMIT") == [
        [(AMBER, MONITOR)], [(AMBER, MONITOR)], []]
    flag = next(f for f in calendar_flags(pair, as_of) if f.code == "AUDIT_LIMIT")
    assert flag.refs == ("register.xlsx Audits row 2", "register.xlsx Audits row 3")


def test_dispute_meeting_overdue_after_the_tenth_business_day():
    # Notice on Fri 18 Dec 2026: Christmas, Boxing Day (Mon 28th) and New Year's Day are
    # skipped, so the tenth business day is Wed 6 Jan 2027.
    dispute = Dispute("VS-001", date(2026, 12, 7), "formal", "Written notice issued",
                      date(2026, 12, 18), None, "open", None, row=2)
    register = register_with(disputes=[dispute])
    assert on_around(register, date(2027, 1, 6), "DISPUTE_MEETING_OVERDUE") == [
        [], [], [(RED, FORMAL)]]
    held = register_with(disputes=[replace(dispute, meeting_date=date(2027, 1, 8))])
    assert raised(held, date(2027, 1, 20), "DISPUTE_MEETING_OVERDUE") == []
    informal = register_with(disputes=[replace(dispute, route="informal")])
    assert raised(informal, date(2027, 1, 20), "DISPUTE_MEETING_OVERDUE") == []
    resolved = register_with(disputes=[replace(dispute, status="resolved")])
    assert raised(resolved, date(2027, 1, 20), "DISPUTE_MEETING_OVERDUE") == []


def test_dispute_action_plan_overdue_after_its_completion_date():
    dispute = Dispute("VS-001", date(2026, 7, 20), "informal", "Action plan agreed", None,
                      date(2026, 7, 29), "open", None, row=2, action_plan_due=date(2026, 10, 30))
    register = register_with(disputes=[dispute])
    assert on_around(register, date(2026, 10, 30), "DISPUTE_ACTION_PLAN_OVERDUE") == [
        [], [], [(AMBER, FORMAL)]]
    done = register_with(disputes=[replace(dispute, outcome="Accreditation renewed")])
    assert raised(done, date(2026, 11, 25), "DISPUTE_ACTION_PLAN_OVERDUE") == []


def test_checklist_warning_sixty_days_before_expiry_then_expired():
    item = ChecklistItem("VS-001", "Accreditation certificate", "in place", date(2026, 8, 31),
                         row=2)
    register = register_with(checklist=[item])
    assert on_around(register, date(2026, 7, 2), "CHECKLIST_EXPIRED") == [
        [], [(AMBER, NORMAL)], [(AMBER, NORMAL)]]  # 60 days before 31 Aug is 2 Jul
    assert on_around(register, date(2026, 8, 31), "CHECKLIST_EXPIRED") == [
        [(AMBER, NORMAL)], [(AMBER, NORMAL)], [(RED, INFORMAL)]]


def test_checklist_item_requested_and_not_received_by_its_due_date():
    item = ChecklistItem("VS-001", "Data sharing agreement", "requested", None, row=2,
                         due_date=date(2026, 11, 30))
    register = register_with(checklist=[item])
    assert on_around(register, date(2026, 11, 30), "CHECKLIST_EXPIRED") == [
        [], [], [(RED, INFORMAL)]]
    flag = next(f for f in calendar_flags(register, date(2026, 12, 1))
                if f.code == "CHECKLIST_EXPIRED")
    assert flag.refs == ("register.xlsx Checklist row 2",)


def test_governance_no_deputy_while_the_contract_is_live():
    register = register_with({"deputy_officer": None})
    assert raised(register, date(2026, 11, 25), "GOVERNANCE_NO_DEPUTY") == [(AMBER, NORMAL)]
    same = register_with({"deputy_officer": "alex patel "})  # the lead, as deputy
    assert raised(same, date(2026, 11, 25), "GOVERNANCE_NO_DEPUTY") == [(AMBER, NORMAL)]
    # The day after the contract ends it is no longer judged.
    assert on_around(register, date(2028, 3, 31), "GOVERNANCE_NO_DEPUTY") == [
        [(AMBER, NORMAL)], [(AMBER, NORMAL)], []]
    flag = next(f for f in calendar_flags(register, date(2026, 11, 25))
                if f.code == "GOVERNANCE_NO_DEPUTY")
    assert flag.refs == ("register.xlsx Contracts row 2",)


@pytest.mark.parametrize("code", [
    "EXIT_NOTICE_DUE", "EXIT_NOTICE_OVERDUE", "POST_CONTRACT_REVIEW_DUE", "AUDIT_OVERDUE",
    "AUDIT_LIMIT", "DISPUTE_MEETING_OVERDUE", "DISPUTE_ACTION_PLAN_OVERDUE",
    "CHECKLIST_EXPIRED", "GOVERNANCE_NO_DEPUTY"])
def test_every_calendar_code_is_in_the_catalogue_with_a_ladder_action(code):
    spec = BY_CODE[code]
    assert spec.action in ACTIONS and spec.area in ("calendar", "governance")


def test_each_flag_names_its_issue_and_one_dispute_is_one_issue():
    """A dispute's overdue meeting and overdue action plan (same Disputes row) are one
    issue; the other flags name what they are about in plain words."""
    notice = date(2026, 12, 18)
    register = register_with(
        ENDING, disputes=[Dispute("VS-001", date(2026, 12, 1), "formal", "Written notice issued",
                                  notice, None, "open", None, row=4,
                                  action_plan_due=date(2027, 1, 10))],
        checklist=[ChecklistItem("VS-001", "DBS checks", "in place", date(2027, 1, 31), row=6)],
        audits=[])
    flags = calendar_flags(register, date(2027, 1, 20))
    named = {(f.code, f.issue_name) for f in flags if f.contract_id == "VS-001"}
    assert ("DISPUTE_MEETING_OVERDUE", "Dispute (Disputes row 4)") in named
    assert ("DISPUTE_ACTION_PLAN_OVERDUE", "Dispute (Disputes row 4)") in named
    assert ("EXIT_NOTICE_OVERDUE", "Exit notice") in named
    assert ("CHECKLIST_EXPIRED", "DBS checks (checklist)") in named
    assert ("AUDIT_OVERDUE", "Audits") in named
    assert all(":" not in name and not name.isupper() for _, name in named)
