"""Financial years, quarters and working days (SPEC "Periods")."""

from datetime import date

import pytest

from cm_excel.errors import UsageError
from cm_excel.periods import (
    ISSUE, REPORT, Period, add_working_days, fy_of, has_ended, is_working_day,
    more_than_a_year_from, parse_fy, parse_period, parse_period_label, period_of,
    return_deadline, working_days_between,
)


@pytest.mark.parametrize("quarter, start, end", [
    (1, date(2026, 4, 1), date(2026, 6, 30)),
    (2, date(2026, 7, 1), date(2026, 9, 30)),
    (3, date(2026, 10, 1), date(2026, 12, 31)),
    (4, date(2027, 1, 1), date(2027, 3, 31)),
])
def test_quarter_dates_follow_the_financial_year(quarter, start, end):
    period = Period(2026, quarter)
    assert (period.start, period.end) == (start, end)
    assert period.fy_label == "2026-27"


def test_labels_and_slugs():
    assert Period(2026, 3).label == "2026-27 Q3"
    assert Period(2026, 3).slug == "2026-27-Q3"
    assert Period(2099, 4).fy_label == "2099-00"


def test_next_and_previous_cross_the_year_boundary():
    assert Period(2026, 4).next() == Period(2027, 1)
    assert Period(2027, 1).previous() == Period(2026, 4)
    assert Period(2026, 1).shift(-5) == Period(2024, 4)


@pytest.mark.parametrize("day, expected", [
    (date(2026, 3, 31), Period(2025, 4)),
    (date(2026, 4, 1), Period(2026, 1)),
    (date(2026, 12, 31), Period(2026, 3)),
    (date(2027, 1, 1), Period(2026, 4)),
])
def test_period_of_a_day(day, expected):
    assert period_of(day) == expected
    assert fy_of(day) == expected.fy


@pytest.mark.parametrize("text, year, as_of, expected", [
    ("Q3", None, date(2026, 12, 31), Period(2026, 3)),  # ended that day
    ("Q3", None, date(2027, 1, 5), Period(2026, 3)),
    ("Q4", None, date(2027, 4, 1), Period(2026, 4)),
    ("Q2", None, date(2026, 12, 1), Period(2026, 2)),
    ("Q4", None, date(2026, 12, 1), Period(2025, 4)),
    ("Q1", None, date(2026, 6, 30), Period(2026, 1)),
    ("q2", "2026", None, Period(2026, 2)),
    ("Q3", "2026-27", None, Period(2026, 3)),
    ("2026-27 Q3", None, None, Period(2026, 3)),
    ("2026-27-Q3", None, None, Period(2026, 3)),  # the engine's own folder name
    ("2026-27_q3", None, None, Period(2026, 3)),
    ("2026 Q4", None, None, Period(2026, 4)),
])
def test_parse_period_for_reports_is_the_latest_ended(text, year, as_of, expected):
    assert parse_period(text, year, as_of) == expected
    assert parse_period(text, year, as_of, REPORT) == expected


@pytest.mark.parametrize("text, as_of, expected", [
    ("Q3", date(2026, 12, 1), Period(2026, 3)),  # running: the one about to be issued
    ("Q3", date(2026, 12, 30), Period(2026, 3)),  # its last day but one
    ("Q3", date(2026, 12, 31), Period(2027, 3)),  # ended that day: the next Q3
    ("Q3", date(2026, 8, 15), Period(2026, 3)),  # next to come
    ("Q4", date(2026, 12, 1), Period(2026, 4)),
    ("Q1", date(2026, 12, 1), Period(2027, 1)),
    ("Q2", date(2026, 12, 1), Period(2027, 2)),
    ("Q4", date(2027, 3, 31), Period(2027, 4)),
])
def test_parse_period_for_templates_is_running_or_next(text, as_of, expected):
    assert parse_period(text, None, as_of, ISSUE) == expected


@pytest.mark.parametrize("text, as_of, purpose", [
    ("Q3", date(2026, 11, 25), REPORT),  # the last ended Q3 began 14 months before
    ("Q1", date(2026, 6, 29), REPORT),
    ("Q2", date(2026, 9, 29), REPORT),
])
def test_a_bare_quarter_more_than_a_year_away_needs_a_year(text, as_of, purpose):
    with pytest.raises(UsageError) as exc:
        parse_period(text, None, as_of, purpose)
    assert "--year" in str(exc.value)
    # with the year it is accepted, whatever as-of
    assert parse_period(text, "2025", as_of, purpose) == Period(2025, int(text[1]))


def test_more_than_a_year_from():
    as_of = date(2026, 12, 1)
    assert not more_than_a_year_from(Period(2025, 4), as_of)  # began 1 Jan 2026
    assert more_than_a_year_from(Period(2025, 3), as_of)  # began 1 Oct 2025
    assert not more_than_a_year_from(Period(2027, 2), as_of)  # ends 30 Sep 2027
    assert more_than_a_year_from(Period(2027, 3), as_of)  # ends 31 Dec 2027
    assert not more_than_a_year_from(Period(2027, 3), date(2026, 12, 31))  # a year exactly
    assert not more_than_a_year_from(Period(2023, 1), date(2024, 2, 29))  # 29 Feb: 28 Feb
    assert more_than_a_year_from(Period(2022, 4), date(2024, 2, 29))


@pytest.mark.parametrize("text, year", [("Q5", None), ("quarter 3", None), ("Q3", "26"),
                                        ("2026-28 Q1", None), ("2026-27 Q3", "2025")])
def test_bad_periods_are_usage_errors(text, year):
    with pytest.raises(UsageError):
        parse_period(text, year, date(2026, 11, 25))


def test_parse_fy_and_labels():
    assert parse_fy("2026-27") == parse_fy(2026) == parse_fy("2026/2027") == 2026
    assert parse_period_label("2026-27 Q3") == Period(2026, 3)
    assert parse_period_label("2026-27-Q3") == Period(2026, 3)
    assert parse_period_label("Q3") is None
    assert parse_period_label("nonsense") is None


def test_bank_holidays_are_not_working_days():
    assert not is_working_day(date(2026, 12, 25))  # Christmas Day
    assert not is_working_day(date(2026, 12, 28))  # Boxing Day substitute (26th is a Saturday)
    assert not is_working_day(date(2027, 3, 26))  # Good Friday 2027
    assert not is_working_day(date(2027, 3, 29))  # Easter Monday 2027
    assert not is_working_day(date(2026, 8, 31))  # summer bank holiday (England and Wales)
    assert is_working_day(date(2026, 8, 3))  # Scotland's August holiday is not ours
    assert not is_working_day(date(2026, 11, 28))  # Saturday


def test_add_working_days_across_christmas_and_new_year():
    # Q3 2026-27 ends Thu 31 Dec 2026; 1 Jan 2027 is a bank holiday.
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert return_deadline(Period(2026, 3), 20) == date(2027, 1, 29)


def test_return_deadline_across_easter():
    # Q4 2025-26 ends Tue 31 Mar 2026; Good Friday 3 Apr and Easter Monday 6 Apr 2026.
    assert return_deadline(Period(2025, 4), 3) == date(2026, 4, 7)
    assert working_days_between(date(2026, 3, 31), date(2026, 4, 7)) == 3


def test_working_days_between_is_zero_backwards():
    assert working_days_between(date(2026, 5, 5), date(2026, 5, 1)) == 0


def test_a_quarter_has_ended_on_its_last_day():
    assert not has_ended(Period(2026, 3), date(2026, 12, 30))
    assert has_ended(Period(2026, 3), date(2026, 12, 31))
