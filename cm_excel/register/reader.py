"""Read register.xlsx into a typed ``Register``, finding every problem in one pass.

``read_register`` is what the engine calls: it returns the register or raises
``RegisterError`` with one line per problem, each naming sheet, row and column.
``check_register`` returns the problems as values (``RegisterProblem``) for tests and tools.

The stages, each in its own module: open the file safely and read each sheet's table into
typed cells (``workbook``), check across rows and sheets (``checks``), then read the
settings and build the typed records from the rows without problems (here).

Problem codes (see ``problems``): REGISTER_UNREADABLE, MISSING_SHEET, MISSING_COLUMN,
BLANK_REQUIRED_CELL, CELL_SHOWS_ERROR, NOT_A_NUMBER, NOT_A_WHOLE_NUMBER, NEGATIVE_NUMBER,
NOT_A_DATE, NOT_A_PERIOD, NOT_A_FINANCIAL_YEAR, NOT_YES_NO, NOT_IN_LIST, UNSAFE_ID,
DUPLICATE_CONTRACT_ID, DUPLICATE_KPI_CODE, DATES_OUT_OF_ORDER, PERCENT_AGGREGATION,
UNKNOWN_CONTRACT_ID, UNKNOWN_KPI_CODE, PERCENT_OUT_OF_RANGE, TARGET_MISSING,
AMBER_WITHOUT_TARGET, AMBER_WRONG_SIDE, SLA_OVERLAP, DUPLICATE_BUDGET_LINE, UNKNOWN_SETTING,
DUPLICATE_SETTING.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import RegisterError
from . import problems as P
from .checks import check_across_sheets
from .convert import BadCell, convert, is_share_knob, show, words
from .model import (Audit, Budget, ChecklistItem, Contract, Dispute, ExitPlan, Kpi, Register,
                    Settings, SlaKpi)
from .problems import RegisterProblem
from .schema import (AUDITS, BUDGETS, CHECKLIST, CONTRACTS, DISPUTES, EXIT, INT, KNOBS,
                     KPI_MENU, NUMBER, SETTINGS, SHEETS, SLA_KPIS, TEXT, Column)
from .sheet_rows import FoundProblems, SheetRows
from .workbook import open_workbook, read_sheet

_RECORD_TYPES = {
    CONTRACTS.name: Contract, KPI_MENU.name: Kpi, SLA_KPIS.name: SlaKpi, BUDGETS.name: Budget,
    AUDITS.name: Audit, EXIT.name: ExitPlan, DISPUTES.name: Dispute, CHECKLIST.name: ChecklistItem,
}
_KNOBS_BY_WORDS = {words(k.setting): k for k in KNOBS}


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


def check_register(path, *, fast: bool = True) -> tuple[Register, list[RegisterProblem]]:
    """The register read as far as it can be, and every problem found, in sheet/row order.

    Records are built only from rows without problems; when the list is not empty the
    register must not be used. ``fast=False`` reads the cells with openpyxl rather than
    python-calamine (the same register and problems either way; tests compare them).
    """
    found = FoundProblems(Path(path).name)
    workbook = open_workbook(Path(path), found, fast=fast)
    if workbook is None:
        return Register(path=str(path)), found.sorted()
    sheets = {spec.name: read_sheet(workbook, spec, found) for spec in SHEETS}
    check_across_sheets(sheets, found)
    settings = _read_settings(sheets[SETTINGS.name], found)
    return _build(sheets, settings, str(path)), found.sorted()


# --- settings and the typed register ----------------------------------------------------


def _read_settings(sheet: SheetRows, found: FoundProblems) -> dict[str, object]:
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


def _build(sheets: dict[str, SheetRows], settings: dict[str, object], path: str) -> Register:
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
