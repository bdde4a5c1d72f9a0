"""Feedback workbooks: the Problems sheet, the provider's own return marked up, nothing else."""

from __future__ import annotations

import re
import zipfile
from dataclasses import replace
from pathlib import Path

from openpyxl import load_workbook

from cm_excel import pipeline
from cm_excel.ledger import db
from cm_excel.ledger.queries import findings_of, submission_by_id
from cm_excel.periods import Period
from cm_excel.pipeline import Outcome
from cm_excel.reports.feedback import (HEADER_ROW, PROBLEM_HEADERS, PROBLEMS_SHEET,
                                       feedback_path, write_feedback)
from cm_excel.findings import Finding, Level
from cm_excel.validation.result import ValidationResult

from builders import good_kpis, good_lines
from ingest_fixtures import NOW, drop, make_register, make_return

RED, AMBER = "FFC7CE", "FFEB9C"
RISKY = ["=HYPERLINK(\"http://example.invalid\",\"click\")", "+44 1865 000000",
         "-2+3 more", "@SUM(A1:A9)"]


def problems(path: Path) -> list[tuple]:
    sheet = load_workbook(path)[PROBLEMS_SHEET]
    rows = list(sheet.iter_rows(min_row=HEADER_ROW, values_only=True))
    assert rows[0] == PROBLEM_HEADERS
    return [r for r in rows[1:] if r[0]]


def all_text(path: Path) -> str:
    """Every XML part of the workbook, as one string (what a nosy reader could find)."""
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                         if n.endswith((".xml", ".rels", ".vml")))


def worksheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode() for n in z.namelist()
                         if n.startswith("xl/worksheets/sheet"))


def ingest_one(ws, register):
    report = pipeline.ingest(ws, register, now=NOW)
    assert len(report.files) == 1
    return report.files[0]


def recorded_findings(ws, submission_id):
    conn = db.connect(ws.ledger_path)
    try:
        return findings_of(conn, submission_id), submission_by_id(conn, submission_id)
    finally:
        conn.close()


def negative_and_text_kpis(register):
    kpis = good_kpis(register, "VS-001")
    kpis["SUPPORTED"] = {"Actual": -5, "Commentary": "typo"}  # VALUE_NEGATIVE (error)
    kpis["REFERRALS"] = {"Actual": "1,234", "Commentary": "As counted."}  # VALUE_AS_TEXT
    return kpis


# --- what it holds ---------------------------------------------------------------------------------


def test_problems_sheet_comes_first_and_lists_every_finding(ws, register):
    drop(ws, kpis=negative_and_text_kpis(register))
    out = ingest_one(ws, register)
    assert out.outcome is Outcome.REJECTED
    assert out.feedback_path == ws.outbox / "feedback" / "2026-27-Q3" / (
        "VS-001_performance_feedback.xlsx")
    wb = load_workbook(out.feedback_path)
    assert wb.sheetnames[0] == PROBLEMS_SHEET and wb.active.title == PROBLEMS_SHEET
    assert "_meta" not in wb.sheetnames
    assert {"Contract", "Performance", "Incidents"} <= set(wb.sheetnames)
    found, sub = recorded_findings(ws, out.submission_id)
    listed = {(r[1], r[2] or "", r[3] or "") for r in problems(out.feedback_path)}
    assert listed == {(f.code, f.sheet, f.cell) for f in found}
    assert sub.feedback_path == out.feedback_path.relative_to(ws.root).as_posix()
    levels = {r[1]: r[0] for r in problems(out.feedback_path)}
    assert levels["VALUE_NEGATIVE"] == "Error" and levels["VALUE_AS_TEXT"] == "Warning"
    # the Problems sheet prints one A4 landscape page wide at 8 pt or more
    from cm_excel.print_setup import MIN_SCALE, SIDE_MARGIN_INCHES, print_scale

    sheet = wb[PROBLEMS_SHEET]
    widths = [sheet.column_dimensions[c].width for c in "ABCDEF"]
    assert print_scale(widths) >= MIN_SCALE
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.page_margins.left == sheet.page_margins.right == SIDE_MARGIN_INCHES


