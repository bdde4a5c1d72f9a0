"""When the machine, not the data, is the problem: a full disk, a read-only folder, a folder
cm-excel may not write to, a ledger SQLite cannot write.

``environment_failure(exc)`` turns such an exception into one WorkspaceError whose sentence
names the path and says what to do; anything else gives None (a bug, or bad data, which
the caller handles its own way). The pipeline stops a run on an environment failure (every
later file would fail the same way) and the command line prints the sentence and exits 1.
Nothing is lost: the archive, ledger and outputs are written so that a run stopped at any
point can simply be repeated.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3

from .errors import WorkspaceError

_AGAIN = "nothing was lost; run the command again once that is fixed"

# errno → what it means for the office, and what to do about it.
_ADVICE = {
    errno.ENOSPC: "the disk is full; free some space on it",
    errno.EROFS: "the folder is on a read-only disk or share; make it writable or move the "
                 "workspace",
    errno.EACCES: "cm-excel may not write there; check the folder's permissions (or close "
                  "the file in other programs)",
    errno.EPERM: "cm-excel may not write there; check the folder's permissions",
    errno.EIO: "the disk reported an input/output error; check the disk or share",
    errno.ENOTDIR: "a file is in the way where a folder should be; move that file away",
    errno.EEXIST: "a file is in the way where a folder should be; move that file away",
    errno.EISDIR: "a folder is in the way where a file should be; move that folder away",
    errno.ENAMETOOLONG: "the path is too long; move the workspace to a shorter path",
}
if hasattr(errno, "EDQUOT"):
    _ADVICE[errno.EDQUOT] = "your disk quota is used up; free some space"

_SQLITE_ADVICE = (
    ("disk is full", "the disk holding the ledger is full; free some space on it"),
    ("readonly database", "the ledger cannot be written (read-only file, folder or disk); "
                          "make it writable"),
    ("disk i/o error", "the disk reported an input/output error while writing the ledger; "
                       "check the disk or share"),
    ("unable to open database", "the ledger cannot be opened; check that its folder exists "
                                "and can be written"),
)


def environment_failure(exc: BaseException, *, ledger=None) -> WorkspaceError | None:
    """A WorkspaceError saying what went wrong where and what to do, or None when ``exc`` is
    not an environment failure. ``ledger`` names the ledger for SQLite's own errors (they
    carry no path)."""
    if isinstance(exc, WorkspaceError):
        return exc
    if isinstance(exc, OSError) and exc.errno in _ADVICE:
        where = exc.filename if exc.filename is not None else "a file in the workspace"
        where = os.fsdecode(where) if isinstance(where, bytes) else str(where)
        return WorkspaceError(f"{where}: {why(exc)}")
    if isinstance(exc, sqlite3.Error):
        text = str(exc).lower()
        if "i/o error" in text and ledger is not None and _nearly_full(ledger):
            text = "disk is full"  # SQLite says I/O error when it cannot grow its -shm file
        for words, advice in _SQLITE_ADVICE:
            if words in text:
                return WorkspaceError(f"{ledger or 'the ledger'}: {exc}: {advice}; {_AGAIN}")
        return None
    try:
        from xlsxwriter.exceptions import FileCreateError
    except ImportError:  # pragma: no cover
        return None
    if isinstance(exc, FileCreateError):  # wraps the OSError of writing the .xlsx
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else \
            exc.__context__
        return environment_failure(inner) if inner is not None else None
    return None


def _nearly_full(path) -> bool:
    try:
        return shutil.disk_usage(os.path.dirname(os.path.abspath(path))).free < 256 * 1024
    except OSError:
        return False


def why(exc: OSError) -> str:
    """``No space left on device: the disk is full; free some space on it; nothing was
    lost ...``: the failure, the advice and the reassurance, without a path."""
    return f"{exc.strerror or exc}: {_ADVICE.get(exc.errno, 'check the disk')}; {_AGAIN}"


def os_error_within(exc: BaseException) -> OSError | None:
    """The OSError behind ``exc`` (itself, or what a writer wrapped), if any."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OSError):
            return exc
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        exc = inner or exc.__cause__ or exc.__context__
        seen += 1
    return None


def in_folder(path, folder) -> bool:
    """True when ``path`` (str, bytes or Path) lies inside ``folder``."""
    try:
        path = os.path.abspath(os.fsdecode(path))
        folder = os.path.abspath(os.fsdecode(folder))
        return os.path.commonpath([path, folder]) == folder
    except (TypeError, ValueError):
        return False
