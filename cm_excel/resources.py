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
