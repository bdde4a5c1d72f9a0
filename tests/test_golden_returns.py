"""Golden scenario through real returns (SPEC "Consolidating for SMG", "Risk flags").

Templates are written and filled in the way providers do (golden_returns.py), dropped into
``inbox/`` with their received times as modification times, and consolidated with
``pipeline.consolidate`` for 2026-27 Q2 and then Q3. The Q3 workbook is read back with
openpyxl and every RAG, every flag (contract, code, severity, detail, evidence, recommended
action), every return status and every source is checked against a table worked out by
hand from the numbers in golden_returns.py. Tables are found by their header text.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

import golden_returns as g
from cm_excel import pipeline
from cm_excel.reports.consolidate import ConsolidationResult
from cm_excel.workspace import Workspace

# openpyxl cannot read the KPIs sheet's sparklines back
pytestmark = pytest.mark.filterwarnings("ignore:Sparkline Group extension")

MONITOR = "Monitor"
NORMAL = "Raise at the next quarterly contract meeting (normal contract management)"
INFORMAL = ("Raise with the provider in writing or at the quarterly meeting "
            "(informal procedure, §5.1)")
IMMEDIATE = ("The PCC may authorise immediate escalation to the formal procedure, or terminate "
             "the contract, at the PCC's discretion (§5.0)")

SHEETS = ["Summary", "Contracts", "KPIs", "Finance", "Risk Flags", "Incidents & Complaints",
          "Returns", "Calendar", "Sources", "Rules"]
DUE = datetime(2027, 1, 29)  # 20 working days after 31 Dec 2026 (1 Jan a bank holiday)
DUE_WORDS = "due by 29 Jan 2027 (20 working days after 31 Dec 2026)"
VERSION = {"vs001_perf_v2": 2}  # every other accepted file is version 1


# --- the scenario, run once per module --------------------------------------------------------


@dataclass
class Run:
    ws: Workspace
    drops: dict[str, g.Drop]
    dropped: dict[str, bytes]  # key → the bytes put in the inbox
    stamps: dict[str, float]  # key → the inbox file's mtime as dropped
    q2_report: pipeline.IngestReport
    q3_report: pipeline.IngestReport
    q2: ConsolidationResult
    q3: ConsolidationResult

    def sha(self, key: str) -> str:
        return hashlib.sha256(self.dropped[key]).hexdigest()

    def archived(self, key: str) -> str:
        """The archive copy's name: what evidence cites."""
        d = self.drops[key]
        return f"{d.contract_id}_{d.kind}_v{VERSION.get(key, 1)}_{self.sha(key)[:12]}.xlsx"

    def archive_path(self, key: str) -> str:
        d = self.drops[key]
        return (f"archive/{d.period.fy_label}/{d.period.q_label}/{d.contract_id}/"
                f"{self.archived(key)}")


def run_scenario(root: Path) -> Run:
    ws = Workspace(root / "ws")
    ws.ensure_folders()
    reg = g.register()
    q2_drops, q3_drops = g.q2_drops(reg), g.q3_drops(reg)
    drops = {d.key: d for d in q2_drops + q3_drops}
    dropped = g.drop(q2_drops, reg, ws.inbox, root / "templates")
    stamps = {k: (ws.inbox / drops[k].inbox_name).stat().st_mtime for k in dropped}
    q2_report, q2 = pipeline.consolidate(ws, reg, g.Q2, as_of=g.AS_OF_Q2, now=g.NOW_Q2)
    q3_dropped = g.drop(q3_drops, reg, ws.inbox, root / "templates")
    stamps.update({k: (ws.inbox / drops[k].inbox_name).stat().st_mtime for k in q3_dropped})
    dropped.update(q3_dropped)
    q3_report, q3 = pipeline.consolidate(ws, reg, g.Q3, as_of=g.AS_OF, now=g.NOW)
    return Run(ws, drops, dropped, stamps, q2_report, q3_report, q2, q3)


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Run:
    return run_scenario(tmp_path_factory.mktemp("golden"))


@pytest.fixture(scope="module")
def book(run):
    return load_workbook(run.q3.workbook_path)


# --- finding tables by their header text ------------------------------------------------------


def header_row(sheet, headers, after: int = 0) -> int:
    """The first row below ``after`` whose leading cells are exactly ``headers``."""
    n = len(headers)
    for row in sheet.iter_rows(min_row=after + 1, max_col=n):
        if tuple(c.value for c in row) == tuple(headers):
            return row[0].row
    raise AssertionError(f"no header row {headers!r} on {sheet.title}")


def rows_under(sheet, header: int) -> list[dict]:
    """Rows (dicts by header text) below the header row ``header`` until column A is blank."""
    names = [c.value for c in sheet[header]]
    out = []
    for values in sheet.iter_rows(min_row=header + 1, values_only=True):
        if values[0] is None:
            break
        out.append({k: v for k, v in zip(names, values) if k})
    return out


def table(sheet, headers) -> list[dict]:
    return rows_under(sheet, header_row(sheet, headers))


