"""The first page in words: two or three sentences, and what changed since last quarter.

``brief`` turns one quarter's facts and flags (and, when the ledger has it, the previous
quarter's) into a ``Briefing`` that the Summary sheet, the cover note and the console all
print in the same order. Flag codes come after plain words ("Significant failure
(SIGNIFICANT_FAILURE)"), money is in whole pounds and dates are written one way (1 Dec 2026).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..flags import IMMEDIATE, INFORMAL, ACTION_RANK, Flag, contract_overview, group_issues
from ..flags.issues import Issue
from ..portfolio.quarter import ACCEPTED, LATE, QuarterData
from ..portfolio.rag import kpi_value, percent, pounds

RAG_MOVED, NEW_ISSUE, CLOSED_ISSUE, KPI_CROSSED, RESTATED = (
    "RAG moved", "New issue", "Closed issue", "KPI crossed a threshold", "Restated")
KINDS = (RAG_MOVED, NEW_ISSUE, CLOSED_ISSUE, KPI_CROSSED, RESTATED)
_RATED = ("Green", "Amber", "Red")

# Plain words for each flag code, shown before the code itself.
PLAIN_NAMES = {
    "SIGNIFICANT_FAILURE": "Significant failure",
    "KPI_RED_CONSECUTIVE": "KPI red quarters running",
    "KPI_RED": "KPI red",
    "KPI_AMBER": "KPI amber",
    "KPI_MISSING": "KPI not reported",
    "FINANCE_OVERSPEND": "Overspend",
    "FINANCE_UNDERSPEND": "Underspend",
    "FORECAST_OVER_VALUE": "Forecast above contract value",
    "RETURN_MISSING": "Return missing",
    "RETURN_LATE": "Return late",
    "RETURN_REJECTED": "Return rejected",
    "EXIT_NOTICE_DUE": "Exit notice due",
    "EXIT_NOTICE_OVERDUE": "Exit notice overdue",
    "POST_CONTRACT_REVIEW_DUE": "Post-contract review due",
    "AUDIT_OVERDUE": "Audit overdue",
    "AUDIT_LIMIT": "More than one audit a year",
    "DISPUTE_MEETING_OVERDUE": "Dispute meeting overdue",
    "DISPUTE_ACTION_PLAN_OVERDUE": "Dispute action plan overdue",
    "CHECKLIST_EXPIRED": "Checklist item expired",
    "GOVERNANCE_NO_DEPUTY": "No deputy officer",
    "INCIDENT_SAFEGUARDING": "Safeguarding incident",
    "INCIDENT_DATA_BREACH": "Data protection breach",
    "INCIDENT_REPORTED_LATE": "Incident reported late",
    "COST_PER_USER_MISMATCH": "Cost per service user differs from the returns",
}


def plain_name(code: str) -> str:
    """``Significant failure`` for SIGNIFICANT_FAILURE; a readable guess for a new code."""
    if code in PLAIN_NAMES:
        return PLAIN_NAMES[code]
    words = code.replace("_", " ").lower().capitalize()
    return words.replace("Kpi ", "KPI ").replace(" kpi", " KPI")


def named(code: str) -> str:
    """``Significant failure (SIGNIFICANT_FAILURE)``: the plain words first, then the code."""
    return f"{plain_name(code)} ({code})"


@dataclass(frozen=True)
class Change:
    contract_id: str
    kind: str  # one of KINDS
    text: str  # one sentence, plain words first


@dataclass(frozen=True)
class Briefing:
    sentences: tuple[str, ...]  # two or three, for the top of page one
    changes: tuple[Change, ...]  # what changed since ``compared_with``
    compared_with: str | None  # "2026-27 Q1", or None when the ledger has no quarter before

    @property
    def change_note(self) -> str:
        """The line shown when there is nothing to list."""
        if self.compared_with is None:
            return "No earlier quarter in the ledger to compare with."
        return f"Nothing changed since {self.compared_with} worth a line."


def brief(now: QuarterData, flags: list[Flag], before: QuarterData | None = None,
          before_flags: list[Flag] | None = None) -> Briefing:
    """The sentences and the changes for ``now`` (see the module docstring)."""
    issues = group_issues(flags)
    has_before = before is not None and any(r.received for r in before.returns)
    changes = what_changed(now, flags, before, before_flags or []) if has_before else []
    return Briefing(tuple(sentences(now, flags, issues)), tuple(changes),
                    before.period.label if has_before else None)


def sentences(data: QuarterData, flags: list[Flag], issues: list[Issue]) -> list[str]:
    """Two or three sentences: the contracts and who decides, money, and returns."""
    overview = contract_overview(data, flags)
    n = len(overview)
    words = [f"{n} contract{'s' if n != 1 else ''}"]
    pcc = [i for i in issues if ACTION_RANK[i.action] >= ACTION_RANK[IMMEDIATE]]
    procedure = [i for i in issues
                 if ACTION_RANK[INFORMAL] <= ACTION_RANK[i.action] < ACTION_RANK[IMMEDIATE]]
    if pcc:
        words.append(f"{_count(pcc, 'need', 'needs')} a decision from the PCC ("
                     + ", ".join(f"{i.contract_id} {_issue_words(i)}" for i in pcc) + ")")
    if procedure:
        ids = sorted({i.contract_id for i in procedure})
        words.append(f"{_count(procedure, 'go', 'goes')} to the dispute procedure "
                     f"({_join(ids)})")
    if not pcc and not procedure:
        words.append("none needs a decision from the PCC or the dispute procedure")
    out = ["; ".join(words) + "."]
    money = [_forecast_words(data, f) for f in flags if f.code == "FORECAST_OVER_VALUE"]
    if money:
        out.append(_join(money) + ".")
    counts = data.return_counts()
    returns = (f"{counts['accepted']} of {counts['expected']} returns accepted"
               + (f" ({counts['late']} late)" if counts["late"] else ""))
    missing = [f"{counts[k]} {word}" for k, word in (("rejected", "rejected"),
                                                     ("missing", "missing"),
                                                     ("not_yet_due", "not yet due"))
               if counts[k]]
    out.append(returns + (f"; {_join(missing)}" if missing else "") + ".")
    return out


def what_changed(now: QuarterData, now_flags: list[Flag], before: QuarterData,
                 before_flags: list[Flag]) -> list[Change]:
    """Contracts whose RAG moved, new and closed issues, KPIs that crossed a threshold, and
    restated figures; by contract, then in ``KINDS`` order."""
    changes: list[Change] = []
    then = {o.contract_id: o for o in contract_overview(before, before_flags)}
    for o in contract_overview(now, now_flags):
        old = then.get(o.contract_id)
        if old is not None and old.overall != o.overall and {old.overall, o.overall} <= set(_RATED):
            changes.append(Change(o.contract_id, RAG_MOVED,
                                  f"{o.contract_id} moved from {old.overall} to {o.overall}."))
    new_issues = {i.lead.issue_key: i for i in group_issues(now_flags)}
    old_issues = {i.lead.issue_key: i for i in group_issues(before_flags)}
    # an issue is closed only where this quarter's returns are all in to show it: a KPI not
    # raised because the return was rejected is not resolved
    complete = {c.contract_id for c in now.contracts
                if all(r.status in (ACCEPTED, LATE) for r in now.returns_of(c.contract_id))}
    for key, i in new_issues.items():
        if key not in old_issues:
            changes.append(Change(i.contract_id, NEW_ISSUE,
                                  f"{i.contract_id} {_issue_words(i)}."))
    for key, i in old_issues.items():
        if key not in new_issues and i.contract_id in complete:
            changes.append(Change(i.contract_id, CLOSED_ISSUE,
                                  f"{i.contract_id} {_issue_words(i)}: no longer raised."))
    for k in now.kpis:
        last = k.history[-1] if k.history else None
        if (k.rag in _RATED and last is not None and last.period == before.period
                and last.rag in _RATED and last.rag != k.rag):
            changes.append(Change(k.contract_id, KPI_CROSSED, (
                f"{k.contract_id} {k.kpi_code} {k.name} went from {last.rag} to {k.rag} "
                f"({_prose(last.actual, k.unit)} to {_prose(k.actual, k.unit)}).")))
    restated: dict[str, int] = {}
    for r in now.restatements:
        restated[r.contract_id] = restated.get(r.contract_id, 0) + 1
    for cid, n in sorted(restated.items()):
        changes.append(Change(cid, RESTATED, (
            f"{cid} restated {n} figure{'s' if n != 1 else ''} in a resubmitted return "
            "(listed on the Returns sheet).")))
    order = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(changes, key=lambda c: (c.contract_id, order[c.kind], c.text))


def _prose(value: float | None, unit: str) -> str:
    """A KPI value in a sentence: money in whole pounds, the rest as the KPIs sheet has it."""
    return pounds(value) if unit == "gbp" else kpi_value(value, unit)


def _issue_words(issue: Issue) -> str:
    """``VS02 Referrals successfully contacted (significant failure)``."""
    name = plain_name(issue.lead.code)
    if not name.startswith("KPI"):
        name = name[0].lower() + name[1:]
    return f"{issue.name} ({name})"


def _forecast_words(data: QuarterData, flag: Flag) -> str:
    total = data.finance_total(flag.contract_id)
    value = data.contract(flag.contract_id).annual_value
    excess = total.forecast_outturn - value
    return (f"{flag.contract_id} is forecast {pounds(excess)} ({percent(excess / value, 0)}) "
            f"over its annual value of {pounds(value)}")


def _count(items, plural: str, singular: str) -> str:
    return f"{len(items)} {'issue' if len(items) == 1 else 'issues'} {singular if len(items) == 1 else plural}"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


__all__ = ["Briefing", "Change", "KINDS", "PLAIN_NAMES", "brief", "named", "plain_name",
           "sentences", "what_changed"]
