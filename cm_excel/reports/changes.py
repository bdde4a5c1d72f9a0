"""What changed since last quarter, in words SMG reads in a minute.

``what_changed`` compares this quarter's facts and flags with the previous quarter's:
contracts whose overall RAG moved, issues new this quarter and issues closed since, KPIs
that crossed a threshold (their RAG changed), and figures restated by a resubmission. The
previous quarter is judged as of its own deadline-free snapshot: the same ledger, loaded
for that quarter with the same as-of, so a late return accepted since counts as it is now.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Hashable

from ..flags import Flag, contract_overview
from ..portfolio.quarter import QuarterData
from ..portfolio.rag import kpi_value

RAG_MOVED, NEW_ISSUE, CLOSED_ISSUE, KPI_CROSSED, RESTATED = (
    "RAG moved", "New issue", "Closed issue", "KPI crossed a threshold", "Restated")
KINDS = (RAG_MOVED, NEW_ISSUE, CLOSED_ISSUE, KPI_CROSSED, RESTATED)
_RATED = ("Green", "Amber", "Red")


@dataclass(frozen=True)
class Change:
    contract_id: str
    kind: str  # one of KINDS
    text: str  # one sentence, plain words, the code in brackets where there is one


def default_issue_key(flag: Flag) -> Hashable:
    """The thing a flag is about, so the same issue in two quarters is recognised."""
    return (flag.contract_id, getattr(flag, "issue", "") or flag.code)


def what_changed(now: QuarterData, now_flags: list[Flag], before: QuarterData | None,
                 before_flags: list[Flag], *,
                 issue_key: Callable[[Flag], Hashable] = default_issue_key,
                 describe: Callable[[Flag], str] | None = None) -> list[Change]:
    """Every change worth a line, by contract then in ``KINDS`` order; [] without a before."""
    if before is None:
        return []
    describe = describe or (lambda f: f"{f.detail} ({f.code})")
    changes: list[Change] = []
    then = {o.contract_id: o for o in contract_overview(before, before_flags)}
    for o in contract_overview(now, now_flags):
        old = then.get(o.contract_id)
        if old is not None and old.overall != o.overall and {old.overall, o.overall} <= set(_RATED):
            changes.append(Change(o.contract_id, RAG_MOVED,
                                  f"{o.contract_id} moved from {old.overall} to {o.overall}."))
    changes += _issues(now_flags, before_flags, issue_key, describe,
                       {c.contract_id for c in now.contracts})
    for k in now.kpis:
        last = k.history[-1] if k.history else None
        if (k.rag in _RATED and last is not None and last.period == before.period
                and last.rag in _RATED and last.rag != k.rag):
            changes.append(Change(k.contract_id, KPI_CROSSED, (
                f"{k.contract_id} {k.kpi_code} {k.name} went from {last.rag} to {k.rag} "
                f"({kpi_value(last.actual, k.unit)} to {kpi_value(k.actual, k.unit)}).")))
    restated: dict[str, int] = {}
    for r in now.restatements:
        restated[r.contract_id] = restated.get(r.contract_id, 0) + 1
    for cid, n in restated.items():
        changes.append(Change(cid, RESTATED, (
            f"{cid} restated {n} figure{'s' if n != 1 else ''} in a resubmitted return "
            "(see the Returns sheet).")))
    order = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(changes, key=lambda c: (c.contract_id, order[c.kind], c.text))


def _issues(now_flags, before_flags, issue_key, describe, active) -> list[Change]:
    first_now = _first_by_issue(now_flags, issue_key)
    first_then = _first_by_issue(before_flags, issue_key)
    out = [Change(f.contract_id, NEW_ISSUE, f"{f.contract_id}: new: {describe(f)}")
           for key, f in first_now.items() if key not in first_then]
    out += [Change(f.contract_id, CLOSED_ISSUE, f"{f.contract_id}: no longer raised: {describe(f)}")
            for key, f in first_then.items() if key not in first_now and f.contract_id in active]
    return out


def _first_by_issue(flags, issue_key) -> dict:
    found: dict = {}
    for f in flags:
        found.setdefault(issue_key(f), f)
    return found
