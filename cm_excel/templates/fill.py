"""Fill in a template the way a provider would, through the public contract only.

Tables are found by name (``contract.TABLES``), rows by KPI Code or Budget Line, cells by
header, sign-off cells by their defined names: no private cell addresses. Used by the demo
and by tests to make realistic returns — including wrong ones: any header may be written,
locked or not (a provider can overwrite a locked cell in other spreadsheet programs), and
a KPI code or budget line not in the template is added as a new row.

The very hidden metadata sheet, sheet protection, data validation and defined names are
kept as issued.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from copy import copy
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

from ..atomic import atomic_path, make_reproducible
from . import contract as tc


class Formula(str):
    """A value to write as a live formula: ``Formula("=SUM(E6:E9)")``.

    Any other string is written as text, even one starting with ``=``, as a provider's
    quote-prefixed entry would be.
    """


def fill_return(template_path: str | os.PathLike, out_path: str | os.PathLike, *,
                kpis: Mapping[str, Mapping[str, object]] | None = None,
                tables: Mapping[str, Sequence[Mapping[str, object]]] | None = None,
                lines: Mapping[str, Mapping[str, object]] | None = None,
                sign_off: Mapping[str, object] | None = None) -> Path:
    """Write a filled copy of ``template_path`` to ``out_path`` (atomically) and return it.

    - ``kpis``: KPI Code → {header: value} for PerformanceReturn, e.g.
      ``{"CONTACT48": {"Numerator": 90, "Denominator": 100, "Commentary": "..."}}``.
    - ``lines``: Budget Line → {header: value} for FinancialReturn.
    - ``tables``: table name → records ({header: value}) for Incidents, Complaints, Risks,
      Improvements; records go into the first empty rows, and the table is extended
      below when there are more records than empty rows.
    - ``sign_off``: "Prepared By" / "Approved By" / "Sign-off Date" (or their defined names
      PreparedBy, ApprovedBy, SignOffDate) → value.

    A value of None clears the cell. Raises KeyError for a table, header or sign-off field
    the template does not have, ValueError when a table cannot grow (cells below it used).
    """
    wb = openpyxl.load_workbook(template_path, rich_text=True)  # keep the bold in Instructions
    if kpis:
        _fill_keyed(wb, "PerformanceReturn", "KPI Code", kpis)
    if lines:
        _fill_keyed(wb, "FinancialReturn", "Budget Line", lines)
    for name, records in (tables or {}).items():
        _append_records(wb, name, records)
    if sign_off:
        _sign(wb, sign_off)
    issued = wb.properties.created
    with atomic_path(out_path) as tmp:
        wb.save(tmp)
        make_reproducible(tmp, issued)
    return Path(out_path)


class _Table:
    """An Excel table of a worksheet, addressed by header."""

    def __init__(self, wb, name: str):
        for ws in wb.worksheets:
            if name in ws.tables:
                self.ws, self.table = ws, ws.tables[name]
                break
        else:
            raise KeyError(f"no table named {name!r} in the workbook")
        self.name = name
        min_col, self.header_row, max_col, self.last_row = range_boundaries(self.table.ref)
        self.min_col, self.max_col = min_col, max_col
        self.columns = {str(self.ws.cell(self.header_row, c).value).strip(): c
                        for c in range(min_col, max_col + 1)}

    def col(self, header: str) -> int:
        try:
            return self.columns[header]
        except KeyError:
            raise KeyError(f"table {self.name} has no column {header!r}; it has "
                           f"{', '.join(self.columns)}") from None

    def body_rows(self) -> range:
        return range(self.header_row + 1, self.last_row + 1)

    def is_blank(self, row: int) -> bool:
        return all(self.ws.cell(row, c).value in (None, "")
                   for c in range(self.min_col, self.max_col + 1))

    def write(self, row: int, values: Mapping[str, object]) -> None:
        for header, value in values.items():
            _write(self.ws.cell(row, self.col(header)), value)

    def new_row(self) -> int:
        """Grow the table by one row below, styled and validated like its last row."""
        ws, last, new = self.ws, self.last_row, self.last_row + 1
        if not all(ws.cell(new, c).value in (None, "")
                   for c in range(self.min_col, self.max_col + 1)):
            raise ValueError(f"cannot extend table {self.name}: row {new} is not empty")
        for c in range(self.min_col, self.max_col + 1):
            src, dst = ws.cell(last, c), ws.cell(new, c)
            if src.has_style:
                dst._style = copy(src._style)
            for dv in ws.data_validations.dataValidation:
                if src.coordinate in dv.sqref:
                    dv.sqref.add(dst.coordinate)
        if ws.row_dimensions[last].height is not None:
            ws.row_dimensions[new].height = ws.row_dimensions[last].height
        ref = (f"{get_column_letter(self.min_col)}{self.header_row}:"
               f"{get_column_letter(self.max_col)}{new}")
        self.table.ref = ref
        if self.table.autoFilter is not None:
            self.table.autoFilter.ref = ref
        self.last_row = new
        return new


def _fill_keyed(wb, table_name: str, key_header: str,
                values: Mapping[str, Mapping[str, object]]) -> None:
    t = _Table(wb, table_name)
    key_col = t.col(key_header)
    rows = {str(t.ws.cell(r, key_col).value).strip(): r for r in t.body_rows()
            if t.ws.cell(r, key_col).value not in (None, "")}
    for key, row_values in values.items():
        row = rows.get(key)
        if row is None:  # a KPI or line not issued: the provider added a row
            row = next((r for r in t.body_rows() if t.is_blank(r)), None) or t.new_row()
            _write(t.ws.cell(row, key_col), key)
            rows[key] = row
        t.write(row, row_values)


def _append_records(wb, table_name: str, records: Sequence[Mapping[str, object]]) -> None:
    t = _Table(wb, table_name)
    free = [r for r in t.body_rows() if t.is_blank(r)]
    for record in records:
        row = free.pop(0) if free else t.new_row()
        t.write(row, record)


def _sign(wb, sign_off: Mapping[str, object]) -> None:
    by_name = {v: k for k, v in tc.SIGN_OFF_NAMES.items()}
    for key, value in sign_off.items():
        label = by_name.get(key, key)
        if label not in tc.SIGN_OFF_NAMES:
            raise KeyError(f"{key!r} is not a sign-off field; use one of "
                           f"{', '.join(tc.SIGN_OFF_FIELDS)}")
        _write(_sign_off_cell(wb, label), value)


def _sign_off_cell(wb, label: str):
    """The defined name's cell, else the cell right of the label on the Contract sheet."""
    defined = wb.defined_names.get(tc.SIGN_OFF_NAMES[label])
    if defined is not None:
        for sheet, coord in defined.destinations:
            return wb[sheet][coord.replace("$", "")]
    ws = wb[tc.CONTRACT_SHEET]
    for (cell,) in ws.iter_rows(min_col=1, max_col=1):
        if isinstance(cell.value, str) and cell.value.strip() == label:
            return ws.cell(cell.row, 2)
    raise KeyError(f"no sign-off cell for {label!r}")


def _write(cell, value: object) -> None:
    if isinstance(value, Formula):
        cell.value = str(value)  # openpyxl stores a string starting with "=" as a formula
    elif isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # text, even when it starts with "=": never a live formula
    else:  # numbers, dates (the template's cell keeps its date format), bools, None
        cell.value = value
