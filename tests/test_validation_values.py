"""How typed values are read: numbers, percentages, dates, Y/N, choices."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from cm_excel.validation.values import (INVALID, TEXT, Parsed, excel_serial_to_date,
                                        parse_choice, parse_date, parse_number, parse_percent,
                                        parse_text, parse_yes_no, same_number)


@pytest.mark.parametrize("raw, expected", [
    (42, Parsed(42.0, None)),
    (0.5, Parsed(0.5, None)),
    ("1,234", Parsed(1234.0, TEXT)),
    ("12%", Parsed(0.12, TEXT)),
    ("12.5 %", Parsed(0.125, TEXT)),
    ("£1,000", Parsed(1000.0, TEXT)),
    ("£1,000.50", Parsed(1000.5, TEXT)),
    ("GBP 300", Parsed(300.0, TEXT)),
    (" 42 ", Parsed(42.0, TEXT)),
    ("\u00a042\u00a0", Parsed(42.0, TEXT)),  # non-breaking spaces pasted from a web page
    ("(1,000)", Parsed(-1000.0, TEXT)),
    ("\u22125", Parsed(-5.0, TEXT)),  # unicode minus
    ("\u20137", Parsed(-7.0, TEXT)),  # en dash typed by a word processor
    ("-£5", Parsed(-5.0, TEXT)),
    ("£-5", Parsed(-5.0, TEXT)),
    (".5", Parsed(0.5, TEXT)),
])
def test_numbers_are_understood(raw, expected):
    assert parse_number(raw) == expected


@pytest.mark.parametrize("raw", [
    "n/a", "lots", "#DIV/0!", "1,2345", "1,23", "12%%", "(-5)", "--5", "£", "%", True, False,
    float("nan"), float("inf"), date(2026, 10, 3), datetime(2026, 10, 3), object(),
])
def test_junk_is_not_a_number(raw):
    assert parse_number(raw) == Parsed(None, INVALID)


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_blank_is_blank_for_every_parser(raw):
    for parser in (parse_number, parse_percent, parse_date, parse_yes_no, parse_text):
        assert parser(raw) == Parsed(None, None)


@pytest.mark.parametrize("raw, expected", [
    (0.85, Parsed(0.85, None)),
    (85, Parsed(0.85, None)),  # 85 in a cell meant 85%, not 8,500%
    ("85%", Parsed(0.85, TEXT)),
    ("0.85", Parsed(0.85, TEXT)),
    (1, Parsed(1.0, None)),  # 1 is 100%
    ("150%", Parsed(1.5, TEXT)),  # out of range: the checks say so
])
def test_percentages_are_fractions(raw, expected):
    got = parse_percent(raw)
    assert got.note == expected.note and got.value == pytest.approx(expected.value)


@pytest.mark.parametrize("raw, expected, note", [
    (datetime(2026, 10, 3, 14, 30), date(2026, 10, 3), None),
    (date(2026, 10, 3), date(2026, 10, 3), None),
    (46298, date(2026, 10, 3), None),  # an Excel serial that lost its date format
    (46298.75, date(2026, 10, 3), None),
    ("2026-10-03", date(2026, 10, 3), TEXT),
    ("2026-10-03 00:00:00", date(2026, 10, 3), TEXT),
    ("3/10/2026", date(2026, 10, 3), TEXT),  # UK order: day first
    ("03/10/26", date(2026, 10, 3), TEXT),
    ("3.10.2026", date(2026, 10, 3), TEXT),
    ("3-10-2026", date(2026, 10, 3), TEXT),
    ("3 Oct 2026", date(2026, 10, 3), TEXT),
    ("3 October 2026", date(2026, 10, 3), TEXT),
    ("3rd October 2026", date(2026, 10, 3), TEXT),
    ("03-Oct-2026", date(2026, 10, 3), TEXT),
    ("Oct 3, 2026", date(2026, 10, 3), TEXT),
    ("3 Sept 2026", date(2026, 9, 3), TEXT),
])
def test_dates_are_understood(raw, expected, note):
    assert parse_date(raw) == Parsed(expected, note)


@pytest.mark.parametrize("raw", ["31/02/2026", "13/13/2026", "last Tuesday", "3 Octob 2026",
                                 "2026-13-01", 5, True, 1e9])
def test_junk_is_not_a_date(raw):
    assert parse_date(raw) == Parsed(None, INVALID)


def test_1904_date_system_serials():
    # The same day is 1,462 serial days earlier in a workbook using the 1904 date system.
    assert parse_date(46298 - 1462, date1904=True) == Parsed(date(2026, 10, 3), None)
    assert excel_serial_to_date(60) is None  # Excel's imaginary 29 Feb 1900, and too early


@pytest.mark.parametrize("raw, expected", [
    ("Y", "Y"), ("y", "Y"), ("yes", "Y"), (" YES ", "Y"), (True, "Y"),
    ("N", "N"), ("n", "N"), ("No", "N"), (False, "N"),
])
def test_yes_no(raw, expected):
    assert parse_yes_no(raw) == Parsed(expected, None)


@pytest.mark.parametrize("raw", ["maybe", "1", 1, "Yes please", date(2026, 1, 1)])
def test_yes_no_junk(raw):
    assert parse_yes_no(raw).note == INVALID


def test_choices_ignore_case_and_spaces_and_keep_canonical_spelling():
    assert parse_choice("  partly   UPHELD ", ("Upheld", "Partly upheld")) == \
        Parsed("Partly upheld", None)
    assert parse_choice("Very high", ("Low", "Medium", "High")) == Parsed("Very high", INVALID)


def test_text_reads_numbers_and_dates_as_people_write_them():
    assert parse_text(12.0) == Parsed("12", None)
    assert parse_text(datetime(2026, 10, 3, 9)) == Parsed("2026-10-03", None)
    assert parse_text("  hello ") == Parsed("hello", None)


def test_same_number():
    assert same_number(0.95, 0.95 + 1e-12)
    assert not same_number(0.95, 0.9)
    assert same_number(None, None) and not same_number(None, 0.0)
