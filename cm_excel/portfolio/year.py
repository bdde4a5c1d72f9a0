"""One financial year's facts, built from its four quarters (``QuarterData``).

``build_year`` takes the year's quarters (as the ledger loader fills them), the previous
year's quarters when the ledger has them, and the providers' risk and improvement logs, and
rolls them up: each KPI by the KPI's Annual Aggregation (``rollup``), finance by line and
contract, then the records of ``year_records`` (incidents, complaints, returns
compliance, audits due, the providers' logs) and the register's audits, disputes and exit
decisions. Nothing here reads the ledger, judges (flags) or draws (reports).

A year is **provisional** while any of its returns is not yet due (as of ``as_of``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..periods import Period, fy_label
from ..register.model import Audit, Contract, Dispute, ExitPlan, Register, Settings
from .grouping import by_contract, cached_by_contract
from .logs import ImprovementEntry, RiskEntry
from .quarter import ACCEPTED, LATE, NOT_YET_DUE, Complaint, Incident, QuarterData
from .rag import HIGHER, LOWER, at_most, rag
from .rollup import LATEST, SUM, finance_year, kpi_frame, year_values
from .year_records import (
    AuditDue, ComplaintSummary, IncidentSummary, ReturnCompliance, audits_due, complaint_summary,
    counted_complaints, incident_summary, latest_logs, return_compliance, with_first_reported,
)

# Words for a quarter that has no value.
NO_RETURN = "No return"
NOT_REPORTED = "Not reported"
NOT_YET = "Not yet due"
NOT_ACTIVE = "Not active"

IMPROVING, WORSENING, STEADY, UP, DOWN = "Improving", "Worsening", "Steady", "Up", "Down"
STEADY_SHARE = 0.01  # a change within 1% of the earlier value is "Steady"


@dataclass(frozen=True, slots=True)
class QuarterPoint:
    """One KPI's value in one quarter of the year, or a gap (``value`` None, ``gap`` says why)."""

    period: Period
    value: float | None
    numerator: float | None
    denominator: float | None
    target: float | None
    amber: float | None
    rag: str | None
    ref: str | None  # file Sheet!Cell of the value
    gap: str | None = None  # NO_RETURN / NOT_REPORTED / NOT_YET when value is None


@dataclass(frozen=True, slots=True)
class YearKpi:
    contract_id: str
    kpi_code: str
    name: str
    unit: str
    direction: str
    aggregation: str
    mandatory: bool
    quarters: tuple[QuarterPoint, ...]  # Q1..Q4
    value: float | None
    numerator: float | None
    denominator: float | None
    target: float | None
    amber: float | None
    rag: str | None
    reported: int  # quarters behind the year's value
    trend: str | None  # within the year: Improving / Worsening / Steady (Up / Down for info)
    previous: float | None = None  # the previous year's value by the same rule
    previous_reported: int = 0

    @property
    def change(self) -> float | None:
        """Year on year: this year's value less last year's (points for a percentage).

        A sum over a different number of quarters is not comparable: None.
        """
        if self.value is None or self.previous is None:
            return None
        if self.aggregation == SUM and self.reported != self.previous_reported:
            return None
        return self.value - self.previous

    @property
    def change_word(self) -> str | None:
        if self.change is None:
            return None
        return trend_word(self.previous, self.value, self.direction)


@dataclass(frozen=True)
class YearFinanceLine:
    contract_id: str
    line: str
    annual_budget: float | None  # the register's budget for the year (the return's if none)
    quarter_actuals: tuple[float | None, ...]  # Q1..Q4, None for a gap
    sum_of_quarters: float | None
    ytd_actual: float | None  # from the latest accepted return of the year
    forecast_outturn: float | None
    latest: Period | None  # the quarter of the latest accepted financial return


@dataclass(frozen=True)
class YearFinance:
    """A contract's money for the year: lines, outturn against budget and contract value."""

    contract: Contract
    lines: tuple[YearFinanceLine, ...]
    annual_budget: float
    spent: float | None  # year-to-date actual of the latest return (the year's actual at Q4)
    outturn: float | None  # actual at Q4, else the latest forecast outturn
    outturn_basis: str  # "Actual (Q4)", "Forecast (Q2)", "No return"
    previous_outturn: float | None = None

    @property
    def annual_value(self) -> float:
        return self.contract.annual_value

    @property
    def variance(self) -> float | None:
        return None if self.outturn is None else round(self.outturn - self.annual_budget, 2)

    @property
    def variance_share(self) -> float | None:
        if self.outturn is None or not self.annual_budget:
            return None
        return (self.outturn - self.annual_budget) / self.annual_budget

    @property
    def against_value(self) -> float | None:
        return None if self.outturn is None else round(self.outturn - self.annual_value, 2)

    @property
    def cost_per_user(self) -> float | None:
        """Outturn over the register's client group size (service users a year)."""
        if self.outturn is None or not self.contract.client_group_size:
            return None
        return self.outturn / self.contract.client_group_size

    @property
    def change(self) -> float | None:
        if self.outturn is None or self.previous_outturn is None:
            return None
        return round(self.outturn - self.previous_outturn, 2)


