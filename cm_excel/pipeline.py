"""The one place that knows the order of the stages.

    inbox → discover → safe to open? → already seen? → read → validate
          → accepted: archive (verified) → feedback if needed → record → remove from inbox
          → rejected: feedback → record → the file stays in the inbox, untouched

The order makes an interrupted run safe to repeat: a file is recorded only after its
archive copy is verified, an archive copy that is already there with the same bytes is
reused, a file already recorded as accepted is recognised by its sha256 and removed from
the inbox only once the archive is seen to hold identical bytes. A lock file in the
workspace keeps two ingests from running at once; SQLite transactions keep the ledger whole
whatever happens.

Progress reaches the caller through ``progress(event, **info)``; nothing here prints.
Events: ``ingest.start`` (files), ``ingest.file`` (name, index, total), ``ingest.outcome``
(outcome: FileOutcome), ``ingest.done`` (report); ``validate.file`` (name, index, total).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from enum import Enum
from pathlib import Path

from . import archive
from .errors import UsageError, WorkspaceError
from .intake.discover import discover
from .intake.reader import ReadFailure, read_return_bytes
from .intake.safety import check_bytes, load_bounded
from .ledger import db
from .ledger.queries import (ACCEPTED, HELD, REJECTED, SUPERSEDED, LedgerHistory, Restatement,
                             Submission, current_submission, find_submissions, findings_of,
                             held_submissions, next_version, restatements_of, submission_by_id,
                             submission_by_sha, submissions_of)
from .ledger.record import Recorded, apply_held, decline_held, record, set_feedback_path
from .periods import Period, return_deadline
from .register.model import Register
from .reports.feedback import feedback_path, needs_feedback, write_feedback
from .templates.contract import KINDS
from .validation.findings import Finding, Level, sort_key
from .validation.result import History, NoHistory, ValidationResult
from .validation.validate import validate_return
from .workspace import Workspace

Progress = Callable[..., None]
LOCK_NAME = ".cm-excel.lock"
FIRST_PROBLEMS = 3  # problems shown per file in a report
RESUBMISSION_HELD = "RESUBMISSION_HELD"


def _quiet(event: str, **info) -> None:
    pass


class Outcome(str, Enum):
    ACCEPTED = "accepted"
    ACCEPTED_WITH_NOTES = "accepted with queries or warnings"
    REJECTED = "rejected"
    HELD = "held"
    DUPLICATE = "duplicate"
    SKIPPED = "skipped"

    def __str__(self) -> str:
        return self.value


@dataclass
class FileOutcome:
    """What happened to one inbox file in one run."""

    name: str
    path: Path
    outcome: Outcome
    note: str = ""  # one sentence for people (why skipped, duplicate of what, held why)
    contract_id: str | None = None
    period: Period | None = None
    kind: str | None = None
    submission_id: int | None = None
    version: int | None = None
    superseded_version: int | None = None  # the version this one replaced
    restatements: int = 0
    errors: int = 0
    queries: int = 0
    warnings: int = 0
    problems: list[Finding] = field(default_factory=list)  # the first few, worst first
    feedback_path: Path | None = None
    archive_path: Path | None = None
    received_at: datetime | None = None
    removed_from_inbox: bool = False


@dataclass
class IngestReport:
    """Every inbox file's outcome, in the order they were handled."""

    workspace: Path
    started_at: datetime
    files: list[FileOutcome] = field(default_factory=list)

    def of(self, outcome: Outcome) -> list[FileOutcome]:
        return [f for f in self.files if f.outcome is outcome]

    def counts(self) -> dict[str, int]:
        """Outcome → number of files, every outcome listed (zeros included)."""
        return {str(o): len(self.of(o)) for o in Outcome}

    @property
    def accepted(self) -> list[FileOutcome]:
        return self.of(Outcome.ACCEPTED) + self.of(Outcome.ACCEPTED_WITH_NOTES)

    @property
    def rejected(self) -> list[FileOutcome]:
        return self.of(Outcome.REJECTED)

    @property
    def held(self) -> list[FileOutcome]:
        return self.of(Outcome.HELD)


# --- the workspace lock ---------------------------------------------------------------------


@contextmanager
def workspace_lock(workspace: Workspace):
    """Hold the workspace's lock file for the duration, or raise WorkspaceError at once.

    The operating system releases the lock when the process ends, however it ends, so a
    crashed run never leaves the workspace locked. The file itself stays (deleting lock
    files races with the next run).
    """
    path = workspace.root / LOCK_NAME
    fh = open(path, "a+b")
    try:
        try:
            _lock(fh)
        except OSError:
            raise WorkspaceError(
                f"{workspace.root}: another cm-excel run is working on this workspace; wait "
                "for it to finish and try again") from None
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()} since {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S}"
                     " UTC\n".encode())
            fh.flush()
            yield
        finally:
            _unlock(fh)
    finally:
        fh.close()


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fh):
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(fh):
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _lock(fh):
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fh):
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


