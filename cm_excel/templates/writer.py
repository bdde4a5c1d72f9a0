"""Write the personalised provider templates (xlsxwriter).

What goes into a template is decided in ``content.py``; how each column looks and what it
accepts is in ``layout.py``; colours in ``workbook_templates/template_style.json``; the
Instructions text in ``workbook_templates/instructions_<kind>.md.j2``. This module lays
them out. Rows and columns are zero-based integers inside; A1 strings only at the edge.

Layout (1-based Excel rows), relied on by nobody but printed here for people:

- Instructions: one line of text per row in column B.
- Contract: title rows 1-2; CONTRACT_FIELDS labels/values in A4:B11 (locked); a
  "Sign-off" heading in row 13; SIGN_OFF_FIELDS in A14:B16, each B cell unlocked and
  carrying the defined name of contract.SIGN_OFF_NAMES.
- Each table sheet: title rows 1-3, the table's header in row 5, its rows from row 6.
- _meta (very hidden): META_KEYS in column A, values in column B, from row 1.
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

from ..atomic import atomic_path
from ..excel_text import CleanWorkbook, shorten
from ..periods import Period
from ..register.model import Register, Settings
from . import contract as tc
from . import instructions as instr
from . import layout
from .content import TemplateContent, template_content
from .style import (DATE_FORMAT, INT_FORMAT, MONEY_FORMAT, NUMBER_FORMAT, TemplateStyle,
                    load_style, target_format, unit_formats)

HEADER_ROW = 4  # zero-based: Excel row 5 on every table sheet
FIELDS_ROW = 3  # zero-based: Excel row 4, the first CONTRACT_FIELDS row
SIGN_OFF_HEADING_ROW = FIELDS_ROW + len(tc.CONTRACT_FIELDS) + 1
SIGN_OFF_ROW = SIGN_OFF_HEADING_ROW + 1
BLANK_ROW_HEIGHT = 24  # points: room to write in an empty record row
LINE_HEIGHT = 13  # points per line of wrapped 10pt text
PAGE_HEIGHT = 495  # points of rows on a landscape A4 page at 100% (595 less margins)

# Protection guards against accidents, not people: no password, and everything a
# provider legitimately does to a form is allowed.
PROTECTION = {
    "insert_rows": True, "format_cells": True, "format_columns": True, "format_rows": True,
    "autofilter": True, "sort": True, "select_locked_cells": True,
    "select_unlocked_cells": True,
}
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2099, 12, 31)


@dataclass(frozen=True)
class TemplateGap:
    """An active contract whose templates would be empty: what the register lacks for it."""

    contract_id: str
    missing: tuple[str, ...]  # e.g. "SLA KPIs in force for 2026-27 Q3"

    def line(self) -> str:
        return f"{self.contract_id}: no {' and no '.join(self.missing)} in the register"


def template_gaps(register: Register, period: Period) -> list[TemplateGap]:
    """Active contracts with no SLA KPIs in force for ``period`` or no budget lines for its
    financial year, in Contract ID order: their templates would give providers nothing to
    fill in, so they are not issued until the register has them."""
    gaps = []
    for contract in register.active_contracts(period):
        cid = contract.contract_id
        missing = []
        if not register.sla_in_force(cid, period):
            missing.append(f"SLA KPIs in force for {period.label}")
        if not register.budget_lines(cid, period.fy):
            missing.append(f"budget lines for {period.fy_label}")
        if missing:
            gaps.append(TemplateGap(cid, tuple(missing)))
    return gaps


def write_templates(register: Register, period: Period, out_dir: str | os.PathLike, *,
                    office_name: str | None = None,
                    workspace_root: str | os.PathLike | None = None,
                    skip: Collection[str] = ()) -> list[Path]:
    """Write a performance and a financial template for every contract active in ``period``.

    Files are named by ``contract.template_filename`` inside ``out_dir`` (created if
    needed), each written atomically; the same register and period give byte-identical
    files. ``office_name`` defaults to the register's Settings. The office's instruction
    texts and style are looked up in ``workspace_root``/workbook_templates, by default the
    folder holding the register, then in the shipped defaults.
    Contracts whose IDs are in ``skip`` (e.g. those of ``template_gaps``) are left out.
    Returns the paths written, in contract order, performance before financial.
    Raises WorkspaceError (an output locked by Excel, a broken style file).
    """
    if workspace_root is None and register.path:
        workspace_root = Path(register.path).parent
    office = office_name or register.settings.office_name
    style = load_style(workspace_root)
    out = Path(out_dir)
    written = []
    for contract in register.active_contracts(period):
        if contract.contract_id in skip:
            continue
        for kind in tc.KINDS:
            content = template_content(register, contract, period, kind)
            path = out / content.filename
            write_template(content, path, settings=register.settings, office_name=office,
                           style=style, workspace_root=workspace_root)
            written.append(path)
    return written


def write_template(content: TemplateContent, path: str | os.PathLike, *, settings: Settings,
                   office_name: str, style: TemplateStyle | None = None,
                   workspace_root: str | os.PathLike | None = None) -> Path:
    """Write one template for ``content`` to ``path`` atomically; returns ``path``."""
    style = style or load_style(workspace_root)
    lines = instr.render(content, office_name=office_name, settings=settings,
                         workspace_root=workspace_root)
    with atomic_path(path) as tmp:
        _Builder(tmp, content, style, settings, office_name, lines).build()
    return Path(path)


class _Formats:
    """xlsxwriter formats made on demand from a role and a number format, then reused."""

    def __init__(self, wb: xlsxwriter.Workbook, style: TemplateStyle):
        self.wb, self.s = wb, style
        self._cache: dict[tuple, object] = {}

    def __call__(self, role: str, num_format: str | None = None, wrap: bool = False):
        key = (role, num_format, wrap)
        if key not in self._cache:
            props = dict(self._role(role))
            if num_format:
                props["num_format"] = num_format
            if wrap:
                props["text_wrap"] = True
            self._cache[key] = self.wb.add_format(props)
        return self._cache[key]

    def _role(self, role: str) -> dict:
        s = self.s
        cell = {"border": 1, "border_color": s.border_colour, "valign": "top"}
        roles = {
            "title": {"bold": True, "font_size": s.title_font_size, "font_color": s.title_colour},
            "subtitle": {"bold": True, "font_color": s.note_colour},
            "note": {"italic": True, "font_color": s.note_colour, "valign": "vcenter"},
            "heading": {"bold": True, "font_size": s.font_size + 2, "font_color": s.title_colour,
                        "bottom": 1, "bottom_color": s.border_colour, "valign": "bottom"},
            "text": {"text_wrap": True, "valign": "top"},
            "bold": {"bold": True},  # fragments of a rich string
            "plain": {},
            "bold_text": {"bold": True, "text_wrap": True, "valign": "top"},
            "bullet": {"text_wrap": True, "valign": "top", "indent": 1},
            "header": {"bold": True, "font_color": s.header_font_colour, "bg_color": s.header_fill,
                       "border": 1, "border_color": s.border_colour, "text_wrap": True,
                       "valign": "vcenter"},
            "label": {**cell, "bold": True, "bg_color": s.locked_fill, "valign": "vcenter"},
            "locked": {**cell, "bg_color": s.locked_fill},
            "value": {**cell, "bg_color": s.locked_fill, "align": "left", "valign": "vcenter"},
            "sign": {**cell, "bg_color": s.input_fill, "locked": False, "align": "left",
                     "valign": "vcenter"},
            "input": {**cell, "bg_color": s.input_fill, "locked": False},
            "input_centre": {**cell, "bg_color": s.input_fill, "locked": False,
                             "align": "center"},
            "not_needed": {**cell, "bg_color": s.not_needed_fill},
            "calculated": {**cell, "bg_color": s.calculated_fill},
        }
        return roles[role]


def _rows_for(text: str, width: float) -> int:
    """Lines a text needs when wrapped in a column ``width`` characters wide (an estimate:
    neither xlsxwriter nor LibreOffice's PDF export can be trusted to size rows for us)."""
    per_line = max(1, int(width * 1.2) - 2)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).split("\n"))


