"""Finance flags: FINANCE_OVERSPEND, FINANCE_UNDERSPEND, FORECAST_OVER_VALUE.

Judged on the contract's total (all budget lines), for the quarter and for the year to
date; the budget lines that drive the variance are named in the detail and the evidence.
"Beyond the tolerance" is strict: a variance of exactly the tolerance is not flagged.

The escalation ladder (model.py): a variance is raised at the next quarterly contract
meeting (NORMAL), Red when it is more than twice the tolerance. What reaches strategy §5.0's
10% of the annual contract value (a forecast outturn or a year-to-date overspend) is also a
SIGNIFICANT_FAILURE (significant.py), with the same issue, so SMG sees one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

from .catalogue import BY_CODE
from .model import RED, Flag
from ..portfolio.rag import beyond, money, percent, pounds, variance_share

if TYPE_CHECKING:
    from ..portfolio.quarter import FinanceLine, FinanceTotal, QuarterData


OVER_ISSUE = "Spending above budget"
NAMED_LINES = 3  # budget lines named in a flag's detail, largest variance first
UNDER_ISSUE = "Spending below budget"


@dataclass(frozen=True)
class _Scope:
    name: str  # "quarter" / "year to date"
    actual_attr: str
    budget_attr: str
    actual_header: str  # FinancialReturn header of the actual


SCOPES = (
    _Scope("quarter", "quarter_actual", "quarter_budget", "Quarter Actual"),
    _Scope("year to date", "ytd_actual", "ytd_budget", "Year To Date Actual"),
)


def _signed(share: float | None) -> str:
    if share is None:
        return "against a zero budget"
    return ("+" if share >= 0 else "") + percent(share)


def _past(share: float | None, actual: float, limit: float, over: bool) -> bool:
    """Is this variance beyond ``limit`` in the direction asked about?"""
    if share is None:  # zero budget: any spend is an overspend
        return over and actual > 0
    return beyond(share, limit) if over else beyond(-share, limit)


def _line_values(line: "FinanceLine", scope: _Scope) -> tuple[float, float]:
    return getattr(line, scope.actual_attr) or 0.0, getattr(line, scope.budget_attr) or 0.0


def _driving_lines(total: "FinanceTotal", scope: _Scope, tol: float, over: bool):
    """Lines past the tolerance in the same direction; else the one with the largest variance."""
    lines = []
    for ln in total.lines:
        actual, budget = _line_values(ln, scope)
        if _past(variance_share(actual, budget), actual, tol, over):
            lines.append(ln)
    if lines:
        return lines
    sign = 1 if over else -1

    def variance(ln):
        actual, budget = _line_values(ln, scope)
        return sign * (actual - budget)

    best = max(total.lines, key=lambda ln: (variance(ln), -ln.row))
    return [best] if variance(best) > 0 else []


def _spend(data: "QuarterData", code: str, over: bool) -> Iterator[Flag]:
    tol = data.settings.variance_tolerance
    word = "above" if over else "below"
    for contract in data.contracts:
        total = data.finance_total(contract.contract_id)
        if total is None:
            continue
        details, evidence, refs, severe = [], [], [], False
        named: dict[str, float] = {}  # budget line: its largest variance in £
        for scope in SCOPES:
            actual, budget = getattr(total, scope.actual_attr), getattr(total, scope.budget_attr)
            share = variance_share(actual, budget)
            if not _past(share, actual, tol, over):
                continue
            severe = severe or share is None or beyond(abs(share), 2 * tol)
            details.append(f"{scope.name} actual {pounds(actual)} is "
                           f"{percent(abs(share)) + ' ' + word if share is not None else word} "
                           f"the {scope.name} budget of {pounds(budget)}")
            span = total.span(scope.actual_header)
            text = (f"{scope.name}: total of {span} = {money(actual)} against budget "
                    f"{money(budget)} ({_signed(share)}; tolerance {percent(tol)})")
            for ln in _driving_lines(total, scope, tol, over):
                l_actual, l_budget = _line_values(ln, scope)
                text += (f"; {ln.line} {ln.ref(scope.actual_header)} = {money(l_actual)} against "
                         f"{money(l_budget)} ({_signed(variance_share(l_actual, l_budget))})")
                refs.append(ln.ref(scope.actual_header))
                named[ln.line] = max(named.get(ln.line, 0.0), abs(l_actual - l_budget))
            evidence.append(text)
        if not details:
            continue
        spec = BY_CODE[code]
        detail = "; ".join(details)
        detail = detail[0].upper() + detail[1:] + f" (tolerance {percent(tol)})."
        if named:  # the few lines most responsible; every one is in the evidence
            shown = sorted(named, key=lambda line: -named[line])[:NAMED_LINES]
            more = f" and {len(named) - len(shown)} more" if len(named) > len(shown) else ""
            detail += f" Budget line{'s' if len(named) > 1 else ''}: {', '.join(shown)}{more}."
        yield Flag(contract.contract_id, code, RED if severe else spec.severity, detail,
                   "; ".join(evidence), spec.action, tuple(refs),
                   issue=OVER_ISSUE if over else UNDER_ISSUE)


def finance_overspend(data: "QuarterData") -> Iterator[Flag]:
    """FINANCE_OVERSPEND: quarter or YTD actual above budget by more than the tolerance."""
    return _spend(data, "FINANCE_OVERSPEND", over=True)


def finance_underspend(data: "QuarterData") -> Iterator[Flag]:
    """FINANCE_UNDERSPEND: quarter or YTD actual below budget by more than the tolerance."""
    return _spend(data, "FINANCE_UNDERSPEND", over=False)


def forecast_over_value(data: "QuarterData") -> Iterator[Flag]:
    """FORECAST_OVER_VALUE: forecast outturn summed over lines above the annual contract value."""
    tol = data.settings.variance_tolerance
    for contract in data.contracts:
        total = data.finance_total(contract.contract_id)
        if total is None or not beyond(total.forecast_outturn, contract.annual_value):
            continue
        excess = total.forecast_outturn - contract.annual_value
        severe = beyond(excess, tol * contract.annual_value)
        span = total.span("Forecast Outturn")
        spec = BY_CODE["FORECAST_OVER_VALUE"]
        yield Flag(
            contract.contract_id, spec.code, RED if severe else spec.severity,
            f"Forecast outturn {pounds(total.forecast_outturn)} is {pounds(excess)} "
            f"({percent(excess / contract.annual_value, 0)}) above the annual contract value of "
            f"{pounds(contract.annual_value)}.",
            f"total of {span} = {money(total.forecast_outturn)} against annual contract value "
            f"{money(contract.annual_value)} ({data.register_ref(contract)})",
            spec.action, tuple(ln.ref("Forecast Outturn") for ln in total.lines),
            issue=OVER_ISSUE)
