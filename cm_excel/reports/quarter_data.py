"""One quarter's facts, loaded from the ledger and the register into plain dataclasses.

Nothing here judges (flags do that) or draws (the workbook writer does that); everything
here remembers where it came from — the return file, sheet and cell, or the register row —
so a flag or a printed figure can name its source.

Only returns with ledger status ``accepted`` supply values: a superseded return was
replaced by a later version, and rejected, held or declined ones were never accepted.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import PurePosixPath, PureWindowsPath

from ..flags.rag import RED, rag
from ..periods import Period, return_deadline, working_days_between
from ..register.model import Contract, Register, Settings, SlaKpi
from ..templates.contract import (
    FINANCIAL, FINANCIAL_RETURN, INCIDENTS, KINDS, PERFORMANCE, TableContract,
)

HISTORY_QUARTERS = 8

# Return statuses, as shown to SMG.
ACCEPTED = "Accepted"
LATE = "Accepted late"
REJECTED = "Rejected"
MISSING = "Missing"
HELD = "Held for decision"
NOT_YET_DUE = "Not yet due"


def column_letter(table: TableContract, header: str) -> str:
    """The column of ``header`` in a return: tables start in column A (template contract)."""
    index = table.headers.index(header)
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _uk_zone():
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/London")
    except Exception:  # no time zone data: UTC is within an hour of UK time
        return timezone.utc


_UK = _uk_zone()


def parse_received(text: str) -> datetime:
    """An ISO 8601 time from the ledger, as an aware UTC datetime (naive means UTC)."""
    value = datetime.fromisoformat(str(text).strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _file_name(path: str | None) -> str:
    if not path:
        return ""
    return (PureWindowsPath(path) if "\\" in path else PurePosixPath(path)).name


# --- the dataclasses ---------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One submission (file) in the ledger."""

    submission_id: int
    contract_id: str
    period: Period
    kind: str
    file: str  # the name evidence uses: the archived copy's name, else the original name
    original_name: str
    sha256: str
    received_at: datetime  # aware, UTC
    status: str  # ledger status
    version: int | None
    archive_path: str | None = None
    errors: int = 0
    queries: int = 0
    warnings: int = 0
    feedback_path: str | None = None
    prepared_by: str | None = None
    approved_by: str | None = None
    signoff_date: str | None = None

    @property
    def received_uk(self) -> datetime:
        """Received time in UK local time, naive (for display and deadlines)."""
        return self.received_at.astimezone(_UK).replace(tzinfo=None)

    @property
    def received_day(self) -> date:
        return self.received_uk.date()

    def ref(self, sheet: str, cell: str) -> str:
        from ..flags.rag import cell_ref

        return cell_ref(self.file, sheet, cell)


@dataclass(frozen=True)
class HistoryPoint:
    period: Period
    actual: float | None
    rag: str | None
    ref: str | None = None  # file Sheet!Cell of the value


@dataclass(frozen=True)
class KpiResult:
    contract_id: str
    kpi_code: str
    name: str
    unit: str
    direction: str
    mandatory: bool
    target: float | None
    amber: float | None
    numerator: float | None
    denominator: float | None
    actual: float | None
    rag: str | None
    commentary: str | None
    returned: bool  # an accepted performance return exists for the contract this quarter
    source: Source | None = None
    sheet: str | None = None
    cell: str | None = None
    sla_ref: str | None = None  # register.xlsx SLA KPIs row N
    in_sla: bool = True
    history: tuple[HistoryPoint, ...] = ()  # previous quarters, oldest first
    consecutive_red: int = 0  # quarters in a row red, ending with this one

    @property
    def reported(self) -> bool:
        return self.actual is not None

    @property
    def ref(self) -> str | None:
        if self.source and self.sheet and self.cell:
            return self.source.ref(self.sheet, self.cell)
        return None


