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
  (KPI_RED_CONSECUTIVE) whose shortfall in people, summed over the red quarters, reaches the
  share of the register's client group size. For a percentage the people short of target
  are target share × denominator − numerator (mirrored when lower is better); for a count
  of people, target − actual. Other units (days, £, scores) do not count people;
- a financial problem reaching the share of the annual contract value: a forecast outturn
  that much above the value, or a year-to-date overspend of at least that amount.

"A minimum of 10%" is inclusive: exactly 10% is significant. Flags about a KPI share its
issue with the KPI's other flags; the financial ones share "Spending above budget" with
FINANCE_OVERSPEND and FORECAST_OVER_VALUE, so SMG sees one line per issue.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Iterator

from .catalogue import BY_CODE
from .finance import OVER_ISSUE
from .kpi import consecutive_detail, consecutive_evidence, consecutive_refs, kpi_issue
from .model import Flag
from ..excel_text import shorten
from ..portfolio.rag import at_least, day, money, number, percent, pounds

if TYPE_CHECKING:
    from ..portfolio.quarter import Incident, KpiResult, QuarterData

CODE = "SIGNIFICANT_FAILURE"
COST, CLIENTS = "Estimated Cost (£)", "Clients Affected"
HARM, NEGLIGENCE, REPUTATION = "Harm Caused", "Provider Negligence", "Reputational Risk"


def is_yes(value) -> bool:
    return str(value or "").strip().upper() in ("Y", "YES", "TRUE", "1")


def _flag(contract_id: str, detail: str, evidence: list[str], refs: list[str],
          issue: str) -> Flag:
    spec = BY_CODE[CODE]
    return Flag(contract_id, CODE, spec.severity, detail, "; ".join(evidence), spec.action,
                tuple(refs), issue=issue)


def _day(text) -> str:
    """``9 Dec 2026`` for an ISO date; other text as it is."""
    try:
        d = date.fromisoformat(str(text).strip()[:10])
    except ValueError:
        return str(text)
    return day(d)


def _about(inc: "Incident") -> str:
    words = shorten(inc.description, 60)  # the full text is on the Incidents sheet
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
                reasons.append(f"an estimated cost of {pounds(inc.estimated_cost)}, at least "
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
                                 + "; ".join(reasons) + ".", evidence, refs,
                            incident_issue(inc))

        costed = [i for i in incidents if i.estimated_cost is not None]
        total_cost = sum(i.estimated_cost for i in costed)
        if value > 0 and not single_cost and len(costed) > 1 and at_least(total_cost, cost_limit):
            refs = [i.ref(COST) for i in costed]
            yield _flag(cid, f"The quarter's {len(costed)} incidents together have an estimated "
                             f"cost of {pounds(total_cost)}, at least {percent(share, 0)} of the "
                             f"annual contract value (strategy §5.0).",
                        [f"sum of {', '.join(refs)} = {money(total_cost)} (threshold {value_words})"],
                        refs, INCIDENTS_ISSUE)
        counted = [i for i in incidents if i.clients_affected is not None]
        total_clients = sum(i.clients_affected for i in counted)
        if group > 0 and not single_clients and len(counted) > 1 and at_least(total_clients, client_limit):
            refs = [i.ref(CLIENTS) for i in counted]
            yield _flag(cid, f"The quarter's {len(counted)} incidents together affected "
                             f"{number(total_clients)} clients, at least {percent(share, 0)} of "
                             f"the client group (strategy §5.0).",
                        [f"sum of {', '.join(refs)} = {number(total_clients)} "
                         f"(threshold {group_words})"],
                        refs, INCIDENTS_ISSUE)

        for k in data.kpis_of(cid):
            if not k.mandatory or k.consecutive_red < consecutive or group <= 0:
                continue
            run = people_short(k)
            total = sum(people for _, people, _ in run if people is not None)
            if not run or run[0][1] is None or not at_least(total, client_limit):
                continue
            yield _flag(cid, "Ongoing performance issue on a mandatory KPI (strategy §5.0): "
                             + consecutive_detail(k)
                             + f" {number(round(total, 1))} people fell short of the target over "
                               f"those quarters, {percent(total / group)} of the client group.",
                        [consecutive_evidence(k), _people_evidence(run, total, group, share,
                                                                   client_limit, register)],
                        list(consecutive_refs(k)), kpi_issue(k))

        yield from _finance(data, contract, share, register)