def blocks(sheet, headers) -> list[dict]:
    """The rows of every table headed ``headers`` (the KPIs sheet: one block per contract)."""
    rows, after = [], 0
    while True:
        try:
            found = header_row(sheet, headers, after)
        except AssertionError:
            return rows
        rows += rows_under(sheet, found)
        after = found


def section(sheet, title: str) -> list[dict]:
    """The table whose header is the row below the section title ``title``."""
    for (cell,) in sheet.iter_rows(min_col=1, max_col=1):
        if cell.value == title:
            return rows_under(sheet, cell.row + 1)
    raise AssertionError(f"no section {title!r} on {sheet.title}")


def pick(rows: list[dict], *headers) -> list[tuple]:
    return [tuple(r[h] for h in headers) for r in rows]


def same(got, expected) -> bool:
    """Equal, floats to within rounding (values recomputed from numerator and denominator)."""
    if isinstance(expected, float) and isinstance(got, (int, float)):
        return got == pytest.approx(expected)
    return got == expected


def assert_rows(got: list[tuple], expected: list[tuple]) -> None:
    assert len(got) == len(expected), (got, expected)
    for i, (g_row, e_row) in enumerate(zip(got, expected)):
        assert len(g_row) == len(e_row)
        for j, (a, b) in enumerate(zip(g_row, e_row)):
            assert same(a, b), f"row {i} column {j}: {a!r} != {b!r}"


def all_values(path) -> dict[str, list[list]]:
    wb = load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb}


# --- ingest: what happened to each file -------------------------------------------------------


def test_ingest_outcomes(run):
    q2 = [(f.name, str(f.outcome), f.version, f.errors, f.queries, f.warnings)
          for f in run.q2_report.files]
    assert q2 == [  # first use: no Q1 return for anyone, so no FIN_YTD_UNCHECKED at all
        ("Horizon Q2 KPIs.xlsx", "accepted", 1, 0, 0, 0),
        ("Horizon Q2 finance.xlsx", "accepted", 1, 0, 0, 0),
        ("Safe Harbour Q2 performance.xlsx", "accepted", 1, 0, 0, 0),
        ("Safe Harbour Q2 finance.xlsx", "accepted", 1, 0, 0, 0),
    ]
    q3 = [(f.name, str(f.outcome), f.version, f.superseded_version, f.restatements, f.errors,
           f.queries) for f in run.q3_report.files]
    assert q3 == [  # oldest first; WAITDAYS 1.8 → 3.0 is +66.7%: queried, explained
        ("Horizon Q3 KPIs.xlsx", "accepted with queries or warnings", 1, None, 0, 0, 1),
        ("Horizon Q3 finance.xlsx", "accepted", 1, None, 0, 0, 0),
        ("Horizon Q3 KPIs CORRECTED.xlsx", "accepted with queries or warnings", 2, 1, 2, 0, 1),
        ("Safe Harbour Q3 performance.xlsx", "accepted", 1, None, 0, 0, 0),
        ("Beacon Q3 return.xlsx", "rejected", None, None, 0, 1, 0),
        ("Safe Harbour Q3 finance.xlsx", "accepted", 1, None, 0, 0, 0),
    ]
    rejected = run.q3_report.rejected[0]
    assert [(p.code, p.sheet, p.cell) for p in rejected.problems] == [
        ("NUMERATOR_GT_DENOMINATOR", "Performance", "E6")]
    queried = run.q3_report.files[0]
    assert [(p.code, p.cell) for p in queried.problems] == [("QUERY_KPI_CHANGE", "E8")]


def test_consolidation_result(run):
    r = run.q3
    assert r.workbook_path == run.ws.outbox / "SMG_Quarterly_2026-27_Q3.xlsx"
    assert r.deadline.isoformat() == "2027-01-29"
    assert (r.contracts, r.contracts_green, r.contracts_amber, r.contracts_red) == (3, 0, 0, 3)
    assert (r.flags_red, r.flags_amber) == (7, 5)
    assert (r.returns_expected, r.returns_received, r.returns_accepted, r.returns_late,
            r.returns_rejected, r.returns_missing, r.returns_not_yet_due) == (6, 5, 4, 1, 1, 1, 0)
    assert r.flags_by_code == {
        "FINANCE_OVERSPEND": 1, "FORECAST_OVER_VALUE": 1, "KPI_AMBER": 2, "KPI_RED": 3,
        "KPI_RED_CONSECUTIVE": 1, "RETURN_LATE": 1, "RETURN_MISSING": 1,
        "RETURN_REJECTED": 1, "SIGNIFICANT_FAILURE": 1}
    assert r.issues == 10
    assert [line.split(":")[0] for line in r.attention] == [
        "VS-002 Incident on 3 Dec 2026 (Incidents row 6)",
        "VS-002 CONTACT48 Victims contacted within 48 hours of referral",
        "VS-004 Financial return", "VS-004 Performance return",
        "VS-001 SATISFY Service user satisfaction score",
        "VS-002 WAITDAYS Average working days from referral to first support session"]


def test_sheets_in_order(book):
    assert book.sheetnames == SHEETS


# --- Risk Flags, every cell -------------------------------------------------------------------


