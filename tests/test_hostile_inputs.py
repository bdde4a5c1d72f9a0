"""Hostile and odd returns through the real ``cm-excel ingest``, each within 5 s and 512 MB.

Every case sits in an inbox beside a good return of another contract: the good one must be
accepted whatever the planted one does, and the planted file must stay byte-identical.
The planted files are built in code (tests/hostile_corpus.py). Time is the child's CPU
time (user + system), so a busy machine does not fail the test; memory is its peak RSS.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from cm_excel.excel_text import CELL_LIMIT
from cm_excel.reports.feedback import HEADER_ROW, PROBLEMS_SHEET

from bounded_run import run_bounded
from hostile_corpus import LONG, inbox_with

MAX_CPU_SECONDS = 5.0
MAX_PEAK_MIB = 512
RED = "FFC7CE"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ingest(case: str, tmp_path: Path):
    ws, planted, fine = inbox_with(case, tmp_path)
    before = sha(planted)
    run = run_bounded("--workspace", str(ws.root), "ingest", timeout=60,
                      address_space_mib=2048)
    assert not run.timed_out, f"{case}: killed after {run.wall_seconds:.0f} s"
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr and "Error" not in run.stderr, run.stderr
    assert run.cpu_seconds <= MAX_CPU_SECONDS, f"{case}: {run.cpu_seconds:.1f} s of CPU"
    assert run.peak_mib <= MAX_PEAK_MIB, f"{case}: peak {run.peak_mib:.0f} MiB"
    # The good return of the same inbox was processed: archived and gone from the inbox.
    assert not fine.exists()
    assert any(p.name.endswith(".xlsx") for p in (ws.root / "archive").rglob("*"))
    return ws, planted, before, run


def the_feedback(ws) -> Path:
    found = sorted((ws.outbox / "feedback").rglob("*_feedback.xlsx"))
    assert len(found) == 1, found
    return found[0]


def problem_codes(path: Path) -> set[str]:
    sheet = load_workbook(path, read_only=True)[PROBLEMS_SHEET]
    return {r[1] for r in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if r[0]}


def parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8", "replace") for n in z.namelist()}


def assert_rejected_and_untouched(planted: Path, before: str) -> None:
    assert planted.exists() and sha(planted) == before


def test_whole_sheet_merge_is_fed_back_within_bounds(tmp_path):
    ws, planted, before, _ = ingest("whole_sheet_merge", tmp_path)
    assert_rejected_and_untouched(planted, before)
    fb = the_feedback(ws)
    assert "VALUE_NEGATIVE" in problem_codes(fb)
    assert not any("<mergeCell" in xml for xml in parts(fb).values())
    wb = load_workbook(fb)
    marked = [c for row in wb["Performance"].iter_rows() for c in row
              if c.fill is not None and str(c.fill.fgColor.rgb).endswith(RED)]
    assert [c.value for c in marked] == [-5]


def test_200k_rows_are_fed_back_within_bounds(tmp_path):
    ws, planted, before, _ = ingest("rows_200k", tmp_path)
    assert_rejected_and_untouched(planted, before)
    fb = the_feedback(ws)
    book = CalamineWorkbook.from_path(str(fb))
    assert "Case list" in book.sheet_names
    rows = book.get_sheet_by_name("Case list").to_python()
    assert rows[0][:3] == [1.0, 3.0, "case 1"]
    assert len(rows) < 200_000  # the copy is bounded; the Problems sheet says so


def test_live_features_of_a_return_are_not_carried_into_feedback(tmp_path):
    ws, planted, before, _ = ingest("live_features", tmp_path)
    assert_rejected_and_untouched(planted, before)
    fb = the_feedback(ws)
    everything = "\n".join(parts(fb).values())
    assert "evil.example" not in everything
    assert "cmd|" not in everything and "/C calc" not in everything
    for feature in ("<conditionalFormatting", "<dataValidation", "externalLink",
                    "TargetMode=\"External\""):
        assert feature not in everything, feature
    # Hyperlinks are only ours: from the Problems sheet to a cell of the copy.
    assert all("location=" in h for h in re.findall(r"<hyperlink [^>]*>", everything))
    # Only the names Excel itself uses for our own filter and print titles.
    assert set(re.findall(r'<definedName name="([^"]+)"', everything)) <= {
        "_xlnm._FilterDatabase", "_xlnm.Print_Titles"}
    assert not re.search(r"<f[ >]", everything)
    wb = load_workbook(fb)
    assert wb["Performance"]["J2"].value == "see our site"  # the value is kept, as text


def test_a_40000_character_cell_is_cut_with_a_marker_and_a_query(tmp_path):
    ws, planted, before, _ = ingest("long_cell", tmp_path)
    assert_rejected_and_untouched(planted, before)
    fb = the_feedback(ws)
    assert "TEXT_TOO_LONG" in problem_codes(fb)
    book = CalamineWorkbook.from_path(str(fb))
    texts = [v for row in book.get_sheet_by_name("Performance").to_python() for v in row
             if isinstance(v, str) and v.startswith("xxxx")]
    assert len(texts) == 1
    assert len(texts[0]) <= CELL_LIMIT < LONG and not texts[0].endswith("x")


def test_a_headerless_table_repeating_its_column_names_is_read_with_that_header(tmp_path):
    ws, planted, _, run = ingest("headerless_table", tmp_path)
    assert not planted.exists()  # accepted: archived and removed from the inbox
    assert "KPI_UNKNOWN" not in run.stdout
    assert not list((ws.outbox / "feedback").rglob("*.xlsx")) or \
        "KPI_UNKNOWN" not in problem_codes(the_feedback(ws))


def test_escape_sequences_in_cells_never_reach_the_feedback_workbook(tmp_path):
    ws, planted, before, _ = ingest("escape_cells", tmp_path)
    assert_rejected_and_untouched(planted, before)
    fb = the_feedback(ws)
    everything = "\n".join(xml for name, xml in parts(fb).items()
                           if name.startswith(("xl/worksheets/", "xl/sharedStrings", "xl/comments")))
    assert not re.search(r"_x00[01][0-9A-Fa-f]_", everything)
    assert not CONTROL.search(everything)
    book = CalamineWorkbook.from_path(str(fb))
    for name in book.sheet_names:
        for row in book.get_sheet_by_name(name).to_python():
            for v in row:
                assert not (isinstance(v, str) and CONTROL.search(v)), (name, v)
    texts = [v for row in book.get_sheet_by_name("Performance").to_python() for v in row
             if isinstance(v, str) and "pwned" in v]
    assert texts  # the text itself is kept, the control characters are not


@pytest.mark.parametrize("case", ["whole_sheet_merge", "live_features"])
def test_originals_stay_byte_identical_and_a_rerun_changes_nothing(case, tmp_path):
    ws, planted, before, _ = ingest(case, tmp_path)
    fb = the_feedback(ws)
    first = sha(fb)
    again = run_bounded("--workspace", str(ws.root), "ingest", timeout=60,
                        address_space_mib=2048)
    assert again.returncode == 0 and sha(planted) == before and sha(fb) == first
