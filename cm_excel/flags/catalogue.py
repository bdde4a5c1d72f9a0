"""The flag catalogue, as data: code, severity, what it means, recommended action.

The Rules sheet of the SMG workbook prints this table, so the words here are for SMG and
auditors. The rule functions (kpi.py, significant.py, finance.py, returns.py) apply it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import AMBER, FORMAL, IMMEDIATE, INFORMAL, MONITOR, NORMAL, RED


@dataclass(frozen=True)
class FlagSpec:
    code: str
    severity: str  # the usual severity
    area: str  # performance, finance, returns
    meaning: str  # when it is raised, in words
    action: str  # the usual recommended action
    escalation: str = ""  # when severity or action is raised above the usual, in words


CATALOGUE: tuple[FlagSpec, ...] = (
    FlagSpec(
        "SIGNIFICANT_FAILURE", RED, "performance",
        "Strategy 5.0: a single incident with an estimated cost of at least the significant "
        "failure share of the annual contract value, or affecting at least that share of the "
        "client group; or the quarter's incidents together reaching either; or any incident "
        "where harm was caused through provider negligence (both Y); or any incident "
        "with reputational risk to the PCC (Y); or a mandatory KPI red in consecutive "
        "quarters (an ongoing performance issue) whose shortfall reaches the share: for a "
        "percentage the points below target, otherwise the shortfall as a share of the "
        "target. Thresholds are inclusive.",
        IMMEDIATE),
    FlagSpec(
        "KPI_RED_CONSECUTIVE", RED, "performance",
        "A KPI red this quarter and in each of the quarters before it, for the number of "
        "consecutive red quarters set in Settings: an ongoing performance issue.",
        FORMAL),
    FlagSpec(
        "KPI_RED", RED, "performance",
        "A KPI worse than its amber threshold (below it when higher is better, above it "
        "when lower is better).",
        INFORMAL),
    FlagSpec(
        "KPI_AMBER", AMBER, "performance",
        "A KPI worse than its target but within its amber threshold.",
        MONITOR),
    FlagSpec(
        "KPI_MISSING", AMBER, "performance",
        "A mandatory KPI of the SLA in force has no value in the accepted performance return.",
        INFORMAL),
    FlagSpec(
        "FINANCE_OVERSPEND", AMBER, "finance",
        "The contract's quarter actual is above its quarter budget, or its year-to-date "
        "actual above its year-to-date budget, by more than the variance tolerance; the "
        "budget lines responsible are named.",
        INFORMAL,
        "Red, and brief SMG (5.2), when the variance is more than twice the tolerance."),
    FlagSpec(
        "FINANCE_UNDERSPEND", AMBER, "finance",
        "The contract's quarter actual is below its quarter budget, or its year-to-date "
        "actual below its year-to-date budget, by more than the variance tolerance (it may "
        "mean the service is not being delivered); the budget lines responsible are named.",
        INFORMAL,
        "Red, and brief SMG (5.2), when the variance is more than twice the tolerance."),
    FlagSpec(
        "FORECAST_OVER_VALUE", AMBER, "finance",
        "The provider's forecast outturn, summed over the budget lines, is above the annual "
        "contract value.",
        INFORMAL,
        "Red, and brief SMG (5.2), when the excess is more than the variance tolerance of "
        "the annual contract value."),
    FlagSpec(
        "RETURN_MISSING", RED, "returns",
        "No accepted return of this kind for an active contract, and the return deadline "
        "(working days after quarter end, weekends and England and Wales bank holidays "
        "skipped) has passed by the as-of date.",
        INFORMAL),
    FlagSpec(
        "RETURN_REJECTED", AMBER, "returns",
        "The latest return of this kind was rejected and none has been accepted; the "
        "provider has feedback and must resubmit.",
        INFORMAL,
        "Red once the return deadline has passed with nothing accepted."),
    FlagSpec(
        "RETURN_LATE", AMBER, "returns",
        "The return was accepted, but the first valid version of it was received after the "
        "return deadline.",
        MONITOR),
    # Incidents SMG sees whatever their size (flags/incidents.py).
    FlagSpec(
        "INCIDENT_SAFEGUARDING", RED, "performance",
        "An incident the provider categorised as Safeguarding: listed for SMG whatever its "
        "size (the size tests of strategy 5.0 are SIGNIFICANT_FAILURE's).",
        NORMAL),
    FlagSpec(
        "INCIDENT_DATA_BREACH", RED, "performance",
        "An incident the provider categorised as a Data protection breach: listed for SMG "
        "whatever its size.",
        NORMAL),
    FlagSpec(
        "INCIDENT_REPORTED_LATE", AMBER, "performance",
        "An incident dated before the quarter of the return that first reported it; it "
        "counts in the quarter reported, and the provider was asked why it was not reported "
        "sooner.",
        NORMAL),
    # A KPI the engine computes rather than trusts (flags/cost_per_user.py).
    FlagSpec(
        "COST_PER_USER_MISMATCH", AMBER, "performance",
        "The provider's cost per victim supported (VS25) differs by more than the cost per "
        "service user mismatch setting from the figure its own returns give: the financial "
        "return's quarter spend divided by victims supported (VS07). The computed figure is "
        "used; the provider is asked why.",
        NORMAL),
)

BY_CODE = {spec.code: spec for spec in CATALOGUE}
ORDER = {spec.code: i for i, spec in enumerate(CATALOGUE)}  # sort key for flag codes
