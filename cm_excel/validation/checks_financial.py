"""The FinancialReturn table against the contract's budget lines in the register.

Budgets come from the register (Annual Budget; Quarter Budget = an even quarter of it,
as issued in the template). Year to date is checked against the previous accepted
quarter in the ledger, with a £1 tolerance for rounding. Totals are never read from the
file; whoever needs them adds up the lines.
"""

from __future__ import annotations

from ..intake.model import Cell, TableRead
from ..register.model import Budget
from .checks_common import Context, cell_of, header_ref, number_in, row_of, same_text, text_of
from .result import FinancialLine
from .rules import money, percent
from .values import parse_number

TABLE = "FinancialReturn"
YTD_TOLERANCE = 1.0  # pounds: pence rounding in providers' own ledgers
REQUIRED = ("Quarter Actual", "Year To Date Actual", "Forecast Outturn")
# A credit can make one quarter's spend negative; a year to date or forecast cannot be.
NON_NEGATIVE = ("Year To Date Actual", "Forecast Outturn")


def quarter_budget(budget: Budget) -> float:
    """The quarter's budget: an even quarter of the annual budget (as the template shows)."""
    return budget.annual_budget / 4


def check_financial(ctx: Context) -> list[FinancialLine]:
    """Check every budget line; return the normalised lines to record.

    Findings: FIN_LINE_UNKNOWN, FIN_LINE_DUPLICATE, FIN_LINE_MISSING, VALUE_BLANK,
    VALUE_NOT_NUMBER, VALUE_AS_TEXT, VALUE_NEGATIVE, FIN_YTD_MISMATCH, FIN_YTD_UNCHECKED,
    FIN_VARIANCE_UNEXPLAINED.
    """
    table = ctx.wb.tables.get(TABLE)
    if table is None or "Budget Line" in table.missing_headers:
        return []  # TABLE_MISSING / COLUMN_MISSING say so; no row can be told apart
    budgets = None
    if ctx.contract is not None and ctx.period is not None:
        budgets = ctx.register.budget_lines(ctx.contract.contract_id, ctx.period.fy)
    first_row: dict[str, int] = {}
    lines: list[FinancialLine] = []
    unchecked: list[tuple[Cell, str]] = []  # year-to-date cells with no previous quarter
    for row in table.rows:
        line_cell = cell_of(row, "Budget Line", table)
        name = text_of(line_cell)
        if name is None:
            entered = [cell_of(row, h, table) for h in REQUIRED]
            if any(not c.blank for c in entered):
                ctx.add("FIN_LINE_UNKNOWN", line_cell, fy=_fy(ctx))
            continue
        budget = None
        if budgets is not None:
            budget = next((b for b in budgets if same_text(b.line, name)), None)
            if budget is None:
                ctx.add("FIN_LINE_UNKNOWN", line_cell, fy=_fy(ctx))
                continue
            name = budget.line  # the register's spelling
        key = " ".join(name.split()).casefold()
        if key in first_row:
            ctx.add("FIN_LINE_DUPLICATE", line_cell, line=name, expected=str(first_row[key]))
            continue
        first_row[key] = row_of(row)
        lines.append(_check_line(ctx, table, row, name, budget, unchecked))
    _say_unchecked(ctx, unchecked)
    if budgets is not None:
        for budget in budgets:
            if " ".join(budget.line.split()).casefold() not in first_row:
                ctx.add("FIN_LINE_MISSING", sheet=table.sheet,
                        cell=header_ref(table, "Budget Line"), value=budget.line,
                        line=budget.line)
    return lines


def _fy(ctx: Context) -> str:
    return ctx.period.fy_label if ctx.period else "this year"