# --- checking one file ------------------------------------------------------------------------


def max_bytes_of(register: Register) -> int:
    return int(register.settings.max_file_size_mb * 1024 * 1024)


def check_one(path: Path, register: Register, history: History, *, max_bytes: int,
              received_at: datetime | None = None) -> ValidationResult:
    """Open safely, read and validate one file; never raises for a bad file.

    A file that is not safe to open, or cannot be read, gives a result with one error
    finding carrying the safety code (OPEN_...) and its sentence. Safety notes (external
    links, data connections, embedded objects) are added as warnings.
    """
    data, refusal = load_bounded(path, max_bytes=max_bytes)
    sha = hashlib.sha256(data).hexdigest() if data is not None else _sha_or_blank(path)
    return _check_loaded(path, data, refusal, sha, register, history, max_bytes=max_bytes,
                         received_at=received_at)


def _sha_or_blank(path: Path) -> str:
    try:
        return archive.sha256_file(path)
    except OSError:
        return ""


def _check_loaded(path: Path, data: bytes | None, refusal, sha: str, register: Register,
                  history: History, *, max_bytes: int,
                  received_at: datetime | None) -> ValidationResult:
    """``check_one`` on bytes already read once (so the bytes checked, read and hashed are
    the same bytes)."""

    name = path.name

    def refused(findings: list[Finding]) -> ValidationResult:
        return ValidationResult(file=name, path=str(path), sha256=sha, findings=findings)

    if data is None:
        return refused(refusal.findings(name))
    verdict = check_bytes(data, max_bytes=max_bytes)
    if not verdict.ok:
        return refused(verdict.findings(name))
    try:
        wb = read_return_bytes(data, path=str(path), name=name)
    except ReadFailure as exc:
        return refused([exc.finding(name)])
    except Exception as exc:  # a reader bug must not stop the run; the file is refused
        return refused([ReadFailure(type(exc).__name__).finding(name)])
    result = validate_return(wb, register, history, received_at=received_at)
    known = {(f.code, f.sheet, f.cell) for f in result.findings}
    result.findings += [n for n in verdict.findings(name)
                        if (n.code, n.sheet, n.cell) not in known]
    return result


def validate_paths(paths: Iterable[str | os.PathLike], register: Register, *,
                   workspace: Workspace | None = None, max_bytes: int | None = None,
                   progress: Progress | None = None) -> list[ValidationResult]:
    """Check returns without recording anything: files, or folders (their files, as the
    inbox is read). History comes from the workspace's ledger, read-only, when there is one.

    Raises UsageError for a path that does not exist.
    """
    progress = progress or _quiet
    max_bytes = max_bytes if max_bytes is not None else max_bytes_of(register)
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files += [i.path for i in discover(p) if i.action == "read"]
        elif p.is_file():
            files.append(p)
        else:
            raise UsageError(f"{p}: no such file or folder")
    conn = None
    if workspace is not None and workspace.ledger_path.is_file():
        conn = db.connect(workspace.ledger_path, readonly=True)
    history: History = LedgerHistory(conn) if conn is not None else NoHistory()
    try:
        results = []
        for i, path in enumerate(files, start=1):
            progress("validate.file", name=path.name, index=i, total=len(files))
            results.append(check_one(path, register, history, max_bytes=max_bytes))
        return results
    finally:
        if conn is not None:
            conn.close()


# --- ingesting the inbox -------------------------------------------------------------------------


def ingest(workspace: Workspace, register: Register, *, now: datetime | None = None,
           progress: Progress | None = None) -> IngestReport:
    """Read, validate and record every return in the inbox; see the module docstring.

    Raises WorkspaceError when another run holds the workspace, or when the archive or
    ledger cannot be written (nothing half-done is left: the run can be repeated).
    """
    progress = progress or _quiet
    now = (now or datetime.now(timezone.utc))
    now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    workspace.ensure_folders()
    report = IngestReport(workspace.root, now)
    with workspace_lock(workspace):
        items = discover(workspace.inbox)
        skipped = [i for i in items if i.action != "read"]
        # Oldest first, so that of two returns for the same quarter the later one supersedes.
        readable = sorted((i for i in items if i.action == "read"),
                          key=lambda i: (_mtime(i.path) or now, i.name))
        progress("ingest.start", files=len(items))
        conn = db.connect(workspace.ledger_path)
        try:
            run = _Run(workspace, register, conn, now)
            total = len(items)
            for index, item in enumerate(skipped + readable, start=1):
                progress("ingest.file", name=item.name, index=index, total=total)
                if item.action != "read":
                    outcome = FileOutcome(item.name, item.path, Outcome.SKIPPED, note=item.note)
                else:
                    outcome = run.one(item.path)
                report.files.append(outcome)
                progress("ingest.outcome", outcome=outcome)
        finally:
            conn.close()
    progress("ingest.done", report=report)
    return report


