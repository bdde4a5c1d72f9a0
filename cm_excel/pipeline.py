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

import errno
import hashlib
import logging
import os
import sqlite3
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from enum import Enum
from pathlib import Path

from . import archive, parallel
from .errors import UsageError
from .held import hold_findings
from .intake.discover import discover
from .intake.reader import ReadFailure, read_return_bytes
from .intake.safety import check_bytes, load_bounded
from .ledger import db
from .ledger.queries import (ACCEPTED, HELD, REJECTED, LedgerHistory, Submission,
                             current_submission, findings_of, next_version, submission_by_sha)
from .ledger.record import Recorded, forget_rejected, record, set_feedback_path
from .lock import workspace_lock
from .periods import Period, has_ended
from .register.model import Register
from .reports.feedback import feedback_path, needs_feedback, write_feedback
from .findings import Finding, Level, sort_key
from .validation.result import History, NoHistory, ValidationResult
from .validation.validate import validate_return
from .workspace import Workspace
from .atomic import remove_leftovers
from .commit_group import CommitGroup
from .crashpoints import crashpoint
from .environment import environment_failure, in_folder

Progress = Callable[..., None]
FIRST_PROBLEMS = 3  # problems shown per file in a report
REJECTED_FOLDER = "rejected"  # inbox/rejected/: rejected files a later version has replaced
log = logging.getLogger(__name__)


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
              received_at: datetime | None = None, loaded=None) -> ValidationResult:
    """Open safely, read and validate one file; never raises for a bad file.

    A file that is not safe to open, or cannot be read, gives a result with one error
    finding carrying the safety code (OPEN_...) and its sentence. Safety notes (external
    links, data connections, embedded objects) are added as warnings. ``loaded`` is
    ``load_bounded``'s answer for ``path`` when the caller has read it already.
    """
    try:
        data, refusal = loaded or load_bounded(path, max_bytes=max_bytes)
        sha = hashlib.sha256(data).hexdigest() if data is not None else _sha_or_blank(path)
        return _check_loaded(path, data, refusal, sha, register, history, max_bytes=max_bytes,
                             received_at=received_at)
    except Exception as exc:  # one file's surprise never stops the checks of the others
        name = text_name(path)
        log.debug("%s: could not be checked", name, exc_info=True)
        return ValidationResult(file=name, path=str(path), sha256=_sha_or_blank(path),
                                findings=[ReadFailure(type(exc).__name__).finding(name)])


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

    name = text_name(path)

    def refused(findings: list[Finding]) -> ValidationResult:
        return ValidationResult(file=name, path=str(path), sha256=sha, findings=findings)

    if data is None:
        return refused(refusal.findings(name))
    verdict = check_bytes(data, max_bytes=max_bytes, sha256=sha)
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


def text_name(path: Path) -> str:
    """The file's name as text that can be stored and shown: bytes that are not UTF-8 (a
    name from a zip made with another code page) become U+FFFD."""
    name = path.name
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", errors="replace")


def what_path_is(p: Path) -> str | None:
    """None for a file or folder to check; else a sentence saying what the path is."""
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        return f"{p}: no such file or folder"
    except OSError as exc:
        return f"{p}: cannot be examined ({exc.strerror})"
    if stat.S_ISLNK(st.st_mode):
        try:
            os.stat(p)
        except FileNotFoundError:
            return (f"{p}: a link to {os.readlink(p)}, which does not exist (a dangling "
                    "link); give the file itself")
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return f"{p}: a link that leads back to itself (a link loop); give the file itself"
            return f"{p}: a link that cannot be followed ({exc.strerror})"
        st = os.stat(p)
    if stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode):
        return None
    if stat.S_ISFIFO(st.st_mode):
        kind = "a named pipe (FIFO)"
    elif stat.S_ISSOCK(st.st_mode):
        kind = "a socket"
    elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        kind = "a device"
    else:
        kind = "not a regular file"
    return f"{p}: {kind}, not a file; only Excel workbooks (.xlsx) are checked"


