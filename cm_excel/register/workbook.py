"""Opening register.xlsx safely and reading each sheet's table into rows of typed cells.

The register is written by people and read whole after the bytes are checked (not a legacy
or encrypted file, not a decompression bomb). Every command reads it, and a national
register has thousands of rows, so its cells are read with python-calamine and its tables
from the package's XML parts (``intake.package``); a workbook with anything that reader
would see differently from openpyxl (a cell showing an error, a time of day, a table part
that does not parse, a sheet calamine cannot open) is read with openpyxl instead, as it
always was, so the problems found are the same either way. One difference is left: a date
cell holding a serial number past 31 Dec 9999 reads as that number ("... is not a date")
where openpyxl gave "#VALUE!" (CELL_SHOWS_ERROR); both name the same cell.

Each sheet's Excel table is found by name; when a spreadsheet program has dropped the
table, the header row is found by its first header instead. Rows typed just below a table
that did not grow to take them are still read: nothing the office typed is silently
ignored.

Problem codes: REGISTER_UNREADABLE, MISSING_SHEET, MISSING_COLUMN, BLANK_REQUIRED_CELL, and
the cell codes of ``convert`` (NOT_A_NUMBER, NOT_A_DATE, NOT_IN_LIST, ...).
"""

from __future__ import annotations

import io
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from . import problems as P
from .convert import BadCell, convert, is_blank, words
from .problems import RegisterProblem
from .schema import KNOBS, SETTINGS, Column, SheetSpec
from .sheet_rows import FoundProblems, SheetRow, SheetRows

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, and password-encrypted .xlsx
_MAX_UNPACKED_BYTES = 200 * 2**20


