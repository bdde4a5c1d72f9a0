"""A small golden scenario for the quarterly SMG workbook, built in code.

Three contracts, two consecutive quarters (2026-27 Q2 and Q3), as of 15 Feb 2027 (the Q3
deadline, 20 working days after 31 Dec 2026 skipping New Year's Day, is 29 Jan 2027):

- VS-001 (VARC): Q3 performance restated (v2 supersedes v1, which held a large incident
  and a red KPI that must not count); VS02 exactly at its amber threshold (higher is
  better) and VS05 exactly at its amber threshold (lower is better) → two KPI_AMBER;
  incidents just under 10% of the annual value (£24,999 of £250,000) and of the client
  group (119 of 1,200) → no significant failure; running costs underspent so the quarter
  total is 10.4% under budget → FINANCE_UNDERSPEND. Overall Amber.
- VS-002 (ISVA): VS02 red in Q2 and Q3 (mandatory; 80 + 72 people short of 90%, 30.4% of
  the 500 service users) → KPI_RED, KPI_RED_CONSECUTIVE and a SIGNIFICANT_FAILURE, one issue; VS07 one below its amber threshold → KPI_RED; VS19 exactly at
  target (lower is better) → Green; an incident costing exactly 10% of the annual value
  with harm through negligence, another affecting exactly 10% of the client group with
  reputational risk → two SIGNIFICANT_FAILURE; quarter 16.7% over budget →
  FINANCE_OVERSPEND; forecast £7,500 over the annual value → FORECAST_OVER_VALUE;
  performance return received 1 Feb 2027 → RETURN_LATE. Overall Red.
- VS-003 (RJ): performance return rejected, financial return never sent →
  RETURN_REJECTED (Red, the deadline has passed) and RETURN_MISSING. Overall Red.

Every contract has a deputy, ends on 31 Mar 2028 and was audited on 10 Mar 2026, so no
calendar or governance flag is raised as of 15 Feb 2027.

The expectations below are worked out by hand from those numbers.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cm_excel.flags import IMMEDIATE, INFORMAL, MONITOR, NORMAL
from cm_excel.periods import Period
from cm_excel.register.model import Audit, Budget, Contract, Kpi, Register, Settings, SlaKpi

SCHEMA = Path(__file__).resolve().parent.parent / "cm_excel" / "ledger" / "schema_v1.sql"
SCHEMA_V2 = SCHEMA.with_name("schema_v2.sql")

PERIOD = Period(2026, 3)
PREVIOUS = Period(2026, 2)
AS_OF = date(2027, 2, 15)
DEADLINE = date(2027, 1, 29)
HYPERLINK = '=HYPERLINK("http://example.invalid","x")'


# --- the register ------------------------------------------------------------------------


def contract(cid, service, provider, value, group, row, deputy="Deputy Officer") -> Contract:
    return Contract(
        contract_id=cid, service=service, provider=provider,
        provider_contract_manager=f"{provider} contract manager <cm@{cid.lower()}.example>",
        provider_escalation_contact=f"{provider} chief executive", lead_officer=f"Lead {cid}",
        deputy_officer=deputy, annual_value=value, client_group_size=group,
        start_date=date(2025, 4, 1), end_date=date(2028, 3, 31), latest_extension_end=None,
        status="active", row=row)


KPIS = {
    "VS01": Kpi("VS01", "Referrals received", "New referrals", "count", "for information", "sum", 2),
    "VS02": Kpi("VS02", "Referrals successfully contacted", "Contacted / valid", "percent",
                "higher is better", "ratio of sums", 3),
    "VS05": Kpi("VS05", "Average days to first contact", "Total days / contacted", "days",
                "lower is better", "ratio of sums", 4),
    "VS07": Kpi("VS07", "Victims supported (new)", "New victims supported", "count",
                "higher is better", "sum", 5),
    "VS19": Kpi("VS19", "Waiting list at quarter end", "Victims waiting", "count",
                "lower is better", "latest", 6),
}


def register(settings: Settings | None = None, contracts=None, sla=None, budgets=None) -> Register:
    q1 = Period(2026, 1)
    contracts = contracts or [
        contract("VS-001", "Victims Assessment and Referral Centre", "Thames Valley Victim Hub",
                 250_000, 1_200, 2),
        contract("VS-002", "Independent Sexual Violence Advisers", "Safe Voices Trust",
                 180_000, 500, 3),
        contract("VS-003", "Restorative Justice", "Restore Together Ltd", 80_000, 200, 4),
    ]
    sla = sla if sla is not None else [
        SlaKpi("VS-001", "VS01", None, None, True, q1, 2),
        SlaKpi("VS-001", "VS02", 0.90, 0.80, True, q1, 3),
        SlaKpi("VS-001", "VS05", 2.0, 3.0, True, q1, 4),
        SlaKpi("VS-002", "VS02", 0.90, 0.80, True, q1, 5),
        SlaKpi("VS-002", "VS07", 110, 100, True, q1, 6),
        SlaKpi("VS-002", "VS19", 20, 30, False, q1, 7),
        SlaKpi("VS-003", "VS02", 0.85, 0.75, True, q1, 8),
        SlaKpi("VS-003", "VS05", 2.0, 3.0, False, q1, 9),
    ]
    budgets = budgets if budgets is not None else [
        Budget("VS-001", 2026, "Staff", 200_000, 2),
        Budget("VS-001", 2026, "Running costs", 50_000, 3),
        Budget("VS-002", 2026, "Staff", 150_000, 4),
        Budget("VS-002", 2026, "Premises", 30_000, 5),
        Budget("VS-003", 2026, "Staff", 60_000, 6),
        Budget("VS-003", 2026, "Training", 20_000, 7),
    ]
    audits = [Audit(c.contract_id, date(2026, 3, 10), "financial", "OPCC", None, row=i + 2)
              for i, c in enumerate(contracts)]
    return Register(contracts={c.contract_id: c for c in contracts}, kpis=dict(KPIS), sla=sla,
                    budgets=budgets, audits=audits, settings=settings or Settings(),
                    path="register.xlsx")


# --- hand-built ledger rows ------------------------------------------------------------------


@dataclass(frozen=True)
class Sub:
    id: int
    contract_id: str
    period: Period
    kind: str
    file: str  # the name evidence uses
    original_name: str


class LedgerBuilder:
    """Inserts ledger rows the way ingest would leave them (schema_v1)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(self.path))
        self.conn.executescript(SCHEMA.read_text(encoding="utf-8"))
        self.conn.execute("INSERT INTO schema_version (version) VALUES (1)")
        self._n = 0

    def submission(self, cid, period: Period, kind, *, status="accepted", version=1,
                   received="2027-01-15T10:00:00+00:00", errors=0, queries=0, warnings=0,
                   original_name=None, feedback_path=None, archived=None) -> Sub:
        self._n += 1
        sha = hashlib.sha256(f"{cid}|{period.label}|{kind}|{self._n}".encode()).hexdigest()
        original = original_name or f"{cid} {kind} {period.slug} ({self._n}).xlsx"
        archived = status in ("accepted", "superseded") if archived is None else archived
        archive_path = None
        if archived:
            name = f"{cid}_{kind}_v{version}_{sha[:12]}.xlsx"
            archive_path = f"archive/{period.fy_label}/{period.q_label}/{cid}/{name}"
        cur = self.conn.execute(
            "INSERT INTO submissions (sha256, original_name, received_at, ingested_at, "
            "contract_id, fy, quarter, kind, template_version, status, version, archive_path, "
            "prepared_by, approved_by, signoff_date, errors, queries, warnings, feedback_path) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (sha, original, received, received, cid, period.fy, period.quarter, kind, 1, status,
             version if archived else None, archive_path, "Preparer", "Approver",
             received[:10], errors, queries, warnings, feedback_path))
        file = archive_path.rsplit("/", 1)[1] if archive_path else original
        return Sub(cur.lastrowid, cid, period, kind, file, original)

    def supersede(self, old: Sub, new: Sub) -> None:
        self.conn.execute("UPDATE submissions SET status='superseded', superseded_by=? "
                          "WHERE id=?", (new.id, old.id))

    def kpi(self, sub: Sub, code, row, *, actual=None, numerator=None, denominator=None,
            target=None, amber=None, commentary=None):
        if actual is None and numerator is not None and denominator:
            actual = numerator / denominator
        cell = f"E{row}" if numerator is not None else f"G{row}"
        self.conn.execute(
            "INSERT INTO kpi_values VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (sub.id, sub.contract_id, sub.period.fy, sub.period.quarter, code, numerator,
             denominator, actual, target, amber, commentary, "Performance", cell))

    def fin(self, sub: Sub, line, row, *, annual, qb, qa, ytd, forecast, explanation=None):
        self.conn.execute(
            "INSERT INTO financial_lines VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (sub.id, sub.contract_id, sub.period.fy, sub.period.quarter, line, annual, qb, qa,
             ytd, forecast, explanation, "Finance", row))

    def incident(self, sub: Sub, row, *, date="2026-11-03", description="Incident",
                 clients=0, cost=0, harm="N", negligence="N", reputational="N",
                 action="Reviewed", category=None):
        self.conn.execute(
            "INSERT INTO incidents (submission_id, contract_id, fy, quarter, date, description,"
            " clients_affected, estimated_cost, harm_caused, provider_negligence,"
            " reputational_risk, action_taken, sheet, row) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (sub.id, sub.contract_id, sub.period.fy, sub.period.quarter, date, description,
             clients, cost, harm, negligence, reputational, action, "Incidents", row))
        if category is not None:  # a template version 2 return: the ledger at schema v2
            self._schema_v2()
            self.conn.execute("UPDATE incidents SET category = ? WHERE submission_id = ?"
                              " AND row = ?", (category, sub.id, row))

    def _schema_v2(self):
        if self.conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] >= 2:
            return
        self.conn.executescript(SCHEMA_V2.read_text(encoding="utf-8"))
        self.conn.execute("DELETE FROM schema_version")
        self.conn.execute("INSERT INTO schema_version (version) VALUES (2)")

    def complaint(self, sub: Sub, row, *, date_received="2026-11-10", category="Service",
                  summary="Complaint", outcome="Upheld", resolved="2026-11-20"):
        self.conn.execute(
            "INSERT INTO complaints VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (sub.id, sub.contract_id, sub.period.fy, sub.period.quarter, date_received,
             category, summary, outcome, resolved, "Complaints", row))

    def restatement(self, new: Sub, old: Sub, item, old_value, new_value):
        self.conn.execute("INSERT INTO restatements VALUES (?,?,?,?,?)",
                          (new.id, old.id, item, old_value, new_value))

    def close(self) -> Path:
        self.conn.commit()
        self.conn.close()
        return self.path


