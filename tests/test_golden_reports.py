"""Golden scenario for what providers report (issue 7, section 2), through REAL returns.

The starter register (``cm-excel init``: the victim services KPI menu, VS01-VS26), two
quarters of 2026-27, returns written from templates, filled in, dropped into ``inbox/``
with their received times, ingested and consolidated; the SMG workbooks are read back
cell by cell.

2026-27 Q1, received 20 Jul 2026 (the workspace's first quarter):
- VS-002 performance: every KPI on target; one complaint received 20 May 2026, still Open.
- VS-002 and VS-001 financial: on budget.

2026-27 Q2, received 20 Oct 2026 (due 28 Oct), consolidated as of 16 Nov 2026:
- VS-002 performance (£380,000 a year → £95,000 a quarter on budget):
  - VS07 victims supported 100; VS25 reported 69,200 / 100 = £692, but the financial
    return gives £95,000 ÷ 100 = £950: 27.2% off, more than 5% → COST_PER_USER_MISMATCH;
    £950 is above the amber threshold £850 (lower is better) → KPI_RED on the computed figure;
  - an incident of 28 Jun 2026 (Q1) first reported now, Safeguarding → accepted with an
    explained RECORD_REPORTED_LATE query, INCIDENT_SAFEGUARDING + INCIDENT_REPORTED_LATE;
  - an incident of 14 Aug 2026, Data protection breach → INCIDENT_DATA_BREACH;
  - the Q1 complaint repeated with its outcome (Upheld, resolved 2 Aug 2026) → an update,
    not counted again; a new complaint of 1 Sep 2026.
- VS-004 (£480,000 → £120,000 a quarter): VS07 160, VS25 reported 126,000 / 160 = £787.50,
  exactly 5% above the computed £750 → no query (more than 5% is needed).
- VS-007 (£1,200,000 → £300,000): VS07 600, VS25 reported 315,060 / 600 = £525.10, 5.02%
  above the computed £500 → COST_PER_USER_MISMATCH.
- VS-003 financial with no Q1 return of its own, while the ledger holds Q1 for others:
  exactly one FIN_YTD_UNCHECKED warning for the return (not one per budget line).
"""

from __future__ import annotations

import os
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from openpyxl import load_workbook

from builders import good_kpis, good_lines, make_return
from cm_excel import pipeline
from cm_excel.periods import Period
from cm_excel.register.reader import read_register
from cm_excel.workspace import Workspace, init_workspace
from test_golden_returns import assert_rows, blocks, header_row, pick, rows_under, table

UTC = timezone.utc
Q1, Q2 = Period(2026, 1), Period(2026, 2)
AS_OF = date(2026, 11, 16)
NORMAL = "Raise at the next quarterly contract meeting (normal contract management)"

COMPLAINT = {"Date Received": date(2026, 5, 20), "Category": "Communication",
             "Summary": "No call back for two weeks after referral", "Outcome": "Open"}
LATE_INCIDENT = {
    "Date": date(2026, 6, 28), "Description": "Disclosure of risk to a child not passed on",
    "Clients Affected": 1, "Estimated Cost (£)": 0, "Harm Caused": "N",
    "Provider Negligence": "N", "Reputational Risk": "N",
    "Action Taken": "Found in a case audit in August; referred to the LADO; staff retrained",
    "Category": "Safeguarding"}
BREACH = {
    "Date": date(2026, 8, 14), "Description": "Email with case notes sent to the wrong agency",
    "Clients Affected": 1, "Estimated Cost (£)": 0, "Harm Caused": "N",
    "Provider Negligence": "Y", "Reputational Risk": "N",
    "Action Taken": "Recalled and deleted; reported to the DPO", "Category": "Data protection breach"}


def drop(ws: Workspace, register, contract_id: str, kind: str, period: Period, name: str,
         received: datetime, **values) -> Path:
    path = make_return(ws.inbox, contract_id, kind, period, register=register, name=name,
                       **values)
    os.utime(path, (received.timestamp(), received.timestamp()))
    return path


