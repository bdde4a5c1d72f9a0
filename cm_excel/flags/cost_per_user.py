"""COST_PER_USER_MISMATCH: the provider's cost per victim supported (VS25) is not what its
own returns give (quarter spend in the financial return ÷ victims supported, VS07).

The engine works the figure out at consolidation (portfolio.cost_per_user); a reported
figure more than the Settings' "Cost per service user mismatch" share away from it
(strictly more) is a query for the provider, raised through normal contract management.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..portfolio.cost_per_user import mismatch
from ..portfolio.rag import money, percent
from .catalogue import BY_CODE
from .kpi import kpi_issue
from .model import Flag

if TYPE_CHECKING:
    from ..portfolio.quarter import QuarterData

CODE = "COST_PER_USER_MISMATCH"


def cost_per_user_mismatch(data: "QuarterData") -> Iterator[Flag]:
    spec = BY_CODE[CODE]
    allowed = data.settings.cost_per_user_mismatch
    for k in data.kpis:
        gap = mismatch(k)
        if gap is None or abs(gap) <= allowed + 1e-12:
            continue
        yield Flag(
            k.contract_id, CODE, spec.severity,
            f"Query for the provider: {k.kpi_code} {k.name} was reported as "
            f"{money(k.reported_actual)}, but the provider's own returns give "
            f"{money(k.actual)} ({'+' if gap > 0 else '−'}{percent(abs(gap), 1)}), more than "
            f"the {percent(allowed, 0)} allowed; the computed figure is used.",
            f"{k.computed_from} (Settings: cost per service user mismatch "
            f"{percent(allowed, 0)})",
            spec.action, tuple(r for r in (k.ref,) if r), issue=kpi_issue(k))
