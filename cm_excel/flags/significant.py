"""SIGNIFICANT_FAILURE: strategy §5.0, exactly.

'Significant' is "any single event or ongoing performance issue likely to affect a minimum
of 10% of the annual contract value or affect a minimum of 10% of the client group, or
where harm to a client, or staff has arisen due to provider negligence, or where
reputational risk to the PCC has or is likely to take place". So a flag is raised for:

- each incident whose estimated cost reaches the share of the annual contract value, or
  whose clients affected reach the share of the client group size, or with Harm Caused and
  Provider Negligence both Y, or with Reputational Risk Y (one flag per incident, naming
  every reason that applies);
- the quarter's incidents together reaching either share, when no single incident did;
- an ongoing performance issue: a mandatory KPI red in consecutive quarters
  (KPI_RED_CONSECUTIVE) whose shortfall this quarter reaches the share: for a percentage,
  the points below target (the share of the clients it measures who missed the standard);
  for any other KPI, the shortfall as a share of its target (e.g. 400 victims supported
  against 500 is 20% of the expected clients).

"A minimum of 10%" is inclusive: exactly 10% is significant.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Iterator

from .catalogue import BY_CODE
from .kpi import consecutive_detail, consecutive_evidence, consecutive_refs
from .model import Flag
from ..portfolio.rag import at_least, day, money, number, percent

if TYPE_CHECKING:
    from ..portfolio.quarter import Incident, KpiResult, QuarterData

CODE = "SIGNIFICANT_FAILURE"
COST, CLIENTS = "Estimated Cost (£)", "Clients Affected"
HARM, NEGLIGENCE, REPUTATION = "Harm Caused", "Provider Negligence", "Reputational Risk"


def is_yes(value) -> bool:
    return str(value or "").strip().upper() in ("Y", "YES", "TRUE", "1")


def _flag(contract_id: str, detail: str, evidence: list[str], refs: list[str]) -> Flag:
    spec = BY_CODE[CODE]
    return Flag(contract_id, CODE, spec.severity, detail, "; ".join(evidence), spec.action,
                tuple(refs))


def _day(text) -> str:
    """``9 Dec 2026`` for an ISO date; other text as it is."""
    try:
        d = date.fromisoformat(str(text).strip()[:10])
    except ValueError:
        return str(text)
    return day(d)


def _about(inc: "Incident") -> str:
    words = " ".join(str(inc.description or "").split())
    if len(words) > 60:
        words = words[:57].rstrip() + "..."
    when = f" on {_day(inc.date)}" if inc.date else ""
    return f"Incident{when}" + (f" ('{words}')" if words else "")


def significant_failure(data: "QuarterData") -> Iterator[Flag]:
    share = data.settings.significant_failure_share
    consecutive = max(1, data.settings.red_consecutive_quarters)
    for contract in data.contracts:
        cid = contract.contract_id
        value, group = contract.annual_value or 0.0, contract.client_group_size or 0
        cost_limit, client_limit = share * value, share * group
        register = data.register_ref(contract)
        value_words = f"{percent(share, 0)} of {money(value)} = {money(cost_limit)}, {register}"
        group_words = f"{percent(share, 0)} of {number(group)} = {number(client_limit)}, {register}"
        incidents = data.incidents_of(cid)
        single_cost = single_clients = False

        for inc in incidents:
            reasons, evidence, refs = [], [], []
            if value > 0 and inc.estimated_cost is not None and at_least(inc.estimated_cost, cost_limit):
                single_cost = True
                reasons.append(f"an estimated cost of {money(inc.estimated_cost)}, at least "
                               f"{percent(share, 0)} of the annual contract value")
                evidence.append(f"{inc.ref(COST)} = {money(inc.estimated_cost)} "
                                f"(threshold {value_words})")
                refs.append(inc.ref(COST))
            if group > 0 and inc.clients_affected is not None and at_least(inc.clients_affected, client_limit):
                single_clients = True
                reasons.append(f"{number(inc.clients_affected)} clients affected, at least "
                               f"{percent(share, 0)} of the client group")
                evidence.append(f"{inc.ref(CLIENTS)} = {number(inc.clients_affected)} "
                                f"(threshold {group_words})")
                refs.append(inc.ref(CLIENTS))
            if is_yes(inc.harm_caused) and is_yes(inc.provider_negligence):
                reasons.append("harm caused through provider negligence")
                evidence.append(f"{inc.ref(HARM)} = Y and {inc.ref(NEGLIGENCE)} = Y")
                refs += [inc.ref(HARM), inc.ref(NEGLIGENCE)]
            if is_yes(inc.reputational_risk):
                reasons.append("reputational risk to the PCC")
                evidence.append(f"{inc.ref(REPUTATION)} = Y")
                refs.append(inc.ref(REPUTATION))
            if reasons:
                yield _flag(cid, f"{_about(inc)} is a significant failure (strategy §5.0): "
                                 + "; ".join(reasons) + ".", evidence, refs)

        costed = [i for i in incidents if i.estimated_cost is not None]
        total_cost = sum(i.estimated_cost for i in costed)
        if value > 0 and not single_cost and len(costed) > 1 and at_least(total_cost, cost_limit):
            refs = [i.ref(COST) for i in costed]
            yield _flag(cid, f"The quarter's {len(costed)} incidents together have an estimated "
                             f"cost of {money(total_cost)}, at least {percent(share, 0)} of the "
                             f"annual contract value (strategy §5.0).",
                        [f"sum of {', '.join(refs)} = {money(total_cost)} (threshold {value_words})"],
                        refs)
        counted = [i for i in incidents if i.clients_affected is not None]
        total_clients = sum(i.clients_affected for i in counted)
        if group > 0 and not single_clients and len(counted) > 1 and at_least(total_clients, client_limit):
            refs = [i.ref(CLIENTS) for i in counted]
            yield _flag(cid, f"The quarter's {len(counted)} incidents together affected "
                             f"{number(total_clients)} clients, at least {percent(share, 0)} of "
                             f"the client group (strategy §5.0).",
                        [f"sum of {', '.join(refs)} = {number(total_clients)} "
                         f"(threshold {group_words})"],
                        refs)

        for k in data.kpis_of(cid):
            gap = shortfall_share(k)
            if (k.mandatory and k.consecutive_red >= consecutive and gap is not None
                    and at_least(gap, share)):
                yield _flag(cid, "Ongoing performance issue on a mandatory KPI (strategy §5.0): "
                                 + consecutive_detail(k),
                            [consecutive_evidence(k) + f"; shortfall {percent(gap, 1)} "
                             f"(threshold {percent(share, 0)})"], list(consecutive_refs(k)))


def shortfall_share(k: "KpiResult") -> float | None:
    """How far this quarter's result falls short of target, as a share of the clients the
    KPI speaks for; None when there is no target or result to compare."""
    if k.actual is None or k.target is None or k.direction not in ("higher is better",
                                                                     "lower is better"):
        return None
    gap = k.target - k.actual if k.direction == "higher is better" else k.actual - k.target
    if k.unit == "percent":
        return max(gap, 0.0)
    return max(gap, 0.0) / abs(k.target) if k.target else None
