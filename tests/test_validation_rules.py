"""One minimal test per validation rule, through real files.

Each test takes a valid return (templates written for the test register, filled in,
signed off), breaks exactly one thing, reads it back with the real reader and validates
it, then asserts the rule code, its level and the cell (sheet and A1) it points at.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from cm_excel.periods import Period
from cm_excel.register.model import Kpi, SlaKpi
from cm_excel.templates import contract as tc
from cm_excel.findings import Level
from cm_excel.validation.rules import catalogue
from validation_fixtures import (COUNT, DAYS, GOOD_RECORDS, PERCENT, PERIOD, SIGN_OFF,
                                 KnownHistory, add_table_row, as_version_1, check, clear_row, codes, edit, found,
                                 kpis_with, lines_with, make_register, rename_header,
                                 steady_history, valid_return, where, where_field,
                                 where_meta, where_sign_off)

E, Q, W = Level.ERROR, Level.QUERY, Level.WARNING
PERF, FIN = tc.PERFORMANCE, tc.FINANCIAL
STAFF = "Staff costs"  # VS-001's first budget line: £900,000 a year, £225,000 a quarter


@pytest.fixture
def perf(tmp_path, register) -> Path:
    return valid_return(tmp_path, PERF, register=register)


@pytest.fixture
def fin(tmp_path, register) -> Path:
    return valid_return(tmp_path, FIN, register=register)


def kpi_return(tmp_path, register, changes, **kwargs) -> Path:
    return valid_return(tmp_path, PERF, register=register,
                        kpis=kpis_with(register, changes), **kwargs)


def records_return(tmp_path, register, table, **changes) -> Path:
    tables = dict(GOOD_RECORDS)
    tables[table] = [{**GOOD_RECORDS[table][0], **changes}]
    return valid_return(tmp_path, PERF, register=register, tables=tables)


def assert_only(result, code, level, at):
    """``code`` at ``at`` with ``level``, and no error other than those of ``code``."""
    assert found(result, code, level, at), [f.line() for f in result.findings]
    others = [f.line() for f in result.findings if f.level is E and f.code != code]
    assert not others


# --- valid returns ---------------------------------------------------------------------

@pytest.mark.parametrize("contract_id", ["VS-001", "VS-002"])
@pytest.mark.parametrize("kind", [PERF, FIN])
def test_a_valid_return_is_accepted_without_findings(tmp_path, register, kind, contract_id):
    path = valid_return(tmp_path, kind, contract_id, register=register)
    result = check(path, register, steady_history(register, contract_id))
    assert result.status == "accepted"
    assert result.findings == []
    assert (result.contract_id, result.period, result.kind, result.template_version) == \
        (contract_id, PERIOD, kind, tc.TEMPLATE_VERSION)
    assert result.sign_off == {"prepared_by": SIGN_OFF["Prepared By"],
                               "approved_by": SIGN_OFF["Approved By"],
                               "signoff_date": "2027-01-15"}


def test_a_return_of_template_version_1_without_incident_category_is_read(perf, register):
    edit(perf, as_version_1)
    result = check(perf, register)
    assert result.findings == [] and result.status == "accepted"
    assert result.template_version == 1
    assert result.incidents[0]["category"] is None
    assert result.incidents[0]["action_taken"].startswith("Reminder")


def test_a_version_2_return_needs_the_category_column(perf, register):
    edit(perf, as_version_1)
    edit(perf, lambda wb: [row[1].__setattr__("value", 2) for row in wb[tc.META_SHEET].iter_rows()
                           if row[0].value == "template_version"])
    result = check(perf, register)
    assert [(f.code, f.sheet) for f in result.findings if f.level is E] == [
        ("COLUMN_MISSING", "Incidents")]


def test_a_valid_performance_return_is_normalised(perf, register):
    result = check(perf, register)
    kpis = {k.kpi_code: k for k in result.kpis}
    assert set(kpis) == {"CONTACT48", "SUPPORTED", "WAITDAYS", "REFERRALS", "SATISFY"}
    contact = kpis[PERCENT]
    assert (contact.numerator, contact.denominator) == (194, 200)
    assert contact.actual == pytest.approx(0.97)  # computed by the engine
    assert (contact.target, contact.amber) == (0.95, 0.90)  # in force from Q3
    assert (contact.sheet, contact.cell) == where(perf, "PerformanceReturn", PERCENT, "Numerator")
    assert kpis[COUNT].actual == 630
    assert (kpis[COUNT].sheet, kpis[COUNT].cell) == \
        where(perf, "PerformanceReturn", COUNT, "Actual")
    assert kpis[DAYS].actual == pytest.approx(1.8)
    assert result.incidents == [{
        "date": "2026-11-03", "description": "Laptop left unlocked in the office",
        "clients_affected": 0.0, "estimated_cost": 0.0, "harm_caused": "N",
        "provider_negligence": "N", "reputational_risk": "N",
        "action_taken": "Reminder to all staff; screen locks now automatic",
        "category": "Other", "sheet": "Incidents", "row": 6}]
    assert result.complaints[0]["resolved_date"] == "2026-11-02"
    assert result.risks[0]["likelihood"] == "High"
    assert result.improvements[0]["due_date"] == "2027-03-31"


def test_a_valid_financial_return_is_normalised(fin, register):
    result = check(fin, register)
    staff = next(line for line in result.lines if line.budget_line == STAFF)
    assert (staff.annual_budget, staff.quarter_budget, staff.quarter_actual,
            staff.ytd_actual, staff.forecast_outturn) == (900_000, 225_000, 225_000,
                                                          675_000, 900_000)
    assert (staff.sheet, staff.row) == ("Finance", int(where(fin, "FinancialReturn", STAFF,
                                                             "Budget Line")[1][1:]))


def test_every_problem_of_a_file_is_found_in_one_pass(tmp_path, register):
    path = kpi_return(tmp_path, register, {COUNT: {"Actual": "lots"},
                                           PERCENT: {"Numerator": 300}},
                      sign_off={"Prepared By": "Sam Okafor"})
    result = check(path, register)
    assert {"VALUE_NOT_NUMBER", "NUMERATOR_GT_DENOMINATOR", "SIGNOFF_MISSING"} <= codes(result)
    assert all(f.file == path.name for f in result.findings)
    assert result.status == "rejected"


# --- identity ------------------------------------------------------------------------------

def test_META_MISSING(perf, register):
    at = where_meta(perf, "contract_id")
    edit(perf, lambda wb: setattr(wb[tc.META_SHEET][at[1]], "value", None))
    assert_only(check(perf, register), "META_MISSING", E, at)


def test_META_MISSING_whole_sheet(perf, register):
    edit(perf, lambda wb: wb.remove(wb[tc.META_SHEET]))
    result = check(perf, register)
    assert found(result, "META_MISSING", E, (tc.META_SHEET, ""))
    # Identified from the Contract sheet and the tables, so the rest is still checked.
    assert (result.contract_id, result.period, result.kind) == ("VS-001", PERIOD, PERF)


def test_META_KIND_UNKNOWN(perf, register):
    at = where_meta(perf, "template_kind")
    edit(perf, lambda wb: setattr(wb[tc.META_SHEET][at[1]], "value", "budget"))
    result = check(perf, register)
    assert_only(result, "META_KIND_UNKNOWN", E, at)
    assert result.kind == PERF  # recognised by its tables


def test_META_VERSION_UNKNOWN(perf, register):
    at = where_meta(perf, "template_version")
    edit(perf, lambda wb: setattr(wb[tc.META_SHEET][at[1]], "value", 99))
    assert_only(check(perf, register), "META_VERSION_UNKNOWN", E, at)


def test_META_PERIOD_INVALID(perf, register):
    at = where_meta(perf, "period")
    edit(perf, lambda wb: setattr(wb[tc.META_SHEET][at[1]], "value", "the third quarter"))
    assert_only(check(perf, register), "META_PERIOD_INVALID", E, at)


def test_CONTRACT_UNKNOWN(perf):
    register = make_register()
    del register.contracts["VS-001"]
    assert_only(check(perf, register), "CONTRACT_UNKNOWN", E, where_meta(perf, "contract_id"))


def test_CONTRACT_MISMATCH(perf, register):
    at = where_field(perf, "Contract ID")
    edit(perf, lambda wb: setattr(wb[at[0]][at[1]], "value", "VS-002"))
    assert_only(check(perf, register), "CONTRACT_MISMATCH", E, at)


def test_PROVIDER_MISMATCH(perf, register):
    at = where_meta(perf, "provider")
    edit(perf, lambda wb: setattr(wb[tc.META_SHEET][at[1]], "value", "Someone Else Ltd"))
    assert_only(check(perf, register), "PROVIDER_MISMATCH", E, at)


def test_PERIOD_MISMATCH(perf, register):
    at = where_field(perf, "Period")
    edit(perf, lambda wb: setattr(wb[at[0]][at[1]], "value", "2026-27 Q2"))
    assert_only(check(perf, register), "PERIOD_MISMATCH", E, at)


def test_CONTRACT_NOT_ACTIVE(perf):
    register = make_register()
    vs1 = register.contracts["VS-001"]
    register.contracts["VS-001"] = dataclasses.replace(vs1, start_date=date(2027, 1, 1))
    assert_only(check(perf, register), "CONTRACT_NOT_ACTIVE", W, where_meta(perf, "period"))


def test_RECEIVED_EARLY(tmp_path, register):
    path = valid_return(tmp_path, PERF, register=register,
                        sign_off={**SIGN_OFF, "Sign-off Date": date(2026, 12, 20)})
    result = check(path, register, received_at=datetime(2026, 12, 20, 16, 0))
    assert_only(result, "RECEIVED_EARLY", W, ("", ""))
    assert result.status == "accepted"
    later = check(path, register, received_at=datetime(2027, 1, 1, 0, 5))
    assert not found(later, "RECEIVED_EARLY")


def test_received_early_is_judged_in_uk_time(tmp_path, register):
    q1 = Period(2026, 1)  # ends 30 Jun 2026, in British Summer Time
    path = valid_return(tmp_path, FIN, register=register, period=q1,
                        lines=lines_with(register, {}, period=q1),
                        sign_off={**SIGN_OFF, "Sign-off Date": date(2026, 6, 30)})
    just_after = datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc)  # 00:30 on 1 July in the UK
    assert not found(check(path, register, KnownHistory(), received_at=just_after),
                     "RECEIVED_EARLY")
    just_before = datetime(2026, 6, 30, 22, 30, tzinfo=timezone.utc)
    assert found(check(path, register, KnownHistory(), received_at=just_before),
                 "RECEIVED_EARLY", W)


# --- structure --------------------------------------------------------------------------------

def test_TABLE_MISSING(perf, register):
    def drop(wb):
        ws = wb["Complaints"]
        del ws.tables["Complaints"]
        ws.delete_rows(1, ws.max_row)  # nothing left to find the table by
    edit(perf, drop)
    assert_only(check(perf, register), "TABLE_MISSING", E, ("Complaints", ""))


def test_COLUMN_MISSING(perf, register):
    edit(perf, lambda wb: rename_header(wb, "Complaints", "Category", "Type of complaint"))
    assert_only(check(perf, register), "COLUMN_MISSING", E, ("Complaints", "A5"))


def test_a_missing_key_column_is_reported_once(perf, register):
    edit(perf, lambda wb: rename_header(wb, "PerformanceReturn", "KPI Code", "Code"))
    result = check(perf, register)
    assert_only(result, "COLUMN_MISSING", E, ("Performance", "A5"))
    assert len(found(result, "COLUMN_MISSING")) == 1


# --- performance KPIs ------------------------------------------------------------------------

def test_KPI_MANDATORY_MISSING(perf, register):
    edit(perf, lambda wb: clear_row(wb, "PerformanceReturn", COUNT))
    assert_only(check(perf, register), "KPI_MANDATORY_MISSING", E, ("Performance", "A5"))


def test_KPI_UNKNOWN(tmp_path, register):
    path = kpi_return(tmp_path, register, {"XYZ99": {"Actual": 5}})
    assert_only(check(path, register), "KPI_UNKNOWN", E,
                where(path, "PerformanceReturn", "XYZ99", "KPI Code"))


def test_KPI_DUPLICATE(perf, register):
    def duplicate(wb):
        row = add_table_row(wb, "PerformanceReturn",
                            {"KPI Code": COUNT, "Actual": 700, "Commentary": "again"})
        wb["Performance"].cell(row, 1).value = COUNT
    edit(perf, duplicate)
    result = check(perf, register)
    dup = found(result, "KPI_DUPLICATE", E)
    assert [(f.sheet, f.cell) for f in dup] == [("Performance", "A11")]
    assert next(k for k in result.kpis if k.kpi_code == COUNT).actual == 630  # the first row


def test_KPI_NOT_IN_SLA(tmp_path, register):
    path = valid_return(tmp_path, PERF, "VS-002", register=register,
                        kpis=kpis_with(register, {DAYS: {"Numerator": 10, "Denominator": 5}},
                                       "VS-002"))
    result = check(path, register, steady_history(register, "VS-002"))
    assert_only(result, "KPI_NOT_IN_SLA", W, where(path, "PerformanceReturn", DAYS, "KPI Code"))
    assert DAYS not in {k.kpi_code for k in result.kpis}


def test_VALUE_BLANK(tmp_path, register):
    path = kpi_return(tmp_path, register, {COUNT: {"Actual": None}})
    assert_only(check(path, register), "VALUE_BLANK", E,
                where(path, "PerformanceReturn", COUNT, "Actual"))


def test_VALUE_BLANK_denominator(tmp_path, register):
    path = kpi_return(tmp_path, register, {PERCENT: {"Denominator": None}})
    assert_only(check(path, register), "VALUE_BLANK", E,
                where(path, "PerformanceReturn", PERCENT, "Denominator"))


def test_VALUE_NOT_NUMBER(tmp_path, register):
    path = kpi_return(tmp_path, register, {COUNT: {"Actual": "lots"}})
    assert_only(check(path, register), "VALUE_NOT_NUMBER", E,
                where(path, "PerformanceReturn", COUNT, "Actual"))


def test_VALUE_NEGATIVE(tmp_path, register):
    path = kpi_return(tmp_path, register, {COUNT: {"Actual": -5}})
    assert_only(check(path, register), "VALUE_NEGATIVE", E,
                where(path, "PerformanceReturn", COUNT, "Actual"))


def test_VALUE_AS_TEXT(tmp_path, register):
    path = kpi_return(tmp_path, register, {COUNT: {"Actual": " 1,234 "}})
    result = check(path, register)
    assert_only(result, "VALUE_AS_TEXT", W, where(path, "PerformanceReturn", COUNT, "Actual"))
    assert result.status == "accepted"
    assert next(k for k in result.kpis if k.kpi_code == COUNT).actual == 1234


def test_PERCENT_OUT_OF_RANGE(tmp_path, register):
    path = kpi_return(tmp_path, register, {PERCENT: {"Actual": "150%"}})
    result = check(path, register)
    assert_only(result, "PERCENT_OUT_OF_RANGE", W,
                where(path, "PerformanceReturn", PERCENT, "Actual"))
    assert next(k for k in result.kpis if k.kpi_code == PERCENT).actual == pytest.approx(0.97)


def test_NUMERATOR_GT_DENOMINATOR(tmp_path, register):
    path = kpi_return(tmp_path, register, {PERCENT: {"Numerator": 210}})
    assert_only(check(path, register), "NUMERATOR_GT_DENOMINATOR", E,
                where(path, "PerformanceReturn", PERCENT, "Numerator"))


def test_DENOMINATOR_ZERO(tmp_path, register):
    path = kpi_return(tmp_path, register, {DAYS: {"Numerator": 0, "Denominator": 0,
                                                  "Commentary": None}})
    result = check(path, register)
    assert found(result, "DENOMINATOR_ZERO", Q,
                 where(path, "PerformanceReturn", DAYS, "Denominator"))
    assert result.status == "rejected"
    assert next(k for k in result.kpis if k.kpi_code == DAYS).actual is None


def test_ACTUAL_INCONSISTENT(tmp_path, register):
    path = kpi_return(tmp_path, register, {PERCENT: {"Actual": 0.5}})  # formula overwritten
    result = check(path, register)
    assert_only(result, "ACTUAL_INCONSISTENT", W,
                where(path, "PerformanceReturn", PERCENT, "Actual"))
    assert next(k for k in result.kpis if k.kpi_code == PERCENT).actual == pytest.approx(0.97)


def test_a_cached_formula_result_is_not_trusted(tmp_path, register):
    # A stale cached value in the Actual cell (the ratio is 0.97) does not change the result.
    path = kpi_return(tmp_path, register, {PERCENT: {"Actual": 0.97}})
    result = check(path, register)
    assert result.findings == []


@pytest.mark.parametrize("code, values", [
    (PERCENT, {"Numerator": 160, "Denominator": 200}),  # 80% < amber 90%: higher is better
    (DAYS, {"Numerator": 200, "Denominator": 50}),  # 4 days > amber 3: lower is better
])
def test_COMMENTARY_REQUIRED_RED(tmp_path, register, code, values):
    path = kpi_return(tmp_path, register, {code: {**values, "Commentary": None}})
    assert_only(check(path, register), "COMMENTARY_REQUIRED_RED", E,
                where(path, "PerformanceReturn", code, "Commentary"))


def test_amber_without_commentary_is_fine(tmp_path, register):
    path = kpi_return(tmp_path, register, {PERCENT: {"Numerator": 184, "Denominator": 200,
                                                     "Commentary": None}})  # 92%: amber
    assert check(path, register).findings == []


# --- records tables ---------------------------------------------------------------------------

def test_RECORD_INCOMPLETE(tmp_path, register):
    path = records_return(tmp_path, register, "Incidents", Description=None)
    assert_only(check(path, register), "RECORD_INCOMPLETE", E,
                where(path, "Incidents", 0, "Description"))


def test_RECORD_DATE_INVALID(tmp_path, register):
    path = records_return(tmp_path, register, "Incidents", Date="last Tuesday")
    assert_only(check(path, register), "RECORD_DATE_INVALID", E,
                where(path, "Incidents", 0, "Date"))


@pytest.mark.parametrize("table, header, day", [
    ("Complaints", "Date Received", date(2027, 1, 1)),  # the day after the quarter ends
    ("Incidents", "Date", date(2027, 1, 1)),
    ("Incidents", "Date", date(2025, 9, 30)),  # the day before four quarters back
    ("Complaints", "Date Received", date(1926, 11, 3)),  # an absurd year
])
def test_RECORD_DATE_OUTSIDE_QUARTER(tmp_path, register, table, header, day):
    path = records_return(tmp_path, register, table, **{header: day})
    assert_only(check(path, register), "RECORD_DATE_OUTSIDE_QUARTER", E,
                where(path, table, 0, header))


def test_a_record_dated_before_the_contract_started_is_outside(tmp_path, register):
    register = dataclasses.replace(register, contracts={
        **register.contracts,
        "VS-001": dataclasses.replace(register.contracts["VS-001"], start_date=date(2026, 8, 1))})
    path = records_return(tmp_path, register, "Incidents", Date=date(2026, 7, 31))
    assert_only(check(path, register), "RECORD_DATE_OUTSIDE_QUARTER", E,
                where(path, "Incidents", 0, "Date"))


@pytest.mark.parametrize("day", [date(2026, 10, 1), date(2026, 12, 31)])
def test_records_on_the_first_and_last_day_of_the_quarter_are_in_it(tmp_path, register, day):
    path = records_return(tmp_path, register, "Incidents", Date=day)
    assert check(path, register).findings == []


@pytest.mark.parametrize("day", [date(2026, 9, 30), date(2025, 10, 1)])
def test_RECORD_REPORTED_LATE(tmp_path, register, day):
    # An incident of the day before the quarter (or of four quarters back) is accepted,
    # queried, explained by its Action Taken, and counted in this quarter's return.
    path = records_return(tmp_path, register, "Incidents", Date=day)
    result = check(path, register)
    assert_only(result, "RECORD_REPORTED_LATE", Q, where(path, "Incidents", 0, "Date"))
    assert [f.explained for f in result.findings] == [True]
    assert result.status == "accepted"
    assert [i["date"] for i in result.incidents] == [day.isoformat()]


def test_incident_category_is_offered_not_forced(tmp_path, register):
    odd = records_return(tmp_path, register, "Incidents", Category="Safeguarding concern")
    result = check(odd, register)
    assert_only(result, "RECORD_CHOICE_INVALID", W, where(odd, "Incidents", 0, "Category"))
    assert result.incidents[0]["category"] == "Safeguarding concern"  # kept as typed
    blank = records_return(tmp_path / "blank", register, "Incidents", Category=None)
    result = check(blank, register)
    assert result.findings == [] and result.incidents[0]["category"] is None


def test_a_complaint_already_reported_updates_without_a_query(tmp_path, register):
    earlier = {"Date Received": date(2026, 8, 20), "Outcome": "Upheld",
               "Resolved Date": date(2026, 10, 15)}
    path = records_return(tmp_path, register, "Complaints", **earlier)
    known = KnownHistory(complaints={("VS-001", "2026-08-20", "Delay", "Call-back took a week")})
    result = check(path, register, known)
    assert result.findings == [] and result.status == "accepted"
    assert result.complaints[0]["outcome"] == "Upheld"
    unknown = check(path, register, KnownHistory())  # never reported: why not?
    assert_only(unknown, "RECORD_REPORTED_LATE", Q, where(path, "Complaints", 0, "Date Received"))
    assert unknown.status == "accepted"


def test_RECORD_YN_INVALID(tmp_path, register):
    path = records_return(tmp_path, register, "Incidents", **{"Harm Caused": "maybe"})
    assert_only(check(path, register), "RECORD_YN_INVALID", E,
                where(path, "Incidents", 0, "Harm Caused"))


def test_yes_and_no_are_understood(tmp_path, register):
    path = records_return(tmp_path, register, "Incidents", **{"Harm Caused": "yes",
                                                               "Provider Negligence": "no"})
    result = check(path, register)
    assert result.findings == []
    assert (result.incidents[0]["harm_caused"], result.incidents[0]["provider_negligence"]) == \
        ("Y", "N")


def test_RECORD_CHOICE_INVALID(tmp_path, register):
    path = records_return(tmp_path, register, "Risks", Likelihood="Very high")
    result = check(path, register)
    assert_only(result, "RECORD_CHOICE_INVALID", W, where(path, "Risks", 0, "Likelihood"))
    assert result.risks[0]["likelihood"] == "Very high"  # kept as typed


# --- financial return ------------------------------------------------------------------------

def test_FIN_LINE_UNKNOWN(tmp_path, register):
    path = valid_return(tmp_path, FIN, register=register, lines=lines_with(register, {
        "Catering": {"Quarter Actual": 10, "Year To Date Actual": 30, "Forecast Outturn": 40}}))
    assert_only(check(path, register), "FIN_LINE_UNKNOWN", E,
                where(path, "FinancialReturn", "Catering", "Budget Line"))


def test_FIN_LINE_MISSING(fin, register):
    edit(fin, lambda wb: clear_row(wb, "FinancialReturn", STAFF))
    assert_only(check(fin, register), "FIN_LINE_MISSING", E, ("Finance", "A5"))


def test_FIN_LINE_DUPLICATE(fin, register):
    edit(fin, lambda wb: add_table_row(wb, "FinancialReturn", {
        "Budget Line": STAFF, "Quarter Actual": 1, "Year To Date Actual": 1,
        "Forecast Outturn": 1}))
    assert_only(check(fin, register), "FIN_LINE_DUPLICATE", E, ("Finance", "A10"))


def test_FIN_YTD_MISMATCH(tmp_path, register):
    path = valid_return(tmp_path, FIN, register=register, lines=lines_with(
        register, {STAFF: {"Year To Date Actual": 675_000 + 2}}))
    assert_only(check(path, register), "FIN_YTD_MISMATCH", E,
                where(path, "FinancialReturn", STAFF, "Year To Date Actual"))


def test_ytd_within_a_pound_is_fine(tmp_path, register):
    path = valid_return(tmp_path, FIN, register=register, lines=lines_with(
        register, {STAFF: {"Year To Date Actual": 675_000.99}}))
    assert check(path, register).findings == []


def test_q1_ytd_must_equal_the_quarter(tmp_path, register):
    q1 = Period(2026, 1)
    path = valid_return(tmp_path, FIN, register=register, period=q1, lines=lines_with(
        register, {STAFF: {"Year To Date Actual": 300_000}}, period=q1))
    result = check(path, register, KnownHistory())
    assert found(result, "FIN_YTD_MISMATCH", E,
                 where(path, "FinancialReturn", STAFF, "Year To Date Actual"))


def test_FIN_YTD_UNCHECKED(fin, register):
    result = check(fin, register, KnownHistory())  # no Q2 return in the ledger
    assert_only(result, "FIN_YTD_UNCHECKED", W,
                where(fin, "FinancialReturn", STAFF, "Year To Date Actual"))
    assert [f.code for f in result.findings] == ["FIN_YTD_UNCHECKED"]  # once, not per line
    assert len(result.lines) > 1
    assert result.status == "accepted"


def test_first_use_leaves_year_to_date_unchecked_without_a_word(fin, register):
    # The ledger holds no earlier quarter of the year for any contract: the first quarter
    # the workspace is used. The provider cannot fix that, so nothing is said.
    result = check(fin, register, KnownHistory(started=False))
    assert result.findings == [] and result.status == "accepted"


@pytest.mark.parametrize("actual, ytd", [
    (300_000, 750_000),  # the quarter 33% over budget (and so the year to date)
    (225_000 * 1.08, 675_000 * 1.12),  # the quarter within 10%, the year to date not
])
def test_FIN_VARIANCE_UNEXPLAINED(tmp_path, register, actual, ytd):
    history = KnownHistory({**steady_history(register).ytd, ("VS-001", STAFF): ytd - actual})
    path = valid_return(tmp_path, FIN, register=register, lines=lines_with(
        register, {STAFF: {"Quarter Actual": actual, "Year To Date Actual": ytd}}))
    assert_only(check(path, register, history), "FIN_VARIANCE_UNEXPLAINED", E,
                where(path, "FinancialReturn", STAFF, "Variance Explanation"))
    explained = valid_return(tmp_path, FIN, register=register, name="explained.xlsx",
                             lines=lines_with(register, {STAFF: {
                                 "Quarter Actual": actual, "Year To Date Actual": ytd,
                                 "Variance Explanation": "Back pay after the pay award"}}))
    assert check(explained, register, history).status == "accepted"


# --- sign-off ---------------------------------------------------------------------------------

def test_SIGNOFF_MISSING(tmp_path, register):
    path = valid_return(tmp_path, PERF, register=register,
                        sign_off={**SIGN_OFF, "Approved By": None})
    assert_only(check(path, register), "SIGNOFF_MISSING", E,
                where_sign_off(path, "Approved By"))


def test_SIGNOFF_DATE_INVALID(tmp_path, register):
    path = valid_return(tmp_path, PERF, register=register,
                        sign_off={**SIGN_OFF, "Sign-off Date": "next week"})
    assert_only(check(path, register), "SIGNOFF_DATE_INVALID", E,
                where_sign_off(path, "Sign-off Date"))


def test_SIGNOFF_DATE_INVALID_before_the_quarter(tmp_path, register):
    path = valid_return(tmp_path, PERF, register=register,
                        sign_off={**SIGN_OFF, "Sign-off Date": date(2026, 9, 1)})
    assert_only(check(path, register), "SIGNOFF_DATE_INVALID", E,
                where_sign_off(path, "Sign-off Date"))


def test_SIGNOFF_SAME_PERSON(tmp_path, register):
    path = valid_return(tmp_path, PERF, register=register,
                        sign_off={**SIGN_OFF, "Approved By": SIGN_OFF["Prepared By"]})
    assert_only(check(path, register), "SIGNOFF_SAME_PERSON", W,
                where_sign_off(path, "Approved By"))


# --- tamper -----------------------------------------------------------------------------------

def test_TAMPER_LOCKED_CHANGED(tmp_path, register):
    path = kpi_return(tmp_path, register, {PERCENT: {"Target": 0.5}})
    result = check(path, register)
    assert_only(result, "TAMPER_LOCKED_CHANGED", W,
                where(path, "PerformanceReturn", PERCENT, "Target"))
    assert next(k for k in result.kpis if k.kpi_code == PERCENT).target == 0.95  # register wins
    assert not found(result, "TAMPER_FINGERPRINT")  # the specific warning says it all


def test_TAMPER_LOCKED_CHANGED_budget(tmp_path, register):
    path = valid_return(tmp_path, FIN, register=register, lines=lines_with(
        register, {STAFF: {"Annual Budget": 1_000_000}}))
    result = check(path, register)
    assert_only(result, "TAMPER_LOCKED_CHANGED", W,
                where(path, "FinancialReturn", STAFF, "Annual Budget"))
    assert next(ln for ln in result.lines if ln.budget_line == STAFF).annual_budget == 900_000


def test_TAMPER_LOCKED_CHANGED_contract_detail(perf, register):
    at = where_field(perf, "Lead Officer")
    edit(perf, lambda wb: setattr(wb[at[0]][at[1]], "value", "Somebody Nice"))
    assert_only(check(perf, register), "TAMPER_LOCKED_CHANGED", W, at)


def test_TAMPER_SHEET_RENAMED(perf, register):
    edit(perf, lambda wb: setattr(wb["Risks"], "title", "Our risks"))
    result = check(perf, register)
    assert_only(result, "TAMPER_SHEET_RENAMED", W, ("Our risks", ""))
    assert result.risks[0]["sheet"] == "Our risks"  # still read


def test_TAMPER_FINGERPRINT(perf, register):
    at = where_meta(perf, "fingerprint")
    edit(perf, lambda wb: setattr(wb[tc.META_SHEET][at[1]], "value", "0" * 64))
    assert_only(check(perf, register), "TAMPER_FINGERPRINT", W, at)


# --- plausibility ------------------------------------------------------------------------------

def test_QUERY_KPI_CHANGE(tmp_path, register):
    history = steady_history(register)
    history.kpi[("VS-001", COUNT)] = 2000.0  # 630 now: down 68.5%
    path = kpi_return(tmp_path, register, {COUNT: {"Commentary": None}})
    result = check(path, register, history)
    assert_only(result, "QUERY_KPI_CHANGE", Q, where(path, "PerformanceReturn", COUNT, "Actual"))
    assert result.status == "rejected"


def test_an_explained_query_is_accepted(perf, register):
    history = steady_history(register)
    history.kpi[("VS-001", COUNT)] = 2000.0
    result = check(perf, register, history)  # the row's Commentary is filled in
    (query,) = found(result, "QUERY_KPI_CHANGE", Q)
    assert query.explained
    assert result.status == "accepted"


def test_QUERY_COST_PER_USER_from_spend(fin):
    register = make_register()
    vs1 = register.contracts["VS-001"]
    # Spend so far (£937,500 for 3/4 of 9,000 users: £138.89 each) against a contract now
    # worth £400,000 a year (£44.44 per user): far more than +50%.
    register.contracts["VS-001"] = dataclasses.replace(vs1, annual_value=400_000.0)
    result = check(fin, register)
    assert_only(result, "QUERY_COST_PER_USER", Q, ("Finance", "E5"))
    assert result.status == "rejected"


def test_QUERY_COST_PER_USER_from_a_gbp_kpi(tmp_path):
    register = make_register()
    register.kpis["COST"] = Kpi("COST", "Cost per victim supported", "Spend over victims",
                                "gbp", "lower is better", "ratio of sums")
    register.sla.append(SlaKpi("VS-001", "COST", 150.0, 200.0, False, Period(2024, 1)))
    # £1,250,000 / 9,000 users = £138.89 expected; £500 per user is far outside ±50%.
    path = kpi_return(tmp_path, register, {"COST": {"Numerator": 50_000, "Denominator": 100,
                                                    "Commentary": None}})
    result = check(path, register)
    assert found(result, "QUERY_COST_PER_USER", Q,
                 where(path, "PerformanceReturn", "COST", "Numerator"))
    assert result.status == "rejected"


# --- the engine itself ---------------------------------------------------------------------------

class BrokenHistory(KnownHistory):
    """A ledger that fails when asked about KPIs."""

    def previous_kpi(self, contract_id, period, kpi_code):
        raise RuntimeError("database is locked")


def test_CHECK_FAILED(tmp_path, register):
    path = kpi_return(tmp_path, register, {COUNT: {"Actual": "lots"}})
    result = check(path, register, BrokenHistory())
    assert found(result, "CHECK_FAILED", E, ("", ""))
    assert found(result, "VALUE_NOT_NUMBER")  # the other checks still ran


def test_TEXT_TOO_LONG(tmp_path, register):
    # openpyxl cuts text to Excel's limit on saving: the 40,000 characters go in by hand.
    from intake_fixtures import rezip

    path = kpi_return(tmp_path, register, {COUNT: {"Commentary": "PLACEHOLDER"}})
    at = where(path, "PerformanceReturn", COUNT, "Commentary")
    sheets = {"Performance": "xl/worksheets/sheet3.xml"}
    long = rezip(path, tmp_path / "long.xlsx", change={
        sheets[at[0]]: lambda xml: xml.replace(b"PLACEHOLDER", b"y" * 40_000)})
    result = check(long, register)
    assert_only(result, "TEXT_TOO_LONG", Q, at)
    assert result.status == "rejected"  # a query nobody can explain in the cell itself
    assert check(path, register).findings == []


# --- the catalogue ------------------------------------------------------------------------------

def test_every_rule_has_a_test_here():
    source = Path(__file__).read_text(encoding="utf-8")
    tested = set(re.findall(r"def test_([A-Z][A-Z_]+[A-Z])", source))
    assert {r.code for r in catalogue()} <= tested


def test_the_catalogue_is_well_formed():
    rules = catalogue()
    assert len({r.code for r in rules}) == len(rules)
    for r in rules:
        assert re.fullmatch(r"[A-Z][A-Z_]+", r.code)
        assert r.when and r.message and r.action
        assert r.level in (E, Q, W)
