"""Cost per victim supported (VS25) is computed, not trusted.

The KPI menu defines it as the quarter's grant spend over victims supported (VS07). Both
figures are in the quarter's accepted returns: the spend in the financial return (Quarter
Actual summed over the budget lines), the victims in the performance return. So the engine
works it out itself; the provider's own VS25 figure is kept beside it, and when the two
differ by more than the Settings' "Cost per service user mismatch" share the provider is
asked why (flag COST_PER_USER_MISMATCH).

The comparison runs here, at consolidation over accepted returns, not in validation: the
two returns are separate files that arrive in either order (or are resubmitted), and only
at consolidation are both the versions in force known.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Mapping

from ..templates.contract import FINANCIAL_RETURN
from ..periods import Period
from .quarter import FinanceLine, HistoryPoint, KpiResult, column_letter
from .rag import RED, money, number, rag

COST_PER_USER_KPI = "VS25"  # Cost per victim supported (gbp, ratio: spend / victims)
USERS_KPI = "VS07"  # Victims supported (new)


def computed_cost(kpis: list[KpiResult], finance: list[FinanceLine]) -> tuple[float, float] | None:
    """(quarter spend, victims supported) of one contract, or None when either is missing."""
    users = next((k for k in kpis if k.kpi_code == USERS_KPI), None)
    if users is None or users.actual is None or users.actual <= 0 or not finance:
        return None
    if any(line.quarter_actual is None for line in finance):
        return None
    return sum(line.quarter_actual for line in finance), users.actual


def with_computed_cost(kpis: list[KpiResult], finance: list[FinanceLine], *,
                       earlier_spend: Mapping[Period, float] | None = None,
                       thresholds: Callable[[Period], tuple] | None = None) -> list[KpiResult]:
    """One contract's KPI results with VS25 worked out from the financial return and VS07.

    The VS25 row's numerator, denominator, actual and RAG become the computed ones;
    ``reported_actual`` keeps the provider's figure and ``computed_from`` says how. Without
    both returns the row is left as reported. Previous quarters (the trend) are worked out
    the same way from ``earlier_spend`` (period → the accepted financial return's quarter
    spend) and VS07's history, judged against ``thresholds(period)`` (target, amber).
    """
    parts = computed_cost(kpis, finance)
    if parts is None:
        return kpis
    spend, victims = parts
    users = next(k for k in kpis if k.kpi_code == USERS_KPI)
    out = []
    for k in kpis:
        if k.kpi_code != COST_PER_USER_KPI:
            out.append(k)
            continue
        k = replace(k, history=_computed_history(k, users, earlier_spend or {}, thresholds))
        cost = spend / victims
        total_ref = _span(finance)
        words = (f"computed {money(cost)} = quarter spend {money(spend)} ({total_ref}) ÷ "
                 f"{USERS_KPI} victims supported {number(victims)}"
                 f"{f' ({users.ref})' if users.ref else ''}")
        if k.actual is not None:
            words += f"; provider reported {money(k.actual)}{f' ({k.ref})' if k.ref else ''}"
        this_rag = rag(cost, k.target, k.amber, k.direction)
        run = 0
        if this_rag == RED:
            run = 1
            for point in reversed(k.history):
                if point.rag != RED:
                    break
                run += 1
        out.append(replace(k, numerator=spend, denominator=victims, actual=cost, rag=this_rag,
                           consecutive_red=run, reported_actual=k.actual, computed_from=words))
    return out


def _computed_history(k: KpiResult, users: KpiResult, spend: Mapping[Period, float],
                      thresholds) -> tuple[HistoryPoint, ...]:
    victims = {p.period: p.actual for p in users.history}
    points = []
    for point in k.history:
        total, count = spend.get(point.period), victims.get(point.period)
        if total is None or not count or count <= 0:
            points.append(point)
            continue
        target, amber = thresholds(point.period) if thresholds else (k.target, k.amber)
        cost = total / count
        points.append(replace(point, actual=cost, rag=rag(cost, target, amber, k.direction)))
    return tuple(points)


def mismatch(k: KpiResult) -> float | None:
    """(reported − computed) ÷ computed for a computed KPI the provider also reported."""
    if k.computed_from is None or k.reported_actual is None or not k.actual:
        return None
    return (k.reported_actual - k.actual) / k.actual


def _span(finance: list[FinanceLine]) -> str:
    column = column_letter(FINANCIAL_RETURN, "Quarter Actual")
    rows = [ln.row for ln in finance]
    first = finance[0]
    return first.source.ref(first.sheet, f"{column}{min(rows)}:{column}{max(rows)}")
