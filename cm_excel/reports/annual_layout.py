"""What every sheet of the SMG annual workbook shares: the year, its flags, the formats.

The sheets are drawn with the quarterly workbook's helpers (``quarterly_layout``: title in
row 1, subtitle in row 2, header in row 3, rows tall enough for wrapped text), which only
need a context with ``period_line``, ``page_label``, ``settings``, ``st`` and ``widths``.
They print as the quarterly sheets do (``print_setup``): ``finish_sheets`` ends each sheet
with its print area, and a sheet of several tables repeats only its title rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..flags import Flag
from ..periods import Period
from ..portfolio.rag import day
from ..portfolio.year import YearData
from ..register.model import Settings
from .xlsx_style import Styles

PROVISIONAL = "PROVISIONAL"


@dataclass(frozen=True)
class YearFlag:
    """A flag raised in one quarter of the year; ``period`` None for a calendar or
    governance flag, which speaks for the as-of date."""

    period: Period | None
    flag: Flag


@dataclass
class AnnualContext:
    year: YearData
    flags: list[YearFlag]
    settings: Settings
    st: Styles
    calendar: tuple = ()  # CalendarEvent values for the twelve months after as-of
    widths: tuple = ()
    opened: list = field(default_factory=list)  # sheets to end (quarterly_layout.finish_sheets)

    @property
    def provisional_words(self) -> str:
        """``PROVISIONAL: returns for Q3, Q4 not yet due`` or ''."""
        if not self.year.provisional:
            return ""
        quarters = ", ".join(p.q_label for p in self.year.not_yet_due)
        return f"{PROVISIONAL}: returns for {quarters} are not yet due"

    @property
    def period_line(self) -> str:
        y = self.year
        parts = [f"Financial year {y.label} (1 Apr {y.fy} to 31 Mar {y.fy + 1})",
                 f"as of {day(y.as_of)}"]
        if y.provisional:
            parts.append(self.provisional_words)
        parts.append(self.settings.protective_marking)
        return "  ·  ".join(parts)

    @property
    def page_label(self) -> str:
        return (f"SMG annual report {self.year.label}"
                + (f" ({PROVISIONAL})" if self.year.provisional else ""))


__all__ = ["AnnualContext", "YearFlag", "PROVISIONAL"]