INCIDENTS_ISSUE = "Incidents this quarter, together"


def incident_issue(inc: "Incident") -> str:
    """``Incident on 3 Dec 2026 (Incidents row 6)``: one incident, one issue."""
    when = f" on {_day(inc.date)}" if inc.date else ""
    return f"Incident{when} ({inc.sheet} row {inc.row})"


def _shortfall(direction: str, unit: str, target, actual, numerator, denominator):
    """(people short of target, arithmetic in words) for one quarter; (None, why) when the
    KPI does not count people or a figure is missing."""
    if target is None or direction not in ("higher is better", "lower is better"):
        return None, "no target"
    higher = direction == "higher is better"
    if unit == "percent":
        if numerator is None or not denominator:
            return None, "numerator or denominator not reported"
        expected = target * denominator
        people = expected - numerator if higher else numerator - expected
        words = (f"{percent(target)} × {number(denominator)} − {number(numerator)}" if higher
                 else f"{number(numerator)} − {percent(target)} × {number(denominator)}")
        return max(people, 0.0), f"{words} = {number(round(max(people, 0.0), 1))}"
    if unit == "count":
        if actual is None:
            return None, "not reported"
        people = target - actual if higher else actual - target
        words = (f"{number(target)} − {number(actual)}" if higher
                 else f"{number(actual)} − {number(target)}")
        return max(people, 0.0), f"{words} = {number(round(max(people, 0.0), 1))}"
    return None, f"a {unit} KPI does not count people"


def people_short(k: "KpiResult") -> list[tuple[str, float | None, str]]:
    """(quarter, people short of target, arithmetic) over the red run, this quarter first."""
    out = []
    people, words = _shortfall(k.direction, k.unit, k.target, k.actual, k.numerator,
                               k.denominator)
    out.append(("this quarter", people, words))
    back = k.history[len(k.history) - (k.consecutive_red - 1):] if k.consecutive_red > 1 else ()
    for point in reversed(back):
        people, words = _shortfall(k.direction, k.unit, point.target, point.actual,
                                   point.numerator, point.denominator)
        out.append((point.period.label, people, words))
    return out


def _people_evidence(run, total: float, group: int, share: float, limit: float,
                     register: str) -> str:
    parts = [f"{label}: {words} people short"
             + (f" ({percent(people / group)} of the client group)" if people is not None else "")
             for label, people, words in run]
    return ("shortfall in people: " + "; ".join(parts)
            + f"; together {number(round(total, 1))} people = {percent(total / group)} of the "
              f"client group of {number(group)} ({register}); threshold {percent(share, 0)} = "
              f"{number(limit)} people")


def _finance(data: "QuarterData", contract, share: float, register: str) -> Iterator[Flag]:
    """A forecast outturn above the annual value, or a year-to-date overspend, of at least
    the share of the annual contract value."""
    value = contract.annual_value or 0.0
    total = data.finance_total(contract.contract_id)
    if value <= 0 or total is None:
        return
    limit = share * value
    threshold = f"threshold {percent(share, 0)} of {money(value)} = {money(limit)}, {register}"
    excess = total.forecast_outturn - value
    if at_least(excess, limit):
        yield _flag(contract.contract_id,
                    f"Forecast outturn {pounds(total.forecast_outturn)} is {pounds(excess)} above "
                    f"the annual contract value of {pounds(value)}: {percent(excess / value)} of "
                    f"it, a significant failure (strategy §5.0).",
                    [f"total of {total.span('Forecast Outturn')} = "
                     f"{money(total.forecast_outturn)} − annual contract value {money(value)} = "
                     f"{money(excess)} ({threshold})"],
                    [ln.ref("Forecast Outturn") for ln in total.lines], OVER_ISSUE)
    overspend = total.ytd_variance
    if at_least(overspend, limit):
        yield _flag(contract.contract_id,
                    f"Year-to-date actual {pounds(total.ytd_actual)} is {pounds(overspend)} above "
                    f"the year-to-date budget of {pounds(total.ytd_budget)}: "
                    f"{percent(overspend / value)} of the annual contract value, a significant "
                    f"failure (strategy §5.0).",
                    [f"total of {total.span('Year To Date Actual')} = {money(total.ytd_actual)} − "
                     f"year-to-date budget {money(total.ytd_budget)} = {money(overspend)} "
                     f"({threshold})"],
                    [ln.ref("Year To Date Actual") for ln in total.lines], OVER_ISSUE)
