"""Feedback workbooks for providers: the problems found, and their own return marked up.

``outbox/feedback/<FY>-<Q>/<Contract ID>_<kind>_feedback.xlsx`` (or
``outbox/feedback/unidentified/<file stem>_feedback.xlsx`` when the file could not be tied
to a contract with confidence) holds:

- a **Problems** sheet first: Level, Code, Sheet, Cell, What is wrong, What to do;
- then the sheets of the return the provider sent, re-created from the values the engine
  read (``intake.sheet_values``: the same bytes it checked and hashed, never the file opened
  again), each cell concerned filled red (error) or amber (query, warning) with a comment
  saying what is wrong. Never the hidden ``_meta`` sheet, never anything but that one file.

The workbook holds only what cm-excel puts there: values. Nothing of the provider's file is
carried (no formulas, conditional formats, data validations, defined names, hyperlinks,
merged cells, comments, pictures or links), and nothing a provider typed becomes a formula:
text is written as text, cleaned of control characters and cut to Excel's cell limit
(``excel_text``). Its cost is bounded by counts (``sheet_values`` limits, ``MAX_LISTED``,
``MAX_MARKED``), whatever the file holds. The same return gives the same bytes: the
workbook is dated by the quarter, not by the clock. It is written atomically.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path

from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell

from ..atomic import atomic_path
from ..errors import WorkspaceError
from ..excel_text import cell_text
from ..print_setup import MIN_SCALE, SIDE_MARGIN_INCHES, fit_widths
from ..findings import LEVEL_ORDER, Finding, Level, sort_key
from ..validation.result import ValidationResult
from ..workspace import Workspace
from .xlsx_style import WORKBOOK_OPTIONS, CleanWorkbook

PROBLEMS_SHEET = "Problems"
PROBLEM_HEADERS = ("Level", "Code", "Sheet", "Cell", "What is wrong", "What to do")
HEADER_ROW = 5  # rows 1-4 say what this workbook is; row 5 heads the problem list
LEVEL_WORDS = {Level.ERROR: "Error", Level.QUERY: "Query", Level.WARNING: "Warning"}
# Excel's own "Bad" and "Neutral" fills, so the colours read as Excel users expect.
FILLS = {Level.ERROR: "#FFC7CE", Level.QUERY: "#FFEB9C", Level.WARNING: "#FFEB9C"}
HEADER_FILL = "#1F4E78"
# Level, Code, Sheet, Cell, What is wrong, What to do: the two wide ones narrowed so the
# Problems sheet prints one A4 page wide at 8 pt or more
# (a little under, as a spreadsheet program adds its own padding to each width)
WIDTHS = fit_widths((18, 26, 16, 8, 70, 60), floor=20, min_scale=MIN_SCALE + 0.03)
COPY_WIDTH = 16  # columns of the re-created sheets
MAX_LISTED = 5_000  # problems listed on the Problems sheet
MAX_MARKED_CELLS = 500  # a finding on a huge range marks its first cells only
MAX_MARKED = 5_000  # cells marked in all
NUMBER_FORMATS = {datetime: "d mmm yyyy hh:mm", date: "d mmm yyyy", time: "hh:mm:ss",
                  timedelta: "[h]:mm:ss"}
_SAFE_NAME = re.compile(r"[^A-Za-z0-9 _.()-]+")
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,30}")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def needs_feedback(result: ValidationResult) -> bool:
    """True for a rejected return and for any return with queries or warnings."""
    return result.status == "rejected" or bool(result.findings)


def is_identified(result: ValidationResult) -> bool:
    """Contract, period and kind known, with no identity error (unknown contract, another
    provider's template ...): only then may the feedback carry the contract's name."""
    from ..validation.rules import RULES

    if not (result.contract_id and result.period and result.kind):
        return False
    if not _SAFE_ID.fullmatch(result.contract_id) or result.kind not in ("performance",
                                                                         "financial"):
        return False
    for f in result.findings:
        rule = RULES.get(f.code)
        if f.level is Level.ERROR and (rule is None or rule.concern == "identity"):
            return False
    return True


def feedback_path(workspace: Workspace, result: ValidationResult) -> Path:
    """Where the feedback workbook for ``result`` goes (see module docstring)."""
    if is_identified(result):
        return workspace.feedback_dir(result.period) / (
            f"{result.contract_id}_{result.kind}_feedback.xlsx")
    stem = _SAFE_NAME.sub("_", Path(result.file or result.path).stem).strip(" ._")[:80]
    return workspace.feedback_dir(None) / f"{stem or 'return'}_feedback.xlsx"


def write_feedback(result: ValidationResult, target: str | Path, *,
                   copy_sheets: bool = True) -> Path:
    """Write the feedback workbook for ``result`` to ``target`` atomically; return the path.

    The provider's sheets are re-created from ``result.sheet_values`` (the values read from
    their file) when ``copy_sheets`` and those values are there; otherwise the workbook holds
    the Problems sheet alone. Raises WorkspaceError when the target is locked (open in Excel).
    """
    target = Path(target)
    values = None
    if copy_sheets and result.sheet_values is not None:
        try:
            values = result.sheet_values()
        except Exception:  # their sheets could not be read after all: list the problems only
            values = None
    if values is not None and not values.sheets:
        values = None
    try:
        return _write(result, target, values)
    except WorkspaceError:
        raise  # the target is locked (open in Excel): the caller decides
    except Exception:  # something in their values we cannot write: the problems alone
        if values is None:
            raise
        return _write(result, target, None)


def _write(result: ValidationResult, target: Path, values) -> Path:
    # Dated by the quarter, not the clock, so the same return gives the same feedback file.
    stamp = datetime.combine(result.period.end, time()) if result.period else datetime(2000, 1, 1)
    with atomic_path(target) as tmp:
        wb = CleanWorkbook(str(tmp), dict(WORKBOOK_OPTIONS, in_memory=True))
        _Feedback(wb, result, values).write()
        wb.set_properties({"title": cell_text(f"Feedback on {result.file}")[:250],
                           "author": "cm-excel", "created": stamp})
        wb.close()
    return target


class _Feedback:
    """One feedback workbook being written."""

    def __init__(self, wb, result: ValidationResult, values):
        self.wb, self.result, self.values = wb, result, values
        self.findings = sorted(result.findings, key=sort_key)
        self._formats: dict[tuple, object] = {}
        self.names: dict[str, str] = {}  # their sheet name → its name here
        if values is not None:
            taken = {PROBLEMS_SHEET.casefold()}
            for grid in values.sheets:
                self.names[grid.name] = _unique_sheet_name(grid.name, taken)

    def fmt(self, *, fill: str | None = None, number: str | None = None, **props):
        key = (fill, number, tuple(sorted(props.items())))
        if key not in self._formats:
            spec = {"valign": "top", **props}
            if fill:
                spec.update(pattern=1, bg_color=fill)
            if number:
                spec["num_format"] = number
            self._formats[key] = self.wb.add_format(spec)
        return self._formats[key]

    def write(self) -> None:
        problems = self.wb.add_worksheet(PROBLEMS_SHEET)
        self._problems(problems)
        if self.values is not None:
            marks = self._marks()
            for grid in self.values.sheets:
                self._their_sheet(grid, marks.get(grid.name, {}))
        problems.activate()

    # --- the Problems sheet ----------------------------------------------------------------

    def _problems(self, ws) -> None:
        result, findings, copied = self.result, self.findings, self.values is not None
        what = " · ".join(p for p in (result.contract_id, result.provider,
                                      f"{result.kind} return" if result.kind else None,
                                      result.period.label if result.period else None) if p)
        verdict = ("Rejected: please correct the errors (and explain any queries) and send the "
                   "return again." if result.status == "rejected" else
                   "Accepted: please read the queries and warnings below; no need to send it "
                   "again unless a figure is wrong.")
        guide = ("Correct your original return, not this copy. On the sheets after this one, "
                 "cells with a problem are filled red (error) or amber (query or warning); "
                 "hover over a cell to read its comment." if copied else
                 "Your file could not be opened as a workbook, so only the problems are listed.")
        ws.write_string(0, 0, f"Feedback on {result.file}", self.fmt(bold=True, font_size=14))
        ws.write_string(1, 0, f"{what}. {verdict}" if what else verdict, self.fmt(bold=True))
        ws.write_string(2, 0, guide)
        if copied and not self.values.complete:
            ws.write_string(3, 0, self._partial_note(), self.fmt(italic=True))

        head = HEADER_ROW - 1
        header = self.fmt(bold=True, font_color="#FFFFFF", fill=HEADER_FILL)
        for col, text in enumerate(PROBLEM_HEADERS):
            ws.write_string(head, col, text, header)
        wrap, top = self.fmt(text_wrap=True), self.fmt()
        link = self.fmt(font_color="#0563C1", underline=1)
        listed = findings[:MAX_LISTED]
        for row, f in enumerate(listed, start=head + 1):
            word = LEVEL_WORDS[f.level] + (" (explained)" if f.explained else "")
            ws.write_string(row, 0, word, self.fmt(fill=FILLS[f.level]))
            ws.write_string(row, 1, f.code, top)
            ws.write_string(row, 2, f.sheet or "", top)
            first = _first_cell(f.cell)
            if copied and f.sheet in self.names and first:
                quoted = self.names[f.sheet].replace("'", "''")
                ws.write_url(row, 3, f"internal:'{quoted}'!{first}", link, string=f.cell)
            else:
                ws.write_string(row, 3, f.cell or "", top)
            ws.write_string(row, 4, f.message, wrap)
            ws.write_string(row, 5, f.action or "", wrap)
            # Row heights are set because not every program grows a wrapped row by itself.
            lines = max(_lines(f.message, WIDTHS[4]), _lines(f.action or "", WIDTHS[5]))
            ws.set_row(row, 15 * lines)
        last = head + max(len(listed), 1)
        if not findings:
            ws.write_string(head + 1, 0, "No problems found.")
        elif len(findings) > len(listed):
            last += 1
            ws.write_string(last, 0, f"... and {len(findings) - len(listed):,} more problems "
                                     "of the same kinds; correct those above and check the "
                                     "return again.", self.fmt(italic=True))
        ws.autofilter(head, 0, last, len(PROBLEM_HEADERS) - 1)
        ws.freeze_panes(head + 1, 0)
        for col, width in enumerate(WIDTHS):
            ws.set_column(col, col, width)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.set_margins(left=SIDE_MARGIN_INCHES, right=SIDE_MARGIN_INCHES)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(head)

    def _partial_note(self) -> str:
        parts = [f"'{g.name}' has {g.total:,} filled cells; its first {len(g.cells):,} are "
                 "copied here" for g in self.values.sheets if not g.complete]
        if self.values.skipped_sheets:
            parts.append(f"{len(self.values.skipped_sheets):,} more sheet(s) are not copied")
        return ("Only part of your return is copied: " + "; ".join(parts)
                + ". Every problem is still listed below.")

    # --- their sheets ---------------------------------------------------------------------

    def _marks(self) -> dict[str, dict[tuple[int, int], list[Finding]]]:
        """Sheet → (row, col) → findings there, for sheets that are copied."""
        marks: dict[str, dict[tuple[int, int], list[Finding]]] = defaultdict(
            lambda: defaultdict(list))
        count = 0
        for f in self.findings:
            if f.sheet not in self.names:
                continue
            for rc in _cells_of(f.cell):
                if rc not in marks[f.sheet] and count >= MAX_MARKED:
                    continue
                count += rc not in marks[f.sheet]
                marks[f.sheet][rc].append(f)
        return marks

    def _their_sheet(self, grid, marks: dict[tuple[int, int], list[Finding]]) -> None:
        ws = self.wb.add_worksheet(self.names[grid.name])
        if grid.state != "visible":
            ws.hide()
        last_col = -1
        for r, c, value in grid.cells:
            found = marks.get((r, c))
            self._put(ws, r, c, value, _worst(found) if found else None)
            last_col = max(last_col, c)
        kept = {(r, c) for r, c, _v in grid.cells} if marks else set()
        for (r, c), here in sorted(marks.items()):
            if (r, c) not in kept:  # a blank cell, or one beyond what was copied
                value = next((f.value for f in here if _first_cell(f.cell) ==
                              xl_rowcol_to_cell(r, c) and f.value is not None), None)
                self._put(ws, r, c, value if grid.total > len(grid.cells) else None,
                          _worst(here))
            ws.write_comment(r, c, _comment(here), {
                "author": "cm-excel", "x_scale": 2.2,
                "y_scale": min(1 + sum(len(f.message) for f in here) / 160, 6)})
            last_col = max(last_col, c)
        if last_col >= 0:
            ws.set_column(0, last_col, COPY_WIDTH)

    def _put(self, ws, r: int, c: int, value, level: Level | None) -> None:
        fill = FILLS[level] if level is not None else None
        kind = type(value)
        if value is None:
            if fill:
                ws.write_blank(r, c, None, self.fmt(fill=fill))
        elif kind is bool:
            ws.write_boolean(r, c, value, self.fmt(fill=fill) if fill else None)
        elif kind in (int, float) and math.isfinite(value):
            ws.write_number(r, c, value, self.fmt(fill=fill) if fill else None)
        elif kind in NUMBER_FORMATS:
            try:
                ws.write_datetime(r, c, value, self.fmt(fill=fill, number=NUMBER_FORMATS[kind]))
            except (ValueError, TypeError, OverflowError):  # outside Excel's dates
                ws.write_string(r, c, str(value), self.fmt(fill=fill) if fill else None)
        else:
            ws.write_string(r, c, str(value), self.fmt(fill=fill) if fill else None)


def _worst(findings: list[Finding]) -> Level:
    return min((f.level for f in findings), key=LEVEL_ORDER.__getitem__)


def _comment(findings: list[Finding]) -> str:
    return cell_text("\n\n".join(
        f"{LEVEL_WORDS[f.level]} {f.code}: {f.message}"
        + (f"\nWhat to do: {f.action}" if f.action else "") for f in findings))


def _unique_sheet_name(name: str, taken: set[str]) -> str:
    """A name Excel accepts (31 characters, none of []:*?/\\), unique, never "Problems"."""
    base = _SHEET_NAME_BAD.sub("_", name).strip("'")[:31] or "Sheet"
    candidate, n = base, 1
    while candidate.casefold() in taken:
        suffix = f" ({n})"
        candidate = base[:31 - len(suffix)] + suffix
        n += 1
    taken.add(candidate.casefold())
    return candidate


def _lines(text: str, width: int) -> int:
    """Lines a wrapped text takes in a column ``width`` characters wide (roughly)."""
    per_line = max(width - 4, 10)
    return max(1, sum(-(-max(len(part), 1) // per_line) for part in text.split("\n")))


_A1 = re.compile(r"^[A-Za-z]{1,3}[0-9]{1,7}$")


def _first_cell(ref: str | None) -> str | None:
    cells = _cells_of(ref, limit=1)
    return xl_rowcol_to_cell(*cells[0]) if cells else None


def _cells_of(ref: str | None, limit: int = MAX_MARKED_CELLS) -> list[tuple[int, int]]:
    """Zero-based (row, col) of the cells in ``ref`` (a cell or a range), row by row; []
    when it is not one."""
    parts = (ref or "").replace("$", "").strip().split(":")
    if not 1 <= len(parts) <= 2 or not all(_A1.match(p) for p in parts):
        return []
    (r1, c1), (r2, c2) = (xl_cell_to_rowcol(p.upper()) for p in (parts[0], parts[-1]))
    if max(r1, r2) > 1_048_575 or max(c1, c2) > 16_383:
        return []
    out = []
    for r in range(min(r1, r2), max(r1, r2) + 1):
        for c in range(min(c1, c2), max(c1, c2) + 1):
            out.append((r, c))
            if len(out) >= limit:
                return out
    return out