def expected_flags(run: Run) -> list[tuple]:
    """(Contract ID, Flag, Severity, Detail, Evidence, Recommended Action, Issue), worked out
    by hand: by contract, then issue (strongest action, severity, catalogue order), then flag
    (most serious first)."""
    p1 = run.archived("vs001_perf_v2")  # v1 (SUPPORTED 520, red) was superseded: never cited
    p2, p2_q2 = run.archived("vs002_perf"), run.archived("q2_vs002_perf")
    f2 = run.archived("vs002_fin")
    contact48 = "CONTACT48 Victims contacted within 48 hours of referral"
    waitdays = "WAITDAYS Average working days from referral to first support session"
    run_of_red = (f"{contact48} has been red for 2 quarters in a row (this quarter 75.0% "
                  "against a target of 85.0%): an ongoing performance issue.")
    run_evidence = (f"{p2} Performance!E6 = 75.0% (this quarter); {p2_q2} Performance!E6 = 75.0% "
                    "(2026-27 Q2); higher is better; target 85.0%, amber threshold 80.0%; "
                    "target from register.xlsx SLA KPIs row 8")
    return [
        # VS-001: SATISFY 3.4 < amber 3.5 (not mandatory, so no significant failure)
        ("VS-001", "KPI_RED", "Red",
         "SATISFY Service user satisfaction score is red: 3.4 against a target of 4.",
         f"{p1} Performance!G10 = 3.4 (higher is better; target 4, amber threshold 3.5); "
         "target from register.xlsx SLA KPIs row 6", NORMAL, "SATISFY Service user satisfaction score"),
        # WAITDAYS 150/50 = 3.0, exactly the amber threshold (lower is better): Amber.
        # Evidence of a ratio KPI is its Numerator cell (E8), which sorts before G7.
        ("VS-001", "KPI_AMBER", "Amber",
         f"{waitdays} is amber: 3 days against a target of 2 days.",
         f"{p1} Performance!E8 = 3 days (lower is better; target 2 days, amber threshold "
         "3 days); target from register.xlsx SLA KPIs row 4", MONITOR, waitdays),
        # SUPPORTED 540, exactly the amber threshold (higher is better): Amber.
        ("VS-001", "KPI_AMBER", "Amber",
         "SUPPORTED Victims given enhanced support is amber: 540 against a target of 600.",
         f"{p1} Performance!G7 = 540 (higher is better; target 600, amber threshold 540); "
         "target from register.xlsx SLA KPIs row 3", MONITOR,
         "SUPPORTED Victims given enhanced support"),
        # VS-002: 90 clients affected = 10% of 900, inclusive.
        ("VS-002", "SIGNIFICANT_FAILURE", "Red",
         "Incident on 3 Dec 2026 ('Case system outage; appointments cancelled') is a "
         "significant failure (strategy §5.0): 90 clients affected, at least 10% of the "
         "client group.",
         f"{p2} Incidents!C6 = 90 (threshold 10% of 900 = 90, register.xlsx Contracts row 3)",
         IMMEDIATE, "Incident on 3 Dec 2026 (Incidents row 6)"),
        # CONTACT48 (mandatory) red in Q2 and Q3 (150/200 each): 10 points below target, but
        # 0.85 x 200 - 150 = 20 people short each quarter, 40 of 900 (4.4%): an ongoing issue
        # for the informal procedure, not a significant failure (strategy §5.0 counts people).
        ("VS-002", "KPI_RED_CONSECUTIVE", "Red", run_of_red, run_evidence, INFORMAL, contact48),
        ("VS-002", "KPI_RED", "Red",
         f"{contact48} is red: 75.0% against a target of 85.0%.",
         f"{p2} Performance!E6 = 75.0% (higher is better; target 85.0%, amber threshold "
         "80.0%); target from register.xlsx SLA KPIs row 8", NORMAL, contact48),
        # WAITDAYS 151/50 = 3.02, just above the amber threshold of 3 (lower is better): Red.
        ("VS-002", "KPI_RED", "Red",
         f"{waitdays} is red: 3.02 days against a target of 2 days.",
         f"{p2} Performance!E9 = 3.02 days (lower is better; target 2 days, amber threshold "
         "3 days); target from register.xlsx SLA KPIs row 13", NORMAL, waitdays),
        # Quarter £117,500 against £105,000 = +11.9%: past 10%, not past 20% → Amber.
        # YTD £327,500 against £315,000 = +4.0%: within tolerance, not mentioned.
        ("VS-002", "FINANCE_OVERSPEND", "Amber",
         "Quarter actual £117,500 is 11.9% above the quarter budget of £105,000 (tolerance "
         "10.0%). Budget line: ISVA salaries.",
         f"quarter: total of {f2} Finance!D6:D8 = £117,500 against budget £105,000 (+11.9%; "
         f"tolerance 10.0%); ISVA salaries {f2} Finance!D6 = £100,000 against £87,500 (+14.3%)",
         NORMAL, "Spending above budget"),
        # Forecast £450,000 is £30,000 over £420,000; not more than 10% of it (£42,000): Amber.
        ("VS-002", "FORECAST_OVER_VALUE", "Amber",
         "Forecast outturn £450,000 is £30,000 (7%) above the annual contract value of £420,000.",
         f"total of {f2} Finance!F6:F8 = £450,000 against annual contract value £420,000 "
         "(register.xlsx Contracts row 3)", NORMAL, "Spending above budget"),
        # Received Tue 2 Feb 2027 against a deadline of Fri 29 Jan: Mon 1 + Tue 2 = 2 days.
        ("VS-002", "RETURN_LATE", "Amber",
         "The financial return for 2026-27 Q3 was received 2 working days after the deadline.",
         f"{f2} received 2 Feb 2027 10:00 (UK time) (version 1); {DUE_WORDS}", NORMAL,
         "Financial return"),
        # VS-004: financial never sent; performance rejected, deadline passed → Red. Both
        # were missing in Q2 too: normal management has not resolved it → §5.1.
        ("VS-004", "RETURN_MISSING", "Red",
         "The financial return for 2026-27 Q3 has not been received.",
         f"no accepted financial return for 2026-27 Q3 in the ledger; {DUE_WORDS}; as of "
         "15 Feb 2027; provider Beacon Outreach Ltd (register.xlsx Contracts row 5); the "
         "financial return for 2026-27 Q2 was missing too", INFORMAL, "Financial return"),
        ("VS-004", "RETURN_REJECTED", "Red",
         "The performance return for 2026-27 Q3 was rejected (1 error, 0 queries) "
         "and no corrected return has been accepted by the deadline.",
         "Beacon Q3 return.xlsx received 26 Jan 2027 09:00 (UK time), rejected (1 error, "
         "0 queries); feedback sent in "
         f"outbox/feedback/2026-27-Q3/VS-004_performance_feedback.xlsx; {DUE_WORDS}; as of "
         "15 Feb 2027; the performance return for 2026-27 Q2 was missing too", INFORMAL,
         "Performance return"),
    ]


