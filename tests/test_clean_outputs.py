"""Every workbook and HTML output is free of control characters and fits Excel's cell limit.

Text from outside (a provider's name in the register, a provider's cell) may carry ESC, BEL
or NUL; the SMG workbook, the feedback workbooks and the cover note carry a ``?`` instead.
Text over 32,767 characters is cut, ending with a visible marker.
"""

from __future__ import annotations

import dataclasses
import re
import zipfile

from python_calamine import CalamineWorkbook

import quarter_scenario as qs
from cm_excel.excel_text import CELL_LIMIT, CUT_MARKER, cell_text, clean_text
from cm_excel.findings import Finding, Level
from cm_excel.reports.consolidate import consolidate_quarter
from cm_excel.reports.feedback import write_feedback
from cm_excel.reports.xlsx_style import WORKBOOK_OPTIONS, CleanWorkbook, put
from cm_excel.validation.result import ValidationResult
from cm_excel.workspace import Workspace

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
HOSTILE = "Evil\x1b]0;pwned\x07 Ltd\x1b[2J\x00"


def cells(path) -> list[str]:
    book = CalamineWorkbook.from_path(str(path))
    return [v for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python()
            for v in row if isinstance(v, str)]


def text_parts(path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode() for n in z.namelist()
                         if n.startswith(("xl/worksheets/", "xl/sharedStrings", "xl/comments")))


def test_clean_text_replaces_control_characters_but_keeps_tabs_and_newlines():
    assert clean_text("a\x1b[2Jb\x07\x00") == "a?[2Jb??"
    assert clean_text("one\ttwo\nthree\r\nfour\rfive") == "one\ttwo\nthree\nfour\nfive"
    assert cell_text("z" * 40_000).endswith(CUT_MARKER)
    assert len(cell_text("z" * 40_000)) == CELL_LIMIT
    assert cell_text("short") == "short"


def test_the_workbook_writer_cleans_every_string_however_it_is_written(tmp_path):
    path = tmp_path / "out.xlsx"
    wb = CleanWorkbook(str(path), dict(WORKBOOK_OPTIONS))
    ws = wb.add_worksheet("S")
    put(ws, 0, 0, HOSTILE)
    ws.write(1, 0, "x" * 40_000)
    ws.merge_range(2, 0, 2, 3, "merged\x1b[31m", None)
    ws.write_string(3, 0, "=HYPERLINK(\"http://evil.example\")")
    wb.close()
    got = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("S").to_python()
    assert got[0][0] == "Evil?]0;pwned? Ltd?[2J?"
    assert len(got[1][0]) == CELL_LIMIT and got[1][0].endswith(CUT_MARKER)
    assert got[2][0] == "merged?[31m"
    assert got[3][0].startswith("=HYPERLINK")  # text, never a formula
    assert not re.search(r"_x00[01][0-9A-Fa-f]_|<f[ >]", text_parts(path))


def test_smg_workbook_and_cover_note_carry_no_control_characters(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.ensure_folders()
    qs.build(ws.ledger_path)
    reg = qs.register()
    c = reg.contracts["VS-003"]
    reg.contracts["VS-003"] = dataclasses.replace(c, provider=HOSTILE, service="s" * 40_000)
    result = consolidate_quarter(ws, reg, qs.PERIOD, as_of=qs.AS_OF)
    texts = cells(result.workbook_path)
    assert not [t for t in texts if CONTROL.search(t)]
    assert "Evil?]0;pwned? Ltd?[2J?" in texts
    assert any(t.startswith("sss") and t.endswith(CUT_MARKER) for t in texts)
    assert not re.search(r"_x00[01][0-9A-Fa-f]_", text_parts(result.workbook_path))
    html = result.cover_path.read_text(encoding="utf-8")
    assert not CONTROL.search(html)
    assert "Evil?]0;pwned? Ltd?[2J?" in html


def test_feedback_problems_sheet_carries_no_control_characters(tmp_path):
    result = ValidationResult(file=f"{HOSTILE}.xlsx", path="", sha256="0" * 64, findings=[
        Finding("X_TEST", Level.ERROR, f"value '{HOSTILE}'", "fix\x00 it" + "!" * 40_000,
                sheet="Performance", cell="B2")])
    path = write_feedback(result, tmp_path / "fb.xlsx")
    texts = cells(path)
    assert not [t for t in texts if CONTROL.search(t)]
    assert any(t.endswith(CUT_MARKER) for t in texts)
