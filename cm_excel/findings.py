"""Findings are values: a stable rule code, a level, coordinates, and words for people.

Rules yield findings; they never raise for bad data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Level(str, Enum):
    ERROR = "error"  # rejects the return
    QUERY = "query"  # implausible but possible: accepted only once explained in the return
    WARNING = "warning"  # accepted; worth knowing

    def __str__(self) -> str:
        return self.value


LEVEL_ORDER = {Level.ERROR: 0, Level.QUERY: 1, Level.WARNING: 2}


@dataclass(frozen=True)
class Finding:
    """One problem in one place. ``cell`` is an A1 reference such as ``E12`` or ''."""

    code: str
    level: Level
    message: str
    action: str = ""
    file: str = ""
    sheet: str = ""
    cell: str = ""
    value: Any = None
    explained: bool = field(default=False, compare=False)  # a query the provider explained

    @property
    def where(self) -> str:
        """``file: Sheet!C12`` or as much of it as is known."""
        place = f"{self.sheet}!{self.cell}" if self.sheet and self.cell else self.sheet
        return ": ".join(p for p in (self.file, place) if p)

    def line(self) -> str:
        """One line for a terminal: ``file: Sheet!C12: [error CODE] message``."""
        where = self.where
        return f"{where + ': ' if where else ''}[{self.level} {self.code}] {self.message}"


def sort_key(f: Finding):
    return (LEVEL_ORDER[f.level], f.sheet, _cell_key(f.cell), f.code)


def _cell_key(cell: str):
    letters = "".join(ch for ch in cell if ch.isalpha())
    digits = "".join(ch for ch in cell if ch.isdigit())
    return (int(digits) if digits else 0, len(letters), letters)


def outcome(findings) -> str:
    """``rejected`` if any error or unexplained query, else ``accepted``."""
    for f in findings:
        if f.level is Level.ERROR or (f.level is Level.QUERY and not f.explained):
            return "rejected"
    return "accepted"