def cost_kpis(register, cid: str, victims: int, spend: float) -> dict:
    kpis = good_kpis(register, cid, Q2)
    kpis["VS07"] = {"Actual": victims, "Commentary": "On target."}
    kpis["VS25"] = {"Numerator": spend, "Denominator": victims, "Commentary": "As we count it."}
    return kpis


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("reports")
    init_workspace(root)
    ws = Workspace(root)
    reg = read_register(ws.register_path)
    # these checks are about what providers report: no open dispute steers the actions
    reg.disputes = [d for d in reg.disputes if d.contract_id != "VS-002"]
    at = datetime(2026, 7, 20, 9, 0, tzinfo=UTC)
    q1_perf = good_kpis(reg, "VS-002", Q1)
    drop(ws, reg, "VS-002", "performance", Q1, "vs002 q1 perf.xlsx", at, kpis=q1_perf,
         tables={"Complaints": [COMPLAINT]})
    drop(ws, reg, "VS-002", "financial", Q1, "vs002 q1 fin.xlsx", at)
    drop(ws, reg, "VS-001", "financial", Q1, "vs001 q1 fin.xlsx", at)
    q1_report = pipeline.ingest(ws, reg, now=datetime(2026, 7, 25, 8, 0, tzinfo=UTC))

    at = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
    drop(ws, reg, "VS-002", "performance", Q2, "vs002 q2 perf.xlsx", at,
         kpis=cost_kpis(reg, "VS-002", 100, 69_200),
         tables={"Incidents": [LATE_INCIDENT, BREACH],
                 "Complaints": [{**COMPLAINT, "Outcome": "Upheld",
                                 "Resolved Date": date(2026, 8, 2)},
                                {"Date Received": date(2026, 9, 1), "Category": "Staff conduct",
                                 "Summary": "Adviser was late to court", "Outcome": "Open"}]})
    drop(ws, reg, "VS-004", "performance", Q2, "vs004 q2 perf.xlsx", at,
         kpis=cost_kpis(reg, "VS-004", 160, 126_000))
    drop(ws, reg, "VS-007", "performance", Q2, "vs007 q2 perf.xlsx", at,
         kpis=cost_kpis(reg, "VS-007", 600, 315_060))
    for cid in ("VS-001", "VS-002", "VS-003", "VS-004", "VS-007"):
        drop(ws, reg, cid, "financial", Q2, f"{cid.lower()} q2 fin.xlsx", at,
             lines=good_lines(reg, cid, Q2))
    q2_report, q2 = pipeline.consolidate(ws, reg, Q2, as_of=AS_OF,
                                         now=datetime(2026, 10, 29, 8, 0, tzinfo=UTC))
    _, q1 = pipeline.consolidate(ws, reg, Q1, as_of=AS_OF,
                                 now=datetime(2026, 11, 16, 8, 0, tzinfo=UTC))
    files = {f.name: f for f in q1_report.files + q2_report.files}
    archived = {name: f.archive_path.name for name, f in files.items() if f.archive_path}
    return {"files": files, "archived": archived, "q2": load_workbook(q2.workbook_path),
            "q1": load_workbook(q1.workbook_path)}


def outcome(run, name):
    f = run["files"][name]
    return str(f.outcome), f.errors, f.queries, f.warnings, [(p.code, p.sheet, p.cell)
                                                            for p in f.problems]


# --- ingest -----------------------------------------------------------------------------------


def test_first_use_says_nothing_about_year_to_date(run):
    # Q1 checks year to date against nothing; Q2 returns of contracts with Q1 in the
    # ledger are checked and agree; nothing is said either way.
    for name in ("vs002 q1 fin.xlsx", "vs001 q1 fin.xlsx", "vs-001 q2 fin.xlsx",
                 "vs-002 q2 fin.xlsx"):
        assert outcome(run, name) == ("accepted", 0, 0, 0, []), name


def test_year_to_date_unchecked_once_per_return(run):
    # VS-003 sent no Q1 return, but others did: the year has started in this workspace.
    status, errors, queries, warnings, problems = outcome(run, "vs-003 q2 fin.xlsx")
    assert (status, errors, queries, warnings) == ("accepted with queries or warnings", 0, 0, 1)
    assert problems == [("FIN_YTD_UNCHECKED", "Finance", "E6")]


