"""Held returns: a return that may be the wrong file waits for a person instead of being applied.

Ingest records a return as held, with a query saying why (``hold_findings``), when:

- RESUBMISSION_HELD: it replaces a return already accepted and arrives after the
  following quarter has ended (it would restate figures already reported);
- FILE_NAME_MISMATCH: its file name clearly names another contract ID of the register, or
  another quarter or financial year, than its metadata (``intake.file_name``); names that
  say nothing of the kind are fine;
- RESUBMISSION_MOSTLY_CHANGED: it replaces an accepted return and more than half of the
  provider's figures compared (KPI numerators, denominators and actuals; quarter and
  year-to-date actuals and forecast outturns), and at least three, differ from it: more
  like another quarter's figures than a correction.

The contract manager then lists the held returns and applies or declines each one; the
decision answers the query.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone

from .errors import UsageError
from .ledger import db
from .intake.file_name import name_claims
from .ledger.queries import (ACCEPTED, HELD, KPI_FIGURES, LINE_FIGURES, Restatement, Submission,
                             figures_of, find_submissions, findings_of, held_submissions,
                             restatements_of, submission_by_id)
from .ledger.record import apply_held, decline_held
from .lock import workspace_lock
from .findings import Finding, Level
from .periods import fy_label
from .portfolio.rag import day as day_words
from .validation.result import ValidationResult
from .workspace import Workspace

RESUBMISSION_HELD = "RESUBMISSION_HELD"
FILE_NAME_MISMATCH = "FILE_NAME_MISMATCH"
RESUBMISSION_MOSTLY_CHANGED = "RESUBMISSION_MOSTLY_CHANGED"
HOLD_CODES = (RESUBMISSION_HELD, FILE_NAME_MISMATCH, RESUBMISSION_MOSTLY_CHANGED)
MOSTLY_CHANGED_SHARE = 0.5  # held when more than this share of the figures changed ...
MOSTLY_CHANGED_MIN = 3  # ... and at least this many


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
        f"This {result.kind} return for {result.period.label} arrived on {day_words(day)}, after "
        f"the following quarter {following.label} had ended on {day_words(following.end)}; it "
        f"would replace version {current.version}, already accepted, so it is held for a "
        "decision instead of being applied.",
        "The contract manager decides: apply it (the figures are restated) or decline it.",
        file=result.file, value=result.period.label)


def hold_findings(conn: sqlite3.Connection, result: ValidationResult, file_name: str,
                  received_at: datetime, current: Submission | None,
                  contract_ids: Iterable[str]) -> list[Finding]:
    """Why an acceptable return should be held rather than applied ([] to apply it):
    RESUBMISSION_HELD, FILE_NAME_MISMATCH, RESUBMISSION_MOSTLY_CHANGED (see the module)."""
    out = []
    if current is not None and uk_date(received_at) > result.period.next().end:
        out.append(held_finding(result, received_at, current))
    out += name_findings(result, file_name, contract_ids)
    if current is not None:
        out += mostly_changed_findings(result, figures_of(conn, current.id), current)
    return out


def name_findings(result: ValidationResult, file_name: str,
                  contract_ids: Iterable[str]) -> list[Finding]:
    """FILE_NAME_MISMATCH queries: the name names another contract, quarter or year."""
    claims = name_claims(file_name, contract_ids)
    what = f"its metadata says it is {result.contract_id}'s {result.kind} return for " \
           f"{result.period.label}"
    said = []
    if claims.contract_ids and result.contract_id not in claims.contract_ids:
        said.append("contract " + " and ".join(sorted(claims.contract_ids)))
    if claims.quarters and result.period.quarter not in claims.quarters:
        said.append(" and ".join(f"Q{q}" for q in sorted(claims.quarters)))
    if claims.fys and result.period.fy not in claims.fys:
        said.append(" and ".join(fy_label(fy) for fy in sorted(claims.fys)))
    if not said:
        return []
    return [Finding(
        FILE_NAME_MISMATCH, Level.QUERY,
        f"The file name '{file_name}' names {', '.join(said)}, but {what}; it may be the "
        "wrong file, so it is held for a decision instead of being applied.",
        "The contract manager checks the file with the provider, then applies or declines it.",
        file=result.file, value=file_name)]


def mostly_changed_findings(result: ValidationResult, accepted: dict[str, float | None],
                            current: Submission) -> list[Finding]:
    """RESUBMISSION_MOSTLY_CHANGED when most of the figures differ from the accepted ones."""
    new = result_figures(result)
    compared = [k for k in dict.fromkeys([*accepted, *new])
                if accepted.get(k) is not None or new.get(k) is not None]
    changed = [k for k in compared if not _same(accepted.get(k), new.get(k))]
    if len(changed) < MOSTLY_CHANGED_MIN or len(changed) <= MOSTLY_CHANGED_SHARE * len(compared):
        return []
    return [Finding(
        RESUBMISSION_MOSTLY_CHANGED, Level.QUERY,
        f"This {result.kind} return for {result.contract_id} {result.period.label} would replace "
        f"version {current.version}, already accepted, but {len(changed)} of its "
        f"{len(compared)} figures differ from it: more like another quarter's return than a "
        "correction, so it is held for a decision instead of being applied.",
        "The contract manager checks the file with the provider, then applies or declines it.",
        file=result.file, value=f"{len(changed)}/{len(compared)}")]


def result_figures(result: ValidationResult) -> dict[str, float | None]:
    """The figures of a validated return, keyed as ``ledger.queries.figures_of`` keys them."""
    out: dict[str, float | None] = {}
    for k in result.kpis:
        out.update({f"{k.kpi_code} {f}": getattr(k, f) for f in KPI_FIGURES})
    for line in result.lines:
        out.update({f"{line.budget_line} {f}": getattr(line, f) for f in LINE_FIGURES})
    return out


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


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
    """Lines for a terminal, oldest first: each held return (``describe_submission``), then
    why it is held, one indented line per reason."""
    if not workspace.ledger_path.is_file():
        return []
    conn = db.connect(workspace.ledger_path, readonly=True)
    try:
        lines = []
        for s in held_submissions(conn):
            lines.append(describe_submission(s))
            lines += [f"    held: {f.message}" for f in findings_of(conn, s.id)
                      if f.code in HOLD_CODES]
        return lines
    finally:
        conn.close()


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
    """The office's decision answers the queries that held it."""
    with db.transaction(conn):
        conn.executemany(
            "UPDATE findings SET explained = 1 WHERE submission_id = ? AND code = ?",
            [(submission_id, code) for code in HOLD_CODES])