@dataclass(frozen=True)
class FinanceLine:
    contract_id: str
    line: str
    annual_budget: float | None
    quarter_budget: float | None
    quarter_actual: float | None
    ytd_budget: float | None
    ytd_actual: float | None
    forecast_outturn: float | None
    explanation: str | None
    source: Source
    sheet: str
    row: int

    def ref(self, header: str) -> str:
        """``file Finance!D7`` for a FinancialReturn header such as "Quarter Actual"."""
        return self.source.ref(self.sheet, f"{column_letter(FINANCIAL_RETURN, header)}{self.row}")


@dataclass(frozen=True)
class FinanceTotal:
    """A contract's financial return summed over its budget lines."""

    contract_id: str
    annual_value: float
    annual_budget: float
    quarter_budget: float
    quarter_actual: float
    ytd_budget: float
    ytd_actual: float
    forecast_outturn: float
    lines: tuple[FinanceLine, ...]

    @staticmethod
    def share(actual: float, budget: float) -> float | None:
        return (actual - budget) / budget if budget else None

    @property
    def quarter_variance(self) -> float:
        return self.quarter_actual - self.quarter_budget

    @property
    def quarter_share(self) -> float | None:
        return self.share(self.quarter_actual, self.quarter_budget)

    @property
    def ytd_variance(self) -> float:
        return self.ytd_actual - self.ytd_budget

    @property
    def ytd_share(self) -> float | None:
        return self.share(self.ytd_actual, self.ytd_budget)


@dataclass(frozen=True)
class Incident:
    contract_id: str
    date: str | None
    description: str | None
    clients_affected: float | None
    estimated_cost: float | None
    harm_caused: str | None
    provider_negligence: str | None
    reputational_risk: str | None
    action_taken: str | None
    source: Source
    sheet: str
    row: int

    def ref(self, header: str) -> str:
        return self.source.ref(self.sheet, f"{column_letter(INCIDENTS, header)}{self.row}")


@dataclass(frozen=True)
class Complaint:
    contract_id: str
    date_received: str | None
    category: str | None
    summary: str | None
    outcome: str | None
    resolved_date: str | None
    source: Source
    sheet: str
    row: int


@dataclass(frozen=True)
class ReturnStatus:
    """One expected return: a contract's performance or financial return for the quarter."""

    contract_id: str
    kind: str
    deadline: date
    status: str  # ACCEPTED, LATE, REJECTED, MISSING, HELD, NOT_YET_DUE
    accepted: Source | None
    first_valid: Source | None  # earliest accepted-or-superseded version: lateness is judged on it
    latest: Source | None  # latest submission of any status
    submissions: tuple[Source, ...]  # every file for it, in the order received
    working_days_late: int = 0

    @property
    def received(self) -> bool:
        return bool(self.submissions)


@dataclass(frozen=True)
class Restatement:
    contract_id: str
    kind: str
    version: int | None
    previous_version: int | None
    item: str
    old_value: str | None
    new_value: str | None
    file: str
    previous_file: str
    received: datetime | None = None  # when the new version arrived, UK time (naive)


@dataclass(frozen=True)
class ChaseItem:
    contract_id: str
    provider: str
    kind: str
    status: str
    deadline: date
    provider_contract_manager: str
    provider_escalation_contact: str
    lead_officer: str
    deputy_officer: str | None


@dataclass(frozen=True)
class SourceUse:
    source: Source
    used_for: str  # "This quarter", "Trend", "Year-to-date budget", "Trend; Year-to-date budget"


