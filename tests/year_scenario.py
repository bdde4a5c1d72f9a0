"""A small golden year for the annual workbook, built in code: 2026-27, as of 1 Jun 2027
(every return of the year due), and one quarter of 2025-26 for the year-on-year change.

VS-001 returns every quarter. Its KPIs cover every Annual Aggregation:

| KPI  | rule          | Q1      | Q2       | Q3            | Q4      | year                     |
| VS01 | sum (info)    | 300     | 320      | 280           | 300     | 1,200, Steady            |
| VS02 | ratio of sums | 45/50   | 10/100   | 90/100        | 95/100  | 240/350 = 68.57% Red     |
| VS05 | ratio (days)  | 100/50  | 300/100  | 150/100       | 200/100 | 750/350 = 2.142857 Amber |
| VS07 | sum (110/q)   | 100     | 120      | not reported  | 130     | 350 vs 330 Green, 3 of 4 |
| VS19 | latest (low)  | 30      | 25       | 22            | 18      | 18 vs 20 Green           |
| VS26 | mean          | 6.0     | 7.0      | 8.0           | 7.5     | 7.125 Green              |

VS02's quarterly denominators differ: the mean of its percentages would be 71.25%, the
ratio of sums is 68.57%. 2025-26 Q4 had VS02 80/100 and VS01 250.

VS-001's incidents: Safeguarding in Q1 and Q3, Service failure in Q3, one without a Category
in Q4. Its Q3 complaint (open) is repeated in Q4 with its outcome: counted once, as partly
upheld.

VS-002: no performance return in Q2, one rejected in Q3 (both gaps, not zeros); no
financial return in Q4 (outturn is the Q3 forecast).
"""

from __future__ import annotations

from datetime import date

from cm_excel.periods import Period, return_deadline
from cm_excel.register.model import (
    Audit, Budget, Contract, Dispute, ExitPlan, Kpi, Register, Settings, SlaKpi,
)
from quarter_scenario import LedgerBuilder

FY = 2026
AS_OF = date(2027, 6, 1)
Q = {q: Period(FY, q) for q in (1, 2, 3, 4)}
PREVIOUS_Q4 = Period(FY - 1, 4)

KPIS = {
    "VS01": Kpi("VS01", "Referrals received", "New referrals", "count", "for information", "sum", 2),
    "VS02": Kpi("VS02", "Referrals successfully contacted", "Contacted / valid", "percent",
                "higher is better", "ratio of sums", 3),
    "VS05": Kpi("VS05", "Average days to first contact", "Total days / contacted", "days",
                "lower is better", "ratio of sums", 4),
    "VS07": Kpi("VS07", "Victims supported (new)", "New victims", "count", "higher is better",
                "sum", 5),
    "VS19": Kpi("VS19", "Waiting list at quarter end", "Victims waiting", "count",
                "lower is better", "latest", 6),
    "VS26": Kpi("VS26", "Wellbeing score at exit", "Mean score", "score", "higher is better",
                "mean", 7),
}


def _contract(cid, provider, value, group, row, deputy="Deputy Officer"):
    return Contract(cid, f"Service {cid}", provider, f"{provider} manager", f"{provider} chief",
                    f"Lead {cid}", deputy, value, group, date(2024, 4, 1), date(2029, 3, 31),
                    None, "active", row)


