"""Feedback workbooks for providers: the problems found, and their own return marked up.

``outbox/feedback/<FY>-<Q>/<Contract ID>_<kind>_feedback.xlsx`` (or
``outbox/feedback/unidentified/<file stem>_feedback.xlsx`` when the file could not be tied
to a contract with confidence) holds:

- a **Problems** sheet first: Level, Code, Sheet, Cell, What is wrong, What to do;
- then a values-only copy of the sheets of the return the provider sent (never the hidden
  ``_meta`` sheet, never anything but that one file), each cell concerned filled red
  (error) or amber (query, warning) with a comment saying what is wrong.

Nothing a provider typed becomes a formula here: the copy is loaded with cached values
only (no formulas survive), and any text starting with ``=``, ``+``, ``-`` or ``@`` is
kept as text. External links are dropped when loading. The file is written atomically.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, time
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import coordinate_from_string, range_boundaries
from openpyxl.worksheet.hyperlink import Hyperlink

from ..atomic import atomic_path, make_reproducible
from ..errors import WorkspaceError
from ..templates.contract import META_SHEET
from ..print_setup import SIDE_MARGIN_INCHES, fit_widths
from ..findings import LEVEL_ORDER, Finding, Level, sort_key
from ..validation.result import ValidationResult
from ..workspace import Workspace

PROBLEMS_SHEET = "Problems"
PROBLEM_HEADERS = ("Level", "Code", "Sheet", "Cell", "What is wrong", "What to do")
HEADER_ROW = 5  # rows 1-3 say what this workbook is; row 5 heads the problem list
LEVEL_WORDS = {Level.ERROR: "Error", Level.QUERY: "Query", Level.WARNING: "Warning"}
# Excel's own "Bad" and "Neutral" fills, so the colours read as Excel users expect.
FILLS = {Level.ERROR: PatternFill("solid", fgColor="FFC7CE"),
         Level.QUERY: PatternFill("solid", fgColor="FFEB9C"),
         Level.WARNING: PatternFill("solid", fgColor="FFEB9C")}
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
# Level, Code, Sheet, Cell, What is wrong, What to do: the two wide ones narrowed so the
# Problems sheet prints one A4 page wide at 8 pt or more
WIDTHS = fit_widths((18, 26, 16, 8, 70, 60), floor=20)
RISKY_START = ("=", "+", "-", "@")
MAX_MARKED_CELLS = 500  # a finding on a huge range marks its first cells only
_SAFE_NAME = re.compile(r"[^A-Za-z0-9 _.()-]+")
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,30}")


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
                   source: str | Path | None = None) -> Path:
    """Write the feedback workbook for ``result`` to ``target`` atomically; return the path.

    ``source`` is the provider's file to copy and mark up (usually ``result.path``); None,
    or a file that cannot be loaded, gives a workbook with the Problems sheet alone.
    """
    target = Path(target)
    findings = sorted(result.findings, key=sort_key)
    if source is not None:
        try:
            return _write(result, findings, target, source)
        except WorkspaceError:
            raise  # the target is locked (open in Excel): the caller decides
        except Exception:  # something in their file openpyxl cannot write back: list only
            pass
    return _write(result, findings, target, None)


def _write(result: ValidationResult, findings: list[Finding], target: Path, source) -> Path:
    wb, copied = _their_return(source)
    ws = wb.create_sheet(_free_title(wb, PROBLEMS_SHEET), 0)
    _problems_sheet(ws, result, findings, copied, set(wb.sheetnames))
    if copied:
        _mark_cells(wb, findings)
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = sheet is ws
    wb.active = 0
    wb.properties.creator = "cm-excel"
    wb.properties.lastModifiedBy = "cm-excel"
    wb.properties.title = _clean(f"Feedback on {result.file}")[:250]
    # Dated by the quarter, not the clock, so the same return gives the same feedback file.
    stamp = datetime.combine(result.period.end, time()) if result.period else None
    wb.properties.created = stamp or datetime(2000, 1, 1)
    with atomic_path(target) as tmp:
        wb.save(tmp)
        make_reproducible(tmp, stamp)
    return target


# --- their return ---------------------------------------------------------------------------


def _their_return(source) -> tuple[Workbook, bool]:
    """(workbook, True) holding the provider's sheets as values, or (empty workbook, False)."""
    if source is None or not Path(source).is_file():
        return _empty(), False
    try:
        # data_only: cached values instead of formulas; keep_links=False: external links
        # are neither kept nor followed. openpyxl parses with defusedxml when installed.
        wb = load_workbook(source, data_only=True, keep_links=False, keep_vba=False,
                           rich_text=False)
    except Exception:  # a file the validator could read but openpyxl cannot: no copy
        return _empty(), False
    for sheet in list(wb.worksheets) + list(getattr(wb, "chartsheets", [])):
        if sheet.title.lower() == META_SHEET.lower():
            wb.remove(sheet)
    _drop_dangling_names(wb)
    for sheet in wb.worksheets:
        if sheet.sheet_state == "veryHidden":
            sheet.sheet_state = "hidden"
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":  # cannot happen with data_only; never keep one
                    cell.value = None
                elif isinstance(cell.value, str) and cell.value.startswith(RISKY_START):
                    cell.data_type = "s"
    if not wb.worksheets:
        return _empty(), False
    return wb, True


