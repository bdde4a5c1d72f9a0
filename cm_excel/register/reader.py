"""Read register.xlsx into a typed ``Register``, finding every problem in one pass.

``read_register`` is what the engine calls: it returns the register or raises
``RegisterError`` with one line per problem, each naming sheet, row and column.
``check_register`` returns the problems as values (``RegisterProblem``) for tests and tools.

The register is small and written by people, so it is read whole with openpyxl. Each
sheet's Excel table is found by name; when a spreadsheet program has dropped the table, the
header row is found by its first header instead. Rows typed just below a table that did not
grow to take them are still read: nothing the office typed is silently ignored.

Problem codes (see ``problems``): REGISTER_UNREADABLE, MISSING_SHEET, MISSING_COLUMN,
BLANK_REQUIRED_CELL, CELL_SHOWS_ERROR, NOT_A_NUMBER, NOT_A_WHOLE_NUMBER, NEGATIVE_NUMBER,
NOT_A_DATE, NOT_A_PERIOD, NOT_A_FINANCIAL_YEAR, NOT_YES_NO, NOT_IN_LIST, UNSAFE_ID,
DUPLICATE_CONTRACT_ID, DUPLICATE_KPI_CODE, DATES_OUT_OF_ORDER, PERCENT_AGGREGATION,
UNKNOWN_CONTRACT_ID, UNKNOWN_KPI_CODE, PERCENT_OUT_OF_RANGE, TARGET_MISSING,
AMBER_WITHOUT_TARGET, AMBER_WRONG_SIDE, SLA_OVERLAP, DUPLICATE_BUDGET_LINE, UNKNOWN_SETTING,
DUPLICATE_SETTING.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RegisterError
from . import problems as P
from .convert import BadCell, convert, is_blank, is_share_knob, show, show_percent, words
from .model import (Audit, Budget, ChecklistItem, Contract, Dispute, ExitPlan, Kpi, Register,
                    Settings, SlaKpi)
from .problems import RegisterProblem
from .schema import (AUDITS, BUDGETS, CHECKLIST, CONTRACTS, DISPUTES, EXIT, INT, KNOBS,
                     KPI_MENU, NUMBER, SAFE_ID_PATTERN, SETTINGS, SHEETS, SLA_KPIS, TEXT,
                     Column, SheetSpec)

_RECORD_TYPES = {
    CONTRACTS.name: Contract, KPI_MENU.name: Kpi, SLA_KPIS.name: SlaKpi, BUDGETS.name: Budget,
    AUDITS.name: Audit, EXIT.name: ExitPlan, DISPUTES.name: Dispute, CHECKLIST.name: ChecklistItem,
}
# Sheets whose rows belong to a contract named in their Contract ID column.
_CONTRACT_SHEETS = (SLA_KPIS, BUDGETS, AUDITS, EXIT, DISPUTES, CHECKLIST)
_SAFE_ID = re.compile(SAFE_ID_PATTERN)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, and password-encrypted .xlsx
_MAX_UNPACKED_BYTES = 200 * 2**20
_KNOBS_BY_WORDS = {words(k.setting): k for k in KNOBS}
_HIGHER, _LOWER = "higher is better", "lower is better"


def read_register(path) -> Register:
    """The register at ``path`` as typed records (``Register.path`` set).

    Raises RegisterError (one line per problem, every problem found in one pass) when the
    file is not a readable .xlsx workbook or any sheet, row or cell is wrong. Never raises
    anything else for bad content.
    """
    register, found = check_register(path)
    if found:
        raise RegisterError([p.line() for p in found], path)
    return register


def check_register(path) -> tuple[Register, list[RegisterProblem]]:
    """The register read as far as it can be, and every problem found, in sheet/row order.

    Records are built only from rows without problems; when the list is not empty the
    register must not be used.
    """
    found = _Found(Path(path).name)
    workbook = _open(Path(path), found)
    if workbook is None:
        return Register(path=str(path)), found.sorted()
    sheets = {spec.name: _read_sheet(workbook, spec, found) for spec in SHEETS}
    contracts = _check_ids(sheets[CONTRACTS.name], "contract_id", P.DUPLICATE_CONTRACT, found)
    kpis = _check_ids(sheets[KPI_MENU.name], "code", P.DUPLICATE_KPI, found)
    _check_contract_dates(sheets[CONTRACTS.name], found)
    _check_kpi_menu(sheets[KPI_MENU.name], found)
    for spec in _CONTRACT_SHEETS:
        _check_references(sheets[spec.name], "contract_id", contracts, P.UNKNOWN_CONTRACT,
                          "a Contract ID on the Contracts sheet", found)
    _check_references(sheets[SLA_KPIS.name], "kpi_code", kpis, P.UNKNOWN_KPI,
                      "a KPI Code on the KPI Menu sheet", found)
    _check_sla(sheets[SLA_KPIS.name], sheets[KPI_MENU.name], found)
    _check_budgets(sheets[BUDGETS.name], found)
    settings = _read_settings(sheets[SETTINGS.name], found)
    return _build(sheets, settings, str(path)), found.sorted()


# --- collecting problems ----------------------------------------------------------------


@dataclass
class _Row:
    number: int  # the Excel row number
    raw: dict[str, object]  # field -> cell value as stored
    values: dict[str, object] = field(default_factory=dict)  # field -> typed value or None
    bad: set[str] = field(default_factory=set)  # fields with a problem

    @property
    def ok(self) -> bool:
        return not self.bad


@dataclass
class _Sheet:
    spec: SheetSpec
    present: bool = False
    missing: set[str] = field(default_factory=set)  # fields whose column is missing
    rows: list[_Row] = field(default_factory=list)

    def has(self, *fields: str) -> bool:
        return self.present and not self.missing.intersection(fields)

    def header(self, field_name: str) -> str:
        return next(c.header for c in self.spec.columns if c.field == field_name)


class _Found:
    """The problems found so far, and the file name they are reported against."""

    _SHEET_ORDER = {spec.name: i for i, spec in enumerate(SHEETS)}

    def __init__(self, file: str):
        self.file = file
        self.items: list[RegisterProblem] = []

    def add(self, code: str, sheet: _Sheet | None, row: _Row | int | None,
            field_name: str | None, message: str) -> None:
        """Record a problem; ``row`` is a data row (marked bad), a header row number, or None."""
        column = sheet.header(field_name) if sheet and field_name else ""
        number = row.number if isinstance(row, _Row) else (row or 0)
        self.items.append(RegisterProblem(code, self.file, sheet.spec.name if sheet else "",
                                          number, column, message))
        if isinstance(row, _Row):
            row.bad.add(field_name or "")

    def sorted(self) -> list[RegisterProblem]:
        def key(p: RegisterProblem):
            spec = SHEETS[self._SHEET_ORDER[p.sheet]] if p.sheet else None
            col = spec.headers.index(p.column) if spec and p.column in spec.headers else -1
            return (self._SHEET_ORDER.get(p.sheet, -1), p.row, col)

        return sorted(self.items, key=key)


# --- opening the file and finding the tables --------------------------------------------


def _open(path: Path, found: _Found):
    """The openpyxl workbook, or None after recording one REGISTER_UNREADABLE problem."""
    def unreadable(why: str):
        found.items.append(RegisterProblem(P.UNREADABLE, found.file, "", 0, "", why))

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return unreadable("there is no such file; run 'cm-excel init' to create a starter "
                          "register")
    except OSError as exc:
        return unreadable(f"this file cannot be read ({exc.strerror or exc}); close it in "
                          "other programs and try again")
    if data.startswith(_OLE_MAGIC):
        return unreadable("this file is a legacy .xls workbook or is password-protected; save "
                          "it in Excel as an Excel Workbook (.xlsx) without a password")
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
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # openpyxl warns about extensions it does not keep (slicers, some validations).
            warnings.simplefilter("ignore")
            return load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        return unreadable(f"this file is not a readable Excel workbook (.xlsx) "
                          f"({type(exc).__name__}); "
                          "open it in Excel and save it again as an Excel Workbook (.xlsx)")


def _header_key(value) -> str:
    return " ".join(str(value).split()).casefold()


def _worksheet(workbook, spec: SheetSpec):
    from openpyxl.worksheet.worksheet import Worksheet

    names = [n for n in workbook.sheetnames if isinstance(workbook[n], Worksheet)]
    for name in names:
        if name == spec.name:
            return workbook[name]
    for name in names:  # "sla kpis", "SLA-KPIs": the same sheet to a person
        if words(name) == words(spec.name):
            return workbook[name]
    return None


def _locate(ws, spec: SheetSpec) -> tuple[int, range, int | None]:
    """(header row, columns to look in, totals row or None) of the sheet's register table."""
    from openpyxl.utils.cell import range_boundaries

    first = _header_key(spec.headers[0])
    tables = list(ws.tables.values())
    chosen = next((t for t in tables if t.name.casefold() == spec.table_name.casefold()), None)
    if chosen is None:  # renamed table: take the one headed like ours
        for table in tables:
            min_col, min_row, max_col, _ = range_boundaries(table.ref)
            if any(_header_key(ws.cell(min_row, c).value or "") == first
                   for c in range(min_col, max_col + 1)):
                chosen = table
                break
    if chosen is not None:
        min_col, min_row, max_col, max_row = range_boundaries(chosen.ref)
        totals = max_row if chosen.totalsRowCount else None
        return min_row, range(min_col, max_col + 1), totals
    # No table (some programs drop them): the header row is the first of the top rows that
    # holds the first header, else row 1.
    columns = range(1, (ws.max_column or 1) + 1)
    for r in range(1, min(ws.max_row or 1, 10) + 1):
        if any(_header_key(ws.cell(r, c).value or "") == first for c in columns):
            return r, columns, None
    return 1, columns, None


