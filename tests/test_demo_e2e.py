"""The demo end to end through the real console script, and what it leaves behind."""

import subprocess
import sys
from datetime import date
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


def test_demo_follows_the_escalation_ladder_one_line_per_issue(demo):
    """Strategy §5: VS-001's VS02 (red two quarters running, 12.0% of the client group in
    people) is one line for SMG with its three flags; VS-003's significant incident follows
    its open formal dispute (register Disputes row 3) to the next stage; returns problems
    seen for the first time are normal contract management."""
    ws, done = demo
    lines = done.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "Needs SMG's attention first" in line)
    issues = [line.strip() for line in lines[start + 1:] if line.startswith("    VS-")]
    names = [line.split(":")[0] for line in issues]
    planted = ["VS-001 VS02 Referrals successfully contacted", "VS-002 Spending above budget",
               "VS-003 Incident on 20 Aug 2026 (Incidents row 7)",
               # issue 7 section 2: a safeguarding incident reported a quarter late (both its
               # flags one line); VS25 computed from the returns: a mismatch, red for VS-002
               "VS-003 Incident on 28 Jun 2026 (Incidents row 8)",
               "VS-003 VS25 Cost per victim supported", "VS-002 VS25 Cost per victim supported",
               "VS-005 Performance return", "VS-006 Financial return"]
    assert set(planted) <= set(names) and names[0] == planted[0]  # the PCC's decision first
    assert issues[0].endswith("(SIGNIFICANT_FAILURE, KPI_RED_CONSECUTIVE, KPI_RED)")
    assert "register.xlsx Disputes row 3" in issues[names.index(planted[2])]
    # the office's own duties are never a step of a dispute with the provider
    assert not any("GOVERNANCE_NO_DEPUTY" in line and "open dispute" in line for line in issues)
    book = openpyxl.load_workbook(ws / "outbox" / "SMG_Quarterly_2026-27_Q2.xlsx")
    rows = [r for r in book["Risk Flags"].iter_rows(min_row=4, values_only=True) if r[0]]
    by_issue = {}
    for r in rows:
        by_issue.setdefault((r[0], r[6]), []).append(r[1])
    assert by_issue[("VS-001", "VS02 Referrals successfully contacted")] == [
        "SIGNIFICANT_FAILURE", "KPI_RED_CONSECUTIVE", "KPI_RED"]
    sig = next(r for r in rows if r[0] == "VS-001" and r[1] == "SIGNIFICANT_FAILURE")
    assert "(5.9% of the client group)" in sig[4] and "= 12.0% of the client group" in sig[4]


# As of 25 Nov 2026 the starter register shows every calendar and governance flag:
# (contract, flag, severity, register row named in the evidence).
CALENDAR_FLAGS = [
    ("VS-001", "AUDIT_LIMIT", "Amber", "register.xlsx Audits row 3"),  # 10 Feb and 15 Sep 2026
    ("VS-002", "CHECKLIST_EXPIRED", "Red", "register.xlsx Checklist row 5"),  # 31 Aug 2026
    ("VS-002", "DISPUTE_ACTION_PLAN_OVERDUE", "Amber", "register.xlsx Disputes row 4"),
    ("VS-003", "DISPUTE_MEETING_OVERDUE", "Red", "register.xlsx Disputes row 3"),  # due 26 Oct
    ("VS-003", "GOVERNANCE_NO_DEPUTY", "Amber", "register.xlsx Contracts row 4"),
    ("VS-004", "EXIT_NOTICE_OVERDUE", "Amber", "register.xlsx Exit row 3"),  # STP not approved
    ("VS-005", "EXIT_NOTICE_DUE", "Amber", "register.xlsx Contracts row 6"),  # by 30 Dec 2026
    ("VS-006", "AUDIT_OVERDUE", "Amber", "register.xlsx Audits row 8"),  # last 12 Jun 2025
    ("VS-006", "POST_CONTRACT_REVIEW_DUE", "Amber", "register.xlsx Exit row 4"),
]
CALENDAR_CODES = {code for _, code, _, _ in CALENDAR_FLAGS}
# The issue each names, in plain words (one line per issue for SMG).
CALENDAR_ISSUES = {
    ("VS-001", "AUDIT_LIMIT"): "Audits",
    ("VS-002", "CHECKLIST_EXPIRED"): "Accreditation certificate (ISVA) (checklist)",
    ("VS-002", "DISPUTE_ACTION_PLAN_OVERDUE"): "Dispute (Disputes row 4)",
    ("VS-003", "DISPUTE_MEETING_OVERDUE"): "Dispute (Disputes row 3)",
    ("VS-003", "GOVERNANCE_NO_DEPUTY"): "Deputy officer",
    ("VS-004", "EXIT_NOTICE_OVERDUE"): "Service Transfer Plan",
    ("VS-005", "EXIT_NOTICE_DUE"): "Exit notice",
    ("VS-006", "AUDIT_OVERDUE"): "Audits",
    ("VS-006", "POST_CONTRACT_REVIEW_DUE"): "Post-contract review",
}


