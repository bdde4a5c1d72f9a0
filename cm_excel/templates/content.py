"""What a personalised template holds, worked out from the register — before any cell is written.

``template_content`` is the single place that decides the locked content of a template
(the Contract sheet's fields, the pre-filled rows of the main table) and its metadata.
The writer lays it out; the validator can call ``expected_fingerprint`` to know what a
return's locked parts must be, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..periods import Period, return_deadline
from ..register.model import Budget, Contract, Kpi, Register, SlaKpi
from . import contract as tc


@dataclass(frozen=True)
class KpiRow:
    """One pre-filled row of PerformanceReturn: the SLA row in force and its KPI."""

    sla: SlaKpi
    kpi: Kpi

    @property
    def target(self) -> float | None:
        """The target shown to the provider; blank for a "for information" KPI."""
        if self.kpi.direction == "for information":
            return None
        return self.sla.target

    @property
    def locked(self) -> tuple:
        """KPI Code, KPI, Unit, Target: the locked columns, in contract order."""
        return (self.kpi.code, self.kpi.name, self.kpi.unit, self.target)


@dataclass(frozen=True)
class BudgetRow:
    """One pre-filled row of FinancialReturn."""

    budget: Budget

    @property
    def quarter_budget(self) -> float:
        # An even quarter of the annual budget, unrounded: the same value the validator
        # recomputes from the register.
        return self.budget.annual_budget / 4

    @property
    def locked(self) -> tuple:
        """Budget Line, Annual Budget, Quarter Budget."""
        return (self.budget.line, self.budget.annual_budget, self.quarter_budget)


@dataclass(frozen=True)
class TemplateContent:
    kind: str  # contract.PERFORMANCE or contract.FINANCIAL
    contract: Contract
    period: Period
    contract_fields: dict[str, object]  # CONTRACT_FIELDS label → value, in order
    kpi_rows: tuple[KpiRow, ...]  # performance only
    budget_rows: tuple[BudgetRow, ...]  # financial only
    return_due: date

    @property
    def locked_rows(self) -> list[tuple]:
        rows = self.kpi_rows if self.kind == tc.PERFORMANCE else self.budget_rows
        return [r.locked for r in rows]

    @property
    def fingerprint(self) -> str:
        return tc.fingerprint(self.kind, self.contract_fields, self.locked_rows)

    @property
    def metadata(self) -> dict[str, object]:
        """META_KEYS → value, in META_KEYS order."""
        values = {
            "template_kind": self.kind,
            "template_version": tc.TEMPLATE_VERSION,
            "contract_id": self.contract.contract_id,
            "provider": self.contract.provider,
            "period": self.period.label,
            "fingerprint": self.fingerprint,
        }
        return {key: values[key] for key in tc.META_KEYS}

    @property
    def filename(self) -> str:
        return tc.template_filename(self.contract.contract_id, self.kind, self.period.slug)


def template_content(register: Register, contract: Contract, period: Period,
                     kind: str) -> TemplateContent:
    """The content of ``contract``'s ``kind`` template for ``period``.

    SLA rows whose KPI code is not on the KPI menu are left out (the register validator
    refuses such registers; this keeps the writer total).
    """
    if kind not in tc.KINDS:
        raise ValueError(f"unknown template kind {kind!r}")
    due = return_deadline(period, register.settings.return_deadline_working_days)
    fields = {
        "Contract ID": contract.contract_id,
        "Service": contract.service,
        "Provider": contract.provider,
        "Period": period.label,
        "Period Start": period.start,
        "Period End": period.end,
        "Return Due By": due,
        "Lead Officer": contract.lead_officer,
    }
    assert tuple(fields) == tc.CONTRACT_FIELDS, "content.py and contract.CONTRACT_FIELDS differ"
    kpi_rows: tuple[KpiRow, ...] = ()
    budget_rows: tuple[BudgetRow, ...] = ()
    if kind == tc.PERFORMANCE:
        kpi_rows = tuple(KpiRow(s, register.kpis[s.kpi_code])
                         for s in register.sla_in_force(contract.contract_id, period)
                         if s.kpi_code in register.kpis)
    else:
        budget_rows = tuple(BudgetRow(b)
                            for b in register.budget_lines(contract.contract_id, period.fy))
    return TemplateContent(kind, contract, period, fields, kpi_rows, budget_rows, due)


def expected_fingerprint(register: Register, contract_id: str, period: Period, kind: str) -> str:
    """The fingerprint a template issued today from ``register`` would carry."""
    return template_content(register, register.contracts[contract_id], period, kind).fingerprint