def test_a_late_incident_is_accepted_with_a_query(run):
    status, errors, queries, warnings, problems = outcome(run, "vs002 q2 perf.xlsx")
    assert (status, errors, queries, warnings) == ("accepted with queries or warnings", 0, 1, 0)
    assert problems == [("RECORD_REPORTED_LATE", "Incidents", "A6")]
    assert run["files"]["vs002 q2 perf.xlsx"].problems[0].explained  # by its Action Taken


# --- the SMG workbook for Q2 ------------------------------------------------------------------


def test_incidents_listed_with_category_and_late_report_noted(run):
    sheet = run["q2"]["Incidents & Complaints"]
    rows = table(sheet, ("Contract ID", "Date", "Category", "Description"))
    perf = run["archived"]["vs002 q2 perf.xlsx"]
    assert pick(rows, "Contract ID", "Date", "Category", "Description", "Clients Affected",
                "Provider Negligence", "Significant Failure", "Note", "Evidence") == [
        ("VS-002", datetime(2026, 6, 28), "Safeguarding", LATE_INCIDENT["Description"], 1, "N",
         "No", "Happened in 2026-27 Q1; first reported in this quarter's return (the "
               "provider was asked why not sooner).", f"{perf} Incidents!A6:I6"),
        ("VS-002", datetime(2026, 8, 14), "Data protection breach", BREACH["Description"], 1,
         "Y", "No", None, f"{perf} Incidents!A7:I7")]


def test_a_complaint_from_an_earlier_quarter_updates_rather_than_counts_twice(run):
    sheet = run["q2"]["Incidents & Complaints"]
    title = "Complaints (1 received this quarter; 1 from earlier quarters updated)"
    at = next(c.row for (c,) in sheet.iter_rows(min_col=1, max_col=1) if c.value == title)
    assert header_row(sheet, ("Contract ID", "Date Received", "Category", "Summary", "Outcome",
                              "Resolved Date"), after=at) == at + 1
    perf, q1 = run["archived"]["vs002 q2 perf.xlsx"], run["archived"]["vs002 q1 perf.xlsx"]
    assert pick(rows_under(sheet, at + 1), "Contract ID", "Date Received", "Category",
                "Summary", "Outcome", "Resolved Date", "Note", "Evidence") == [
        ("VS-002", datetime(2026, 5, 20), "Communication", COMPLAINT["Summary"], "Upheld",
         datetime(2026, 8, 2), f"First reported in 2026-27 Q1 ({q1} Complaints!A6:E6); this "
                               "return gives its outcome. Not counted again.",
         f"{perf} Complaints!A6:E6"),
        ("VS-002", datetime(2026, 9, 1), "Staff conduct", "Adviser was late to court", "Open",
         None, None, f"{perf} Complaints!A7:E7")]


def test_the_earlier_quarter_shows_the_updated_outcome(run):
    sheet = run["q1"]["Incidents & Complaints"]
    at = next(c.row for (c,) in sheet.iter_rows(min_col=1, max_col=1) if c.value == "Complaints")
    q1, q2 = run["archived"]["vs002 q1 perf.xlsx"], run["archived"]["vs002 q2 perf.xlsx"]
    assert pick(rows_under(sheet, at + 1), "Contract ID", "Date Received", "Outcome",
                "Resolved Date", "Note", "Evidence") == [
        ("VS-002", datetime(2026, 5, 20), "Upheld", datetime(2026, 8, 2),
         f"Outcome and resolved date as updated in the 2026-27 Q2 return ({q2} "
         "Complaints!A6:E6); this return said Open.", f"{q1} Complaints!A6:E6")]


