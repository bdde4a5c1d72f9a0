"""UK public-sector financial years and quarters, and working days.

A financial year runs 1 April to 31 March and is written ``2026-27``; ``fy=2026``.
Q1 = Apr–Jun, Q2 = Jul–Sep, Q3 = Oct–Dec, Q4 = Jan–Mar.
Working days skip weekends and England and Wales bank holidays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from .errors import UsageError

_QUARTER_START_MONTH = {1: 4, 2: 7, 3: 10, 4: 1}


@dataclass(frozen=True, order=True)
class Period:
    """One quarter of one financial year. Orders chronologically."""

    fy: int  # the calendar year in which the financial year starts: 2026 for 2026-27
    quarter: int  # 1..4

    def __post_init__(self):
        if self.quarter not in (1, 2, 3, 4):
            raise UsageError(f"quarter must be 1 to 4, not {self.quarter}")

    @property
    def fy_label(self) -> str:
        return fy_label(self.fy)

    @property
    def q_label(self) -> str:
        return f"Q{self.quarter}"

    @property
    def label(self) -> str:
        """``2026-27 Q3``: the form used in registers, metadata and outputs."""
        return f"{self.fy_label} {self.q_label}"

    @property
    def slug(self) -> str:
        """``2026-27-Q3``: the form used in folder names."""
        return f"{self.fy_label}-{self.q_label}"

    @property
    def start(self) -> date:
        month = _QUARTER_START_MONTH[self.quarter]
        year = self.fy + 1 if self.quarter == 4 else self.fy
        return date(year, month, 1)

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    @property
    def index(self) -> int:
        """A running number: consecutive quarters differ by one."""
        return self.fy * 4 + self.quarter - 1

    @classmethod
    def from_index(cls, index: int) -> "Period":
        return cls(index // 4, index % 4 + 1)

    def next(self) -> "Period":
        return Period.from_index(self.index + 1)

    def previous(self) -> "Period":
        return Period.from_index(self.index - 1)

    def shift(self, quarters: int) -> "Period":
        return Period.from_index(self.index + quarters)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def describe(self) -> str:
        """``2026-27 Q3 (1 Oct 2026 to 31 Dec 2026)``."""
        return f"{self.label} ({_day(self.start)} to {_day(self.end)})"

    def __str__(self) -> str:
        return self.label


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def fy_label(fy: int) -> str:
    return f"{fy}-{(fy + 1) % 100:02d}"


def fy_of(day: date) -> int:
    """The financial year (start year) containing ``day``."""
    return day.year if day.month >= 4 else day.year - 1


def period_of(day: date) -> Period:
    """The quarter containing ``day``."""
    fy = fy_of(day)
    quarter = {4: 1, 5: 1, 6: 1, 7: 2, 8: 2, 9: 2, 10: 3, 11: 3, 12: 3}.get(day.month, 4)
    return Period(fy, quarter)


# ``Q3``, ``2026-27 Q3``, ``2026 Q3`` and ``2026-27-Q3`` (the folder-name form).
_PERIOD_RE = re.compile(
    r"^\s*(?:(?:FY\s*)?(?P<fy>\d{4})(?:\s*[-/]\s*(?P<fy2>\d{2}|\d{4}))?\s*[-_]?\s*)?"
    r"Q(?P<q>[1-4])\s*$",
    re.IGNORECASE,
)


def parse_fy(text: str | int) -> int:
    """``2026`` or ``2026-27`` → 2026. Raises UsageError."""
    s = str(text).strip()
    m = re.fullmatch(r"(?:FY\s*)?(\d{4})(?:\s*[-/]\s*(\d{2}|\d{4}))?", s, re.IGNORECASE)
    if not m:
        raise UsageError(f"'{text}' is not a financial year; write 2026 or 2026-27")
    fy = int(m.group(1))
    if m.group(2) and int(m.group(2)) % 100 != (fy + 1) % 100:
        raise UsageError(f"'{text}' is not a financial year; the second year must follow the first")
    return fy


# What a bare quarter (``Q3`` without a year) means depends on what it is for.
ISSUE = "issue"  # templates: the quarter of that name now running, or the next to come
REPORT = "report"  # returns, status, consolidation: the latest of that name that has ended


def parse_period(text: str, year: str | int | None = None, as_of: date | None = None,
                 purpose: str = REPORT) -> Period:
    """Parse ``Q3``, ``2026-27 Q3``, ``2026 Q3`` or ``2026-27-Q3``.

    ``year`` (``--year``) fixes the financial year. A bare quarter without a year is
    resolved against ``as_of`` (a quarter has ended by ``as_of`` when its last day is on or
    before it): for ``REPORT``, the most recent quarter of that name that has ended; for
    ``ISSUE``, the one of that name that has not ended (running, or next to come).
    Raises UsageError for text that is not a quarter, and for a bare quarter that resolves
    to a period more than a year from ``as_of`` (``year`` is needed then).
    """
    m = _PERIOD_RE.match(str(text))
    if not m:
        raise UsageError(f"'{text}' is not a quarter; write Q3, 2026-27 Q3 or 2026-27-Q3")
    quarter = int(m.group("q"))
    if m.group("fy"):
        fy = parse_fy(m.group("fy") + (f"-{m.group('fy2')}" if m.group("fy2") else ""))
        if year is not None and parse_fy(year) != fy:
            raise UsageError(f"'{text}' and --year {year} name different financial years")
        return Period(fy, quarter)
    if year is not None:
        return Period(parse_fy(year), quarter)
    as_of = as_of or date.today()
    period = resolve_quarter(quarter, as_of, purpose)
    if more_than_a_year_from(period, as_of):
        other = resolve_quarter(quarter, as_of, ISSUE if purpose == REPORT else REPORT)
        raise UsageError(
            f"'{text}' would mean {period.describe()}, more than a year from "
            f"{_day(as_of)}; say which with --year (--year {period.fy} for that one, "
            f"--year {other.fy} for {other.label})")
    return period


def resolve_quarter(quarter: int, as_of: date, purpose: str = REPORT) -> Period:
    """The quarter named ``Q<quarter>`` that a bare quarter means on ``as_of`` (see
    ``parse_period``)."""
    candidate = Period(fy_of(as_of), quarter)
    if purpose == ISSUE:
        while candidate.end <= as_of:  # ended: the next one of that name
            candidate = candidate.shift(4)
        while candidate.shift(-4).end > as_of:  # an earlier one of that name has not ended
            candidate = candidate.shift(-4)
        return candidate
    while candidate.end > as_of:
        candidate = candidate.shift(-4)
    return candidate


def more_than_a_year_from(period: Period, as_of: date) -> bool:
    """True when ``period`` began more than a year before ``as_of`` or ends more than a
    year after it."""
    return period.start < _years_later(as_of, -1) or period.end > _years_later(as_of, 1)


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def has_ended(period: Period, as_of: date) -> bool:
    """A quarter has ended by ``as_of`` when its last day is on or before ``as_of``."""
    return period.end <= as_of


def parse_period_label(text: str) -> Period | None:
    """Strict reading of a stored label such as ``2026-27 Q3``; None if it is not one."""
    try:
        m = _PERIOD_RE.match(str(text))
        if not m or not m.group("fy"):
            return None
        return parse_period(str(text))
    except UsageError:
        return None


def latest_ended_period(as_of: date) -> Period:
    """The most recent quarter that has ended by ``as_of``."""
    return period_of(as_of).previous()


# --- working days -------------------------------------------------------------------


@lru_cache(maxsize=None)
def _bank_holidays(year: int) -> frozenset[date]:
    import holidays  # England and Wales share the same bank holidays

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


@lru_cache(maxsize=4096)  # asked for every return of a national quarter, with few distinct dates
def add_working_days(day: date, n: int) -> date:
    """The date ``n`` working days after ``day`` (``day`` itself not counted)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    current = day
    while n > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            n -= 1
    return current


@lru_cache(maxsize=4096)
def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if end <= start)."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count


def return_deadline(period: Period, working_days: int) -> date:
    """The last day a return for ``period`` is on time: ``working_days`` after quarter end."""
    return add_working_days(period.end, working_days)
