"""Whether a quarter's consolidation is provisional, in one sentence for people.

A consolidation is provisional while its returns are not all due yet (``as_of`` on or
before the deadline), and all the more when the quarter itself has not ended (which
consolidation allows only when asked for with ``--provisional``). The Summary sheet, the
cover note and the console all say so with the same sentence.
"""

from __future__ import annotations

from datetime import date

from ..periods import Period, has_ended
from .rag import day


def provisional_note(period: Period, as_of: date, deadline: date) -> str | None:
    """``Provisional: returns are due by 29 Jan 2027 ...``; None when the deadline has passed."""
    if as_of > deadline:
        return None
    note = f"Provisional: returns are due by {day(deadline)}"
    if not has_ended(period, as_of):
        note += f"; the quarter has not ended yet (it ends {day(period.end)})"
    return note + "."
