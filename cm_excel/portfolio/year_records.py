"""A year's records per contract: incidents by category, complaints (counts, upheld rate,
days to resolve), returns compliance, audits due, and the providers' latest logs.

Small roll-ups over the year's quarters (``QuarterData``) and the register, used by
``year.build_year`` and by the meeting packs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date

from ..periods import Period
from ..register.model import Register
from ..templates.contract import INCIDENT_CATEGORIES
from .calendar import audit_due, audits_of
from .grouping import by_contract
from .logs import ImprovementEntry
from .quarter import ACCEPTED, HELD, LATE, MISSING, NOT_YET_DUE, REJECTED


@dataclass(frozen=True)
class IncidentSummary:
    contract_id: str
    incidents: int
    harm_caused: int
    provider_negligence: int
    reputational_risk: int
    none_of_these: int
    clients_affected: float
    estimated_cost: float
    by_category: tuple["IncidentCategory", ...] = ()


@dataclass(frozen=True)
class IncidentCategory:
    """A contract's incidents of the year in one Category (``NOT_GIVEN`` when blank: a
    template version 1 return has no Category column)."""

    category: str
    incidents: int
    harm_caused: int
    provider_negligence: int
    reputational_risk: int
    clients_affected: float
    estimated_cost: float


@dataclass(frozen=True)
class ComplaintSummary:
    contract_id: str
    received: int
    upheld: int  # upheld or partly upheld
    not_upheld: int
    open: int
    resolved: int
    mean_days_to_resolve: float | None
    longest_days_to_resolve: int | None
    by_category: tuple[tuple[str, int, int], ...]  # (category, received, upheld)

    @property
    def decided(self) -> int:
        return self.upheld + self.not_upheld

    @property
    def upheld_rate(self) -> float | None:
        return self.upheld / self.decided if self.decided else None


@dataclass(frozen=True)
class ReturnCompliance:
    """Returns due in the year for one contract (both kinds), by what became of them."""

    contract_id: str
    due: int  # whose deadline has passed
    on_time: int
    late: int
    missing: int  # missing, rejected with nothing accepted, or held for decision
    resubmitted: int  # accepted returns later replaced by a new version
    not_yet_due: int
    working_days_late: int

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.due if self.due else None


@dataclass(frozen=True)
class AuditDue:
    contract_id: str
    last_audit: date | None
    next_due: date  # last audit (else the contract's start) + the audit interval
    overdue: bool


def _yes(value) -> bool:
    return str(value or "").strip().upper() in ("Y", "YES")


NOT_GIVEN = "Not given"


def category_of(text) -> str:
    """A record's Category as written, or ``NOT_GIVEN`` when blank."""
    return str(text or "").strip() or NOT_GIVEN


def _category_order(category: str) -> tuple:
    """The template's incident categories in its order, then others A-Z, Not given last."""
    if category == NOT_GIVEN:
        return (2, "")
    if category in INCIDENT_CATEGORIES:
        return (0, INCIDENT_CATEGORIES.index(category))
    return (1, category.lower())


def incident_summary(contracts, incidents) -> list[IncidentSummary]:
    out = []
    of = by_contract(incidents)
    for c in contracts:
        mine = of.get(c.contract_id, [])
        groups: dict[str, list] = {}
        for i in mine:
            groups.setdefault(category_of(i.category), []).append(i)
        by_category = tuple(
            IncidentCategory(cat, len(group), *_flag_counts(group)[:3],
                             sum(i.clients_affected or 0.0 for i in group),
                             sum(i.estimated_cost or 0.0 for i in group))
            for cat, group in sorted(groups.items(), key=lambda kv: _category_order(kv[0])))
        out.append(IncidentSummary(c.contract_id, len(mine), *_flag_counts(mine),
                                   sum(i.clients_affected or 0.0 for i in mine),
                                   sum(i.estimated_cost or 0.0 for i in mine), by_category))
    return out


def _flag_counts(incidents) -> tuple[int, int, int, int]:
    """How many say Harm Caused, Provider Negligence, Reputational Risk, and none of these."""
    harm = sum(_yes(i.harm_caused) for i in incidents)
    neg = sum(_yes(i.provider_negligence) for i in incidents)
    rep = sum(_yes(i.reputational_risk) for i in incidents)
    none = sum(not (_yes(i.harm_caused) or _yes(i.provider_negligence)
                    or _yes(i.reputational_risk)) for i in incidents)
    return harm, neg, rep, none