def test_cells_concerned_are_coloured_and_commented(ws, register):
    drop(ws, kpis=negative_and_text_kpis(register))
    out = ingest_one(ws, register)
    found, _ = recorded_findings(ws, out.submission_id)
    wb = load_workbook(out.feedback_path)
    by_code = {f.code: f for f in found}
    err, warn = by_code["VALUE_NEGATIVE"], by_code["VALUE_AS_TEXT"]
    err_cell, warn_cell = wb[err.sheet][err.cell], wb[warn.sheet][warn.cell]
    assert err_cell.fill.fgColor.rgb.endswith(RED)
    assert warn_cell.fill.fgColor.rgb.endswith(AMBER)
    assert "VALUE_NEGATIVE" in err_cell.comment.text
    assert "VALUE_AS_TEXT" in warn_cell.comment.text
    assert err_cell.value == -5  # their own value, as they sent it
    assert warn_cell.value == "1,234"
    # Cells without problems are not marked.
    assert wb["Performance"]["A1"].comment is None


def test_feedback_holds_one_providers_data_only(ws, register):
    drop(ws, name="one.xlsx", kpis=negative_and_text_kpis(register))
    kpis2 = good_kpis(register, "VS-002")
    kpis2["SUPPORTED"] = {"Actual": -1, "Commentary": "x"}
    drop(ws, name="two.xlsx", contract_id="VS-002", kpis=kpis2)
    report = pipeline.ingest(ws, register, now=NOW)
    outs = {f.name: f for f in report.files}
    assert {f.outcome for f in report.files} == {Outcome.REJECTED}
    one, two = outs["one.xlsx"].feedback_path, outs["two.xlsx"].feedback_path
    assert one != two
    text_one, text_two = all_text(one), all_text(two)
    for contract_id in ("VS-002", "VS-003"):
        c = register.contracts[contract_id]
        assert contract_id not in text_one and c.provider not in text_one
    for contract_id in ("VS-001", "VS-003"):
        c = register.contracts[contract_id]
        assert contract_id not in text_two and c.provider not in text_two
    assert "VS-001" in text_one and "VS-002" in text_two
    for path in (one, two):
        wb = load_workbook(path)
        assert "_meta" not in wb.sheetnames
        assert all("_meta" not in (d.attr_text or "") for d in wb.defined_names.values())
        assert "_meta" not in all_text(path)


def test_provider_text_never_becomes_a_formula(ws, register):
    kpis = good_kpis(register, "VS-001")
    codes = list(kpis)
    for code, text in zip(codes, RISKY):
        kpis[code]["Commentary"] = text
    kpis["SUPPORTED"]["Actual"] = -5  # an error, so that feedback is written
    drop(ws, kpis=kpis)
    out = ingest_one(ws, register)
    assert out.feedback_path.is_file()
    assert "<f>" not in worksheet_xml(out.feedback_path)
    assert not re.search(r"<f[ >]", worksheet_xml(out.feedback_path))
    wb = load_workbook(out.feedback_path)
    commentary = {c.value for row in wb["Performance"].iter_rows() for c in row
                  if isinstance(c.value, str)}
    assert set(RISKY) <= commentary


def test_problem_text_is_never_a_formula(tmp_path):
    result = ValidationResult(file="=cmd|' /C calc'!A0.xlsx", path="", sha256="0" * 64,
                              findings=[Finding("X_TEST", Level.ERROR, "=1+1", "+do this",
                                                sheet="@Sheet", cell="A1")])
    path = write_feedback(result, tmp_path / "fb.xlsx")
    assert not re.search(r"<f[ >]", worksheet_xml(path))
    assert problems(path) == [("Error", "X_TEST", "@Sheet", "A1", "=1+1", "+do this")]


def test_control_characters_in_messages_do_not_break_the_workbook(tmp_path):
    result = ValidationResult(file="a\x01b.xlsx", path="", sha256="0" * 64,
                              findings=[Finding("X_TEST", Level.ERROR, "value 'a\x0bb'",
                                                "fix\x00 it", sheet="Performance", cell="B2")])
    path = write_feedback(result, tmp_path / "fb.xlsx")
    assert problems(path)[0][4:] == ("value 'a?b'", "fix? it")


