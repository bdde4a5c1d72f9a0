"""Several inbox files made durable by one commit of the ledger (``ingest``).

Recording a file waits twice for the disk: for its archive folder (so that the copy's new
name survives a power cut) and for the ledger's commit. A group pays those waits once for
up to ``MAX_FILES`` files or ``MAX_SECONDS`` of work. Each file's archive copy is named and
its rows are written in the group's open transaction (a savepoint each, so a file that
fails is undone alone); then every archive folder named into is fsynced, the ledger
commits, and only then are the group's files removed from the inbox.

For each file the order is the same as one at a time: its archive copy is on disk before
the commit that names it, and that commit is on disk before its inbox file goes. A run
stopped inside a group leaves the group's files in the inbox (the next run finds their
archive copies and names them again), or recorded with their inbox files still there (the
next run finds them in the ledger and removes them).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from .atomic import fsync_dir
from .crashpoints import crashpoint
from .ledger import db

MAX_FILES = 32
MAX_SECONDS = 0.5  # also how long the ledger's write lock is held at a time


class CommitGroup:
    """The open group on ``conn``: the folders to fsync and what to do after the commit."""

    def __init__(self, conn: db.LedgerConnection, *, max_files: int | None = None,
                 max_seconds: float | None = None):
        self.conn = conn
        self.max_files = max_files or MAX_FILES
        self.max_seconds = MAX_SECONDS if max_seconds is None else max_seconds
        self._folders: set[Path] = set()
        self._after: list[Callable[[], None]] = []
        self._files = 0
        self._started: float | None = None

    @contextmanager
    def file(self):
        """One file's work: its ledger writes and the actions it leaves for after the
        commit are undone together if it raises."""
        if not self.conn.grouped:
            db.begin_group(self.conn)
            self._started = time.monotonic()
        self._files += 1
        queued = len(self._after)
        try:
            with db.savepoint(self.conn):
                yield
        except BaseException:
            del self._after[queued:]
            raise

    def sync_later(self, folder: Path) -> None:
        """Fsync ``folder`` before the commit (a name was given in it)."""
        self._folders.add(Path(folder))

    def then(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the group's records are durable."""
        self._after.append(action)

    def due(self) -> bool:
        return self._files >= self.max_files or (
            self._started is not None and time.monotonic() - self._started >= self.max_seconds)

    def commit(self) -> None:
        """Fsync the folders, commit, then run the queued actions in order."""
        if self.conn.grouped:
            for folder in sorted(self._folders):
                fsync_dir(folder)
            crashpoint("ingest.folders_synced")
            db.commit_group(self.conn)
            crashpoint("ingest.committed")
        actions = self._after
        self._reset()
        for action in actions:
            action()

    def abandon(self) -> None:
        """Undo the group (the run is failing): its files stay in the inbox."""
        db.abandon_group(self.conn)
        self._reset()

    def _reset(self) -> None:
        self._folders, self._after, self._files, self._started = set(), [], 0, None
