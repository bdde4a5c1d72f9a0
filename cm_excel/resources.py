"""Files the office may edit without touching code: instruction texts, styles, cover notes.

The package ships defaults in ``workbook_templates/`` beside ``cm_excel/``. A workspace may
hold its own ``workbook_templates/`` folder; a file found there wins over the shipped one,
so the office can reword the instructions or change a colour for its own templates only.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import cm_excel

from .errors import WorkspaceError

OFFICE_FOLDER = "workbook_templates"


def shipped_dir() -> Path:
    """The ``workbook_templates/`` folder shipped with the package: beside ``cm_excel/`` in a
    checkout (editable install), else where a wheel's data files put it."""
    beside = Path(cm_excel.__file__).resolve().parent.parent / OFFICE_FOLDER
    if beside.is_dir():
        return beside
    return Path(sys.prefix) / "share" / "cm-excel" / OFFICE_FOLDER


def office_file(name: str, workspace_root: str | os.PathLike | None = None) -> Path:
    """The path of office-editable file ``name``.

    ``<workspace_root>/workbook_templates/<name>`` when that file exists, else the shipped
    default. Raises WorkspaceError when neither exists.
    """
    if workspace_root is not None:
        own = Path(workspace_root) / OFFICE_FOLDER / name
        if own.is_file():
            return own
    shipped = shipped_dir() / name
    if shipped.is_file():
        return shipped
    raise WorkspaceError(f"{name}: not found in {OFFICE_FOLDER}/ of the workspace or the package")


def read_office_text(path: str | os.PathLike) -> str:
    """The text of an office-editable file, however a Windows editor saved it: UTF-8 (with
    or without the byte-order mark Notepad adds, which is dropped so a first-line heading
    stays a heading), else Windows "ANSI" (cp1252, where "£" is one byte). Raises
    WorkspaceError naming the file when it is neither, or cannot be read."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WorkspaceError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise WorkspaceError(
            f"{path}: is neither UTF-8 nor Windows (ANSI) text (byte {exc.start}); open it in "
            "a text editor and save it as UTF-8") from exc


def office_loader(folder: str | os.PathLike):
    """A Jinja2 loader for the templates in ``folder`` that reads them with
    :func:`read_office_text` (so ANSI and BOM-marked files work as UTF-8 ones do)."""
    import jinja2

    folder = Path(folder)

    class _OfficeLoader(jinja2.BaseLoader):
        def get_source(self, environment, template):
            path = folder / template
            if not path.is_file():
                raise jinja2.TemplateNotFound(template)
            mtime = path.stat().st_mtime
            return read_office_text(path), str(path), \
                lambda: path.is_file() and path.stat().st_mtime == mtime

    return _OfficeLoader()
