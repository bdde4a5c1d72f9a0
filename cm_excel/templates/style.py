"""Colours, fonts and number formats of the provider templates.

Colours and fonts come from ``workbook_templates/template_style.json``, which the office
may edit (a workspace copy wins over the shipped one, see ``resources.office_file``).
Number formats are fixed here: the engine and the providers rely on them.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, fields, replace

from ..errors import WorkspaceError
from ..resources import office_file, read_office_text

STYLE_FILE = "template_style.json"

# Quoted "£" displays as a pound sign in every locale of Excel and LibreOffice.
MONEY_FORMAT = '"£"#,##0.00'
DATE_FORMAT = "d mmm yyyy"
INT_FORMAT = "#,##0"
NUMBER_FORMAT = "#,##0.0#"

# By KPI unit: how Target, Numerator/Denominator and Actual are shown.
UNIT_FORMATS = {
    # unit: (target, numerator/denominator, actual)
    "percent": ("0%", INT_FORMAT, "0.0%"),
    "count": (INT_FORMAT, INT_FORMAT, INT_FORMAT),
    "days": ("0.0", NUMBER_FORMAT, "0.0"),
    "gbp": (MONEY_FORMAT, MONEY_FORMAT, MONEY_FORMAT),
    "score": ("0.0", NUMBER_FORMAT, "0.0"),
}
DEFAULT_UNIT_FORMATS = (NUMBER_FORMAT, NUMBER_FORMAT, NUMBER_FORMAT)

_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class TemplateStyle:
    font_name: str = "Arial"
    font_size: float = 10
    title_font_size: float = 14
    title_colour: str = "#1F3864"
    note_colour: str = "#595959"
    header_fill: str = "#1F3864"
    header_font_colour: str = "#FFFFFF"
    input_fill: str = "#FFF2CC"  # unlocked cells the provider fills in
    locked_fill: str = "#FFFFFF"  # pre-filled by the office
    not_needed_fill: str = "#D9D9D9"  # locked and not wanted for this row
    calculated_fill: str = "#E2EFDA"  # a locked helper formula
    border_colour: str = "#A6A6A6"
    input_tab_colour: str = "#FFC000"
    info_tab_colour: str = "#1F3864"


def load_style(workspace_root: str | os.PathLike | None = None) -> TemplateStyle:
    """The style in force: the JSON file's values over the built-in defaults.

    Raises WorkspaceError, naming the file and key, for unreadable JSON, an unknown key
    or a value that is not a #RRGGBB colour / a number / a font name.
    """
    path = office_file(STYLE_FILE, workspace_root)
    try:
        data = json.loads(read_office_text(path))
    except (OSError, ValueError) as exc:
        raise WorkspaceError(f"{path}: cannot be read as JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise WorkspaceError(f"{path}: must hold one {{...}} object of settings")
    known = {f.name: f for f in fields(TemplateStyle)}
    chosen: dict[str, object] = {}
    for key, value in data.items():
        if key.startswith("_"):
            continue
        if key not in known:
            raise WorkspaceError(f"{path}: unknown setting '{key}'; known: {', '.join(known)}")
        if key.endswith(("_colour", "_fill")):
            if not isinstance(value, str) or not _COLOUR.match(value):
                raise WorkspaceError(
                    f"{path}: '{key}' must be a colour like #1F3864, not {value!r}")
        elif key.endswith("_size"):
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not number or not 6 <= value <= 36:
                raise WorkspaceError(
                    f"{path}: '{key}' must be a font size from 6 to 36, not {value!r}")
        elif not isinstance(value, str) or not value.strip():
            raise WorkspaceError(f"{path}: '{key}' must be a font name, not {value!r}")
        chosen[key] = value
    return replace(TemplateStyle(), **chosen)


def unit_formats(unit: str) -> tuple[str, str, str]:
    """(target, numerator/denominator, actual) number formats for a KPI unit."""
    return UNIT_FORMATS.get(unit, DEFAULT_UNIT_FORMATS)


def target_format(unit: str, target: float | None) -> str:
    """A percent target shows as 90% or, when it has a fraction of a percent, 92.5%."""
    fmt = unit_formats(unit)[0]
    if unit == "percent" and target is not None and round(target * 100, 6) % 1:
        return "0.0%"
    return fmt
