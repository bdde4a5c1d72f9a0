"""Read a return's cells, each with its sheet and A1 reference, into a ReturnWorkbook.

Call only on bytes that ``safety`` passed: python-calamine aborts the whole process on some
hostile sheets, which ``check_file`` refuses. ``open_return`` does both on one read of the
file, so the bytes checked are the bytes read and hashed.

Cell values come from python-calamine, read once per sheet and as stored: strings stay
strings ("1,234", "12%", "£1,000", " 42 " are for validation to interpret), numbers are
floats, date-formatted cells are date/datetime (1904 workbooks included), formula cells give
their cached value (never evaluated), empty cells None. Caveat: calamine reads a cached
error value such as ``#DIV/0!`` as an empty string, so it arrives here as None.

Structure (sheet names, tables and their sheets, defined names, the 1904 flag) comes from
the package's XML via ``package``. Each contract table is found by its table name; failing
that (LibreOffice or Google Sheets may drop the table definition on re-saving) by its header
row on the expected sheet, then on any other worksheet (a renamed sheet). Columns are mapped
by header text (trimmed, case-insensitive), so added and reordered columns are fine; fully
blank rows are skipped.

Failures: a package or sheet that cannot be read raises ReadFailure (code OPEN_UNREADABLE,
one sentence); the caller turns it into an error finding with ``ReadFailure.finding``.
Anything softer (table found by header, rows typed below a table, duplicated headers)
becomes a note on the ReturnWorkbook.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from python_calamine import CalamineWorkbook
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from ..errors import CmExcelError
from ..excel_text import CELL_LIMIT
from ..templates.contract import (CONTRACT_FIELDS, CONTRACT_SHEET, KINDS, META_KEYS, META_SHEET,
                                  SIGN_OFF_FIELDS, SIGN_OFF_NAMES, TABLES, TableContract)
from ..findings import Finding, Level
from .model import Cell, ReturnWorkbook, TableRead
from .package import Package, PackageError, TableDef, parse_cell_name, read_structure
from .sheet_values import SheetValues, collect
from .safety import (DEFAULT_MAX_BYTES, MAX_STRUCTURE_BYTES, SafetyVerdict, check_bytes,
                     load_bounded)

HEADER_SCAN_ROWS = 30  # a table's header row is looked for in a sheet's first rows

UNREADABLE = ("This workbook could not be read ({detail}); please open it in Excel, save it "
              "as an Excel Workbook (.xlsx) and send it again.")


class ReadFailure(CmExcelError):
    """The workbook passed the safety checks but could not be read. Not bad data in cells:
    the file itself. ``finding(file)`` gives the error finding OPEN_UNREADABLE."""

    code = "OPEN_UNREADABLE"

    def __init__(self, detail: str):
        self.sentence = UNREADABLE.format(detail=detail)
        super().__init__(self.sentence)

    def finding(self, file: str) -> Finding:
        return Finding(self.code, Level.ERROR, self.sentence, file=file)


def open_return(path: str | os.PathLike, *, max_bytes: int = DEFAULT_MAX_BYTES
                ) -> tuple[SafetyVerdict, ReturnWorkbook | None]:
    """Check and read a file on one read of its bytes.

    Returns the verdict, and the workbook when the verdict is ok. Raises ReadFailure when a
    file that passed cannot be read.
    """
    data, refusal = load_bounded(path, max_bytes=max_bytes)
    if data is None:
        return refusal, None
    verdict = check_bytes(data, max_bytes=max_bytes)
    if not verdict.ok:
        return verdict, None
    return verdict, read_return_bytes(data, path=str(path), name=Path(path).name,
                                      structure=verdict.structure, sha256=verdict.sha256)


def read_return(path: str | os.PathLike, *, expect_sha256: str | None = None) -> ReturnWorkbook:
    """Read the return at ``path`` (which ``safety.check_file`` has passed).

    With ``expect_sha256`` (the verdict's), a file changed since it was checked is refused.
    Raises ReadFailure (OPEN_UNREADABLE) when it cannot be read.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ReadFailure(f"the file could not be opened: {exc.strerror}") from None
    if expect_sha256 and hashlib.sha256(data).hexdigest() != expect_sha256:
        raise ReadFailure("the file changed after it was checked")
    return read_return_bytes(data, path=str(path), name=Path(path).name)


def read_return_bytes(data: bytes, *, path: str, name: str | None = None,
                      structure: Package | None = None, sha256: str | None = None
                      ) -> ReturnWorkbook:
    """``read_return`` for bytes already read (and passed by ``safety.check_bytes``).

    ``structure`` and ``sha256`` are the verdict's for these same bytes, when at hand: the
    package's XML is then not parsed a second time, nor the bytes hashed again.
    """
    pkg = structure if structure is not None else _structure(data)
    book = _Book(data, pkg)
    notes = list(pkg.notes)
    metadata = _read_metadata(book, notes)
    contract_fields, sign_off = _read_contract_sheet(book, pkg, notes)
    tables = _read_tables(book, pkg, _kinds(metadata, pkg), notes)
    values: list[SheetValues] = []

    def sheet_values() -> SheetValues:  # read on first use (feedback, TEXT_TOO_LONG), once
        if not values:
            values.append(collect(book.worksheets, book.states, book.rows_of))
        return values[0]

    return ReturnWorkbook(
        path=path, name=name or Path(path).name,
        sha256=sha256 or hashlib.sha256(data).hexdigest(),
        size=len(data), sheet_names=pkg.sheet_names, metadata=metadata,
        contract_fields=contract_fields, sign_off=sign_off, tables=tables,
        date1904=pkg.date1904, notes=notes, sheet_values=sheet_values,
        long_text_possible=pkg.largest_part is None or pkg.largest_part > CELL_LIMIT)


# --- the package and its sheets --------------------------------------------------------------

def _structure(data: bytes) -> Package:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        parts = {i.filename.casefold(): i for i in zf.infolist()}

        def get(name: str) -> bytes | None:
            info = parts.get(name.casefold())
            if info is None or info.file_size > MAX_STRUCTURE_BYTES:
                return None
            return zf.read(info)

        return read_structure(get)
    except PackageError as exc:
        raise ReadFailure(f"its part {exc.part} is damaged") from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        raise ReadFailure("it is not a readable zip package") from None


def _calamine_failed(exc: BaseException) -> bool:
    """True for failures of the Rust reader (including a pyo3 panic, a BaseException)."""
    return not isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit))