def _empty() -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def _drop_dangling_names(wb) -> None:
    """Remove defined names, print settings and validations that pointed at ``_meta``."""
    meta = META_SHEET.lower()

    def dangling(text) -> bool:
        return isinstance(text, str) and meta in text.lower()

    for name in [n for n, d in wb.defined_names.items() if dangling(d.attr_text)]:
        del wb.defined_names[name]
    for sheet in wb.worksheets:
        for name in [n for n, d in sheet.defined_names.items() if dangling(d.attr_text)]:
            del sheet.defined_names[name]
        validations = sheet.data_validations.dataValidation
        sheet.data_validations.dataValidation = [
            dv for dv in validations if not (dangling(dv.formula1) or dangling(dv.formula2))]


def _free_title(wb, wanted: str) -> str:
    if wanted not in wb.sheetnames:
        return wanted
    taken = wb[wanted]
    n = 1
    while f"{wanted} ({n})" in wb.sheetnames:
        n += 1
    taken.title = f"{wanted} ({n})"  # theirs moves aside; ours keeps the documented name
    return wanted


# --- the Problems sheet -----------------------------------------------------------------------


def _problems_sheet(ws, result: ValidationResult, findings: list[Finding], copied: bool,
                    sheets: set[str]) -> None:
    rejected = result.status == "rejected"
    what = " · ".join(p for p in (result.contract_id, result.provider,
                                  f"{result.kind} return" if result.kind else None,
                                  result.period.label if result.period else None) if p)
    _text(ws, 1, 1, f"Feedback on {result.file}").font = Font(bold=True, size=14)
    verdict = ("Rejected: please correct the errors (and explain any queries) and send the "
               "return again." if rejected else
               "Accepted: please read the queries and warnings below; no need to send it again "
               "unless a figure is wrong.")
    _text(ws, 2, 1, f"{what}. {verdict}" if what else verdict).font = Font(bold=True)
    guide = ("Correct your original return, not this copy. On the sheets after this one, cells "
             "with a problem are filled red (error) or amber (query or warning); hover over a "
             "cell to read its comment." if copied else
             "Your file could not be opened as a workbook, so only the problems are listed.")
    _text(ws, 3, 1, guide).alignment = Alignment(wrap_text=False)

    for col, header in enumerate(PROBLEM_HEADERS, start=1):
        c = _text(ws, HEADER_ROW, col, header)
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = HEADER_FILL
    for row, f in enumerate(findings, start=HEADER_ROW + 1):
        word = LEVEL_WORDS[f.level] + (" (explained)" if f.explained else "")
        level_cell = _text(ws, row, 1, word)
        level_cell.fill = FILLS[f.level]
        _text(ws, row, 2, f.code)
        _text(ws, row, 3, f.sheet or "")
        cell = _text(ws, row, 4, f.cell or "")
        if copied and f.sheet in sheets and _first_cell(f.cell):
            quoted = f.sheet.replace("'", "''")
            cell.hyperlink = Hyperlink(ref=cell.coordinate,
                                       location=f"'{quoted}'!{_first_cell(f.cell)}")
            cell.font = Font(color="0563C1", underline="single")
        _text(ws, row, 5, f.message)
        _text(ws, row, 6, f.action or "")
        for col in (1, 2, 3, 4, 5, 6):
            ws.cell(row, col).alignment = Alignment(wrap_text=col >= 5, vertical="top")
        # Row heights are set because not every program grows a wrapped row by itself.
        lines = max(_lines(f.message, WIDTHS[4]), _lines(f.action or "", WIDTHS[5]))
        ws.row_dimensions[row].height = 15 * lines
    if not findings:
        _text(ws, HEADER_ROW + 1, 1, "No problems found.")
    last = HEADER_ROW + max(len(findings), 1)
    ws.auto_filter.ref = f"A{HEADER_ROW}:F{last}"
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    for col, width in zip("ABCDEF", WIDTHS):
        ws.column_dimensions[col].width = width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_margins.left = ws.page_margins.right = SIDE_MARGIN_INCHES
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


