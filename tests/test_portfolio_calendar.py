"""The register's calendar (portfolio.calendar): events, dates, UIDs, and the arithmetic
the calendar flags share."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from builders import make_register
from cm_excel.periods import Period
from cm_excel.portfolio import calendar as cal
from cm_excel.portfolio.calendar import CalendarEvent, add_months, calendar_events
from cm_excel.register.model import Audit, ChecklistItem, Dispute, ExitPlan

AS_OF = date(2026, 11, 25)


def with_records(**records):
    register = make_register()
    for name, rows in records.items():
        setattr(register, name, list(rows))
    return register


def kinds_of(events, contract_id):
    return [(e.date, e.kind) for e in events if e.contract_id == contract_id]


@pytest.mark.parametrize("day, months, expected", [
    (date(2027, 6, 30), -6, date(2026, 12, 30)),
    (date(2027, 3, 31), -6, date(2026, 9, 30)),
    (date(2026, 8, 31), 6, date(2027, 2, 28)),
    (date(2027, 8, 31), 6, date(2028, 2, 29)),
    (date(2025, 6, 12), 12, date(2026, 6, 12)),
    (date(2026, 11, 25), 12, date(2027, 11, 25)),
])
def test_add_months_clamps_to_the_end_of_the_month(day, months, expected):
    assert add_months(day, months) == expected


def test_the_end_date_counts_until_an_extension_is_taken_up():
    register = make_register()
    vs1 = register.contracts["VS-001"]  # ends 31 Mar 2028, may be extended to 31 Mar 2030
    assert cal.contract_end(vs1, None) == date(2028, 3, 31)
    taken = ExitPlan("VS-001", "extend", date(2027, 6, 1), None, None, None, row=2)
    assert cal.contract_end(vs1, taken) == date(2030, 3, 31)
    declined = replace(taken, decision="re-tender")
    assert cal.contract_end(vs1, declined) == date(2028, 3, 31)


def test_the_tenth_business_day_after_18_december_2026_is_6_january_2027():
    dispute = Dispute("VS-001", date(2026, 12, 1), "formal", None, date(2026, 12, 18), None,
                      "open", None, row=2)
    assert cal.dispute_meeting_due(dispute, make_register().settings) == date(2027, 1, 6)
    assert cal.dispute_meeting_due(replace(dispute, route="informal"),
                                   make_register().settings) is None


def test_events_are_sorted_and_within_the_horizon_by_default():
    register = make_register()
    events = calendar_events(register, AS_OF, months=12)
    assert events == sorted(events, key=CalendarEvent.sort_key)
    assert events and all(AS_OF <= e.date <= date(2027, 11, 25) for e in events)
    assert not any(e.overdue for e in events)
    # VS-002 ends 31 Mar 2027 with no decision: notice was due 30 Sep 2026 (passed).
    assert (date(2027, 3, 31), cal.CONTRACT_END) in kinds_of(events, "VS-002")
    assert not any(e.kind == cal.EXIT_NOTICE for e in events if e.contract_id == "VS-002")
    # VS-003 ended in March 2026: nothing ahead but an outstanding post-contract review.
    assert kinds_of(events, "VS-003") == []
    overdue = calendar_events(register, AS_OF, include_overdue=True)
    assert (date(2026, 9, 30), cal.EXIT_NOTICE) in kinds_of(overdue, "VS-002")
    assert (date(2026, 3, 31), cal.POST_CONTRACT_REVIEW) in kinds_of(overdue, "VS-003")
    assert all(e.overdue == (e.date < AS_OF) for e in overdue)


def test_return_deadlines_and_quarterly_meetings():
    events = calendar_events(make_register(), AS_OF, months=12)
    returns = [e for e in events if e.kind == cal.RETURN_DEADLINE]
    # 20 working days after 31 Dec 2026 (bank holidays on 1 Jan skipped).
    assert [(e.date, e.uid) for e in returns][:1] == [
        (date(2027, 1, 29), "returns-2026-27-q3@cm-excel")]
    assert all(e.contract_id == "" and e.ref == "register.xlsx Settings" for e in returns)
    meetings = [e for e in events if e.kind == cal.CONTRACT_MEETING]
    assert {e.contract_id for e in meetings} == {"VS-001", "VS-002"}
    first = cal.contract_meeting_due(Period(2026, 3), make_register().settings)
    assert any(e.date == first and e.contract_id == "VS-001" for e in meetings)


def test_each_event_names_its_register_row():
    register = with_records(
        exits=[ExitPlan("VS-001", "re-tender", date(2026, 10, 1), None, None, None, row=2)],
        audits=[Audit("VS-001", date(2026, 2, 10), "case file", "OPCC", None, row=2),
                Audit("VS-001", date(2027, 1, 20), "financial", "OPCC", None, row=3)],
        disputes=[Dispute("VS-001", date(2026, 11, 2), "formal", None, date(2026, 11, 20),
                          None, "open", None, row=2, action_plan_due=date(2027, 2, 1))],
        checklist=[ChecklistItem("VS-001", "Insurance", "in place", date(2027, 1, 31), row=2),
                   ChecklistItem("VS-001", "DBS checks", "requested", None, row=3,
                                 due_date=date(2026, 12, 15))],
    )
    events = {e.kind: e for e in calendar_events(register, AS_OF, months=28)
              if e.contract_id == "VS-001"}
    assert cal.STP_DUE not in events  # due 31 Oct 2026: overdue, not listed by default
    stp = [e for e in calendar_events(register, AS_OF, include_overdue=True)
           if e.kind == cal.STP_DUE]
    assert [(e.date, e.overdue, e.ref) for e in stp] == [
        (date(2026, 10, 31), True, "register.xlsx Exit row 2")]
    assert events[cal.AUDIT_PLANNED].ref == "register.xlsx Audits row 3"
    assert cal.AUDIT_DUE not in events  # the planned audit comes before the due date
    assert events[cal.DISPUTE_MEETING].date == date(2026, 12, 4)
    assert events[cal.DISPUTE_MEETING].ref == "register.xlsx Disputes row 2"
    assert events[cal.ACTION_PLAN].date == date(2027, 2, 1)
    assert events[cal.CHECKLIST_EXPIRY].ref == "register.xlsx Checklist row 2"
    assert events[cal.CHECKLIST_DUE].date == date(2026, 12, 15)
    assert events[cal.CONTRACT_END].ref == "register.xlsx Contracts row 2"
    assert events[cal.POST_CONTRACT_REVIEW].date == date(2028, 3, 31)


def test_uids_are_unique_and_stable_across_as_of_dates():
    register = with_records(
        checklist=[ChecklistItem("VS-001", "Insurance", "in place", date(2027, 1, 31), row=2)])
    today = calendar_events(register, AS_OF, include_overdue=True)
    uids = [e.uid for e in today]
    assert len(uids) == len(set(uids))
    assert all(u.endswith("@cm-excel") and " " not in u for u in uids)
    later = calendar_events(register, date(2026, 12, 20), include_overdue=True)
    same = {e.uid: e for e in later}
    for event in today:
        if event.uid in same:
            assert same[event.uid].date == event.date
    # Moving a date keeps the event's UID (a re-import updates it).
    moved = with_records(
        checklist=[ChecklistItem("VS-001", "Insurance", "in place", date(2027, 2, 28), row=7)])
    uid = next(e.uid for e in today if e.kind == cal.CHECKLIST_EXPIRY)
    assert any(e.uid == uid and e.date == date(2027, 2, 28)
               for e in calendar_events(moved, AS_OF))


def test_no_audit_since_the_start_is_due_a_year_after_it():
    register = make_register()
    due = cal.audit_due(register.contracts["VS-002"], [], AS_OF, register.settings)
    assert due == date(2026, 4, 1)
    held = [Audit("VS-002", date(2026, 5, 5), "financial", "OPCC", None, row=2),
            Audit("VS-002", date(2027, 1, 5), "financial", "OPCC", None, row=3)]  # planned
    assert cal.audit_due(register.contracts["VS-002"], held, AS_OF,
                         register.settings) == date(2027, 5, 5)