@dataclass
class _Sheet:
    """One sheet's values: ``rows[i][j]`` is the cell at zero-based (r0 + i, c0 + j)."""

    name: str
    rows: list[list]
    r0: int = 0
    c0: int = 0

    @property
    def last_row(self) -> int:
        return self.r0 + len(self.rows) - 1

    def value(self, r: int, c: int):
        i, j = r - self.r0, c - self.c0
        if 0 <= i < len(self.rows) and 0 <= j < len(self.rows[i]):
            v = self.rows[i][j]
            return None if v == "" else v
        return None

    def cell(self, r: int, c: int) -> Cell:
        return Cell(self.value(r, c), self.name, xl_rowcol_to_cell(r, c))

    def values(self, r: int, cols: list[int]) -> list:
        """The row's values in the given columns (None for empty), for reading many rows."""
        i = r - self.r0
        raw = self.rows[i] if 0 <= i < len(self.rows) else ()
        n, c0 = len(raw), self.c0
        out = []
        for c in cols:
            j = c - c0
            v = raw[j] if 0 <= j < n else ""
            out.append(None if v == "" else v)
        return out

    def row_items(self, r: int) -> list[tuple[int, object]]:
        """(column, value) of the row's non-empty cells."""
        i = r - self.r0
        if not 0 <= i < len(self.rows):
            return []
        return [(self.c0 + j, v) for j, v in enumerate(self.rows[i]) if v != ""]


