"""A golden scenario through REAL returns: templates written, filled in, dropped into inbox/.

Unlike quarter_scenario.py (which writes ledger rows directly), every figure here reaches the
SMG workbook the way a provider's does: ``write_templates`` → ``fill_return`` → a file in
``inbox/`` whose modification time is its received time → ``pipeline.consolidate``.

The register is the builders' register (tests/builders.py) with these changes, so that the
scenario needs no calendar flags and has a contract that sends nothing usable:

- VS-002 runs to 31 Mar 2029 (the builders' 31 Mar 2027 would make exit-notice flags due);
- VS-002's SLA also has WAITDAYS (target 2 days, amber 3 days, lower is better), SLA row 13;
- VS-004, domestic abuse outreach (Beacon Outreach Ltd, £200,000, 500 clients), Contracts
  row 5: CONTACT48 90%/85% (SLA row 14), SUPPORTED 100/90 (SLA row 15), two budget lines;
- one audit per active contract on 15 Sep 2026 (within 12 months, not more than one).

VS-003 ended on 31 Mar 2026 and is not active in 2026-27: it must appear nowhere.

Two quarters, each dropped and consolidated in turn.

2026-27 Q2 (due 28 Oct 2026), consolidated as of 16 Nov 2026; every file received on
20 Oct 2026 at 09:0x UTC (10:0x UK summer time):

- VS-001 performance: CONTACT48 184/200 = 92.0% (target 90% before Q3), SUPPORTED 630,
  WAITDAYS 90/50 = 1.8, REFERRALS 1,200, SATISFY 4.2 → all Green.
- VS-001 and VS-002 financial: every line on budget (quarter = annual ÷ 4, year to date =
  annual ÷ 2, forecast = annual); no Q1 return, but the ledger holds no earlier quarter of
  the year for anyone (the workspace's first quarter): year to date unchecked, unsaid.
- VS-002 performance: CONTACT48 150/200 = 75.0% (amber 80%) → KPI_RED; SUPPORTED 160;
  SATISFY 4.5; WAITDAYS 125/50 = 2.5 → KPI_AMBER.
- VS-004: nothing → RETURN_MISSING twice.

2026-27 Q3 (due 29 Jan 2027: 20 working days after 31 Dec 2026, 1 Jan skipped),
consolidated as of 15 Feb 2027 (GMT: UK time = UTC). Inputs → expected:

- VS-001 performance v1, 18 Jan 09:00: as v2 but SUPPORTED 520 (red) and REFERRALS 1,250
  → superseded by v2; never cited.
- VS-001 financial, 20 Jan 09:00: on budget, YTD = Q2 YTD + quarter → Finance Green.
- VS-001 performance v2, 22 Jan 09:00 → version 2, restatements "SUPPORTED Actual" 520 → 540
  and "REFERRALS Actual" 1250 → 1260; WAITDAYS 1.8 → 3.0 (+66.7%) is queried and explained:
  - CONTACT48 190/200 = 95.0%, target 95% → Green at the edge;
  - SUPPORTED 540, amber threshold 540 (higher is better) → KPI_AMBER at the edge;
  - WAITDAYS 150/50 = 3.0, amber threshold 3 (lower is better) → KPI_AMBER at the edge;
  - SATISFY 3.4, amber threshold 3.5 (not mandatory) → KPI_RED only;
  - an incident affecting 899 clients (< 900 = 10% of 9,000) costing £124,999
    (< £125,000 = 10% of £1,250,000) → no significant failure.
- VS-002 performance, 25 Jan 09:00:
  - CONTACT48 150/200 = 75.0%, red again after Q2 (mandatory), exactly 10 points
    below its 85% target → KPI_RED,
    KPI_RED_CONSECUTIVE, SIGNIFICANT_FAILURE (ongoing issue);
  - WAITDAYS 151/50 = 3.02, just above amber threshold 3 (lower is better) → KPI_RED;
  - an incident affecting 90 clients = exactly 10% of 900 → SIGNIFICANT_FAILURE.
- VS-004 performance, 26 Jan 09:00: CONTACT48 numerator 120 > denominator 100 → rejected
  (stays in the inbox), nothing accepted, deadline passed → RETURN_REJECTED, Red.
- VS-002 financial, 2 Feb 10:00 (Tue; deadline Fri 29 Jan) → RETURN_LATE, 2 working days:
  - ISVA salaries £100,000 against £87,500 (+14.3%, explained); the quarter total £117,500
    against £105,000 is +11.9% (past 10%, within 20%) → FINANCE_OVERSPEND, Amber;
  - forecast £380,000 + £30,000 + £40,000 = £450,000, £30,000 over the £420,000 contract
    value (within 10% of it) → FORECAST_OVER_VALUE, Amber.
- VS-004 financial: never sent → RETURN_MISSING.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import builders as b
from cm_excel.periods import Period
from cm_excel.register.model import Audit, Budget, Contract, Register, SlaKpi
from cm_excel.templates.fill import fill_return
from cm_excel.templates.writer import write_templates

UTC = timezone.utc
Q2, Q3 = Period(2026, 2), Period(2026, 3)
AS_OF_Q2, AS_OF = date(2026, 11, 16), date(2027, 2, 15)
DEADLINE_Q2, DEADLINE = date(2026, 10, 28), date(2027, 1, 29)
NOW_Q2 = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)  # when ingest runs (ledger's ingested_at)
NOW = datetime(2027, 2, 15, 8, 0, tzinfo=UTC)

PERCENT, COUNT, DAYS, INFO, SCORE = b.PERCENT, b.COUNT, b.DAYS, b.INFO, b.SCORE
PERF, FIN = "performance", "financial"


# --- the register ---------------------------------------------------------------------------


def register() -> Register:
    """The builders' register with VS-002 extended and given WAITDAYS, VS-004 added, audits."""
    base = b.make_register()
    contracts = dict(base.contracts)
    contracts["VS-002"] = replace(contracts["VS-002"], end_date=date(2029, 3, 31))
    contracts["VS-004"] = Contract(
        "VS-004", "Domestic abuse outreach", "Beacon Outreach Ltd",
        "Kim Lowe, Outreach Manager", "Pat Quinn, Chief Executive", "Jo Reid", "Chris Young",
        200_000.0, 500, date(2025, 4, 1), date(2029, 3, 31), None, "active", row=5)
    sla = list(base.sla) + [
        SlaKpi("VS-002", DAYS, 2.0, 3.0, True, Period(2025, 1), row=13),
        SlaKpi("VS-004", PERCENT, 0.90, 0.85, True, Period(2025, 1), row=14),
        SlaKpi("VS-004", COUNT, 100, 90, True, Period(2025, 1), row=15),
    ]
    budgets = list(base.budgets) + [
        Budget("VS-004", 2026, "Outreach workers", 160_000.0, row=14),
        Budget("VS-004", 2026, "Running costs", 40_000.0, row=15),
    ]
    audits = [Audit(cid, date(2026, 9, 15), "case file", "Lead officer", "Satisfactory", row=i + 2)
              for i, cid in enumerate(("VS-001", "VS-002", "VS-004"))]
    return replace(base, contracts=contracts, sla=sla, budgets=budgets, audits=audits)


