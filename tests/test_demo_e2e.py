"""The demo end to end through the real console script, and what it leaves behind."""

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from cm_excel.periods import Period
from cm_excel.register.reader import read_register

CM_EXCEL = str(Path(sys.executable).parent / "cm-excel")
AS_OF = "2026-11-25"  # the demo's current quarter is then 2026-27 Q2


def run(*args, cwd=None):
    return subprocess.run([CM_EXCEL, *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    done = run("--as-of", AS_OF, "demo", str(root / "ws"))
    return root / "ws", done


def test_demo_runs_and_says_where_the_output_is(demo):
    ws, done = demo
    assert done.returncode == 0, done.stderr
    workbook = ws / "outbox" / "SMG_Quarterly_2026-27_Q2.xlsx"
    cover = ws / "outbox" / "SMG_Quarterly_2026-27_Q2_cover.html"
    assert workbook.is_file() and cover.is_file()
    assert f"Open the SMG workbook: {workbook}" in done.stdout
    assert "Traceback" not in done.stderr


def test_demo_shows_off_the_planted_problems(demo):
    ws, done = demo
    book = openpyxl.load_workbook(ws / "outbox" / "SMG_Quarterly_2026-27_Q2.xlsx")
    sheet = book["Risk Flags"]
    header_row = next(r for r in sheet.iter_rows(values_only=True) if r and r[0] == "Contract ID")
    assert list(header_row[:6]) == ["Contract ID", "Flag", "Severity", "Detail", "Evidence",
                                    "Recommended Action"]
    codes = {row[1] for row in sheet.iter_rows(values_only=True) if row and row[1]}
    for code in ("KPI_RED", "KPI_RED_CONSECUTIVE", "FINANCE_OVERSPEND", "SIGNIFICANT_FAILURE",
                 "RETURN_LATE", "RETURN_REJECTED", "RETURN_MISSING"):
        assert code in codes, code


def test_rejected_demo_return_stays_in_the_inbox_with_feedback(demo):
    ws, _ = demo
    left = sorted(p.name for p in (ws / "inbox").iterdir())
    assert left == ["VS-005 performance return 2026-27-Q2.xlsx"]
    assert (ws / "outbox" / "feedback" / "2026-27-Q2" / "VS-005_performance_feedback.xlsx").is_file()


def test_feedback_workbooks_hold_one_providers_data_only(demo):
    ws, _ = demo
    register = read_register(ws / "register.xlsx")
    feedback = sorted((ws / "outbox" / "feedback").rglob("*_feedback.xlsx"))
    assert feedback, "the demo should produce feedback workbooks"
    for path in feedback:
        own = path.name.split("_")[0]
        text = []
        for sheet in openpyxl.load_workbook(path).worksheets:
            for row in sheet.iter_rows(values_only=True):
                text.extend(str(v) for v in row if v is not None)
        blob = "\n".join(text)
        assert own in blob
        for contract in register.contracts.values():
            if contract.contract_id == own:
                continue
            assert contract.contract_id not in blob, (path.name, contract.contract_id)
            assert contract.provider not in blob, (path.name, contract.provider)


def test_strict_consolidate_fails_on_missing_and_rejected_returns(demo):
    ws, _ = demo
    plain = run("--workspace", str(ws), "--as-of", AS_OF, "consolidate", "Q2", "--year", "2026")
    strict = run("--workspace", str(ws), "--as-of", AS_OF, "consolidate", "Q2", "--year", "2026",
                 "--strict")
    assert plain.returncode == 0, plain.stderr
    assert strict.returncode == 1
    assert "Period: 2026-27 Q2 (1 Jul 2026 to 30 Sep 2026)" in plain.stderr


def test_status_lists_the_chase(demo):
    ws, _ = demo
    done = run("--workspace", str(ws), "--as-of", AS_OF, "status", "Q2")
    assert done.returncode == 0, done.stderr
    assert "VS-006    financial    missing" in done.stdout
    assert "Chase:" in done.stdout


def test_demo_refuses_a_folder_that_is_not_a_demo(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    done = run("demo", str(tmp_path))
    assert done.returncode == 1
    assert "not a demo workspace" in done.stderr
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_demo_writes_the_annual_workbook_and_meeting_packs(demo):
    ws, done = demo
    annual = ws / "outbox" / "SMG_Annual_2026-27.xlsx"
    cover = ws / "outbox" / "SMG_Annual_2026-27_cover.html"
    packs = ws / "outbox" / "packs" / "2026-27-Q2"
    assert annual.is_file() and cover.is_file()
    assert f"Annual workbook: {annual}" in done.stdout
    assert f"Packs: {packs}" in done.stdout
    assert "PROVISIONAL: returns for Q3, Q4 are not yet due" in done.stdout
    register = read_register(ws / "register.xlsx")
    ids = [c.contract_id for c in register.active_contracts(Period(2026, 2))]
    assert sorted(p.name for p in packs.glob("*_pack_*.xlsx")) == [
        f"{cid}_pack_2026-27-Q2.xlsx" for cid in ids]
    assert len(list(packs.glob("*_agenda_*.html"))) == len(ids)
    book = openpyxl.load_workbook(annual)
    # Q2 is the twice-yearly meeting: its packs add the risk log, complaints and action plans
    pack = openpyxl.load_workbook(packs / f"{ids[0]}_pack_2026-27-Q2.xlsx")
    assert {"Risk Log", "Complaints Overview", "Action Plans"} <= set(pack.sheetnames)
    flags = {row[2] for row in book["Risk Flags"].iter_rows(min_row=4, values_only=True) if row[0]}
    assert {"KPI_RED", "AUDIT_LIMIT", "GOVERNANCE_NO_DEPUTY", "EXIT_NOTICE_DUE"} <= flags
    calendar = [row for row in book["Calendar"].iter_rows(min_row=4, values_only=True) if row[0]]
    assert calendar
