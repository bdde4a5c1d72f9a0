"""Valid provider returns as real files, small ways to break them, and a History in code.

A valid return is made the way a provider makes one: the templates are written for the
register (``tests/builders.py``), filled in with plausible values and signed off
(``fill_return``), and read back with the real reader. Tests then break exactly one thing,
either through ``make_return``'s arguments or by editing the saved file with openpyxl
(``edit``), and check the result with ``check`` (read_return → validate_return).

Cells are located in the file by table name, row key (KPI Code, Budget Line or record
number) and header, so tests say *which* cell without hard-coding the template's layout.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Callable

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

from builders import (ACTIVE, COUNT, DAYS, INFO, PERCENT, PERIOD, PREVIOUS, SCORE, SIGN_OFF,
                      good_kpis, good_lines, make_register, make_return)
from cm_excel.intake.reader import read_return
from cm_excel.periods import Period
from cm_excel.register.model import Register
from cm_excel.templates import contract as tc
from cm_excel.findings import Finding, Level
from cm_excel.validation.result import ValidationResult
from cm_excel.validation.validate import validate_return

__all__ = [
    "ACTIVE", "COUNT", "DAYS", "INFO", "PERCENT", "PERIOD", "PREVIOUS", "SCORE", "SIGN_OFF",
    "GOOD_RECORDS", "KnownHistory", "steady_history", "valid_return", "kpis_with",
    "lines_with", "edit", "check", "where", "where_field", "where_meta", "where_sign_off",
    "table_cell", "add_table_row", "clear_row", "rename_header", "found", "codes", "make_register",
    "make_return", "good_kpis", "good_lines", "as_version_1",
]

# One plausible record in each records table, dated inside PERIOD (2026-27 Q3).
GOOD_RECORDS = {
    "Incidents": [{
        "Date": date(2026, 11, 3), "Description": "Laptop left unlocked in the office",
        "Clients Affected": 0, "Estimated Cost (£)": 0, "Harm Caused": "N",
        "Provider Negligence": "N", "Reputational Risk": "N",
        "Action Taken": "Reminder to all staff; screen locks now automatic",
        "Category": "Other",
    }],
    "Complaints": [{
        "Date Received": date(2026, 10, 20), "Category": "Delay",
        "Summary": "Call-back took a week", "Outcome": "Upheld",
        "Resolved Date": date(2026, 11, 2),
    }],
    "Risks": [{
        "Risk": "Two caseworkers leave in January", "Likelihood": "High", "Impact": "Medium",
        "Mitigation": "Recruitment under way", "Owner": "Service Manager", "Status": "Open",
    }],
    "Improvements": [{
        "Action": "Introduce text reminders", "Due Date": date(2027, 3, 31),
        "Status": "In progress", "Progress": "Pilot running",
    }],
}


class KnownHistory:
    """A History answering from dicts: what a ledger holding earlier accepted returns says.

    ``ytd``: (contract ID, budget line) → previous quarter's Year To Date Actual;
    ``kpi``: (contract ID, KPI code) → previous quarter's Actual;
    ``started``: whether the ledger holds an earlier quarter of the year for any contract;
    ``complaints``: (contract ID, date received ISO, category, summary) already reported.
    """

    def __init__(self, ytd: dict | None = None, kpi: dict | None = None, *,
                 started: bool = True, complaints=()):
        self.ytd, self.kpi = dict(ytd or {}), dict(kpi or {})
        self.started, self.complaints = started, set(complaints)

    def year_started(self, period: Period) -> bool:
        return self.started

    def complaint_reported(self, contract_id: str, period: Period, complaint) -> bool:
        return (contract_id, complaint["date_received"], complaint["category"],
                complaint["summary"]) in self.complaints

    def previous_ytd(self, contract_id: str, period: Period, budget_line: str) -> float | None:
        if period.quarter == 1:
            return 0.0
        return self.ytd.get((contract_id, budget_line))

    def previous_kpi(self, contract_id: str, period: Period, kpi_code: str) -> float | None:
        return self.kpi.get((contract_id, kpi_code))


def steady_history(register: Register, contract_id: str = "VS-001",
                   period: Period = PERIOD) -> KnownHistory:
    """Earlier quarters on budget and KPIs at this quarter's good values: nothing to query."""
    ytd = {(contract_id, b.line): b.annual_budget / 4 * (period.quarter - 1)
           for b in register.budget_lines(contract_id, period.fy)}
    kpi = {}
    for code, values in good_kpis(register, contract_id, period).items():
        if "Actual" in values:
            kpi[(contract_id, code)] = float(values["Actual"])
        else:
            kpi[(contract_id, code)] = values["Numerator"] / values["Denominator"]
    return KnownHistory(ytd, kpi)


def kpis_with(register: Register, changes: dict, contract_id: str = "VS-001",
              period: Period = PERIOD) -> dict:
    """The good KPI values with ``changes`` (code → {header: value}) laid over them."""
    out = good_kpis(register, contract_id, period)
    for code, values in changes.items():
        out[code] = {**out.get(code, {}), **values}
    return out


def lines_with(register: Register, changes: dict, contract_id: str = "VS-001",
               period: Period = PERIOD) -> dict:
    """The good budget lines with ``changes`` (line → {header: value}) laid over them."""
    out = good_lines(register, contract_id, period)
    for line, values in changes.items():
        out[line] = {**out.get(line, {}), **values}
    return out