def test_cost_per_victim_supported_is_computed_with_the_reported_figure_beside_it(run):
    rows = blocks(run["q2"]["KPIs"], ("Contract ID", "KPI Code", "KPI"))
    vs25 = {r["Contract ID"]: r for r in rows if r["KPI Code"] == "VS25"}
    assert_rows(pick(list(vs25.values()), "Contract ID", "Target", "Amber Threshold",
                     "Numerator", "Denominator", "Actual", "RAG"), [
        ("VS-002", 750, 850, 95_000, 100, 950.0, "Red"),
        ("VS-003", 550, 650, None, None, None, "No return"),  # nothing to compute from
        ("VS-004", 650, 750, 120_000, 160, 750.0, "Amber"),
        ("VS-007", 500, 575, 300_000, 600, 500.0, "Green")])
    perf, fin = run["archived"]["vs002 q2 perf.xlsx"], run["archived"]["vs-002 q2 fin.xlsx"]
    assert vs25["VS-002"]["Evidence"] == (
        f"computed £950 = quarter spend £95,000 ({fin} Finance!D6:D11) ÷ VS07 victims "
        f"supported 100 ({perf} Performance!G8); provider reported £692 "
        f"({perf} Performance!E14)")


def test_risk_flags_for_incidents_and_the_cost_mismatch(run):
    rows = table(run["q2"]["Risk Flags"], ("Contract ID", "Flag", "Severity"))
    ours = ("INCIDENT_SAFEGUARDING", "INCIDENT_DATA_BREACH", "INCIDENT_REPORTED_LATE",
            "COST_PER_USER_MISMATCH")
    perf, fin = run["archived"]["vs002 q2 perf.xlsx"], run["archived"]["vs-002 q2 fin.xlsx"]
    perf7, fin7 = run["archived"]["vs007 q2 perf.xlsx"], run["archived"]["vs-007 q2 fin.xlsx"]
    got = pick([r for r in rows if r["Flag"] in ours], "Contract ID", "Flag", "Severity",
               "Detail", "Evidence", "Recommended Action")
    # Every cell of these rows; their order on the sheet is the flag sorting's business.
    assert sorted(got) == sorted([
        ("VS-002", "INCIDENT_SAFEGUARDING", "Red",
         f"Incident on 28 Jun 2026 ('{LATE_INCIDENT['Description']}'): a safeguarding "
         "incident, listed for SMG whatever its size (1 client affected, estimated cost £0; "
         "happened in 2026-27 Q1, first reported this quarter).",
         f"{perf} Incidents!I6 = Safeguarding; row {perf} Incidents!A6:I6", NORMAL),
        ("VS-002", "INCIDENT_DATA_BREACH", "Red",
         f"Incident on 14 Aug 2026 ('{BREACH['Description']}'): a data protection breach, "
         "listed for SMG whatever its size (1 client affected, estimated cost £0).",
         f"{perf} Incidents!I7 = Data protection breach; row {perf} Incidents!A7:I7", NORMAL),
        ("VS-002", "INCIDENT_REPORTED_LATE", "Amber",
         f"Incident on 28 Jun 2026 ('{LATE_INCIDENT['Description']}') happened in 2026-27 Q1 "
         "but was first reported in the return for 2026-27 Q2; it is counted in 2026-27 Q2, "
         "and the provider was asked why it was not reported sooner.",
         f"{perf} Incidents!A6 = 2026-06-28, before 2026-27 Q2 began", NORMAL),
        ("VS-002", "COST_PER_USER_MISMATCH", "Amber",
         "Query for the provider: VS25 Cost per victim supported was reported as £692, but "
         "the provider's own returns give £950 (−27.2%), more than the 5% allowed; the "
         "computed figure is used.",
         f"computed £950 = quarter spend £95,000 ({fin} Finance!D6:D11) ÷ VS07 victims "
         f"supported 100 ({perf} Performance!G8); provider reported £692 ({perf} "
         "Performance!E14) (Settings: cost per service user mismatch 5%)", NORMAL),
        # VS-004 is exactly 5% off: not more than 5%, no query.
        ("VS-007", "COST_PER_USER_MISMATCH", "Amber",
         "Query for the provider: VS25 Cost per victim supported was reported as £525.10, but "
         "the provider's own returns give £500 (+5.0%), more than the 5% allowed; the "
         "computed figure is used.",
         f"computed £500 = quarter spend £300,000 ({fin7} Finance!D6:D11) ÷ VS07 victims "
         f"supported 600 ({perf7} Performance!G8); provider reported £525.10 ({perf7} "
         "Performance!E13) (Settings: cost per service user mismatch 5%)", NORMAL),
    ])
