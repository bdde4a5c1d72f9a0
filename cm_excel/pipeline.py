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
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from enum import Enum
from pathlib import Path

from . import archive, parallel
from .errors import UsageError
from .held import held_finding, uk_date
from .intake.discover import discover
from .intake.reader import ReadFailure, read_return_bytes
from .intake.safety import check_bytes, load_bounded
from .ledger import db
from .ledger.queries import (ACCEPTED, HELD, REJECTED, LedgerHistory, Submission,
                             current_submission, findings_of, next_version, submission_by_sha)
from .ledger.record import Recorded, record, set_feedback_path
from .lock import workspace_lock
from .periods import Period
from .register.model import Register
from .reports.feedback import feedback_path, needs_feedback, write_feedback
from .findings import Finding, Level, sort_key
from .validation.result import History, NoHistory, ValidationResult
from .validation.validate import validate_return
from .workspace import Workspace

Progress = Callable[..., None]
FIRST_PROBLEMS = 3  # problems shown per file in a report


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
        wb = read_return_bytes(data, path=str(path), name=name, structure=verdict.structure,
                               sha256=verdict.sha256)
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
        ahead = _validate_ahead(files, register, conn, workspace, max_bytes)
        for i, (path, done) in enumerate(zip(files, ahead), start=1):
            progress("validate.file", name=path.name, index=i, total=len(files))
            results.append(done.result if done is not None else
                           check_one(path, register, history, max_bytes=max_bytes))
        return results
    finally:
        if conn is not None:
            conn.close()


def _validate_ahead(files: list[Path], register: Register, conn, workspace, max_bytes: int):
    """Each file's check by a worker process (see ``parallel``), or None to check it here."""
    workers = parallel.workers_for(len(files))
    if workers <= 1:
        return [None] * len(files)
    ledger = workspace.ledger_path if conn is not None else None
    return parallel.check_files([(p, None) for p in files], register, ledger_path=ledger,
                                max_bytes=max_bytes, workers=workers)


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
            run.prechecks = parallel.ingest_prechecks(
                [i.path for i in readable], _mtime, register, ledger_path=workspace.ledger_path,
                max_bytes=run.max_bytes)
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


class _Run:
    """One ingest: the workspace, register, ledger connection and the run's time."""

    def __init__(self, workspace: Workspace, register: Register, conn: sqlite3.Connection,
                 now: datetime):
        self.ws, self.register, self.conn, self.now = workspace, register, conn, now
        self.history = LedgerHistory(conn)
        self.max_bytes = max_bytes_of(register)
        self.prechecks = parallel.Prechecks()  # files checked ahead by worker processes

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

        result = self.prechecks.take(path, sha, received_at) or _check_loaded(
            path, data, refusal, sha, self.register, self.history, max_bytes=self.max_bytes,
            received_at=received_at)
        self.prechecks.note_recorded(result)
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
            extra.append(held_finding(result, received_at, current))
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


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


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
