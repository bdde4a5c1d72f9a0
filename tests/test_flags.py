"""Risk flags as rules (SPEC "Risk flags", strategy §5.0-5.2): edges and boundaries.

Each test builds a tiny ledger by hand (schema_v1) and reads it back with load_quarter,
so the rules are exercised on the same facts the workbook is written from.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date

import pytest

from cm_excel.flags import (
    ACTIONS, BY_CODE, CATALOGUE, IMMEDIATE, INFORMAL, MONITOR, NORMAL, RULES,
    compute_flags,
)
from cm_excel.flags.model import SEVERITIES
from cm_excel.portfolio.rag import rag
from cm_excel.periods import Period, return_deadline
from cm_excel.register.model import Settings, SlaKpi
from cm_excel.portfolio.quarter import ACCEPTED, LATE, MISSING, NOT_YET_DUE, REJECTED
from cm_excel.ledger.quarter_loader import load_quarter

from quarter_scenario import LedgerBuilder, contract, register

Q3 = Period(2026, 3)
Q2 = Period(2026, 2)
AFTER_Q3 = date(2027, 2, 15)


def quarter(tmp_path, fill, *, reg=None, period=Q3, as_of=AFTER_Q3):
    """Build a ledger with ``fill(builder)``; return (data, flags) for ``period``."""
    b = LedgerBuilder(tmp_path / "ledger.sqlite3")
    fill(b)
    path = b.close()
    reg = reg or one_contract()
    with sqlite3.connect(path) as conn:
        data = load_quarter(conn, reg, period, as_of)
    return data, compute_flags(data)


def one_contract(settings=None, sla=None):
    """VS-001 only: £250,000 a year, 1,200 service users; VS02 mandatory, VS05 optional."""
    q1 = Period(2026, 1)
    return register(
        settings=settings,
        contracts=[contract("VS-001", "VARC", "Hub", 250_000, 1_200, 2)],
        sla=sla if sla is not None else [
            SlaKpi("VS-001", "VS02", 0.90, 0.80, True, q1, 3),
            SlaKpi("VS-001", "VS05", 2.0, 3.0, False, q1, 4),
        ])


def perf(b, period=Q3, received="2027-01-15T10:00:00+00:00", vs02=(95, 100), vs05=(200, 100)):
    sub = b.submission("VS-001", period, "performance", received=received)
    if vs02 is not None:
        b.kpi(sub, "VS02", 5, numerator=vs02[0], denominator=vs02[1])
    if vs05 is not None:
        b.kpi(sub, "VS05", 6, numerator=vs05[0], denominator=vs05[1])
    return sub


def fin(b, period=Q3, received="2027-01-15T10:00:00+00:00", staff=(50_000, 50_000, 150_000, 200_000),
        other=(12_500, 12_500, 37_500, 50_000)):
    sub = b.submission("VS-001", period, "financial", received=received)
    b.fin(sub, "Staff", 5, annual=200_000, qb=staff[0], qa=staff[1], ytd=staff[2], forecast=staff[3])
    b.fin(sub, "Running costs", 6, annual=50_000, qb=other[0], qa=other[1], ytd=other[2],
          forecast=other[3])
    return sub


def codes(flags):
    return sorted(f.code for f in flags)


# --- the catalogue -------------------------------------------------------------------------


def test_every_rule_has_a_catalogue_entry_and_every_entry_a_rule():
    rule_codes = {fn.__name__.upper() for fn in RULES}
    assert rule_codes == {spec.code for spec in CATALOGUE}
    for spec in CATALOGUE:
        assert spec.severity in SEVERITIES
        assert spec.action in ACTIONS
        assert spec.meaning


def test_actions_are_the_dispute_procedure_steps():
    assert ACTIONS == (
        "Monitor",
        "Raise at the next quarterly contract meeting (normal contract management)",
        "Raise with the provider in writing or at the quarterly meeting (informal procedure, §5.1)",
        "Brief SMG and consider the formal procedure (§5.2)",
        "The PCC may authorise immediate escalation to the formal procedure, or terminate the "
        "contract, at the PCC's discretion (§5.0)",
    )
    assert BY_CODE["SIGNIFICANT_FAILURE"].action == IMMEDIATE


# --- RAG edges -----------------------------------------------------------------------------

HIGHER, LOWER, INFO = "higher is better", "lower is better", "for information"


@pytest.mark.parametrize("actual, expected", [
    (0.95, "Green"), (0.90, "Green"), (0.8999, "Amber"), (0.80, "Amber"), (0.7999, "Red"),
    (9 / 10, "Green"), (8 / 10, "Amber"),
])
def test_rag_higher_is_better_edges(actual, expected):
    assert rag(actual, 0.90, 0.80, HIGHER) == expected


@pytest.mark.parametrize("actual, expected", [
    (1.5, "Green"), (2.0, "Green"), (2.01, "Amber"), (3.0, "Amber"), (3.01, "Red"),
    (1500 / 500, "Amber"),
])
def test_rag_lower_is_better_edges(actual, expected):
    assert rag(actual, 2.0, 3.0, LOWER) == expected


def test_rag_for_information_and_missing_values_have_no_rag():
    assert rag(420, 100, 50, INFO) is None
    assert rag(None, 0.9, 0.8, HIGHER) is None
    assert rag(0.5, None, None, HIGHER) is None


def test_rag_without_amber_threshold_is_red_below_target():
    assert rag(0.89, 0.90, None, HIGHER) == "Red"
    assert rag(0.90, 0.90, None, HIGHER) == "Green"


def test_kpi_amber_and_red_flags_with_evidence_cell(tmp_path):
    data, flags = quarter(tmp_path, lambda b: perf(b, vs02=(80, 100), vs05=(301, 100)))
    by_code = {f.code: f for f in flags}
    amber, red = by_code["KPI_AMBER"], by_code["KPI_RED"]
    file = data.return_of("VS-001", "performance").accepted.file
    assert (amber.severity, amber.action, amber.refs) == ("Amber", MONITOR, (f"{file} Performance!E5",))
    assert (red.severity, red.action, red.refs) == ("Red", NORMAL, (f"{file} Performance!E6",))
    assert "80.0%" in amber.evidence and "target 90.0%" in amber.evidence
    assert "register.xlsx SLA KPIs row 3" in amber.evidence


# --- KPI_MISSING ---------------------------------------------------------------------------


def test_kpi_missing_for_a_mandatory_kpi_only(tmp_path):
    _, flags = quarter(tmp_path, lambda b: perf(b, vs02=None, vs05=None))
    missing = [f for f in flags if f.code == "KPI_MISSING"]
    assert [f.refs[-1] for f in missing] == ["register.xlsx SLA KPIs row 3"]  # VS02, not VS05
    assert missing[0].severity == "Amber" and missing[0].action == NORMAL


def test_no_kpi_missing_without_a_return_the_return_flag_says_it(tmp_path):
    _, flags = quarter(tmp_path, lambda b: fin(b))
    assert "KPI_MISSING" not in codes(flags)
    assert "RETURN_MISSING" in codes(flags)


# --- consecutive red and significant failure -------------------------------------------------


def test_red_two_quarters_running_on_a_mandatory_kpi_is_significant(tmp_path):
    def fill(b):
        # 630 - 490 = 140 and 630 - 504 = 126 people short of 90%: 266 of 1,200 users
        old = perf(b, Q2, received="2026-10-10T10:00:00+00:00", vs02=(490, 700))
        new = perf(b, vs02=(504, 700))
        return old, new
    data, flags = quarter(tmp_path, fill)
    assert codes(flags) == ["KPI_RED", "KPI_RED_CONSECUTIVE", "RETURN_MISSING",
                            "SIGNIFICANT_FAILURE"]
    cons = next(f for f in flags if f.code == "KPI_RED_CONSECUTIVE")
    sig = next(f for f in flags if f.code == "SIGNIFICANT_FAILURE")
    assert cons.action == INFORMAL and sig.action == IMMEDIATE
    assert len(cons.refs) == 2 and cons.refs == sig.refs
    assert "(2026-27 Q2)" in cons.evidence


def test_red_two_quarters_running_on_an_optional_kpi_is_not_significant(tmp_path):
    def fill(b):
        perf(b, Q2, received="2026-10-10T10:00:00+00:00", vs05=(400, 100))
        perf(b, vs05=(400, 100))
    _, flags = quarter(tmp_path, fill)
    assert "KPI_RED_CONSECUTIVE" in codes(flags)
    assert "SIGNIFICANT_FAILURE" not in codes(flags)


@pytest.mark.parametrize("q3_numerator, significant", [(330, True), (331, False)])
def test_an_ongoing_failure_is_significant_from_ten_percent_of_the_client_group(
        tmp_path, q3_numerator, significant):
    """Target 90%, amber 85%, 1,200 service users (10% = 120 people). Q2 540 of 700: 630 -
    540 = 90 people short; Q3 330 of 400: 360 - 330 = 30 more, 120 together (significant,
    inclusive); 331 of 400: 119 together (red two quarters running, not significant)."""
    sla = [SlaKpi("VS-001", "VS02", 0.90, 0.85, True, Period(2026, 1), 3)]

    def fill(b):
        perf(b, Q2, received="2026-10-10T10:00:00+00:00", vs02=(540, 700), vs05=None)
        perf(b, vs02=(q3_numerator, 400), vs05=None)
    _, flags = quarter(tmp_path, fill, reg=one_contract(sla=sla))
    assert "KPI_RED_CONSECUTIVE" in codes(flags)
    assert ("SIGNIFICANT_FAILURE" in codes(flags)) is significant
    if significant:
        sig = next(f for f in flags if f.code == "SIGNIFICANT_FAILURE")
        assert "together 120 people = 10.0% of the client group of 1,200" in sig.evidence


def test_points_below_target_are_not_people(tmp_path):
    """80% against 90% two quarters running is 10 points, but 20 of 1,200 people: not
    significant (strategy §5.0 counts the client group, not percentage points)."""
    def fill(b):
        perf(b, Q2, received="2026-10-10T10:00:00+00:00", vs02=(70, 100))
        perf(b, vs02=(70, 100))
    _, flags = quarter(tmp_path, fill)
    assert "KPI_RED_CONSECUTIVE" in codes(flags)
    assert "SIGNIFICANT_FAILURE" not in codes(flags)


def test_consecutive_quarters_setting_is_respected(tmp_path):
    def fill(b):
        perf(b, Q2, received="2026-10-10T10:00:00+00:00", vs02=(70, 100))
        perf(b, vs02=(72, 100))
    _, flags = quarter(tmp_path, fill, reg=one_contract(Settings(red_consecutive_quarters=3)))
    assert "KPI_RED_CONSECUTIVE" not in codes(flags)
    assert "SIGNIFICANT_FAILURE" not in codes(flags)


def test_a_gap_breaks_the_red_run(tmp_path):
    def fill(b):
        perf(b, Period(2026, 1), received="2026-07-10T10:00:00+00:00", vs02=(70, 100))
        perf(b, vs02=(72, 100))  # nothing accepted for Q2
    _, flags = quarter(tmp_path, fill)
    assert "KPI_RED_CONSECUTIVE" not in codes(flags)


def incidents(*rows):
    def fill(b):
        sub = perf(b)
        for i, kwargs in enumerate(rows):
            b.incident(sub, 5 + i, **kwargs)
    return fill


def significant(flags):
    return [f for f in flags if f.code == "SIGNIFICANT_FAILURE"]


@pytest.mark.parametrize("kwargs, cell", [
    (dict(cost=25_000), "D5"),  # exactly 10% of £250,000
    (dict(clients=120), "C5"),  # exactly 10% of 1,200
])
def test_exactly_ten_percent_is_a_significant_failure(tmp_path, kwargs, cell):
    data, flags = quarter(tmp_path, incidents(kwargs))
    [flag] = significant(flags)
    file = data.return_of("VS-001", "performance").accepted.file
    assert flag.refs == (f"{file} Incidents!{cell}",)
    assert (flag.severity, flag.action) == ("Red", IMMEDIATE)
    assert "register.xlsx Contracts row 2" in flag.evidence


@pytest.mark.parametrize("kwargs", [dict(cost=24_999.99), dict(clients=119)])
def test_just_under_ten_percent_is_not(tmp_path, kwargs):
    _, flags = quarter(tmp_path, incidents(kwargs))
    assert significant(flags) == []


def test_the_quarters_incidents_together(tmp_path):
    _, flags = quarter(tmp_path, incidents(dict(clients=60, cost=12_500),
                                           dict(clients=60, cost=12_499)))
    [flag] = significant(flags)  # 120 clients together; £24,999 is not enough
    assert flag.refs[0].endswith("Incidents!C5") and flag.refs[1].endswith("Incidents!C6")
    assert "together" in flag.detail


def test_together_just_under_is_not(tmp_path):
    _, flags = quarter(tmp_path, incidents(dict(clients=60), dict(clients=59)))
    assert significant(flags) == []


def test_no_aggregate_flag_when_a_single_incident_already_reached_it(tmp_path):
    _, flags = quarter(tmp_path, incidents(dict(cost=30_000), dict(cost=1_000)))
    assert len(significant(flags)) == 1


@pytest.mark.parametrize("harm, negligence, reputational, flagged", [
    ("Y", "Y", "N", True), ("Y", "N", "N", False), ("N", "Y", "N", False),
    ("N", "N", "Y", True), ("y", "yes", "N", True),
])
def test_harm_through_negligence_or_reputational_risk(tmp_path, harm, negligence, reputational,
                                                      flagged):
    _, flags = quarter(tmp_path, incidents(dict(harm=harm, negligence=negligence,
                                                reputational=reputational)))
    assert bool(significant(flags)) is flagged


def test_significant_failure_share_comes_from_settings(tmp_path):
    reg = one_contract(Settings(significant_failure_share=0.2))
    _, flags = quarter(tmp_path, incidents(dict(cost=25_000)), reg=reg)
    assert significant(flags) == []


def test_superseded_returns_do_not_count(tmp_path):
    def fill(b):
        old = perf(b, vs02=(50, 100))
        b.incident(old, 5, cost=200_000)
        new = perf(b, received="2027-01-20T10:00:00+00:00")
        b.supersede(old, new)
    data, flags = quarter(tmp_path, fill)
    assert codes(flags) == ["RETURN_MISSING"]  # only the financial return is missing


# --- finance -------------------------------------------------------------------------------


def finance_codes(flags):
    return [(f.code, f.severity, f.action) for f in flags if f.code.startswith(("FINANCE", "FORECAST"))]


def test_variance_exactly_at_tolerance_is_not_flagged(tmp_path):
    # quarter budget 62,500; +10.0% exactly = 68,750
    _, flags = quarter(tmp_path, lambda b: (perf(b), fin(b, staff=(50_000, 56_250, 150_000, 200_000))))
    assert finance_codes(flags) == []


def test_overspend_beyond_tolerance_names_the_line(tmp_path):
    data, flags = quarter(tmp_path, lambda b: (perf(b), fin(b, staff=(50_000, 57_000, 150_000, 200_000))))
    assert finance_codes(flags) == [("FINANCE_OVERSPEND", "Amber", NORMAL)]
    flag = next(f for f in flags if f.code == "FINANCE_OVERSPEND")
    file = data.return_of("VS-001", "financial").accepted.file
    assert flag.refs == (f"{file} Finance!D5",)
    assert "Staff" in flag.detail and "Finance!D5:D6" in flag.evidence


def test_overspend_past_twice_the_tolerance_is_red(tmp_path):
    _, flags = quarter(tmp_path, lambda b: (perf(b), fin(b, staff=(50_000, 65_000, 150_000, 200_000))))
    assert finance_codes(flags) == [("FINANCE_OVERSPEND", "Red", NORMAL)]


def test_underspend_on_year_to_date_only(tmp_path):
    def fill(b):
        perf(b)
        # the quarter on budget, but the year to date £165,000 against a budget of £187,500
        # (Q1 and Q2 not in the ledger count as a quarter of the annual budget each): -12%
        fin(b, staff=(50_000, 50_000, 130_000, 200_000), other=(12_500, 12_500, 35_000, 50_000))
    _, flags = quarter(tmp_path, fill)
    assert finance_codes(flags) == [("FINANCE_UNDERSPEND", "Amber", NORMAL)]
    flag = next(f for f in flags if f.code == "FINANCE_UNDERSPEND")
    assert "year to date" in flag.detail and flag.refs[0].endswith("Finance!E5")


def test_forecast_equal_to_value_is_fine_above_is_flagged(tmp_path):
    _, flags = quarter(tmp_path, lambda b: (perf(b), fin(b)))
    assert finance_codes(flags) == []
    _, flags = quarter(tmp_path / "x", lambda b: (perf(b), fin(b, other=(12_500, 12_500, 37_500, 50_001))))
    assert finance_codes(flags) == [("FORECAST_OVER_VALUE", "Amber", NORMAL)]


# --- returns and deadlines -----------------------------------------------------------------


@pytest.mark.parametrize("period, deadline", [
    (Period(2026, 3), date(2027, 1, 29)),  # Christmas: 28 Dec substitute, 1 Jan skipped... after 31 Dec
    (Period(2026, 4), date(2027, 4, 28)),  # Easter 2027 (26/29 Mar) falls before quarter end
    (Period(2027, 4), date(2028, 5, 3)),  # Good Friday 14 Apr, Easter Monday 17 Apr, 1 May 2028
    (Period(2026, 1), date(2026, 7, 28)),
])
def test_return_deadlines_skip_bank_holidays(period, deadline):
    assert return_deadline(period, 20) == deadline


def test_deadline_for_q3_counts_new_years_day_as_a_holiday():
    # without the bank holiday the 20th working day after Thu 31 Dec 2026 would be 28 Jan
    assert return_deadline(Period(2026, 3), 20) == date(2027, 1, 29)
    assert return_deadline(Period(2026, 3), 1) == date(2027, 1, 4)


def status(tmp_path, fill, period=Q3, as_of=AFTER_Q3):
    data, flags = quarter(tmp_path, fill, period=period, as_of=as_of)
    return data.return_of("VS-001", "performance"), flags


@pytest.mark.parametrize("received, expected, days_late", [
    ("2027-01-29T23:30:00+00:00", ACCEPTED, 0),  # the deadline day, late evening
    ("2027-02-01T09:00:00+00:00", LATE, 1),  # the next working day (Monday)
])
def test_late_across_christmas(tmp_path, received, expected, days_late):
    r, flags = status(tmp_path, lambda b: perf(b, received=received))
    assert (r.status, r.working_days_late) == (expected, days_late)
    assert ("RETURN_LATE" in codes(flags)) is (expected == LATE)


def test_lateness_is_judged_in_uk_time(tmp_path):
    # 23:30 UTC on 28 Jul 2026 is 00:30 BST on the 29th: one day after the Q1 deadline
    q1 = Period(2026, 1)
    r, flags = status(tmp_path, lambda b: perf(b, q1, received="2026-07-28T23:30:00+00:00"),
                      period=q1, as_of=date(2026, 9, 1))
    assert r.status == LATE
    late = next(f for f in flags if f.code == "RETURN_LATE")
    assert (late.severity, late.action) == ("Amber", NORMAL)
    assert "29 Jul 2026 00:30 (UK time)" in late.evidence


@pytest.mark.parametrize("as_of, expected", [
    (date(2028, 5, 3), NOT_YET_DUE),  # the deadline day itself (after Easter and 1 May)
    (date(2028, 5, 4), MISSING),
])
def test_missing_only_after_the_deadline_across_easter(tmp_path, as_of, expected):
    q4 = Period(2027, 4)
    reg = one_contract(sla=[SlaKpi("VS-001", "VS02", 0.9, 0.8, True, Period(2026, 1), 3)])
    data, flags = quarter(tmp_path, lambda b: None, reg=reg, period=q4, as_of=as_of)
    assert data.return_of("VS-001", "performance").status == expected
    assert ("RETURN_MISSING" in codes(flags)) is (expected == MISSING)


def test_late_across_easter(tmp_path):
    q4 = Period(2027, 4)
    r, _ = status(tmp_path, lambda b: perf(b, q4, received="2028-05-02T10:00:00+00:00"),
                  period=q4, as_of=date(2028, 6, 1))
    assert r.status == ACCEPTED  # 2 May 2028 is before the 3 May deadline
    r, _ = status(tmp_path / "x", lambda b: perf(b, q4, received="2028-05-04T10:00:00+00:00"),
                  period=q4, as_of=date(2028, 6, 1))
    assert (r.status, r.working_days_late) == (LATE, 1)


def test_missing_flag_evidence_names_the_register_row(tmp_path):
    _, flags = quarter(tmp_path, lambda b: perf(b))
    [flag] = [f for f in flags if f.code == "RETURN_MISSING"]
    assert flag.refs == ("register.xlsx Contracts row 2",)
    assert (flag.severity, flag.action) == ("Red", NORMAL)
    assert "due by 29 Jan 2027" in flag.evidence


def rejected(b, received="2027-01-20T10:00:00+00:00"):
    return b.submission("VS-001", Q3, "performance", status="rejected", received=received,
                        errors=3, original_name="hub perf.xlsx")


@pytest.mark.parametrize("as_of, severity", [(date(2027, 1, 25), "Amber"), (AFTER_Q3, "Red")])
def test_rejected_is_amber_before_the_deadline_red_after(tmp_path, as_of, severity):
    r, flags = status(tmp_path, lambda b: rejected(b), as_of=as_of)
    assert r.status == REJECTED
    [flag] = [f for f in flags if f.code == "RETURN_REJECTED"]
    assert (flag.severity, flag.refs) == (severity, ("hub perf.xlsx",))
    assert "RETURN_MISSING" not in [f.code for f in flags if f.contract_id == "VS-001"
                                   and "performance" in f.detail]


def test_rejected_then_accepted_is_not_flagged_as_rejected(tmp_path):
    def fill(b):
        rejected(b)
        perf(b, received="2027-01-22T10:00:00+00:00")
    r, flags = status(tmp_path, fill)
    assert r.status == ACCEPTED and "RETURN_REJECTED" not in codes(flags)


def test_accepted_then_a_rejected_resubmission_keeps_the_accepted_one(tmp_path):
    def fill(b):
        perf(b)
        rejected(b, received="2027-01-25T10:00:00+00:00")
    r, flags = status(tmp_path, fill)
    assert r.status == ACCEPTED and "RETURN_REJECTED" not in codes(flags)


def test_flags_are_sorted_and_repeatable(tmp_path):
    def fill(b):
        perf(b, vs02=(50, 100), vs05=(400, 100))
        b.submission("VS-001", Q3, "financial", status="rejected")
    data, flags = quarter(tmp_path, fill)
    assert flags == compute_flags(replace(data))
    assert [f.code for f in flags] == ["KPI_RED", "KPI_RED", "RETURN_REJECTED"]


# --- the escalation ladder: repeats, disputes, issues (strategy §5) ---------------------------


def test_a_kpi_missing_twice_goes_to_the_informal_procedure(tmp_path):
    def fill(b):
        perf(b, Q2, received="2026-10-10T10:00:00+00:00", vs02=None)
        perf(b, vs02=None)
    _, flags = quarter(tmp_path, fill)
    [missing] = [f for f in flags if f.code == "KPI_MISSING"]
    assert missing.action == INFORMAL
    assert "not reported in the accepted 2026-27 Q2 return either" in missing.evidence


def test_a_kpi_missing_once_after_being_reported_is_normal_management(tmp_path):
    def fill(b):
        perf(b, Q2, received="2026-10-10T10:00:00+00:00")
        perf(b, vs02=None)
    _, flags = quarter(tmp_path, fill)
    [missing] = [f for f in flags if f.code == "KPI_MISSING"]
    assert missing.action == NORMAL


@pytest.mark.parametrize("q2_received, expected", [
    ("2026-10-10T10:00:00+00:00", NORMAL),  # Q2 on time: the first late return
    ("2026-11-02T10:00:00+00:00", INFORMAL),  # Q2 late too (deadline 28 Oct): a repeat
])
def test_a_repeat_late_return_goes_to_the_informal_procedure(tmp_path, q2_received, expected):
    def fill(b):
        perf(b, Q2, received=q2_received)
        perf(b, received="2027-02-01T09:00:00+00:00")  # one working day late
    _, flags = quarter(tmp_path, fill)
    [late] = [f for f in flags if f.code == "RETURN_LATE"]
    assert late.action == expected
    assert ("2026-27 Q2 was accepted late too" in late.evidence) is (expected == INFORMAL)


def test_missing_again_is_a_repeat_but_not_before_the_workspace_was_used(tmp_path):
    # Q2 in the ledger (performance only): the financial return is missing a second time
    _, flags = quarter(tmp_path, lambda b: (perf(b, Q2, received="2026-10-10T10:00:00+00:00"),
                                            perf(b)))
    [missing] = [f for f in flags if f.code == "RETURN_MISSING"]
    assert missing.action == INFORMAL
    # nothing at all in the ledger for Q2: the first quarter in use, not a repeat
    _, flags = quarter(tmp_path / "first", lambda b: perf(b))
    [missing] = [f for f in flags if f.code == "RETURN_MISSING"]
    assert missing.action == NORMAL


def with_disputes(*disputes):
    reg = one_contract()
    reg.disputes = list(disputes)
    return reg


def dispute(route="formal", stage=None, notice=None, meeting=None, status="open",
            opened=date(2026, 11, 1), row=3):
    from cm_excel.register.model import Dispute

    return Dispute("VS-001", opened, route, stage, notice, meeting, status, "About it", row=row)


@pytest.mark.parametrize("d, step", [
    (dispute(route="informal", stage="Raised at the meeting"), 0),
    (dispute(stage=None), 1),
    (dispute(stage="SMG agreed"), 1),
    (dispute(notice=date(2027, 1, 4)), 2),
    (dispute(notice=date(2027, 1, 4), meeting=date(2027, 1, 12)), 3),
    (dispute(stage="Action plan agreed", notice=date(2027, 1, 4), meeting=date(2027, 1, 12)), 4),
    (dispute(stage="Referred to CEDR mediation"), 5),
    (dispute(stage="Arbitration"), 6),
    (dispute(stage="Litigation"), 7),
    (dispute(stage="Provider excluded"), 8),
])
def test_a_flag_on_a_contract_with_an_open_dispute_recommends_its_next_stage(tmp_path, d, step):
    from cm_excel.flags import dispute_action
    from cm_excel.flags.disputes import dispute_stage

    assert dispute_stage(d) == step
    _, flags = quarter(tmp_path, lambda b: perf(b, vs02=(70, 100), vs05=(250, 100)),
                       reg=with_disputes(d))
    red = next(f for f in flags if f.code == "KPI_RED")
    amber = next(f for f in flags if f.code == "KPI_AMBER")
    assert red.action == dispute_action("register.xlsx Disputes row 3", step)
    assert red.refs[-1] == "register.xlsx Disputes row 3"
    assert red.issue == "VS02 Referrals successfully contacted"  # the issue is unchanged
    assert amber.action == MONITOR  # Monitor stays Monitor


@pytest.mark.parametrize("d", [
    dispute(status="resolved"), dispute(status="closed"),
    dispute(opened=date(2027, 3, 1)),  # opened after the as-of date
])
def test_only_an_open_dispute_is_followed(tmp_path, d):
    _, flags = quarter(tmp_path, lambda b: perf(b, vs02=(70, 100)), reg=with_disputes(d))
    assert next(f for f in flags if f.code == "KPI_RED").action == NORMAL


def test_the_furthest_open_dispute_is_followed_and_significant_keeps_the_pcc(tmp_path):
    from cm_excel.flags import ACTION_RANK, FORMAL, dispute_action

    reg = with_disputes(dispute(route="informal", row=4),
                        dispute(stage="Mediation", row=5))
    _, flags = quarter(tmp_path, incidents(dict(clients=120)), reg=reg)
    [sig] = significant(flags)
    assert sig.action == dispute_action("register.xlsx Disputes row 5", 5, significant=True)
    assert "the PCC may authorise a higher stage, or terminate the contract" in sig.action
    assert ACTION_RANK[sig.action] == ACTION_RANK[IMMEDIATE]
    assert ACTION_RANK[dispute_action("x", 5)] == ACTION_RANK[FORMAL]


def test_a_year_to_date_overspend_of_ten_percent_of_value_is_significant(tmp_path):
    # YTD budget £187,500 (Q1, Q2 absent: a quarter of the annual budget each + Q3's £62,500);
    # YTD actual £212,500 is £25,000 over: exactly 10% of £250,000
    _, flags = quarter(tmp_path, lambda b: (perf(b), fin(b, staff=(50_000, 50_000, 175_000,
                                                                   200_000))))
    [sig] = significant(flags)
    assert sig.issue == "Spending above budget"
    assert sig.refs[0].endswith("Finance!E5")
    overspend = next(f for f in flags if f.code == "FINANCE_OVERSPEND")
    assert overspend.issue == sig.issue
    _, flags = quarter(tmp_path / "under", lambda b: (perf(b), fin(
        b, staff=(50_000, 50_000, 174_999.99, 200_000))))
    assert significant(flags) == []


def test_flags_group_into_issues_one_line_each():
    from cm_excel.flags import AMBER, RED, Flag, group_issues

    flags = [
        Flag("VS-001", "KPI_RED", RED, "red", "e1", NORMAL, ("f E5",), issue="VS02 Contact"),
        Flag("VS-001", "KPI_RED_CONSECUTIVE", RED, "red again", "e2", INFORMAL, ("f E5",),
             issue="VS02 Contact"),
        Flag("VS-001", "SIGNIFICANT_FAILURE", RED, "significant", "e3", IMMEDIATE, ("f E5",),
             issue="VS02 Contact"),
        # a new rule's flags that name no issue: their code and first reference group them
        Flag("VS-001", "NEW_RULE", AMBER, "a", "e4", NORMAL, ("register.xlsx Audits row 2",)),
        Flag("VS-001", "NEW_RULE", AMBER, "b", "e5", MONITOR, ("register.xlsx Audits row 2",)),
        Flag("VS-001", "NEW_RULE", AMBER, "c", "e6", MONITOR, ("register.xlsx Audits row 3",)),
        Flag("VS-002", "OTHER_RULE", AMBER, "d", "e7", MONITOR),
    ]
    issues = group_issues(flags)
    assert [(i.contract_id, i.name, i.severity, i.action, i.codes) for i in issues] == [
        ("VS-001", "VS02 Contact", RED, IMMEDIATE,
         ("SIGNIFICANT_FAILURE", "KPI_RED_CONSECUTIVE", "KPI_RED")),
        ("VS-001", "NEW_RULE: register.xlsx Audits row 2", AMBER, NORMAL, ("NEW_RULE",)),
        ("VS-001", "NEW_RULE: register.xlsx Audits row 3", AMBER, MONITOR, ("NEW_RULE",)),
        ("VS-002", "OTHER_RULE", AMBER, MONITOR, ("OTHER_RULE",)),
    ]
    assert issues[0].detail == "significant" and issues[0].needs_smg
    assert [i.needs_smg for i in issues[1:]] == [False, False, False]