def register() -> Register:
    q1 = Period(2024, 1)
    contracts = [_contract("VS-001", "Hub Provider Ltd", 200_000.0, 1_000, 2),
                 _contract("VS-002", "Second Provider Trust", 100_000.0, 400, 3)]
    sla = [
        SlaKpi("VS-001", "VS01", None, None, True, q1, 2),
        SlaKpi("VS-001", "VS02", 0.90, 0.80, True, q1, 3),
        SlaKpi("VS-001", "VS05", 2.0, 3.0, True, q1, 4),
        SlaKpi("VS-001", "VS07", 110, 100, True, q1, 5),
        SlaKpi("VS-001", "VS19", 20, 30, False, q1, 6),
        SlaKpi("VS-001", "VS26", 7.0, 6.0, False, q1, 7),
        SlaKpi("VS-002", "VS02", 0.85, 0.75, True, q1, 8),
        SlaKpi("VS-002", "VS07", 50, 40, True, q1, 9),
    ]
    budgets = [Budget("VS-001", FY, "Staff", 160_000, 2), Budget("VS-001", FY, "Running", 40_000, 3),
               Budget("VS-002", FY, "Staff", 80_000, 4), Budget("VS-002", FY, "Training", 20_000, 5)]
    audits = [Audit("VS-001", date(2026, 6, 10), "case file", "OPCC", "Good", 2),
              Audit("VS-002", date(2025, 1, 15), "financial", "OPCC", "Adequate", 3)]
    disputes = [Dispute("VS-002", date(2027, 2, 1), "formal", "Formal meeting",
                        date(2027, 2, 3), None, "open", "Missing returns", 2)]
    exits = [ExitPlan("VS-002", "re-tender", date(2027, 1, 10), None, None, None, 2)]
    return Register(contracts={c.contract_id: c for c in contracts}, kpis=dict(KPIS), sla=sla,
                    budgets=budgets, audits=audits, disputes=disputes, exits=exits,
                    settings=Settings(), path="register.xlsx")


def on_time(period: Period) -> str:
    """Received ten days after the quarter ends: before every deadline."""
    d = period.end.toordinal() + 10
    return f"{date.fromordinal(d).isoformat()}T10:00:00+00:00"


def late(period: Period) -> str:
    d = return_deadline(period, 20).toordinal() + 3
    return f"{date.fromordinal(d).isoformat()}T10:00:00+00:00"


VS001_KPIS = {  # quarter → {code: actual or (numerator, denominator)}
    1: {"VS01": 300, "VS02": (45, 50), "VS05": (100, 50), "VS07": 100, "VS19": 30, "VS26": 6.0},
    2: {"VS01": 320, "VS02": (10, 100), "VS05": (300, 100), "VS07": 120, "VS19": 25, "VS26": 7.0},
    3: {"VS01": 280, "VS02": (90, 100), "VS05": (150, 100), "VS19": 22, "VS26": 8.0},
    4: {"VS01": 300, "VS02": (95, 100), "VS05": (200, 100), "VS07": 130, "VS19": 18, "VS26": 7.5},
}


def _kpis(b: LedgerBuilder, sub, values: dict) -> None:
    for row, (code, value) in enumerate(values.items(), start=5):
        if isinstance(value, tuple):
            b.kpi(sub, code, row, numerator=value[0], denominator=value[1])
        else:
            b.kpi(sub, code, row, actual=value)


def risk(b: LedgerBuilder, sub, row, text, status="Open"):
    b.conn.execute("INSERT INTO risks VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                   (sub.id, sub.contract_id, sub.period.fy, sub.period.quarter, text, "Medium",
                    "High", "Mitigation", "Owner", status, "Risks", row))


def action(b: LedgerBuilder, sub, row, text, status, progress, due="2027-06-30"):
    b.conn.execute("INSERT INTO improvements VALUES (?,?,?,?,?,?,?,?,?,?)",
                   (sub.id, sub.contract_id, sub.period.fy, sub.period.quarter, text, due,
                    status, progress, "Improvements", row))


