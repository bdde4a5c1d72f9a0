"""Per-contract RAG lines: performance, finance, overall, and the most serious action.

- Performance RAG: the worst KPI RAG this quarter (a missing mandatory KPI counts as
  Amber); "Not rated" when only for-information KPIs were reported; "No return" when the
  performance return is missing, rejected or held after its deadline; "Awaited" before it.
- Finance RAG: Red or Amber as the worst finance flag (FINANCE_OVERSPEND,
  FINANCE_UNDERSPEND, FORECAST_OVER_VALUE), else Green; "No return" / "Awaited" likewise.
- Overall: the worst severity of all the contract's flags; with none, "Awaited" while a
  return is awaited (an unfinished quarter is never Green), else Green.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..portfolio.grouping import by_contract
from .model import AMBER, RED, Flag, most_serious_action, worst_severity

if TYPE_CHECKING:
    from ..register.model import Contract
    from ..portfolio.quarter import QuarterData

GREEN = "Green"
NO_RETURN = "No return"
AWAITED = "Awaited"
NOT_RATED = "Not rated"
FINANCE_CODES = ("FINANCE_OVERSPEND", "FINANCE_UNDERSPEND", "FORECAST_OVER_VALUE")


@dataclass(frozen=True)
class ContractOverview:
    contract: "Contract"
    performance_rag: str
    finance_rag: str
    overall: str  # Green / Amber / Red, or Awaited
    flags: tuple[Flag, ...]
    action: str  # the most serious recommended action (Monitor when no flags)

    @property
    def contract_id(self) -> str:
        return self.contract.contract_id

    @property
    def red(self) -> int:
        return sum(1 for f in self.flags if f.severity == RED)

    @property
    def amber(self) -> int:
        return sum(1 for f in self.flags if f.severity == AMBER)


def missing_return_word(status: str) -> str:
    """What stands in for a return's figures: Awaited before its deadline, else No return."""
    from ..portfolio.quarter import NOT_YET_DUE

    return AWAITED if status == NOT_YET_DUE else NO_RETURN


def _no_return_word(status: str) -> str | None:
    from ..portfolio.quarter import ACCEPTED, LATE

    if status in (ACCEPTED, LATE):
        return None
    return missing_return_word(status)


def contract_overview(data: "QuarterData", flags: list[Flag]) -> list[ContractOverview]:
    """One line per active contract, in Contract ID order."""
    out = []
    flags_of = by_contract(flags)  # grouped once: linear in contracts and flags
    for contract in data.contracts:
        cid = contract.contract_id
        mine = tuple(flags_of.get(cid, ()))

        perf = _no_return_word(data.return_of(cid, "performance").status)
        if perf is None:
            rags = {k.rag for k in data.kpis_of(cid)}
            if any(f.code == "KPI_MISSING" for f in mine):
                rags.add(AMBER)
            perf = worst_severity(rags) or (GREEN if GREEN in rags else NOT_RATED)

        fin = _no_return_word(data.return_of(cid, "financial").status)
        if fin is None:
            fin = worst_severity(f.severity for f in mine if f.code in FINANCE_CODES) or GREEN

        overall = worst_severity(f.severity for f in mine) or (
            AWAITED if AWAITED in (perf, fin) else GREEN)
        out.append(ContractOverview(contract, perf, fin, overall, mine,
                                    most_serious_action(f.action for f in mine)))
    return out
