"""The workspace folder: where the register, inbox, outbox, archive and ledger live.

The office's files sit at the root; the engine's own bookkeeping (the ledger with its
SQLite side files, the lock) lives in one hidden folder, ``.cm-excel/`` (see bookkeeping.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import WorkspaceError
from .periods import Period

REGISTER_NAME = "register.xlsx"
LEDGER_NAME = "ledger.sqlite3"
BOOKKEEPING_NAME = ".cm-excel"  # the engine's own files; hidden (dot-name, Windows attribute)
LOCK_NAME = "workspace.lock"


@dataclass(frozen=True)
class Workspace:
    root: Path

    @classmethod
    def at(cls, root: str | os.PathLike | None = None) -> "Workspace":
        """``root``, else $CM_EXCEL_WORKSPACE, else the current directory."""
        chosen = root or os.environ.get("CM_EXCEL_WORKSPACE") or "."
        return cls(Path(chosen).resolve())

    @property
    def register_path(self) -> Path:
        return self.root / REGISTER_NAME

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def bookkeeping_dir(self) -> Path:
        return self.root / BOOKKEEPING_NAME

    @property
    def ledger_path(self) -> Path:
        return self.bookkeeping_dir / LEDGER_NAME

    @property
    def lock_path(self) -> Path:
        return self.bookkeeping_dir / LOCK_NAME

    def templates_dir(self, period: Period) -> Path:
        return self.outbox / "templates" / period.slug

    def feedback_dir(self, period: Period | None) -> Path:
        return self.outbox / "feedback" / (period.slug if period else "unidentified")

    def archive_dir(self, period: Period, contract_id: str) -> Path:
        return self.archive / period.fy_label / period.q_label / contract_id

    def require_register(self) -> Path:
        owner = self.register_path.with_name("~$" + REGISTER_NAME)
        if not self.register_path.is_file() and owner.exists():  # Excel mid-save
            raise WorkspaceError(
                f"{self.register_path}: the register is open or being saved in Excel "
                f"({owner.name} is here); wait for Excel to finish saving, or close it, and "
                "try again")
        if not self.register_path.is_file():
            raise WorkspaceError(
                f"{self.register_path}: no register here; run 'cm-excel init {self.root}' "
                "or pass --workspace DIR")
        return self.register_path

    def ensure_folders(self) -> None:
        for folder in (self.inbox, self.outbox, self.archive):
            folder.mkdir(parents=True, exist_ok=True)


def init_workspace(root: str | os.PathLike) -> Workspace:
    """Create a workspace with a starter register, inbox/, outbox/ and archive/.

    Refuses (WorkspaceError) when a register already exists there: it is people's work.
    """
    from .register.starter import write_starter_register

    ws = Workspace(Path(root).resolve())
    if ws.register_path.exists():
        raise WorkspaceError(
            f"{ws.register_path}: a register already exists; cm-excel never overwrites it "
            "(move it away first if you really want a fresh starter register)")
    ws.root.mkdir(parents=True, exist_ok=True)
    ws.ensure_folders()
    write_starter_register(ws.register_path)
    return ws
