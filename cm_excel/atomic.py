"""Write outputs atomically: to a temporary file beside the target, then rename."""

from __future__ import annotations

import gc
import os
import re
import sys
import tempfile
import traceback
import zipfile
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from .crashpoints import crashpoint
from .environment import environment_failure, os_error_within, why
from .errors import WorkspaceError


@contextmanager
def atomic_path(target: str | os.PathLike):
    """Yield a temporary path in the target's folder; on success, replace the target with it.

    A half-written file never appears under the target's name: the temporary file is
    fsynced before the rename that publishes it, and the folder after. Raises WorkspaceError
    when the target cannot be replaced (for example, open in Excel on Windows) or cannot be
    written at all (a full disk, a read-only folder), naming the target and what to do.
    A temporary file left by a killed run is removed by :func:`remove_leftovers`.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix,
                                   dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise _cannot_write(target, exc) from exc
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; outputs are shared like any document
        yield Path(tmp)
        crashpoint("atomic.written")
        _fsync_file(tmp)
        crashpoint("atomic.fsynced")
        try:
            os.replace(tmp, target)
        except PermissionError as exc:
            raise WorkspaceError(f"{target}: cannot be replaced (is it open in Excel?)") from exc
        crashpoint("atomic.published")
        fsync_dir(target.parent)
    except WorkspaceError:
        raise
    except Exception as exc:
        failure = environment_failure(exc)
        if failure is None:
            raise
        raise _cannot_write(target, exc) from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _cannot_write(target: Path, exc: BaseException) -> WorkspaceError:
    _let_go_of_the_writer(exc)
    os_error = os_error_within(exc)
    if os_error is not None:
        return WorkspaceError(f"{target}: cannot be written: {why(os_error)}")
    failure = environment_failure(exc)
    return WorkspaceError(f"{target}: cannot be written ({failure or exc})")


def _let_go_of_the_writer(exc: BaseException) -> None:
    """Close, quietly, the zip file a writer had open when the disk failed it: its frames
    hold it, and closing it later would fail again, loudly, at exit ("Exception ignored")."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        seen = 0
        while exc is not None and seen < 5:
            if exc.__traceback__ is not None:
                traceback.clear_frames(exc.__traceback__)
            exc = exc.__cause__ or exc.__context__
            seen += 1
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _fsync_file(path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; a no-op elsewhere)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ``.<stem>.<8 random characters><suffix>``: what mkstemp makes above.
_LEFTOVER = re.compile(r"^\..+\.[a-z0-9_]{8}\.(xlsx|html|partial)$")


def remove_leftovers(folder: str | os.PathLike, *, recursive: bool = True) -> list[Path]:
    """Remove the temporary files killed runs left in ``folder`` (``.SMG_….xlsx``,
    ``.….partial``); return what was removed. Call it only while holding the workspace
    lock, so no running writer's temporary file is taken."""
    folder = Path(folder)
    removed = []
    if not folder.is_dir():
        return removed
    candidates = folder.rglob(".*") if recursive else folder.glob(".*")
    for path in sorted(candidates):
        if _LEFTOVER.match(path.name) and path.is_file() and not path.is_symlink():
            try:
                path.unlink()
                removed.append(path)
            except OSError:
                pass  # still leftover; the next run tries again
    return removed


def write_bytes_atomic(target: str | os.PathLike, data: bytes) -> None:
    with atomic_path(target) as tmp:
        Path(tmp).write_bytes(data)


def write_text_atomic(target: str | os.PathLike, text: str) -> None:
    write_bytes_atomic(target, text.encode("utf-8"))


def make_reproducible(path: Path, stamp: datetime | None) -> None:
    """Same content → byte-identical xlsx written by openpyxl.

    openpyxl stamps the save time into the zip entries and docProps/core.xml; replace both
    with fixed values (``stamp``, else 1 Jan 2000), so outputs and test fixtures have stable
    sha256s.
    """
    iso = (stamp or datetime(2000, 1, 1)).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path) as src:
        parts = [(info.filename, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + iso + rb"\g<2>", data)
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data)