@dataclass(frozen=True)
class QuarterData:
    period: Period
    as_of: date
    deadline: date
    settings: Settings
    register_name: str
    contracts: tuple[Contract, ...]
    kpis: tuple[KpiResult, ...]
    finance: tuple[FinanceLine, ...]
    incidents: tuple[Incident, ...]
    complaints: tuple[Complaint, ...]
    returns: tuple[ReturnStatus, ...]
    restatements: tuple[Restatement, ...]
    sources: tuple[SourceUse, ...]
    chase: tuple[ChaseItem, ...]
    submissions: tuple[Source, ...] = ()  # every file of the quarter for active contracts
    history_periods: tuple[Period, ...] = field(default=())  # oldest first

    def contract(self, contract_id: str) -> Contract:
        return next(c for c in self.contracts if c.contract_id == contract_id)

    def register_ref(self, contract: Contract, sheet: str = "Contracts", row: int | None = None) -> str:
        row = contract.row if row is None else row
        return f"{self.register_name} {sheet} row {row}" if row else f"{self.register_name} {sheet}"

    def kpis_of(self, contract_id: str) -> list[KpiResult]:
        return [k for k in self.kpis if k.contract_id == contract_id]

    def finance_of(self, contract_id: str) -> list[FinanceLine]:
        return [f for f in self.finance if f.contract_id == contract_id]

    def incidents_of(self, contract_id: str) -> list[Incident]:
        return [i for i in self.incidents if i.contract_id == contract_id]

    def return_of(self, contract_id: str, kind: str) -> ReturnStatus:
        return next(r for r in self.returns if r.contract_id == contract_id and r.kind == kind)

    def finance_total(self, contract_id: str) -> FinanceTotal | None:
        """The contract's financial return summed over lines; None without an accepted one."""
        lines = tuple(self.finance_of(contract_id))
        if not lines:
            return None

        def total(attr):
            return sum(getattr(line, attr) or 0.0 for line in lines)

        return FinanceTotal(
            contract_id, self.contract(contract_id).annual_value, total("annual_budget"),
            total("quarter_budget"), total("quarter_actual"), total("ytd_budget"),
            total("ytd_actual"), total("forecast_outturn"), lines)

    def return_counts(self) -> dict[str, int]:
        """expected, received, accepted, late, rejected, missing (incl. held), not_yet_due."""
        statuses = [r.status for r in self.returns]
        return {
            "expected": len(self.returns),
            "received": sum(1 for r in self.returns if r.received),
            "accepted": sum(1 for s in statuses if s in (ACCEPTED, LATE)),
            "late": statuses.count(LATE),
            "rejected": statuses.count(REJECTED),
            "missing": statuses.count(MISSING) + statuses.count(HELD),
            "not_yet_due": statuses.count(NOT_YET_DUE),
            "files": len(self.submissions),
        }


# --- loading -------------------------------------------------------------------------------


