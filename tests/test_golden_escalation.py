"""Golden scenarios for the escalation ladder (strategy section 5), read back cell by cell.

Each scenario builds a small ledger by hand, consolidates it with ``consolidate_quarter``
into a real workbook and cover note, and reads the Risk Flags sheet and the Summary's
"Needs SMG's attention first" back with openpyxl:

- the ladder: a KPI red once → normal contract management; red two quarters running → the
  informal procedure (§5.1); a contract with an open formal dispute → the next stage of that
  dispute, named by its Disputes row; an open informal dispute → SMG's agreement to go formal;
- the PCC, not SMG, decides on immediate escalation or termination (§5.0), in every output;
- an ongoing KPI issue measured in people against the client group: exactly 10% and just
  under;
- a forecast outturn exactly 10% over the annual contract value and just under;
- one line per issue on the Summary, with the issue's highest severity and strongest action.
"""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook

import quarter_scenario as qs
from cm_excel.flags import ACTION_MEANING, ACTIONS, IMMEDIATE, INFORMAL, MONITOR, NORMAL, dispute_action
from cm_excel.periods import Period
from cm_excel.register.model import Budget, Dispute, SlaKpi
from cm_excel.reports.consolidate import consolidate_quarter
from cm_excel.workspace import Workspace
from test_quarterly import table

pytestmark = pytest.mark.filterwarnings("ignore:Sparkline Group extension")

Q1, Q2, Q3 = Period(2026, 1), Period(2026, 2), Period(2026, 3)
AS_OF = date(2027, 2, 15)
ON_TIME_Q2, ON_TIME_Q3 = "2026-10-10T10:00:00+00:00", "2027-01-15T10:00:00+00:00"
RISK_FLAGS = ("Contract ID", "Flag", "Severity", "Detail", "Evidence", "Recommended Action",
              "Issue")
VS02 = "VS02 Referrals successfully contacted"


def risk_flags(book) -> list[tuple]:
    sheet = book["Risk Flags"]
    assert tuple(c.value for c in sheet[3])[:7] == RISK_FLAGS
    return [tuple(r[h] for h in ("Contract ID", "Flag", "Severity", "Recommended Action",
                                  "Issue")) for r in table(sheet, 3)]


def attention(book) -> list[tuple]:
    sheet = book["Summary"]
    for (cell,) in sheet.iter_rows(min_col=1, max_col=1):
        if cell.value == "Needs SMG's attention first":
            rows = table(sheet, cell.row + 1)
            if rows and rows[0]["Contract ID"] == "No flag needs SMG's attention this quarter.":
                return []
            return [(r["Contract ID"], r["Issue"], r["Severity"], r["Recommended Action"])
                    for r in rows]
    raise AssertionError("no attention section")


def evidence_of(book, contract_id, code) -> str:
    return next(r["Evidence"] for r in table(book["Risk Flags"], 3)
                if r["Contract ID"] == contract_id and r["Flag"] == code)


def consolidate(tmp_path, fill, reg):
    ws = Workspace(tmp_path / "ws")
    ws.ensure_folders()
    b = qs.LedgerBuilder(ws.ledger_path)
    fill(b)
    b.close()
    result = consolidate_quarter(ws, reg, Q3, as_of=AS_OF)
    return result, load_workbook(result.workbook_path)


def contracts(*ids, value=250_000, group=1_200):
    return [qs.contract(cid, f"Service {cid}", f"Provider {cid}", value, group, i + 2)
            for i, cid in enumerate(ids)]


def sla(*ids, target=0.90, amber=0.80):
    return [SlaKpi(cid, "VS02", target, amber, True, Q1, i + 2) for i, cid in enumerate(ids)]


def budgets(*ids):
    return [Budget(cid, 2026, "Staff", 250_000, i + 2) for i, cid in enumerate(ids)]


def returns(b, cid, period, vs02, *, forecast=62_500 * 4, received=None):
    """An accepted performance return (VS02 numerator/denominator) and a financial return on
    budget (£62,500 a quarter) with the given forecast outturn."""
    received = received or (ON_TIME_Q2 if period == Q2 else ON_TIME_Q3)
    perf = b.submission(cid, period, "performance", received=received)
    b.kpi(perf, "VS02", 5, numerator=vs02[0], denominator=vs02[1])
    fin = b.submission(cid, period, "financial", received=received)
    q = period.quarter
    b.fin(fin, "Staff", 5, annual=250_000, qb=62_500, qa=62_500, ytd=62_500 * q,
          forecast=forecast)
    return perf


# --- the ladder --------------------------------------------------------------------------


LADDER = ("VS-001", "VS-002", "VS-003", "VS-004")