RISK_FLAG_HEADERS = ("Contract ID", "Flag", "Severity", "Detail", "Evidence",
                     "Recommended Action", "Issue")


def test_risk_flags_sheet_cell_by_cell(run, book):
    sheet = book["Risk Flags"]
    rows = table(sheet, RISK_FLAG_HEADERS)
    assert_rows(pick(rows, *RISK_FLAG_HEADERS), expected_flags(run))


def test_every_flag_names_an_archived_file_and_cell(run, book):
    """Evidence of a flag from a return names the archived copy and a Sheet!Cell in it."""
    archived = {run.archived(k) for k in run.dropped if k != "vs004_perf"}
    for r in table(book["Risk Flags"], RISK_FLAG_HEADERS):
        if r["Flag"] in ("RETURN_MISSING", "RETURN_REJECTED"):
            continue  # nothing accepted: the register row or the inbox file is the evidence
        assert any(f"{name} " in r["Evidence"] for name in archived), r
        assert "!" in r["Evidence"] or r["Flag"] == "RETURN_LATE", r


# --- Summary and Contracts --------------------------------------------------------------------


EXPECTED_CONTRACTS = [  # Contract ID, Performance, Finance, Overall, Flags, Recommended Action
    ("VS-001", "Red", "Green", "Red", 3, NORMAL),
    ("VS-002", "Red", "Amber", "Red", 7, IMMEDIATE),
    ("VS-004", "No return", "No return", "Red", 2, INFORMAL),
]


def test_summary(book):
    sheet = book["Summary"]
    assert sheet["A1"].value == "SMG quarterly contract report: 2026-27 Q3"
    facts = {row[0].value: row[2].value for row in sheet.iter_rows(max_col=3)
             if row[0].value in ("Period", "Returns due by", "As of")}
    assert facts == {"Period": "2026-27 Q3 (1 Oct 2026 to 31 Dec 2026)",
                     "Returns due by": "29 Jan 2027 (20 working days after quarter end)",
                     "As of": "15 Feb 2027"}
    head = header_row(sheet, ("Contracts", "Green", "Amber", "Red", "Red flags", "Amber flags",
                              "Flags"))
    assert [c.value for c in sheet[head + 1]][:7] == [3, 0, 0, 3, 7, 5, 12]
    head = header_row(sheet, ("Returns expected", "Received", "Accepted", "Of which late",
                              "Rejected", "Missing", "Not yet due"))
    assert [c.value for c in sheet[head + 1]][:7] == [6, 5, 4, 1, 1, 1, 0]

    lines = section(sheet, "RAG by contract")
    assert pick(lines, "Contract ID", "Performance", "Finance", "Overall", "Flags",
                "Recommended Action") == EXPECTED_CONTRACTS
    assert pick(lines, "Service", "Provider") == [
        ("Victims' assessment and referral hub", "Horizon Victim Care CIC"),
        ("Independent sexual violence advisers", "Safe Harbour Trust"),
        ("Domestic abuse outreach", "Beacon Outreach Ltd")]

    # One line per issue (Red, or formal procedure and above), strongest action first: the
    # CONTACT48 issue is one line although two flags speak about it.
    attention = section(sheet, "Needs SMG's attention first")
    assert pick(attention, "Contract ID", "Issue", "Severity", "Recommended Action") == [
        ("VS-002", "Incident on 3 Dec 2026 (Incidents row 6)", "Red", IMMEDIATE),
        ("VS-002", "CONTACT48 Victims contacted within 48 hours of referral", "Red", INFORMAL),
        ("VS-004", "Financial return", "Red", INFORMAL),
        ("VS-004", "Performance return", "Red", INFORMAL),
        ("VS-001", "SATISFY Service user satisfaction score", "Red", NORMAL),
        ("VS-002", "WAITDAYS Average working days from referral to first support session",
         "Red", NORMAL)]
    assert attention[0]["Detail"].startswith("Incident on 3 Dec 2026")
    assert attention[1]["Detail"].endswith("(Flags: KPI_RED_CONSECUTIVE, KPI_RED.)")
    note = next(c.value for (c,) in sheet.iter_rows(min_col=1, max_col=1)
                if isinstance(c.value, str) and c.value.startswith("12 flags"))
    assert note.startswith("12 flags about 10 issues in all, 4 more issues on the Risk Flags "
                           "sheet.")


