"""One quarter's facts as plain dataclasses: the returns, KPIs, finance, incidents and more.

Nothing here judges (flags do that), draws (the workbook writer does that) or reads the
ledger (``ledger.quarter_loader.load_quarter`` does that); everything here remembers where it came
from — the return file, sheet and cell, or the register row — so a flag or a printed figure
can name its source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from .grouping import cached_by_contract
from .rag import cell_ref, variance_share
from ..periods import Period, period_of
from ..register.model import Contract, Dispute, Register, Settings
from ..templates.contract import COMPLAINTS, FINANCIAL_RETURN, INCIDENTS, TableContract

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


def register_row_ref(register_name: str, sheet: str, row: int | None) -> str:
    """``register.xlsx SLA KPIs row 7``; just the sheet when the row is not known."""
    return f"{register_name} {sheet} row {row}" if row else f"{register_name} {sheet}"


def _period_of(text) -> Period | None:
    """The financial quarter of an ISO date text; None when it is not one."""
    try:
        day = date.fromisoformat(str(text or "").strip()[:10])
    except ValueError:
        return None
    return period_of(day)


@dataclass(frozen=True, slots=True)
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
        """``file Sheet!Cell`` (or a range) in this submission."""
        return cell_ref(self.file, sheet, cell)


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    period: Period
    actual: float | None
    rag: str | None
    ref: str | None = None  # file Sheet!Cell of the value
    target: float | None = None  # the register's target in force that quarter
    numerator: float | None = None
    denominator: float | None = None
    returned: bool = False  # an accepted performance return existed that quarter
    mandatory: bool = False  # mandatory under the SLA in force that quarter


@dataclass(frozen=True, slots=True)
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
    # A KPI the engine works out itself (cost per victim supported, portfolio.cost_per_user):
    reported_actual: float | None = None  # what the provider's return said, if anything
    computed_from: str | None = None  # how ``actual`` was worked out, with its sources

    @property
    def reported(self) -> bool:
        return self.actual is not None

    @property
    def ref(self) -> str | None:
        if self.source and self.sheet and self.cell:
            return self.source.ref(self.sheet, self.cell)
        return None


@dataclass(frozen=True, slots=True)
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

    @property
    def quarter_variance(self) -> float:
        return self.quarter_actual - self.quarter_budget

    @property
    def quarter_share(self) -> float | None:
        return variance_share(self.quarter_actual, self.quarter_budget)

    @property
    def ytd_variance(self) -> float:
        return self.ytd_actual - self.ytd_budget

    @property
    def ytd_share(self) -> float | None:
        return variance_share(self.ytd_actual, self.ytd_budget)

    def span(self, header: str) -> str:
        """``file Finance!D5:D7``: the column of ``header`` over the contract's budget lines."""
        column = column_letter(FINANCIAL_RETURN, header)
        rows = [ln.row for ln in self.lines]
        first = self.lines[0]
        return first.source.ref(first.sheet, f"{column}{min(rows)}:{column}{max(rows)}")


@dataclass(frozen=True, slots=True)
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
    category: str | None = None  # template version 2 on; None from a version 1 return

    @property
    def happened_in(self) -> Period | None:
        """The quarter the incident happened in (None when its date cannot be read)."""
        return _period_of(self.date)

    @property
    def reported_late(self) -> bool:
        """Dated before the quarter of the return that reported it."""
        happened = self.happened_in
        return happened is not None and happened.index < self.source.period.index

    def ref(self, header: str) -> str:
        """``file Incidents!D4`` for an Incidents header such as "Estimated Cost (£)"."""
        return self.source.ref(self.sheet, f"{column_letter(INCIDENTS, header)}{self.row}")

    def row_ref(self) -> str:
        """``file Incidents!A4:H4``: the incident's whole row."""
        last = column_letter(INCIDENTS, INCIDENTS.headers[-1])
        return self.source.ref(self.sheet, f"A{self.row}:{last}{self.row}")


@dataclass(frozen=True, slots=True)
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
    # A complaint reported again in a later quarter (its outcome now known) is one complaint:
    update_of: str | None = None  # this row repeats the earlier row here (file Sheet!A4:E4)
    first_reported: Period | None = None  # ... reported in that quarter's return
    updated_in: str | None = None  # a later row updated outcome and resolved date (its ref)
    updated_period: Period | None = None  # ... in that quarter's return
    reported_outcome: str | None = None  # the outcome this row's own return gave, if updated

    @property
    def is_update(self) -> bool:
        """A complaint first reported in an earlier quarter: not counted again."""
        return self.update_of is not None

    def row_ref(self) -> str:
        """``file Complaints!A4:E4``: the complaint's whole row."""
        last = column_letter(COMPLAINTS, COMPLAINTS.headers[-1])
        return self.source.ref(self.sheet, f"A{self.row}:{last}{self.row}")


@dataclass(frozen=True, slots=True)
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
    disputes: tuple[Dispute, ...] = ()  # the register's Disputes rows of active contracts
    previous_returns: tuple[ReturnStatus, ...] = ()  # the quarter before, per contract and kind
    previous_in_ledger: bool = False  # the ledger holds any submission for the quarter before
    # The register the quarter was read against: the calendar and governance flags read its
    # exit plans, audits, disputes and checklist (None: those flags are not computed).
    register: Register | None = field(default=None, compare=False, repr=False)

    def disputes_of(self, contract_id: str) -> list[Dispute]:
        return list(cached_by_contract(self, "disputes").get(contract_id, ()))

    def previous_return_of(self, contract_id: str, kind: str) -> ReturnStatus | None:
        return next((r for r in cached_by_contract(self, "previous_returns").get(contract_id, ())
                     if r.kind == kind), None)

    def contract(self, contract_id: str) -> Contract:
        return cached_by_contract(self, "contracts")[contract_id][0]

    def register_ref(self, contract: Contract, sheet: str = "Contracts", row: int | None = None) -> str:
        """``register.xlsx Contracts row 4``: where the contract (or another row) is."""
        return register_row_ref(self.register_name, sheet, contract.row if row is None else row)

    def kpis_of(self, contract_id: str) -> list[KpiResult]:
        return list(cached_by_contract(self, "kpis").get(contract_id, ()))

    def finance_of(self, contract_id: str) -> list[FinanceLine]:
        return list(cached_by_contract(self, "finance").get(contract_id, ()))

    def incidents_of(self, contract_id: str) -> list[Incident]:
        return list(cached_by_contract(self, "incidents").get(contract_id, ()))

    def returns_of(self, contract_id: str) -> list[ReturnStatus]:
        """The contract's returns of the quarter (none when it is not active in it)."""
        return list(cached_by_contract(self, "returns").get(contract_id, ()))

    def return_of(self, contract_id: str, kind: str) -> ReturnStatus:
        return next(r for r in cached_by_contract(self, "returns")[contract_id] if r.kind == kind)

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


__all__ = [
    "ACCEPTED", "LATE", "REJECTED", "MISSING", "HELD", "NOT_YET_DUE", "Source", "HistoryPoint",
    "KpiResult", "FinanceLine", "FinanceTotal", "Incident", "Complaint", "ReturnStatus",
    "Restatement", "ChaseItem", "SourceUse", "QuarterData", "column_letter", "register_row_ref",
]