def complaint_outcome(outcome: str | None) -> str:
    """``upheld`` (upheld or partly upheld), ``not upheld`` or ``open``."""
    word = (outcome or "").strip().lower()
    if word.startswith("not"):
        return "not upheld"
    if "upheld" in word:
        return "upheld"
    return "open"


def _iso(text) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def counted_complaints(complaints, periods) -> list:
    """The complaints of the year, each once: a row repeating a complaint first reported in
    an earlier quarter of the same year (``update_of``) is left out, the first report
    carrying the latest outcome and resolved date (``updated_in``). A repeat of a complaint
    first reported in an earlier year is the year's only row of it, so it counts."""
    periods = set(periods)
    return [x for x in complaints if not (x.is_update and x.first_reported in periods)]


def complaint_summary(contracts, complaints) -> list[ComplaintSummary]:
    """Counts over ``complaints`` as given (``counted_complaints`` of the year's rows)."""
    out = []
    of = by_contract(complaints)
    for c in contracts:
        mine = of.get(c.contract_id, [])
        outcomes = Counter(complaint_outcome(x.outcome) for x in mine)
        days = []
        for x in mine:
            got, done = _iso(x.date_received), _iso(x.resolved_date)
            if got and done and done >= got:
                days.append((done - got).days)
        cats: dict[str, list[int]] = {}
        for x in mine:
            entry = cats.setdefault(category_of(x.category), [0, 0])
            entry[0] += 1
            entry[1] += complaint_outcome(x.outcome) == "upheld"
        out.append(ComplaintSummary(
            c.contract_id, len(mine), outcomes["upheld"], outcomes["not upheld"],
            outcomes["open"], len(days), sum(days) / len(days) if days else None,
            max(days) if days else None,
            tuple((cat, n, up) for cat, (n, up) in sorted(cats.items()))))
    return out


def return_compliance(contracts, quarters) -> list[ReturnCompliance]:
    out = []
    of = by_contract(r for q in quarters for r in q.returns)
    for c in contracts:
        mine = of.get(c.contract_id, [])
        resubmitted = sum(1 for r in mine if r.accepted is not None and (r.accepted.version or 1) > 1)
        out.append(ReturnCompliance(
            c.contract_id,
            due=sum(1 for r in mine if r.status != NOT_YET_DUE),
            on_time=sum(1 for r in mine if r.status == ACCEPTED),
            late=sum(1 for r in mine if r.status == LATE),
            missing=sum(1 for r in mine if r.status in (MISSING, REJECTED, HELD)),
            resubmitted=resubmitted,
            not_yet_due=sum(1 for r in mine if r.status == NOT_YET_DUE),
            working_days_late=sum(r.working_days_late for r in mine if r.status == LATE)))
    return out


def audits_due(register: Register, contracts, as_of: date) -> list[AuditDue]:
    """When each contract's next audit is due (``portfolio.calendar.audit_due``)."""
    out = []
    for c in contracts:
        audits = audits_of(register, c.contract_id)
        held = [a.date for a in audits if a.date <= as_of]
        due = audit_due(c, audits, as_of, register.settings)
        out.append(AuditDue(c.contract_id, max(held) if held else None, due, due < as_of))
    return out


def latest_logs(entries, periods_wanted) -> list:
    """The latest quarter's rows per contract (a log is restated every quarter)."""
    latest: dict[str, Period] = {}
    for e in entries:
        if e.period in periods_wanted and (e.contract_id not in latest or e.period > latest[e.contract_id]):
            latest[e.contract_id] = e.period
    return sorted((e for e in entries if latest.get(e.contract_id) == e.period),
                  key=lambda e: (e.contract_id, e.row))


def with_first_reported(entries, periods_wanted) -> list[ImprovementEntry]:
    """The improvement actions of those quarters, each with the earliest quarter naming it."""
    mine = [e for e in entries if e.period in periods_wanted]
    first: dict[tuple[str, str], Period] = {}
    for e in mine:
        key = (e.contract_id, (e.action or "").strip().lower())
        first[key] = min(first.get(key, e.period), e.period)
    return [replace(e, first_reported=first[(e.contract_id, (e.action or "").strip().lower())])
            for e in mine]


__all__ = ["IncidentSummary", "IncidentCategory", "ComplaintSummary", "NOT_GIVEN", "category_of",
           "counted_complaints", "ReturnCompliance", "AuditDue",
           "incident_summary", "complaint_summary", "return_compliance", "audits_due",
           "complaint_outcome", "latest_logs", "with_first_reported"]