@dataclass
class Scenario:
    ledger: Path
    subs: dict[str, Sub]


def build(path: Path) -> Scenario:
    """Write the golden scenario's ledger at ``path``."""
    b = LedgerBuilder(path)
    s: dict[str, Sub] = {}

    # 2026-27 Q2: every return accepted and on time.
    s["p1_q2"] = p = b.submission("VS-001", PREVIOUS, "performance", received="2026-10-10T09:00:00+00:00")
    b.kpi(p, "VS01", 5, actual=400)
    b.kpi(p, "VS02", 6, numerator=690, denominator=750)  # 92.0% green
    b.kpi(p, "VS05", 7, numerator=1200, denominator=600)  # 2.0 days: green at target
    s["f1_q2"] = f = b.submission("VS-001", PREVIOUS, "financial", received="2026-10-10T09:05:00+00:00")
    b.fin(f, "Staff", 5, annual=200_000, qb=50_000, qa=49_000, ytd=99_000, forecast=200_000)
    b.fin(f, "Running costs", 6, annual=50_000, qb=12_500, qa=12_500, ytd=25_000, forecast=50_000)

    s["p2_q2"] = p = b.submission("VS-002", PREVIOUS, "performance", received="2026-10-12T09:00:00+00:00")
    b.kpi(p, "VS02", 5, numerator=280, denominator=400)  # 70.0% red: 360 - 280 = 80 people short
    b.kpi(p, "VS07", 6, actual=112)  # green
    b.kpi(p, "VS19", 7, actual=25)  # amber (lower is better, 20 / 30)
    s["f2_q2"] = f = b.submission("VS-002", PREVIOUS, "financial", received="2026-10-12T09:05:00+00:00")
    b.fin(f, "Staff", 5, annual=150_000, qb=37_500, qa=37_500, ytd=75_000, forecast=150_000)
    b.fin(f, "Premises", 6, annual=30_000, qb=7_500, qa=7_500, ytd=15_000, forecast=30_000)

    s["p3_q2"] = p = b.submission("VS-003", PREVIOUS, "performance", received="2026-10-20T09:00:00+00:00")
    b.kpi(p, "VS02", 5, numerator=80, denominator=100)  # 80.0% amber (85% / 75%)
    b.kpi(p, "VS05", 6, numerator=250, denominator=100)  # 2.5 days amber
    s["f3_q2"] = f = b.submission("VS-003", PREVIOUS, "financial", received="2026-10-20T09:05:00+00:00")
    b.fin(f, "Staff", 5, annual=60_000, qb=15_000, qa=15_000, ytd=30_000, forecast=60_000)
    b.fin(f, "Training", 6, annual=20_000, qb=5_000, qa=5_000, ytd=10_000, forecast=20_000)

    # 2026-27 Q3.
    # VS-001 performance: v1 on time, then v2 (restated) after the deadline; v1 is superseded.
    s["p1_v1"] = v1 = b.submission("VS-001", PERIOD, "performance", received="2027-01-15T10:00:00+00:00")
    b.kpi(v1, "VS01", 5, actual=420)
    b.kpi(v1, "VS02", 6, numerator=780, denominator=1000)  # 78% red, but superseded
    b.kpi(v1, "VS05", 7, numerator=1500, denominator=500)
    b.incident(v1, 5, description="Superseded version only", cost=100_000, clients=500)
    s["p1"] = v2 = b.submission("VS-001", PERIOD, "performance", version=2,
                                received="2027-02-02T11:00:00+00:00")
    b.supersede(v1, v2)
    b.kpi(v2, "VS01", 5, actual=420, commentary="Referrals steady")
    b.kpi(v2, "VS02", 6, numerator=800, denominator=1000,  # 80.0%: exactly amber → Amber
          commentary="-5 on target: two vacancies")
    b.kpi(v2, "VS05", 7, numerator=1500, denominator=500)  # 3.0 days: exactly amber → Amber
    b.incident(v2, 5, date="2026-11-03", description="Laptop stolen from office", cost=24_999,
               clients=0, action="Police informed; data wiped remotely")
    b.incident(v2, 6, date="2026-12-01", description=HYPERLINK, cost=0, clients=119,
               action="+ call back arranged")
    b.complaint(v2, 5, summary="Waited two weeks for a call", outcome="Upheld")
    b.restatement(v2, v1, "VS02 Numerator", "780", "800")
    b.restatement(v2, v1, "VS02 Actual", "0.78", "0.8")
    s["f1"] = f = b.submission("VS-001", PERIOD, "financial", received="2027-01-20T10:00:00+00:00")
    b.fin(f, "Staff", 5, annual=200_000, qb=50_000, qa=50_000, ytd=149_000, forecast=200_000)
    b.fin(f, "Running costs", 6, annual=50_000, qb=12_500, qa=6_000, ytd=31_000, forecast=44_000,
          explanation="-£6,500: vacancy saving")

    # VS-002: performance received Monday 1 Feb 2027, one working day late.
    s["p2"] = p = b.submission("VS-002", PERIOD, "performance", received="2027-02-01T10:00:00+00:00")
    b.kpi(p, "VS02", 5, numerator=288, denominator=400,  # red again: 72 people short
          commentary="Staff sickness")
    b.kpi(p, "VS07", 6, actual=99, commentary="@team stretched")  # one below amber 100 → Red
    b.kpi(p, "VS19", 7, actual=20)  # exactly target, lower is better → Green
    b.incident(p, 5, date="2026-10-14", description="Client harmed after missed safety plan",
               cost=18_000, clients=3, harm="Y", negligence="Y", reputational="N",
               action="Serious case review")
    b.incident(p, 6, date="2026-12-09", description="Local press story about waiting times",
               cost=0, clients=50, harm="N", negligence="N", reputational="Y",
               action="Press statement agreed with OPCC")
    b.complaint(p, 5, summary="+44 7700 900123 asked for a call back", outcome="Open",
                resolved=None)
    b.complaint(p, 6, category="Staff", summary="@mention on social media", outcome="Not upheld")
    s["f2"] = f = b.submission("VS-002", PERIOD, "financial", received="2027-01-28T10:00:00+00:00")
    b.fin(f, "Staff", 5, annual=150_000, qb=37_500, qa=45_000, ytd=120_000, forecast=157_500,
          explanation="Agency cover for sickness")
    b.fin(f, "Premises", 6, annual=30_000, qb=7_500, qa=7_500, ytd=22_500, forecast=30_000)

    # VS-003: performance rejected; financial never sent.
    s["p3"] = b.submission("VS-003", PERIOD, "performance", status="rejected",
                           received="2027-01-20T10:00:00+00:00", errors=2, queries=1,
                           original_name="RJ Q3 performance.xlsx",
                           feedback_path="outbox/feedback/2026-27-Q3/VS-003_performance_feedback.xlsx")
    return Scenario(b.close(), s)


