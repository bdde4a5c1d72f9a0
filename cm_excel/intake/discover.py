"""What is in the inbox: which files to read, which to skip and why. Never modifies anything."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import WorkspaceError

# Files that operating systems and office programs leave beside real files.
_SYSTEM_FILES = {
    ".ds_store": "a macOS folder settings file",
    "thumbs.db": "a Windows thumbnail cache",
    "desktop.ini": "a Windows folder settings file",
    "icon\r": "a macOS folder icon file",
}
_WIN_HIDDEN = 0x2  # FILE_ATTRIBUTE_HIDDEN
_WIN_REPARSE_POINT = 0x400  # symlinks and junctions on Windows


@dataclass(frozen=True)
class InboxItem:
    """One entry of the inbox. ``action`` is "read" or "skip"; ``note`` says why it is skipped."""

    path: Path
    name: str
    action: Literal["read", "skip"]
    note: str = ""


def discover(inbox: str | os.PathLike) -> list[InboxItem]:
    """Every entry of ``inbox`` (not its subfolders), sorted by name.

    Lock files, system files, hidden files, folders, links and anything that is not a regular
    file are skipped with a note. Links are never followed (the entry itself is examined).
    Raises WorkspaceError when the inbox cannot be listed.
    """
    inbox = Path(inbox)
    try:
        names = os.listdir(inbox)
    except FileNotFoundError:
        raise WorkspaceError(f"{inbox}: inbox folder not found") from None
    except NotADirectoryError:
        raise WorkspaceError(f"{inbox}: inbox is not a folder") from None
    except OSError as exc:
        raise WorkspaceError(f"{inbox}: inbox cannot be read ({exc.strerror})") from None
    items = [_classify(inbox / name, name) for name in names]
    return sorted(items, key=lambda i: (i.name.casefold(), i.name))


def _classify(path: Path, name: str) -> InboxItem:
    def skip(note: str) -> InboxItem:
        return InboxItem(path, name, "skip", note)

    try:
        st = os.lstat(path)
    except OSError as exc:  # vanished or unreadable between listing and looking
        return skip(f"skipped: could not be examined ({exc.strerror})")
    attrs = getattr(st, "st_file_attributes", 0)
    if stat.S_ISLNK(st.st_mode) or attrs & _WIN_REPARSE_POINT:
        return skip("skipped: a link (shortcut); links are not followed, "
                    "so put the file itself here")
    if stat.S_ISDIR(st.st_mode):
        return skip("skipped: a folder — only files directly in the inbox are read")
    if not stat.S_ISREG(st.st_mode):
        return skip("skipped: not a regular file")
    if name.startswith("~$"):
        return skip("skipped: an Office lock file (the workbook is open in Excel somewhere)")
    if name.startswith(".~lock."):
        return skip("skipped: a LibreOffice lock file (the workbook is open somewhere)")
    system = _SYSTEM_FILES.get(name.casefold())
    if system:
        return skip(f"skipped: {system}")
    if name.startswith("."):
        return skip("skipped: a hidden file")
    if attrs & _WIN_HIDDEN:
        return skip("skipped: a hidden file")
    return InboxItem(path, name, "read")
