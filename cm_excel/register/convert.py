"""Turning one register cell into a typed value, by the column's type in ``schema``.

People type ``£1,234``, ``12%``, `` 42 ``, ``01/04/2026`` or ``Higher is Better``; spreadsheet
programs store dates as dates or as serial numbers. Everything reasonable is understood;
anything else raises ``BadCell`` carrying a problem code and a sentence saying what to write.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime

from ..errors import UsageError
from ..periods import parse_fy, parse_period_label
from . import problems as P
from .schema import DATE, ENUM, FY, INT, MONEY, NUMBER, PERIOD, TEXT, YESNO, Column, Knob


# What a formula cell holds when its result is an error (openpyxl gives them as text).
EXCEL_ERRORS = frozenset({"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!",
                          "#SPILL!", "#CALC!", "#GETTING_DATA"})


class BadCell(ValueError):
    """A cell that cannot be read as its column's type."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def show(value) -> str:
    """A cell value as people would recognise it in a message."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value.day} {value:%b %Y}"
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else repr(value)
    if isinstance(value, str):
        return f'"{value.strip()}"'
    return str(value)


def show_percent(value: float) -> str:
    """0.9 → ``90%``; 0.925 → ``92.5%``."""
    return f"{value * 100:.4g}%"


def words(text: str) -> str:
    """Case, hyphen, underscore and spacing differences do not matter in enumerations."""
    return " ".join(re.sub(r"[-_]", " ", str(text)).split()).casefold()


def is_share_knob(knob: Knob) -> bool:
    """A NUMBER setting whose default is a share (0.1 is 10%); shown and checked as a percentage."""
    return knob.type == NUMBER and isinstance(knob.default, float) and 0 < knob.default < 1


def convert(value, column: Column):
    """``value`` (not blank) as ``column.type`` requires. Raises BadCell."""
    if isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
        raise BadCell(P.CELL_ERROR, f"the cell shows the error {value.strip()}; type the "
                      "value itself, or correct the formula")
    kind = column.type
    if kind == TEXT:
        return _text(value)
    if kind in (MONEY, NUMBER, INT):
        return _number(value, kind)
    if kind == DATE:
        return _date(value)
    if kind == ENUM:
        return _choice(value, column.choices)
    if kind == PERIOD:
        period = None if isinstance(value, (int, float, date)) else parse_period_label(str(value))
        if period is None:
            raise BadCell(P.NOT_A_PERIOD,
                          f"{show(value)} is not a quarter; write it like 2026-27 Q3")
        return period
    if kind == FY:
        return _fy(value)
    if kind == YESNO:
        return _yes_no(value)
    raise ValueError(f"unknown column type {kind!r}")  # a schema bug, not a register problem


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an ID typed as a number: 101.0 → "101"
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


_NUMBER_RE = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")


def _number(value, kind: str):
    if isinstance(value, bool):
        raise BadCell(P.NOT_A_NUMBER, f"{value} is not a number; write a number")
    if isinstance(value, (datetime, date)):
        raise BadCell(P.NOT_A_NUMBER, f"{show(value)} is a date, but a number belongs here")
    if isinstance(value, (int, float)):
        number = float(value)
        if not math.isfinite(number):
            raise BadCell(P.NOT_A_NUMBER, f"{value} is not a number; write a number")
    else:
        number = _parse_number_text(str(value), kind)
    if kind in (MONEY, INT) and number < 0:
        raise BadCell(P.NEGATIVE, f"{show(value)} is negative; write 0 or more")
    if kind == INT:
        if not number.is_integer():
            raise BadCell(P.NOT_A_WHOLE_NUMBER, f"{show(value)} is not a whole number")
        return int(number)
    return number


def _parse_number_text(text: str, kind: str) -> float:
    s = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    negative = s.startswith("(") and s.endswith(")")  # accountants' (1,234)
    if negative:
        s = s[1:-1]
    percent = s.endswith("%")
    if percent:
        s = s[:-1]
    s = s.replace("£", "").replace(",", "")
    if not _NUMBER_RE.match(s):
        example = "an amount such as £1,234" if kind == MONEY else "a number such as 1,234 or 90%"
        raise BadCell(P.NOT_A_NUMBER, f"{show(text)} is not a number; write {example}")
    number = float(s) / (100 if percent else 1)
    return -number if negative else number


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y",
                 "%d-%b-%Y", "%d %b %y", "%d/%m/%y")
# Excel serial numbers for 1 Jan 1950 .. 31 Dec 2099: a date cell whose formatting was lost.
_SERIAL_RANGE = (18264, 73050)


def _date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
            from openpyxl.utils.datetime import from_excel

            return from_excel(value).date()
    elif isinstance(value, str):
        text = " ".join(value.split())
        text = text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}[ T]", text) else text  # drop a time
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    raise BadCell(P.NOT_A_DATE,
                  f"{show(value)} is not a date; write a date such as 1 Apr 2026 or 01/04/2026")


def _choice(value, choices: tuple[str, ...]) -> str:
    wanted = words(value)
    for choice in choices:
        if words(choice) == wanted:
            return choice
    listed = ", ".join(choices)
    raise BadCell(P.NOT_IN_LIST, f"{show(value)} is not one of the choices: {listed}")


def _fy(value) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        try:
            return parse_fy(value)
        except UsageError:
            pass
    raise BadCell(P.NOT_A_YEAR, f"{show(value)} is not a financial year; write it like 2026-27")


_YES = {"y", "yes", "true"}
_NO = {"n", "no", "false"}


def _yes_no(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise BadCell(P.NOT_YES_NO, f"{show(value)} is not Y or N; write Y or N")