class _Book:
    """The workbook through calamine; each sheet read at most once."""

    def __init__(self, data: bytes, pkg: Package):
        try:
            self._cal = CalamineWorkbook.from_filelike(io.BytesIO(data))
            cal_names = list(self._cal.sheet_names)
        except BaseException as exc:
            if not _calamine_failed(exc):
                raise
            raise ReadFailure("its workbook structure is damaged") from None
        self.worksheets = [s.name for s in pkg.sheets if s.kind == "worksheet"] or cal_names
        self.states = {s.name: s.state for s in pkg.sheets}
        self._cache: dict[str, _Sheet] = {}

    def find(self, name: str) -> str | None:
        """The worksheet called ``name``, matched as Excel does (case-insensitively)."""
        if name in self.worksheets:
            return name
        key = name.casefold()
        return next((n for n in self.worksheets if n.casefold() == key), None)

    def sheet(self, name: str) -> _Sheet:
        if name not in self._cache:
            self._cache[name] = self._read(name)
        return self._cache[name]

    def rows_of(self, name: str) -> tuple[list[list], int, int]:
        """(rows, r0, c0) of a sheet, for ``sheet_values``: a sheet the validator read
        comes from the cache, any other is read without being kept."""
        sheet = self._cache.get(name) or self._read(name)
        return sheet.rows, sheet.r0, sheet.c0

    def _read(self, name: str) -> _Sheet:
        try:
            sh = self._cal.get_sheet_by_name(name)
            start = sh.start
            rows = sh.to_python(skip_empty_area=True) if start else []
        except BaseException as exc:
            if not _calamine_failed(exc):
                raise
            raise ReadFailure(f"its sheet '{name}' is damaged") from None
        r0, c0 = start if start else (0, 0)
        return _Sheet(name, rows, r0, c0)


def _norm(value) -> str:
    """Header and label text as compared: whitespace collapsed, case folded, no trailing colon."""
    if type(value) is str and len(value) <= 200:  # a label: the same ones in every return
        return _norm_label(value)
    return _normalise(value)


def _normalise(value) -> str:
    return " ".join(str(value).split()).casefold().rstrip(":").rstrip()


_norm_label = lru_cache(maxsize=4096)(_normalise)


# --- metadata and the Contract sheet ---------------------------------------------------------

def _read_metadata(book: _Book, notes: list[str]) -> dict[str, Cell]:
    """META_KEYS → Cell from the (very hidden) metadata sheet: key in column A, value in B."""
    name = book.find(META_SHEET)
    if name is None:
        # Hidden sheets first: the metadata sheet is very hidden unless someone changed it.
        ordered = sorted(book.worksheets, key=lambda n: book.states.get(n) == "visible")
        name = next((n for n in ordered if _labels_in_column_a(book.sheet(n), {"template_kind"})),
                    None)
        if name is None:
            return {}
        notes.append(f"The metadata sheet was found under the name '{name}'.")
    return _pairs(book.sheet(name), {k.casefold(): k for k in META_KEYS})


def _labels_in_column_a(sheet: _Sheet, labels: set[str], rows: int = 100) -> int:
    found = {_norm(sheet.value(r, 0)) for r in range(sheet.r0, min(sheet.last_row, rows) + 1)}
    return len(found & labels)


def _pairs(sheet: _Sheet, wanted: dict[str, str]) -> dict[str, Cell]:
    """Label in column A → value Cell in column B, first occurrence of each wanted label."""
    out: dict[str, Cell] = {}
    for r in range(sheet.r0, sheet.last_row + 1):
        label = sheet.value(r, 0)
        if label is None:
            continue
        key = wanted.get(_norm(label))
        if key is not None and key not in out:
            out[key] = sheet.cell(r, 1)
    return out


def _read_contract_sheet(book: _Book, pkg: Package, notes: list[str]
                         ) -> tuple[dict[str, Cell], dict[str, Cell]]:
    """(contract fields, sign-off): label/value pairs of the Contract sheet; sign-off cells
    preferably through their defined names (they follow inserted rows), else by label."""
    labels = {_norm(f) for f in CONTRACT_FIELDS}
    name = book.find(CONTRACT_SHEET)
    if name is None:
        name = next((n for n in book.worksheets
                     if _labels_in_column_a(book.sheet(n), labels) >= 3), None)
        if name is not None:
            notes.append(f"The Contract sheet was found under the name '{name}'.")
    fields: dict[str, Cell] = {}
    by_label: dict[str, Cell] = {}
    if name is not None:
        sheet = book.sheet(name)
        fields = _pairs(sheet, {_norm(f): f for f in CONTRACT_FIELDS})
        by_label = _pairs(sheet, {_norm(f): f for f in SIGN_OFF_FIELDS})
    sign_off: dict[str, Cell] = {}
    for field_name in SIGN_OFF_FIELDS:
        target = parse_cell_name(pkg.defined_name(SIGN_OFF_NAMES[field_name]) or "")
        sheet_name = book.find(target[0]) if target else None
        if target and sheet_name:
            sign_off[field_name] = book.sheet(sheet_name).cell(target[1], target[2])
        elif field_name in by_label:
            sign_off[field_name] = by_label[field_name]
    return fields, sign_off