def validate_paths(paths: Iterable[str | os.PathLike], register: Register, *,
                   workspace: Workspace | None = None, max_bytes: int | None = None,
                   progress: Progress | None = None) -> list[ValidationResult]:
    """Check returns without recording anything: files, or folders (their files, as the
    inbox is read). History comes from the workspace's ledger, read-only, when there is one.

    Raises UsageError for a path that does not exist or is not a file or folder (a pipe, a
    dangling link, a link loop), saying what it is.
    """
    progress = progress or _quiet
    max_bytes = max_bytes if max_bytes is not None else max_bytes_of(register)
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        odd = what_path_is(p)
        if odd:
            raise UsageError(odd)
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
            result = (done.result if done is not None else
                      check_one(path, register, history, max_bytes=max_bytes))
            result.sheet_values = None  # no feedback here: let go of the file's cells
            results.append(result)
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
        _remove_leftovers(workspace)
        items = [i for i in discover(workspace.inbox)  # inbox/rejected/ is ours: not listed
                 if not (i.name == REJECTED_FOLDER and i.path.is_dir())]
        skipped = [i for i in items if i.action != "read"]
        # Oldest first, so that of two returns for the same quarter the later one supersedes.
        readable = sorted((i for i in items if i.action == "read"),
                          key=lambda i: (_mtime(i.path) or now, i.name))
        progress("ingest.start", files=len(items))
        conn = db.connect(workspace.ledger_path)
        run = _Run(workspace, register, conn, now)
        try:
            run.prechecks = parallel.ingest_prechecks(
                [i.path for i in readable], _mtime, register, ledger_path=workspace.ledger_path,
                max_bytes=run.max_bytes, workspace_root=workspace.root)
            total = len(items)
            done: list[tuple[int, str, FileOutcome]] = []  # reported once their group commits
            for index, item in enumerate(skipped + readable, start=1):
                if item.action != "read":
                    outcome = FileOutcome(item.name, item.path, Outcome.SKIPPED, note=item.note)
                else:
                    outcome = run.one_safely(item.path)
                done.append((index, item.name, outcome))
                if run.group.due():
                    run.group.commit()
                    _report(done, report, progress, total)
            run.group.commit()
            _report(done, report, progress, total)
            run.put_aside_superseded(report)
        except (sqlite3.Error, OSError) as exc:  # outside one file: ledger or archive unwritable
            failure = environment_failure(exc, ledger=workspace.ledger_path)
            if failure is None:
                raise
            raise failure from exc
        finally:
            pooled = run.prechecks.pooled
            run.prechecks.close()
            run.group.abandon()  # a run failing mid-group: those files stay in the inbox
            conn.close()
            if pooled:  # archive copies the workers staged for files nobody took
                remove_leftovers(workspace.archive)
    progress("ingest.done", report=report)
    return report


def _report(done: list[tuple[int, str, FileOutcome]], report: IngestReport, progress: Progress,
            total: int) -> None:
    """The outcomes of files whose group has committed, in order."""
    for index, name, outcome in done:
        progress("ingest.file", name=name, index=index, total=total)
        report.files.append(outcome)
        progress("ingest.outcome", outcome=outcome)
    done.clear()


def _mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
    except OSError:
        return None


def _remove_leftovers(workspace: Workspace) -> None:
    """Temporary files a killed run left (held lock: no other run is writing them)."""
    remove_leftovers(workspace.archive)
    remove_leftovers(workspace.outbox / "feedback")
    remove_leftovers(workspace.outbox, recursive=False)


