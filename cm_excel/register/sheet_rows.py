"""What reading the register collects: each sheet's rows, and the problems found so far.

A row keeps both the cell values as stored and as typed, and which fields had a problem,
so the checks across rows and sheets can skip what is already known to be wrong and the
typed register is built only from rows without problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .problems import RegisterProblem
from .schema import SHEETS, SheetSpec


@dataclass
class SheetRow:
    """One data row: its cells as stored and as typed, and which fields had a problem."""

    number: int  # the Excel row number
    raw: dict[str, object]  # field -> cell value as stored
    values: dict[str, object] = field(default_factory=dict)  # field -> typed value or None
    bad: set[str] = field(default_factory=set)  # fields with a problem

    @property
    def ok(self) -> bool:
        return not self.bad


@dataclass
class SheetRows:
    """One register sheet as read: whether it is there, its missing columns, its rows."""

    spec: SheetSpec
    present: bool = False
    missing: set[str] = field(default_factory=set)  # fields whose column is missing
    rows: list[SheetRow] = field(default_factory=list)

    def has(self, *fields: str) -> bool:
        return self.present and not self.missing.intersection(fields)

    def header(self, field_name: str) -> str:
        return next(c.header for c in self.spec.columns if c.field == field_name)


class FoundProblems:
    """The problems found so far, and the file name they are reported against."""

    _SHEET_ORDER = {spec.name: i for i, spec in enumerate(SHEETS)}

    def __init__(self, file: str):
        self.file = file
        self.items: list[RegisterProblem] = []

    def add(self, code: str, sheet: SheetRows | None, row: SheetRow | int | None,
            field_name: str | None, message: str) -> None:
        """Record a problem; ``row`` is a data row (marked bad), a header row number, or None."""
        column = sheet.header(field_name) if sheet and field_name else ""
        number = row.number if isinstance(row, SheetRow) else (row or 0)
        self.items.append(RegisterProblem(code, self.file, sheet.spec.name if sheet else "",
                                          number, column, message))
        if isinstance(row, SheetRow):
            row.bad.add(field_name or "")

    def sorted(self) -> list[RegisterProblem]:
        def key(p: RegisterProblem):
            spec = SHEETS[self._SHEET_ORDER[p.sheet]] if p.sheet else None
            col = spec.headers.index(p.column) if spec and p.column in spec.headers else -1
            return (self._SHEET_ORDER.get(p.sheet, -1), p.row, col)

        return sorted(self.items, key=key)
