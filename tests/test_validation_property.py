"""Whatever a provider does to a valid return, validation answers and never raises.

Random edits of a real, valid return file (cells blanked, text and numbers where they do
not belong, rows inserted or deleted, columns deleted, sheets renamed or removed) are saved
with openpyxl, read with the real reader and validated. Each must give a result whose
status agrees with its findings, every finding a catalogued rule with coordinates.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cm_excel.intake.reader import read_return
from cm_excel.templates import contract as tc
from cm_excel.findings import Level
from cm_excel.validation.rules import RULES
from cm_excel.validation.validate import validate_return
from validation_fixtures import make_register, steady_history, valid_return

_BASE = Path(tempfile.mkdtemp(prefix="cm-excel-property-"))


@lru_cache(maxsize=None)
def base_return(kind: str) -> Path:
    """One valid return per kind, written once per test session."""
    return valid_return(_BASE, kind, register=make_register())


TEXTS = ["n/a", "1,234", "12%", "£1,000", " 42 ", "(1,000)", "\u22125", "=SUM(A1:A3)",
         "+44 1234", "@home", "yes", "maybe", "3/10/2026", "31/02/2026", "", "   ", "#DIV/0!",
         "VS-001", "2026-27 Q3", "performance", "CONTACT48", "Staff costs", "\u03a9\u00e9\u00df"]

coords = st.tuples(st.integers(0, 7), st.integers(1, 14), st.integers(1, 9))
values = st.one_of(
    st.none(),
    st.sampled_from(TEXTS),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12),
    st.integers(-10**6, 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.dates(date(1990, 1, 1), date(2040, 12, 31)),
    st.booleans(),
)
edits = st.one_of(
    st.tuples(st.just("set"), coords, values),
    st.tuples(st.just("insert_rows"), st.integers(0, 7), st.integers(1, 12), st.integers(1, 3)),
    st.tuples(st.just("delete_rows"), st.integers(0, 7), st.integers(1, 12), st.integers(1, 3)),
    st.tuples(st.just("delete_cols"), st.integers(0, 7), st.integers(1, 9), st.integers(1, 2)),
    st.tuples(st.just("rename"), st.integers(0, 7), st.from_regex(r"[A-Za-z0-9 ]{1,20}",
                                                                   fullmatch=True)),
    st.tuples(st.just("remove"), st.integers(0, 7)),
)


def _sheet(wb, index: int):
    sheets = wb.worksheets
    return sheets[index % len(sheets)] if sheets else None


def apply(wb: openpyxl.Workbook, edit) -> None:
    op, *args = edit
    if op == "set":
        (index, row, col), value = args
        ws = _sheet(wb, index)
        cell = ws.cell(row, col)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # typed text, never a live formula
    elif op == "insert_rows":
        _sheet(wb, args[0]).insert_rows(args[1], args[2])
    elif op == "delete_rows":
        _sheet(wb, args[0]).delete_rows(args[1], args[2])
    elif op == "delete_cols":
        _sheet(wb, args[0]).delete_cols(args[1], args[2])
    elif op == "rename":
        ws, name = _sheet(wb, args[0]), args[1].strip() or "Sheet"
        if name.casefold() not in {s.title.casefold() for s in wb.worksheets}:
            ws.title = name
    elif op == "remove":
        ws = _sheet(wb, args[0])
        # A workbook must keep at least one visible sheet (Excel's rule, and openpyxl's).
        if any(s is not ws and s.sheet_state == "visible" for s in wb.worksheets):
            wb.remove(ws)


_A1 = re.compile(r"^([A-Z]{1,3}[1-9][0-9]*)?$")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(tc.KINDS), changes=st.lists(edits, min_size=1, max_size=5))
def test_random_edits_never_raise(kind, changes):
    register = make_register()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "edited return.xlsx"
        shutil.copyfile(base_return(kind), path)
        wb = openpyxl.load_workbook(path)
        for change in changes:
            apply(wb, change)
        wb.save(path)

        result = validate_return(read_return(path), register, steady_history(register),
                                 received_at=datetime(2027, 1, 20, 9, 0))

    assert result.status in ("accepted", "rejected")
    blocking = [f for f in result.findings
                if f.level is Level.ERROR or (f.level is Level.QUERY and not f.explained)]
    assert (result.status == "rejected") == bool(blocking)
    for f in result.findings:
        assert f.code in RULES and f.code != "CHECK_FAILED", f.line()
        assert f.level is RULES[f.code].level
        assert f.file == "edited return.xlsx"
        assert _A1.match(f.cell), f.line()
        assert "{" not in f.message, f.line()  # every placeholder filled


def test_the_unedited_base_returns_are_accepted():
    register = make_register()
    for kind in tc.KINDS:
        result = validate_return(read_return(base_return(kind)), register,
                                 steady_history(register))
        assert result.status == "accepted" and result.findings == []