def _lines(text: str, width: int) -> int:
    """Lines a wrapped text takes in a column ``width`` characters wide (roughly)."""
    per_line = max(width - 4, 10)
    return max(1, sum(-(-max(len(part), 1) // per_line) for part in text.split("\n")))


def _text(ws, row: int, col: int, value: str):
    """Write text that stays text, whatever it starts with (never a formula)."""
    cell = ws.cell(row=row, column=col)
    cell.value = _clean(value)
    cell.data_type = "s"
    return cell


def _clean(text: str) -> str:
    """Text XML can carry: control characters (a provider's stray tab or form feed, quoted
    in a message) are replaced, and Excel's 32,767-character cell limit is respected."""
    return ILLEGAL_CHARACTERS_RE.sub("?", str(text))[:32_000]


# --- marking their cells ---------------------------------------------------------------------


def _mark_cells(wb, findings: list[Finding]) -> None:
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        if f.sheet in wb.sheetnames and f.sheet != PROBLEMS_SHEET:
            for ref in _cells_of(f.cell):
                by_cell[(f.sheet, ref)].append(f)
    for (sheet, ref), here in by_cell.items():
        ws = wb[sheet]
        cell = ws[ref]
        worst = min((f.level for f in here), key=LEVEL_ORDER.__getitem__)
        try:
            cell.fill = FILLS[worst]
        except AttributeError:  # a merged cell's hidden part
            continue
        text = "\n\n".join(
            f"{LEVEL_WORDS[f.level]} {f.code}: {f.message}"
            + (f"\nWhat to do: {f.action}" if f.action else "") for f in here)
        if cell.comment is not None and cell.comment.text:
            text += f"\n\n(Your note: {cell.comment.text})"
        comment = Comment(_clean(text), "cm-excel")
        comment.width, comment.height = 320, min(60 + 18 * text.count("\n") + len(text) // 3,
                                                 600)
        try:
            cell.comment = comment
        except AttributeError:
            pass


def _first_cell(ref: str) -> str | None:
    cells = _cells_of(ref, limit=1)
    return cells[0] if cells else None


def _cells_of(ref: str, limit: int = MAX_MARKED_CELLS) -> list[str]:
    """A1 references in ``ref`` (a cell or a range), row by row; [] if it is not one."""
    ref = (ref or "").replace("$", "").strip()
    if not ref:
        return []
    try:
        if ":" not in ref:
            coordinate_from_string(ref)
            return [ref.upper()]
        min_col, min_row, max_col, max_row = range_boundaries(ref)
    except (ValueError, TypeError):
        return []
    if None in (min_col, min_row, max_col, max_row):
        return []
    from openpyxl.utils import get_column_letter

    out = []
    for r in range(min_row, max_row + 1):
        for c in range(min_col, max_col + 1):
            out.append(f"{get_column_letter(c)}{r}")
            if len(out) >= limit:
                return out
    return out