# --- the returns ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drop:
    """One provider file: what it holds, its inbox name and when it was saved there (UTC)."""

    key: str
    contract_id: str
    kind: str
    period: Period
    inbox_name: str
    received: datetime
    kpis: dict = field(default_factory=dict)
    lines: dict = field(default_factory=dict)
    tables: dict = field(default_factory=dict)


def kpi(numerator=None, denominator=None, *, actual=None, note="As expected.") -> dict:
    out = {"Commentary": note}
    if numerator is not None:
        out.update({"Numerator": numerator, "Denominator": denominator})
    if actual is not None:
        out["Actual"] = actual
    return out


def on_budget(reg: Register, cid: str, period: Period) -> dict:
    return b.good_lines(reg, cid, period)


def q2_drops(reg: Register) -> list[Drop]:
    at = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
    return [
        Drop("q2_vs001_perf", "VS-001", PERF, Q2, "Horizon Q2 KPIs.xlsx", at, kpis={
            PERCENT: kpi(184, 200), COUNT: kpi(actual=630), DAYS: kpi(90, 50),
            INFO: kpi(actual=1200), SCORE: kpi(actual=4.2)}),
        Drop("q2_vs001_fin", "VS-001", FIN, Q2, "Horizon Q2 finance.xlsx",
             at + timedelta(minutes=1), lines=on_budget(reg, "VS-001", Q2)),
        Drop("q2_vs002_perf", "VS-002", PERF, Q2, "Safe Harbour Q2 performance.xlsx",
             at + timedelta(minutes=2), kpis={
                 PERCENT: kpi(150, 200, note="Two ISVA vacancies this quarter."),
                 COUNT: kpi(actual=160), SCORE: kpi(actual=4.5), DAYS: kpi(125, 50)}),
        Drop("q2_vs002_fin", "VS-002", FIN, Q2, "Safe Harbour Q2 finance.xlsx",
             at + timedelta(minutes=3), lines=on_budget(reg, "VS-002", Q2)),
    ]