def test_contracts_sheet(book):
    rows = table(book["Contracts"], ("Contract ID", "Service", "Provider"))
    assert pick(rows, "Contract ID", "Performance RAG", "Finance RAG", "Overall RAG", "Flags",
                "Recommended Action") == EXPECTED_CONTRACTS
    assert pick(rows, "Contract ID", "Lead Officer", "Deputy Officer", "Annual Value (£)",
                "Client Group Size", "End Date", "Red Flags", "Amber Flags", "Register Row") == [
        ("VS-001", "Alex Patel", "Jo Reid", 1_250_000, 9_000, datetime(2028, 3, 31), 1, 2, 2),
        ("VS-002", "Chris Young", "Alex Patel", 420_000, 900, datetime(2029, 3, 31), 4, 3, 3),
        ("VS-004", "Jo Reid", "Chris Young", 200_000, 500, datetime(2029, 3, 31), 2, 0, 5)]
    # VS-003 ended on 31 Mar 2026: not active in 2026-27, nowhere in the workbook


# --- KPIs -------------------------------------------------------------------------------------

KPI_HEADERS = ("Contract ID", "KPI Code", "Direction", "Mandatory", "Target", "Amber Threshold",
               "Numerator", "Denominator", "2026-27 Q2", "Actual", "RAG",
               "Red Quarters In A Row", "Previous RAG", "Commentary")
HIGHER, LOWER, INFO = "higher is better", "lower is better", "for information"


def test_kpis_sheet(run, book):
    rows = blocks(book["KPIs"], ("Contract ID", "KPI Code", "KPI"))
    p1, p2 = run.archived("vs001_perf_v2"), run.archived("vs002_perf")
    ok = "As expected."
    assert_rows(pick(rows, *KPI_HEADERS), [
        # CONTACT48's target was varied to 95%/90% from Q3; Q2's 92% was Green against 90%
        ("VS-001", "CONTACT48", HIGHER, "Yes", 0.95, 0.90, 190, 200, 0.92, 0.95, "Green", 0,
         "Green", ok),
        ("VS-001", "SUPPORTED", HIGHER, "Yes", 600, 540, None, None, 630, 540, "Amber", 0,
         "Green", ok),
        ("VS-001", "WAITDAYS", LOWER, "Yes", 2, 3, 150, 50, 1.8, 3.0, "Amber", 0, "Green",
         "Winter backlog."),
        ("VS-001", "REFERRALS", INFO, "Yes", None, None, None, None, 1200, 1260,
         "For information", 0, None, ok),
        ("VS-001", "SATISFY", HIGHER, "No", 4, 3.5, None, None, 4.2, 3.4, "Red", 1, "Green",
         "New survey question; action plan agreed."),
        ("VS-002", "CONTACT48", HIGHER, "Yes", 0.85, 0.80, 150, 200, 0.75, 0.75, "Red", 2, "Red",
         "Vacancies still not filled."),
        ("VS-002", "SUPPORTED", HIGHER, "Yes", 150, 130, None, None, 160, 160, "Green", 0,
         "Green", ok),
        ("VS-002", "SATISFY", HIGHER, "No", 4.2, 3.8, None, None, 4.5, 4.5, "Green", 0, "Green",
         ok),
        ("VS-002", "WAITDAYS", LOWER, "Yes", 2, 3, 151, 50, 2.5, 3.02, "Red", 1, "Amber",
         "Outage delayed first sessions."),
        ("VS-004", "CONTACT48", HIGHER, "Yes", 0.90, 0.85, None, None, None, None, "No return",
         0, None, None),
        ("VS-004", "SUPPORTED", HIGHER, "Yes", 100, 90, None, None, None, None, "No return", 0,
         None, None),
    ])
    # ratio KPIs point at the Numerator cell (E), the others at Actual (G)
    assert [r["Evidence"] for r in rows] == [
        f"{p1} Performance!E6", f"{p1} Performance!G7", f"{p1} Performance!E8",
        f"{p1} Performance!G9", f"{p1} Performance!G10",
        f"{p2} Performance!E6", f"{p2} Performance!G7", f"{p2} Performance!G8",
        f"{p2} Performance!E9", None, None]


# --- Finance ----------------------------------------------------------------------------------