def _line_height(kind: str, text: str, width: float) -> float:
    """Points for one Instructions line."""
    if kind == instr.BLANK:
        return 8
    if kind in (instr.TITLE, instr.HEADING):
        return 24
    bold = sum(len(part) for is_bold, part in instr.segments(text) if is_bold)
    sized = instr.plain(text) + "x" * math.ceil(bold * 0.15)  # bold letters are wider
    return _rows_for(sized, width) * LINE_HEIGHT + 2


def _keep_headings_with_text(lines: list[instr.Line], heights: list[float]) -> list[int]:
    """Rows to break the page before, so that no heading ends a printed page."""
    breaks, used = [], 0.0
    for row, (line, height) in enumerate(zip(lines, heights)):
        need = height
        if line.kind == instr.HEADING and row + 1 < len(lines):
            need += heights[row + 1]
        if used and used + need > PAGE_HEIGHT:
            breaks.append(row)
            used = 0.0
        if used + height > PAGE_HEIGHT:  # the program breaks here by itself
            used = 0.0
        used += height
    return breaks


def _hf(text: str) -> str:
    """Escape text for an Excel page header/footer, where & starts a code."""
    return str(text).replace("&", "&&")


class _Builder:
    def __init__(self, path: Path, content: TemplateContent, style: TemplateStyle,
                 settings: Settings, office_name: str, lines: list[instr.Line]):
        self.c, self.style, self.settings = content, style, settings
        self.office_name, self.lines = office_name, lines
        self.wb = CleanWorkbook(str(path), {
            # Provider-facing text from the register is written as text, never as a
            # formula, number or link, whatever it starts with.
            "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
            "in_memory": True,  # no temporary files in $TMPDIR for a killed run to leave
            "default_format_properties": {"font_name": style.font_name,
                                          "font_size": style.font_size},
            # Pixel metrics of the default font (Arial 10: 17px rows, 64px columns).
            "default_row_height": 17, "default_column_width": 64,
        })
        self.fmt = _Formats(self.wb, style)

    # -- the workbook ------------------------------------------------------------------

    def build(self) -> None:
        c = self.c
        kind_title = "Performance" if c.kind == tc.PERFORMANCE else "Financial"
        self.wb.set_properties({
            "title": f"{kind_title} return {c.contract.contract_id} {c.period.label}",
            "subject": f"Quarterly {c.kind} return, {c.contract.service}",
            "author": self.office_name,
            "company": self.office_name,
            "category": "Provider return template",
            "keywords": f"{c.contract.contract_id}, {c.period.label}, {c.kind}",
            "comments": f"Template version {tc.TEMPLATE_VERSION}",
            # Fixed, so the same inputs give byte-identical files.
            "created": datetime.combine(c.period.start, time()),
        })
        for name in tc.SHEETS[c.kind]:
            if name == tc.INSTRUCTIONS_SHEET:
                self.instructions(self.wb.add_worksheet(name))
            elif name == tc.CONTRACT_SHEET:
                self.contract_sheet(self.wb.add_worksheet(name))
            elif name == tc.META_SHEET:
                self.meta(self.wb.add_worksheet(name))
            else:
                table = next(t for t in tc.tables_of(c.kind) if t.sheet == name)
                self.table_sheet(self.wb.add_worksheet(name), table)
        self.wb.worksheets()[0].activate()
        self.wb.close()

    def page_setup(self, ws, repeat_row: int | None = None) -> None:
        c = self.c
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        ws.fit_to_pages(1, 0)  # one page wide, as many tall as needed
        if repeat_row is not None:
            ws.repeat_rows(repeat_row)
        # "&8" sets 8pt; the space after it stops a text starting with digits from being
        # read as part of the font size.
        ws.set_header(f"&L&8 {_hf(c.contract.contract_id)} {c.kind} return"
                      f"&C&8 {_hf(c.period.label)}&R&8 {_hf(self.office_name)}")
        ws.set_footer(f"&L&8 {_hf(self.settings.protective_marking)} when completed"
                      "&C&8 Page &P of &N&R&8 &A")
        ws.hide_gridlines(2)
        ws.protect("", PROTECTION)

    def titles(self, ws, title: str, note: str) -> None:
        c = self.c
        ws.set_row(0, 22)
        ws.write_string(0, 0, title, self.fmt("title"))
        ws.write_string(1, 0, f"{c.contract.contract_id}  |  {c.contract.service}  |  "
                              f"{c.contract.provider}  |  {c.period.label}", self.fmt("subtitle"))
        ws.write_string(2, 0, note, self.fmt("note"))

    # -- Instructions ------------------------------------------------------------------

    def instructions(self, ws) -> None:
        width = 120
        ws.set_column(0, 0, 2)
        ws.set_column(1, 1, width)
        ws.set_tab_color(self.style.info_tab_colour)
        role = {instr.TITLE: "title", instr.HEADING: "heading", instr.BULLET: "bullet",
                instr.PARAGRAPH: "text"}
        texts = [f"\u2022  {ln.text}" if ln.kind == instr.BULLET else ln.text for ln in self.lines]
        heights = [_line_height(ln.kind, text, width - 3) for ln, text in zip(self.lines, texts)]
        for row, (line, text, height) in enumerate(zip(self.lines, texts, heights)):
            # Explicit heights: LibreOffice does not autofit rows when converting to PDF.
            ws.set_row(row, height)
            if line.kind != instr.BLANK:
                self.rich_text(ws, row, 1, text, self.fmt(role[line.kind]))
        ws.set_h_pagebreaks(_keep_headings_with_text(self.lines, heights))
        self.page_setup(ws)

    def rich_text(self, ws, row: int, col: int, text: str, cell_format) -> None:
        """Write text with **bold** parts (always as text, never a formula)."""
        parts = instr.segments(text)
        if not any(bold for bold, _ in parts):
            ws.write_string(row, col, instr.plain(text), cell_format)
        elif len(parts) == 1:  # all bold: a rich string needs two fragments
            ws.write_string(row, col, parts[0][1], self.fmt("bold_text"))
        else:
            fragments = []  # every fragment formatted: bare ones fall back to the app's font
            for bold, part in parts:
                fragments += [self.fmt("bold" if bold else "plain"), part]
            ws.write_rich_string(row, col, *fragments, cell_format)

    # -- Contract ----------------------------------------------------------------------

    def contract_sheet(self, ws) -> None:
        c, f = self.c, self.fmt
        ws.set_column(0, 0, 24)
        ws.set_column(1, 1, 52)
        ws.set_column(2, 2, 60)
        ws.set_tab_color(self.style.input_tab_colour)
        self.titles(ws, "Contract details and sign-off",
                    "The details below come from your contract and are locked. "
                    "Please fill in the yellow sign-off cells before you send the return.")
        for i, (label, value) in enumerate(c.contract_fields.items()):
            row = FIELDS_ROW + i
            ws.set_row(row, 18)
            ws.write_string(row, 0, label, f("label"))
            if isinstance(value, date):
                ws.write_datetime(row, 1, datetime.combine(value, time()),
                                  f("value", DATE_FORMAT))
            else:
                ws.write_string(row, 1, str(value), f("value"))
        ws.set_row(SIGN_OFF_HEADING_ROW, 24)
        ws.write_string(SIGN_OFF_HEADING_ROW, 0, "Sign-off", f("heading"))
        notes = {
            "Prepared By": "Name and job title of the person who prepared this return.",
            "Approved By": "Name and job title of the manager who approved it.",
            "Sign-off Date": "The date it was approved, for example 15/01/2027.",
        }
        sheet = quote_sheetname(tc.CONTRACT_SHEET)
        for i, label in enumerate(tc.SIGN_OFF_FIELDS):
            row = SIGN_OFF_ROW + i
            ws.set_row(row, 20)
            ws.write_string(row, 0, label, f("label"))
            is_date = label == "Sign-off Date"
            ws.write_blank(row, 1, None, f("sign", DATE_FORMAT if is_date else None))
            ws.write_string(row, 2, notes[label], f("note"))
            cell = xl_rowcol_to_cell(row, 1, row_abs=True, col_abs=True)
            self.wb.define_name(tc.SIGN_OFF_NAMES[label], f"={sheet}!{cell}")
            if is_date:
                ws.data_validation(row, 1, row, 1, {
                    "validate": "date", "criteria": "between",
                    "minimum": c.period.start, "maximum": c.period.end + timedelta(days=366),
                    "input_title": "Sign-off date", "input_message": notes[label],
                    "error_title": "Check sign-off date",
                    "error_message": f"Please type a date from {instr.day_text(c.period.start)} "
                                     f"to {instr.day_text(c.period.end + timedelta(days=366))}."})
            else:
                ws.data_validation(row, 1, row, 1, {
                    "validate": "length", "criteria": "<=", "value": 200,
                    "input_title": label, "input_message": notes[label],
                    "error_message": "Please keep this under 200 characters."})
        self.page_setup(ws)

    # -- table sheets ------------------------------------------------------------------

    def table_sheet(self, ws, table: tc.TableContract) -> None:
        specs = layout.COLUMNS[table.name]
        for col, spec in enumerate(specs):
            ws.set_column(col, col, spec.width)
        ws.set_tab_color(self.style.input_tab_colour)
        notes = {
            "PerformanceReturn": "Fill in the yellow cells. White cells are set by the OPCC and "
                                 "locked; grey cells are not needed; green cells are worked out "
                                 "for you.",
            "FinancialReturn": "Fill in the yellow cells, in pounds. White cells are the budget "
                               "agreed with the OPCC and are locked.",
        }
        self.titles(ws, layout.TITLES[table.name], notes.get(
            table.name, f"One row per item; leave the yellow rows empty if there is nothing "
                        f"to report. {table.blank_rows} rows are provided."))
        if table.name == "PerformanceReturn":
            n = self.performance_rows(ws, specs)
        elif table.name == "FinancialReturn":
            n = self.financial_rows(ws, specs)
        else:
            n = self.blank_rows(ws, specs, table.blank_rows)
        ws.set_row(HEADER_ROW, 30)
        ws.add_table(HEADER_ROW, 0, HEADER_ROW + n, len(specs) - 1, {
            "name": table.name,
            "columns": [{"header": s.header, "header_format": self.fmt("header")} for s in specs],
            "style": None,  # the cell formats carry the look; no banding to fight them
            "banded_rows": False,
            "autofilter": False,  # a form, not a list: no filter buttons over the headings
        })
        ws.freeze_panes(HEADER_ROW + 1, 0)
        self.page_setup(ws, repeat_row=HEADER_ROW)

    def performance_rows(self, ws, specs) -> int:
        f = self.fmt
        col = {s.header: i for i, s in enumerate(specs)}
        spec = {s.header: s for s in specs}
        if not self.c.kpi_rows:
            return self.blank_rows(ws, specs, 1)
        for i, kr in enumerate(self.c.kpi_rows):
            row = HEADER_ROW + 1 + i
            kpi = kr.kpi
            _, nfmt, afmt = unit_formats(kpi.unit)
            ws.set_row(row, max(2, _rows_for(kpi.name, spec["KPI"].width)) * LINE_HEIGHT + 4)
            ws.write_string(row, col["KPI Code"], kpi.code, f("locked"))
            ws.write_string(row, col["KPI"], kpi.name, f("locked", wrap=True))
            ws.write_string(row, col["Unit"], kpi.unit, f("locked"))
            if kr.target is None:
                ws.write_blank(row, col["Target"], None, f("locked"))
            else:
                ws.write_number(row, col["Target"], kr.target,
                                f("locked", target_format(kpi.unit, kr.target)))
            num, den, act = col["Numerator"], col["Denominator"], col["Actual"]
            label = f"{kpi.code} {kpi.name}"
            if kpi.is_ratio:
                for c in (num, den):
                    ws.write_blank(row, c, None, f("input", nfmt))
                    self.validate(ws, row, c, row, specs[c].validation, specs[c], about=label)
                n_ref, d_ref = xl_rowcol_to_cell(row, num), xl_rowcol_to_cell(row, den)
                # Only a convenience for the provider: the engine recomputes it.
                ws.write_formula(row, act, f'=IF({d_ref}>0,{n_ref}/{d_ref},"")',
                                 f("calculated", afmt), "")
            else:
                for c in (num, den):
                    ws.write_blank(row, c, None, f("not_needed"))
                ws.write_blank(row, act, None, f("input", afmt))
                kind = layout.WHOLE if kpi.unit == "count" else layout.NUMBER
                self.validate(ws, row, act, row, kind, spec["Actual"], about=label)
            ws.write_blank(row, col["Commentary"], None, f("input", wrap=True))
        last = HEADER_ROW + len(self.c.kpi_rows)
        self.validate(ws, HEADER_ROW + 1, col["Commentary"], last, layout.ANY, spec["Commentary"])
        return len(self.c.kpi_rows)

    def financial_rows(self, ws, specs) -> int:
        f = self.fmt
        if not self.c.budget_rows:
            return self.blank_rows(ws, specs, 1)
        for i, br in enumerate(self.c.budget_rows):
            row = HEADER_ROW + 1 + i
            ws.set_row(row, max(2, _rows_for(br.budget.line, specs[0].width)) * LINE_HEIGHT + 4)
            ws.write_string(row, 0, br.budget.line, f("locked", wrap=True))
            ws.write_number(row, 1, br.budget.annual_budget, f("locked", MONEY_FORMAT))
            ws.write_number(row, 2, br.quarter_budget, f("locked", MONEY_FORMAT))
            for col in range(3, len(specs)):
                ws.write_blank(row, col, None, self.input_format(specs[col]))
        last = HEADER_ROW + len(self.c.budget_rows)
        for col in range(3, len(specs)):
            self.validate(ws, HEADER_ROW + 1, col, last, specs[col].validation, specs[col])
        return len(self.c.budget_rows)

    def blank_rows(self, ws, specs, count: int) -> int:
        first, last = HEADER_ROW + 1, HEADER_ROW + count
        for row in range(first, last + 1):
            ws.set_row(row, BLANK_ROW_HEIGHT)
            for col, spec in enumerate(specs):
                ws.write_blank(row, col, None, self.input_format(spec))
        for col, spec in enumerate(specs):
            self.validate(ws, first, col, last, spec.validation, spec)
        return count

    def input_format(self, spec: layout.ColumnSpec):
        num = {layout.DATE: DATE_FORMAT, layout.MONEY: MONEY_FORMAT, layout.INT: INT_FORMAT,
               layout.UNIT: NUMBER_FORMAT}.get(spec.fmt)
        if spec.fmt == layout.CENTRE:
            return self.fmt("input_centre")
        return self.fmt("input", num, wrap=spec.fmt == layout.WRAP)

    # -- data validation ---------------------------------------------------------------

    def validate(self, ws, first: int, col: int, last: int, kind: str | None,
                 spec: layout.ColumnSpec, about: str = "") -> None:
        """Add the data validation ``kind`` (see layout) with the column's input message."""
        if kind is None:
            return
        message = f"{about}. {spec.message}" if about else spec.message
        if len(message) > 255:  # Excel's limit for an input message
            message = shorten(message, 255)  # at a word, with "…"
        opts: dict = {"input_title": spec.title, "input_message": message,
                      "error_title": f"Check {spec.title.lower()}"[:32]}
        p = self.c.period
        if kind == layout.ANY:
            opts.update(validate="any")
        elif kind in (layout.NUMBER, layout.WHOLE):
            opts.update(validate="decimal" if kind == layout.NUMBER else "integer",
                        criteria=">=", value=0,
                        error_message="Please type a number of 0 or more"
                                      + (", with no decimals." if kind == layout.WHOLE else "."))
        elif kind == layout.DATE_IN_QUARTER:
            opts.update(validate="date", criteria="between", minimum=p.start, maximum=p.end,
                        error_message=f"Please type a date from {instr.day_text(p.start)} to "
                                      f"{instr.day_text(p.end)}, the quarter this return covers.")
        elif kind == layout.DATE_REPORTED:
            earliest = p.shift(-tc.LATE_REPORT_QUARTERS).start
            opts.update(validate="date", criteria="between", minimum=earliest, maximum=p.end,
                        error_message=f"Please type a date from {instr.day_text(earliest)} to "
                                      f"{instr.day_text(p.end)}, the end of the quarter this "
                                      "return covers.")
        elif kind == layout.DATE_ANY:
            opts.update(validate="date", criteria="between", minimum=EARLIEST_DATE,
                        maximum=LATEST_DATE, error_message="Please type a date, e.g. 15/01/2027.")
        elif kind in layout.LISTS:
            choices = layout.LISTS[kind]
            opts.update(validate="list", source=list(choices),
                        error_message=f"Please choose one of: {', '.join(choices)}.")
        else:
            raise ValueError(f"unknown validation kind {kind!r}")
        ws.data_validation(first, col, last, col, opts)

    # -- metadata ----------------------------------------------------------------------

    def meta(self, ws) -> None:
        for row, (key, value) in enumerate(self.c.metadata.items()):
            ws.write_string(row, 0, key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(row, 1, value)
            else:
                ws.write_string(row, 1, str(value))
        ws.set_column(0, 0, 18)
        ws.set_column(1, 1, 70)
        ws.protect("", PROTECTION)
        ws.very_hidden()
