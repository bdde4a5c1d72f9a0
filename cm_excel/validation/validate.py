"""Validate one return: every finding of the file in one pass, plus the values to record.

The order of the checks is the order a person would ask the questions (SPEC "Ingesting
and validating"): what is it, is it whole, is it as issued, is it right, is it signed,
is it plausible. Checks never stop at the first problem; each reports through the
context, so every finding names the file, sheet, cell and value.
"""

from __future__ import annotations

from datetime import datetime

from ..intake.model import ReturnWorkbook
from ..register.model import Register
from ..templates import contract as tc
from . import checks_plausibility as plausibility
from .checks_common import Context
from .checks_financial import check_financial
from .checks_identity import check_received, check_structure, identify
from .checks_performance import check_kpis
from .checks_records import check_records
from .checks_signoff import check_sign_off
from .checks_tamper import check_tamper
from .checks_text import check_text_length
from ..findings import sort_key
from .result import History, NoHistory, ValidationResult


def validate_return(wb: ReturnWorkbook, register: Register, history: History = NoHistory(), *,
                    received_at: datetime | None = None) -> ValidationResult:
    """Check ``wb`` against the register and the provider's history.

    Returns a ValidationResult whose ``findings`` hold every problem found (sorted: errors,
    then queries, then warnings, each by sheet and cell) and whose kpis / lines /
    incidents / complaints / risks / improvements / sign_off hold the normalised values
    (targets and budgets from the register; ratio KPIs recomputed). ``status`` is
    ``accepted`` or ``rejected``. ``received_at`` (the file's arrival time) enables
    RECEIVED_EARLY and the sign-off date's upper bound.

    Never raises for bad data. Codes: see ``rules.catalogue()``; a check that fails
    unexpectedly is reported as CHECK_FAILED (an error) rather than stopping the run.
    """
    ctx = Context(wb=wb, register=register, history=history, received_at=received_at)
    result = ValidationResult(file=wb.name, path=wb.path, sha256=wb.sha256,
                              sheet_values=wb.sheet_values)

    def run(name, check, *args, default=None):
        try:
            return check(ctx, *args)
        except Exception as exc:  # a bug of ours must not lose the rest of the file's problems
            ctx.add("CHECK_FAILED", sheet="", cell="", value=f"{name}: {type(exc).__name__}: {exc}")
            return default

    run("identity", identify)
    run("received", check_received)
    run("structure", check_structure)
    run("tamper", check_tamper)
    if ctx.kind == tc.PERFORMANCE:
        result.kpis = run("kpis", check_kpis, default=[])
        records = run("records", check_records, default={})
        result.incidents = records.get("Incidents", [])
        result.complaints = records.get("Complaints", [])
        result.risks = records.get("Risks", [])
        result.improvements = records.get("Improvements", [])
        run("kpi changes", plausibility.check_kpi_changes, result.kpis)
        run("cost per user", plausibility.check_cost_per_user_kpis, result.kpis)
    elif ctx.kind == tc.FINANCIAL:
        result.lines = run("financial", check_financial, default=[])
        run("cost per user", plausibility.check_cost_per_user_spend, result.lines)
    result.sign_off = run("sign-off", check_sign_off, default={}) or {}
    run("text length", check_text_length)

    result.contract_id = ctx.contract_id
    result.provider = ctx.provider
    result.period = ctx.period
    result.kind = ctx.kind
    result.template_version = ctx.version
    result.findings = sorted(ctx.findings, key=sort_key)
    return result
