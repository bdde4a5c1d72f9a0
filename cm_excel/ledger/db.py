"""Open the ledger: SQLite in WAL mode, foreign keys on, a busy timeout, ordered migrations.

On a network share (NFS, SMB/CIFS ...) WAL is unsafe (it needs shared memory that network
file systems do not provide), so there the ledger uses SQLite's rollback journal with
exclusive locking: one process at a time, which the workspace lock already ensures for
writers. ``journal_plan`` says which, for ``status``.

Migrations are the ``schema_v<N>.sql`` files beside this module, applied in order of N
inside one transaction each; ``schema_version`` holds the highest applied. A ledger made
by a newer cm-excel (a higher version than this one knows) is refused rather than guessed at.

All writes go through :func:`transaction` (``BEGIN IMMEDIATE``), so two processes never
interleave half-written submissions: the second waits (busy timeout) or fails cleanly.
Inside a group commit (:func:`begin_group` … :func:`commit_group`, which ``ingest`` uses so
that one commit makes several files' records durable) a transaction is a savepoint of the
group's: it is undone alone if it fails, and made durable with the group.
"""

from __future__ import annotations

import os
import re
import sqlite3
from contextlib import contextmanager
from pathlib import Path

from ..errors import WorkspaceError

SCHEMA_DIR = Path(__file__).parent
BUSY_TIMEOUT_MS = 30_000
_MIGRATION_RE = re.compile(r"^schema_v(\d+)\.sql$")
MOUNTS = Path("/proc/mounts")  # Linux: what is mounted where, and its file-system type
NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "smb", "afs", "ncpfs", "9p",
                       "fuse.sshfs", "sshfs", "glusterfs", "fuse.glusterfs", "ceph", "lustre",
                       "davfs", "fuse.davfs2", "gpfs", "coda", "ocfs2", "gfs2", "beegfs"}


def network_filesystem(path: str | Path) -> str | None:
    """The kind of network share ``path`` (a file or folder, existing or not) lies on, e.g.
    "nfs4", "cifs" or "network drive"; None on a local disk or when it cannot be told."""
    path = Path(path)
    text = str(path)
    if os.name == "nt":  # pragma: no cover - Windows only
        if text.startswith(("\\\\", "//")):
            return "network share (UNC path)"
        try:
            import ctypes

            drive = os.path.splitdrive(os.path.abspath(text))[0] + "\\"
            if ctypes.windll.kernel32.GetDriveTypeW(drive) == 4:  # DRIVE_REMOTE
                return "network drive"
        except (AttributeError, OSError):
            pass
        return None
    try:
        table = MOUNTS.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    where = os.path.realpath(path if path.is_dir() else path.parent)
    best, kind = "", None
    for line in table.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
        inside = where == point or where.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, parts[2]
    return kind if kind in NETWORK_FILESYSTEMS else None


def journal_plan(path: str | Path) -> str:
    """How the ledger at ``path`` is journalled, in words for ``status``."""
    share = network_filesystem(path)
    if share:
        return (f"rollback journal with exclusive locking (the workspace is on a network "
                f"share: {share}; WAL is unsafe there)")
    return "write-ahead log (WAL), on a local disk"


def migrations() -> list[tuple[int, Path]]:
    """(version, path) of every ``schema_v<N>.sql``, in version order."""
    found = []
    for path in SCHEMA_DIR.iterdir():
        m = _MIGRATION_RE.match(path.name)
        if m:
            found.append((int(m.group(1)), path))
    return sorted(found)


def latest_version() -> int:
    return migrations()[-1][0]


class LedgerConnection(sqlite3.Connection):
    """A ledger connection; ``grouped`` is true while a group commit is open on it."""

    grouped = False