def load_quarter(conn: sqlite3.Connection, register: Register, period: Period, as_of: date,
                 *, history: int = HISTORY_QUARTERS) -> QuarterData:
    """Read ``period``'s facts for the register's active contracts from the ledger.

    ``history`` previous quarters are read for trends; returns already in the ledger count
    whatever ``as_of`` is (as-of only decides whether a deadline has passed).
    """
    conn.row_factory = sqlite3.Row
    settings = register.settings
    register_name = _file_name(register.path) or "register.xlsx"
    contracts = tuple(register.active_contracts(period))
    ids = {c.contract_id for c in contracts}
    deadline = return_deadline(period, settings.return_deadline_working_days)
    first = period.shift(-history)

    rows = conn.execute(
        "SELECT * FROM submissions WHERE contract_id IS NOT NULL AND fy IS NOT NULL "
        "AND quarter IS NOT NULL AND (fy * 4 + quarter - 1) BETWEEN ? AND ? "
        "ORDER BY id", (first.index, period.index)).fetchall()
    sources = [_source(r) for r in rows if r["contract_id"] in ids and r["kind"] in KINDS]
    by_id = {s.submission_id: s for s in sources}
    current = [s for s in sources if s.period == period]
    accepted = _accepted_by_key(s for s in sources if s.status == "accepted")

    kpi_rows = _group(_rows_for(conn, "kpi_values", accepted.values()))
    used: dict[int, set[str]] = {}
    kpis = []
    for contract in contracts:
        kpis += _kpi_results(register, contract, period, history, accepted, kpi_rows, used)

    fin_rows = _group(_rows_for(conn, "financial_lines", accepted.values()))
    finance = []
    for contract in contracts:
        finance += _finance_lines(register, contract, period, accepted, fin_rows, used)

    perf_now = [accepted[(c.contract_id, period, PERFORMANCE)] for c in contracts
                if (c.contract_id, period, PERFORMANCE) in accepted]
    incidents = [
        Incident(r["contract_id"], r["date"], r["description"], r["clients_affected"],
                 r["estimated_cost"], r["harm_caused"], r["provider_negligence"],
                 r["reputational_risk"], r["action_taken"], by_id[r["submission_id"]],
                 r["sheet"], r["row"])
        for r in _rows_for(conn, "incidents", perf_now, order="contract_id, row")]
    complaints = [
        Complaint(r["contract_id"], r["date_received"], r["category"], r["summary"],
                  r["outcome"], r["resolved_date"], by_id[r["submission_id"]], r["sheet"],
                  r["row"])
        for r in _rows_for(conn, "complaints", perf_now, order="contract_id, row")]

    returns = [_return_status(c.contract_id, kind, current, deadline, as_of)
               for c in contracts for kind in KINDS]
    for r in returns:
        if r.accepted:
            used.setdefault(r.accepted.submission_id, set()).add("This quarter")

    restatements = _restatements(conn, current, by_id)
    chase = [
        ChaseItem(r.contract_id, c.provider, r.kind, r.status, r.deadline,
                  c.provider_contract_manager, c.provider_escalation_contact, c.lead_officer,
                  c.deputy_officer)
        for r in returns if r.status in (MISSING, REJECTED, HELD)
        for c in [next(c for c in contracts if c.contract_id == r.contract_id)]]

    order = {"This quarter": 0, "Trend": 1, "Year-to-date budget": 2}
    source_uses = sorted(
        (SourceUse(by_id[sid], "; ".join(sorted(uses, key=order.get))) for sid, uses in used.items()),
        key=lambda u: (-u.source.period.index, u.source.contract_id, KINDS.index(u.source.kind),
                       u.source.submission_id))

    return QuarterData(
        period=period, as_of=as_of, deadline=deadline, settings=settings,
        register_name=register_name, contracts=contracts, kpis=tuple(kpis),
        finance=tuple(finance), incidents=tuple(incidents), complaints=tuple(complaints),
        returns=tuple(returns), restatements=tuple(restatements),
        sources=tuple(source_uses), chase=tuple(chase),
        submissions=tuple(sorted(current, key=lambda s: (s.contract_id, KINDS.index(s.kind),
                                                         s.received_at, s.submission_id))),
        history_periods=tuple(period.shift(-k) for k in range(history, 0, -1)),
    )


def _source(r: sqlite3.Row) -> Source:
    return Source(
        submission_id=r["id"], contract_id=r["contract_id"], period=Period(r["fy"], r["quarter"]),
        kind=r["kind"], file=_file_name(r["archive_path"]) or r["original_name"],
        original_name=r["original_name"], sha256=r["sha256"],
        received_at=parse_received(r["received_at"]), status=r["status"], version=r["version"],
        archive_path=r["archive_path"], errors=r["errors"] or 0, queries=r["queries"] or 0,
        warnings=r["warnings"] or 0, feedback_path=r["feedback_path"],
        prepared_by=r["prepared_by"], approved_by=r["approved_by"],
        signoff_date=r["signoff_date"])


def _accepted_by_key(sources) -> dict[tuple[str, Period, str], Source]:
    """(contract, period, kind) → the accepted return (the highest version if several)."""
    chosen: dict[tuple[str, Period, str], Source] = {}
    for s in sources:
        key = (s.contract_id, s.period, s.kind)
        old = chosen.get(key)
        if old is None or (s.version or 0, s.submission_id) > (old.version or 0, old.submission_id):
            chosen[key] = s
    return chosen