# --- tables ----------------------------------------------------------------------------------

def _kinds(metadata: dict[str, Cell], pkg: Package) -> list[str]:
    """Which workbook kinds' tables to look for: the metadata's, else those whose tables exist."""
    cell = metadata.get("template_kind")
    kind = _norm(cell.value) if cell is not None and not cell.blank else ""
    if kind in KINDS:
        return [kind]
    present = [k for k in KINDS if any(pkg.table(t.name) for t in TABLES.values() if t.kind == k)]
    return present if len(present) == 1 else list(KINDS)


def _read_tables(book: _Book, pkg: Package, kinds: list[str], notes: list[str]
                 ) -> dict[str, TableRead]:
    tables: dict[str, TableRead] = {}
    claimed: set[tuple[str, int]] = set()  # (sheet, header row) already taken by a table
    contracts = [t for t in TABLES.values() if t.kind in kinds]
    by_def = {t.name: pkg.table(t.name) for t in contracts}
    for t in contracts:  # tables by definition first, so header search cannot steal them
        tdef = by_def[t.name]
        sheet_name = book.find(tdef.sheet) if tdef else None
        if tdef and sheet_name:
            tables[t.name] = _read_by_definition(t, tdef, book.sheet(sheet_name), notes)
            claimed.add((sheet_name, tables[t.name].header_row - 1))
    for t in contracts:
        if t.name not in tables:
            found = _read_by_header(t, book, claimed, notes)
            if found is not None:
                tables[t.name] = found
                claimed.add((found.sheet, found.header_row - 1))
    return {t.name: tables[t.name] for t in contracts if t.name in tables}


def _read_by_definition(t: TableContract, tdef: TableDef, sheet: _Sheet, notes: list[str]
                        ) -> TableRead:
    has_header = tdef.header_rows > 0 or _first_row_repeats_names(tdef, sheet)
    if has_header:
        header_row, first_data = tdef.first_row, tdef.first_row + 1
    else:  # header row switched off: names from the definition, data from the first row
        header_row, first_data = tdef.first_row - 1, tdef.first_row
    # Columns typed just right of the table (LibreOffice does not extend tables) count too.
    last_col = tdef.last_col
    while has_header and sheet.value(header_row, last_col + 1) is not None:
        last_col += 1
    headers = []
    for c in range(tdef.first_col, last_col + 1):
        text = sheet.value(header_row, c)
        i = c - tdef.first_col
        if text is None and i < len(tdef.columns):
            text = tdef.columns[i]
        headers.append((c, text))
    if sheet.name != t.sheet:
        notes.append(f"Table {t.name} is on sheet '{sheet.name}' instead of '{t.sheet}'.")
    last_row = tdef.last_row - tdef.totals_rows
    return _read_rows(t, sheet, max(header_row, 0), first_data, headers, "table", notes,
                      table_end=last_row, has_totals=tdef.totals_rows > 0)


def _first_row_repeats_names(tdef: TableDef, sheet: _Sheet) -> bool:
    """True when a table defined without a header row (headerRowCount="0") has its
    column names in its first row, as some JavaScript spreadsheet libraries save tables:
    that row is then its header, not data."""
    if tdef.header_rows > 0 or not tdef.columns:
        return False
    first = [sheet.value(tdef.first_row, tdef.first_col + i) for i in range(len(tdef.columns))]
    return all(v is not None and _norm(v) == _norm(name)
               for v, name in zip(first, tdef.columns))