def build(path) -> dict:
    """Write the ledger; return the submissions by name."""
    b = LedgerBuilder(path)
    s = {}
    # the previous year: VS-001 2025-26 Q4 only
    s["prev"] = p = b.submission("VS-001", PREVIOUS_Q4, "performance", received=on_time(PREVIOUS_Q4))
    b.kpi(p, "VS01", 5, actual=250)
    b.kpi(p, "VS02", 6, numerator=80, denominator=100)
    s["prev_f"] = f = b.submission("VS-001", PREVIOUS_Q4, "financial", received=on_time(PREVIOUS_Q4))
    b.fin(f, "Staff", 5, annual=150_000, qb=37_500, qa=37_000, ytd=149_000, forecast=149_000)
    b.fin(f, "Running", 6, annual=40_000, qb=10_000, qa=10_000, ytd=41_000, forecast=41_000)

    staff_ytd = running_ytd = 0.0
    for q in (1, 2, 3, 4):
        period = Q[q]
        received = late(period) if q == 2 else on_time(period)
        s[f"p1_q{q}"] = p = b.submission("VS-001", period, "performance", received=received)
        _kpis(b, p, VS001_KPIS[q])
        staff = 38_000 if q == 4 else 40_000
        staff_ytd += staff
        running_ytd += 10_000
        if q == 3:  # a restated financial return: v1 superseded by v2
            old = b.submission("VS-001", period, "financial", received=on_time(period))
            b.fin(old, "Staff", 5, annual=160_000, qb=40_000, qa=41_000, ytd=121_000,
                  forecast=161_000)
            s["f1_q3_v1"] = old
            s["f1_q3"] = f = b.submission("VS-001", period, "financial", version=2,
                                          received="2027-01-20T09:00:00+00:00")
            b.supersede(old, f)
        else:
            s[f"f1_q{q}"] = f = b.submission("VS-001", period, "financial", received=on_time(period))
        b.fin(f, "Staff", 5, annual=160_000, qb=40_000, qa=staff, ytd=staff_ytd,
              forecast=198_000 if q < 4 else staff_ytd + running_ytd)
        b.fin(f, "Running", 6, annual=40_000, qb=10_000, qa=10_000, ytd=running_ytd,
              forecast=40_000)

    p1 = {q: s[f"p1_q{q}"] for q in (1, 2, 3, 4)}
    b.complaint(p1[1], 5, date_received="2026-05-01", category="Communication", outcome="Upheld",
                resolved="2026-05-11")
    b.complaint(p1[2], 5, date_received="2026-08-01", category="Staff", outcome="Not upheld",
                resolved="2026-08-21")
    # Q3 reports a complaint still open; Q4 repeats it with its outcome: one complaint.
    b.complaint(p1[3], 5, date_received="2026-11-01", category="Communication",
                outcome="Open", resolved=None)
    b.complaint(p1[4], 5, date_received="2027-02-01", category="Access", outcome="Open",
                resolved=None)
    b.complaint(p1[4], 6, date_received="2026-11-01", category="Communication",
                outcome="Partly upheld", resolved="2026-11-04")
    b.incident(p1[1], 5, date="2026-05-02", clients=2, cost=500, harm="Y", negligence="Y",
               category="Safeguarding")
    b.incident(p1[3], 5, date="2026-11-02", clients=40, cost=0, reputational="Y",
               category="Service failure")
    b.incident(p1[3], 6, date="2026-11-20", clients=3, cost=50, category="Safeguarding")
    b.incident(p1[4], 5, date="2027-02-02", clients=1, cost=100)  # a version 1 return
    risk(b, p1[3], 5, "Old risk from Q3")
    risk(b, p1[4], 5, "Loss of staff")
    risk(b, p1[4], 6, "IT contract ends", status="Closed")
    action(b, p1[1], 5, "Text reminders", "In progress", "Pilot in one team")
    action(b, p1[4], 5, "Text reminders", "Complete", "Rolled out to all teams")
    action(b, p1[4], 6, "New triage", "Not started", "Planned for Q1")

    # VS-002: Q2 performance never sent, Q3 performance rejected, Q4 financial never sent.
    s["p2_q1"] = p = b.submission("VS-002", Q[1], "performance", received=on_time(Q[1]))
    b.kpi(p, "VS02", 5, numerator=40, denominator=50)
    b.kpi(p, "VS07", 6, actual=45)
    s["p2_q3"] = b.submission("VS-002", Q[3], "performance", status="rejected",
                              received=on_time(Q[3]), errors=1)
    s["p2_q4"] = p = b.submission("VS-002", Q[4], "performance", received=on_time(Q[4]))
    b.kpi(p, "VS02", 5, numerator=85, denominator=100)
    b.kpi(p, "VS07", 6, actual=55)
    for q in (1, 2, 3):
        s[f"f2_q{q}"] = f = b.submission("VS-002", Q[q], "financial", received=on_time(Q[q]))
        b.fin(f, "Staff", 5, annual=80_000, qb=20_000, qa=21_000, ytd=21_000 * q,
              forecast=84_000)
        b.fin(f, "Training", 6, annual=20_000, qb=5_000, qa=5_000, ytd=5_000 * q,
              forecast=21_000)
    b.close()
    return s