VS001_Q3 = {  # v2; v1 differs in SUPPORTED (520) and REFERRALS (1,250)
    PERCENT: kpi(190, 200), COUNT: kpi(actual=540), DAYS: kpi(150, 50, note="Winter backlog."),
    INFO: kpi(actual=1260), SCORE: kpi(actual=3.4, note="New survey question; action plan agreed."),
}
VS001_INCIDENT = {  # just under both 10% thresholds: no flag
    "Date": date(2026, 11, 12), "Description": "Data breach: letters sent to wrong addresses",
    "Clients Affected": 899, "Estimated Cost (£)": 124_999, "Harm Caused": "N",
    "Provider Negligence": "N", "Reputational Risk": "N",
    "Action Taken": "ICO informed; mail merge checks added",
    "Category": "Other"}  # the provider's choice; category flags: test_golden_reports.py
VS002_INCIDENT = {  # exactly 10% of the client group of 900
    "Date": date(2026, 12, 3), "Description": "Case system outage; appointments cancelled",
    "Clients Affected": 90, "Estimated Cost (£)": 2_500, "Harm Caused": "N",
    "Provider Negligence": "N", "Reputational Risk": "N",
    "Action Taken": "Appointments rebooked within a week", "Category": "Service failure"}
ISVA_EXPLANATION = "Agency cover for two vacant ISVA posts"


def q3_drops(reg: Register) -> list[Drop]:
    def at(month, day, hour=9):
        year = 2027 if month < 4 else 2026
        return datetime(year, month, day, hour, 0, tzinfo=UTC)

    v1 = dict(VS001_Q3, **{COUNT: kpi(actual=520, note="Referrals down."),
                           INFO: kpi(actual=1250)})
    vs002_lines = on_budget(reg, "VS-002", Q3)
    vs002_lines["ISVA salaries"] = {"Quarter Actual": 100_000, "Year To Date Actual": 275_000,
                                    "Forecast Outturn": 380_000,
                                    "Variance Explanation": ISVA_EXPLANATION}
    return [
        Drop("vs001_perf_v1", "VS-001", PERF, Q3, "Horizon Q3 KPIs.xlsx", at(1, 18),
             kpis=v1, tables={"Incidents": [VS001_INCIDENT]}),
        Drop("vs001_fin", "VS-001", FIN, Q3, "Horizon Q3 finance.xlsx", at(1, 20),
             lines=on_budget(reg, "VS-001", Q3)),
        Drop("vs001_perf_v2", "VS-001", PERF, Q3, "Horizon Q3 KPIs CORRECTED.xlsx", at(1, 22),
             kpis=dict(VS001_Q3), tables={"Incidents": [VS001_INCIDENT]}),
        Drop("vs002_perf", "VS-002", PERF, Q3, "Safe Harbour Q3 performance.xlsx", at(1, 25),
             kpis={PERCENT: kpi(150, 200, note="Vacancies still not filled."),
                   COUNT: kpi(actual=160), SCORE: kpi(actual=4.5),
                   DAYS: kpi(151, 50, note="Outage delayed first sessions.")},
             tables={"Incidents": [VS002_INCIDENT]}),
        Drop("vs004_perf", "VS-004", PERF, Q3, "Beacon Q3 return.xlsx", at(1, 26),
             kpis={PERCENT: kpi(120, 100), COUNT: kpi(actual=95)}),
        Drop("vs002_fin", "VS-002", FIN, Q3, "Safe Harbour Q3 finance.xlsx", at(2, 2, 10),
             lines=vs002_lines),
    ]


def drop(drops: list[Drop], reg: Register, inbox: Path, templates: Path) -> dict[str, bytes]:
    """Write each return into ``inbox`` from freshly written templates, set its mtime to its
    received time, and return key → the bytes dropped."""
    by_period: dict[Period, dict[tuple[str, str], Path]] = {}
    dropped = {}
    inbox.mkdir(parents=True, exist_ok=True)
    for d in drops:
        if d.period not in by_period:
            paths = write_templates(reg, d.period, templates / d.period.slug)
            by_period[d.period] = {tuple(p.name.split("_")[:2]): p for p in paths}
        template = by_period[d.period][(d.contract_id, d.kind)]
        path = fill_return(template, inbox / d.inbox_name, kpis=d.kpis, lines=d.lines,
                           tables=d.tables, sign_off=b.sign_off_for(d.period))
        stamp = d.received.timestamp()
        os.utime(path, (stamp, stamp))
        dropped[d.key] = path.read_bytes()
    return dropped
