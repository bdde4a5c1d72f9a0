"""The records tables of a performance return: Incidents, Complaints, Risks, Improvements.

What each column is, whether it is required, and what it holds is a table (``COLUMNS``);
``check_records`` applies it. Records are returned as dicts keyed by the ledger's column
names (see ``result.py``): dates as ISO text, Y/N as "Y"/"N", numbers as float.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    in_quarter: bool = False  # a date that must fall inside the return's quarter
    choices: tuple[str, ...] = ()


COLUMNS: dict[str, tuple[Col, ...]] = {
    "Incidents": (
        Col("Date", "date", DATE_COL, in_quarter=True),
        Col("Description", "description"),
        Col("Clients Affected", "clients_affected", NUMBER_COL),
        Col("Estimated Cost (£)", "estimated_cost", NUMBER_COL),
        Col("Harm Caused", "harm_caused", YN_COL),
        Col("Provider Negligence", "provider_negligence", YN_COL),
        Col("Reputational Risk", "reputational_risk", YN_COL),
        Col("Action Taken", "action_taken"),
    ),
    "Complaints": (
        Col("Date Received", "date_received", DATE_COL, in_quarter=True),
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
    RECORD_YN_INVALID, RECORD_CHOICE_INVALID, VALUE_NOT_NUMBER, VALUE_AS_TEXT,
    VALUE_NEGATIVE.
    """
    out: dict[str, list[dict[str, Any]]] = {}
    for name, cols in COLUMNS.items():
        table = ctx.wb.tables.get(name)
        out[name] = [] if table is None else [_record(ctx, table, row, cols) for row in table.rows]
    return out


def _record(ctx: Context, table: TableRead, row: dict[str, Cell],
            cols: tuple[Col, ...]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for col in cols:
        cell = cell_of(row, col.header, table)
        if cell.blank:
            if col.required and col.header not in table.missing_headers:
                ctx.add("RECORD_INCOMPLETE", cell, header=col.header, table=table.name)
            record[col.key] = None
            continue
        record[col.key] = _value(ctx, table, cell, col)
    record["sheet"] = table.sheet
    record["row"] = row_of(row)
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
        period = ctx.period
        if col.in_quarter and period is not None and not period.contains(parsed.value):
            ctx.add("RECORD_DATE_OUTSIDE_QUARTER", cell, value=parsed.value, header=col.header,
                    period=period.label,
                    expected=f"{show(period.start)} to {show(period.end)}")
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