def _read_sheet(workbook, spec: SheetSpec, found: _Found) -> _Sheet:
    sheet = _Sheet(spec)
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
        value = ws.cell(header_row, c).value
        if not is_blank(value):
            where.setdefault(_header_key(value), c)
    positions = {col.field: where.get(_header_key(col.header)) for col in spec.columns}
    sheet.missing = {f for f, c in positions.items() if c is None}
    if len(sheet.missing) == len(spec.columns):
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
        raw = {col.field: ws.cell(r, c).value for col, c in present}
        if all(is_blank(v) for v in raw.values()):
            continue  # blank rows are allowed anywhere
        row = _Row(r, raw)
        for col, _ in present:
            row.values[col.field] = _cell(sheet, row, col, found)
        sheet.rows.append(row)
    return sheet


def _cell(sheet: _Sheet, row: _Row, col: Column, found: _Found):
    value = row.raw[col.field]
    if is_blank(value):
        if col.required:
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


# --- checks across rows and sheets ------------------------------------------------------


def _check_ids(sheet: _Sheet, field_name: str, duplicate_code: str,
               found: _Found) -> dict[str, str] | None:
    """Safe, unique IDs. Returns {casefolded ID: ID as written}, or None if unknowable.

    IDs are compared without case: they become file names, and Windows ignores case.
    """
    if not sheet.has(field_name):
        return None
    label = sheet.header(field_name)
    seen: dict[str, tuple[str, int]] = {}
    for row in sheet.rows:
        ident = row.values.get(field_name)
        if ident is None:
            continue
        if not _SAFE_ID.fullmatch(ident):
            found.add(P.UNSAFE_ID, sheet, row, field_name,
                      f"{show(ident)} cannot be a {label}: it becomes part of file and sheet "
                      "names, so use only letters, digits, '-', '_' and '.', starting with a "
                      "letter or digit, at most 31 characters (for example VS-001)")
        key = ident.casefold()
        if key in seen:
            found.add(duplicate_code, sheet, row, field_name,
                      f"{label} {ident} is already used on row {seen[key][1]}; "
                      f"each {label} must be used once")
        else:
            seen[key] = (ident, row.number)
    return {key: ident for key, (ident, _) in seen.items()}