FIN_HEADERS = ("Contract ID", "Budget Line", "Annual Budget", "Quarter Budget", "Quarter Actual",
               "Quarter Variance (£)", "Quarter Variance %", "YTD Budget", "YTD Actual",
               "YTD Variance (£)", "YTD Variance %", "Forecast Outturn", "Annual Contract Value",
               "Forecast Less Value (£)", "Finance RAG", "Variance Explanation", "Evidence")


def test_finance_sheet(run, book):
    sheet = book["Finance"]
    rows = table(sheet, ("Contract ID", "Budget Line", "Annual Budget"))
    f1, f2 = run.archived("vs001_fin"), run.archived("vs002_fin")

    def on_budget(cid, line, annual, file, cell):
        q = annual / 4
        return (cid, line, annual, q, q, 0, 0, 3 * q, 3 * q, 0, 0, annual, None, None, None,
                None, f"{file} Finance!{cell}")

    assert_rows(pick(rows, *FIN_HEADERS), [
        on_budget("VS-001", "Staff costs", 900_000, f1, "D6"),
        on_budget("VS-001", "Premises and running costs", 150_000, f1, "D7"),
        on_budget("VS-001", "Training and supervision", 50_000, f1, "D8"),
        on_budget("VS-001", "Management and overheads", 150_000, f1, "D9"),
        ("VS-001", "Contract total", 1_250_000, 312_500, 312_500, 0, 0, 937_500, 937_500, 0, 0,
         1_250_000, 1_250_000, 0, "Green", None, f"{f1} (4 budget lines)"),
        # YTD budget: Q1 (no return) a quarter of the annual budget + Q2 and Q3 as issued
        ("VS-002", "ISVA salaries", 350_000, 87_500, 100_000, 12_500, 12_500 / 87_500, 262_500,
         275_000, 12_500, 12_500 / 262_500, 380_000, None, None, None, g.ISVA_EXPLANATION,
         f"{f2} Finance!D6"),
        on_budget("VS-002", "Clinical supervision", 30_000, f2, "D7"),
        on_budget("VS-002", "Travel and overheads", 40_000, f2, "D8"),
        ("VS-002", "Contract total", 420_000, 105_000, 117_500, 12_500, 12_500 / 105_000,
         315_000, 327_500, 12_500, 12_500 / 315_000, 450_000, 420_000, 30_000, "Amber", None,
         f"{f2} (3 budget lines)"),
        ("VS-004", "No accepted financial return (missing)", None, None, None, None, None, None,
         None, None, None, None, 200_000, None, "No return", None, None),
    ])
    chart = section(sheet, "Budget against actual by contract (for the chart)")
    assert pick(chart, "Contract ID", "Quarter Budget", "Quarter Actual", "YTD Budget",
                "YTD Actual") == [("VS-001", 312_500, 312_500, 937_500, 937_500),
                                  ("VS-002", 105_000, 117_500, 315_000, 327_500)]


# --- Incidents --------------------------------------------------------------------------------


def test_incidents_sheet(run, book):
    sheet = book["Incidents & Complaints"]
    rows = table(sheet, ("Contract ID", "Date", "Category", "Description"))
    p1, p2 = run.archived("vs001_perf_v2"), run.archived("vs002_perf")
    assert pick(rows, "Contract ID", "Date", "Category", "Clients Affected",
                "Estimated Cost (£)", "Harm Caused", "Provider Negligence", "Reputational Risk",
                "Significant Failure", "Note", "Evidence") == [
        # 899 < 900 (10% of 9,000) and £124,999 < £125,000 (10% of £1,250,000): not significant
        ("VS-001", datetime(2026, 11, 12), "Other", 899, 124_999, "N", "N", "N", "No", None,
         f"{p1} Incidents!A6:I6"),
        ("VS-002", datetime(2026, 12, 3), "Service failure", 90, 2_500, "N", "N", "N", "Yes",
         None, f"{p2} Incidents!A6:I6")]
    assert [r["Description"] for r in rows] == [g.VS001_INCIDENT["Description"],
                                                 g.VS002_INCIDENT["Description"]]
    complaints_header = header_row(sheet, ("Contract ID", "Date Received", "Category",
                                           "Summary"))
    assert sheet.cell(complaints_header + 1, 1).value == "No complaints were reported this quarter."


# --- Returns ----------------------------------------------------------------------------------


