"""Write outputs atomically: to a temporary file beside the target, then rename."""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from .errors import WorkspaceError


@contextmanager
def atomic_path(target: str | os.PathLike):
    """Yield a temporary path in the target's folder; on success, replace the target with it.

    A half-written file never appears under the target's name. Raises WorkspaceError when
    the target cannot be replaced (for example, open in Excel on Windows).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; outputs are shared like any document
    try:
        yield Path(tmp)
        try:
            os.replace(tmp, target)
        except PermissionError as exc:
            raise WorkspaceError(f"{target}: cannot be replaced (is it open in Excel?)") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


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