def _mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
    except OSError:
        return None


def uk_date(moment: datetime) -> date:
    """The date in the UK of an aware moment (UTC when no time zone database is installed)."""
    try:
        from zoneinfo import ZoneInfo

        return moment.astimezone(ZoneInfo("Europe/London")).date()
    except Exception:
        return moment.astimezone(timezone.utc).date()


class _Run:
    """One ingest: the workspace, register, ledger connection and the run's time."""

    def __init__(self, workspace: Workspace, register: Register, conn: sqlite3.Connection,
                 now: datetime):
        self.ws, self.register, self.conn, self.now = workspace, register, conn, now
        self.history = LedgerHistory(conn)
        self.max_bytes = max_bytes_of(register)

    def one(self, path: Path) -> FileOutcome:
        received_at = _mtime(path)
        if received_at is None:
            return FileOutcome(path.name, path, Outcome.SKIPPED,
                               note="skipped: it disappeared from the inbox during the run")
        data, refusal = load_bounded(path, max_bytes=self.max_bytes)
        try:
            sha = hashlib.sha256(data).hexdigest() if data is not None else \
                archive.sha256_file(path)
        except OSError as exc:
            return FileOutcome(path.name, path, Outcome.SKIPPED, received_at=received_at,
                               note=f"skipped: it could not be read ({exc.strerror}); it will "
                                    "be tried again on the next run")
        seen = submission_by_sha(self.conn, sha)
        if seen is not None and seen.status != REJECTED:
            return self._kept_duplicate(path, seen, received_at)

        result = _check_loaded(path, data, refusal, sha, self.register, self.history,
                               max_bytes=self.max_bytes, received_at=received_at)
        replaces = None
        if seen is not None:  # rejected before: checked again, in case the register changed
            if result.status == REJECTED and _same_problems(result, findings_of(self.conn, seen.id)):
                return self._rejected_duplicate(path, seen, result, received_at)
            replaces = seen.id
        if result.status == ACCEPTED:
            return self._accept(path, result, received_at, replaces)
        return self._reject(path, result, received_at, replaces)

    # -- outcomes --

    def _accept(self, path: Path, result: ValidationResult, received_at: datetime,
                replaces: int | None) -> FileOutcome:
        current = current_submission(self.conn, result.contract_id, result.period, result.kind)
        extra: list[Finding] = []
        status = ACCEPTED
        if current is not None and uk_date(received_at) > result.period.next().end:
            status = HELD
            extra.append(_held_finding(result, received_at, current))
        version = next_version(self.conn, result.contract_id, result.period, result.kind)
        target = archive.archive_target(self.ws, result.period, result.contract_id, result.kind,
                                        version, result.sha256)
        try:
            copy = archive.archive_copy(self.ws, path, target, result.sha256)
        except archive.SourceChanged:
            return FileOutcome(path.name, path, Outcome.SKIPPED, received_at=received_at,
                               note="skipped: the file changed while it was being read; "
                                    "it will be read on the next run")
        fb = self._feedback(result, copy.path) if needs_feedback(result) else None
        done = record(self.conn, result, status=status, version=version, received_at=received_at,
                      ingested_at=self.now, archive_path=copy.relative,
                      feedback_path=self._rel(fb), extra_findings=extra, replaces=replaces)
        removed = archive.remove_archived(path, copy.path, result.sha256)
        if status == HELD:
            outcome, note = Outcome.HELD, extra[0].message
        elif result.findings:
            outcome, note = Outcome.ACCEPTED_WITH_NOTES, ""
        else:
            outcome, note = Outcome.ACCEPTED, ""
        if not removed:
            note = _join(note, "the archive copy is verified, but the inbox file was saved over "
                               "meanwhile, so it was left in the inbox")
        return self._outcome(path, outcome, result, done, received_at, fb, copy.path,
                             removed=removed, note=note)

    def _reject(self, path: Path, result: ValidationResult, received_at: datetime,
                replaces: int | None) -> FileOutcome:
        # Feedback before the ledger: if the run stops in between, the next run rewrites it.
        fb = self._feedback(result, path)
        done = record(self.conn, result, status=REJECTED, received_at=received_at,
                      ingested_at=self.now, feedback_path=self._rel(fb), replaces=replaces)
        note = "checked again: the problems have changed" if replaces else ""
        return self._outcome(path, Outcome.REJECTED, result, done, received_at, fb, None,
                             note=note)

    def _rejected_duplicate(self, path: Path, seen: Submission, result: ValidationResult,
                            received_at: datetime) -> FileOutcome:
        fb = self.ws.root / seen.feedback_path if seen.feedback_path else None
        if fb is None or not fb.is_file():  # lost, or the last run stopped before writing it
            fb = self._feedback(result, path)
            if fb is not None:
                set_feedback_path(self.conn, seen.id, self._rel(fb))
        out = self._from_submission(path, seen, Outcome.DUPLICATE, received_at)
        out.feedback_path = fb
        out.problems = sorted(result.findings, key=sort_key)[:FIRST_PROBLEMS]
        out.note = f"already rejected, see feedback{f' {self._rel(fb)}' if fb else ''}"
        return out

    def _kept_duplicate(self, path: Path, seen: Submission,
                        received_at: datetime) -> FileOutcome:
        """The same bytes as a return already accepted (or held, superseded, declined)."""
        out = self._from_submission(path, seen, Outcome.DUPLICATE, received_at)
        if not seen.archive_path:
            out.note = (f"same file as submission {seen.id} ({seen.status}); left in the inbox "
                        "because the ledger names no archive copy")
            return out
        archived = self.ws.root / seen.archive_path
        try:
            if not archived.exists():  # someone removed it: put the identical bytes back
                archive.archive_copy(self.ws, path, archived, seen.sha256)
        except archive.ArchiveError as exc:
            out.note = f"same file as submission {seen.id}; left in the inbox: {exc}"
            return out
        out.archive_path = archived
        if archive.holds(self.ws, seen.archive_path, seen.sha256) and \
                archive.remove_archived(path, archived, seen.sha256):
            out.removed_from_inbox = True
            out.note = (f"already received ({seen.status}, version {seen.version}); "
                        "not counted twice, removed from the inbox (the archive holds it)")
        else:
            out.note = (f"same file as submission {seen.id} ({seen.status}), but the archive "
                        f"copy {seen.archive_path} differs; left in the inbox")
        return out

    # -- helpers --

    def _feedback(self, result: ValidationResult, source: Path) -> Path | None:
        target = feedback_path(self.ws, result)
        opened = not any(f.code.startswith("OPEN_") and f.level is Level.ERROR
                         for f in result.findings)
        return write_feedback(result, target, source=source if opened else None)

    def _rel(self, path: Path | None) -> str | None:
        return archive.relative_to_workspace(self.ws, path) if path else None

    def _outcome(self, path, outcome, result: ValidationResult, done: Recorded, received_at,
                 fb, archived, *, removed=False, note="") -> FileOutcome:
        return FileOutcome(
            path.name, path, outcome, note=note, contract_id=result.contract_id,
            period=result.period, kind=result.kind, submission_id=done.submission_id,
            version=done.version, superseded_version=done.superseded_version,
            restatements=done.restatements, errors=result.count(Level.ERROR),
            queries=result.count(Level.QUERY), warnings=result.count(Level.WARNING),
            problems=sorted(result.findings, key=sort_key)[:FIRST_PROBLEMS], feedback_path=fb,
            archive_path=archived, received_at=received_at, removed_from_inbox=removed)

    def _from_submission(self, path, seen: Submission, outcome, received_at) -> FileOutcome:
        return FileOutcome(
            path.name, path, outcome, contract_id=seen.contract_id, period=seen.period,
            kind=seen.kind, submission_id=seen.id, version=seen.version, errors=seen.errors,
            queries=seen.queries, warnings=seen.warnings, received_at=received_at)


def _same_problems(result: ValidationResult, recorded: list[Finding]) -> bool:
    def key(findings):
        return sorted((f.code, str(f.level), f.sheet or "", f.cell or "") for f in findings)

    return key(result.findings) == key(recorded)


def _held_finding(result: ValidationResult, received_at: datetime,
                  current: Submission) -> Finding:
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


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


# --- held resubmissions ---------------------------------------------------------------------------


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


# --- status of a quarter -----------------------------------------------------------------------------


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
    return StatusReport(period, as_of, deadline, rows, unexpected)


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


# --- consolidation ------------------------------------------------------------------------------


def consolidate(workspace: Workspace, register: Register, period: Period, *, as_of: date,
                now: datetime | None = None, progress=None):
    """Ingest the inbox, then write the quarter's SMG workbook and cover note.

    Returns (IngestReport, ConsolidationResult). Rejected or missing returns are reported in
    the workbook, not raised.
    """
    from .reports.consolidate import consolidate_quarter

    report = ingest(workspace, register, now=now, progress=progress)
    result = consolidate_quarter(workspace, register, period, as_of=as_of, progress=progress)
    return report, result