class _Run:
    """One ingest: the workspace, register, ledger connection and the run's time."""

    def __init__(self, workspace: Workspace, register: Register, conn: sqlite3.Connection,
                 now: datetime):
        self.ws, self.register, self.conn, self.now = workspace, register, conn, now
        self.history = LedgerHistory(conn)
        self.max_bytes = max_bytes_of(register)
        self.prechecks = parallel.Prechecks()  # files checked ahead by worker processes
        self.group = CommitGroup(conn)  # files recorded, waiting for one commit

    def one_safely(self, path: Path) -> FileOutcome:
        """``one``, but nothing about one file stops the run: an unexpected failure makes the
        file rejected with a plain sentence (traceback logged, shown with --debug). A failure
        of the machine (full disk, read-only folder, ledger that cannot be written) stops the
        run with WorkspaceError instead: every later file would fail the same way."""
        try:
            crashpoint("ingest.file")
            with self.group.file():  # undone alone if it raises
                return self.one(path)
        except Exception as exc:
            failure = environment_failure(exc, ledger=self.ws.ledger_path)
            filename = getattr(exc, "filename", None)
            about_this_file = filename is not None and in_folder(filename, self.ws.inbox)
            if failure is not None and not about_this_file:
                raise failure from exc
            log.debug("%s: could not be processed", text_name(path), exc_info=True)
            why = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            return FileOutcome(
                text_name(path), path, Outcome.REJECTED,
                note=f"cm-excel could not process this file ({why}); it stays in the inbox and "
                     "is tried again on the next run (run with --debug for details, and please "
                     "report it)")

    def put_aside_superseded(self, report: IngestReport) -> None:
        """Move rejected files that a later accepted version of the same return has replaced
        out of the inbox, to ``inbox/rejected/`` (byte for byte), so no later run reports
        them again."""
        for out in report.files:
            if out.outcome not in (Outcome.REJECTED, Outcome.DUPLICATE) or \
                    out.submission_id is None or not (out.contract_id and out.period and out.kind):
                continue
            seen = submission_by_sha(self.conn, _sha_or_blank(out.path)) \
                if out.path.is_file() else None
            if seen is None or seen.id != out.submission_id or seen.status != REJECTED:
                continue
            current = current_submission(self.conn, out.contract_id, out.period, out.kind)
            if current is None or current.received_at <= seen.received_at:  # not later
                continue
            moved = _move_aside(out.path, self.ws.inbox / REJECTED_FOLDER)
            if moved is not None:
                out.path = moved
                out.feedback_path = None
                out.note = (f"moved to inbox/{REJECTED_FOLDER}/: version {current.version} of "
                            "this return has been accepted since")

    def _clear_unidentified(self, name: str, received_at: datetime) -> None:
        """A file of this name rejected earlier as unidentifiable (a half-copied file) is
        now accepted complete: forget the stale rejection and its feedback."""
        rows = self.conn.execute(
            "SELECT id, feedback_path, received_at FROM submissions WHERE status = ? AND "
            "contract_id IS NULL AND original_name = ?", (REJECTED, name)).fetchall()
        if (self.ws.inbox / name).exists():
            return
        for row in rows:
            if row["feedback_path"]:
                stale = self.ws.root / row["feedback_path"]
                if in_folder(stale, self.ws.outbox) and stale.is_file():
                    stale.unlink()
            forget_rejected(self.conn, row["id"])

    def one(self, path: Path) -> FileOutcome:
        try:
            return self._one(path)
        finally:
            self.prechecks.release(path)  # a staged archive copy this file did not use

    def _one(self, path: Path) -> FileOutcome:
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
        extra = hold_findings(self.conn, result, path.name, received_at, current,
                              self.register.contracts)
        status = HELD if extra else ACCEPTED
        version = next_version(self.conn, result.contract_id, result.period, result.kind)
        target = archive.archive_target(self.ws, result.period, result.contract_id, result.kind,
                                        version, result.sha256)
        try:
            copy = archive.archive_copy(self.ws, path, target, result.sha256,
                                        staged=self.prechecks.staged(path),
                                        sync_folder=self.group.sync_later)
        except archive.SourceChanged:
            return FileOutcome(path.name, path, Outcome.SKIPPED, received_at=received_at,
                               note="skipped: the file changed while it was being read; "
                                    "it will be read on the next run")
        crashpoint("ingest.archived")
        fb = self._feedback(result, copy.path) if needs_feedback(result) else None
        crashpoint("ingest.accepted_feedback")
        done = record(self.conn, result, status=status, version=version, received_at=received_at,
                      ingested_at=self.now, archive_path=copy.relative,
                      feedback_path=self._rel(fb), extra_findings=extra, replaces=replaces)
        crashpoint("ingest.recorded")
        if status == HELD:
            outcome, note = Outcome.HELD, _join(*(f.message for f in extra))
        elif result.findings:
            outcome, note = Outcome.ACCEPTED_WITH_NOTES, ""
        else:
            outcome, note = Outcome.ACCEPTED, ""
        out = self._outcome(path, outcome, result, done, received_at, fb, copy.path, note=note)
        self.group.then(lambda: self._remove_accepted(out, result.file, result.sha256))
        return out

    def _remove_accepted(self, out: FileOutcome, name: str, sha256: str) -> None:
        """After the commit: the inbox file goes, if it still holds the bytes archived."""
        removed, why = _remove_archived(out.path, out.archive_path, sha256)
        crashpoint("ingest.removed")
        out.removed_from_inbox = removed
        if removed:
            self._clear_unidentified(name, out.received_at)
        else:
            out.note = _join(out.note, why or "the archive copy is verified, but the inbox "
                             "file was saved over meanwhile, so it was left in the inbox")

    def _reject(self, path: Path, result: ValidationResult, received_at: datetime,
                replaces: int | None) -> FileOutcome:
        # Feedback before the ledger: if the run stops in between, the next run rewrites it.
        fb = self._feedback(result, path)
        crashpoint("ingest.rejected_feedback")
        done = record(self.conn, result, status=REJECTED, received_at=received_at,
                      ingested_at=self.now, feedback_path=self._rel(fb), replaces=replaces)
        crashpoint("ingest.rejected_recorded")
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
        if fb is not None and self._feedback_taken_since(seen, self._rel(fb)):
            fb = None  # that path now holds the feedback of a later version of the return
        out.feedback_path = fb
        out.problems = sorted(result.findings, key=sort_key)[:FIRST_PROBLEMS]
        out.note = f"already rejected, see feedback{f' {self._rel(fb)}' if fb else ''}"
        return out

    def _feedback_taken_since(self, seen: Submission, rel: str | None) -> bool:
        return rel is not None and self.conn.execute(
            "SELECT 1 FROM submissions WHERE feedback_path = ? AND id > ?",
            (rel, seen.id)).fetchone() is not None

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
        self.group.then(lambda: self._remove_duplicate(out, seen))
        return out

    @staticmethod
    def _remove_duplicate(out: FileOutcome, seen: Submission) -> None:
        """After the commit (``seen`` may be in the same group): the inbox file goes."""
        removed, why = _remove_archived(out.path, out.archive_path, seen.sha256)
        out.removed_from_inbox = removed
        if removed:
            out.note = (f"already received ({seen.status}, version {seen.version}); "
                        "not counted twice, removed from the inbox (the archive holds it)")
        else:
            out.note = why or (f"same file as submission {seen.id} ({seen.status}), but the "
                               f"archive copy {seen.archive_path} differs; left in the inbox")

    # -- helpers --

    def _feedback(self, result: ValidationResult, source: Path) -> Path | None:
        target = feedback_path(self.ws, result)
        opened = not any(f.code.startswith("OPEN_") and f.level is Level.ERROR
                         for f in result.findings)
        return write_feedback(result, target, copy_sheets=opened)

    def _rel(self, path: Path | None) -> str | None:
        return archive.relative_to_workspace(self.ws, path) if path else None

    def _outcome(self, path, outcome, result: ValidationResult, done: Recorded, received_at,
                 fb, archived, *, note="") -> FileOutcome:
        return FileOutcome(
            path.name, path, outcome, note=note, contract_id=result.contract_id,
            period=result.period, kind=result.kind, submission_id=done.submission_id,
            version=done.version, superseded_version=done.superseded_version,
            restatements=done.restatements, errors=result.count(Level.ERROR),
            queries=result.count(Level.QUERY), warnings=result.count(Level.WARNING),
            problems=sorted(result.findings, key=sort_key)[:FIRST_PROBLEMS], feedback_path=fb,
            archive_path=archived, received_at=received_at)

    def _from_submission(self, path, seen: Submission, outcome, received_at) -> FileOutcome:
        return FileOutcome(
            path.name, path, outcome, contract_id=seen.contract_id, period=seen.period,
            kind=seen.kind, submission_id=seen.id, version=seen.version, errors=seen.errors,
            queries=seen.queries, warnings=seen.warnings, received_at=received_at)