@dataclass(frozen=True)
class YearData:
    fy: int
    as_of: date
    settings: Settings
    register_name: str
    contracts: tuple[Contract, ...]
    quarters: tuple[QuarterData, ...]  # Q1..Q4 of the year
    kpis: tuple[YearKpi, ...]
    finance: tuple[YearFinance, ...]
    incidents: tuple[Incident, ...]
    complaints: tuple[Complaint, ...]  # each once, with its latest outcome (counted_complaints)
    incident_summary: tuple[IncidentSummary, ...]
    complaint_summary: tuple[ComplaintSummary, ...]
    compliance: tuple[ReturnCompliance, ...]
    risks: tuple[RiskEntry, ...]  # the latest risk log of the year, per contract
    improvements: tuple[ImprovementEntry, ...]  # the latest improvement plan, per contract
    audits: tuple[Audit, ...]  # audits dated in the year
    audits_due: tuple[AuditDue, ...]
    disputes: tuple[Dispute, ...]
    exits: tuple[tuple[Contract, ExitPlan | None], ...]
    previous_fy_in_ledger: bool = False
    not_yet_due: tuple[Period, ...] = field(default=())  # quarters with returns not yet due

    @property
    def label(self) -> str:
        return fy_label(self.fy)

    @property
    def provisional(self) -> bool:
        return bool(self.not_yet_due)

    @property
    def periods(self) -> tuple[Period, ...]:
        return tuple(Period(self.fy, q) for q in (1, 2, 3, 4))

    @property
    def start(self) -> date:
        return Period(self.fy, 1).start

    @property
    def end(self) -> date:
        return Period(self.fy, 4).end

    def contract(self, contract_id: str) -> Contract:
        return cached_by_contract(self, "contracts")[contract_id][0]

    def kpis_of(self, contract_id: str) -> list[YearKpi]:
        return list(cached_by_contract(self, "kpis").get(contract_id, ()))


# --- building ------------------------------------------------------------------------------


def trend_word(earlier: float | None, later: float | None, direction: str) -> str | None:
    """Improving / Worsening / Steady by the KPI's direction; Up / Down / Steady for information."""
    if earlier is None or later is None:
        return None
    if at_most(abs(later - earlier), STEADY_SHARE * abs(earlier)):
        return STEADY
    up = later > earlier
    if direction == HIGHER:
        return IMPROVING if up else WORSENING
    if direction == LOWER:
        return WORSENING if up else IMPROVING
    return UP if up else DOWN


def _gap_word(q: QuarterData, contract_id: str) -> str:
    """Why a quarter has no value: no return, not reported in it, not yet due, not active."""
    status = next((r.status for r in q.returns_of(contract_id) if r.kind == "performance"),
                  None)
    if status is None:
        return NOT_ACTIVE
    if status == NOT_YET_DUE:
        return NOT_YET
    return NOT_REPORTED if status in (ACCEPTED, LATE) else NO_RETURN


def _kpi_rows(register: Register, quarters, contract_ids):
    """The tidy KPI table (one row per contract, KPI and quarter with a result) and the
    quarter points, from the quarters' KPI results; ``meta`` keeps each KPI's latest result."""
    rows, points, meta = [], {}, {}
    for q in quarters:
        for cid in contract_ids:
            for k in q.kpis_of(cid):
                code = k.kpi_code
                meta[(cid, code)] = k
                kpi = register.kpis.get(code)
                rows.append({"contract_id": cid, "kpi_code": code,
                             "aggregation": kpi.aggregation if kpi else LATEST,
                             "quarter": q.period.quarter, "value": k.actual,
                             "numerator": k.numerator, "denominator": k.denominator,
                             "target": k.target, "amber": k.amber})
                points[(cid, code, q.period.quarter)] = QuarterPoint(
                    q.period, k.actual, k.numerator, k.denominator, k.target, k.amber, k.rag,
                    k.ref, None if k.actual is not None else _gap_word(q, cid))
    return rows, points, meta