def open_workbook(path: Path, found: FoundProblems, *, fast: bool = True):
    """The workbook's sheets (``RegisterBook``), or None after recording one
    REGISTER_UNREADABLE problem. ``fast=False`` reads every cell with openpyxl (tests compare
    the two readers)."""
    def unreadable(why: str, code: str = P.UNREADABLE):
        found.items.append(RegisterProblem(code, found.file, "", 0, "", why))

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if excel_owner_file(path).exists():
            return unreadable(being_saved(path), P.BEING_SAVED)
        return unreadable("there is no such file; run 'cm-excel init' to create a starter "
                          "register")
    except OSError as exc:
        return unreadable(f"this file cannot be read ({exc.strerror or exc}); close it in "
                          "other programs and try again")
    if data.startswith(_OLE_MAGIC):
        return unreadable("this file is a legacy .xls workbook or is password-protected; save "
                          "it in Excel as an Excel Workbook (.xlsx) without a password")
    if data.startswith(b"PK\x03\x04") and not zipfile.is_zipfile(io.BytesIO(data)):
        return unreadable(DAMAGED_ADVICE, P.DAMAGED)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return unreadable("this file is not an Excel workbook (.xlsx); save the register as an "
                          "Excel Workbook (.xlsx)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        unpacked = 0  # damaged: openpyxl below says so in one line
    if unpacked > _MAX_UNPACKED_BYTES:  # a register is small; this is a decompression bomb
        return unreadable(f"this file unpacks to {unpacked // 2**20} MB, far more than a "
                          "register holds; it is not read")
    if fast:
        book = _calamine_book(data)
        if book is not None:
            return book
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # openpyxl warns about extensions it does not keep (slicers, some validations).
            warnings.simplefilter("ignore")
            return _openpyxl_book(load_workbook(io.BytesIO(data), data_only=True))
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:  # a cut-short or broken zip
        return unreadable(f"{DAMAGED_ADVICE} ({type(exc).__name__})", P.DAMAGED)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        return unreadable(f"this file is not a readable Excel workbook (.xlsx) "
                          f"({type(exc).__name__}); "
                          "open it in Excel and save it again as an Excel Workbook (.xlsx)")


DAMAGED_ADVICE = ("this workbook is damaged (cut short or broken, as by an interrupted copy or "
                  "save); restore the last good copy (from a backup or the file's previous "
                  "versions) and try again")


def excel_owner_file(path: Path) -> Path:
    """``~$register.xlsx``: the owner file Excel keeps beside a workbook it has open."""
    return path.with_name("~$" + path.name)


def being_saved(path: Path) -> str:
    return (f"the register is open or being saved in Excel ({excel_owner_file(path).name} is "
            "beside where it should be); wait for Excel to finish saving, or close it, and "
            "try again")


def _header_key(value) -> str:
    return " ".join(str(value).split()).casefold()


def _worksheet(workbook: "RegisterBook", spec: SheetSpec) -> "Grid | None":
    names = workbook.names
    for name in names:
        if name == spec.name:
            return workbook.sheet(name)
    for name in names:  # "sla kpis", "SLA-KPIs": the same sheet to a person
        if words(name) == words(spec.name):
            return workbook.sheet(name)
    return None


def _locate(ws: "Grid", spec: SheetSpec) -> tuple[int, range, int | None]:
    """(header row, columns to look in, totals row or None) of the sheet's register table."""
    first = _header_key(spec.headers[0])
    tables = ws.tables
    chosen = next((t for t in tables if t.name.casefold() == spec.table_name.casefold()), None)
    if chosen is None:  # renamed table: take the one headed like ours
        for table in tables:
            if any(_header_key(ws.cell(table.min_row, c) or "") == first
                   for c in range(table.min_col, table.max_col + 1)):
                chosen = table
                break
    if chosen is not None:
        totals = chosen.max_row if chosen.totals else None
        return chosen.min_row, range(chosen.min_col, chosen.max_col + 1), totals
    # No table (some programs drop them): the header row is the first of the top rows that
    # holds the first header, else row 1.
    columns = range(1, (ws.max_column or 1) + 1)
    for r in range(1, min(ws.max_row or 1, 10) + 1):
        if any(_header_key(ws.cell(r, c) or "") == first for c in columns):
            return r, columns, None
    return 1, columns, None


def read_sheet(workbook, spec: SheetSpec, found: FoundProblems) -> SheetRows:
    """The sheet's rows with typed cells; missing sheets, columns and bad cells recorded."""
    sheet = SheetRows(spec)
    ws = _worksheet(workbook, spec)
    if ws is None:
        found.add(P.MISSING_SHEET, sheet, None, None,
                  f'the sheet "{spec.name}" is missing; add it back with the table '
                  f'{spec.table_name} and the headers: {", ".join(spec.headers)}')
        return sheet
    sheet.present = True
    header_row, columns, totals_row = _locate(ws, spec)
    where: dict[str, int] = {}
    for c in columns:
        value = ws.cell(header_row, c)
        if not is_blank(value):
            where.setdefault(_header_key(value), c)
    positions = {col.field: where.get(_header_key(col.header)) for col in spec.columns}
    # An optional column (added in a later version) may be absent: its rows read as blank.
    sheet.missing = {col.field for col in spec.columns
                     if positions[col.field] is None and not col.optional}
    if all(c is None for c in positions.values()):
        found.add(P.MISSING_COLUMN, sheet, header_row, None,
                  f"no header row found; row {header_row} must hold the headers: "
                  f"{', '.join(spec.headers)}")
        return sheet
    for col in spec.columns:
        if col.field in sheet.missing:
            found.add(P.MISSING_COLUMN, sheet, header_row, col.field,
                      f'the column "{col.header}" is missing from the header row; put it '
                      "back with exactly this header")
    present = [(col, positions[col.field]) for col in spec.columns if positions[col.field]]
    for r in range(header_row + 1, (ws.max_row or header_row) + 1):
        if r == totals_row:
            continue
        raw = {col.field: ws.cell(r, c) for col, c in present}
        if all(is_blank(v) for v in raw.values()):
            continue  # blank rows are allowed anywhere
        row = SheetRow(r, raw)
        for col, _ in present:
            row.values[col.field] = _cell(sheet, row, col, found)
        sheet.rows.append(row)
    return sheet


def _may_be_blank(sheet: SheetRows, row: SheetRow, col: Column) -> bool:
    """A setting whose default is blank (an optional e-mail address) may be left blank."""
    if sheet.spec is not SETTINGS or col.field not in ("value", "default"):
        return False
    setting = row.raw.get("setting")
    return any(k.default == "" and words(k.setting) == words(str(setting or "")) for k in KNOBS)


def _cell(sheet: SheetRows, row: SheetRow, col: Column, found: FoundProblems):
    value = row.raw[col.field]
    if is_blank(value):
        if col.required and not _may_be_blank(sheet, row, col):
            found.add(P.BLANK, sheet, row, col.field,
                      f'this cell is blank, but "{col.header}" must be filled in on every row')
        return None
    if sheet.spec is SETTINGS and col.field == "value":
        return value  # typed later, by the setting it belongs to
    try:
        return convert(value, col)
    except BadCell as bad:
        found.add(bad.code, sheet, row, col.field, bad.message)
        return None


# --- the workbook's sheets, as read by python-calamine or openpyxl ---------------------------


@dataclass(frozen=True)
class TableBox:
    """An Excel table's name and place on its sheet (1-based rows and columns)."""

    name: str
    min_row: int
    min_col: int
    max_row: int
    max_col: int
    totals: bool  # the table's last row is a totals row


class Grid:
    """One worksheet's cell values (``cell(row, column)``, 1-based, None when blank) and its
    tables, as openpyxl gives them: whole numbers as int, dates as datetime."""

    def __init__(self, rows: list[list], tables: list[TableBox], max_row: int | None = None,
                 max_column: int | None = None):
        self.rows = rows
        self.tables = tables
        self.max_row = max_row if max_row is not None else len(rows)
        self.max_column = (max_column if max_column is not None
                           else max((len(r) for r in rows), default=0))

    def cell(self, row: int, column: int):
        if row > len(self.rows) or row < 1 or column < 1:
            return None
        cells = self.rows[row - 1]
        return cells[column - 1] if column <= len(cells) else None


class _OpenpyxlGrid(Grid):
    """A worksheet as openpyxl read it, asked cell by cell (only the cells the reader asks
    for: a sheet's used range can be far larger than its table)."""

    def __init__(self, ws, tables: list[TableBox]):
        super().__init__([], tables, ws.max_row, ws.max_column)
        self._ws = ws

    def cell(self, row: int, column: int):
        return self._ws.cell(row, column).value


class RegisterBook:
    """The worksheets of a register workbook by name, in workbook order."""

    def __init__(self, names: list[str], load):
        self.names = names
        self._load = load

    def sheet(self, name: str) -> Grid:
        return self._load(name)


def _openpyxl_book(workbook) -> RegisterBook:
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.worksheet.worksheet import Worksheet

    def load(name: str) -> Grid:
        ws = workbook[name]
        tables = []
        for t in ws.tables.values():
            min_col, min_row, max_col, max_row = range_boundaries(t.ref)
            tables.append(TableBox(t.name, min_row, min_col, max_row, max_col,
                                   bool(t.totalsRowCount)))
        return _OpenpyxlGrid(ws, tables)

    return RegisterBook([n for n in workbook.sheetnames if isinstance(workbook[n], Worksheet)],
                        load)


_ERROR_CELL = (b't="e"', b"t='e'")  # a cell showing an error: calamine gives it as ""
_EXACT_INT = 2**53
_MAX_GRID_CELLS = 5_000_000  # a national register is about 200,000 cells


class _LeaveToOpenpyxl(Exception):
    """A cell calamine reads differently from openpyxl."""


def _openpyxl_value(value):
    """A calamine cell value as openpyxl gives it: blank None, whole numbers int, dates
    datetime. A time of day (or a duration) raises _LeaveToOpenpyxl: calamine also gives a
    date cell holding a negative serial number as midnight, where openpyxl gives a date."""
    kind = type(value)
    if kind is float:
        return int(value) if value.is_integer() and abs(value) < _EXACT_INT else value
    if kind is str:
        return value if value else None
    if kind is date:
        return datetime(value.year, value.month, value.day)
    if kind is time or kind is timedelta:
        raise _LeaveToOpenpyxl
    return value


def _calamine_book(data: bytes) -> RegisterBook | None:
    """The workbook read by python-calamine, tables from its XML parts; None when anything
    in it is better left to openpyxl (see the module's docstring)."""
    from python_calamine import CalamineWorkbook

    from ..intake.package import read_structure

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = set(archive.namelist())

        def get(name: str) -> bytes | None:
            return archive.read(name) if name in parts else None

        pkg = read_structure(get)
        if pkg.notes:
            return None
        worksheets = [s for s in pkg.sheets if s.kind == "worksheet"]
        for sheet in worksheets:
            xml = get(sheet.part) if sheet.part else None
            if xml is None or any(mark in xml for mark in _ERROR_CELL):
                return None
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if book.sheet_names != pkg.sheet_names:
            return None
        grids = {}
        for sheet in worksheets:
            cells = book.get_sheet_by_name(sheet.name)
            if cells.total_height * cells.total_width > _MAX_GRID_CELLS:
                return None  # a stray far-away cell: not worth a grid from A1
            rows = cells.to_python(skip_empty_area=False)
            tables = [TableBox(t.name, t.first_row + 1, t.first_col + 1, t.last_row + 1,
                               t.last_col + 1, bool(t.totals_rows))
                      for t in pkg.tables if t.sheet == sheet.name]
            grids[sheet.name] = Grid([[_openpyxl_value(v) for v in r] for r in rows], tables)
    except Exception:  # noqa: BLE001 - anything odd: openpyxl reads it and says what is wrong
        return None
    return RegisterBook([s.name for s in worksheets], grids.__getitem__)