def _header_score(t: TableContract, items: list[tuple[int, object]]) -> int:
    wanted = {_norm(h) for h in t.headers}
    return len(wanted & {_norm(v) for _c, v in items})


def _read_by_header(t: TableContract, book: _Book, claimed: set[tuple[str, int]],
                    notes: list[str]) -> TableRead | None:
    """Find the table by its header row: on the expected sheet, else on any worksheet."""
    need = max(2, math.ceil(len(t.headers) / 2))
    expected = book.find(t.sheet)
    candidates = ([expected] if expected else []) + [n for n in book.worksheets if n != expected]
    for name in candidates:
        sheet = book.sheet(name)
        best, best_row = 0, None
        for r in range(sheet.r0, min(sheet.last_row, HEADER_SCAN_ROWS - 1) + 1):
            if (name, r) in claimed:
                continue
            score = _header_score(t, sheet.row_items(r))
            if score > best:
                best, best_row = score, r
        if best_row is not None and best >= need:
            headers = sheet.row_items(best_row)
            where = f"'{name}'!{xl_rowcol_to_cell(best_row, headers[0][0])}"
            notes.append(f"Table {t.name} has no table definition (some spreadsheet programs "
                         f"drop it when saving); it was found by its header row at {where}.")
            if name != t.sheet:
                notes.append(f"Table {t.name} is on sheet '{name}' instead of '{t.sheet}'.")
            return _read_rows(t, sheet, best_row, best_row + 1, headers, "header", notes)
    return None


def _read_rows(t: TableContract, sheet: _Sheet, header_row: int, first_data: int,
               headers: list[tuple[int, object]], found_by: str, notes: list[str], *,
               table_end: int | None = None, has_totals: bool = False) -> TableRead:
    """Map columns by header text and read every non-blank row below the header."""
    contract = {_norm(h): h for h in t.headers}
    columns: dict[str, int] = {}
    extra: dict[str, int] = {}
    for c, text in headers:
        if text is None or not str(text).strip():
            continue
        label = " ".join(str(text).split())
        key = contract.get(_norm(label))
        if key is None:
            extra.setdefault(label, c)
        elif key in columns:
            notes.append(f"Table {t.name} has the column '{key}' twice; the first, in column "
                         f"{xl_col_to_name(columns[key])}, was read.")
        else:
            columns[key] = c
    anchor_col = min([c for c, _ in headers], default=0)
    anchor = Cell(None, sheet.name, xl_rowcol_to_cell(header_row, anchor_col))
    mapped = list(columns.items()) + list(extra.items())
    keys, cols = [k for k, _c in mapped], [c for _k, c in mapped]
    letters = [xl_col_to_name(c) for c in cols]
    last = sheet.last_row if not has_totals or table_end is None else table_end
    rows: list[dict[str, Cell]] = []
    below_end: list[int] = []
    r = first_data
    while r <= last:
        vals = sheet.values(r, cols)
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in vals):
            if table_end is not None and r > table_end:
                break  # below a defined table, only rows continuing it directly are its own
            r += 1
            continue
        if table_end is not None and r > table_end:
            below_end.append(r)
        n = str(r + 1)
        cells = {k: Cell(v, sheet.name, col + n) for k, v, col in zip(keys, vals, letters)}
        row = {h: cells.get(h, anchor) for h in t.headers}
        row.update((k, cells[k]) for k in extra)
        rows.append(row)
        r += 1
    if below_end:
        notes.append(f"{len(below_end)} row(s) typed directly below the end of table {t.name} "
                     f"('{sheet.name}'!{below_end[0] + 1}:{below_end[-1] + 1}) were read as "
                     "part of it.")
    later = next((q for q in range(r + 1, last + 1)
                  if any(v is not None for v in sheet.values(q, cols))), None)
    if later is not None:
        first = min(cols)
        notes.append(f"Something is typed below table {t.name}, from "
                     f"'{sheet.name}'!{xl_rowcol_to_cell(later, first)}, after a blank row; "
                     "it was not read as part of the table.")
    return TableRead(name=t.name, sheet=sheet.name, header_row=header_row + 1,
                     found_by=found_by, rows=rows,
                     missing_headers=[h for h in t.headers if h not in columns],
                     extra_headers=list(extra))