def _year_kpis(register: Register, quarters, previous, contract_ids) -> list[YearKpi]:
    rows, points, meta = _kpi_rows(register, quarters, contract_ids)
    # rows for quarters before a KPI was first seen are added now, so every KPI has four
    keyed = {(r["contract_id"], r["kpi_code"], r["quarter"]) for r in rows}
    for (cid, code), k in meta.items():
        kpi = register.kpis.get(code)
        for q in quarters:
            if (cid, code, q.period.quarter) not in keyed:
                rows.append({"contract_id": cid, "kpi_code": code,
                             "aggregation": kpi.aggregation if kpi else LATEST,
                             "quarter": q.period.quarter, "value": None, "numerator": None,
                             "denominator": None, "target": None, "amber": None})
                points[(cid, code, q.period.quarter)] = QuarterPoint(
                    q.period, None, None, None, None, None, None, None, _gap_word(q, cid))
    this_year = year_values(kpi_frame(rows))
    last_year = {}
    if previous:
        prev_rows, _, _ = _kpi_rows(register, previous, contract_ids)
        last_year = year_values(kpi_frame(prev_rows))
    out = []
    sla_codes = {cid: [s.kpi_code for s in rows]
                 for cid, rows in by_contract(register.sla).items()}

    def kpi_order(key) -> tuple:
        cid, code = key
        sla = sla_codes.get(cid, [])
        return (cid, sla.index(code) if code in sla else len(sla), code)

    for (cid, code) in sorted(meta, key=kpi_order):
        k = meta[(cid, code)]
        kpi = register.kpis.get(code)
        y = this_year[(cid, code)]
        qpoints = tuple(points[(cid, code, q.period.quarter)] for q in quarters)
        valued = [p.value for p in qpoints if p.value is not None]
        trend = trend_word(valued[0], valued[-1], k.direction) if len(valued) >= 2 else None
        prev = last_year.get((cid, code))
        out.append(YearKpi(
            contract_id=cid, kpi_code=code, name=k.name, unit=k.unit, direction=k.direction,
            aggregation=kpi.aggregation if kpi else LATEST, mandatory=k.mandatory,
            quarters=qpoints, value=y["value"], numerator=y["numerator"],
            denominator=y["denominator"], target=y["target"], amber=y["amber"],
            rag=rag(y["value"], y["target"], y["amber"], k.direction), reported=y["reported"],
            trend=trend, previous=prev["value"] if prev else None,
            previous_reported=prev["reported"] if prev else 0))
    return out


def _finance_frame(quarters):
    import pandas as pd

    rows = [{"contract_id": f.contract_id, "line": f.line, "quarter": q.period.quarter,
             "quarter_actual": f.quarter_actual, "ytd_actual": f.ytd_actual,
             "forecast_outturn": f.forecast_outturn, "annual_budget": f.annual_budget}
            for q in quarters for f in q.finance]
    return pd.DataFrame(rows, columns=["contract_id", "line", "quarter", "quarter_actual",
                                       "ytd_actual", "forecast_outturn", "annual_budget"])


def _outturn(lines, latest_q: int | None, complete_q: int = 4):
    if latest_q is None:
        return None, None, NO_RETURN
    spent = round(sum(ln.ytd_actual or 0.0 for ln in lines), 2)  # pounds and pence
    if latest_q == complete_q:
        return spent, spent, f"Actual (Q{latest_q})"
    return (spent, round(sum(ln.forecast_outturn or 0.0 for ln in lines), 2),
            f"Forecast (Q{latest_q})")