def _rows_for(conn, table: str, sources, order: str = "submission_id") -> list[sqlite3.Row]:
    ids = sorted({s.submission_id for s in sources})
    rows: list[sqlite3.Row] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        rows += conn.execute(
            f"SELECT * FROM {table} WHERE submission_id IN ({marks}) ORDER BY {order}",
            chunk).fetchall()
    return rows


def _group(rows) -> dict[int, list[sqlite3.Row]]:
    """Rows by submission id, in the order read."""
    grouped: dict[int, list[sqlite3.Row]] = {}
    for r in rows:
        grouped.setdefault(r["submission_id"], []).append(r)
    return grouped


def _actual(r: sqlite3.Row | None) -> float | None:
    if r is None:
        return None
    if r["actual"] is not None:
        return r["actual"]
    if r["numerator"] is not None and r["denominator"]:
        return r["numerator"] / r["denominator"]
    return None


def _kpi_results(register: Register, contract: Contract, period: Period, history: int,
                 accepted, kpi_rows, used) -> list[KpiResult]:
    cid = contract.contract_id
    values: dict[tuple[Period, str], tuple[sqlite3.Row, Source]] = {}
    for p in [period.shift(-k) for k in range(history, -1, -1)]:
        src = accepted.get((cid, p, PERFORMANCE))
        if src is None:
            continue
        for r in kpi_rows.get(src.submission_id, []):
            values[(p, r["kpi_code"])] = (r, src)
    perf = accepted.get((cid, period, PERFORMANCE))
    sla_cache: dict[Period, dict[str, SlaKpi]] = {}

    def sla_for(p: Period) -> dict[str, SlaKpi]:
        if p not in sla_cache:
            sla_cache[p] = {s.kpi_code: s for s in register.sla_in_force(cid, p)}
        return sla_cache[p]

    def thresholds(p: Period, code: str, stored):
        sla = sla_for(p).get(code)
        if sla is not None:
            return sla.target, sla.amber
        if stored is not None:
            return stored["target"], stored["amber"]
        return None, None

    in_force = register.sla_in_force(cid, period)
    codes = [s.kpi_code for s in in_force]
    extra = sorted({code for (p, code) in values if p == period and code not in codes})
    results = []
    for code in codes + extra:
        sla = sla_for(period).get(code)
        kpi = register.kpis.get(code)
        direction = kpi.direction if kpi else "for information"
        row, src = values.get((period, code), (None, None))
        target, amber = thresholds(period, code, row)
        actual = _actual(row)
        this_rag = rag(actual, target, amber, direction)
        points = []
        for p in [period.shift(-k) for k in range(history, 0, -1)]:
            hrow, hsrc = values.get((p, code), (None, None))
            hact = _actual(hrow)
            if hsrc is not None and hact is not None:
                used.setdefault(hsrc.submission_id, set()).add("Trend")
            ht, ha = thresholds(p, code, hrow)
            points.append(HistoryPoint(
                p, hact, rag(hact, ht, ha, direction),
                hsrc.ref(hrow["sheet"], hrow["cell"]) if hrow is not None else None))
        run = 0
        if this_rag == RED:
            run = 1
            for point in reversed(points):
                if point.rag != RED:
                    break
                run += 1
        results.append(KpiResult(
            contract_id=cid, kpi_code=code, name=kpi.name if kpi else code,
            unit=kpi.unit if kpi else "count", direction=direction,
            mandatory=bool(sla and sla.mandatory), target=target, amber=amber,
            numerator=row["numerator"] if row is not None else None,
            denominator=row["denominator"] if row is not None else None,
            actual=actual, rag=this_rag,
            commentary=row["commentary"] if row is not None else None,
            returned=perf is not None, source=src,
            sheet=row["sheet"] if row is not None else None,
            cell=row["cell"] if row is not None else None,
            sla_ref=(f"{_file_name(register.path) or 'register.xlsx'} SLA KPIs row {sla.row}"
                     if sla and sla.row else None),
            in_sla=sla is not None, history=tuple(points), consecutive_red=run))
    return results