def _flag_rows(sheet, first_header="Contract ID"):
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r and r[0] == first_header and r[1] == "Flag")
    out = []
    for r in rows[start + 1:]:
        if not r or r[0] is None or r[1] is None:
            break
        out.append(r)
    return out


def test_demo_shows_every_calendar_flag_with_its_register_row(demo):
    ws, done = demo
    book = openpyxl.load_workbook(ws / "outbox" / "SMG_Quarterly_2026-27_Q2.xlsx")
    for sheet in ("Risk Flags", "Calendar"):
        rows = _flag_rows(book[sheet])
        found = sorted((r[0], r[1], r[2]) for r in rows if r[1] in CALENDAR_CODES)
        assert found == [(c, code, sev) for c, code, sev, _ in CALENDAR_FLAGS], sheet
        for cid, code, _, ref in CALENDAR_FLAGS:
            [row] = [r for r in rows if r[0] == cid and r[1] == code]
            assert ref in row[4], (sheet, cid, code)
            assert row[5]  # a recommended action on the ladder
    issues = {(r[0], r[1]): r[6] for r in _flag_rows(book["Risk Flags"]) if r[1] in CALENDAR_CODES}
    assert issues == CALENDAR_ISSUES
    assert "Calendar flags: VS-001 AUDIT_LIMIT, " in done.stdout
    dispute = next(r for r in _flag_rows(book["Calendar"]) if r[1] == "DISPUTE_MEETING_OVERDUE")
    assert "12 Oct 2026" in dispute[4] and "26 Oct 2026" in dispute[4]
    exit_due = next(r for r in _flag_rows(book["Calendar"]) if r[1] == "EXIT_NOTICE_DUE")
    assert "30 Jun 2027" in exit_due[4] and "30 Dec 2026" in exit_due[4]
    assert "Calendar flags: VS-001 AUDIT_LIMIT, " in done.stdout

    # The dates: overdue items first, then the next twelve months, each naming its row.
    rows = list(book["Calendar"].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r and r[0] == "Date")
    assert list(rows[start][:8]) == ["Date", "Kind", "Status", "What", "Detail", "Register Row",
                                     "Contract ID", "Days From As-Of"]
    dates = [r for r in rows[start + 1:] if r and r[0] is not None and r[2]]
    meeting = next(r for r in dates if r[3] == "VS-003 formal dispute meeting due")
    assert (meeting[0].date(), meeting[1], meeting[2], meeting[5], meeting[6], meeting[7]) == (
        date(2026, 10, 26), "Dispute meeting due", "Overdue", "register.xlsx Disputes row 3",
        "VS-003", -30)
    notice = next(r for r in dates if r[6] == "VS-005" and r[1] == "Exit notice deadline")
    assert (notice[0].date(), notice[2]) == (date(2026, 12, 30), "Due")
    returns = next(r for r in dates if r[3] == "Quarterly returns due for 2026-27 Q3")
    assert (returns[0].date(), returns[6]) == (date(2027, 1, 29), "All")
    assert [r[0] for r in dates if r[2] == "Due"] == sorted(r[0] for r in dates if r[2] == "Due")


def test_demo_writes_the_contract_calendar_for_outlook(demo):
    import icalendar

    ws, done = demo
    ics = ws / "outbox" / "Contract_Calendar.ics"
    assert f"): {ics}" in done.stdout
    cal = icalendar.Calendar.from_ical(ics.read_bytes())
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    uids = {str(e["UID"]) for e in events}
    assert len(uids) == len(events) > 40
    assert {"exit-notice-vs-005@cm-excel", "dispute-meeting-vs-003-2026-10-05@cm-excel",
            "returns-2026-27-q3@cm-excel", "contract-end-vs-006@cm-excel"} <= uids


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
