"""Load one quarter's facts (``portfolio.quarter.QuarterData``) from the ledger and the register.

Only returns with ledger status ``accepted`` supply values: a superseded return was
replaced by a later version, and rejected, held or declined ones were never accepted.
Targets come from the register in force in each quarter, never from what a return shows.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import PurePosixPath, PureWindowsPath

from . import complaints
from ..portfolio.cost_per_user import COST_PER_USER_KPI, with_computed_cost
from ..portfolio.rag import RED, cell_ref, rag
from ..periods import Period, return_deadline, working_days_between
from ..register.model import Contract, Register, SlaKpi
from ..templates.contract import COMPLAINTS, FINANCIAL, KINDS, PERFORMANCE
from ..portfolio.calendar import register_name_of
from ..portfolio.grouping import by_contract
from ..portfolio.quarter import (
    ACCEPTED, HELD, LATE, MISSING, NOT_YET_DUE, REJECTED, ChaseItem, Complaint, FinanceLine,
    HistoryPoint, Incident, KpiResult, QuarterData, Restatement, ReturnStatus, Source,
    SourceUse, column_letter, register_row_ref,
)

HISTORY_QUARTERS = 8


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


def load_quarter(conn: sqlite3.Connection, register: Register, period: Period, as_of: date,
                 *, history: int = HISTORY_QUARTERS, shared: Shared | None = None) -> QuarterData:
    """Read ``period``'s facts for the register's active contracts from the ledger.

    ``history`` previous quarters are read for trends; returns already in the ledger count
    whatever ``as_of`` is (as-of only decides whether a deadline has passed). Quarters
    read from one snapshot may pass the same ``shared`` (see ``Shared``).
    """
    conn.row_factory = sqlite3.Row
    settings = register.settings
    register_name = register_name_of(register)
    contracts = tuple(register.active_contracts(period))
    ids = {c.contract_id for c in contracts}
    deadline = return_deadline(period, settings.return_deadline_working_days)
    first = period.shift(-history)

    rows = conn.execute(
        "SELECT * FROM submissions WHERE contract_id IS NOT NULL AND fy IS NOT NULL "
        "AND quarter IS NOT NULL AND (fy * 4 + quarter - 1) BETWEEN ? AND ? "
        "ORDER BY id", (first.index, period.index)).fetchall()
    shared = Shared() if shared is None else shared
    known = shared.sources
    sources = [known.get(r["id"]) or known.setdefault(r["id"], _source(r))
               for r in rows if r["contract_id"] in ids and r["kind"] in KINDS]
    by_id = {s.submission_id: s for s in sources}
    current = [s for s in sources if s.period == period]
    accepted = _accepted_by_key(s for s in sources if s.status == "accepted")

    kpi_rows = _group(_rows_for(conn, "kpi_values", accepted.values()))
    used: dict[int, set[str]] = {}
    kpis = []
    for contract in contracts:
        kpis += _kpi_results(register, register_name, contract, period, history, accepted,
                             kpi_rows, used, shared)

    fin_rows = _group(_rows_for(conn, "financial_lines", accepted.values()))
    finance = []
    for contract in contracts:
        finance += _finance_lines(register, contract, period, accepted, fin_rows, used)

    kpis = _with_computed_costs(register, period, contracts, kpis, finance, accepted, fin_rows)

    perf_now = [accepted[(c.contract_id, period, PERFORMANCE)] for c in contracts
                if (c.contract_id, period, PERFORMANCE) in accepted]
    incidents = [
        Incident(r["contract_id"], r["date"], r["description"], r["clients_affected"],
                 r["estimated_cost"], r["harm_caused"], r["provider_negligence"],
                 r["reputational_risk"], r["action_taken"], by_id[r["submission_id"]],
                 r["sheet"], r["row"], category=_get(r, "category"))
        for r in _rows_for(conn, "incidents", perf_now, order="contract_id, row")]
    complaint_rows = _rows_for(conn, "complaints", perf_now, order="contract_id, row")
    reported = complaints.accepted_by_contract(conn) if complaint_rows else {}
    complaint_list = [
        _complaint(r, by_id[r["submission_id"]], period, reported.get(r["contract_id"], []))
        for r in complaint_rows]

    by_return: dict[tuple[str, str], list[Source]] = {}  # grouped once: linear in returns
    for s in current:
        by_return.setdefault((s.contract_id, s.kind), []).append(s)
    returns = [_return_status(c.contract_id, kind, by_return.get((c.contract_id, kind), []),
                              deadline, as_of)
               for c in contracts for kind in KINDS]
    for r in returns:
        if r.accepted:
            used.setdefault(r.accepted.submission_id, set()).add("This quarter")

    previous = period.shift(-1)
    before: dict[tuple[str, str], list[Source]] = {}
    for s in sources:
        if s.period == previous:
            before.setdefault((s.contract_id, s.kind), []).append(s)
    previous_deadline = return_deadline(previous, settings.return_deadline_working_days)
    previous_returns = [
        _return_status(c.contract_id, kind, before.get((c.contract_id, kind), []),
                       previous_deadline, as_of)
        for c in contracts if c.is_active_in(previous) for kind in KINDS]
    previous_in_ledger = conn.execute(
        "SELECT 1 FROM submissions WHERE fy = ? AND quarter = ? LIMIT 1",
        (previous.fy, previous.quarter)).fetchone() is not None

    restatements = _restatements(conn, current, by_id)
    contract_of = {c.contract_id: c for c in contracts}
    chase = [
        ChaseItem(r.contract_id, c.provider, r.kind, r.status, r.deadline,
                  c.provider_contract_manager, c.provider_escalation_contact, c.lead_officer,
                  c.deputy_officer)
        for r in returns if r.status in (MISSING, REJECTED, HELD)
        for c in [contract_of[r.contract_id]]]

    order = {"This quarter": 0, "Trend": 1, "Year-to-date budget": 2}
    source_uses = sorted(
        (SourceUse(by_id[sid], "; ".join(sorted(uses, key=order.get))) for sid, uses in used.items()),
        key=lambda u: (-u.source.period.index, u.source.contract_id, KINDS.index(u.source.kind),
                       u.source.submission_id))

    return QuarterData(
        period=period, as_of=as_of, deadline=deadline, settings=settings,
        register_name=register_name, contracts=contracts, kpis=tuple(kpis),
        finance=tuple(finance), incidents=tuple(incidents), complaints=tuple(complaint_list),
        returns=tuple(returns), restatements=tuple(restatements),
        sources=tuple(source_uses), chase=tuple(chase),
        submissions=tuple(sorted(current, key=lambda s: (s.contract_id, KINDS.index(s.kind),
                                                         s.received_at, s.submission_id))),
        history_periods=tuple(period.shift(-k) for k in range(history, 0, -1)),
        disputes=tuple(d for d in register.disputes if d.contract_id in ids),
        previous_returns=tuple(previous_returns), previous_in_ledger=previous_in_ledger,
        register=register,
    )


@dataclass
class Shared:
    """What the quarters read from one snapshot (a consolidation's quarter and the one
    before, a year's four) have in common, made once: a Source per submission, and a KPI's
    history point per contract, KPI and quarter (it depends on that quarter's return and
    SLA only, not on the quarter being read). Equal history gaps are one object."""

    sources: dict[int, Source] = field(default_factory=dict)
    points: dict[tuple[str, str, Period], HistoryPoint] = field(default_factory=dict)
    gaps: dict[HistoryPoint, HistoryPoint] = field(default_factory=dict)


def _with_computed_costs(register: Register, period: Period, contracts, kpis: list[KpiResult],
                         finance: list[FinanceLine], accepted, fin_rows) -> list[KpiResult]:
    """Every contract's cost per victim supported worked out from its returns (VS25), this
    quarter and the previous ones shown beside it."""
    earlier: dict[str, dict[Period, float]] = {}  # contract → spend of each earlier quarter
    for (c, p, kind), src in accepted.items():
        rows = fin_rows.get(src.submission_id, [])
        if kind == FINANCIAL and p != period and rows \
                and all(r["quarter_actual"] is not None for r in rows):
            earlier.setdefault(c, {})[p] = sum(r["quarter_actual"] for r in rows)
    kpis_by, finance_by = by_contract(kpis), by_contract(finance)
    out: list[KpiResult] = []
    for contract in contracts:
        cid = contract.contract_id

        def thresholds(p: Period, cid=cid):
            sla = next((s for s in register.sla_in_force(cid, p)
                        if s.kpi_code == COST_PER_USER_KPI), None)
            return (sla.target, sla.amber) if sla else (None, None)

        out += with_computed_cost(kpis_by.get(cid, []), finance_by.get(cid, []),
                                  earlier_spend=earlier.get(cid, {}), thresholds=thresholds)
    return out


def _get(r: sqlite3.Row, column: str):
    """A column that older ledgers (or hand-made ones) may not have; None then."""
    return r[column] if column in r.keys() else None


def _complaint(r: sqlite3.Row, src: Source, period: Period,
               reported: list[sqlite3.Row]) -> Complaint:
    """One complaint of the quarter's return, linked to its earlier or later reports.

    A complaint received before the quarter that an earlier accepted return reported is an
    update of it (``update_of``, not counted again). A complaint first reported here whose
    outcome a later accepted return reported shows that later outcome and resolved date
    (``updated_in``), the row's own outcome kept in ``reported_outcome``. ``reported`` are
    the contract's complaint rows of accepted performance returns, oldest quarter first
    (``complaints.accepted_by_contract``).
    """
    complaint = Complaint(r["contract_id"], r["date_received"], r["category"], r["summary"],
                          r["outcome"], r["resolved_date"], src, r["sheet"], r["row"])
    if r["date_received"] and r["date_received"] < period.start.isoformat():
        earlier = complaints.match(
            r, [c for c in reported if c["fy"] * 4 + c["quarter"] - 1 < period.index])
        if earlier is not None:
            return replace(complaint, update_of=_row_ref(earlier),
                           first_reported=Period(earlier["fy"], earlier["quarter"]))
    by_return: dict[int, list[sqlite3.Row]] = {}
    for c in reported:
        if c["fy"] * 4 + c["quarter"] - 1 <= period.index:
            continue
        by_return.setdefault(c["submission_id"], []).append(c)
    later = [found for rows in by_return.values()
             for found in [complaints.match(r, rows)] if found is not None]
    later.sort(key=lambda c: (c["fy"], c["quarter"]))
    if later:
        last = later[-1]  # the latest quarter's report is the complaint's latest news
        return replace(complaint, outcome=last["outcome"], resolved_date=last["resolved_date"],
                       updated_in=_row_ref(last),
                       updated_period=Period(last["fy"], last["quarter"]),
                       reported_outcome=r["outcome"])
    return complaint


def _row_ref(r: sqlite3.Row) -> str:
    """``file Complaints!A4:E4`` of a complaint row joined with its submission."""
    last = column_letter(COMPLAINTS, COMPLAINTS.headers[-1])
    name = _file_name(r["archive_path"]) or r["original_name"]
    return cell_ref(name, r["sheet"], f"A{r['row']}:{last}{r['row']}")


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


def _kpi_results(register: Register, register_name: str, contract: Contract, period: Period,
                 history: int, accepted, kpi_rows, used, shared: Shared) -> list[KpiResult]:
    """The contract's KPI results, each with its history: the points of earlier quarters
    are taken from ``shared`` when another quarter of the snapshot has made them."""
    cid = contract.contract_id
    # the history quarters, oldest first: (period, the SLA rows in force by KPI, returned)
    hist = []
    for p in [period.shift(-k) for k in range(history, 0, -1)]:
        hist.append((p, {s.kpi_code: s for s in register.sla_in_force(cid, p)},
                     (cid, p, PERFORMANCE) in accepted))
    values: dict[tuple[Period, str], tuple[sqlite3.Row, Source]] = {}
    for p in [p for p, _, _ in hist] + [period]:
        src = accepted.get((cid, p, PERFORMANCE))
        if src is None:
            continue
        for r in kpi_rows.get(src.submission_id, []):
            values[(p, r["kpi_code"])] = (r, src)
    perf = accepted.get((cid, period, PERFORMANCE))
    in_force = register.sla_in_force(cid, period)
    sla_now = {s.kpi_code: s for s in in_force}
    codes = [s.kpi_code for s in in_force]
    extra = sorted({code for (p, code) in values if p == period and code not in codes})
    results = []
    for code in codes + extra:
        sla = sla_now.get(code)
        kpi = register.kpis.get(code)
        direction = kpi.direction if kpi else "for information"
        row, src = values.get((period, code), (None, None))
        target, amber = _thresholds(sla, row)
        actual = _actual(row)
        this_rag = rag(actual, target, amber, direction)
        points = []
        for p, slas, returned in hist:
            hrow, hsrc = values.get((p, code), (None, None))
            hact = _actual(hrow)
            if hsrc is not None and hact is not None:
                used.setdefault(hsrc.submission_id, set()).add("Trend")
            made = shared.points.get((cid, code, p))
            if made is not None:
                points.append(made)
                continue
            hsla = slas.get(code)
            ht, ha = _thresholds(hsla, hrow)
            if hrow is None:  # a gap: the same value for most KPIs, kept once
                point = HistoryPoint(p, None, None, None, target=ht, returned=returned,
                                     mandatory=bool(hsla and hsla.mandatory))
                point = shared.gaps.setdefault(point, point)
            else:
                point = HistoryPoint(
                    p, hact, rag(hact, ht, ha, direction),
                    hsrc.ref(hrow["sheet"], hrow["cell"]), target=ht,
                    numerator=hrow["numerator"], denominator=hrow["denominator"],
                    returned=returned, mandatory=bool(hsla and hsla.mandatory))
            shared.points[(cid, code, p)] = point
            points.append(point)
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
            sla_ref=(register_row_ref(register_name, "SLA KPIs", sla.row)
                     if sla and sla.row else None),
            in_sla=sla is not None, history=tuple(points), consecutive_red=run))
    return results


def _thresholds(sla: SlaKpi | None, stored: sqlite3.Row | None):
    """(target, amber): the register's SLA row in force, else what the ledger row stored."""
    if sla is not None:
        return sla.target, sla.amber
    if stored is not None:
        return stored["target"], stored["amber"]
    return None, None


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


__all__ = ["HISTORY_QUARTERS", "Shared", "load_quarter", "parse_received"]
