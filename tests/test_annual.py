"""The annual SMG workbook: every annual aggregation rule, read back cell by cell.

The golden year is tests/year_scenario.py; the expectations below are worked out by hand
from its numbers (see its docstring).
"""

from __future__ import annotations

import hashlib
from datetime import date

import openpyxl
import pandas as pd
import pytest

import year_scenario as ys
from cm_excel.portfolio.rollup import kpi_frame, year_values
from cm_excel.reports.annual import SHEETS
from cm_excel.reports.annual_performance import FINANCE_CONTRACT_HEADERS, KPI_HEADERS
from cm_excel.reports.annual_run import report_year
from cm_excel.workspace import Workspace


@pytest.fixture
def year_ws(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.ensure_folders()
    subs = ys.build(ws.ledger_path)
    return ws, subs


@pytest.fixture
def annual(year_ws):
    ws, subs = year_ws
    result = report_year(ws, ys.register(), ys.FY, as_of=ys.AS_OF)
    book = openpyxl.load_workbook(result.workbook_path)
    return result, book, subs


def table(sheet, header_row: int = 3) -> dict[tuple, dict]:
    """Rows under the header keyed by their first two cells, as {header: value}."""
    rows = list(sheet.iter_rows(min_row=header_row, values_only=True))
    headers = rows[0]
    out = {}
    for row in rows[1:]:
        if not row or row[0] is None:
            break
        out[(row[0], row[1])] = dict(zip(headers, row))
    return out


def test_sheets_in_order(annual):
    result, book, _ = annual
    assert result.workbook_path.name == "SMG_Annual_2026-27.xlsx"
    assert result.cover_path.name == "SMG_Annual_2026-27_cover.html"
    assert tuple(book.sheetnames) == SHEETS


# (contract, KPI) → Q1, Q2, Q3, Q4, Year, Year Target, Year RAG, behind, trend, numerator,
# denominator, previous year
EXPECTED = {
    ("VS-001", "VS01"): (300, 320, 280, 300, 1200, None, "For information", "4 of 4", "Steady",
                         None, None, 250),
    ("VS-001", "VS02"): (0.9, 0.1, 0.9, 0.95, 240 / 350, 0.9, "Red", "4 of 4", "Improving",
                         240, 350, 0.8),
    ("VS-001", "VS05"): (2.0, 3.0, 1.5, 2.0, 750 / 350, 2.0, "Amber", "4 of 4", "Steady",
                         750, 350, None),
    ("VS-001", "VS07"): (100, 120, "Not reported", 130, 350, 330, "Green", "3 of 4",
                         "Improving", None, None, None),
    ("VS-001", "VS19"): (30, 25, 22, 18, 18, 20, "Green", "4 of 4", "Improving", None, None,
                         None),
    ("VS-001", "VS26"): (6.0, 7.0, 8.0, 7.5, 7.125, 7.0, "Green", "4 of 4", "Improving", None,
                         None, None),
    ("VS-002", "VS02"): (0.8, "No return", "No return", 0.85, 125 / 150, 0.85, "Amber",
                         "2 of 4", "Improving", 125, 150, None),
    ("VS-002", "VS07"): (45, "No return", "No return", 55, 100, 100, "Green", "2 of 4",
                         "Improving", None, None, None),
}
COLUMNS = ("Q1", "Q2", "Q3", "Q4", "Year", "Year Target", "Year RAG",
           "Quarters Behind The Year", "Trend In Year", "Year Numerator", "Year Denominator",
           "Previous Year")


def test_every_annual_aggregation_rule_cell_by_cell(annual):
    _, book, _ = annual
    sheet = book["KPIs"]
    assert [c.value for c in sheet[3]] == list(KPI_HEADERS)
    rows = table(sheet)
    assert list(rows) == list(EXPECTED)
    for key, expected in EXPECTED.items():
        got = rows[key]
        for column, want in zip(COLUMNS, expected):
            if isinstance(want, float):
                assert got[column] == pytest.approx(want), (key, column)
            else:
                assert got[column] == want, (key, column)
    # the rule names are shown beside the figures
    assert rows[("VS-001", "VS02")]["Annual Aggregation"] == "ratio of sums"
    assert rows[("VS-001", "VS26")]["Annual Aggregation"] == "mean"
    assert rows[("VS-001", "VS19")]["Annual Aggregation"] == "latest"
    assert rows[("VS-001", "VS07")]["Annual Aggregation"] == "sum"


def test_a_percentage_with_different_denominators_is_a_ratio_of_sums(annual):
    _, book, _ = annual
    got = table(book["KPIs"])[("VS-001", "VS02")]
    mean_of_percentages = (0.9 + 0.1 + 0.9 + 0.95) / 4
    assert got["Year"] == pytest.approx(0.685714, abs=1e-6)
    assert got["Year"] != pytest.approx(mean_of_percentages)
    # year on year: 68.6% against 80.0% the year before, in points
    assert got["Change On Previous Year"] == pytest.approx(240 / 350 - 0.8)
    cell = next(c for c in book["KPIs"]["I"] if c.value == got["Year"])
    assert cell.number_format == "0.0%"


def test_year_on_year_of_a_sum_needs_as_many_quarters(annual):
    _, book, _ = annual
    got = table(book["KPIs"])[("VS-001", "VS01")]
    # 1,200 over four quarters against 250 over one: shown, not compared
    assert (got["Previous Year"], got["Previous Year Quarters"]) == (250, "1 of 4")
    assert got["Change On Previous Year"] is None
    ratio = table(book["KPIs"])[("VS-001", "VS02")]
    assert ratio["Previous Year Quarters"] == "1 of 4"


def test_a_gap_is_a_word_never_a_zero(annual):
    _, book, _ = annual
    sheet = book["KPIs"]
    row = next(r for r in sheet.iter_rows(min_row=4) if r[0].value == "VS-002" and r[1].value == "VS07")
    q2 = row[KPI_HEADERS.index("Q2")]
    assert q2.value == "No return" and q2.data_type == "s"
    # the year is the two quarters reported, against two quarters' targets
    assert row[KPI_HEADERS.index("Year")].value == 100
    assert row[KPI_HEADERS.index("Year Target")].value == 100


def test_rag_words_sit_in_coloured_cells(annual):
    _, book, _ = annual
    sheet = book["KPIs"]
    col = KPI_HEADERS.index("Year RAG")
    reds = [r[col] for r in sheet.iter_rows(min_row=4) if r[col].value == "Red"]
    assert reds and all(c.fill.fgColor.rgb.endswith("FFC7CE") for c in reds)


def test_rollup_rules_directly():
    rows = [
        # ratio: 45/50 and 10/100; a gap in Q3 (no value) counts for nothing
        ("A", "R", "ratio of sums", 1, 0.9, 45, 50, 0.8, 0.7),
        ("A", "R", "ratio of sums", 2, 0.1, 10, 100, 0.8, 0.7),
        ("A", "R", "ratio of sums", 3, None, None, None, 0.85, 0.75),
        ("A", "S", "sum", 1, 5, None, None, 10, 8),
        ("A", "S", "sum", 2, None, None, None, 10, 8),
        ("A", "S", "sum", 3, 7, None, None, 12, 9),
        ("A", "M", "mean", 1, 6.0, None, None, 7, 6),
        ("A", "M", "mean", 4, 9.0, None, None, 7, 6),
        ("A", "L", "latest", 2, 40, None, None, 30, 35),
        ("A", "L", "latest", 3, 20, None, None, 25, 35),
        ("A", "L", "latest", 4, None, None, None, 20, 35),
    ]
    got = year_values(kpi_frame(dict(zip(("contract_id", "kpi_code", "aggregation", "quarter",
                                          "value", "numerator", "denominator", "target",
                                          "amber"), r)) for r in rows))
    assert got[("A", "R")]["value"] == pytest.approx(55 / 150)
    assert (got[("A", "R")]["numerator"], got[("A", "R")]["denominator"]) == (55, 150)
    assert got[("A", "R")]["reported"] == 2 and got[("A", "R")]["target"] == 0.8
    assert got[("A", "S")]["value"] == 12 and got[("A", "S")]["target"] == 22
    assert got[("A", "S")]["amber"] == 17 and got[("A", "S")]["reported"] == 2
    assert got[("A", "M")]["value"] == 7.5
    assert got[("A", "L")]["value"] == 20 and got[("A", "L")]["target"] == 25
    assert got[("A", "L")]["latest"] == 3


def test_rollup_of_nothing_reported_is_a_gap():
    frame = kpi_frame([{"contract_id": "A", "kpi_code": "R", "aggregation": "ratio of sums",
                        "quarter": 1, "value": None, "numerator": None, "denominator": None,
                        "target": 0.9, "amber": 0.8}])
    got = year_values(frame)[("A", "R")]
    assert got["value"] is None and got["reported"] == 0 and got["target"] == 0.9
    assert year_values(pd.DataFrame(columns=list(frame.columns))) == {}


def test_finance_outturn_by_contract_and_line(annual):
    _, book, _ = annual
    sheet = book["Finance"]
    assert [c.value for c in sheet[3]][:len(FINANCE_CONTRACT_HEADERS)] == list(FINANCE_CONTRACT_HEADERS)
    rows = table(sheet)
    one = rows[("VS-001", "Hub Provider Ltd")]
    assert one["Annual Contract Value"] == 200_000 and one["Annual Budget"] == 200_000
    assert one["Outturn"] == 198_000 and one["Outturn Basis"] == "Actual (Q4)"
    assert one["Outturn Against Budget (£)"] == -2_000
    assert one["Outturn Against Budget (%)"] == pytest.approx(-0.01)
    assert one["Cost Per Service User"] == pytest.approx(198.0)
    assert one["Previous Year Outturn"] == 190_000
    assert one["Change On Previous Year"] == 8_000
    two = rows[("VS-002", "Second Provider Trust")]
    assert two["Outturn"] == 105_000 and two["Outturn Basis"] == "Forecast (Q3)"
    assert two["Spent To Date"] == 78_000
    assert two["Cost Per Service User"] == pytest.approx(262.5)
    # by budget line: the restated Q3 return (v2) counts, the superseded v1 does not
    lines = {}
    for row in sheet.iter_rows(values_only=True):
        if row[0] in ("VS-001", "VS-002") and row[1] in ("Staff", "Running", "Training"):
            lines[(row[0], row[1])] = row
    staff = lines[("VS-001", "Staff")]
    assert staff[2:9] == (160_000, 40_000, 40_000, 40_000, 38_000, 158_000, 158_000)
    training = lines[("VS-002", "Training")]
    assert training[3:8] == (5_000, 5_000, 5_000, None, 15_000)


def _section(rows, title):
    """The rows of the table under the section heading ``title`` (after its header)."""
    start = next(i for i, r in enumerate(rows) if r[0] == title)
    out = []
    for r in rows[start + 2:]:
        if r[0] is None:
            break
        out.append(r)
    return rows[start + 1], out


def test_incidents_by_category_and_complaints(annual):
    _, book, _ = annual
    rows = list(book["Incidents & Complaints"].iter_rows(values_only=True))
    assert rows[2][:9] == ("Contract ID", "Incidents", "Provider", "Harm Caused",
                           "Provider Negligence", "Reputational Risk", "None Of These",
                           "Clients Affected", "Estimated Cost (£)")
    incidents = next(r for r in rows if r[0] == "VS-001")
    assert incidents[:2] == ("VS-001", 4) and incidents[3:9] == (1, 1, 1, 2, 46, 650)
    head, by_cat = _section(rows, "Incidents by category")
    assert head[:3] == ("Contract ID", "Incidents", "Category")
    # the template's order of categories, then Not given (a version 1 return) last
    assert [r[:8] for r in by_cat] == [
        ("VS-001", 2, "Safeguarding", 1, 1, 0, 5, 550),
        ("VS-001", 1, "Service failure", 0, 0, 1, 40, 0),
        ("VS-001", 1, "Not given", 0, 0, 0, 1, 100)]
    _, listed = _section(rows, "Incidents reported")
    assert [(r[1], r[3]) for r in listed] == [("Q1", "Safeguarding"), ("Q3", "Service failure"),
                                             ("Q3", "Safeguarding"), ("Q4", "Not given")]
    # the Q3 complaint repeated in Q4 with its outcome counts once, as partly upheld:
    # received, upheld (incl. partly), not upheld, open, upheld rate, resolved, mean, longest
    _, complaints = _section(rows, "Complaints")
    vs1 = next(r for r in complaints if r[0] == "VS-001")
    assert vs1[1:9] == (4, 2, 1, 1, pytest.approx(2 / 3), 3, 11, 20)
    _, by_cat = _section(rows, "Complaints by category")
    assert [r[:4] for r in by_cat] == [("VS-001", "Access", 1, 0),
                                       ("VS-001", "Communication", 2, 2),
                                       ("VS-001", "Staff", 1, 0)]
    head, listed = _section(rows, "Complaints received (each once)")
    assert len(listed) == 4
    q3 = next(r for r in listed if r[1] == "Q3")
    assert (q3[5], q3[6].date()) == ("Partly upheld", date(2026, 11, 4))
    assert (q3[7], q3[8]) == ("2026-27 Q3", "2026-27 Q4")
    assert "Q4" in q3[9] and q3[10].endswith("Complaints!A5:E5")
    assert None not in head  # no blank-headed columns


def test_returns_compliance_per_provider(annual):
    _, book, _ = annual
    rows = table(book["Returns"])
    # due, on time, late, missing or rejected, resubmitted, not yet due
    one = rows[("VS-001", "Hub Provider Ltd")]
    assert (one["Due"], one["On Time"], one["Late"], one["Missing Or Rejected"],
            one["Resubmitted"], one["Not Yet Due"]) == (8, 7, 1, 0, 1, 0)
    two = rows[("VS-002", "Second Provider Trust")]
    assert (two["Due"], two["On Time"], two["Late"], two["Missing Or Rejected"],
            two["Resubmitted"]) == (8, 5, 0, 3, 0)
    grid = [r for r in book["Returns"].iter_rows(values_only=True) if r[1] in ("Performance", "Financial")]
    assert ("VS-002", "Performance", "Accepted", "Missing", "Rejected", "Accepted") in [r[:6] for r in grid]
    assert ("VS-001", "Financial", "Accepted", "Accepted", "Accepted (v2)", "Accepted") in [r[:6] for r in grid]


def test_risk_log_and_improvement_plan_with_progress(annual):
    _, book, subs = annual
    rows = list(book["Risks & Improvements"].iter_rows(values_only=True))
    risks = [r for r in rows[3:] if r[0] == "VS-001" and r[1] == "Q4" and r[2] and "Risks!" in str(r[8])]
    assert [r[2] for r in risks] == ["Loss of staff", "IT contract ends"]
    assert not any(r[2] == "Old risk from Q3" for r in rows)
    assert risks[0][8] == f"{subs['p1_q4'].file} Risks!A5:F5"
    actions = [r for r in rows if r[0] == "VS-001" and r[8] and "Improvements!" in str(r[8])]
    assert [(r[2], r[4], r[5], r[6]) for r in actions] == [
        ("Text reminders", "Complete", "Rolled out to all teams", "2026-27 Q1"),
        ("New triage", "Not started", "Planned for Q1", "2026-27 Q4")]


def test_governance_audits_disputes_and_exit(annual):
    _, book, _ = annual
    rows = list(book["Governance"].iter_rows(values_only=True))
    assert rows[3][0] == "VS-001" and rows[3][2] == "case file"
    assert rows[3][1].date() == date(2026, 6, 10)
    assert rows[3][8] == "register.xlsx Audits row 2"
    due = {r[0]: r[3] for r in rows if r[3] in ("Overdue", "Due next year", "Never audited", "Not yet due")}
    assert due == {"VS-001": "Due next year", "VS-002": "Overdue"}
    dispute = next(r for r in rows if r[0] == "VS-002" and r[2] == "formal")
    assert dispute[3] == "Formal meeting" and dispute[7] == "open"
    assert dispute[8] == "register.xlsx Disputes row 2"
    exits = {r[0]: r[3] for r in rows if r[3] in ("re-tender", "No decision recorded")}
    assert exits == {"VS-001": "No decision recorded", "VS-002": "re-tender"}


def test_flags_of_each_quarter(annual):
    result, book, _ = annual
    rows = [r for r in book["Risk Flags"].iter_rows(min_row=4, values_only=True) if r[0]]
    assert ("Q2", "VS-001", "RETURN_LATE") in [r[:3] for r in rows]
    assert ("Q2", "VS-002", "RETURN_MISSING") in [r[:3] for r in rows]
    assert ("Q3", "VS-002", "RETURN_REJECTED") in [r[:3] for r in rows]
    assert result.flags_red + result.flags_amber == len(rows)


def test_a_complete_year_is_not_provisional_and_an_incomplete_one_is(year_ws):
    ws, _ = year_ws
    done = report_year(ws, ys.register(), ys.FY, as_of=ys.AS_OF)
    book = openpyxl.load_workbook(done.workbook_path)
    assert done.provisional == ""
    assert "PROVISIONAL" not in book["Summary"]["A2"].value
    early = report_year(ws, ys.register(), ys.FY, as_of=date(2027, 2, 15))
    book = openpyxl.load_workbook(early.workbook_path)
    assert early.provisional == "PROVISIONAL: returns for Q4 are not yet due"
    for name in SHEETS:
        assert "PROVISIONAL" in book[name]["A2"].value, name
    assert "PROVISIONAL" in book["Summary"]["A3"].value
    # as-of does not hide returns already in the ledger; what is missing is not yet due
    grid = [r[:6] for r in book["Returns"].iter_rows(values_only=True) if r[1] == "Financial"]
    assert ("VS-002", "Financial", "Accepted", "Accepted", "Accepted", "Not yet due") in grid
    assert "PROVISIONAL" in early.cover_path.read_text(encoding="utf-8")


def test_same_inputs_same_bytes(year_ws):
    ws, _ = year_ws
    first = report_year(ws, ys.register(), ys.FY, as_of=ys.AS_OF)
    a = hashlib.sha256(first.workbook_path.read_bytes()).hexdigest()
    b_cover = first.cover_path.read_text(encoding="utf-8")
    second = report_year(ws, ys.register(), ys.FY, as_of=ys.AS_OF)
    assert hashlib.sha256(second.workbook_path.read_bytes()).hexdigest() == a
    assert second.cover_path.read_text(encoding="utf-8") == b_cover


def test_cover_note_escapes_register_text(year_ws):
    ws, _ = year_ws
    register = ys.register()
    c = register.contracts["VS-002"]
    from dataclasses import replace

    register.contracts["VS-002"] = replace(c, provider="<script>alert(1)</script> & Co")
    result = report_year(ws, register, ys.FY, as_of=ys.AS_OF)
    html = result.cover_path.read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html


def test_year_without_previous_year_says_so(year_ws):
    ws, _ = year_ws
    result = report_year(ws, ys.register(), ys.FY + 1, as_of=date(2028, 6, 1))
    book = openpyxl.load_workbook(result.workbook_path)
    kpis = table(book["KPIs"])
    assert kpis[("VS-001", "VS02")]["Q1"] == "No return"
    assert kpis[("VS-001", "VS02")]["Year"] == "No value"
    assert kpis[("VS-001", "VS02")]["Previous Year"] == pytest.approx(240 / 350)


def test_calendar_sheet_and_calendar_flags_once(annual):
    _, book, _ = annual
    rows = [r for r in book["Calendar"].iter_rows(min_row=4, values_only=True) if r[0]]
    overdue = [(r[2], r[3], r[5]) for r in rows if r[1] == "Overdue"]
    assert ("VS-002", "Dispute meeting due", "register.xlsx Disputes row 2") in overdue
    assert ("VS-002", "Audit due", "register.xlsx Audits row 3") in overdue
    ahead = [(r[0].date(), r[2], r[3]) for r in rows if r[1] == "Due"]
    assert (date(2027, 6, 10), "VS-001", "Audit due") in ahead
    assert all(date(2027, 6, 1) <= d <= date(2028, 6, 1) for d, _, _ in ahead)
    flags = [r[:3] for r in book["Risk Flags"].iter_rows(min_row=4, values_only=True) if r[0]]
    # the calendar and governance flags speak for as-of: listed once, not once a quarter
    assert flags.count(("As of 1 Jun 2027", "VS-002", "DISPUTE_MEETING_OVERDUE")) == 1
    assert not [f for f in flags if f[0].startswith("Q") and f[2] == "DISPUTE_MEETING_OVERDUE"]
