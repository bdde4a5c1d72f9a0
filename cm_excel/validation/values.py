"""Reading the values providers type: numbers, percentages, dates, Y/N and text.

Every parser takes a raw cell value (str, float, int, bool, datetime/date or None) and
returns ``Parsed(value, note)``. It never raises. ``note`` says how the value was read:

- ``None``: clean (a real number in a number cell, a real date in a date cell, a blank);
- ``TEXT``: understood, but typed as text (``"1,234"``, ``"12%"``, ``"£1,000"``,
  ``" 42 "``, ``"3/10/2026"``); the checks turn this into the warning ``VALUE_AS_TEXT``;
- ``INVALID``: not understood; the checks turn this into an error whose code depends on
  the column (``VALUE_NOT_NUMBER``, ``RECORD_DATE_INVALID``, ``RECORD_YN_INVALID`` ...).

Blank cells give ``Parsed(None, None)``; whether a blank is allowed is the checks' business.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

TEXT = "text"
INVALID = "invalid"


class Parsed(NamedTuple):
    value: Any
    note: str | None = None


BLANK = Parsed(None, None)


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


# --- numbers --------------------------------------------------------------------------

# Dashes people (and word processors) type for minus.
_MINUS = dict.fromkeys(map(ord, "\u2212\u2012\u2013\u2014\ufe63\uff0d"), "-")
# Spaces that paste in from web pages and other workbooks.
_SPACES = dict.fromkeys(map(ord, "\u00a0\u202f\u2009\u2007"), " ")

_NUMBER_RE = re.compile(
    r"""^
    (?P<sign>[-+])?\s*
    (?:£|GBP\s*)?\s*
    (?P<sign2>[-+])?\s*
    (?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)
    \s*(?P<pct>%)?
    $""",
    re.VERBOSE | re.IGNORECASE,
)


def _clean_text(raw: str) -> str:
    return raw.translate(_MINUS).translate(_SPACES).strip()


def parse_number(raw: Any) -> Parsed:
    """A number, however typed.

    ``1234`` → 1234.0; ``"1,234"`` → 1234.0 (TEXT); ``"12%"`` → 0.12 (TEXT);
    ``"£1,000"`` → 1000.0 (TEXT); ``" 42 "`` → 42.0 (TEXT); ``"(1,000)"`` → -1000.0 (TEXT);
    ``"−5"`` (unicode minus) → -5.0 (TEXT). Booleans, dates, ``"n/a"``, ``"#DIV/0!"`` and
    other junk → ``Parsed(None, INVALID)``.
    """
    if is_blank(raw):
        return BLANK
    if isinstance(raw, bool) or isinstance(raw, (date, datetime)):
        return Parsed(None, INVALID)
    if isinstance(raw, (int, float)):
        value = float(raw)
        return Parsed(value, None) if math.isfinite(value) else Parsed(None, INVALID)
    if not isinstance(raw, str):
        return Parsed(None, INVALID)
    text = _clean_text(raw)
    negative = False
    if text.startswith("(") and text.endswith(")"):  # accounting style negative
        negative, text = True, text[1:-1].strip()
    m = _NUMBER_RE.match(text)
    if not m:
        return Parsed(None, INVALID)
    if m.group("sign") and m.group("sign2"):
        return Parsed(None, INVALID)
    value = float(m.group("digits").replace(",", ""))
    if m.group("pct"):
        value /= 100.0
    if (m.group("sign") or m.group("sign2")) == "-":
        value = -value
    if negative:
        if value < 0:
            return Parsed(None, INVALID)
        value = -value
    return Parsed(value, TEXT)


def parse_percent(raw: Any) -> Parsed:
    """A percentage as a fraction: 0.85, 85 (read as 85%), ``"85%"``, ``"0.85"`` → 0.85.

    A plain number above 1 is taken as percentage points, because a provider who types
    85 into a cell meant 85%, not 8,500%. Notes as for ``parse_number``.
    """
    parsed = parse_number(raw)
    if parsed.value is None:
        return parsed
    text_pct = isinstance(raw, str) and "%" in raw
    if not text_pct and abs(parsed.value) > 1.0:
        return Parsed(parsed.value / 100.0, parsed.note)
    return parsed


# --- dates -----------------------------------------------------------------------------

_MONTHS = {name: i for i, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}

_ISO_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_UK_RE = re.compile(r"^(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})"
                    r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_DAY_MONTH_RE = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s-]+([A-Za-z]{3,9})\.?,?[\s-]+"
                           r"(\d{4}|\d{2})$")
_MONTH_DAY_RE = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")

# Serial numbers are accepted only in this range (1 Jan 1990 to 31 Dec 2099), so a count
# typed in a date column is not silently read as a date in 1900.
_SERIAL_FIRST, _SERIAL_LAST = date(1990, 1, 1), date(2099, 12, 31)


_FULL_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")


def _month(name: str) -> int | None:
    """Month number from ``Oct``, ``Sept`` or ``October``; None for anything else."""
    key = name.lower()
    if key in _MONTHS:
        return _MONTHS[key]
    if key == "sept":
        return 9
    if key in _FULL_MONTHS:
        return _FULL_MONTHS.index(key) + 1
    return None


def _year(text: str) -> int:
    year = int(text)
    return 2000 + year if len(text) == 2 else year


def _make(year: int, month: int | None, day: int) -> Parsed:
    if month is None:
        return Parsed(None, INVALID)
    try:
        return Parsed(date(year, month, day), TEXT)
    except ValueError:
        return Parsed(None, INVALID)


def excel_serial_to_date(serial: float, date1904: bool = False) -> date | None:
    """The calendar day of an Excel serial number, or None if outside 1990–2099."""
    if not math.isfinite(serial) or not (0 <= serial < 100_000):  # 100,000 is in 2173
        return None
    days = int(math.floor(serial))
    if date1904:
        day = date(1904, 1, 1) + timedelta(days=days)
    else:
        # Excel's serial 60 is the non-existent 29 Feb 1900; later serials are off by one.
        day = date(1899, 12, 30) + timedelta(days=days) if days >= 61 else None
    if day is None or not (_SERIAL_FIRST <= day <= _SERIAL_LAST):
        return None
    return day


def parse_date(raw: Any, date1904: bool = False) -> Parsed:
    """A calendar day, however typed.

    Real dates and datetimes (the day is kept) are clean. Excel serial numbers that lost
    their date format are read as dates (clean) when they fall in 1990–2099. Text is read
    as ISO (``2026-10-03``), UK day-first (``3/10/2026``, ``03-10-26``, ``3.10.2026``) or
    with a month name (``3 Oct 2026``, ``3rd October 2026``, ``Oct 3, 2026``), note TEXT.
    Anything else is INVALID.
    """
    if is_blank(raw):
        return BLANK
    if isinstance(raw, datetime):
        return Parsed(raw.date(), None)
    if isinstance(raw, date):
        return Parsed(raw, None)
    if isinstance(raw, bool):
        return Parsed(None, INVALID)
    if isinstance(raw, (int, float)):
        day = excel_serial_to_date(float(raw), date1904)
        return Parsed(day, None) if day else Parsed(None, INVALID)
    if not isinstance(raw, str):
        return Parsed(None, INVALID)
    text = _clean_text(raw)
    if m := _ISO_RE.match(text):
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _UK_RE.match(text):
        return _make(_year(m.group(4)), int(m.group(3)), int(m.group(1)))
    if m := _DAY_MONTH_RE.match(text):
        return _make(_year(m.group(3)), _month(m.group(2)), int(m.group(1)))
    if m := _MONTH_DAY_RE.match(text):
        return _make(int(m.group(3)), _month(m.group(1)), int(m.group(2)))
    return Parsed(None, INVALID)


# --- Y/N and text ---------------------------------------------------------------------

_YES = {"y", "yes"}
_NO = {"n", "no"}


def parse_yes_no(raw: Any) -> Parsed:
    """``"Y"``/``"N"`` from Y, N, yes, no (any case, spaces ignored) or a boolean cell."""
    if is_blank(raw):
        return BLANK
    if isinstance(raw, bool):
        return Parsed("Y" if raw else "N", None)
    if isinstance(raw, str):
        key = _clean_text(raw).lower()
        if key in _YES:
            return Parsed("Y", None)
        if key in _NO:
            return Parsed("N", None)
    return Parsed(None, INVALID)


def parse_text(raw: Any) -> Parsed:
    """Stripped text; numbers and dates as people would write them; blank → None."""
    if is_blank(raw):
        return BLANK
    if isinstance(raw, bool):
        return Parsed("Y" if raw else "N", None)
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        return Parsed(raw.isoformat(), None)
    if isinstance(raw, float):
        if math.isfinite(raw) and raw == int(raw):
            return Parsed(str(int(raw)), None)
        return Parsed(repr(raw), None)
    return Parsed(str(raw).strip(), None)


def parse_choice(raw: Any, choices: tuple[str, ...]) -> Parsed:
    """One of ``choices`` (case and spaces ignored), returned in its canonical spelling."""
    if is_blank(raw):
        return BLANK
    text = parse_text(raw).value
    key = " ".join(text.lower().split())
    for choice in choices:
        if key == choice.lower():
            return Parsed(choice, None)
    return Parsed(text, INVALID)


def same_number(a: float | None, b: float | None, tolerance: float = 1e-6) -> bool:
    """Equal within ``tolerance`` relative to the larger (absolute for small numbers)."""
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tolerance * max(1.0, abs(a), abs(b))
