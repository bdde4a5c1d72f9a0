"""A return re-saved by LibreOffice reads to the same values as the one Excel-style original.

Providers use LibreOffice; it rewrites the whole package (its own styles, shared strings,
table parts, defined names; the very hidden metadata sheet becomes merely hidden). These
tests need the real program: when ``soffice`` is missing they fail, saying so.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from datetime import date
from pathlib import Path

import pytest

from builders import make_return
from cm_excel.intake.reader import read_return
from cm_excel.intake.safety import check_file
from cm_excel.templates import contract as tc


def soffice_convert(files: list[Path], fmt: str, outdir: Path) -> list[Path]:
    """Convert ``files`` with headless LibreOffice, in a profile of its own; the new paths."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail("LibreOffice is needed for this test but `soffice` is not on PATH; "
                    "install LibreOffice (e.g. apt-get install libreoffice-calc).")
    profile = outdir.parent / f"lo-profile-{uuid.uuid4().hex}"
    outdir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation={profile.as_uri()}",
         "--convert-to", fmt, "--outdir", str(outdir), *map(str, files)],
        capture_output=True, text=True, timeout=180)
    out = [outdir / (f.stem + "." + fmt.split(":")[0]) for f in files]
    missing = [p.name for p in out if not p.exists()]
    assert not missing, f"soffice did not write {missing}: {done.stdout}\n{done.stderr}"
    return out


@pytest.fixture(scope="module")
def returns(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """kind → (original, LibreOffice's re-saved copy)."""
    src = tmp_path_factory.mktemp("originals")
    originals = {
        tc.PERFORMANCE: make_return(src, tables={
            "Incidents": [{"Date": date(2026, 11, 2), "Description": "Laptop lost",
                           "Clients Affected": 3, "Harm Caused": "N",
                           "Provider Negligence": "Y", "Reputational Risk": "N",
                           "Action Taken": "Staff retrained"}],
            "Complaints": [{"Date Received": date(2026, 10, 20), "Category": "Delay",
                            "Summary": "Slow first contact", "Outcome": "Upheld",
                            "Resolved Date": date(2026, 11, 30)}]}),
        tc.FINANCIAL: make_return(src, kind=tc.FINANCIAL),
    }
    converted = soffice_convert(list(originals.values()), "xlsx",
                                tmp_path_factory.mktemp("libreoffice"))
    return {k: (p, c) for (k, p), c in zip(originals.items(), converted)}


def cells(table) -> list[dict]:
    return [{h: (c.value, c.sheet, c.ref) for h, c in row.items()} for row in table.rows]


@pytest.mark.parametrize("kind", tc.KINDS)
def test_round_trip_passes_safety(returns, kind):
    original, resaved = returns[kind]
    assert resaved.read_bytes() != original.read_bytes()  # really rewritten
    verdict = check_file(resaved)
    assert verdict.ok and verdict.notes == ()


@pytest.mark.parametrize("kind", tc.KINDS)
def test_round_trip_reads_the_same(returns, kind):
    before, after = (read_return(p) for p in returns[kind])
    assert after.sheet_names == before.sheet_names
    assert set(after.tables) == set(before.tables) == {t.name for t in tc.tables_of(kind)}
    for name, table in before.tables.items():
        again = after.tables[name]
        assert (again.sheet, again.header_row, again.found_by) == \
               (table.sheet, table.header_row, "table")
        assert again.missing_headers == [] and again.extra_headers == []
        want, got = cells(table), cells(again)
        if name == "PerformanceReturn":
            _formula_results(want, got)
        assert got == want
    for part in ("metadata", "contract_fields", "sign_off"):
        assert getattr(after, part) == getattr(before, part), part
    assert after.sign_off["Sign-off Date"].value == date(2027, 1, 15)


def _formula_results(want: list[dict], got: list[dict]) -> None:
    """Actual of a ratio KPI is a formula. The original was saved by openpyxl, which stores no
    result, so it reads as empty; LibreOffice calculates and stores one. Check that result,
    then compare the rest (the engine recomputes ratios and never uses either)."""
    for w, g in zip(want, got):
        if w["Actual"][0] is None and w["Denominator"][0]:
            assert g["Actual"][0] == pytest.approx(w["Numerator"][0] / w["Denominator"][0])
            g["Actual"] = w["Actual"]


def test_libreoffice_xls_and_ods_are_refused(returns, tmp_path):
    original, _ = returns[tc.FINANCIAL]
    (xls,) = soffice_convert([original], "xls", tmp_path / "xls")
    (ods,) = soffice_convert([original], "ods", tmp_path / "ods")
    assert check_file(xls).code == "OPEN_XLS_LEGACY"
    assert check_file(ods).code == "OPEN_ODS"
