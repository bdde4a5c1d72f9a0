"""The engine's own files in one hidden folder, ``<workspace>/.cm-excel/``.

The ledger (``ledger.sqlite3`` and SQLite's ``-wal``, ``-shm`` and ``-journal`` beside it)
and the workspace lock live there, so the workspace root holds only the office's files:
``register.xlsx``, ``inbox/``, ``outbox/``, ``archive/`` (and ``workbook_templates/``).

Workspaces made by earlier versions kept the ledger and ``.cm-excel.lock`` at the root.
``move_old_ledger`` moves them in, under the workspace lock, once: each file with
``os.replace`` (same folder tree, so same file system: atomic), SQLite's side files before
the database, so a run stopped half-way leaves the database at the root and the next run
finishes the move. A ledger at both places is refused: cm-excel never picks one.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import WorkspaceError
from .workspace import LEDGER_NAME, Workspace

OLD_LOCK_NAME = ".cm-excel.lock"
SIDE_FILES = ("-wal", "-shm", "-journal")  # SQLite's files beside the database
_FILE_ATTRIBUTE_HIDDEN = 0x2


def ensure_folder(workspace: Workspace) -> Path:
    """The bookkeeping folder, created when missing (and hidden on Windows)."""
    folder = workspace.bookkeeping_dir
    if not folder.is_dir():
        folder.mkdir(exist_ok=True)  # not the root: a missing workspace stays an error
        hide(folder)
    return folder


def hide(path: Path) -> None:
    """Set the Windows hidden attribute on ``path``; elsewhere its dot-name hides it."""
    if os.name != "nt":
        return
    try:  # pragma: no cover - Windows only
        import ctypes

        attrs = ctypes.windll.kernel32.GetFileAttributesW(str(path))
        if attrs != -1 and attrs != 0xFFFFFFFF:
            ctypes.windll.kernel32.SetFileAttributesW(str(path), attrs | _FILE_ATTRIBUTE_HIDDEN)
    except (AttributeError, OSError):  # pragma: no cover - hiding is a courtesy
        pass


def old_ledger(workspace: Workspace) -> Path:
    """Where versions before the bookkeeping folder kept the ledger."""
    return workspace.root / LEDGER_NAME


def old_layout(workspace: Workspace) -> bool:
    """True when a ledger still sits at the workspace root (refused if one is in the
    bookkeeping folder too)."""
    if not old_ledger(workspace).is_file():
        return False
    refuse_two_ledgers(workspace)
    return True


def refuse_two_ledgers(workspace: Workspace) -> None:
    old, new = old_ledger(workspace), workspace.ledger_path
    if old.is_file() and new.is_file():
        raise WorkspaceError(
            f"{old}: a ledger is here and also at {new}; cm-excel will not choose between "
            "them: keep the right one (move the other out of the workspace) and run again")


def move_old_ledger(workspace: Workspace) -> str | None:
    """Move a root ledger (and its side files) into the bookkeeping folder; the caller
    holds the workspace lock. Returns the one line to tell the user, or None."""
    old = old_ledger(workspace)
    if not old.is_file():
        return None
    refuse_two_ledgers(workspace)
    folder = ensure_folder(workspace)
    moved = []
    for suffix in (*SIDE_FILES, ""):  # the database last: a half-done move is finished later
        source = old.with_name(LEDGER_NAME + suffix)
        if not source.is_file():
            continue
        target = folder / source.name
        try:
            os.replace(source, target)
        except OSError as exc:
            raise WorkspaceError(
                f"{source}: cannot move it into {folder} ({exc.strerror or exc}); close any "
                "program that has the ledger open and run again") from None
        moved.append(source.name)
    return (f"Moved the ledger ({', '.join(sorted(moved))}) from {workspace.root} into "
            f"{folder}, where cm-excel now keeps its own files")


def remove_old_lock(workspace: Workspace) -> None:
    """Delete the root ``.cm-excel.lock`` of earlier versions (the lock is in the folder now)."""
    try:
        (workspace.root / OLD_LOCK_NAME).unlink()
    except OSError:
        pass  # absent, or held open by a program on Windows: harmless, tried again next time


def adopt_old_layout(workspace: Workspace) -> str | None:
    """Move a ledger an earlier version left at the root into the bookkeeping folder, under
    the workspace lock; the one line to tell the user, or None when there was nothing to do.
    Every command calls this first, so readers (status, validate) find the ledger too."""
    if not old_layout(workspace):
        return None
    from .lock import workspace_lock

    with workspace_lock(workspace) as moved:
        return moved
