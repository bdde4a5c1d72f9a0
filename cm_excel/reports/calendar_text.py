"""The contract calendar as lines for the terminal (``cm-excel calendar``)."""

from __future__ import annotations

from datetime import date

from ..portfolio.calendar import CalendarEvent, add_months
from ..portfolio.rag import day


def calendar_lines(events: list[CalendarEvent], as_of: date, months: int) -> list[str]:
    """A heading with the counts, then one line per event: date, status, title (which
    names the contract) and the register row it comes from. Overdue items come first (in date order)."""
    overdue = sum(1 for e in events if e.overdue)
    lines = [f"Calendar as of {day(as_of)}, to {day(add_months(as_of, months))} "
             f"({months} months): {len(events) - overdue} date(s) ahead, {overdue} overdue"]
    for e in events:
        status = "OVERDUE" if e.overdue else "due    "
        lines.append(f"  {e.date:%a} {day(e.date)}  {status}  {e.title}  [{e.ref}]")
    if not events:
        lines.append("  Nothing falls due.")
    return lines


__all__ = ["calendar_lines"]