def _remove_archived(path: Path, archived: Path, sha256: str) -> tuple[bool, str | None]:
    """``archive.remove_archived``, with why the file stays when it cannot be removed."""
    try:
        return archive.remove_archived(path, archived, sha256), None
    except OSError as exc:
        return False, (f"recorded, but it could not be removed from the inbox "
                       f"({exc.strerror or exc}); the next run removes it")


def _same_problems(result: ValidationResult, recorded: list[Finding]) -> bool:
    def key(findings):
        return sorted((f.code, str(f.level), f.sheet or "", f.cell or "") for f in findings)

    return key(result.findings) == key(recorded)


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _move_aside(path: Path, folder: Path) -> Path | None:
    """Move ``path`` into ``folder`` under its own name (``name (2).xlsx`` if taken); the
    new path, or None when it could not be moved (it then stays where it is)."""
    try:
        folder.mkdir(exist_ok=True)
        target = folder / path.name
        n = 2
        while target.exists():
            target = folder / f"{path.stem} ({n}){path.suffix}"
            n += 1
        os.rename(path, target)
        return target
    except OSError:
        return None


# --- consolidation ------------------------------------------------------------------------------


def consolidate(workspace: Workspace, register: Register, period: Period, *, as_of: date,
                now: datetime | None = None, progress=None, provisional: bool = False):
    """Ingest the inbox, then write the quarter's SMG workbook and cover note.

    Returns (IngestReport, ConsolidationResult). Rejected or missing returns are reported in
    the workbook, not raised. A quarter that has not ended by ``as_of`` is consolidated only
    when ``provisional`` is asked for (UsageError otherwise, before anything is done).
    """
    from .reports.consolidate import consolidate_quarter

    if not provisional and not has_ended(period, as_of):
        raise UsageError(f"{period.label} has not ended by {as_of.day} {as_of:%b %Y} (it "
                         f"ends {period.end.day} {period.end:%b %Y}); consolidate it early "
                         "with --provisional")

    report = ingest(workspace, register, now=now, progress=progress)
    result = consolidate_quarter(workspace, register, period, as_of=as_of, progress=progress)
    return report, result


# --- the year, the meeting packs and the export (read the ledger only) -------------------------


def annual(workspace: Workspace, register: Register, fy: int, *, as_of: date, progress=None):
    """Write the year's SMG workbook and cover note; returns reports.annual_run.AnnualResult."""
    from .reports.annual_run import report_year

    return report_year(workspace, register, fy, as_of=as_of, progress=progress)


def meeting_packs(workspace: Workspace, register: Register, period: Period, *, as_of: date,
                  progress=None):
    """Write each active contract's meeting pack and agenda; returns reports.packs.PackResult."""
    from .reports.packs import write_packs

    return write_packs(workspace, register, period, as_of=as_of, progress=progress)


def export(workspace: Workspace, register: Register, fy: int, *, as_of: date, progress=None):
    """Write the year's values as a tidy CSV and .xlsx; returns reports.export.ExportResult."""
    from .reports.export import export_year

    return export_year(workspace, register, fy, as_of=as_of, progress=progress)
