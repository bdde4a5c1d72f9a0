"""Returns flags: RETURN_MISSING, RETURN_LATE, RETURN_REJECTED.

The deadline is periods.return_deadline(period, Settings "Return deadline (working days)"):
working days after quarter end, weekends and England and Wales bank holidays skipped. A
return is late when its first valid version was received (UK time) after that day.

The escalation ladder (model.py): the first late, missing or rejected return is raised at
the next quarterly contract meeting (NORMAL); when the same kind of return was also late,
missing or rejected the quarter before, normal management has not resolved it and the
informal procedure (§5.1) follows. A quarter before the workspace was first used (no
submission in the ledger for it) is not counted against anyone. Every flag about one return
has ``Performance return`` / ``Financial return`` as its issue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from .catalogue import BY_CODE
from .model import INFORMAL, Flag, RED
from ..portfolio.rag import day

if TYPE_CHECKING:
    from ..portfolio.quarter import QuarterData


def _when(dt) -> str:
    return f"{dt.day} {dt:%b %Y %H:%M} (UK time)"


def _due(data: "QuarterData") -> str:
    return (f"due by {day(data.deadline)} ({data.settings.return_deadline_working_days} "
            f"working days after {day(data.period.end)})")


def return_issue(kind: str) -> str:
    return f"{kind.capitalize()} return"


def repeat_of(data: "QuarterData", contract_id: str, kind: str) -> str | None:
    """How the previous quarter's return of this kind went, when it too was late, missing
    or rejected; None when it was on time, or there is nothing to judge it by."""
    from ..portfolio.quarter import HELD, LATE, MISSING, REJECTED

    before = data.previous_return_of(contract_id, kind)
    if before is None or before.status not in (LATE, MISSING, HELD, REJECTED):
        return None
    if before.status in (MISSING, HELD) and not data.previous_in_ledger:
        return None  # the workspace was not in use yet
    words = {LATE: "accepted late", MISSING: "missing", HELD: "not accepted (held)",
             REJECTED: "rejected"}[before.status]
    return f"the {kind} return for {data.period.shift(-1).label} was {words} too"


def _rung(spec, repeat: str | None) -> str:
    return INFORMAL if repeat else spec.action


def _with_repeat(text: str, repeat: str | None) -> str:
    return f"{text}; {repeat}" if repeat else text


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
        repeat = repeat_of(data, r.contract_id, r.kind)
        yield Flag(r.contract_id, spec.code, spec.severity, detail,
                   _with_repeat(evidence, repeat), _rung(spec, repeat),
                   (data.register_ref(contract),), issue=return_issue(r.kind))


def return_late(data: "QuarterData") -> Iterator[Flag]:
    """RETURN_LATE: accepted, but its first valid version came after the deadline."""
    from ..portfolio.quarter import LATE

    spec = BY_CODE["RETURN_LATE"]
    for r in data.returns:
        if r.status != LATE:
            continue
        first = r.first_valid or r.accepted
        days = r.working_days_late
        repeat = repeat_of(data, r.contract_id, r.kind)
        yield Flag(
            r.contract_id, spec.code, spec.severity,
            f"The {r.kind} return for {data.period.label} was received "
            f"{days} working day{'s' if days != 1 else ''} after the deadline.",
            _with_repeat(f"{first.file} received {_when(first.received_uk)} (version "
                         f"{first.version or 1}); {_due(data)}", repeat),
            _rung(spec, repeat), (first.file,), issue=return_issue(r.kind))


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
        repeat = repeat_of(data, r.contract_id, r.kind)
        yield Flag(
            r.contract_id, spec.code, RED if overdue else spec.severity,
            f"The {r.kind} return for {data.period.label} was rejected ({problems}) and no "
            f"corrected return has been accepted"
            + (" by the deadline." if overdue else "; the deadline has not passed yet."),
            _with_repeat(evidence, repeat), _rung(spec, repeat), (latest.original_name,),
            issue=return_issue(r.kind))
