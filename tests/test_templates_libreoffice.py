"""Templates and filled returns open, print and render in LibreOffice.

SPEC: providers use LibreOffice too, and "printing one fits the page". Nothing is skipped:
without LibreOffice (soffice) or poppler (pdftoppm) these tests fail, saying what to install.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from builders import make_return, make_templates
from cm_excel.templates import contract as tc

TIMEOUT = 180


def _tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if not found and Path(f"/usr/bin/{name}").exists():
        found = f"/usr/bin/{name}"
    if not found:
        pytest.fail(f"{name} is not installed: these tests need it (install {package})",
                    pytrace=False)
    return found


def to_pdf(workbook: Path, out_dir: Path) -> Path:
    """Convert with a private LibreOffice profile, so parallel runs never share a lock."""
    soffice = _tool("soffice", "LibreOffice, e.g. apt-get install libreoffice-calc")
    profile = out_dir / f"lo-profile-{uuid.uuid4().hex}"
    result = subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(out_dir), str(workbook)],
        capture_output=True, text=True, timeout=TIMEOUT)
    pdf = out_dir / (workbook.stem + ".pdf")
    assert result.returncode == 0, result.stderr
    assert pdf.is_file() and pdf.stat().st_size > 1000, (result.stdout, result.stderr)
    return pdf


def first_page_png(pdf: Path) -> Path:
    pdftoppm = _tool("pdftoppm", "poppler-utils")
    prefix = pdf.with_suffix("")
    subprocess.run([pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(prefix)],
                   check=True, capture_output=True, timeout=TIMEOUT)
    pngs = sorted(pdf.parent.glob(prefix.name + "*.png"))
    assert len(pngs) == 1
    return pngs[0]


def _pages(pdf: Path) -> int:
    pdfinfo = _tool("pdfinfo", "poppler-utils")
    out = subprocess.run([pdfinfo, str(pdf)], check=True, capture_output=True, text=True,
                         timeout=TIMEOUT).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


@pytest.mark.parametrize("kind", tc.KINDS)
def test_template_converts_to_pdf_and_renders(tmp_path, kind):
    template = make_templates(tmp_path / "templates")[("VS-001", kind)]
    pdf = to_pdf(template, tmp_path)
    visible = len(tc.SHEETS[kind]) - 1  # all but the very hidden metadata sheet
    assert _pages(pdf) >= visible
    png = first_page_png(pdf)
    assert png.read_bytes().startswith(b"\x89PNG")


def test_filled_return_with_an_extended_table_converts(tmp_path):
    incidents = [{"Description": f"Incident {i}", "Clients Affected": 1, "Harm Caused": "N"}
                 for i in range(tc.INCIDENTS.blank_rows + 5)]
    filled = make_return(tmp_path / "returns", tables={"Incidents": incidents})
    to_pdf(filled, tmp_path)
