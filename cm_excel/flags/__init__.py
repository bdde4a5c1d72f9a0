"""Risk flags: small rules over one quarter's facts, each with evidence and an action.

``compute_flags(data)`` runs every rule of ``RULES`` and returns the flags sorted by
contract and catalogue order. The catalogue (code, severity, meaning, recommended action)
is data in ``catalogue.py``; the recommended actions follow the strategy's dispute
resolution procedure (``model.ACTIONS``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .catalogue import BY_CODE, CATALOGUE, ORDER, FlagSpec
from .cost_per_user import cost_per_user_mismatch
from .finance import finance_overspend, finance_underspend, forecast_over_value
from .incidents import incident_data_breach, incident_reported_late, incident_safeguarding
from .kpi import kpi_amber, kpi_missing, kpi_red, kpi_red_consecutive
from .model import (
    ACTION_MEANING, ACTION_RANK, ACTIONS, AMBER, FORMAL, IMMEDIATE, INFORMAL, MONITOR, NORMAL, RED,
    SEVERITY_RANK, Flag, most_serious_action, worst_severity,
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
    """Every flag the quarter raises, sorted by ``flag_sort_key``."""
    flags = [flag for rule in RULES for flag in rule(data)]
    return sorted(flags, key=flag_sort_key)


__all__ = [
    "ACTION_MEANING", "ACTION_RANK", "ACTIONS", "AMBER", "BY_CODE", "CATALOGUE", "FORMAL",
    "IMMEDIATE", "INFORMAL", "MONITOR", "NORMAL", "RED", "RULES", "SEVERITY_RANK", "ContractOverview",
    "Flag", "FlagSpec", "attention_sort_key", "compute_flags", "contract_overview",
    "flag_sort_key", "most_serious_action", "worst_severity",
]