def test_returns_sheet(run, book):
    sheet = book["Returns"]
    rows = table(sheet, ("Contract ID", "Provider", "Return", "Status", "Due By"))
    horizon, harbour = "Horizon Victim Care CIC", "Safe Harbour Trust"
    beacon = "Beacon Outreach Ltd"
    assert pick(rows, "Contract ID", "Provider", "Return", "Status", "Due By",
                "Received (UK time)", "Version", "Working Days Late", "File", "Files Received",
                "Errors", "Queries", "Warnings") == [
        # received: the first valid version (v1, 18 Jan); in use: version 2
        ("VS-001", horizon, "Performance", "Accepted", DUE, datetime(2027, 1, 18, 9, 0), 2,
         None, run.archived("vs001_perf_v2"), 2, 0, 1, 0),
        ("VS-001", horizon, "Financial", "Accepted", DUE, datetime(2027, 1, 20, 9, 0), 1, None,
         run.archived("vs001_fin"), 1, 0, 0, 0),
        ("VS-002", harbour, "Performance", "Accepted", DUE, datetime(2027, 1, 25, 9, 0), 1,
         None, run.archived("vs002_perf"), 1, 0, 0, 0),
        ("VS-002", harbour, "Financial", "Accepted late", DUE, datetime(2027, 2, 2, 10, 0), 1,
         2, run.archived("vs002_fin"), 1, 0, 0, 0),
        ("VS-004", beacon, "Performance", "Rejected", DUE, datetime(2027, 1, 26, 9, 0), None,
         None, "Beacon Q3 return.xlsx", 1, 1, 0, 0),
        ("VS-004", beacon, "Financial", "Missing", DUE, None, None, None, None, 0, None, None,
         None),
    ]

    chase = section(sheet, "Chase list: returns missing or rejected")
    assert pick(chase, "Contract ID", "Provider", "Return", "Status", "Due By", "Lead Officer",
                "Deputy Officer", "Escalation Contact", "Provider Contract Manager") == [
        ("VS-004", beacon, "Performance", "Rejected", DUE, "Jo Reid", "Chris Young",
         "Pat Quinn, Chief Executive", "Kim Lowe, Outreach Manager"),
        ("VS-004", beacon, "Financial", "Missing", DUE, "Jo Reid", "Chris Young",
         "Pat Quinn, Chief Executive", "Kim Lowe, Outreach Manager")]

    restated = section(sheet, "Restatements: what changed when a return was replaced")
    v2 = run.archived("vs001_perf_v2")
    assert pick(restated, "Contract ID", "Item", "Return", "Old Value", "New Value",
                "Received (UK time)", "Version", "Replaces Version", "File") == [
        ("VS-001", "SUPPORTED Actual", "Performance", "520", "540", datetime(2027, 1, 22, 9, 0),
         2, 1, v2),
        ("VS-001", "REFERRALS Actual", "Performance", "1250", "1260",
         datetime(2027, 1, 22, 9, 0), 2, 1, v2)]

    files = section(sheet, "Every file received for this quarter")
    assert pick(files, "Contract ID", "Original Name", "Return", "Ledger Status", "Version",
                "Received (UK time)", "Errors", "Queries", "Archived As", "Warnings") == [
        ("VS-001", "Horizon Q3 KPIs.xlsx", "Performance", "Superseded", 1,
         datetime(2027, 1, 18, 9, 0), 0, 1, run.archive_path("vs001_perf_v1"), 0),
        ("VS-001", "Horizon Q3 KPIs CORRECTED.xlsx", "Performance", "Accepted", 2,
         datetime(2027, 1, 22, 9, 0), 0, 1, run.archive_path("vs001_perf_v2"), 0),
        ("VS-001", "Horizon Q3 finance.xlsx", "Financial", "Accepted", 1,
         datetime(2027, 1, 20, 9, 0), 0, 0, run.archive_path("vs001_fin"), 0),
        ("VS-002", "Safe Harbour Q3 performance.xlsx", "Performance", "Accepted", 1,
         datetime(2027, 1, 25, 9, 0), 0, 0, run.archive_path("vs002_perf"), 0),
        ("VS-002", "Safe Harbour Q3 finance.xlsx", "Financial", "Accepted", 1,
         datetime(2027, 2, 2, 10, 0), 0, 0, run.archive_path("vs002_fin"), 0),
        ("VS-004", "Beacon Q3 return.xlsx", "Performance", "Rejected", None,
         datetime(2027, 1, 26, 9, 0), 1, 0,
         "outbox/feedback/2026-27-Q3/VS-004_performance_feedback.xlsx", 0),
    ]


# --- Sources, archive and inbox ---------------------------------------------------------------


def test_sources_sheet(run, book):
    rows = table(book["Sources"], ("File", "Original Name", "Contract ID"))
    expected = [  # this quarter first, then Q2 (received in BST: 09:0x UTC is 10:0x UK time)
        ("vs001_perf_v2", "2026-27 Q3", "Performance", datetime(2027, 1, 22, 9, 0),
         "This quarter"),
        ("vs001_fin", "2026-27 Q3", "Financial", datetime(2027, 1, 20, 9, 0), "This quarter"),
        ("vs002_perf", "2026-27 Q3", "Performance", datetime(2027, 1, 25, 9, 0), "This quarter"),
        ("vs002_fin", "2026-27 Q3", "Financial", datetime(2027, 2, 2, 10, 0), "This quarter"),
        ("q2_vs001_perf", "2026-27 Q2", "Performance", datetime(2026, 10, 20, 10, 0), "Trend"),
        ("q2_vs001_fin", "2026-27 Q2", "Financial", datetime(2026, 10, 20, 10, 1),
         "Year-to-date budget"),
        ("q2_vs002_perf", "2026-27 Q2", "Performance", datetime(2026, 10, 20, 10, 2), "Trend"),
        ("q2_vs002_fin", "2026-27 Q2", "Financial", datetime(2026, 10, 20, 10, 3),
         "Year-to-date budget"),
    ]
    assert pick(rows, "File", "Original Name", "Contract ID", "Period", "Return", "Version",
                "Status", "Received (UK time)", "SHA-256", "Archive Path", "Used For") == [
        (run.archived(k), run.drops[k].inbox_name, run.drops[k].contract_id, period, kind,
         VERSION.get(k, 1), "Accepted", received, run.sha(k), run.archive_path(k), used)
        for k, period, kind, received, used in expected]
    # the superseded v1 and the rejected file supplied no figure
    names = {r["File"] for r in rows}
    assert run.archived("vs001_perf_v1") not in names and "Beacon Q3 return.xlsx" not in names