def ladder_register():
    reg = qs.register(contracts=contracts(*LADDER), sla=sla(*LADDER), budgets=budgets(*LADDER))
    reg.disputes = [
        # VS-003: formal, written notice given 12 Jan 2027, no meeting yet
        Dispute("VS-003", date(2027, 1, 5), "formal", "Written notice issued",
                date(2027, 1, 12), None, "open", "Contact rates", row=3),
        # VS-004: informal, open; and an older one resolved (not followed)
        Dispute("VS-004", date(2026, 5, 11), "formal", "Litigation", date(2026, 5, 12),
                date(2026, 5, 20), "resolved", "Old", row=4),
        Dispute("VS-004", date(2026, 11, 2), "informal", "Raised at the quarterly meeting",
                None, None, "open", "Contact rates", row=5),
    ]
    return reg


def ladder_fill(b):
    # 1,200 users each: the few people below are far under 10% (120), never significant
    returns(b, "VS-001", Q2, (95, 100))
    returns(b, "VS-001", Q3, (70, 100))  # red once
    returns(b, "VS-002", Q2, (70, 100))
    returns(b, "VS-002", Q3, (72, 100))  # red two quarters running
    returns(b, "VS-003", Q2, (95, 100))
    returns(b, "VS-003", Q3, (70, 100))  # red once, but a formal dispute is open
    returns(b, "VS-004", Q2, (95, 100))
    returns(b, "VS-004", Q3, (70, 100))  # red once, an informal dispute is open


def test_the_escalation_ladder(tmp_path):
    result, book = consolidate(tmp_path, ladder_fill, ladder_register())
    formal_next = dispute_action("register.xlsx Disputes row 3", 2)
    informal_next = dispute_action("register.xlsx Disputes row 5", 0)
    assert risk_flags(book) == [
        ("VS-001", "KPI_RED", "Red", NORMAL, VS02),
        ("VS-002", "KPI_RED_CONSECUTIVE", "Red", INFORMAL, VS02),
        ("VS-002", "KPI_RED", "Red", NORMAL, VS02),
        ("VS-003", "KPI_RED", "Red", formal_next, VS02),
        # the register's calendar: notice on 12 Jan 2027 and no meeting within ten days
        ("VS-003", "DISPUTE_MEETING_OVERDUE", "Red", formal_next,
         "Dispute (Disputes row 3)"),
        ("VS-004", "KPI_RED", "Red", informal_next, VS02),
    ]
    # the open formal dispute's next stage: the meeting, ten working days after the notice
    assert formal_next.startswith("Next stage of the open dispute (register.xlsx Disputes "
                                  "row 3, at: written notice): hold the dispute meeting")
    assert evidence_of(book, "VS-003", "KPI_RED").endswith(
        "; open formal dispute register.xlsx Disputes row 3, opened 5 Jan 2027, stage "
        "'Written notice issued', written notice 12 Jan 2027, meeting due by 26 Jan 2027")
    # an open informal dispute goes formal next: SMG's agreement in writing (§5.2 step 1)
    assert "obtain SMG's agreement in writing" in informal_next and "§5.2 step 1" in informal_next
    # one line per issue, strongest action first (a dispute's next stage ranks as formal)
    assert attention(book) == [
        ("VS-003", VS02, "Red", formal_next),
        ("VS-003", "Dispute (Disputes row 3)", "Red", formal_next),
        ("VS-004", VS02, "Red", informal_next),
        ("VS-002", VS02, "Red", INFORMAL),
        ("VS-001", VS02, "Red", NORMAL),
    ]
    assert [line.split(":")[0] for line in result.attention] == [
        f"VS-003 {VS02}", "VS-003 Dispute (Disputes row 3)", f"VS-004 {VS02}", f"VS-002 {VS02}",
        f"VS-001 {VS02}"]


def test_the_rules_sheet_puts_the_ladder_in_words(tmp_path):
    _, book = consolidate(tmp_path, ladder_fill, ladder_register())
    cells = {}
    for row in book["Rules"].iter_rows(values_only=True):
        if row[0]:
            cells.setdefault(row[0], row[1])
    for action in ACTIONS:
        assert cells[action] == ACTION_MEANING[action]
    assert cells[MONITOR].startswith("Keep an eye on it")
    assert "normal contract management" in cells[NORMAL]
    assert "At: written notice" in cells and "Next: Hold the dispute meeting" in cells[
        "At: written notice"]
    assert "One issue, one line" in cells


# --- the PCC decides (§5.0) ----------------------------------------------------------------


