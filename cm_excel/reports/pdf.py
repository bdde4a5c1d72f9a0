"""A PDF of a workbook, through LibreOffice headless, since SMG papers circulate as PDFs.

LibreOffice is optional: ``to_pdf`` says so in one sentence when it is not installed, and
the workbook is still the product. The PDF lands beside the workbook, published atomically.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..atomic import write_bytes_atomic

CANDIDATES = ("soffice", "libreoffice")
TIMEOUT_SECONDS = 180


@dataclass(frozen=True)
class PdfOutcome:
    path: Path | None  # the PDF written, or None
    note: str  # one sentence for people when there is no PDF


def libreoffice() -> str | None:
    """The LibreOffice program on PATH (or $CM_EXCEL_SOFFICE), or None."""
    chosen = os.environ.get("CM_EXCEL_SOFFICE")
    if chosen:
        return shutil.which(chosen)
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


def to_pdf(workbook: Path) -> PdfOutcome:
    """Convert ``workbook`` to ``<same name>.pdf`` beside it.

    Each conversion uses a throw-away LibreOffice profile, so it neither waits for nor
    disturbs a LibreOffice the user has open.
    """
    program = libreoffice()
    if program is None:
        return PdfOutcome(None, "No PDF: LibreOffice is not installed (install it, or print "
                                f"{workbook.name} to PDF from Excel).")
    with tempfile.TemporaryDirectory(prefix="cm-excel-pdf-") as tmp:
        profile = Path(tmp, "profile").as_uri()
        command = [program, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", tmp, str(workbook)]
        try:
            done = subprocess.run(command, capture_output=True, timeout=TIMEOUT_SECONDS,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return PdfOutcome(None, f"No PDF of {workbook.name}: LibreOffice did not finish "
                                    f"({type(exc).__name__}).")
        made = Path(tmp, workbook.with_suffix(".pdf").name)
        if done.returncode != 0 or not made.is_file():
            return PdfOutcome(None, f"No PDF of {workbook.name}: LibreOffice could not convert "
                                    "it.")
        target = workbook.with_suffix(".pdf")
        write_bytes_atomic(target, made.read_bytes())
    return PdfOutcome(target, "")
