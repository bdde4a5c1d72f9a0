"""RAG of a KPI result, threshold comparisons, and how values are written in evidence.

Comparisons allow for binary floating point (7/10 compared with a typed 0.7, 10% of
£250,000), so "at least 10%" is true at exactly 10% however the numbers were produced.
"""

from __future__ import annotations

GREEN, AMBER, RED = "Green", "Amber", "Red"
HIGHER, LOWER, INFO = "higher is better", "lower is better", "for information"

_EPS = 1e-9


def at_least(value: float, threshold: float) -> bool:
    """``value >= threshold``, inclusive at the boundary whatever the float rounding."""
    return value >= threshold - _EPS * max(1.0, abs(threshold))


def at_most(value: float, threshold: float) -> bool:
    return value <= threshold + _EPS * max(1.0, abs(threshold))


def beyond(value: float, threshold: float) -> bool:
    """``value > threshold``, false at the boundary whatever the float rounding."""
    return not at_most(value, threshold)


def variance_share(actual: float, budget: float) -> float | None:
    """(actual - budget) / budget: +0.12 is 12% over budget; None for a zero budget."""
    return (actual - budget) / budget if budget else None


def rag(actual: float | None, target: float | None, amber: float | None,
        direction: str) -> str | None:
    """Green / Amber / Red, or None when the KPI is for information or has no value/target.

    Higher is better: Green if actual >= target, Amber if actual >= amber threshold, else
    Red. Lower is better: mirrored (Green if actual <= target ...). With no amber threshold,
    anything worse than target is Red.
    """
    if direction not in (HIGHER, LOWER) or actual is None or target is None:
        return None
    if amber is None:
        amber = target
    ok = at_least if direction == HIGHER else at_most
    if ok(actual, target):
        return GREEN
    if ok(actual, amber):
        return AMBER
    return RED


# --- writing values in words ------------------------------------------------------------


def money(value: float | None) -> str:
    """Exact money for evidence: ``£1,200`` or ``£215,352.62``."""
    if value is None:
        return "blank"
    sign = "-" if value < 0 else ""
    value = abs(value)
    if abs(value - round(value)) < 0.005:
        return f"{sign}£{value:,.0f}"
    return f"{sign}£{value:,.2f}"


def pounds(value: float | None) -> str:
    """Money in prose, in whole pounds: ``£215,353`` (evidence keeps the pence: ``money``)."""
    if value is None:
        return "blank"
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(value):,.0f}"


def percent(share: float | None, places: int = 1) -> str:
    if share is None:
        return "blank"
    return f"{share * 100:.{places}f}%"


def number(value: float | None) -> str:
    if value is None:
        return "blank"
    if abs(value - round(value)) < 1e-9:
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def day(d) -> str:
    """``9 Dec 2026`` for a date or datetime."""
    return f"{d.day} {d:%b %Y}"


def kpi_value(value: float | None, unit: str) -> str:
    """A KPI value as people write it: 78.0%, £1,200, 2.5 days, 412."""
    if value is None:
        return "blank"
    if unit == "percent":
        return percent(value)
    if unit == "gbp":
        return money(value)
    if unit == "days":
        return f"{number(value)} days"
    return number(value)


def cell_ref(file: str, sheet: str, cell: str) -> str:
    """``VS-001_performance_v1_ab12.xlsx Performance!G7`` (sheet quoted if it needs it)."""
    if any(ch in sheet for ch in " -&'()") or not sheet:
        sheet = "'" + sheet.replace("'", "''") + "'"
    return f"{file} {sheet}!{cell}"