# --- what the workbook must say, worked out by hand ---------------------------------------


def expected_flags(sc: Scenario) -> list[tuple[str, str, str, str, tuple[str, ...]]]:
    """(contract, flag, severity, recommended action, evidence cells) in Risk Flags order:
    by contract, then issue (strongest action first), then flag (most serious first)."""
    s = sc.subs
    p1, f1, p2, f2, p2q2 = s["p1"].file, s["f1"].file, s["p2"].file, s["f2"].file, s["p2_q2"].file
    return [
        ("VS-001", "FINANCE_UNDERSPEND", "Amber", NORMAL, (f"{f1} Finance!D6",)),
        ("VS-001", "KPI_AMBER", "Amber", MONITOR, (f"{p1} Performance!E6",)),
        ("VS-001", "KPI_AMBER", "Amber", MONITOR, (f"{p1} Performance!E7",)),
        ("VS-002", "SIGNIFICANT_FAILURE", "Red", IMMEDIATE,
         (f"{p2} Incidents!C6", f"{p2} Incidents!G6")),
        ("VS-002", "SIGNIFICANT_FAILURE", "Red", IMMEDIATE,
         (f"{p2} Incidents!D5", f"{p2} Incidents!E5", f"{p2} Incidents!F5")),
        ("VS-002", "SIGNIFICANT_FAILURE", "Red", IMMEDIATE,
         (f"{p2} Performance!E5", f"{p2q2} Performance!E5")),
        ("VS-002", "KPI_RED_CONSECUTIVE", "Red", INFORMAL,
         (f"{p2} Performance!E5", f"{p2q2} Performance!E5")),
        ("VS-002", "KPI_RED", "Red", NORMAL, (f"{p2} Performance!E5",)),
        ("VS-002", "KPI_RED", "Red", NORMAL, (f"{p2} Performance!G6",)),
        ("VS-002", "FINANCE_OVERSPEND", "Amber", NORMAL, (f"{f2} Finance!D5",)),
        ("VS-002", "FORECAST_OVER_VALUE", "Amber", NORMAL, (f"{f2} Finance!F5:F6",)),
        ("VS-002", "RETURN_LATE", "Amber", NORMAL, (p2,)),
        ("VS-003", "RETURN_MISSING", "Red", NORMAL, ("register.xlsx Contracts row 4",)),
        ("VS-003", "RETURN_REJECTED", "Red", NORMAL, ("RJ Q3 performance.xlsx",)),
    ]


