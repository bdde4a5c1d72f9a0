"""The providers' own logs, returned every quarter in the performance return: risks and
improvement actions (the ``Risks`` and ``Improvements`` tables of the template contract).

Plain values with their place in the return, like the rest of ``portfolio``; the ledger
fills them (``ledger.year_loader.load_logs``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..periods import Period
from ..templates.contract import IMPROVEMENTS, RISKS
from .quarter import Source, column_letter


@dataclass(frozen=True)
class RiskEntry:
    contract_id: str
    period: Period
    risk: str | None
    likelihood: str | None
    impact: str | None
    mitigation: str | None
    owner: str | None
    status: str | None
    source: Source
    sheet: str
    row: int

    def row_ref(self) -> str:
        """``file Risks!A4:F4``: the risk's whole row."""
        last = column_letter(RISKS, RISKS.headers[-1])
        return self.source.ref(self.sheet, f"A{self.row}:{last}{self.row}")


@dataclass(frozen=True)
class ImprovementEntry:
    contract_id: str
    period: Period
    action: str | None
    due_date: str | None
    status: str | None
    progress: str | None
    source: Source
    sheet: str
    row: int
    first_reported: Period | None = None  # the earliest quarter of the year naming this action

    def row_ref(self) -> str:
        """``file Improvements!A4:D4``: the action's whole row."""
        last = column_letter(IMPROVEMENTS, IMPROVEMENTS.headers[-1])
        return self.source.ref(self.sheet, f"A{self.row}:{last}{self.row}")


CLOSED_WORDS = ("closed", "complete", "completed", "done", "resolved")


def is_open(status: str | None) -> bool:
    """A risk or action whose status does not say it is closed or complete."""
    return (status or "").strip().lower() not in CLOSED_WORDS


__all__ = ["RiskEntry", "ImprovementEntry", "is_open", "CLOSED_WORDS"]
