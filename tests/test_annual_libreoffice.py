"""The annual workbook and a meeting pack open, print and convert in LibreOffice.

Nothing is skipped: without LibreOffice (soffice) or poppler (pdfinfo) these tests fail,
saying what to install.
"""

from __future__ import annotations

import subprocess

import openpyxl

import year_scenario as ys
from pdf_checks import check_prints, print_setup_problems
from cm_excel.periods import Period
from cm_excel.reports.annual import SHEETS
from cm_excel.reports.annual_run import report_year
from cm_excel.reports.packs import write_packs
from cm_excel.workspace import Workspace
from test_templates_libreoffice import TIMEOUT, _tool, to_pdf


def _pdf_text(pdf) -> str:
    pdftotext = _tool("pdftotext", "poppler-utils")
    return subprocess.run([pdftotext, "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True, timeout=TIMEOUT).stdout


def _workspace(tmp_path) -> Workspace:
    ws = Workspace(tmp_path / "ws")
    ws.ensure_folders()
    ys.build(ws.ledger_path)
    return ws


def test_annual_workbook_converts_to_pdf(tmp_path):
    ws = _workspace(tmp_path)
    result = report_year(ws, ys.register(), ys.FY, as_of=ys.AS_OF)
    text = _pdf_text(to_pdf(result.workbook_path, tmp_path))
    # every sheet printed, with its title, and the RAG words beside the colours
    for title in ("SMG annual contract report 2026-27", "KPIs by quarter and for the year",
                  "Financial outturn for the year", "Returns compliance in the year",
                  "How the year's figures are made"):
        assert title in text
    assert "Red" in text and "Green" in text and "68.6%" in text
    assert len(SHEETS) == 10


def test_meeting_pack_converts_to_pdf(tmp_path):
    ws = _workspace(tmp_path)
    result = write_packs(ws, ys.register(), Period(ys.FY, 4), as_of=ys.AS_OF)
    text = _pdf_text(to_pdf(result.workbooks[0], tmp_path))
    assert "Annual contract meeting pack: VS-001" in text
    assert "Risk log: the year so far" in text


# --- printed like a board paper (issue 10 item 2): readable, paged, each table its header --


def test_annual_workbook_prints_every_sheet_readable_with_its_own_headers(tmp_path):
    ws = _workspace(tmp_path)
    result = report_year(ws, ys.register(), ys.FY, as_of=ys.AS_OF)
    book = openpyxl.load_workbook(result.workbook_path)
    assert print_setup_problems(book, period="2026-27") == []
    # the sheets of several tables repeat only their title rows
    assert book["Incidents & Complaints"].print_title_rows == "$1:$2"
    assert book["Risk Flags"].print_title_rows == "$1:$3"
    check_prints(result.workbook_path, tmp_path, untitled_pages=())


def test_meeting_pack_prints_every_sheet_readable_with_its_own_headers(tmp_path):
    ws = _workspace(tmp_path)
    result = write_packs(ws, ys.register(), Period(ys.FY, 4), as_of=ys.AS_OF)
    path = result.workbooks[0]  # VS-001's annual meeting: the longer pack
    book = openpyxl.load_workbook(path)
    assert "Risk Log" in book.sheetnames
    assert print_setup_problems(book, period="2026-27") == []
    check_prints(path, tmp_path, untitled_pages=())
