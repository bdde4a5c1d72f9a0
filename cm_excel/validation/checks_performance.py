"""The PerformanceReturn table against the contract's SLA KPIs in force for the period.

For a ratio KPI (every percentage, and any "ratio of sums" KPI) the provider gives
Numerator and Denominator and the engine computes Actual; whatever the Actual cell holds
(a typed figure or a formula's cached result) is only compared, never used. For other
KPIs the provider's Actual is the value. Targets and amber thresholds come from the
register, never from the return.
"""

from __future__ import annotations

from ..intake.model import Cell, TableRead
from ..register.model import Kpi, SlaKpi
from .checks_common import Context, cell_of, header_ref, number_in, row_of, text_of
from .result import KpiValue
from .rules import money, percent, show
from .values import parse_number, parse_percent

TABLE = "PerformanceReturn"
# Units whose figures cannot be below zero (a score may be, e.g. a net promoter score).
NON_NEGATIVE_UNITS = ("count", "percent", "days", "gbp")
_EPSILON = 1e-9


def display(kpi: Kpi | None, value: float | None) -> str:
    """A KPI figure as people read it: 85%, £1,234.00, 12."""
    if value is None:
        return "blank"
    if kpi is not None and kpi.unit == "percent":
        return percent(value)
    if kpi is not None and kpi.unit == "gbp":
        return money(value)
    return show(value)


def is_red(kpi: Kpi, actual: float | None, target: float | None, amber: float | None) -> bool:
    """Worse than the amber threshold (or than the target when there is no amber threshold).

    Higher is better: red when actual < amber; lower is better: red when actual > amber;
    "for information" KPIs are never red.
    """
    if actual is None or target is None or kpi.direction == "for information":
        return False
    threshold = amber if amber is not None else target
    if kpi.direction == "lower is better":
        return actual > threshold + _EPSILON
    return actual < threshold - _EPSILON


def check_kpis(ctx: Context) -> list[KpiValue]:
    """Check every KPI row; return the normalised values to record.

    Findings: KPI_UNKNOWN, KPI_DUPLICATE, KPI_NOT_IN_SLA, KPI_MANDATORY_MISSING, VALUE_BLANK,
    VALUE_NOT_NUMBER, VALUE_AS_TEXT, VALUE_NEGATIVE, NUMERATOR_GT_DENOMINATOR,
    DENOMINATOR_ZERO (query), PERCENT_OUT_OF_RANGE, ACTUAL_INCONSISTENT,
    COMMENTARY_REQUIRED_RED.
    """
    table = ctx.wb.tables.get(TABLE)
    if table is None or "KPI Code" in table.missing_headers:
        return []  # TABLE_MISSING / COLUMN_MISSING say so; no row can be told apart
    sla = ctx.sla()
    first_row: dict[str, int] = {}
    values: list[KpiValue] = []
    for row in table.rows:
        code_cell = cell_of(row, "KPI Code", table)
        code = text_of(code_cell)
        if code is None:
            entered = [cell_of(row, h, table) for h in ("Numerator", "Denominator", "Actual")]
            if any(not c.blank for c in entered):
                ctx.add("KPI_UNKNOWN", code_cell)
            continue
        kpi = ctx.kpi(code)
        if kpi is None:
            ctx.add("KPI_UNKNOWN", code_cell)
            continue
        if code in first_row:
            ctx.add("KPI_DUPLICATE", code_cell, kpi=code, expected=str(first_row[code]))
            continue
        first_row[code] = row_of(row)
        sla_row = sla.get(code) if sla is not None else None
        if sla is not None and sla_row is None:
            ctx.add("KPI_NOT_IN_SLA", code_cell, kpi=code, period=ctx.period.label)
            continue
        value = _check_row(ctx, table, row, kpi, sla_row)
        if value is not None:
            values.append(value)
    if sla is not None:
        for code, sla_row in sla.items():
            if sla_row.mandatory and code not in first_row and code in ctx.register.kpis:
                ctx.add("KPI_MANDATORY_MISSING", sheet=table.sheet,
                        cell=header_ref(table, "KPI Code"), value=code, kpi=code)
    return values


