"""Held resubmissions: a late replacement for a return already accepted waits for a person.

A resubmission that arrives after the following quarter has ended would restate figures
already reported, so ingest records it as held (with a RESUBMISSION_HELD query, made by
``held_finding``) instead of applying it. The contract manager then lists the held returns
and applies or declines each one; the decision answers the query.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timezone

from .errors import UsageError
from .ledger import db
from .ledger.queries import (ACCEPTED, HELD, Restatement, Submission, find_submissions,
                             held_submissions, restatements_of, submission_by_id)
from .ledger.record import apply_held, decline_held
from .lock import workspace_lock
from .findings import Finding, Level
from .validation.result import ValidationResult
from .workspace import Workspace

RESUBMISSION_HELD = "RESUBMISSION_HELD"


def uk_date(moment: datetime) -> date:
    """The date in the UK of an aware moment (UTC when no time zone database is installed).

    Decides whether a resubmission is held; ingest and the quarter status use it too.
    """
    try:
        from zoneinfo import ZoneInfo

        return moment.astimezone(ZoneInfo("Europe/London")).date()
    except Exception:
        return moment.astimezone(timezone.utc).date()


def held_finding(result: ValidationResult, received_at: datetime,
                 current: Submission) -> Finding:
    """The RESUBMISSION_HELD query explaining why ``result`` is held rather than applied."""
    following = result.period.next()
    day = uk_date(received_at)
    return Finding(
        RESUBMISSION_HELD, Level.QUERY,
        f"This {result.kind} return for {result.period.label} arrived on {day:%d %b %Y}, after "
        f"the following quarter {following.label} had ended on {following.end:%d %b %Y}; it "
        f"would replace version {current.version}, already accepted, so it is held for a "
        "decision instead of being applied.",
        "The contract manager decides: apply it (the figures are restated) or decline it.",
        file=result.file, value=result.period.label)


@dataclass
class HeldResolution:
    """What resolving a held return did. ``str()`` gives a few lines for a terminal."""

    submission: Submission  # after the decision (accepted or declined)
    superseded: Submission | None  # the return it replaced, when applied
    restatements: list[Restatement]

    @property
    def applied(self) -> bool:
        return self.submission.status == ACCEPTED

    def lines(self) -> list[str]:
        s = self.submission
        what = f"{describe_submission(s)}"
        if not self.applied:
            return [f"Declined {what}.",
                    "It stays in the archive and the ledger, but its figures are not used."]
        out = [f"Applied {what}."]
        if self.superseded is not None:
            out.append(f"It supersedes version {self.superseded.version} "
                       f"(submission #{self.superseded.id}, {self.superseded.original_name}).")
        if self.restatements:
            out.append(f"{len(self.restatements)} figure(s) restated:")
            out += [f"  {r.item}: {_shown(r.old_value)} -> {_shown(r.new_value)}"
                    for r in self.restatements]
        else:
            out.append("No figure changed.")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def describe_submission(s: Submission) -> str:
    """``#7 VS-001 performance 2026-27 Q3 v2, 'file.xlsx', received 12 Apr 2027, sha 0123456789ab``."""
    period = s.period.label if s.period else "unknown period"
    version = f" v{s.version}" if s.version else ""
    return (f"#{s.id} {s.contract_id or 'unidentified'} {s.kind or 'return'} {period}{version}, "
            f"'{s.original_name}', received {uk_date(s.received_at):%d %b %Y}, "
            f"sha {s.short_sha}")


def _shown(value: str | None) -> str:
    return "blank" if value is None else value


def held_returns(workspace: Workspace) -> list[Submission]:
    """Returns waiting for a decision, oldest first ([] when there is no ledger)."""
    if not workspace.ledger_path.is_file():
        return []
    conn = db.connect(workspace.ledger_path, readonly=True)
    try:
        return held_submissions(conn)
    finally:
        conn.close()


def list_held(workspace: Workspace) -> list[str]:
    """One line per held return (``describe_submission``), oldest first, for a terminal."""
    return [describe_submission(s) for s in held_returns(workspace)]


def resolve_held(workspace: Workspace, submission_ref: str | int, apply: bool) -> HeldResolution:
    """Apply (supersede as usual, with restatements) or decline a held return.

    ``submission_ref`` is a submission id or a sha256 prefix (6+ hex digits). Raises
    UsageError when it matches no held return, or more than one.
    """
    if not workspace.ledger_path.is_file():
        raise UsageError(f"{workspace.root}: no ledger here, so nothing is held")
    with workspace_lock(workspace):
        conn = db.connect(workspace.ledger_path)
        try:
            matches = find_submissions(conn, submission_ref)
            held = [s for s in matches if s.status == HELD]
            if not held:
                what = (f"it is {matches[0].status}" if len(matches) == 1
                        else "nothing in the ledger matches it")
                raise UsageError(f"'{submission_ref}' is not a held return ({what}); "
                                 "list the held returns to see their ids")
            if len(held) > 1:
                raise UsageError(f"'{submission_ref}' matches {len(held)} held returns "
                                 f"(ids {', '.join(str(s.id) for s in held)}); give more of it")
            target = held[0]
            done = apply_held(conn, target.id) if apply else decline_held(conn, target.id)
            _settle_held_finding(conn, target.id)
            return HeldResolution(
                submission=submission_by_id(conn, target.id),
                superseded=submission_by_id(conn, done.superseded_id) if done.superseded_id
                else None,
                restatements=restatements_of(conn, target.id) if apply else [])
        finally:
            conn.close()


def _settle_held_finding(conn: sqlite3.Connection, submission_id: int) -> None:
    """The office's decision answers the RESUBMISSION_HELD query."""
    with db.transaction(conn):
        conn.execute("UPDATE findings SET explained = 1 WHERE submission_id = ? AND code = ?",
                     (submission_id, RESUBMISSION_HELD))
