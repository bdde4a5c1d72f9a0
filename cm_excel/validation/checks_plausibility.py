"""Is it plausible? Against the provider's own history and the contract's size.

These raise queries: implausible but possible. A query is explained, and the return
accepted, when the row's Commentary (for money, a Variance Explanation) is filled in.
"""

from __future__ import annotations

from ..intake.model import Cell
from .checks_common import Context, header_ref
from .checks_performance import display
from .result import FinancialLine, KpiValue
from .rules import money, percent


def check_kpi_changes(ctx: Context, values: list[KpiValue]) -> None:
    """QUERY_KPI_CHANGE: a KPI moved by more than ``plausibility_change_share`` on the
    previous quarter's accepted value (no query when there is no previous value or it is 0)."""
    if ctx.contract is None or ctx.period is None:
        return
    share = ctx.settings.plausibility_change_share
    for kv in values:
        if kv.actual is None:
            continue
        previous = ctx.history.previous_kpi(ctx.contract.contract_id, ctx.period, kv.kpi_code)
        if previous is None or previous == 0:
            continue
        change = (kv.actual - previous) / abs(previous)
        if abs(change) > share:
            kpi = ctx.kpi(kv.kpi_code)
            words = f"{'up' if change > 0 else 'down'} {percent(abs(change))}"
            ctx.add("QUERY_KPI_CHANGE", Cell(kv.actual, kv.sheet, kv.cell),
                    display=display(kpi, kv.actual), kpi=kv.kpi_code, change=words,
                    expected=display(kpi, previous), explained=bool(kv.commentary))


def _expected_cost(ctx: Context) -> float | None:
    c = ctx.contract
    if c is None or not c.client_group_size or c.client_group_size <= 0 or not c.annual_value:
        return None
    return c.annual_value / c.client_group_size


def _outside(ctx: Context, value: float, expected: float) -> bool:
    r = ctx.settings.cost_per_user_range
    return not (expected * (1 - r) <= value <= expected * (1 + r))


def check_cost_per_user_kpis(ctx: Context, values: list[KpiValue]) -> None:
    """QUERY_COST_PER_USER on a gbp KPI (e.g. cost per victim supported) outside
    annual value ÷ client group size ± ``cost_per_user_range``; explained by Commentary."""
    expected = _expected_cost(ctx)
    if expected is None:
        return
    for kv in values:
        kpi = ctx.kpi(kv.kpi_code)
        if kpi is None or kpi.unit != "gbp" or kv.actual is None:
            continue
        if _outside(ctx, kv.actual, expected):
            ctx.add("QUERY_COST_PER_USER", Cell(kv.actual, kv.sheet, kv.cell),
                    display=money(kv.actual), expected=money(expected),
                    range=percent(ctx.settings.cost_per_user_range),
                    explain_in=f"Commentary of {kv.kpi_code}", explained=bool(kv.commentary))


def check_cost_per_user_spend(ctx: Context, lines: list[FinancialLine]) -> None:
    """QUERY_COST_PER_USER from the financial return: year-to-date spend over the service
    users expected so far (client group size × quarters elapsed ÷ 4), against annual value
    ÷ client group size. Explained by any Variance Explanation in the return."""
    expected = _expected_cost(ctx)
    if expected is None or ctx.period is None or not lines:
        return
    if any(line.ytd_actual is None for line in lines):
        return  # a blank or bad figure is reported already; no sum to judge
    spend = sum(line.ytd_actual for line in lines)
    users = ctx.contract.client_group_size * ctx.period.quarter / 4
    cost = spend / users
    if _outside(ctx, cost, expected):
        table = ctx.wb.tables.get("FinancialReturn")
        ref = header_ref(table, "Year To Date Actual") if table else ""
        sheet = table.sheet if table else lines[0].sheet
        ctx.add("QUERY_COST_PER_USER", sheet=sheet, cell=ref, value=cost,
                display=money(cost), expected=money(expected),
                range=percent(ctx.settings.cost_per_user_range),
                explain_in="Variance Explanation",
                explained=any(line.variance_explanation for line in lines))