def test_the_pcc_authorises_immediate_escalation_or_termination(tmp_path):
    reg = qs.register(contracts=contracts("VS-001"), sla=sla("VS-001"), budgets=budgets("VS-001"))

    def fill(b):
        perf = returns(b, "VS-001", Q3, (95, 100))
        b.incident(perf, 5, clients=120)  # exactly 10% of 1,200 users
    result, book = consolidate(tmp_path, fill, reg)
    assert IMMEDIATE == ("The PCC may authorise immediate escalation to the formal procedure, "
                         "or terminate the contract, at the PCC's discretion (§5.0)")
    assert risk_flags(book) == [
        ("VS-001", "SIGNIFICANT_FAILURE", "Red", IMMEDIATE, "Incident on 3 Nov 2026 (Incidents row 5)")]
    assert attention(book) == [("VS-001", "Incident on 3 Nov 2026 (Incidents row 5)", "Red", IMMEDIATE)]
    contracts_sheet = table(book["Contracts"], 3)
    assert contracts_sheet[0]["Recommended Action"] == IMMEDIATE
    html = result.cover_path.read_text(encoding="utf-8")
    assert IMMEDIATE.replace("'", "&#39;") in html
    for sheet in book.worksheets:  # SMG never authorises it, anywhere
        for row in sheet.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and "SMG may authorise" in v for v in row)
    assert "SMG may authorise" not in html


# --- significant in people (§5.0: 10% of the client group) ---------------------------------


@pytest.mark.parametrize("q3_numerator, significant", [(330, True), (331, False)])
def test_an_ongoing_issue_at_and_just_under_ten_percent_of_the_client_group(
        tmp_path, q3_numerator, significant):
    """Target 90%, 1,200 users (10% = 120 people). Q2 540 of 700: 630 - 540 = 90 people
    short; Q3 330 of 400: 360 - 330 = 30, 120 together (significant, inclusive); 331 of 400:
    29, 119 together (the informal procedure, not significant)."""
    reg = qs.register(contracts=contracts("VS-001"), sla=sla("VS-001", amber=0.85),
                      budgets=budgets("VS-001"))

    def fill(b):
        returns(b, "VS-001", Q2, (540, 700))
        returns(b, "VS-001", Q3, (q3_numerator, 400))
    _, book = consolidate(tmp_path, fill, reg)
    if significant:
        assert risk_flags(book) == [
            ("VS-001", "SIGNIFICANT_FAILURE", "Red", IMMEDIATE, VS02),
            ("VS-001", "KPI_RED_CONSECUTIVE", "Red", INFORMAL, VS02),
            ("VS-001", "KPI_RED", "Red", NORMAL, VS02)]
        assert evidence_of(book, "VS-001", "SIGNIFICANT_FAILURE").endswith(
            "shortfall in people: this quarter: 90.0% × 400 − 330 = 30 people short (2.5% of "
            "the client group); 2026-27 Q2: 90.0% × 700 − 540 = 90 people short (7.5% of the "
            "client group); together 120 people = 10.0% of the client group of 1,200 "
            "(register.xlsx Contracts row 2); threshold 10% = 120 people")
        # three flags, one issue, one line: Red with the strongest action
        assert attention(book) == [("VS-001", VS02, "Red", IMMEDIATE)]
    else:
        assert risk_flags(book) == [
            ("VS-001", "KPI_RED_CONSECUTIVE", "Red", INFORMAL, VS02),
            ("VS-001", "KPI_RED", "Red", NORMAL, VS02)]
        assert attention(book) == [("VS-001", VS02, "Red", INFORMAL)]


# --- significant in money (§5.0: 10% of the annual contract value) -------------------------


@pytest.mark.parametrize("forecast, significant", [(275_000, True), (274_999.99, False)])
def test_a_forecast_at_and_just_under_ten_percent_over_value(tmp_path, forecast, significant):
    """£250,000 a year: a forecast of £275,000 is £25,000 over, exactly 10% (significant);
    £274,999.99 is just under (Amber, raised at the next quarterly meeting)."""
    reg = qs.register(contracts=contracts("VS-001"), sla=sla("VS-001"), budgets=budgets("VS-001"))
    _, book = consolidate(tmp_path, lambda b: returns(b, "VS-001", Q3, (95, 100),
                                                     forecast=forecast), reg)
    spending = "Spending above budget"
    if significant:
        assert risk_flags(book) == [
            ("VS-001", "SIGNIFICANT_FAILURE", "Red", IMMEDIATE, spending),
            ("VS-001", "FORECAST_OVER_VALUE", "Amber", NORMAL, spending)]
        assert evidence_of(book, "VS-001", "SIGNIFICANT_FAILURE").endswith(
            "Finance!F5:F5 = £275,000 − annual contract value £250,000 = £25,000 (threshold "
            "10% of £250,000 = £25,000, register.xlsx Contracts row 2)")
        assert attention(book) == [("VS-001", spending, "Red", IMMEDIATE)]
    else:
        assert risk_flags(book) == [("VS-001", "FORECAST_OVER_VALUE", "Amber", NORMAL, spending)]
        assert attention(book) == []
