"""Returns flags: RETURN_MISSING, RETURN_LATE, RETURN_REJECTED.

The deadline is periods.return_deadline(period, Settings "Return deadline (working days)"):
working days after quarter end, weekends and England and Wales bank holidays skipped. A
return is late when its first valid version was received (UK time) after that day.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from .catalogue import BY_CODE
from .model import Flag, RED
from ..portfolio.rag import day

if TYPE_CHECKING:
    from ..portfolio.quarter import QuarterData


def _when(dt) -> str:
    return f"{dt.day} {dt:%b %Y %H:%M} (UK time)"


def _due(data: "QuarterData") -> str:
    return (f"due by {day(data.deadline)} ({data.settings.return_deadline_working_days} "
            f"working days after {day(data.period.end)})")


def return_missing(data: "QuarterData") -> Iterator[Flag]:
    """RETURN_MISSING: nothing accepted (and not rejected) and the deadline has passed."""
    from ..portfolio.quarter import HELD, MISSING

    spec = BY_CODE["RETURN_MISSING"]
    for r in data.returns:
        if r.status not in (MISSING, HELD):
            continue
        contract = data.contract(r.contract_id)
        evidence = (f"no accepted {r.kind} return for {data.period.label} in the ledger; "
                    f"{_due(data)}; as of {day(data.as_of)}; provider "
                    f"{contract.provider} ({data.register_ref(contract)})")
        detail = f"The {r.kind} return for {data.period.label} has not been received."
        if r.status == HELD and r.latest:
            detail = (f"No {r.kind} return for {data.period.label} has been accepted; the "
                      f"latest ({r.latest.original_name}) is held for a decision.")
            evidence += f"; {r.latest.original_name} received {_when(r.latest.received_uk)}, held"
        elif r.latest is not None:
            evidence += f"; latest file {r.latest.original_name} is {r.latest.status}"
        yield Flag(r.contract_id, spec.code, spec.severity, detail, evidence, spec.action,
                   (data.register_ref(contract),))


def return_late(data: "QuarterData") -> Iterator[Flag]:
    """RETURN_LATE: accepted, but its first valid version came after the deadline."""
    from ..portfolio.quarter import LATE

    spec = BY_CODE["RETURN_LATE"]
    for r in data.returns:
        if r.status != LATE:
            continue
        first = r.first_valid or r.accepted
        days = r.working_days_late
        yield Flag(
            r.contract_id, spec.code, spec.severity,
            f"The {r.kind} return for {data.period.label} was received "
            f"{days} working day{'s' if days != 1 else ''} after the deadline.",
            f"{first.file} received {_when(first.received_uk)} (version {first.version or 1}); "
            f"{_due(data)}",
            spec.action, (first.file,))


def return_rejected(data: "QuarterData") -> Iterator[Flag]:
    """RETURN_REJECTED: the latest submission was rejected and nothing is accepted.

    Red once the deadline has passed (as of), Amber before.
    """
    from ..portfolio.quarter import REJECTED

    spec = BY_CODE["RETURN_REJECTED"]
    for r in data.returns:
        if r.status != REJECTED:
            continue
        latest = r.latest
        overdue = data.as_of > data.deadline
        problems = (f"{latest.errors} error{'s' if latest.errors != 1 else ''}, "
                    f"{latest.queries} quer{'ies' if latest.queries != 1 else 'y'}")
        evidence = (f"{latest.original_name} received {_when(latest.received_uk)}, rejected "
                    f"({problems})")
        if latest.feedback_path:
            evidence += f"; feedback sent in {latest.feedback_path}"
        evidence += f"; {_due(data)}; as of {day(data.as_of)}"
        yield Flag(
            r.contract_id, spec.code, RED if overdue else spec.severity,
            f"The {r.kind} return for {data.period.label} was rejected ({problems}) and no "
            f"corrected return has been accepted"
            + (" by the deadline." if overdue else "; the deadline has not passed yet."),
            evidence, spec.action, (latest.original_name,))
