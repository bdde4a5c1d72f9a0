"""Consolidate one quarter for SMG: load the facts, raise the flags, write workbook and cover.

``consolidate_quarter`` is the one entry the pipeline and CLI call after ingest. It only
reads the ledger; it writes ``outbox/SMG_Quarterly_<FY>_<Q>.xlsx`` and
``outbox/SMG_Quarterly_<FY>_<Q>_cover.html``, each atomically.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

from ..flags import compute_flags, contract_overview, group_issues
from ..periods import Period
from ..register.model import Register
from ..workspace import Workspace
from .briefing import Briefing, brief
from .cover import cover_name, write_cover
from ..portfolio.provisional import provisional_note
from ..portfolio.rag import day
from ..ledger.quarter_loader import Shared, load_quarter
from .quarterly import workbook_name, write_quarterly
from ..crashpoints import crashpoint
from ..lock import workspace_lock

SCHEMA = Path(__file__).resolve().parent.parent / "ledger" / "schema_v1.sql"


@dataclass(frozen=True)
class ConsolidationResult:
    """What a consolidation wrote and found. Counts are of this quarter only."""

    period: Period
    as_of: date
    deadline: date
    workbook_path: Path
    cover_path: Path
    contracts: int
    contracts_green: int
    contracts_amber: int
    contracts_red: int
    flags_red: int
    flags_amber: int
    returns_expected: int
    returns_received: int
    returns_accepted: int
    returns_late: int
    returns_rejected: int
    returns_missing: int  # includes returns held for a decision with nothing accepted
    returns_not_yet_due: int
    flags_by_code: dict[str, int] = field(default_factory=dict)
    issues: int = 0  # flags grouped one per issue
    attention: tuple[str, ...] = ()  # one line per issue needing SMG's attention first
    contracts_awaited: int = 0  # no flag, and a return not yet due: neither Green nor RAG
    provisional: str | None = None  # portfolio.provisional.provisional_note, when it applies
    briefing: Briefing | None = None  # the sentences and what changed, as on the Summary

    @property
    def paths(self) -> tuple[Path, Path]:
        return (self.workbook_path, self.cover_path)

    @property
    def flags_by_severity(self) -> dict[str, int]:
        return {"Red": self.flags_red, "Amber": self.flags_amber}

    @property
    def flags_total(self) -> int:
        return self.flags_red + self.flags_amber

    def lines(self) -> list[str]:
        """A few lines for a terminal."""
        awaited = f", awaited {self.contracts_awaited}" if self.contracts_awaited else ""
        return [
            f"{self.period.describe()}, as of {day(self.as_of)} "
            f"(returns due by {day(self.deadline)})",
            *([self.provisional] if self.provisional else []),
            f"Contracts: {self.contracts} (green {self.contracts_green}, amber "
            f"{self.contracts_amber}, red {self.contracts_red}{awaited})",
            f"Returns: {self.returns_expected} expected, {self.returns_received} received, "
            f"{self.returns_accepted} accepted ({self.returns_late} late), "
            f"{self.returns_rejected} rejected, {self.returns_missing} missing, "
            f"{self.returns_not_yet_due} not yet due",
            f"Flags: {self.flags_red} red, {self.flags_amber} amber",
            f"Workbook: {self.workbook_path}",
            f"Cover note: {self.cover_path}",
        ]


def open_ledger(workspace: Workspace) -> sqlite3.Connection:
    """The workspace's ledger, opened read-only by ledger.db; an empty one if none yet.

    Consolidation runs after ingest, which has already migrated the ledger.
    """
    path = workspace.ledger_path
    if path.exists():
        from ..ledger.db import connect

        return connect(path, readonly=True)
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA.read_text(encoding="utf-8"))
    return conn


def snapshot(workspace: Workspace, read: Callable[[sqlite3.Connection], object]):
    """``read(conn)`` on the workspace's ledger inside one read transaction, so everything
    it reads is one consistent snapshot even while another run records returns."""
    with closing(open_ledger(workspace)) as conn:
        began = not conn.in_transaction
        if began:
            conn.execute("BEGIN")
        try:
            return read(conn)
        finally:
            if began:
                conn.rollback()


def consolidate_quarter(workspace: Workspace, register: Register, period: Period, *,
                        as_of: date, progress: Callable[..., None] | None = None
                        ) -> ConsolidationResult:
    """Write the quarter's SMG workbook and cover note into ``outbox/``; say what they hold.

    Same ledger, register and ``as_of`` → the same workbook, cell for cell.
    Raises WorkspaceError when an output cannot be replaced (open in Excel), or when another
    run holds the workspace: the ledger is read and the outputs written under the workspace
    lock, so an older run can never publish its workbook over a newer one's.
    """
    def say(text: str) -> None:
        if progress:
            progress("consolidate.stage", text=text)

    with workspace_lock(workspace):  # the outputs match the ledger they were built from
        return _consolidate_locked(workspace, register, period, as_of=as_of, say=say)


def _consolidate_locked(workspace: Workspace, register: Register, period: Period, *,
                        as_of: date, say: Callable[[str], None]) -> ConsolidationResult:
    settings = register.settings
    say(f"Consolidating {period.describe()} as of {day(as_of)}")
    # the quarter, and the one before for "what changed", from one consistent snapshot
    def read(conn):
        shared = Shared()  # what the two quarters have in common, made once
        return (load_quarter(conn, register, period, as_of, shared=shared),
                load_quarter(conn, register, period.previous(), as_of, shared=shared))

    data, before = snapshot(workspace, read)
    flags = compute_flags(data)
    overview = contract_overview(data, flags)
    briefing = brief(data, flags, before, compute_flags(before))
    say(f"{len(data.contracts)} active contracts, {len(flags)} flags")

    outbox = workspace.outbox
    book = outbox / workbook_name(period)
    crashpoint("consolidate.before_workbook")
    write_quarterly(data, flags, book, settings=settings, briefing=briefing)
    crashpoint("consolidate.before_cover")
    cover = outbox / cover_name(period)
    write_cover(data, flags, cover, workbook_name=book.name, settings=settings,
                workspace_root=workspace.root, briefing=briefing)

    counts = data.return_counts()
    overall = Counter(o.overall for o in overview)
    issues = group_issues(flags)
    return ConsolidationResult(
        period=period, as_of=as_of, deadline=data.deadline, workbook_path=book,
        cover_path=cover, contracts=len(overview), contracts_green=overall["Green"],
        contracts_amber=overall["Amber"], contracts_red=overall["Red"],
        flags_red=sum(1 for f in flags if f.severity == "Red"),
        flags_amber=sum(1 for f in flags if f.severity == "Amber"),
        returns_expected=counts["expected"], returns_received=counts["received"],
        returns_accepted=counts["accepted"], returns_late=counts["late"],
        returns_rejected=counts["rejected"], returns_missing=counts["missing"],
        returns_not_yet_due=counts["not_yet_due"],
        flags_by_code=dict(sorted(Counter(f.code for f in flags).items())),
        issues=len(issues), attention=tuple(i.line() for i in issues if i.needs_smg),
        contracts_awaited=overall["Awaited"],
        provisional=provisional_note(period, as_of, data.deadline),
        briefing=briefing,
    )
