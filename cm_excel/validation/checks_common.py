"""What every check shares: the context of one return being validated, and small helpers.

A ``Context`` carries the return, the register, the history and what identification
found out (kind, contract, period); checks report findings through ``Context.add`` so
that every finding carries the file name, sheet, cell and value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from ..intake.model import Cell, ReturnWorkbook, TableRead
from ..periods import Period
from ..register.model import Contract, Kpi, Register, SlaKpi
from ..findings import Finding
from .result import History
from .rules import make_finding, show
from .values import INVALID, TEXT, Parsed, parse_number

_UNSET = object()


@dataclass
class Context:
    wb: ReturnWorkbook
    register: Register
    history: History
    received_at: datetime | None = None
    # What identification found out; None when it could not tell.
    kind: str | None = None
    version: int | None = None
    contract_id: str | None = None
    contract: Contract | None = None
    provider: str | None = None
    period: Period | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def settings(self):
        return self.register.settings

    def add(self, code: str, at: Cell | None = None, *, sheet: str | None = None,
            cell: str | None = None, value: Any = _UNSET, **fields: Any) -> Finding:
        """Record a finding of rule ``code`` at ``at`` (or at ``sheet``/``cell``).

        ``value`` defaults to the raw value of ``at``. Other keyword arguments fill the
        rule's message (see ``rules.make_finding``).
        """
        if value is _UNSET:
            value = at.value if at is not None else None
        f = make_finding(
            code, file=self.wb.name,
            sheet=sheet if sheet is not None else (at.sheet if at else ""),
            cell=cell if cell is not None else (at.ref if at else ""),
            value=value, **fields)
        self.findings.append(f)
        return f

    # --- what the register says for this return ---------------------------------------

    def sla(self) -> dict[str, SlaKpi] | None:
        """KPI code → SLA row in force, or None when contract or period is unknown."""
        if self.contract is None or self.period is None:
            return None
        return {s.kpi_code: s for s in
                self.register.sla_in_force(self.contract.contract_id, self.period)}

    def kpi(self, code: str) -> Kpi | None:
        return self.register.kpis.get(code)


def received_day(received_at: datetime | date | None) -> date | None:
    """The UK calendar day a file arrived (an aware time is converted to UK time)."""
    if received_at is None:
        return None
    if not isinstance(received_at, datetime):
        return received_at
    if received_at.tzinfo is not None:
        try:
            from zoneinfo import ZoneInfo
            received_at = received_at.astimezone(ZoneInfo("Europe/London"))
        except Exception:  # no time zone database (some Windows installs): UTC is close enough
            pass
    return received_at.date()


# --- cells and tables ---------------------------------------------------------------------

_REF_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


@lru_cache(maxsize=4096)  # the same template cells in every return
def split_ref(ref: str) -> tuple[str, int]:
    """``"E12"`` → ``("E", 12)``; ``("", 0)`` when it is not an A1 reference."""
    m = _REF_RE.match(ref or "")
    return (m.group(1).upper(), int(m.group(2))) if m else ("", 0)


def row_of(row: dict[str, Cell]) -> int:
    """The Excel row of a table row (from the first cell whose ref is a real cell)."""
    rows = [split_ref(c.ref)[1] for c in row.values()]
    # A missing column's Cell carries the header row; the data row is the largest.
    return max(rows) if rows else 0


def header_ref(table: TableRead, header: str) -> str:
    """The A1 reference of ``header``'s heading cell, or of the header row's first cell."""
    for row in table.rows:
        cell = row.get(header)
        if cell is not None and header not in table.missing_headers:
            col, _ = split_ref(cell.ref)
            if col:
                return f"{col}{table.header_row}"
    return f"A{table.header_row}" if table.header_row else ""


def cell_of(row: dict[str, Cell], header: str, table: TableRead) -> Cell:
    """The row's cell for ``header``; a blank stand-in at the heading when it is absent."""
    cell = row.get(header)
    if cell is None:
        return Cell(None, table.sheet, header_ref(table, header))
    return cell


def text_of(cell: Cell | None) -> str | None:
    """Stripped text of a cell, None when blank."""
    if cell is None or cell.blank:
        return None
    value = cell.value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def same_text(a: Any, b: Any) -> bool:
    """Equal as words: case, surrounding and repeated spaces ignored."""
    def norm(v):
        return " ".join(str(v).split()).casefold() if v is not None else ""
    return norm(a) == norm(b)


def number_in(ctx: Context, cell: Cell, *, what: str, parser=parse_number,
              display=None) -> Parsed:
    """Parse a number cell, reporting VALUE_AS_TEXT (warning) or VALUE_NOT_NUMBER (error).

    ``what`` names the cell for people ("Actual for SUPPORTED"). Returns the Parsed
    value; blanks are the caller's business.
    """
    parsed = parser(cell.value)
    if parsed.note == TEXT:
        shown = display(parsed.value) if display else show(parsed.value)
        ctx.add("VALUE_AS_TEXT", cell, what=what, expected=shown)
    elif parsed.note == INVALID:
        ctx.add("VALUE_NOT_NUMBER", cell, what=what)
    return parsed
