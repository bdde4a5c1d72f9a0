"""What validating a return produces: findings plus the normalised values to record.

The ledger records exactly these values; consolidation reads them back from the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any, Protocol

from ..periods import Period
from ..findings import Finding, Level, outcome


@dataclass(frozen=True)
class KpiValue:
    kpi_code: str
    numerator: float | None
    denominator: float | None
    actual: float | None  # recomputed by the engine for ratio KPIs; fraction for percent
    target: float | None  # register's target in force (the register wins)
    amber: float | None
    commentary: str | None
    sheet: str
    cell: str  # the Actual cell for plain KPIs, the Numerator cell for ratio KPIs


@dataclass(frozen=True)
class FinancialLine:
    budget_line: str
    annual_budget: float | None  # register's figure
    quarter_budget: float | None
    quarter_actual: float | None
    ytd_actual: float | None
    forecast_outturn: float | None
    variance_explanation: str | None
    sheet: str
    row: int


# Records of the other performance tables are dicts keyed by the ledger's column names:
#   incidents:    date, description, clients_affected, estimated_cost, harm_caused,
#                 provider_negligence, reputational_risk, action_taken, sheet, row
#   complaints:   date_received, category, summary, outcome, resolved_date, sheet, row
#   risks:        risk, likelihood, impact, mitigation, owner, status, sheet, row
#   improvements: action, due_date, status, progress, sheet, row
# Dates are ISO strings, Y/N fields "Y"/"N", numbers float.


@dataclass
class ValidationResult:
    file: str  # file name for people
    path: str
    sha256: str
    contract_id: str | None = None
    provider: str | None = None
    period: Period | None = None
    kind: str | None = None
    template_version: int | None = None
    findings: list[Finding] = field(default_factory=list)
    kpis: list[KpiValue] = field(default_factory=list)
    lines: list[FinancialLine] = field(default_factory=list)
    incidents: list[dict[str, Any]] = field(default_factory=list)
    complaints: list[dict[str, Any]] = field(default_factory=list)
    risks: list[dict[str, Any]] = field(default_factory=list)
    improvements: list[dict[str, Any]] = field(default_factory=list)
    sign_off: dict[str, Any] = field(default_factory=dict)  # prepared_by, approved_by, signoff_date
    # The return's own values with coordinates (ReturnWorkbook.sheet_values), for feedback.
    sheet_values: Callable[[], Any] | None = field(default=None, repr=False, compare=False)

    @property
    def status(self) -> str:
        """``accepted`` or ``rejected`` (an error, or a query the provider has not explained)."""
        return outcome(self.findings)

    def count(self, level: Level) -> int:
        return sum(1 for f in self.findings if f.level is level)


class History(Protocol):
    """What validation asks of the ledger about a provider's earlier accepted returns."""

    def previous_ytd(self, contract_id: str, period: Period, budget_line: str) -> float | None:
        """Year To Date Actual of the accepted return for the previous quarter of the same
        financial year; 0.0 for Q1; None when that return is not in the ledger."""

    def previous_kpi(self, contract_id: str, period: Period, kpi_code: str) -> float | None:
        """Actual of the KPI in the accepted return for the previous quarter; None if none."""

    def year_started(self, period: Period) -> bool:
        """Whether any accepted return of ``period``'s financial year, for an earlier quarter
        and any contract, is known (False in the first quarter a workspace is used)."""

    def complaint_reported(self, contract_id: str, period: Period,
                           complaint: dict[str, Any]) -> bool | None:
        """Whether an accepted return for a quarter before ``period`` reported this
        complaint (same date received, category and summary); None when unknown."""


class NoHistory:
    """History for a workspace with no ledger yet (e.g. ``validate`` run by a provider)."""

    def previous_ytd(self, contract_id, period, budget_line):
        return 0.0 if period.quarter == 1 else None

    def previous_kpi(self, contract_id, period, kpi_code):
        return None

    def year_started(self, period):
        return True  # unknown: a provider checking alone is told once what was not checked

    def complaint_reported(self, contract_id, period, complaint):
        return None
