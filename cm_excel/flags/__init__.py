"""Risk flags: small rules over one quarter's facts, each with evidence and an action.

``compute_flags(data)`` runs every rule of ``RULES`` and returns the flags sorted by
contract and catalogue order. The calendar and governance rules (``calendar.py``) read the
register the quarter carries, as of its as-of date; ``calendar_flags(register, as_of)`` runs
them without a quarter (for the annual workbook). The catalogue (code, severity, meaning,
recommended action) is data in ``catalogue.py``; the recommended actions follow the
strategy's escalation ladder (``model.ACTIONS``), and on a contract with an open dispute the
next stage of that dispute (``disputes.follow_disputes``). ``issues.group_issues`` makes one
line per issue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .calendar import (
    audit_limit, audit_overdue, calendar_flags, checklist_expired, dispute_action_plan_overdue,
    dispute_meeting_overdue, exit_notice_due, exit_notice_overdue, governance_no_deputy,
    post_contract_review_due,
)
from .catalogue import BY_CODE, CATALOGUE, ORDER, FlagSpec
from .cost_per_user import cost_per_user_mismatch
from .finance import finance_overspend, finance_underspend, forecast_over_value
from .disputes import follow_disputes
from .issues import Issue, attention_issues, group_issues
from .incidents import incident_data_breach, incident_reported_late, incident_safeguarding
from .kpi import kpi_amber, kpi_missing, kpi_red, kpi_red_consecutive
from .model import (
    ACTION_MEANING, ACTION_RANK, ACTIONS, AMBER, DISPUTE_STAGES, FORMAL, IMMEDIATE, INFORMAL,
    MONITOR, NORMAL, RED, SEVERITY_RANK, Flag, dispute_action, most_serious_action,
    worst_severity,
)
from .overview import ContractOverview, contract_overview
from .returns import return_late, return_missing, return_rejected
from .significant import significant_failure

if TYPE_CHECKING:
    from ..portfolio.quarter import QuarterData

# Every quarterly rule, one small function each (flag code in its name).
RULES = (
    significant_failure,
    kpi_red_consecutive,
    kpi_red,
    kpi_amber,
    kpi_missing,
    finance_overspend,
    finance_underspend,
    forecast_over_value,
    return_missing,
    return_rejected,
    return_late,
    # Calendar and governance (calendar.py): from the register, as of the as-of date.
    exit_notice_overdue,
    exit_notice_due,
    post_contract_review_due,
    dispute_meeting_overdue,
    dispute_action_plan_overdue,
    audit_overdue,
    audit_limit,
    checklist_expired,
    governance_no_deputy,
    # What providers report: incidents SMG sees whatever their size; computed VS25.
    incident_safeguarding,
    incident_data_breach,
    incident_reported_late,
    cost_per_user_mismatch,
)


def flag_sort_key(flag: Flag):
    """Contract, then catalogue order, then evidence: stable and deterministic."""
    return (flag.contract_id, ORDER.get(flag.code, len(ORDER)), flag.evidence, flag.detail)


def attention_sort_key(flag: Flag):
    """Most serious first: recommended action, severity, then contract and catalogue order."""
    return (-ACTION_RANK[flag.action], SEVERITY_RANK[flag.severity]) + flag_sort_key(flag)


def compute_flags(data: "QuarterData") -> list[Flag]:
    """Every flag the quarter raises, sorted by ``flag_sort_key``; on a contract with an
    open dispute, recommending the next stage of that dispute."""
    flags = [flag for rule in RULES for flag in rule(data)]
    return sorted(follow_disputes(data, flags), key=flag_sort_key)


__all__ = [
    "ACTION_MEANING", "ACTION_RANK", "ACTIONS", "AMBER", "BY_CODE", "CATALOGUE",
    "DISPUTE_STAGES", "FORMAL", "IMMEDIATE", "INFORMAL", "MONITOR", "NORMAL", "RED", "RULES",
    "SEVERITY_RANK", "ContractOverview", "Flag", "FlagSpec", "Issue", "attention_issues",
    "attention_sort_key", "calendar_flags", "compute_flags", "contract_overview", "dispute_action",
    "flag_sort_key", "follow_disputes", "group_issues", "most_serious_action", "worst_severity",
]