def _check_contract_dates(sheet: _Sheet, found: _Found) -> None:
    for row in sheet.rows:
        start, end = row.values.get("start_date"), row.values.get("end_date")
        extension = row.values.get("latest_extension_end")
        if start and end and end < start:
            found.add(P.DATES_OUT_OF_ORDER, sheet, row, "end_date",
                      f"the End Date {show(end)} is before the Start Date {show(start)}")
        if end and extension and extension < end:
            found.add(P.DATES_OUT_OF_ORDER, sheet, row, "latest_extension_end",
                      f"the Latest Extension End Date {show(extension)} is before the End "
                      f"Date {show(end)}; it is the latest date the contract can run to")


def _check_kpi_menu(sheet: _Sheet, found: _Found) -> None:
    """A percentage for the year is total numerator over total denominator, never a sum or
    an average of the quarters' percentages (reference §2)."""
    for row in sheet.rows:
        aggregation = row.values.get("aggregation")
        if row.values.get("unit") == "percent" and aggregation in ("sum", "mean"):
            found.add(P.PERCENT_AGGREGATION, sheet, row, "aggregation",
                      f"{row.values.get('code') or 'this KPI'} is a percentage, so its year "
                      f"is the ratio of sums (or the latest quarter), not the {aggregation} of "
                      "the quarters")


