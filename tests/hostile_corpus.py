"""Hostile and odd returns, built in code at test time (no binary blobs).

Each builder takes a good return made from the workspace's own register (so that, but for
what the builder plants, it would be accepted) and writes the planted file. Every planted
return also carries one ordinary error (a negative count), so that ingest writes it a
feedback workbook: the feedback step is what most of these attack.

- ``whole_sheet_merge``: one merged range covering the whole Performance sheet (6 KB).
- ``rows_200k``: a pasted case list of 200,000 rows on a sheet of its own.
- ``live_features``: a conditional format whose formula is HYPERLINK("http://evil.example",
  ...), a data validation formula, a defined name ``cmd|' /C calc'!A0`` and an external
  hyperlink.
- ``long_cell``: a Commentary of 40,000 characters (Excel's cell limit is 32,767).
- ``headerless_table``: the PerformanceReturn table saved as some JavaScript spreadsheet
  libraries save tables: ``headerRowCount="0"`` while its first row repeats the column names.
- ``escape_cells``: ESC/OSC terminal sequences (and a BEL) in cells, stored the way Excel
  stores control characters (``_x001B_``).
"""

from __future__ import annotations

import re
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import openpyxl
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from cm_excel.periods import Period
from cm_excel.register.reader import read_register
from cm_excel.workspace import Workspace, init_workspace

from builders import good_kpis, make_return
from intake_fixtures import rezip

PERIOD = Period(2026, 2)  # Jul-Sep 2026: ended before any date these tests run on
RECEIVED = datetime(2026, 10, 20, 10, 0, tzinfo=timezone.utc)  # on time (sign-off 15 Oct)
EVIL = "http://evil.example"
ESC_TEXT = "_x001B_]0;pwned_x0007__x001B_[2J_x001B_[31mred"  # OSC title, clear screen, colour
LONG = 40_000
PERFORMANCE_PART = "xl/worksheets/sheet3.xml"  # Instructions, Contract, Performance, ...


def workspace(root: Path) -> tuple[Workspace, object]:
    """A workspace with the starter register, and that register."""
    ws = init_workspace(root)
    return ws, read_register(ws.register_path)


def contracts(register) -> list[str]:
    return [c.contract_id for c in register.active_contracts(PERIOD)]


def good(ws: Workspace, register, contract_id: str, name: str, **kw) -> Path:
    """A return that is accepted, received on time."""
    path = make_return(ws.inbox, contract_id, period=PERIOD, register=register, name=name, **kw)
    return received(path)


def received(path: Path) -> Path:
    import os

    os.utime(path, (RECEIVED.timestamp(), RECEIVED.timestamp()))
    return path


def _with_error(register, contract_id: str, **rows) -> dict:
    """Good KPIs but for one negative count (VALUE_NEGATIVE), plus ``rows`` overrides."""
    kpis = good_kpis(register, contract_id, PERIOD)
    count = next((code for code, v in kpis.items() if "Actual" in v
                  and register.kpis[code].unit == "count"), None)
    if count is not None:
        kpis[count]["Actual"] = -5
    for code, values in rows.items():
        kpis.setdefault(code, {}).update(values)
    return kpis


def _first_kpi(register, contract_id: str) -> str:
    return next(iter(good_kpis(register, contract_id, PERIOD)))


def _base(ws, register, contract_id, tmp: Path, *, kpis=None) -> Path:
    kpis = kpis if kpis is not None else _with_error(register, contract_id)
    return make_return(tmp, contract_id, period=PERIOD, register=register, name="base.xlsx",
                       kpis=kpis)


def _insert_after_sheet_data(xml: bytes, fragment: bytes) -> bytes:
    """Put ``fragment`` where the schema wants mergeCells: after sheetData/sheetProtection."""
    m = re.search(rb"</sheetData>(<sheetProtection[^>]*/>)?", xml)
    return xml[:m.end()] + fragment + xml[m.end():]


# --- the cases -----------------------------------------------------------------------------

def whole_sheet_merge(ws, register, contract_id, tmp: Path, name: str) -> Path:
    base = _base(ws, register, contract_id, tmp)
    merge = b'<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
    return received(rezip(base, ws.inbox / name, change={
        PERFORMANCE_PART: lambda xml: _insert_after_sheet_data(xml, merge)}))


