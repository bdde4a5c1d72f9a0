"""The workspace lock: one run at a time changes a workspace (its archive and ledger).

``workspace_lock`` holds an operating-system lock on ``.cm-excel/workspace.lock`` in the
workspace; ingest, consolidation and the resolution of held returns run inside it. Holding
it, a ledger left at the root by an earlier version is moved into ``.cm-excel/``
(bookkeeping.py); the lock yields the one line saying so, or None.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import datetime, timezone

from . import bookkeeping
from .errors import WorkspaceError
from .workspace import Workspace


@contextmanager
def workspace_lock(workspace: Workspace):
    """Hold the workspace's lock file for the duration, or raise WorkspaceError at once.

    The operating system releases the lock when the process ends, however it ends, so a
    crashed run never leaves the workspace locked. The file itself stays (deleting lock
    files races with the next run).
    """
    bookkeeping.ensure_folder(workspace)
    with _holding(open(workspace.lock_path, "a+b"), workspace) as fh:
        try:  # who holds it, for people; not needed for the lock (a full disk is fine)
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()} since "
                     f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC\n".encode())
            fh.flush()
        except OSError:
            pass
        moved = None
        if (workspace.root / bookkeeping.OLD_LOCK_NAME).exists() or \
                bookkeeping.old_layout(workspace):
            with _old_lock(workspace):  # an earlier version's run holds this one
                moved = bookkeeping.move_old_ledger(workspace)
        yield moved


@contextmanager
def _holding(fh, workspace: Workspace):
    """Lock the open file ``fh`` for the duration (WorkspaceError when another run holds
    it), then unlock and close it."""
    try:
        try:
            _lock(fh)
        except OSError:
            raise _busy(workspace) from None
        try:
            yield fh
        finally:
            _unlock(fh)
    finally:
        fh.close()


def _busy(workspace: Workspace) -> WorkspaceError:
    return WorkspaceError(
        f"{workspace.root}: another cm-excel run is working on this workspace; wait "
        "for it to finish and try again")


@contextmanager
def _old_lock(workspace: Workspace):
    """Hold the root lock file of earlier versions, if there is one, then delete it."""
    try:
        fh = open(workspace.root / bookkeeping.OLD_LOCK_NAME, "r+b")
    except FileNotFoundError:
        yield
        return
    with _holding(fh, workspace):
        yield
    bookkeeping.remove_old_lock(workspace)


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
