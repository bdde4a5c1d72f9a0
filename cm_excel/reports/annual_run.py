"""Report one financial year for SMG: load the year, raise each quarter's flags, write the
annual workbook and its cover note.

``report_year`` is the one entry the pipeline and CLI call. It only reads the ledger.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Callable

from ..flags import calendar_flags, compute_flags, flag_sort_key
from ..portfolio.rag import day
from ..portfolio.year import YearData
from ..register.model import Register
from ..workspace import Workspace
from .annual import annual_workbook_name, write_annual
from .annual_cover import annual_cover_name, write_annual_cover
from .annual_layout import AnnualContext, YearFlag
from .consolidate import snapshot
from .quarterly_calendar import CALENDAR_MONTHS
from .xlsx_style import Styles



@dataclass(frozen=True)
class AnnualResult:
    fy_label: str
    as_of: date
    provisional: str  # the provisional words, '' for a complete year
    workbook_path: Path
    cover_path: Path
    contracts: int
    kpis_green: int
    kpis_amber: int
    kpis_red: int
    flags_red: int
    flags_amber: int
    calendar_events: int

    def lines(self) -> list[str]:
        """A few lines for a terminal."""
        out = [f"Financial year {self.fy_label}, as of {day(self.as_of)}"
               + (f" ({self.provisional})" if self.provisional else "")]
        out.append(f"Contracts: {self.contracts}; KPIs for the year: green {self.kpis_green}, "
                   f"amber {self.kpis_amber}, red {self.kpis_red}")
        out.append(f"Flags in the year: {self.flags_red} red, {self.flags_amber} amber")
        out.append(f"Calendar: {self.calendar_events} dates (overdue, and the next "
                   f"{CALENDAR_MONTHS} months)")
        out.append(f"Annual workbook: {self.workbook_path}")
        out.append(f"Annual cover note: {self.cover_path}")
        return out


def load_year_snapshot(workspace: Workspace, register: Register, fy: int,
                       as_of: date) -> YearData:
    """The year's facts, read in one transaction (a consistent snapshot)."""
    from ..ledger.year_loader import load_year

    return snapshot(workspace, lambda conn: load_year(conn, register, fy, as_of))


def year_flags(year: YearData, register: Register) -> list[YearFlag]:
    """Every flag of every quarter of the year that has ended by as-of, quarter by quarter,
    then the register's calendar and governance flags as of as-of, once (period None).

    The quarters are judged without their register, so the calendar rules, which speak for
    as-of rather than a quarter, do not repeat in each of them.
    """
    flags = [YearFlag(q.period, f) for q in year.quarters if q.period.end < year.as_of
             for f in compute_flags(replace(q, register=None))]
    ids = [c.contract_id for c in year.contracts]
    flags += [YearFlag(None, f) for f in sorted(calendar_flags(register, year.as_of, ids),
                                                 key=flag_sort_key)]
    return flags


def _returns_only(year: YearData) -> YearData:
    """``year`` with each quarter keeping only its returns (what the workbook shows of the
    quarters once their flags are raised): a national year's KPI histories and sources are
    most of its memory, and the workbook being written needs the room."""
    return replace(year, quarters=tuple(
        replace(q, kpis=(), finance=(), incidents=(), complaints=(), restatements=(),
                sources=(), chase=(), submissions=(), previous_returns=())
        for q in year.quarters))


def calendar_for(register: Register, as_of: date, months: int = CALENDAR_MONTHS) -> tuple:
    """The register's calendar (``CalendarEvent`` values): what is already overdue, then the
    dates of the months after as-of."""
    from ..portfolio.calendar import calendar_events

    return tuple(calendar_events(register, as_of, months=months, include_overdue=True))


def report_year(workspace: Workspace, register: Register, fy: int, *, as_of: date,
                progress: Callable[..., None] | None = None) -> AnnualResult:
    """Write ``outbox/SMG_Annual_<FY>.xlsx`` and its cover note; say what they hold.

    Same ledger, register and ``as_of`` → the same workbook, byte for byte.
    Raises WorkspaceError when an output cannot be replaced (open in Excel).
    """
    from ..periods import fy_label

    def say(text: str) -> None:
        if progress:
            progress("annual.stage", text=text)

    say(f"Annual report for {fy_label(fy)} as of {day(as_of)}")
    year = load_year_snapshot(workspace, register, fy, as_of)
    flags = year_flags(year, register)
    year = _returns_only(year)  # the quarters' detail is judged: let it go before writing
    events = calendar_for(register, as_of)
    args = {"year": year, "flags": flags, "calendar": events}
    workspace.outbox.mkdir(parents=True, exist_ok=True)
    book = workspace.outbox / annual_workbook_name(year.label)
    write_annual(args, book, settings=register.settings)
    cover = workspace.outbox / annual_cover_name(year.label)
    ctx = AnnualContext(settings=register.settings, st=Styles(None), **args)
    write_annual_cover(ctx, cover, workbook_name=book.name, workspace_root=workspace.root)
    rags = Counter(k.rag for k in year.kpis)
    return AnnualResult(
        fy_label=year.label, as_of=as_of, provisional=ctx.provisional_words,
        workbook_path=book, cover_path=cover, contracts=len(year.contracts),
        kpis_green=rags["Green"], kpis_amber=rags["Amber"], kpis_red=rags["Red"],
        flags_red=sum(1 for f in flags if f.flag.severity == "Red"),
        flags_amber=sum(1 for f in flags if f.flag.severity == "Amber"),
        calendar_events=len(events))


__all__ = ["AnnualResult", "report_year", "year_flags", "load_year_snapshot", "calendar_for"]
