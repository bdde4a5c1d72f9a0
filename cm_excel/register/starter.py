"""Write the starter register.xlsx: every sheet of the schema as an Excel table, filled with
a small example portfolio (``starter_data``) that teaches by example.

Deterministic: a fixed creation date and fixed content, so the same version of cm-excel
always writes the same bytes.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

from ..atomic import atomic_path
from ..print_setup import SIDE_MARGIN_INCHES, fit_widths
from ..periods import Period, fy_label
from .convert import is_share_knob
from .schema import (DATE, ENUM, FY, INT, KNOBS, MONEY, NUMBER, SETTINGS, SHEETS, SLA_KPIS,
                     TEXT, YESNO, Column, SheetSpec)
from .starter_data import (STARTER_AUDITS, STARTER_BUDGETS, STARTER_CHECKLIST, STARTER_CONTRACTS,
                           STARTER_DISPUTES, STARTER_EXITS, STARTER_KPIS, STARTER_SLA)

# Excel's own timestamps are fixed so that two starters are byte-identical.
CREATED = datetime(2025, 4, 1, 9, 0, 0)
TABLE_STYLE = "Table Style Medium 2"
VALIDATION_ROWS = 2000  # drop-downs and input messages reach this far below the header

STARTER_RECORDS = {
    "Contracts": STARTER_CONTRACTS, "KPI Menu": STARTER_KPIS, "SLA KPIs": STARTER_SLA,
    "Budgets": STARTER_BUDGETS, "Audits": STARTER_AUDITS, "Exit": STARTER_EXITS,
    "Disputes": STARTER_DISPUTES, "Checklist": STARTER_CHECKLIST,
}

# One sentence of help per column, shown as the header's comment and as the input message
# of the cells below it. Keyed by (sheet, header) so the schema stays the one list of columns.
COLUMN_HELP: dict[tuple[str, str], str] = {
    ("Contracts", "Contract ID"): "A short unique ID such as VS-001: letters, digits, - _ . only, because it becomes part of file names.",
    ("Contracts", "Service"): "What the contract delivers, in a few words; say here if it is shared with other offices.",
    ("Contracts", "Provider"): "The provider's organisation name, exactly as it should appear on templates.",
    ("Contracts", "Provider Contract Manager"): "The provider's day-to-day contact: name and e-mail.",
    ("Contracts", "Provider Escalation Contact"): "Who to contact at the provider when an issue is escalated: name, role and e-mail.",
    ("Contracts", "Lead Officer"): "The OPCC officer who manages this contract.",
    ("Contracts", "Deputy Officer"): "The OPCC officer who covers for the lead; leaving it blank raises GOVERNANCE_NO_DEPUTY.",
    ("Contracts", "Annual Contract Value (£)"): "The value of the contract for one year, in pounds.",
    ("Contracts", "Client Group Size (service users a year)"): "How many service users the contract expects to support in a year.",
    ("Contracts", "Start Date"): "The first day of the contract.",
    ("Contracts", "End Date"): "The last day of the current term; change it when an extension is taken up.",
    ("Contracts", "Latest Extension End Date"): "The latest date the contract could run to if every extension were taken; blank if none.",
    ("Contracts", "Status"): "active, mobilising, ended or terminated.",
    ("KPI Menu", "KPI Code"): "A short unique code such as VS03: letters, digits, - _ . only.",
    ("KPI Menu", "KPI"): "The KPI's name as providers and SMG will read it.",
    ("KPI Menu", "Definition"): "How it is counted; for percentages say what the numerator and the denominator are.",
    ("KPI Menu", "Unit"): "count, percent, days, gbp (pounds) or score.",
    ("KPI Menu", "Direction"): "higher is better, lower is better, or for information (no target, no RAG).",
    ("KPI Menu", "Annual Aggregation"): "How four quarters make a year: sum, ratio of sums (percentages, averages), mean or latest.",
    ("SLA KPIs", "Contract ID"): "A Contract ID from the Contracts sheet.",
    ("SLA KPIs", "KPI Code"): "A KPI Code from the KPI Menu sheet.",
    ("SLA KPIs", "Target"): "The quarterly target; type percentages as 90%. Blank for KPIs reported for information.",
    ("SLA KPIs", "Amber Threshold"): "The worst level still tolerable: below the target if higher is better, above it if lower is better.",
    ("SLA KPIs", "Mandatory"): "Y if the provider must report this KPI every quarter, N if optional.",
    ("SLA KPIs", "Effective From"): "The first quarter this row applies to, like 2026-27 Q3; add a new row when a target changes.",
    ("Budgets", "Contract ID"): "A Contract ID from the Contracts sheet.",
    ("Budgets", "Financial Year"): "The financial year, like 2026-27.",
    ("Budgets", "Budget Line"): "A cost line the provider reports against in the financial return.",
    ("Budgets", "Annual Budget (£)"): "The budget for this line for the whole year, in pounds.",
    ("Audits", "Contract ID"): "A Contract ID from the Contracts sheet.",
    ("Audits", "Date"): "The date of the audit (planned or done).",
    ("Audits", "Audit Type"): "Choose the kind of audit from the list (strategy 3.1).",
    ("Audits", "Recommended By"): "Who asked for the audit: OPCC or provider.",
    ("Audits", "Outcome"): "What the audit found and what was agreed.",
    ("Exit", "Contract ID"): "A Contract ID from the Contracts sheet.",
    ("Exit", "Decision"): "What happens at the end: extend, re-tender, decommission or terminate.",
    ("Exit", "Notice Date"): "When the decision was given to the provider in writing.",
    ("Exit", "Service Transfer Plan Received"): "When the provider's service transfer plan arrived.",
    ("Exit", "Service Transfer Plan Approved"): "When the OPCC approved the service transfer plan.",
    ("Exit", "Post-Contract Review Date"): "When the post-contract review is held (strategy 3.0).",
    ("Disputes", "Contract ID"): "A Contract ID from the Contracts sheet.",
    ("Disputes", "Opened"): "When the issue was first raised.",
    ("Disputes", "Route"): "informal (in writing or at the quarterly meeting) or formal (the dispute procedure).",
    ("Disputes", "Stage"): "Where the dispute has got to, in a few words.",
    ("Disputes", "Written Notice Date"): "For a formal dispute: when written notice was given.",
    ("Disputes", "Meeting Date"): "When the dispute meeting was held; due within 10 working days of the notice.",
    ("Disputes", "Status"): "open, resolved or closed.",
    ("Disputes", "Summary"): "What the dispute is about and what has been agreed.",
    ("Disputes", "Action Plan Completion Date"): "When the agreed action plan is to be completed; past it with no Outcome raises DISPUTE_ACTION_PLAN_OVERDUE.",
    ("Disputes", "Outcome"): "What the action plan achieved, once it is complete (strategy 5.1 and 5.2).",
    ("Checklist", "Contract ID"): "A Contract ID from the Contracts sheet.",
    ("Checklist", "Item"): "A document or check, such as an accreditation certificate or insurance.",
    ("Checklist", "Status"): "in place, requested, missing or not applicable.",
    ("Checklist", "Expiry Date"): "When it expires, if it does; an expired item raises CHECKLIST_EXPIRED.",
    ("Checklist", "Due Date"): "For an item requested from the provider: when it is due; not received by then raises CHECKLIST_EXPIRED.",
    ("Settings", "Setting"): "The setting's name; keep the words as they are.",
    ("Settings", "Value"): "The value in force; change this one. Shares are typed as percentages, like 10%.",
    ("Settings", "Default"): "The value cm-excel uses when the row is missing.",
    ("Settings", "What It Does"): "What the setting changes.",
}

README_TITLE = "Contract register"
README_LINES = (
    "This workbook is the contract register that cm-excel reads. Each sheet is an Excel table: "
    "sort and filter freely, add rows at the bottom, but keep the headers exactly as they are.",
    "The contracts, providers and people in it are an invented example portfolio: replace them "
    "with your own. Hover over a header for what its column holds.",
    "",
    "Contracts: one row per contract, with its lead and deputy officer, value and dates.",
    "KPI Menu: the core performance set every SLA chooses from.",
    "SLA KPIs: which KPIs each contract reports, with targets. When a target changes, add a row "
    "with a later Effective From; keep the old row for the quarters before it.",
    "Budgets: each contract's budget lines for each financial year.",
    "Audits, Exit, Disputes, Checklist: the contract management calendar and records.",
    "Settings: deadlines and tolerances; change the Value column.",
    "",
    "Type percentages with a % sign (90%), money as numbers (1234 or £1,234), dates as dates "
    "(1 Apr 2026) and quarters like 2026-27 Q3. Contract IDs and KPI codes use letters, digits "
    "and - _ . only, because they become parts of file names.",
    "If the register has a mistake, cm-excel lists every problem with its sheet, row and column, "
    "and does nothing else until it is put right.",
)

_NUMBER_FORMATS = {MONEY: "£#,##0", INT: "#,##0", DATE: "d mmm yyyy"}
_UNIT_FORMATS = {"count": "#,##0", "days": "0.0", "gbp": "£#,##0", "score": "0.0"}


def write_starter_register(path: str | os.PathLike, records: dict | None = None) -> Path:
    """Write the starter register to ``path`` (atomically, replacing any file there).

    ``records`` (sheet name → records, shaped like ``STARTER_RECORDS``) replaces the example
    portfolio, e.g. with the benchmark's synthetic one. Returns the path written. Reading
    the starter back with ``read_register`` gives no problems.
    """
    import xlsxwriter

    target = Path(path)
    with atomic_path(target) as tmp:
        workbook = xlsxwriter.Workbook(str(tmp), {
            # Nothing typed here is ever turned into a formula, link or number behind our back.
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
            "in_memory": True,  # no temporary files in $TMPDIR for a killed run to leave
        })
        workbook.set_properties({
            "title": README_TITLE, "subject": "Contract management register",
            "author": "cm-excel", "comments": "Starter register written by cm-excel",
            "created": CREATED,
        })
        formats = _Formats(workbook)
        _write_readme(workbook, formats)
        for spec in SHEETS:
            _write_sheet(workbook, formats, spec, _rows(spec, records or STARTER_RECORDS))
        workbook.close()
    return target


class _Formats:
    """xlsxwriter formats made once and shared (Excel limits the number of styles)."""

    def __init__(self, workbook):
        self._workbook = workbook
        self._cache: dict[tuple, object] = {}

    def get(self, num_format: str | None = None, wrap: bool = False, **extra):
        key = (num_format, wrap, tuple(sorted(extra.items())))
        if key not in self._cache:
            props = {"valign": "top", **extra}
            if num_format:
                props["num_format"] = num_format
            if wrap:
                props["text_wrap"] = True
            self._cache[key] = self._workbook.add_format(props)
        return self._cache[key]


def _rows(spec: SheetSpec, records: dict) -> list[list[tuple[object, str | None]]]:
    """The sheet's rows as (value, number format) cells, in the spec's column order."""
    if spec is SETTINGS:
        return [_settings_row(knob) for knob in KNOBS]
    kpi_units = {k.code: k.unit for k in STARTER_KPIS}
    rows = []
    for record in records[spec.name]:
        row = []
        for column in spec.columns:
            value = _cell_value(getattr(record, column.field), column)
            num_format = _NUMBER_FORMATS.get(column.type)
            if spec is SLA_KPIS and column.field in ("target", "amber") and value is not None:
                num_format = _target_format(value, kpi_units[record.kpi_code])
            row.append((value, num_format))
        rows.append(row)
    return rows


def _cell_value(value, column: Column):
    if isinstance(value, Period):
        return value.label
    if column.type == FY:
        return fy_label(value)
    if column.type == YESNO:
        return "Y" if value else "N"
    return value


def _target_format(value: float, unit: str) -> str:
    if unit == "percent":
        return "0%" if float(value * 100).is_integer() else "0.0%"
    return _UNIT_FORMATS[unit]


def _settings_row(knob) -> list[tuple[object, str | None]]:
    if is_share_knob(knob):
        num_format = "0%"
    elif knob.type == INT:
        num_format = "0"
    else:
        num_format = None
    return [(knob.setting, None), (knob.default, num_format), (knob.default, num_format),
            (knob.description, None)]


README_WIDTH = 100  # characters; the column and the wrapping estimate below share it


def _write_readme(workbook, formats: _Formats) -> None:
    ws = workbook.add_worksheet("Read Me")
    ws.set_column(0, 0, README_WIDTH)
    ws.write(0, 0, README_TITLE, formats.get(bold=True, font_size=14))
    for i, line in enumerate(README_LINES, start=2):
        ws.write(i, 0, line, formats.get(wrap=True))
        # Spreadsheet programs do not grow a row for wrapped text written by a library, so
        # the row is given room for its lines; otherwise they print over each other.
        ws.set_row(i, 15 * max(1, -(-len(line) // (README_WIDTH - 10))))
    ws.hide_gridlines(2)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)


def _write_sheet(workbook, formats: _Formats, spec: SheetSpec, rows) -> None:
    ws = workbook.add_worksheet(spec.name)
    last_col = len(spec.columns) - 1
    ws.add_table(0, 0, max(len(rows), 1), last_col, {
        "name": spec.table_name,
        "style": TABLE_STYLE,
        "columns": [{"header": c.header, "header_format": formats.get(wrap=True, bold=True)}
                    for c in spec.columns],
    })
    # narrowed where needed so the sheet prints one A4 page wide at 8 pt or more
    widths = fit_widths([c.width for c in spec.columns])
    for col, column in enumerate(spec.columns):
        wrap = _wraps(column)
        ws.set_column(col, col, widths[col])
        help_text = COLUMN_HELP[(spec.name, column.header)]
        ws.write_comment(0, col, help_text, {"x_scale": 2.2, "y_scale": 1.2})
        _validate(ws, col, column, help_text)
        for r, row in enumerate(rows, start=1):
            value, num_format = row[col]
            cell_format = formats.get(num_format, wrap)
            if value is None:
                ws.write_blank(r, col, None, cell_format)
            elif isinstance(value, date):
                ws.write_datetime(r, col, datetime(value.year, value.month, value.day), cell_format)
            elif isinstance(value, str):
                ws.write_string(r, col, value, cell_format)
            else:
                ws.write_number(r, col, value, cell_format)
    # Row heights are set here because not every program grows a row to fit wrapped text.
    ws.set_row(0, _LINE_HEIGHT * max(_lines(c.header, w) for c, w in zip(spec.columns, widths)))
    for r, row in enumerate(rows, start=1):
        lines = max((_lines(value, w) for (value, _), column, w in zip(row, spec.columns, widths)
                     if isinstance(value, str) and _wraps(column)), default=1)
        if lines > 1:
            ws.set_row(r, _LINE_HEIGHT * lines)
    ws.freeze_panes(1, 0)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=SIDE_MARGIN_INCHES, right=SIDE_MARGIN_INCHES)
    ws.repeat_rows(0)
    ws.set_footer(f"&L{spec.name}&Rpage &P of &N")


_LINE_HEIGHT = 15


def _wraps(column: Column) -> bool:
    return column.type == TEXT and column.width >= 18


def _lines(text: str, width: int) -> int:
    """Roughly how many lines ``text`` wraps to in a column ``width`` characters wide."""
    import math

    return max(1, math.ceil(len(text) / max(width - 2, 1)))


def _validate(ws, col: int, column: Column, help_text: str) -> None:
    """Drop-downs for lists and Y/N, range checks for numbers and dates, input messages."""
    rule: dict = {"input_title": column.header[:32], "input_message": help_text[:255]}
    if column.type == ENUM:
        rule.update(validate="list", source=list(column.choices),
                    error_message=f"Choose one of: {', '.join(column.choices)}."[:255])
    elif column.type == YESNO:
        rule.update(validate="list", source=["Y", "N"], error_message="Choose Y or N.")
    elif column.type == DATE:
        rule.update(validate="date", criteria="between",
                    minimum=date(2000, 1, 1), maximum=date(2099, 12, 31),
                    error_message="Type a date, such as 1 Apr 2026.")
    elif column.type in (MONEY, NUMBER):
        rule.update(validate="decimal", criteria=">=", value=0,
                    error_message="Type a number of 0 or more (percentages as 90%).")
    elif column.type == INT:
        rule.update(validate="integer", criteria=">=", value=0,
                    error_message="Type a whole number of 0 or more.")
    else:
        rule.update(validate="any")
    ws.data_validation(1, col, VALIDATION_ROWS, col, rule)