def _year_finance(register: Register, fy: int, quarters, previous, contracts) -> list[YearFinance]:
    rolled = finance_year(_finance_frame(quarters))
    prev_rolled = finance_year(_finance_frame(previous)) if previous else {}
    rolled_of = by_contract(rolled.items(), key=lambda item: item[0][0])
    prev_rolled_of = by_contract(prev_rolled.items(), key=lambda item: item[0][0])
    out = []
    for c in contracts:
        cid = c.contract_id
        budgets = {b.line: b.annual_budget for b in register.budget_lines(cid, fy)}
        mine = rolled_of.get(cid, [])
        names = list(budgets) + sorted({line for (_, line), _ in mine} - set(budgets))
        latest_q = max((v["latest"] for _, v in mine), default=None)
        actual_of = [{} for _ in quarters]  # per quarter: line → the first line's actual
        for got, q in zip(actual_of, quarters):
            for f in q.finance_of(cid):
                got.setdefault(f.line, f.quarter_actual)
        lines = []
        for name in names:
            r = rolled.get((cid, name))
            actuals = tuple(got.get(name) for got in actual_of)
            # only the latest return's year to date and forecast count: an older return's
            # figures for a line dropped later would double count
            current = r if r and r["latest"] == latest_q else None
            lines.append(YearFinanceLine(
                cid, name, budgets.get(name, r["annual_budget"] if r else None), actuals,
                r["sum_of_quarters"] if r else None,
                current["ytd_actual"] if current else None,
                current["forecast_outturn"] if current else None,
                Period(fy, latest_q) if latest_q else None))
        spent, outturn, basis = _outturn(lines, latest_q)
        prev_outturn = None
        prev_lines = [v for _, v in prev_rolled_of.get(cid, [])]
        if prev_lines:
            prev_latest = max(v["latest"] for v in prev_lines)
            now = [v for v in prev_lines if v["latest"] == prev_latest]
            prev_outturn = round(sum(
                (v["ytd_actual"] if prev_latest == 4 else v["forecast_outturn"]) or 0.0
                for v in now), 2)
        out.append(YearFinance(c, tuple(lines), sum(ln.annual_budget or 0.0 for ln in lines),
                               spent, outturn, basis, prev_outturn))
    return out


def build_year(register: Register, fy: int, quarters: list[QuarterData], *, as_of: date,
               previous: list[QuarterData] | None = None, risks=(), improvements=(),
               register_name: str = "register.xlsx") -> YearData:
    """Roll the year's four quarters (Q1..Q4 of ``fy``) up into ``YearData``.

    ``previous`` are the previous year's quarters when the ledger holds any accepted return
    for them (year-on-year change); ``risks`` and ``improvements`` the logs of the year's
    accepted performance returns.
    """
    quarters = sorted(quarters, key=lambda q: q.period)
    seen: dict[str, Contract] = {}
    for q in quarters:
        for c in q.contracts:
            seen.setdefault(c.contract_id, c)
    contracts = tuple(seen[k] for k in sorted(seen))
    ids = [c.contract_id for c in contracts]
    periods = {q.period for q in quarters}
    incidents = tuple(i for q in quarters for i in q.incidents)
    complaints = tuple(counted_complaints((x for q in quarters for x in q.complaints),
                                          {q.period for q in quarters}))
    has_previous = bool(previous) and any(
        r.accepted is not None for q in previous for r in q.returns)
    start, end = Period(fy, 1).start, Period(fy, 4).end
    return YearData(
        fy=fy, as_of=as_of, settings=register.settings, register_name=register_name,
        contracts=contracts, quarters=tuple(quarters),
        kpis=tuple(_year_kpis(register, quarters, previous if has_previous else None, ids)),
        finance=tuple(_year_finance(register, fy, quarters, previous if has_previous else None,
                                    contracts)),
        incidents=incidents, complaints=complaints,
        incident_summary=tuple(incident_summary(contracts, incidents)),
        complaint_summary=tuple(complaint_summary(contracts, complaints)),
        compliance=tuple(return_compliance(contracts, quarters)),
        risks=tuple(latest_logs(risks, periods)),
        improvements=tuple(latest_logs(with_first_reported(improvements, periods), periods)),
        audits=tuple(sorted((a for a in register.audits if a.contract_id in ids
                             and start <= a.date <= end), key=lambda a: (a.contract_id, a.date))),
        audits_due=tuple(audits_due(register, contracts, as_of)),
        disputes=tuple(sorted((d for d in register.disputes if d.contract_id in ids),
                              key=lambda d: (d.contract_id, d.opened))),
        exits=tuple((c, register.exit_plan(c.contract_id)) for c in contracts),
        previous_fy_in_ledger=has_previous,
        not_yet_due=tuple(sorted({q.period for q in quarters for r in q.returns
                                  if r.status == NOT_YET_DUE}
                                 | {q.period for q in quarters if not q.returns
                                    and q.deadline >= as_of})),
    )


__all__ = [
    "QuarterPoint", "YearKpi", "YearFinanceLine", "YearFinance", "YearData", "build_year",
    "trend_word", "NO_RETURN", "NOT_REPORTED", "NOT_YET", "NOT_ACTIVE", "IMPROVING",
    "WORSENING", "STEADY", "UP", "DOWN",
]