def _check_references(sheet: _Sheet, field_name: str, known: dict[str, str] | None, code: str,
                      what: str, found: _Found) -> None:
    """Every reference names a known ID; it is rewritten as the ID is written there."""
    if known is None or not sheet.has(field_name):
        return  # the sheet it refers to is missing: already reported once
    # One problem per unknown ID and sheet, at its first row, naming the others: a contract
    # missing from the Contracts sheet is one mistake, not one per budget line.
    unknown: dict[str, tuple[_Row, list[int]]] = {}
    for row in sheet.rows:
        ident = row.values.get(field_name)
        if ident is None:
            continue
        if ident.casefold() in known:
            row.values[field_name] = known[ident.casefold()]
        elif ident.casefold() in unknown:
            unknown[ident.casefold()][1].append(row.number)
            row.bad.add(field_name)
        else:
            unknown[ident.casefold()] = (row, [])
    for row, others in unknown.values():
        also = f" (the same ID is on {_row_list(others)} too)" if others else ""
        found.add(code, sheet, row, field_name,
                  f"{show(row.values[field_name])} is not {what}; correct it or add it "
                  f"there first{also}")


def _row_list(numbers: list[int], most: int = 6) -> str:
    """``row 4``, ``rows 4, 5 and 9``, ``rows 4, 5, 6, 7, 8, 9 and 12 more``."""
    if len(numbers) == 1:
        return f"row {numbers[0]}"
    if len(numbers) <= most:
        return f"rows {', '.join(map(str, numbers[:-1]))} and {numbers[-1]}"
    return f"rows {', '.join(map(str, numbers[:most]))} and {len(numbers) - most} more"


def _show_as(value: float, unit: str) -> str:
    if unit == "percent":
        return show_percent(value)
    if unit == "gbp":
        return f"£{value:,.0f}" if float(value).is_integer() else f"£{value:,.2f}"
    return show(value)


def _check_sla(sheet: _Sheet, menu: _Sheet, found: _Found) -> None:
    kpis = {}
    if menu.has("code"):
        for row in menu.rows:
            code = row.values.get("code")
            if code is not None:
                kpis.setdefault(code.casefold(), row.values)
    seen: dict[tuple, int] = {}
    for row in sheet.rows:
        values = row.values
        key = (values.get("contract_id"), values.get("kpi_code"), values.get("effective_from"))
        if None not in key and "contract_id" not in row.bad and "kpi_code" not in row.bad:
            key = (key[0].casefold(), key[1].casefold(), key[2])
            if key in seen:
                found.add(P.SLA_OVERLAP, sheet, row, "effective_from",
                          f"{values['contract_id']} already has a {values['kpi_code']} row "
                          f"effective from {values['effective_from']} (row {seen[key]}); "
                          "change Effective From on one of them or delete one")
            else:
                seen[key] = row.number
        code = values.get("kpi_code")
        kpi = kpis.get(code.casefold()) if code and "kpi_code" not in row.bad else None
        if kpi is None:
            continue
        _check_target(sheet, row, kpi, found)


def _check_target(sheet: _Sheet, row: _Row, kpi: dict, found: _Found) -> None:
    """Targets and amber thresholds make sense for the KPI's unit and direction."""
    values, code = row.values, row.values["kpi_code"]
    unit, direction = kpi.get("unit"), kpi.get("direction")
    if unit == "percent":
        for name in ("target", "amber"):
            value = values.get(name)
            if value is None or 0 <= value <= 1:
                continue
            advice = (f"write {value:g}% not {value:g}" if 1 < value <= 100
                      else "a percentage lies between 0% and 100%")
            found.add(P.PERCENT_OUT_OF_RANGE, sheet, row, name,
                      f"{value:g} is not a percentage for {code}, a percent KPI; {advice}")
            values[name] = None
    if direction not in (_HIGHER, _LOWER):
        return  # "for information" KPIs have no RAG; a target there is only a guide
    target, amber = values.get("target"), values.get("amber")
    if "target" in row.bad:
        return
    if target is None:
        if values.get("mandatory"):
            found.add(P.TARGET_MISSING, sheet, row, "target",
                      f"{code} is mandatory and {direction.replace(' ', '-')}, so it needs a "
                      "target; write one, or set Mandatory to N to report it for information")
        elif amber is not None:
            found.add(P.AMBER_WITHOUT_TARGET, sheet, row, "amber",
                      f"an amber threshold needs a target beside it; write the {code} target "
                      "or clear the amber threshold")
        return
    if amber is None:
        return  # no amber band: anything worse than the target is red
    higher = direction == _HIGHER
    if (higher and amber > target) or (not higher and amber < target):
        side, must = ("above", "below") if higher else ("below", "above")
        found.add(P.AMBER_WRONG_SIDE, sheet, row, "amber",
                  f"{_show_as(amber, unit)} is {side} the target {_show_as(target, unit)}, but "
                  f"{code} is {direction.replace(' ', '-')}; the amber threshold must be "
                  f"{must} the target")


