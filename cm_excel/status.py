"""Where each expected return stands for a quarter: in, accepted, queried, rejected, late,
missing or not yet due. Reads the ledger only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .held import uk_date
from .ledger import db
from .ledger.queries import ACCEPTED, HELD, REJECTED, SUPERSEDED, Submission, submissions_of
from .periods import Period, return_deadline
from .register.model import Register
from .templates.contract import KINDS
from .workspace import Workspace


@dataclass(frozen=True)
class ReturnStatus:
    """Where one expected return (contract × kind) stands for a quarter."""

    contract_id: str
    service: str
    provider: str
    kind: str
    contact: str  # the Provider Contract Manager: who to chase
    escalation_contact: str
    lead_officer: str
    deadline: date
    received: bool  # anything came in (accepted, rejected, held ...)
    first_received_at: datetime | None
    accepted: bool
    version: int | None  # of the accepted return
    accepted_received_at: datetime | None  # when the first acceptable version arrived
    queried: bool  # the accepted return carries (explained) queries
    rejected: int  # rejected files for this return
    held: int  # late resubmissions waiting for a decision
    late: bool  # the first acceptable version arrived after the deadline
    missing: bool  # deadline passed and nothing accepted
    not_yet_due: bool  # deadline not passed and nothing accepted
    expected: bool = True

    @property
    def state(self) -> str:
        """A few words for a table: accepted, accepted late, queried, queried late,
        rejected, rejected and missing (deadline passed), missing, not yet due."""
        if self.accepted:
            word = "queried" if self.queried else "accepted"
            return f"{word} late" if self.late else word
        if self.rejected:
            return "rejected and missing" if self.missing else "rejected"
        return "missing" if self.missing else "not yet due"


@dataclass
class StatusReport:
    period: Period
    as_of: date
    deadline: date
    returns: list[ReturnStatus]
    unexpected: list[Submission]  # in the ledger for the period but not expected
    ledger_journal: str = ""  # how the ledger is journalled (db.journal_plan)

    @property
    def chase(self) -> list[ReturnStatus]:
        """Returns to chase: missing, or rejected with nothing accepted yet."""
        return [r for r in self.returns if not r.accepted and (r.missing or r.rejected)]

    def counts(self) -> dict[str, int]:
        rs = self.returns
        return {"expected": len(rs), "in": sum(r.received for r in rs),
                "accepted": sum(r.accepted for r in rs), "queried": sum(r.queried for r in rs),
                "rejected": sum(bool(r.rejected) and not r.accepted for r in rs),
                "late": sum(r.late for r in rs), "missing": sum(r.missing for r in rs),
                "not yet due": sum(r.not_yet_due for r in rs), "held": sum(r.held for r in rs)}


def status(workspace: Workspace, register: Register, period: Period, *,
           as_of: date) -> StatusReport:
    """Per active contract and kind: expected, in, accepted, queried, rejected, late, missing
    or not yet due, judged against the deadline (``return_deadline_working_days`` working
    days after the quarter ends) and ``as_of``. Reads the ledger only."""
    deadline = return_deadline(period, register.settings.return_deadline_working_days)
    subs: list[Submission] = []
    if workspace.ledger_path.is_file():
        conn = db.connect(workspace.ledger_path, readonly=True)
        try:
            subs = submissions_of(conn, period)
        finally:
            conn.close()
    by_key: dict[tuple[str, str], list[Submission]] = {}
    for s in subs:
        by_key.setdefault((s.contract_id, s.kind), []).append(s)
    rows, expected_keys = [], set()
    for contract in register.active_contracts(period):
        for kind in KINDS:
            expected_keys.add((contract.contract_id, kind))
            rows.append(_return_status(contract, kind, by_key.get((contract.contract_id, kind), []),
                                       deadline, as_of))
    unexpected = [s for s in subs if (s.contract_id, s.kind) not in expected_keys]
    return StatusReport(period, as_of, deadline, rows, unexpected,
                        ledger_journal=f"{workspace.ledger_path.relative_to(workspace.root)}, "
                                       f"{db.journal_plan(workspace.ledger_path)}")


def _return_status(contract, kind: str, subs: list[Submission], deadline: date,
                   as_of: date) -> ReturnStatus:
    current = next((s for s in subs if s.status == ACCEPTED), None)
    acceptable = [s.received_at for s in subs if s.status in (ACCEPTED, SUPERSEDED)]
    first_ok = min(acceptable) if acceptable else None
    due_passed = as_of > deadline
    return ReturnStatus(
        contract_id=contract.contract_id, service=contract.service, provider=contract.provider,
        kind=kind, contact=contract.provider_contract_manager,
        escalation_contact=contract.provider_escalation_contact,
        lead_officer=contract.lead_officer, deadline=deadline, received=bool(subs),
        first_received_at=min((s.received_at for s in subs), default=None),
        accepted=current is not None, version=current.version if current else None,
        accepted_received_at=first_ok,
        queried=bool(current and current.queries), rejected=sum(s.status == REJECTED for s in subs),
        held=sum(s.status == HELD for s in subs),
        late=bool(first_ok and uk_date(first_ok) > deadline),
        missing=current is None and due_passed, not_yet_due=current is None and not due_passed)
