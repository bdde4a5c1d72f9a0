"""The Calendar sheet of the SMG quarterly workbook: the calendar and governance flags as of
the report date, then the contract-management dates over the next twelve months.

The dates come from ``portfolio.calendar.calendar_events`` (overdue open items first in
date order, marked Overdue), the flags from ``flags.calendar``; both name the register row.
"""

from __future__ import annotations

from ..flags.catalogue import BY_CODE
from ..portfolio.calendar import calendar_events
from .quarterly_layout import HEADER_ROW, SheetContext, end_sheet, start_sheet, titled_rows
from .xlsx_style import DATE, INTEGER, put

CALENDAR_MONTHS = 12
CALENDAR_AREAS = ("calendar", "governance")
# The flags take the Risk Flags sheet's columns (A-F); the dates are laid out so that each
# column's width suits both tables (the kind under Flag, the title under Detail ...).
WIDTHS = (12, 28, 10, 46, 50, 36, 12, 10)
EVENT_HEADERS = ("Date", "Kind", "Status", "What", "Detail", "Register Row", "Contract ID",
                 "Days From As-Of")
FLAG_HEADERS = ("Contract ID", "Flag", "Severity", "Detail", "Evidence", "Recommended Action")
OVERDUE, DUE = "Overdue", "Due"


def calendar_flag_rows(ctx: SheetContext) -> list[tuple]:
    """(contract, code, severity, detail, evidence, action) of the calendar flags."""
    return [(f.contract_id, f.code, f.severity, f.detail, f.evidence, f.action)
            for f in ctx.flags if BY_CODE.get(f.code) and BY_CODE[f.code].area in CALENDAR_AREAS]


def event_rows(ctx: SheetContext) -> list[tuple]:
    """One row per calendar event, in EVENT_HEADERS order."""
    register = ctx.data.register
    if register is None:
        return []
    events = calendar_events(register, ctx.data.as_of, CALENDAR_MONTHS, include_overdue=True,
                             register_name=ctx.data.register_name)
    return [(e.date, e.kind, OVERDUE if e.overdue else DUE, e.title, e.detail or None, e.ref,
             e.contract_id or "All", (e.date - ctx.data.as_of).days) for e in events]


def write_calendar(wb, ctx: SheetContext) -> None:
    """Calendar: calendar and governance flags, then the dates ahead (and overdue)."""
    st = ctx.st
    ws = start_sheet(wb, ctx, "Calendar", "Contract calendar and governance", WIDTHS,
                     freeze_col=None, tables=True,
                     min_scale=0.85)  # LibreOffice prints this sheet a little smaller
    text, wrap = st.cell(), st.cell(wrap=True)
    row = titled_rows(ws, ctx, HEADER_ROW, "Calendar and governance flags", FLAG_HEADERS,
                      calendar_flag_rows(ctx),
                      (text, wrap, lambda v: st.rag(v), wrap, wrap, wrap),
                      "No calendar or governance flag is raised as of the report date.")
    row = titled_rows(
        ws, ctx, row + 1,
        f"Dates in the next {CALENDAR_MONTHS} months, with overdue items first in date order",
        EVENT_HEADERS, event_rows(ctx),
        (st.cell(DATE), wrap, lambda v: st.rag("Red") if v == OVERDUE else st.plain_word(),
         wrap, wrap, wrap, text, st.cell(INTEGER)),
        "Nothing falls due in the next twelve months.")
    put(ws, row + 1, 0, "Exit notices, post-contract reviews, audits, disputes, the "
        "checklist and officers, from the register as of the report date (strategy 3.0, "
        "3.1, 4.0, 5.2, 6.0).", st.note())
    put(ws, row + 2, 0, "The same dates as an Outlook calendar: cm-excel calendar --ics FILE.",
        st.note())
    end_sheet(ws, ctx, row + 2)
