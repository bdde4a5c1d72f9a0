"""The demo end to end through the real console script, and what it leaves behind."""

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

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


def test_demo_follows_the_escalation_ladder_one_line_per_issue(demo):
    """Strategy §5: VS-001's VS02 (red two quarters running, 12.0% of the client group in
    people) is one line for SMG with its three flags; VS-003's significant incident follows
    its open formal dispute (register Disputes row 3) to the next stage; returns problems
    seen for the first time are normal contract management."""
    ws, done = demo
    lines = done.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "Needs SMG's attention first" in line)
    issues = [line.strip() for line in lines[start + 1:] if line.startswith("    VS-")]
    assert [line.split(":")[0] for line in issues] == [
        "VS-001 VS02 Referrals successfully contacted", "VS-002 Spending above budget",
        "VS-003 Incident on 20 Aug 2026 (Incidents row 7)", "VS-005 Performance return",
        "VS-006 Financial return"]
    assert issues[0].endswith("(SIGNIFICANT_FAILURE, KPI_RED_CONSECUTIVE, KPI_RED)")
    assert "register.xlsx Disputes row 3" in issues[2]
    book = openpyxl.load_workbook(ws / "outbox" / "SMG_Quarterly_2026-27_Q2.xlsx")
    rows = [r for r in book["Risk Flags"].iter_rows(min_row=4, values_only=True) if r[0]]
    by_issue = {}
    for r in rows:
        by_issue.setdefault((r[0], r[6]), []).append(r[1])
    assert by_issue[("VS-001", "VS02 Referrals successfully contacted")] == [
        "SIGNIFICANT_FAILURE", "KPI_RED_CONSECUTIVE", "KPI_RED"]
    sig = next(r for r in rows if r[0] == "VS-001" and r[1] == "SIGNIFICANT_FAILURE")
    assert "(5.9% of the client group)" in sig[4] and "= 12.0% of the client group" in sig[4]


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