def valid_return(folder: Path, kind: str = tc.PERFORMANCE, contract_id: str = "VS-001", *,
                 register: Register | None = None, name: str | None = None, **kwargs) -> Path:
    """A filled, signed-off return that passes every check (with ``steady_history``).

    Performance returns carry one record in each records table (``GOOD_RECORDS``).
    Keyword arguments go to ``builders.make_return`` (kpis=, lines=, tables=, sign_off=).
    """
    register = register or make_register()
    if kind == tc.PERFORMANCE:
        kwargs.setdefault("tables", GOOD_RECORDS)
    return make_return(folder, contract_id, kind, register=register, name=name, **kwargs)


def edit(path: Path, change: Callable[[openpyxl.Workbook], None], to: Path | None = None) -> Path:
    """Open ``path`` with openpyxl, apply ``change`` to the workbook, save (to ``to``)."""
    target = Path(to or path)
    if to is not None:
        shutil.copyfile(path, target)
    wb = openpyxl.load_workbook(target)
    change(wb)
    wb.save(target)
    return target


def check(path: Path, register: Register | None = None, history=None, *,
          received_at: datetime | None = None) -> ValidationResult:
    """read_return → validate_return, as the pipeline does it."""
    register = register or make_register()
    history = history if history is not None else steady_history(register)
    return validate_return(read_return(path), register, history, received_at=received_at)


# --- finding cells in a workbook ------------------------------------------------------

def _table(wb: openpyxl.Workbook, name: str):
    for ws in wb.worksheets:
        if name in ws.tables:
            return ws, ws.tables[name]
    raise KeyError(name)


def table_cell(wb: openpyxl.Workbook, table: str, key, header: str):
    """The openpyxl cell of ``table`` at row ``key`` (the value in the table's first column,
    or a 0-based record number) and column ``header``."""
    ws, t = _table(wb, table)
    c1, r1, c2, r2 = range_boundaries(t.ref)
    cols = {str(ws.cell(r1, c).value).strip(): c for c in range(c1, c2 + 1)}
    if isinstance(key, int):
        row = r1 + 1 + key
    else:
        row = next(r for r in range(r1 + 1, r2 + 1)
                   if str(ws.cell(r, c1).value or "").strip() == key)
    return ws.cell(row, cols[header])


def where(path: Path, table: str, key, header: str) -> tuple[str, str]:
    """(sheet, A1) of a table cell in the file at ``path``."""
    wb = openpyxl.load_workbook(path)
    cell = table_cell(wb, table, key, header)
    return cell.parent.title, cell.coordinate


def _labelled(path: Path, sheet: str, label: str) -> tuple[str, str]:
    ws = openpyxl.load_workbook(path)[sheet]
    for (cell,) in ws.iter_rows(min_col=1, max_col=1):
        if cell.value == label:
            return sheet, f"B{cell.row}"
    raise KeyError(label)


def where_field(path: Path, label: str) -> tuple[str, str]:
    """(sheet, A1) of a Contract sheet field's value cell."""
    return _labelled(path, tc.CONTRACT_SHEET, label)


def where_sign_off(path: Path, label: str) -> tuple[str, str]:
    return _labelled(path, tc.CONTRACT_SHEET, label)


def where_meta(path: Path, key: str) -> tuple[str, str]:
    return _labelled(path, tc.META_SHEET, key)


def add_table_row(wb: openpyxl.Workbook, table: str, values: dict) -> int:
    """Extend ``table`` by one row below its last and write ``values`` (header → value)."""
    ws, t = _table(wb, table)
    c1, r1, c2, r2 = range_boundaries(t.ref)
    new = r2 + 1
    cols = {str(ws.cell(r1, c).value).strip(): c for c in range(c1, c2 + 1)}
    for header, value in values.items():
        ws.cell(new, cols[header]).value = value
    t.ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{new}"
    if t.autoFilter is not None:
        t.autoFilter.ref = t.ref
    return new


def clear_row(wb: openpyxl.Workbook, table: str, key) -> None:
    """Blank every cell of a table row (the row stays inside the table, empty)."""
    ws, t = _table(wb, table)
    c1, _, c2, _ = range_boundaries(t.ref)
    row = table_cell(wb, table, key, str(ws.cell(range_boundaries(t.ref)[1], c1).value)).row
    for c in range(c1, c2 + 1):
        ws.cell(row, c).value = None


def rename_header(wb: openpyxl.Workbook, table: str, old: str, new: str) -> None:
    """Change a column heading, in the cell and in the table definition alike."""
    ws, t = _table(wb, table)
    c1, r1, c2, _ = range_boundaries(t.ref)
    for c in range(c1, c2 + 1):
        if ws.cell(r1, c).value == old:
            ws.cell(r1, c).value = new
    for column in t.tableColumns:
        if column.name == old:
            column.name = new


def as_version_1(wb: openpyxl.Workbook) -> None:
    """Make a filled return look like one of template version 1: no Incidents Category."""
    ws, t = _table(wb, "Incidents")
    c1, r1, c2, r2 = range_boundaries(t.ref)
    assert ws.cell(r1, c2).value == "Category"
    for r in range(r1, r2 + 1):
        ws.cell(r, c2).value = None
    t.ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2 - 1)}{r2}"
    del t.tableColumns[-1]
    meta = wb[tc.META_SHEET]
    for row in meta.iter_rows():
        if row[0].value == "template_version":
            row[1].value = 1


# --- reading results ---------------------------------------------------------------------

def found(result: ValidationResult, code: str, level: Level | None = None,
          at: tuple[str, str] | None = None) -> list[Finding]:
    """The findings of ``code`` (and ``level``, and at (sheet, cell)) in ``result``."""
    return [f for f in result.findings if f.code == code
            and (level is None or f.level is level)
            and (at is None or (f.sheet, f.cell) == at)]


def codes(result: ValidationResult) -> set[str]:
    return {f.code for f in result.findings}