def connect(path: str | Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open (creating and migrating when needed) the ledger at ``path``.

    ``readonly=True`` opens an existing ledger without writing to it (no migration, no
    journal-mode change); raises WorkspaceError if it does not exist. Rows come back as
    ``sqlite3.Row``. The connection is in autocommit mode: use :func:`transaction`.
    """
    path = Path(path)
    try:
        if readonly:
            if not path.is_file():
                raise WorkspaceError(f"{path}: no ledger here")
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                                   isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000,
                                   factory=LedgerConnection)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), isolation_level=None,
                                   timeout=BUSY_TIMEOUT_MS / 1000, factory=LedgerConnection)
    except sqlite3.Error as exc:
        raise WorkspaceError(f"{path}: cannot open the ledger ({exc})") from exc
    try:
        return _prepare(conn, path, readonly)
    except sqlite3.Error as exc:
        conn.close()
        from ..environment import environment_failure

        failure = environment_failure(exc, ledger=path)  # a full disk, a read-only folder
        if failure is not None:
            raise failure from exc
        raise


def _prepare(conn: sqlite3.Connection, path: Path, readonly: bool) -> sqlite3.Connection:
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if readonly:
        _check_not_newer(conn, path)
        return conn
    # WAL lets readers (validate, status) run while an ingest writes. On a file system
    # where WAL cannot work SQLite keeps its rollback journal; that is still safe. On a
    # network share WAL is unsafe: the rollback journal, and one process at a time.
    if network_filesystem(path):
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("PRAGMA journal_mode = DELETE")
    else:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    migrate(conn, path)
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    """The highest migration applied; 0 for an empty database."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if not exists:
        return 0
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def migrate(conn: sqlite3.Connection, path: str | Path = "ledger") -> int:
    """Apply every migration newer than the ledger's version; return the version reached."""
    _check_not_newer(conn, path)
    if schema_version(conn) >= latest_version():
        return schema_version(conn)  # up to date: no write lock needed
    for version, sql_path in migrations():
        with transaction(conn):
            # Re-read inside the write lock: another process may have migrated meanwhile.
            if schema_version(conn) >= version:
                continue
            for statement in split_statements(sql_path.read_text(encoding="utf-8")):
                conn.execute(statement)
            conn.execute("DELETE FROM schema_version")
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
    return schema_version(conn)


def _check_not_newer(conn: sqlite3.Connection, path) -> None:
    have, know = schema_version(conn), latest_version()
    if have > know:
        raise WorkspaceError(
            f"{path}: this ledger was written by a newer cm-excel (schema version {have}; "
            f"this one knows up to {know}); upgrade cm-excel before using it")


def split_statements(script: str) -> list[str]:
    """Split an SQL script into complete statements (``executescript`` would COMMIT)."""
    statements, current = [], []
    for line in script.splitlines(keepends=True):
        current.append(line)
        candidate = "".join(current)
        if sqlite3.complete_statement(candidate):
            text = candidate.strip()
            if _strip_comments(text):
                statements.append(text)
            current = []
    rest = "".join(current).strip()
    if _strip_comments(rest):
        statements.append(rest)
    return statements


def _strip_comments(text: str) -> str:
    return "\n".join(l for l in text.splitlines() if not l.strip().startswith("--")).strip()


@contextmanager
def transaction(conn: sqlite3.Connection):
    """``BEGIN IMMEDIATE`` … ``COMMIT``; ``ROLLBACK`` on any exception (which propagates).

    IMMEDIATE takes the write lock at the start, so a second writer waits for the first
    to finish instead of failing half-way with "database is locked". Inside a group commit
    it is ``SAVEPOINT`` … ``RELEASE`` instead (``ROLLBACK TO`` on an exception).
    """
    if getattr(conn, "grouped", False):
        with savepoint(conn):
            yield conn
        return
    if conn.in_transaction:
        raise RuntimeError("nested ledger transaction")
    _begin(conn)
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


@contextmanager
def savepoint(conn: sqlite3.Connection):
    """Writes undone together if the block raises, kept in the open transaction if not."""
    conn.execute("SAVEPOINT part")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK TO part")
        conn.execute("RELEASE part")
        raise
    else:
        conn.execute("RELEASE part")


def begin_group(conn: LedgerConnection) -> None:
    """Open a group commit: the write lock is held, and every :func:`transaction` until
    :func:`commit_group` is a savepoint of this one transaction."""
    if conn.in_transaction:
        raise RuntimeError("nested ledger transaction")
    _begin(conn)
    conn.grouped = True


def commit_group(conn: LedgerConnection) -> None:
    """Make the group's writes durable (one commit, one sync of the log)."""
    conn.grouped = False
    conn.execute("COMMIT")


def abandon_group(conn: LedgerConnection) -> None:
    """Undo the group's writes (a run that fails before its commit)."""
    conn.grouped = False
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _begin(conn: sqlite3.Connection) -> None:
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise WorkspaceError(f"the ledger is busy or locked ({exc}); try again") from exc