# --- where it goes -------------------------------------------------------------------------------


def test_an_unopenable_file_gets_a_problems_only_feedback_under_unidentified(ws, register):
    (ws.inbox / "figures.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    out = ingest_one(ws, register)
    assert out.feedback_path == ws.outbox / "feedback" / "unidentified" / "figures_feedback.xlsx"
    wb = load_workbook(out.feedback_path)
    assert wb.sheetnames == [PROBLEMS_SHEET]
    assert [r[1] for r in problems(out.feedback_path)] == ["OPEN_TEXT"]


def test_another_providers_template_is_fed_back_as_unidentified(ws):
    drop(ws, name="wrong template.xlsx")  # made for VS-001 ...
    register = make_register()
    register.contracts["VS-001"] = replace(register.contracts["VS-001"],
                                           provider="Somebody Else Ltd")  # ... held by another
    out = ingest_one(ws, register)
    found, _ = recorded_findings(ws, out.submission_id)
    assert "PROVIDER_MISMATCH" in {f.code for f in found}
    assert out.feedback_path.parent == ws.outbox / "feedback" / "unidentified"
    assert out.feedback_path.name == "wrong template_feedback.xlsx"
    assert not (ws.outbox / "feedback" / "2026-27-Q3").exists()


def test_accepted_returns_get_feedback_only_with_queries_or_warnings(ws, register):
    q2 = Period(2026, 2)  # VS-001's Q2 in the ledger: the year has started
    drop(ws, name="vs001 q2.xlsx", contract_id="VS-001", kind="financial", period=q2,
         lines=good_lines(register, "VS-001", q2))
    pipeline.ingest(ws, register, now=NOW)
    drop(ws, name="clean.xlsx")
    drop(ws, name="noted.xlsx", contract_id="VS-002", kind="financial")  # YTD unchecked
    outs = {f.name: f for f in pipeline.ingest(ws, register, now=NOW).files}
    assert outs["clean.xlsx"].outcome is Outcome.ACCEPTED
    assert outs["clean.xlsx"].feedback_path is None
    noted = outs["noted.xlsx"]
    assert noted.outcome is Outcome.ACCEPTED_WITH_NOTES
    assert noted.feedback_path == ws.outbox / "feedback" / "2026-27-Q3" / (
        "VS-002_financial_feedback.xlsx")
    rows = problems(noted.feedback_path)
    assert {r[0] for r in rows} == {"Warning"} and {r[1] for r in rows} == {"FIN_YTD_UNCHECKED"}
    assert load_workbook(noted.feedback_path)["Finance"][rows[0][3]].fill.fgColor.rgb.endswith(
        AMBER)
    assert list(noted.feedback_path.parent.glob(".*")) == []  # no temporary files left


def test_feedback_path_of_results_built_in_code(tmp_path):
    from cm_excel.workspace import Workspace

    ws = Workspace(tmp_path)
    ok = ValidationResult(file="a.xlsx", path="a.xlsx", sha256="0" * 64, contract_id="VS-001",
                          period=Period(2026, 3), kind="financial")
    assert feedback_path(ws, ok) == tmp_path / "outbox/feedback/2026-27-Q3/VS-001_financial_feedback.xlsx"
    unsafe_id = ValidationResult(file="x/../y.xlsx", path="", sha256="0" * 64,
                                 contract_id="../../etc", period=Period(2026, 3),
                                 kind="performance")
    assert feedback_path(ws, unsafe_id).parent == tmp_path / "outbox/feedback/unidentified"
    nameless = ValidationResult(file="", path="", sha256="0" * 64)
    assert feedback_path(ws, nameless).name == "return_feedback.xlsx"


def test_the_same_return_gives_a_byte_identical_feedback_workbook(tmp_path):
    """Outputs are reproducible: feedback is dated by the quarter, not by the clock."""
    import hashlib
    import time as clock

    from cm_excel.intake.reader import read_return
    from cm_excel.validation.validate import validate_return

    register = make_register()
    sent = make_return(tmp_path, sign_off={})  # no sign-off: rejected with errors
    result = validate_return(read_return(sent), register)
    first = write_feedback(result, tmp_path / "one.xlsx")
    clock.sleep(1.1)  # a later second, which openpyxl would otherwise stamp into the file
    second = write_feedback(result, tmp_path / "two.xlsx")
    assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()


# --- built from what was read, bounded --------------------------------------------------------


def _validated(tmp_path, **kw):
    from cm_excel.intake.reader import read_return
    from cm_excel.validation.validate import validate_return

    register = make_register()
    kpis = good_kpis(register, "VS-001")
    kpis["SUPPORTED"] = {"Actual": -5, "Commentary": "typo"}
    sent = make_return(tmp_path, kpis=kpis, **kw)
    return sent, validate_return(read_return(sent), register)


def test_sheets_are_recreated_from_the_values_read_not_from_the_file(tmp_path):
    sent, result = _validated(tmp_path)
    result.sheet_values()  # read once, while the file is there (as ingest does)
    sent.unlink()  # the provider's file is never opened again
    path = write_feedback(result, tmp_path / "fb.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames[:3] == [PROBLEMS_SHEET, "Instructions", "Contract"]
    assert "_meta" not in wb.sheetnames
    err = next(f for f in result.findings if f.code == "VALUE_NEGATIVE")
    assert wb[err.sheet][err.cell].value == -5
    assert wb[err.sheet][err.cell].fill.fgColor.rgb.endswith(RED)
    assert wb[err.sheet][err.cell].comment.author == "cm-excel"
    assert wb.defined_names == {} or set(wb.defined_names) <= {"_xlnm._FilterDatabase"}
    for ws in wb.worksheets:
        assert not ws.merged_cells.ranges and not ws.conditional_formatting
        assert not ws.data_validations.dataValidation and not ws.tables


def test_a_copy_past_the_limits_is_partial_says_so_and_still_marks_every_problem(
        tmp_path, monkeypatch):
    from cm_excel.intake import sheet_values

    monkeypatch.setattr(sheet_values, "MAX_CELLS_PER_SHEET", 10)
    _, result = _validated(tmp_path)
    path = write_feedback(result, tmp_path / "fb.xlsx")
    wb = load_workbook(path)
    assert wb[PROBLEMS_SHEET]["A4"].value  # the note that only part is copied
    perf = wb["Performance"]
    assert sum(1 for row in perf.iter_rows() for c in row if c.value is not None) <= 11
    err = next(f for f in result.findings if f.code == "VALUE_NEGATIVE")
    assert perf[err.cell].value == -5 and perf[err.cell].fill.fgColor.rgb.endswith(RED)


def test_their_own_problems_sheet_moves_aside(tmp_path):
    from intake_fixtures import rename_sheet

    sent, _ = _validated(tmp_path)
    renamed = rename_sheet(sent, tmp_path / "renamed.xlsx", "Instructions", "Problems")
    from cm_excel.intake.reader import read_return
    from cm_excel.validation.validate import validate_return

    result = validate_return(read_return(renamed), make_register())
    wb = load_workbook(write_feedback(result, tmp_path / "fb.xlsx"))
    assert wb.sheetnames[:2] == [PROBLEMS_SHEET, "Problems (1)"]
    assert wb[PROBLEMS_SHEET]["A5"].value == "Level"


def test_values_that_cannot_be_written_still_give_the_problems_sheet(tmp_path):
    from cm_excel.intake.sheet_values import SheetGrid, SheetValues

    class Unwritable:
        def __str__(self):
            raise ValueError("no text for this")

    grid = SheetGrid("Performance", "visible", [(0, 0, Unwritable())], total=1)
    result = ValidationResult(file="odd.xlsx", path="", sha256="0" * 64,
                              findings=[Finding("X_TEST", Level.ERROR, "bad", "fix",
                                                sheet="Performance", cell="A1")],
                              sheet_values=lambda: SheetValues([grid]))
    path = write_feedback(result, tmp_path / "fb.xlsx")
    assert load_workbook(path).sheetnames == [PROBLEMS_SHEET]
    assert [r[1] for r in problems(path)] == ["X_TEST"]
