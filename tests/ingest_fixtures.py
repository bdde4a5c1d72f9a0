"""Workspaces with provider returns in their inbox, for the ingest, ledger and feedback tests.

Returns are real files made from the real templates (``builders.make_return``); what
makes them late, early or a resubmission is their modification time, set with
:func:`drop`, because that is how the engine tells when a return was received.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime, timezone
from pathlib import Path

from cm_excel.workspace import Workspace

from builders import PERIOD, make_register, make_return  # noqa: F401  (re-exported for tests)

UTC = timezone.utc
# 2026-27 Q3 ends on 31 Dec 2026; its deadline (20 working days) is 29 Jan 2027.
ON_TIME = datetime(2027, 1, 20, 10, 0, tzinfo=UTC)
LATER_ON_TIME = datetime(2027, 1, 25, 10, 0, tzinfo=UTC)
LATE = datetime(2027, 2, 15, 10, 0, tzinfo=UTC)
AFTER_NEXT_QUARTER = datetime(2027, 4, 12, 10, 0, tzinfo=UTC)  # Q4 ended 31 Mar 2027
NOW = datetime(2027, 4, 20, 9, 0, tzinfo=UTC)


def make_workspace(root: Path) -> Workspace:
    ws = Workspace(Path(root).resolve())
    ws.ensure_folders()
    return ws


def drop(ws: Workspace, name: str | None = None, *, received: datetime = ON_TIME,
         **return_args) -> Path:
    """Write a return (``make_return`` arguments) into the inbox, received at ``received``."""
    path = make_return(ws.inbox, name=name, **return_args)
    set_received(path, received)
    return path


def set_received(path: Path, received: datetime) -> None:
    stamp = received.timestamp()
    os.utime(path, (stamp, stamp))


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    """Relative path → sha256 of every file under ``folder``."""
    return {p.relative_to(folder).as_posix(): sha256(p)
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}