def test_archive_holds_the_bytes_dropped_and_the_inbox_only_the_rejected_file(run):
    accepted = [k for k in run.dropped if k != "vs004_perf"]
    for key in accepted:
        copy = run.ws.root / run.archive_path(key)
        assert copy.read_bytes() == run.dropped[key], key
        assert hashlib.sha256(copy.read_bytes()).hexdigest() == run.sha(key)
    archived = sorted(p.relative_to(run.ws.root).as_posix()
                      for p in run.ws.archive.rglob("*") if p.is_file())
    assert archived == sorted(run.archive_path(k) for k in accepted)

    rejected = run.ws.inbox / "Beacon Q3 return.xlsx"
    assert sorted(p.name for p in run.ws.inbox.iterdir()) == ["Beacon Q3 return.xlsx"]
    assert rejected.read_bytes() == run.dropped["vs004_perf"]
    assert rejected.stat().st_mtime == run.stamps["vs004_perf"]
    feedback = run.ws.outbox / "feedback" / "2026-27-Q3" / "VS-004_performance_feedback.xlsx"
    assert feedback.is_file()


# --- the quarter before -----------------------------------------------------------------------


def test_previous_quarter_workbook(run):
    """Q2 as SMG saw it on 16 Nov 2026: CONTACT48 red for VS-002 (the first of the run)."""
    assert run.q2.workbook_path == run.ws.outbox / "SMG_Quarterly_2026-27_Q2.xlsx"
    sheet = load_workbook(run.q2.workbook_path)["Risk Flags"]
    p2 = run.archived("q2_vs002_perf")
    due = "due by 28 Oct 2026 (20 working days after 30 Sep 2026); as of 16 Nov 2026"
    assert pick(table(sheet, RISK_FLAG_HEADERS), *RISK_FLAG_HEADERS) == [
        ("VS-002", "KPI_RED", "Red",
         "CONTACT48 Victims contacted within 48 hours of referral is red: 75.0% against a "
         "target of 85.0%.",
         f"{p2} Performance!E6 = 75.0% (higher is better; target 85.0%, amber threshold 80.0%); "
         "target from register.xlsx SLA KPIs row 8", NORMAL,
         "CONTACT48 Victims contacted within 48 hours of referral"),
        ("VS-002", "KPI_AMBER", "Amber",
         "WAITDAYS Average working days from referral to first support session is amber: "
         "2.5 days against a target of 2 days.",
         f"{p2} Performance!E9 = 2.5 days (lower is better; target 2 days, amber threshold "
         "3 days); target from register.xlsx SLA KPIs row 13", MONITOR,
         "WAITDAYS Average working days from referral to first support session"),
        # the first quarter in the ledger: nothing earlier to call a repeat
        ("VS-004", "RETURN_MISSING", "Red",
         "The financial return for 2026-27 Q2 has not been received.",
         f"no accepted financial return for 2026-27 Q2 in the ledger; {due}; provider Beacon "
         "Outreach Ltd (register.xlsx Contracts row 5)", NORMAL, "Financial return"),
        ("VS-004", "RETURN_MISSING", "Red",
         "The performance return for 2026-27 Q2 has not been received.",
         f"no accepted performance return for 2026-27 Q2 in the ledger; {due}; provider Beacon "
         "Outreach Ltd (register.xlsx Contracts row 5)", NORMAL, "Performance return"),
    ]


# --- reproducible -----------------------------------------------------------------------------


def test_second_run_gives_the_same_workbook_and_leaves_files_alone(tmp_path):
    first = run_scenario(tmp_path)
    path = first.q3.workbook_path
    before = all_values(path)
    rejected = first.ws.inbox / "Beacon Q3 return.xlsx"
    mtime = rejected.stat().st_mtime

    report, result = pipeline.consolidate(first.ws, g.register(), g.Q3, as_of=g.AS_OF,
                                          now=g.NOW.replace(hour=12))
    assert result.workbook_path == path
    assert [(f.name, str(f.outcome)) for f in report.files] == [
        ("Beacon Q3 return.xlsx", "duplicate")]  # already rejected: not recorded again
    after = all_values(path)
    assert list(after) == list(before) == SHEETS
    for name in SHEETS:
        assert after[name] == before[name], name
    assert rejected.read_bytes() == first.dropped["vs004_perf"]
    assert rejected.stat().st_mtime == mtime
    assert os.listdir(first.ws.inbox) == ["Beacon Q3 return.xlsx"]