def rows_200k(ws, register, contract_id, tmp: Path, name: str, rows: int = 200_000) -> Path:
    """A sheet 'Case list' of ``rows`` rows x 4 columns, appended to a return."""
    base = _base(ws, register, contract_id, tmp)
    body = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>{r * 3}</v></c>'
                   f'<c r="C{r}" t="inlineStr"><is><t>case {r}</t></is></c>'
                   f'<c r="D{r}"><v>{r % 7}</v></c></row>' for r in range(1, rows + 1))
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f"<sheetData>{body}</sheetData></worksheet>").encode()
    part = "xl/worksheets/sheet99.xml"

    def workbook(xml: bytes) -> bytes:
        return xml.replace(b"</sheets>", b'<sheet name="Case list" sheetId="99" '
                                         b'state="visible" r:id="rId99" /></sheets>')

    def rels(xml: bytes) -> bytes:
        return xml.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="http://'
                           b'schemas.openxmlformats.org/officeDocument/2006/relationships/'
                           b'worksheet" Target="worksheets/sheet99.xml"/></Relationships>')

    def types(xml: bytes) -> bytes:
        return xml.replace(b"</Types>", b'<Override PartName="/xl/worksheets/sheet99.xml" '
                           b'ContentType="application/vnd.openxmlformats-officedocument.'
                           b'spreadsheetml.worksheet+xml"/></Types>')

    return received(rezip(base, ws.inbox / name, add={part: sheet}, change={
        "xl/workbook.xml": workbook, "xl/_rels/workbook.xml.rels": rels,
        "[Content_Types].xml": types}))


def live_features(ws, register, contract_id, tmp: Path, name: str) -> Path:
    base = _base(ws, register, contract_id, tmp)
    wb = openpyxl.load_workbook(base)
    sheet = wb["Performance"]
    sheet.conditional_formatting.add("A1:H40", FormulaRule(
        formula=[f'ISNUMBER(HYPERLINK("{EVIL}","click"))'],
        fill=PatternFill("solid", fgColor="FF0000")))
    dv = DataValidation(type="custom", formula1=f'HYPERLINK("{EVIL}/dv","x")')
    dv.add("J1:J9")
    sheet.add_data_validation(dv)
    wb.defined_names["Evil"] = DefinedName("Evil", attr_text="cmd|' /C calc'!A0")
    sheet["J2"] = "see our site"
    sheet["J2"].hyperlink = f"{EVIL}/page"
    out = ws.inbox / name
    wb.save(out)
    return received(out)


def long_cell(ws, register, contract_id, tmp: Path, name: str) -> Path:
    """openpyxl cuts text to Excel's limit when saving, so the long text goes in by hand."""
    code = _first_kpi(register, contract_id)
    kpis = _with_error(register, contract_id, **{code: {"Commentary": "LONG-TEXT-HERE"}})
    base = _base(ws, register, contract_id, tmp, kpis=kpis)
    return received(rezip(base, ws.inbox / name, change={
        PERFORMANCE_PART: lambda xml: xml.replace(b"LONG-TEXT-HERE", b"x" * LONG)}))


def headerless_table(ws, register, contract_id, tmp: Path, name: str) -> Path:
    """A good return (no planted error): it must be accepted."""
    base = make_return(tmp, contract_id, period=PERIOD, register=register, name="base.xlsx")

    def table(xml: bytes) -> bytes:
        xml = xml.replace(b'headerRowCount="1"', b'headerRowCount="0"')
        return re.sub(rb"<autoFilter[^>]*?(/>|>.*?</autoFilter>)", b"", xml, flags=re.S)

    return received(rezip(base, ws.inbox / name, change={"xl/tables/table1.xml": table}))


def escape_cells(ws, register, contract_id, tmp: Path, name: str) -> Path:
    code = _first_kpi(register, contract_id)
    kpis = _with_error(register, contract_id, **{code: {"Commentary": ESC_TEXT}})
    path = make_return(ws.inbox, contract_id, period=PERIOD, register=register, name=name,
                       kpis=kpis)
    return received(path)


CASES = {
    "whole_sheet_merge": whole_sheet_merge,
    "rows_200k": rows_200k,
    "live_features": live_features,
    "long_cell": long_cell,
    "headerless_table": headerless_table,
    "escape_cells": escape_cells,
}


def inbox_with(case: str, root: Path) -> tuple[Workspace, Path, Path]:
    """A workspace whose inbox holds the ``case`` return and a good return of another
    contract; (workspace, planted path, good path)."""
    ws, register = workspace(root / "ws")
    ids = contracts(register)
    tmp = root / "build"
    tmp.mkdir()
    planted = CASES[case](ws, register, ids[0], tmp, f"{case}.xlsx")
    fine = good(ws, register, ids[1], "good return.xlsx")
    return ws, planted, fine


def all_parts(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