def _finance_lines(register: Register, contract: Contract, period: Period, accepted,
                   fin_rows, used) -> list[FinanceLine]:
    cid = contract.contract_id
    src = accepted.get((cid, period, FINANCIAL))
    if src is None:
        return []
    budgets = {b.line: b.annual_budget for b in register.budget_lines(cid, period.fy)}
    earlier: dict[tuple[int, str], float | None] = {}
    earlier_src: dict[int, Source] = {}
    for q in range(1, period.quarter):
        esrc = accepted.get((cid, Period(period.fy, q), FINANCIAL))
        if esrc is None:
            continue
        earlier_src[q] = esrc
        for r in fin_rows.get(esrc.submission_id, []):
            earlier[(q, r["budget_line"])] = r["quarter_budget"]
    lines = []
    for r in sorted(fin_rows.get(src.submission_id, []), key=lambda r: r["row"]):
        line = r["budget_line"]
        annual = budgets.get(line, r["annual_budget"])
        quarter_share = (annual or 0.0) / 4
        ytd_budget = 0.0
        for q in range(1, period.quarter + 1):
            if q == period.quarter:
                qb = r["quarter_budget"]
            else:
                qb = earlier.get((q, line))
                if qb is not None:
                    used.setdefault(earlier_src[q].submission_id, set()).add("Year-to-date budget")
            ytd_budget += quarter_share if qb is None else qb
        lines.append(FinanceLine(
            contract_id=cid, line=line, annual_budget=r["annual_budget"],
            quarter_budget=r["quarter_budget"], quarter_actual=r["quarter_actual"],
            ytd_budget=ytd_budget, ytd_actual=r["ytd_actual"],
            forecast_outturn=r["forecast_outturn"], explanation=r["variance_explanation"],
            source=src, sheet=r["sheet"], row=r["row"]))
    return lines


def _return_status(cid: str, kind: str, current: list[Source], deadline: date,
                   as_of: date) -> ReturnStatus:
    subs = tuple(sorted((s for s in current if s.contract_id == cid and s.kind == kind),
                        key=lambda s: (s.received_at, s.submission_id)))
    accepted = _accepted_by_key(s for s in subs if s.status == "accepted")
    chosen = next(iter(accepted.values()), None)
    valid = [s for s in subs if s.status in ("accepted", "superseded")]
    first_valid = valid[0] if valid else None
    latest = subs[-1] if subs else None
    late_days = 0
    if chosen is not None:
        day = first_valid.received_day if first_valid else chosen.received_day
        late_days = working_days_between(deadline, day)
        status = LATE if day > deadline else ACCEPTED
    elif latest is not None and latest.status == "rejected":
        status = REJECTED
    elif latest is not None and latest.status == "held":
        status = HELD
    else:
        status = MISSING if as_of > deadline else NOT_YET_DUE
    return ReturnStatus(cid, kind, deadline, status, chosen, first_valid, latest, subs, late_days)


def _restatements(conn, current: list[Source], by_id: dict[int, Source]) -> list[Restatement]:
    rows = _rows_for(conn, "restatements", current, order="submission_id, rowid")
    out = []
    for r in rows:
        new = by_id.get(r["submission_id"])
        old = by_id.get(r["previous_submission_id"])
        if new is None:
            continue
        out.append(Restatement(
            new.contract_id, new.kind, new.version, old.version if old else None, r["item"],
            r["old_value"], r["new_value"], new.file, old.file if old else "", new.received_uk))
    out.sort(key=lambda x: (x.contract_id, KINDS.index(x.kind), x.version or 0))
    return out


__all__ = [
    "ACCEPTED", "LATE", "REJECTED", "MISSING", "HELD", "NOT_YET_DUE", "Source", "HistoryPoint",
    "KpiResult", "FinanceLine", "FinanceTotal", "Incident", "Complaint", "ReturnStatus",
    "Restatement", "ChaseItem", "SourceUse", "QuarterData", "load_quarter", "column_letter",
    "parse_received",
]