def _check_budgets(sheet: _Sheet, found: _Found) -> None:
    seen: dict[tuple, int] = {}
    for row in sheet.rows:
        cid, fy, line = (row.values.get(f) for f in ("contract_id", "fy", "line"))
        if None in (cid, fy, line) or row.bad & {"contract_id", "fy"}:
            continue
        key = (cid.casefold(), fy, words(line))
        if key in seen:
            found.add(P.DUPLICATE_BUDGET_LINE, sheet, row, "line",
                      f'{cid} already has the budget line "{line}" for {fy}-{(fy + 1) % 100:02d} '
                      f"on row {seen[key]}; combine the two rows or name them differently")
        else:
            seen[key] = row.number


def _read_settings(sheet: _Sheet, found: _Found) -> dict[str, object]:
    """{knob key: value} for the settings written in the sheet; the rest keep defaults."""
    chosen: dict[str, object] = {}
    seen: dict[str, int] = {}
    for row in sheet.rows:
        name = row.values.get("setting")
        if name is None:
            continue
        knob = _KNOBS_BY_WORDS.get(words(name))
        if knob is None:
            found.add(P.UNKNOWN_SETTING, sheet, row, "setting",
                      f"{show(name)} is not a setting cm-excel knows; correct the words or "
                      "delete the row (missing settings take their default)")
            continue
        if knob.key in seen:
            found.add(P.DUPLICATE_SETTING, sheet, row, "setting",
                      f'"{knob.setting}" is already set on row {seen[knob.key]}; keep one row')
            continue
        seen[knob.key] = row.number
        value = row.values.get("value")
        if value is None:
            continue  # blank: reported already
        try:
            chosen[knob.key] = _knob_value(knob, value)
        except BadCell as bad:
            found.add(bad.code, sheet, row, "value", bad.message)
    return chosen


def _knob_value(knob, value):
    if knob.type == TEXT:
        return convert(value, Column("Value", "value"))
    kind = INT if knob.type == INT else NUMBER
    number = convert(value, Column("Value", "value", kind))
    if number < 0:
        raise BadCell(P.NEGATIVE, f"{show(value)} is negative; write 0 or more")
    if is_share_knob(knob) and number > 1:
        raise BadCell(P.PERCENT_OUT_OF_RANGE,
                      f"{number:g} is not a share; write {number:g}% not {number:g}"
                      if number <= 100 else f"{number:g} is not a share between 0% and 100%")
    return number


# --- building the typed register --------------------------------------------------------


def _build(sheets: dict[str, _Sheet], settings: dict[str, object], path: str) -> Register:
    register = Register(settings=Settings(**settings), path=path)
    records: dict[str, list] = {}
    for name, cls in _RECORD_TYPES.items():
        sheet = sheets[name]
        if not sheet.present or sheet.missing:
            records[name] = []
            continue
        records[name] = [cls(**row.values, row=row.number) for row in sheet.rows if row.ok]
    for contract in records[CONTRACTS.name]:
        register.contracts.setdefault(contract.contract_id, contract)
    for kpi in records[KPI_MENU.name]:
        register.kpis.setdefault(kpi.code, kpi)
    register.sla = records[SLA_KPIS.name]
    register.budgets = records[BUDGETS.name]
    register.audits = records[AUDITS.name]
    register.exits = records[EXIT.name]
    register.disputes = records[DISPUTES.name]
    register.checklist = records[CHECKLIST.name]
    return register