# The Issue column of those rows, in the same order.
EXPECTED_ISSUES = [
    "Spending below budget", "VS02 Referrals successfully contacted",
    "VS05 Average days to first contact",
    "Incident on 9 Dec 2026 (Incidents row 6)", "Incident on 14 Oct 2026 (Incidents row 5)",
    *["VS02 Referrals successfully contacted"] * 3, "VS07 Victims supported (new)",
    "Spending above budget", "Spending above budget", "Performance return",
    "Financial return", "Performance return",
]


# Contract ID → (performance RAG, finance RAG, overall, flags, recommended action)
EXPECTED_CONTRACTS = {
    "VS-001": ("Amber", "Amber", "Amber", 3, NORMAL),
    "VS-002": ("Red", "Amber", "Red", 9, IMMEDIATE),
    "VS-003": ("No return", "No return", "Red", 2, NORMAL),
}

# (contract, KPI) → (actual, RAG word, 2026-27 Q2 actual, previous RAG, red quarters in a row)
EXPECTED_KPIS = {
    ("VS-001", "VS01"): (420, "For information", 400, None, 0),
    ("VS-001", "VS02"): (0.8, "Amber", 0.92, "Green", 0),
    ("VS-001", "VS05"): (3.0, "Amber", 2.0, "Green", 0),
    ("VS-002", "VS02"): (0.72, "Red", 0.70, "Red", 2),
    ("VS-002", "VS07"): (99, "Red", 112, "Green", 1),
    ("VS-002", "VS19"): (20, "Green", 25, "Amber", 0),
    ("VS-003", "VS02"): (None, "No return", 0.8, "Amber", 0),
    ("VS-003", "VS05"): (None, "No return", 2.5, "Amber", 0),
}

# Finance "Contract total" rows: quarter budget, quarter actual, YTD budget, YTD actual,
# forecast outturn, annual contract value.
EXPECTED_FINANCE = {
    "VS-001": (62_500, 56_000, 187_500, 180_000, 244_000, 250_000),
    "VS-002": (45_000, 52_500, 135_000, 142_500, 187_500, 180_000),
}

# Returns sheet: (contract, return) → (status, version, working days late)
EXPECTED_RETURNS = {
    ("VS-001", "Performance"): ("Accepted", 2, None),
    ("VS-001", "Financial"): ("Accepted", 1, None),
    ("VS-002", "Performance"): ("Accepted late", 1, 1),
    ("VS-002", "Financial"): ("Accepted", 1, None),
    ("VS-003", "Performance"): ("Rejected", None, None),
    ("VS-003", "Financial"): ("Missing", None, None),
}

EXPECTED_COUNTS = {"expected": 6, "received": 5, "accepted": 4, "late": 1, "rejected": 1,
                   "missing": 1, "not_yet_due": 0}
