"""The records tables of a performance return: Incidents, Complaints, Risks, Improvements.

What each column is, whether it is required, and what it holds is a table (``COLUMNS``);
``check_records`` applies it. Records are returned as dicts keyed by the ledger's column
names (see ``result.py``): dates as ISO text, Y/N as "Y"/"N", numbers as float.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..intake.model import Cell, TableRead
from ..templates import contract as tc
from .checks_common import Context, cell_of, number_in, row_of
from .rules import show
from .values import INVALID, TEXT, parse_choice, parse_date, parse_text, parse_yes_no

# Column kinds.
TEXT_COL, DATE_COL, NUMBER_COL, YN_COL, CHOICE_COL = "text", "date", "number", "yn", "choice"


@dataclass(frozen=True)
class Col:
    header: str
    key: str  # the ledger's column name
    kind: str = TEXT_COL
    required: bool = True
    reported: bool = False  # the date an incident happened or a complaint was received
    choices: tuple[str, ...] = ()


COLUMNS: dict[str, tuple[Col, ...]] = {
    "Incidents": (
        Col("Date", "date", DATE_COL, reported=True),
        Col("Description", "description"),
        Col("Clients Affected", "clients_affected", NUMBER_COL),
        Col("Estimated Cost (£)", "estimated_cost", NUMBER_COL),
        Col("Harm Caused", "harm_caused", YN_COL),
        Col("Provider Negligence", "provider_negligence", YN_COL),
        Col("Reputational Risk", "reputational_risk", YN_COL),
        Col("Action Taken", "action_taken"),
        # Optional: a blank is "Not given" to SMG (as in a version 1 return), so a return
        # is never sent back for it; a category not in the list is kept with a warning.
        Col("Category", "category", CHOICE_COL, required=False, choices=tc.INCIDENT_CATEGORIES),
    ),
    "Complaints": (
        Col("Date Received", "date_received", DATE_COL, reported=True),
        Col("Category", "category"),
        Col("Summary", "summary"),
        Col("Outcome", "outcome", CHOICE_COL, choices=tc.COMPLAINT_OUTCOMES),
        Col("Resolved Date", "resolved_date", DATE_COL, required=False),
    ),
    "Risks": (
        Col("Risk", "risk"),
        Col("Likelihood", "likelihood", CHOICE_COL, choices=tc.RISK_LEVELS),
        Col("Impact", "impact", CHOICE_COL, choices=tc.RISK_LEVELS),
        Col("Mitigation", "mitigation", required=False),
        Col("Owner", "owner", required=False),
        Col("Status", "status", CHOICE_COL, choices=tc.RISK_STATUSES),
    ),
    "Improvements": (
        Col("Action", "action"),
        Col("Due Date", "due_date", DATE_COL),
        Col("Status", "status", CHOICE_COL, choices=tc.ACTION_STATUSES),
        Col("Progress", "progress", required=False),
    ),
}

# Guarantee at import time that the table covers the template contract exactly, in order.
for _name, _cols in COLUMNS.items():
    assert tuple(c.header for c in _cols) == tc.TABLES[_name].headers, _name


def check_records(ctx: Context) -> dict[str, list[dict[str, Any]]]:
    """Check every row of the four records tables; return table name → records.

    Findings: RECORD_INCOMPLETE, RECORD_DATE_INVALID, RECORD_DATE_OUTSIDE_QUARTER,
    RECORD_REPORTED_LATE, RECORD_YN_INVALID, RECORD_CHOICE_INVALID, VALUE_NOT_NUMBER,
    VALUE_AS_TEXT, VALUE_NEGATIVE.

    An incident or complaint may be dated in an earlier quarter (reported late), back to
    ``LATE_REPORT_QUARTERS`` before this one and not before the contract started; after
    the quarter's end, or earlier than that, it is RECORD_DATE_OUTSIDE_QUARTER (an error).
    A late incident is queried (RECORD_REPORTED_LATE, explained by its Action Taken); so
    is a complaint from an earlier quarter that no accepted return reported before (a
    complaint already reported is an update of its outcome: no query).
    """
    out: dict[str, list[dict[str, Any]]] = {}
    for name, cols in COLUMNS.items():
        table = ctx.wb.tables.get(name)
        out[name] = [] if table is None else [_record(ctx, table, row, cols) for row in table.rows]
    return out


def reporting_window(ctx: Context) -> tuple[date, date] | None:
    """(earliest, latest) date an incident or complaint of this return may carry."""
    period = ctx.period
    if period is None:
        return None
    earliest = period.shift(-tc.LATE_REPORT_QUARTERS).start
    if ctx.contract is not None and ctx.contract.start_date is not None:
        earliest = max(earliest, ctx.contract.start_date)
    return min(earliest, period.start), period.end


def _late(ctx: Context, table: str, record: dict[str, Any], col: Col, cell: Cell) -> None:
    """RECORD_REPORTED_LATE for a record dated before the quarter (inside the window)."""
    if ctx.period is None or record.get(col.key) is None:
        return
    when = date.fromisoformat(record[col.key])
    window = reporting_window(ctx)
    if when >= ctx.period.start or when < window[0]:
        return  # in the quarter, or outside the window (RECORD_DATE_OUTSIDE_QUARTER said so)
    header = col.header
    if table == "Incidents":
        ctx.add("RECORD_REPORTED_LATE", cell, value=when, what="incident", header=header,
                period=ctx.period.label, explain_in="Action Taken",
                explained=bool(record.get("action_taken")))
        return
    if ctx.contract is None:
        return
    seen = reported_before(ctx, record)
    if seen is False:
        ctx.add("RECORD_REPORTED_LATE", cell, value=when, what="complaint", header=header,
                period=ctx.period.label, explain_in="Summary",
                explained=bool(record.get("summary")))


def reported_before(ctx: Context, record: dict[str, Any]) -> bool | None:
    """Whether an accepted earlier return reported this complaint; None when unknown."""
    return ctx.history.complaint_reported(ctx.contract.contract_id, ctx.period, record)


def _record(ctx: Context, table: TableRead, row: dict[str, Cell],
            cols: tuple[Col, ...]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    reported: tuple[Col, Cell] | None = None  # the date it happened or was received
    for col in cols:
        cell = cell_of(row, col.header, table)
        if cell.blank:
            if col.required and col.header not in table.missing_headers:
                ctx.add("RECORD_INCOMPLETE", cell, header=col.header, table=table.name)
            record[col.key] = None
            continue
        record[col.key] = _value(ctx, table, cell, col)
        if col.reported:
            reported = (col, cell)
    record["sheet"] = table.sheet
    record["row"] = row_of(row)
    if reported is not None:
        _late(ctx, table.name, record, *reported)
    return record


def _value(ctx: Context, table: TableRead, cell: Cell, col: Col) -> Any:
    if col.kind == DATE_COL:
        parsed = parse_date(cell.value, ctx.wb.date1904)
        if parsed.note == INVALID:
            ctx.add("RECORD_DATE_INVALID", cell, header=col.header)
            return None
        if parsed.note == TEXT:
            ctx.add("VALUE_AS_TEXT", cell, what=f"{col.header} in this {table.name} row",
                    expected=show(parsed.value))
        window = reporting_window(ctx) if col.reported else None
        if window is not None and not window[0] <= parsed.value <= window[1]:
            ctx.add("RECORD_DATE_OUTSIDE_QUARTER", cell, value=parsed.value, header=col.header,
                    period=ctx.period.label,
                    expected=f"{show(window[0])} to {show(window[1])}")
        return parsed.value.isoformat()
    if col.kind == NUMBER_COL:
        parsed = number_in(ctx, cell, what=f"{col.header} in this {table.name} row")
        if parsed.value is not None and parsed.value < 0:
            ctx.add("VALUE_NEGATIVE", cell, what=f"{col.header} in this {table.name} row")
            return None
        return parsed.value
    if col.kind == YN_COL:
        parsed = parse_yes_no(cell.value)
        if parsed.note == INVALID:
            ctx.add("RECORD_YN_INVALID", cell, header=col.header)
        return parsed.value
    if col.kind == CHOICE_COL:
        parsed = parse_choice(cell.value, col.choices)
        if parsed.note == INVALID:
            ctx.add("RECORD_CHOICE_INVALID", cell, header=col.header,
                    expected=", ".join(col.choices))
        return parsed.value
    return parse_text(cell.value).value
