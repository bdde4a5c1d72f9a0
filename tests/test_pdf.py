"""`--pdf`: a PDF of the SMG workbook through LibreOffice, or one sentence why not."""

import xlsxwriter
from click.testing import CliRunner

from cm_excel.cli import cli
from cm_excel.register.starter import write_starter_register
from cm_excel.reports.pdf import to_pdf


def small_workbook(path):
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Summary").write_string(0, 0, "SMG quarterly report")
    book.close()
    return path


def test_to_pdf_writes_a_pdf_beside_the_workbook(tmp_path):
    outcome = to_pdf(small_workbook(tmp_path / "SMG.xlsx"))
    assert outcome.path == tmp_path / "SMG.pdf"
    assert outcome.path.read_bytes().startswith(b"%PDF-")
    assert not list(tmp_path.glob(".*"))  # nothing half-written left behind


def test_without_libreoffice_there_is_a_note_and_no_pdf(tmp_path, monkeypatch):
    monkeypatch.setenv("CM_EXCEL_SOFFICE", str(tmp_path / "no-such-program"))
    outcome = to_pdf(small_workbook(tmp_path / "SMG.xlsx"))
    assert outcome.path is None and "LibreOffice is not installed" in outcome.note
    assert not (tmp_path / "SMG.pdf").exists()


def test_consolidate_pdf_writes_the_smg_pdf(ws):
    write_starter_register(ws.register_path)
    done = CliRunner().invoke(cli, ["--workspace", str(ws.root), "--as-of", "2026-11-25",
                                    "consolidate", "Q2", "--year", "2026", "--pdf"])
    assert done.exit_code == 0, done.output
    pdf = ws.outbox / "SMG_Quarterly_2026-27_Q2.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert f"PDF: {pdf}" in done.output


def test_annual_pdf_writes_the_annual_pdf(ws):
    write_starter_register(ws.register_path)
    done = CliRunner().invoke(cli, ["--workspace", str(ws.root), "--as-of", "2027-05-10",
                                    "annual", "--year", "2026", "--pdf"])
    assert done.exit_code == 0, done.output
    pdf = ws.outbox / "SMG_Annual_2026-27.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