def _number(ctx: Context, cell: Cell, header: str, kpi: Kpi) -> float | None:
    parsed = number_in(ctx, cell, what=f"{header} for {kpi.code}",
                       display=lambda v: money(v) if kpi.unit == "gbp" else show(v))
    value = parsed.value
    if value is not None and value < 0 and kpi.unit in NON_NEGATIVE_UNITS:
        ctx.add("VALUE_NEGATIVE", cell, what=f"{header} for {kpi.code}")
        return None
    return value


def _check_row(ctx: Context, table: TableRead, row: dict[str, Cell], kpi: Kpi,
               sla_row: SlaKpi | None) -> KpiValue | None:
    mandatory = bool(sla_row and sla_row.mandatory)
    num_cell = cell_of(row, "Numerator", table)
    den_cell = cell_of(row, "Denominator", table)
    actual_cell = cell_of(row, "Actual", table)
    commentary = text_of(cell_of(row, "Commentary", table))
    commentary_cell = cell_of(row, "Commentary", table)
    numerator = denominator = None

    if kpi.is_ratio:
        numerator = _number(ctx, num_cell, "Numerator", kpi)
        denominator = _number(ctx, den_cell, "Denominator", kpi)
        if num_cell.blank and den_cell.blank and not mandatory:
            return None  # an optional KPI not reported this quarter
        for cell, header in ((num_cell, "Numerator"), (den_cell, "Denominator")):
            if cell.blank and header not in table.missing_headers:
                ctx.add("VALUE_BLANK", cell, what=f"{header} for {kpi.code}")
        actual = None
        if numerator is not None and denominator is not None:
            if kpi.unit == "percent" and numerator > denominator + _EPSILON:
                # Not a percentage at all: nothing to record, judge or compare.
                ctx.add("NUMERATOR_GT_DENOMINATOR", num_cell, value=numerator,
                        kpi=kpi.code, expected=show(denominator))
            elif denominator == 0:
                ctx.add("DENOMINATOR_ZERO", den_cell, kpi=kpi.code,
                        explained=commentary is not None)
            else:
                actual = numerator / denominator
        _compare_typed_actual(ctx, actual_cell, kpi, actual)
        where = num_cell
    else:
        actual = _number(ctx, actual_cell, "Actual", kpi)
        if actual_cell.blank:
            if not mandatory:
                return None
            if "Actual" not in table.missing_headers:
                ctx.add("VALUE_BLANK", actual_cell, what=f"Actual for {kpi.code}")
        where = actual_cell

    target = sla_row.target if sla_row else None
    amber = sla_row.amber if sla_row else None
    if commentary is None and is_red(kpi, actual, target, amber):
        ctx.add("COMMENTARY_REQUIRED_RED", commentary_cell, value=actual,
                display=display(kpi, actual), kpi=kpi.code,
                expected=display(kpi, target), amber=display(kpi, amber))
    return KpiValue(kpi_code=kpi.code, numerator=numerator, denominator=denominator,
                    actual=actual, target=target, amber=amber, commentary=commentary,
                    sheet=where.sheet, cell=where.ref)


def _compare_typed_actual(ctx: Context, cell: Cell, kpi: Kpi, computed: float | None) -> None:
    """PERCENT_OUT_OF_RANGE / ACTUAL_INCONSISTENT for what the Actual cell of a ratio KPI shows.

    A formula text (a reader that returns formulas) or junk is ignored: the cell is not used.
    """
    if cell.blank or (isinstance(cell.value, str) and cell.value.lstrip().startswith("=")):
        return
    typed = (parse_percent if kpi.unit == "percent" else parse_number)(cell.value).value
    if typed is None:
        return
    if kpi.unit == "percent" and not (-_EPSILON <= typed <= 1 + _EPSILON):
        ctx.add("PERCENT_OUT_OF_RANGE", cell, display=display(kpi, typed), kpi=kpi.code)
        return
    if computed is None:
        return
    # Allow for the provider rounding what they typed: half a percentage point for
    # percentages, otherwise 1% of the figure (or 0.05 for small figures).
    tolerance = 0.005 if kpi.unit == "percent" else max(0.01 * abs(computed), 0.05)
    if abs(typed - computed) > tolerance:
        ctx.add("ACTUAL_INCONSISTENT", cell, display=display(kpi, typed), kpi=kpi.code,
                expected=display(kpi, computed))
