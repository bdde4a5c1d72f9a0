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
    area: str  # performance, finance, returns, calendar, governance
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
    # Calendar and governance flags (calendar.py), computed from the register as of the
    # as-of date; evidence names the register row.
    FlagSpec(
        "EXIT_NOTICE_OVERDUE", AMBER, "calendar",
        "Strategy 6.0: after written notice of a decision that ends the contract (re-tender, "
        "decommission, terminate), the provider's Service Transfer Plan was not received, or "
        "not approved, within the Settings' service transfer plan days; or fewer than the "
        "exit notice months are left before the end date and no written notice is recorded "
        "(the notice deadline itself is still on time).",
        INFORMAL,
        "Red when fewer than the exit notice months are left and no written notice is "
        "recorded."),
    FlagSpec(
        "EXIT_NOTICE_DUE", AMBER, "calendar",
        "The contract ends (its Latest Extension End Date once an extension is taken up, "
        "else its End Date) within the Settings' exit notice warning months and no exit "
        "decision is recorded in the Exit sheet; raised until the notice deadline, exit "
        "notice months before the end.",
        NORMAL),
    FlagSpec(
        "POST_CONTRACT_REVIEW_DUE", AMBER, "calendar",
        "Strategy 3.0: a contract concluding (re-tender, decommission or terminate decided, "
        "no extension available, or ended or terminated) whose end is within the Settings' "
        "post-contract review months before or after the as-of date, with no post-contract "
        "review date in the Exit sheet.",
        NORMAL),
    FlagSpec(
        "DISPUTE_MEETING_OVERDUE", RED, "calendar",
        "Strategy 5.2: an open formal dispute with a written notice date and no meeting "
        "held within the Settings' dispute meeting working days of it (weekends and "
        "England and Wales bank holidays skipped; the last day is on time).",
        FORMAL),
    FlagSpec(
        "DISPUTE_ACTION_PLAN_OVERDUE", AMBER, "calendar",
        "Strategy 5.1 and 5.2: an open dispute's agreed action plan is past its completion "
        "date and no outcome is recorded.",
        FORMAL),
    FlagSpec(
        "AUDIT_OVERDUE", AMBER, "calendar",
        "Strategy 3.1: no audit in the Settings' audit interval months before the as-of "
        "date (counted from the last audit held, or from the contract's start).",
        NORMAL),
    FlagSpec(
        "AUDIT_LIMIT", AMBER, "calendar",
        "Strategy 3.1 expects no more than one audit a year: two audits (held or planned) "
        "less than the audit interval months apart, the later one within that interval "
        "before the as-of date or still to come.",
        MONITOR),
    FlagSpec(
        "CHECKLIST_EXPIRED", AMBER, "calendar",
        "A checklist item in place expires within the Settings' checklist warning days (a "
        "warning); or has expired; or was requested (or is missing) and not received by its "
        "due date.",
        NORMAL,
        "Red, and raise with the provider in writing (5.1), once the item has expired or is "
        "past its due date."),
    FlagSpec(
        "GOVERNANCE_NO_DEPUTY", AMBER, "governance",
        "Strategy 4.0: an active or mobilising contract has no deputy officer in the "
        "register (or the lead officer is named as deputy).",
        NORMAL),
)

BY_CODE = {spec.code: spec for spec in CATALOGUE}
ORDER = {spec.code: i for i, spec in enumerate(CATALOGUE)}  # sort key for flag codes
