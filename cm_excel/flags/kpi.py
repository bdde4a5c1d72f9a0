"""Performance flags: KPI_RED, KPI_AMBER, KPI_MISSING, KPI_RED_CONSECUTIVE.

Each rule takes the quarter's facts and yields flags; the RAG itself was worked out when
the facts were loaded (rag.rag), against the register's targets in force.

The escalation ladder (model.py): a KPI red once, or a mandatory KPI missing once, is raised
at the next quarterly contract meeting (NORMAL); the informal procedure (§5.1) only once
normal management has not resolved it: red for the set number of quarters in a row
(KPI_RED_CONSECUTIVE), or missing a second quarter running. Every flag about one KPI has
that KPI as its issue, so SMG sees it as one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from .catalogue import BY_CODE
from .model import INFORMAL, Flag
from ..portfolio.rag import AMBER, RED, kpi_value

if TYPE_CHECKING:
    from ..portfolio.quarter import KpiResult, QuarterData


def _thresholds(k: "KpiResult") -> str:
    amber = k.amber if k.amber is not None else k.target
    return (f"{k.direction}; target {kpi_value(k.target, k.unit)}, "
            f"amber threshold {kpi_value(amber, k.unit)}")


def _evidence(k: "KpiResult") -> str:
    parts = [f"{k.ref} = {kpi_value(k.actual, k.unit)} ({_thresholds(k)})"]
    if k.sla_ref:
        parts.append(f"target from {k.sla_ref}")
    return "; ".join(parts)


def kpi_issue(k: "KpiResult") -> str:
    """The issue every flag about this KPI shares: ``VS02 Contact within 48 hours``."""
    return f"{k.kpi_code} {k.name}"


def _flag(k: "KpiResult", code: str, detail: str, evidence: str, refs,
          action: str | None = None) -> Flag:
    spec = BY_CODE[code]
    return Flag(k.contract_id, code, spec.severity, detail, evidence, action or spec.action,
                tuple(refs), issue=kpi_issue(k))


def _rag_flags(data: "QuarterData", rag: str, code: str) -> Iterator[Flag]:
    word = rag.lower()
    for k in data.kpis:
        if k.rag == rag:
            yield _flag(k, code,
                        f"{k.kpi_code} {k.name} is {word}: {kpi_value(k.actual, k.unit)} against "
                        f"a target of {kpi_value(k.target, k.unit)}.",
                        _evidence(k), [k.ref])


def kpi_red(data: "QuarterData") -> Iterator[Flag]:
    """KPI_RED: a KPI worse than its amber threshold this quarter."""
    return _rag_flags(data, RED, "KPI_RED")


def kpi_amber(data: "QuarterData") -> Iterator[Flag]:
    """KPI_AMBER: a KPI worse than target but within its amber threshold."""
    return _rag_flags(data, AMBER, "KPI_AMBER")


def kpi_missing(data: "QuarterData") -> Iterator[Flag]:
    """KPI_MISSING: a mandatory SLA KPI in force with no value in the accepted return.

    Without an accepted performance return RETURN_MISSING / RETURN_REJECTED says it instead.
    Missing in the previous quarter's accepted return too (mandatory then): the informal
    procedure, as normal management has not resolved it.
    """
    for k in data.kpis:
        if k.mandatory and k.returned and not k.reported:
            perf = data.return_of(k.contract_id, "performance").accepted
            if k.ref:
                evidence, refs = f"{k.ref} is blank", [k.ref]
            else:
                evidence, refs = f"{k.kpi_code} is not in {perf.file}", [perf.file]
            if k.sla_ref:
                evidence += f"; mandatory in {k.sla_ref}"
                refs.append(k.sla_ref)
            detail = f"{k.kpi_code} {k.name} is mandatory under the SLA but was not reported."
            before = k.history[-1] if k.history else None
            again = (before is not None and before.period == data.period.shift(-1)
                     and before.returned and before.mandatory and before.actual is None)
            if again:
                detail += f" It was not reported in {before.period.label} either."
                evidence += f"; not reported in the accepted {before.period.label} return either"
            yield _flag(k, "KPI_MISSING", detail, evidence, refs,
                        INFORMAL if again else None)


def kpi_red_consecutive(data: "QuarterData") -> Iterator[Flag]:
    """KPI_RED_CONSECUTIVE: red this quarter and the previous (N - 1) quarters."""
    n = max(1, data.settings.red_consecutive_quarters)
    for k in data.kpis:
        if k.consecutive_red >= n:
            yield _flag(k, "KPI_RED_CONSECUTIVE", consecutive_detail(k),
                        consecutive_evidence(k), consecutive_refs(k))


def consecutive_detail(k: "KpiResult") -> str:
    return (f"{k.kpi_code} {k.name} has been red for {k.consecutive_red} quarters in a row "
            f"(this quarter {kpi_value(k.actual, k.unit)} against a target of "
            f"{kpi_value(k.target, k.unit)}): an ongoing performance issue.")


def _red_run(k: "KpiResult"):
    """(period label, value, ref) of the red run, newest first."""
    run = [(None, k.actual, k.ref)]
    for point in reversed(k.history[len(k.history) - (k.consecutive_red - 1):]
                          if k.consecutive_red > 1 else ()):
        run.append((point.period.label, point.actual, point.ref))
    return run


def consecutive_evidence(k: "KpiResult") -> str:
    parts = []
    for label, value, ref in _red_run(k):
        parts.append(f"{ref} = {kpi_value(value, k.unit)}" + (f" ({label})" if label else
                                                                " (this quarter)"))
    text = "; ".join(parts) + f"; {_thresholds(k)}"
    return text + (f"; target from {k.sla_ref}" if k.sla_ref else "")


def consecutive_refs(k: "KpiResult") -> tuple[str, ...]:
    return tuple(ref for _, _, ref in _red_run(k) if ref)
