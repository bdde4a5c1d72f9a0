"""The Rules sheet of the SMG quarterly workbook: every threshold and how figures are made.

Settings in force (with their defaults), how each RAG is worked out, the flag catalogue
and the recommended actions of the dispute resolution procedure.
"""

from __future__ import annotations

from ..flags import ACTION_MEANING, ACTIONS, CATALOGUE, DISPUTE_STAGES
from ..portfolio.rag import day
from ..register.convert import is_share_knob
from ..register.schema import KNOBS
from .quarterly_layout import (
    HEADER_ROW, SheetContext, end_sheet, header, section, start_sheet, write_rows,
)
from .xlsx_style import put, wrapped_height

RAG_RULES = (
    ("KPI RAG, higher is better", "Green when the actual is at or above the target; Amber when "
     "below target but at or above the amber threshold; Red below the amber threshold."),
    ("KPI RAG, lower is better", "Green when the actual is at or below the target; Amber when "
     "above target but at or below the amber threshold; Red above the amber threshold."),
    ("KPI RAG, for information", "No RAG; the value is shown for context."),
    ("KPI targets", "The register's SLA KPIs row with the latest Effective From on or before "
     "the quarter; the register always wins over what a return shows."),
    ("Ratio KPIs", "Percentages and ratio-of-sums KPIs are recomputed by the engine from "
     "Numerator and Denominator; evidence points at the Numerator cell."),
    ("Performance RAG", "The worst KPI RAG of the contract this quarter (a missing mandatory "
     "KPI counts as Amber); 'No return' when the return is missing or rejected, 'Awaited' "
     "before its deadline."),
    ("Finance RAG", "The worst finance flag (FINANCE_OVERSPEND, FINANCE_UNDERSPEND, "
     "FORECAST_OVER_VALUE), else Green."),
    ("Overall RAG", "The worst severity of all the contract's flags, else Green."),
    ("Year-to-date budget", "The sum of the quarter budgets issued in this financial year's "
     "returns up to this quarter; a quarter with no accepted return counts as a quarter of "
     "the annual budget."),
    ("Return deadline", "Working days after quarter end, skipping weekends and England and "
     "Wales bank holidays; a return is on time when its first valid version was received (UK "
     "time) on or before that day."),
    ("Which return counts", "Only accepted returns supply figures; a later accepted version "
     "supersedes an earlier one (the changes are listed as restatements)."),
    ("One issue, one line", "Flags of one contract about the same thing (a KPI red, red again "
     "and significant; an overspend that is also significant; a return late and missing) "
     "share an Issue on the Risk Flags sheet. The Summary, the cover note and the console "
     "show one line per issue, with its highest severity and its strongest recommended "
     "action."),
)

LADDER_INTRO = (
    "Strategy 5.0 keeps the dispute resolution procedure for issues 'that it has not been "
    "possible, or it would not be appropriate, to seek to resolve through the normal contract "
    "management process'. So each flag recommends the first rung that fits, mildest first; "
    "an issue's line takes the strongest action of its flags.")

OPEN_DISPUTE = (
    "Open dispute on the contract",
    "A flag (other than Monitor) on a contract whose register Disputes sheet has an open "
    "dispute recommends the next stage of that dispute, naming its Disputes row, not a fresh "
    "informal procedure. Where it has got to is read from the row: informal route, the "
    "informal procedure; formal route, SMG's agreement, then the written notice and the "
    "meeting once their dates are recorded, and later stages from the Stage words (action "
    "plan, mediation or CEDR, arbitration, litigation, exclusion). A significant failure adds "
    "that the PCC may authorise a higher stage, or terminate the contract.")


def _stage_rows():
    """(stage reached, what comes next) for each stage of the dispute procedure."""
    return [(f"At: {reached}", f"Next: {step[0].upper() + step[1:]}.")
            for reached, step in DISPUTE_STAGES]


def _knob_value(knob, value) -> object:
    """A setting as shown: shares as percentages (0.1 → ``10%``), the rest as they are."""
    if is_share_knob(knob) and isinstance(value, (int, float)):
        return f"{value * 100:g}%"
    return value


def _wide_rows(ws, ctx: SheetContext, row: int, pairs, widths) -> int:
    """Name in column A, words merged over B:E with a row height that fits them."""
    st = ctx.st
    for name, words in pairs:
        ws.set_row(row, wrapped_height([(words, sum(widths[1:5])), (name, widths[0])]))
        put(ws, row, 0, name, st.cell(wrap=True, bold=True))
        ws.merge_range(row, 1, row, 4, "", st.cell(wrap=True))
        put(ws, row, 1, words, st.cell(wrap=True))
        row += 1
    return row


def write_rules(wb, ctx: SheetContext) -> None:
    """Rules: settings in force, RAG rules, the flag catalogue and the actions."""
    st = ctx.st
    widths = (34, 16, 80, 44, 44)
    ws = start_sheet(wb, ctx, "Rules", "Rules and thresholds in force", widths, freeze_col=None,
                     tables=True)
    widths = ctx.widths  # as narrowed to print at a readable size
    header(ws, ctx, HEADER_ROW, ("Setting", "Value", "What It Does", "Default"))
    text, wrap = st.cell(), st.cell(wrap=True)
    rows = [(k.setting, _knob_value(k, getattr(ctx.settings, k.key)), k.description,
             _knob_value(k, k.default)) for k in KNOBS]
    left = st.cell(align="left", wrap=True)
    row = write_rows(ws, ctx, HEADER_ROW + 1, rows, (text, left, wrap, left))
    put(ws, row, 0, f"Return deadline for {ctx.data.period.label}: {day(ctx.data.deadline)}.",
        st.note())
    row += 2

    section(ws, ctx, row, "How RAG and figures are worked out", 4)
    row = _wide_rows(ws, ctx, row + 1, RAG_RULES, widths) + 1

    section(ws, ctx, row, "Risk flags", 4)
    row += 1
    flags_header = row
    header(ws, ctx, row, ("Flag", "Usual Severity", "Raised When", "Recommended Action",
                          "Raised Above The Usual When"))
    row = write_rows(ws, ctx, row + 1,
                     [(s.code, s.severity, s.meaning, s.action, s.escalation or "Never")
                      for s in CATALOGUE],
                     (st.cell(bold=True), lambda v: st.rag(v), wrap, wrap, wrap))
    ws.autofilter(flags_header, 0, row - 1, 4)
    row += 1

    section(ws, ctx, row, "Recommended actions: the escalation ladder (strategy §5)", 4)
    row = _wide_rows(ws, ctx, row + 1, [("How the ladder is used", LADDER_INTRO)], widths)
    row = _wide_rows(ws, ctx, row, [(a, ACTION_MEANING[a]) for a in ACTIONS], widths) + 1

    section(ws, ctx, row, "An open dispute: its next stage (strategy §5.2 steps 1-9)", 4)
    row = _wide_rows(ws, ctx, row + 1, [OPEN_DISPUTE], widths)
    row = _wide_rows(ws, ctx, row, _stage_rows(), widths)
    end_sheet(ws, ctx, row - 1)
