"""The workspace lock: one run at a time changes a workspace (its archive and ledger).

``workspace_lock`` holds an operating-system lock on ``.cm-excel.lock`` in the workspace
root; ingest and the resolution of held returns run inside it.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import datetime, timezone

from .errors import WorkspaceError
from .workspace import Workspace

LOCK_NAME = ".cm-excel.lock"


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
            try:  # who holds it, for people; not needed for the lock (a full disk is fine)
                fh.seek(0)
                fh.truncate()
                fh.write(f"pid {os.getpid()} since "
                         f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC\n".encode())
                fh.flush()
            except OSError:
                pass
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