def _money(ctx: Context, table: TableRead, row: dict[str, Cell], header: str,
           line: str) -> tuple[Cell, float | None]:
    cell = cell_of(row, header, table)
    if cell.blank:
        if header in REQUIRED and header not in table.missing_headers:
            ctx.add("VALUE_BLANK", cell, what=f"{header} for {line}")
        return cell, None
    value = number_in(ctx, cell, what=f"{header} for {line}", display=money).value
    if value is not None and value < 0 and header in NON_NEGATIVE:
        ctx.add("VALUE_NEGATIVE", cell, what=f"{header} for {line}")
        return cell, None
    return cell, value


def _check_line(ctx: Context, table: TableRead, row: dict[str, Cell], line: str,
                budget: Budget | None, unchecked: list) -> FinancialLine:
    _, qa = _money(ctx, table, row, "Quarter Actual", line)
    ytd_cell, ytd = _money(ctx, table, row, "Year To Date Actual", line)
    _, forecast = _money(ctx, table, row, "Forecast Outturn", line)
    explanation_cell = cell_of(row, "Variance Explanation", table)
    explanation = text_of(explanation_cell)

    if budget is not None:
        annual, qb = budget.annual_budget, quarter_budget(budget)
    else:  # contract or period unknown: keep what the file says, unchecked
        annual = parse_number(cell_of(row, "Annual Budget", table).value).value
        qb = parse_number(cell_of(row, "Quarter Budget", table).value).value

    if ctx.contract is not None and ctx.period is not None and qa is not None and ytd is not None:
        _check_ytd(ctx, ytd_cell, line, qa, ytd, unchecked)
    if budget is not None and explanation is None:
        _check_variance(ctx, explanation_cell, line, annual, qb, qa, ytd)

    return FinancialLine(budget_line=line, annual_budget=annual, quarter_budget=qb,
                         quarter_actual=qa, ytd_actual=ytd, forecast_outturn=forecast,
                         variance_explanation=explanation, sheet=table.sheet, row=row_of(row))


def _check_ytd(ctx: Context, cell: Cell, line: str, qa: float, ytd: float,
               unchecked: list) -> None:
    period = ctx.period
    if period.quarter == 1:
        previous = 0.0  # a new financial year starts from nothing, whatever the ledger says
    else:
        previous = ctx.history.previous_ytd(ctx.contract.contract_id, period, line)
    if previous is None:
        unchecked.append((cell, line))
        return
    expected = previous + qa
    if abs(ytd - expected) > YTD_TOLERANCE:
        ctx.add("FIN_YTD_MISMATCH", cell, display=money(ytd), line=line,
                previous=money(previous), quarter=money(qa), expected=money(expected))


def _say_unchecked(ctx: Context, unchecked: list[tuple[Cell, str]]) -> None:
    """FIN_YTD_UNCHECKED once for the return, at its first unchecked line; not at all when
    the ledger holds no earlier quarter of the year for any contract (the first quarter a
    workspace is used: nobody's previous quarter can be there, and the provider cannot fix
    that)."""
    if not unchecked:
        return
    if not ctx.history.year_started(ctx.period):
        return
    cell, line = unchecked[0]
    what = line if len(unchecked) == 1 else f"{len(unchecked)} budget lines (from {line})"
    ctx.add("FIN_YTD_UNCHECKED", cell, line=what, previous=ctx.period.previous().label)


def _check_variance(ctx: Context, cell: Cell, line: str, annual: float, qb: float,
                    qa: float | None, ytd: float | None) -> None:
    """FIN_VARIANCE_UNEXPLAINED: quarter first, else year to date (one finding per line)."""
    tolerance = ctx.settings.variance_tolerance
    ytd_budget = annual * ctx.period.quarter / 4
    for actual, budget, basis in ((qa, qb, "this quarter"), (ytd, ytd_budget, "year to date")):
        if actual is None:
            continue
        gap = abs(actual - budget)
        if gap > tolerance * abs(budget) + 0.005:  # half a penny: float noise is not variance
            share = percent(gap / budget) if budget else "all of it"
            ctx.add("FIN_VARIANCE_UNEXPLAINED", cell, value=actual, display=money(actual),
                    line=line, expected=money(budget), share=share, basis=basis,
                    tolerance=percent(tolerance))
            return
