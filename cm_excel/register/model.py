"""Typed records of the register, and the questions the engine asks of it.

Percentages are fractions (0.9 is 90%). Money is float pounds. ``row`` is the Excel
row number the record came from, so findings and flags can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..periods import Period
from .schema import KNOBS


@dataclass(frozen=True)
class Contract:
    contract_id: str
    service: str
    provider: str
    provider_contract_manager: str
    provider_escalation_contact: str
    lead_officer: str
    deputy_officer: str | None
    annual_value: float
    client_group_size: int
    start_date: date
    end_date: date
    latest_extension_end: date | None
    status: str
    row: int = 0

    def is_active_in(self, period: Period) -> bool:
        """Live at some point in the quarter and not ended/terminated before it."""
        if self.status in ("ended", "terminated") and self.end_date < period.start:
            return False
        return self.start_date <= period.end and self.end_date >= period.start


@dataclass(frozen=True)
class Kpi:
    code: str
    name: str
    definition: str
    unit: str  # count, percent, days, gbp, score
    direction: str  # higher is better, lower is better, for information
    aggregation: str  # sum, ratio of sums, mean, latest
    row: int = 0

    @property
    def is_ratio(self) -> bool:
        """Provider gives Numerator and Denominator; the engine computes Actual."""
        return self.unit == "percent" or self.aggregation == "ratio of sums"


@dataclass(frozen=True)
class SlaKpi:
    contract_id: str
    kpi_code: str
    target: float | None
    amber: float | None
    mandatory: bool
    effective_from: Period
    row: int = 0


@dataclass(frozen=True)
class Budget:
    contract_id: str
    fy: int
    line: str
    annual_budget: float
    row: int = 0


@dataclass(frozen=True)
class Audit:
    contract_id: str
    date: date
    audit_type: str
    recommended_by: str
    outcome: str | None
    row: int = 0


@dataclass(frozen=True)
class ExitPlan:
    contract_id: str
    decision: str
    notice_date: date | None
    stp_received: date | None
    stp_approved: date | None
    post_contract_review: date | None
    row: int = 0


@dataclass(frozen=True)
class Dispute:
    contract_id: str
    opened: date
    route: str
    stage: str | None
    written_notice: date | None
    meeting_date: date | None
    status: str
    summary: str | None
    row: int = 0
    # Optional trailing columns (older registers without them still read).
    action_plan_due: date | None = None  # when the agreed action plan is to be completed
    outcome: str | None = None  # what the action plan achieved, once it is done

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class ChecklistItem:
    contract_id: str
    item: str
    status: str
    expiry_date: date | None
    row: int = 0
    due_date: date | None = None  # optional column: when a requested item is due back


@dataclass(frozen=True)
class Settings:
    return_deadline_working_days: int = 20
    variance_tolerance: float = 0.10
    significant_failure_share: float = 0.10
    red_consecutive_quarters: int = 2
    plausibility_change_share: float = 0.50
    cost_per_user_range: float = 0.50
    cost_per_user_mismatch: float = 0.05
    exit_notice_months: int = 6
    exit_notice_warning_months: int = 9
    post_contract_review_months: int = 3
    audit_interval_months: int = 12
    dispute_meeting_working_days: int = 10
    stp_window_days: int = 30
    checklist_warning_days: int = 60
    contract_meeting_working_days: int = 15
    max_file_size_mb: float = 20
    protective_marking: str = "OFFICIAL-SENSITIVE"
    office_name: str = "Office of the Police and Crime Commissioner"
    office_email: str = ""
    smg_email: str = ""

    def described(self) -> list[tuple[str, object, str]]:
        """(setting words, value in force, what it does) for every knob, in sheet order."""
        return [(k.setting, getattr(self, k.key), k.description) for k in KNOBS]


@dataclass
class Register:
    contracts: dict[str, Contract] = field(default_factory=dict)
    kpis: dict[str, Kpi] = field(default_factory=dict)
    sla: list[SlaKpi] = field(default_factory=list)
    budgets: list[Budget] = field(default_factory=list)
    audits: list[Audit] = field(default_factory=list)
    exits: list[ExitPlan] = field(default_factory=list)
    disputes: list[Dispute] = field(default_factory=list)
    checklist: list[ChecklistItem] = field(default_factory=list)
    settings: Settings = field(default_factory=Settings)
    path: str = ""

    def active_contracts(self, period: Period) -> list[Contract]:
        """Contracts live in ``period``, in Contract ID order."""
        return sorted((c for c in self.contracts.values() if c.is_active_in(period)),
                      key=lambda c: c.contract_id)

    def sla_in_force(self, contract_id: str, period: Period) -> list[SlaKpi]:
        """For each KPI of the contract, the SLA row with the latest Effective From <= period.

        Returned in the order the KPIs first appear in the SLA KPIs sheet.
        """
        chosen: dict[str, SlaKpi] = {}
        order: list[str] = []
        for row in self._of_contract(self.sla, contract_id):
            if row.effective_from > period:
                continue
            if row.kpi_code not in chosen:
                order.append(row.kpi_code)
                chosen[row.kpi_code] = row
            elif row.effective_from > chosen[row.kpi_code].effective_from:
                chosen[row.kpi_code] = row
        return [chosen[code] for code in order]

    def budget_lines(self, contract_id: str, fy: int) -> list[Budget]:
        """The contract's budget lines for the financial year, in sheet order."""
        return [b for b in self._of_contract(self.budgets, contract_id) if b.fy == fy]

    def _of_contract(self, rows: list, contract_id: str) -> list:
        """The rows of ``rows`` (a list of this register's records) for one contract, in
        sheet order. Grouped once per list, not scanned per call: a national register has
        thousands of rows and these are asked for every return. Regrouped when the list is
        replaced or changes length (tests and the golden scenarios extend registers)."""
        cache = self.__dict__.setdefault("_grouped", {})
        hit = cache.get(id(rows))
        if hit is None or hit[0] is not rows or hit[1] != len(rows):
            grouped: dict[str, list] = {}
            for row in rows:
                grouped.setdefault(row.contract_id, []).append(row)
            hit = cache[id(rows)] = (rows, len(rows), grouped)
        return hit[2].get(contract_id, [])

    def exit_plan(self, contract_id: str) -> ExitPlan | None:
        rows = self._of_contract(self.exits, contract_id)
        return rows[-1] if rows else None

    def audits_of(self, contract_id: str) -> list[Audit]:
        """The contract's Audits rows, in sheet order."""
        return list(self._of_contract(self.audits, contract_id))
