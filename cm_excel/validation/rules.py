"""The validation rule catalogue, as data.

Each rule is a frozen record: a stable code (providers, the ledger and SMG filter on it;
never rename one), its level, the concern it belongs to, one line saying when it is raised,
a message template with ``{placeholders}`` and what to do, in words a provider understands.
The checks (``checks_*.py``) decide *when* a rule applies; this module says *what* it says.

Levels (SPEC "Ingesting and validating" 4): an **error** rejects the return; a **query**
(implausible but possible) is accepted once the provider has explained it in the row's
Commentary (or, for money, the Variance Explanation); a **warning** accepts it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..findings import Finding, Level
from ..excel_text import shorten

E, Q, W = Level.ERROR, Level.QUERY, Level.WARNING


@dataclass(frozen=True)
class Rule:
    code: str
    level: Level
    concern: str  # identity, structure, values, performance, records, financial, sign-off,
    #               tamper, plausibility, engine
    when: str  # one line for the Rules sheet and the docs
    message: str  # template; placeholders are filled by the check
    action: str  # what the provider should do


_RULES = (
    # --- identity: what is this file? ----------------------------------------------------
    Rule("META_MISSING", E, "identity",
         "The hidden metadata of the template is missing or a value in it is blank.",
         "This file does not carry the template's hidden details ({key}), so we cannot tell "
         "which contract, period or template it is.",
         "Fill in the template we sent you for this quarter rather than a copy or a new file, "
         "and do not delete its sheets."),
    Rule("META_KIND_UNKNOWN", E, "identity",
         "The metadata names a template kind other than performance or financial.",
         "The template kind {value} is not one we issue.",
         "Use the performance or financial template we sent you for this quarter."),
    Rule("META_VERSION_UNKNOWN", E, "identity",
         "The metadata names a template version this engine does not know.",
         "Template version {value} is not one we recognise.",
         "Use the template we sent you for this quarter; older templates are no longer accepted."),
    Rule("META_PERIOD_INVALID", E, "identity",
         "The period in the metadata is not a quarter such as 2026-27 Q3.",
         "The period {value} is not a quarter we can read.",
         "Use the template we sent you for this quarter."),
    Rule("CONTRACT_UNKNOWN", E, "identity",
         "The contract named by the return is not in the contract register.",
         "Contract {value} is not in our contract register.",
         "Check you used the template for your own contract; if it is right, tell your "
         "contract manager at the office."),
    Rule("CONTRACT_MISMATCH", E, "identity",
         "The Contract ID on the Contract sheet differs from the one in the metadata.",
         "The Contract sheet says {value} but this template was issued for {expected}.",
         "Use the template issued for your contract and do not copy sheets between templates."),
    Rule("PROVIDER_MISMATCH", E, "identity",
         "The provider in the metadata is not the register's provider for the contract.",
         "This template names the provider {value}, but contract {contract} is held by {expected}.",
         "Use the template issued to your organisation for this contract."),
    Rule("PERIOD_MISMATCH", E, "identity",
         "The Period on the Contract sheet differs from the one in the metadata.",
         "The Contract sheet says the period is {value} but this template was issued for "
         "{expected}.",
         "Use the template issued for this quarter and do not copy sheets between templates."),
    Rule("CONTRACT_NOT_ACTIVE", W, "identity",
         "The contract is not live in the return's quarter according to the register.",
         "Contract {contract} is not live in {period} according to our register.",
         "Check you used the template for the right quarter."),
    Rule("RECEIVED_EARLY", W, "identity",
         "The return was received before its quarter ended.",
         "This return for {period} arrived on {value}, before the quarter ended on {expected}.",
         "Nothing to do if the figures cover the whole quarter; otherwise send a corrected "
         "return after the quarter ends."),
    # --- structure: are the tables there? ------------------------------------------------
    Rule("TABLE_MISSING", E, "structure",
         "A table the template must hold (e.g. PerformanceReturn) cannot be found.",
         "The {table} table cannot be found on sheet {expected}.",
         "Use the template we sent you and do not delete or move its tables; paste values "
         "into the highlighted cells only."),
    Rule("COLUMN_MISSING", E, "structure",
         "A column of a table is missing or its header was changed.",
         "The column {header} of the {table} table is missing or its heading was changed.",
         "Put the column back with its original heading, or start again from the template."),
    # --- values: numbers and dates as typed, wherever they are ---------------------------
    Rule("VALUE_BLANK", E, "values",
         "A value the return needs is blank.",
         "{what} is blank.",
         "Enter the figure; if it is genuinely zero, enter 0 and say why in the Commentary."),
    Rule("VALUE_NOT_NUMBER", E, "values",
         "A cell that must hold a number holds something else.",
         "{what} should be a number but is {value}.",
         "Type a number only (for example 1234 or 12.5), without words or symbols."),
    Rule("VALUE_NEGATIVE", E, "values",
         "A count, number of days or amount that cannot be negative is below zero.",
         "{what} is {value}; it cannot be negative.",
         "Enter the figure as zero or more."),
    Rule("VALUE_AS_TEXT", W, "values",
         "A number or date was typed as text; it was understood and read as shown.",
         "{what} was typed as text, {value}; we read it as {expected}.",
         "Nothing to do if we read it right; next time type plain numbers or dates."),
    Rule("TEXT_TOO_LONG", Q, "values",
         "A cell holds more than the 32,767 characters an Excel cell can hold; outputs show "
         "it cut short, with a marker.",
         "This cell holds {value}, more than the 32,767 an Excel cell can hold, so what we "
         "show of it is cut short.",
         "Shorten the text (keep long explanations in a separate document) and send the "
         "return again."),
    # --- performance KPIs ------------------------------------------------------------------
    Rule("KPI_MANDATORY_MISSING", E, "performance",
         "A KPI the SLA makes mandatory has no row in the PerformanceReturn table.",
         "KPI {kpi} is mandatory in your SLA but is not in the return.",
         "Put the row for {kpi} back (start again from the template if needed) and report it."),
    Rule("KPI_UNKNOWN", E, "performance",
         "A row's KPI Code is blank or not in the KPI menu.",
         "This row's KPI Code is {value}, which is not one of the KPIs we measure.",
         "Use the KPI codes printed in the template; do not add or retype KPI rows."),
    Rule("KPI_DUPLICATE", E, "performance",
         "The same KPI Code appears on more than one row.",
         "KPI {kpi} appears more than once (first on row {expected}).",
         "Report each KPI once; delete the extra row."),
    Rule("KPI_NOT_IN_SLA", W, "performance",
         "A row's KPI is in the KPI menu but not in this contract's SLA for the period; it is "
         "ignored.",
         "KPI {kpi} is not part of your SLA for {period}; we have ignored this row.",
         "Nothing to do; if you think it should be in your SLA, tell your contract manager."),
    Rule("PERCENT_OUT_OF_RANGE", W, "performance",
         "The Actual typed for a percentage KPI is below 0% or above 100%; it is not used.",
         "The Actual for {kpi} is {value}, which is not a percentage between 0% and 100%; "
         "we use Numerator ÷ Denominator instead.",
         "Enter the Numerator and Denominator; the Actual is worked out from them."),
    Rule("NUMERATOR_GT_DENOMINATOR", E, "performance",
         "A percentage KPI's Numerator is larger than its Denominator.",
         "For {kpi} the Numerator ({value}) is larger than the Denominator ({expected}).",
         "The Numerator counts the cases that met the measure out of the Denominator; check "
         "both figures and that they are not swapped."),
    Rule("DENOMINATOR_ZERO", Q, "performance",
         "A ratio KPI's Denominator is zero, so no result can be worked out.",
         "The Denominator for {kpi} is zero, so no result can be worked out.",
         "If there were genuinely no cases this quarter, say so in the Commentary; otherwise "
         "enter the right Denominator."),
    Rule("ACTUAL_INCONSISTENT", W, "performance",
         "The Actual typed for a ratio KPI differs from Numerator ÷ Denominator; the engine's "
         "figure is used.",
         "The Actual for {kpi} says {value} but Numerator ÷ Denominator is {expected}; we use "
         "{expected}.",
         "Check the Numerator and Denominator; leave the Actual cell's formula in place."),
    Rule("COMMENTARY_REQUIRED_RED", E, "performance",
         "A KPI is red and its Commentary is blank. Red: worse than the SLA's amber threshold (or "
         "than the target when there is none): below it when higher is better, above it when "
         "lower is better; never for information.",
         "{kpi} is red: {value} against a target of {expected} (amber threshold {amber}); "
         "a Commentary is required.",
         "Say in the Commentary why the KPI is below the tolerable level and what you are "
         "doing about it."),
    # --- records tables --------------------------------------------------------------------
    Rule("RECORD_INCOMPLETE", E, "records",
         "A row of Incidents, Complaints, Risks or Improvements has a required cell blank.",
         "{header} is blank in this {table} row.",
         "Complete every required column of the row, or delete the row if it was entered by "
         "mistake."),
    Rule("RECORD_DATE_INVALID", E, "records",
         "A date in a records table is not a date.",
         "{header} should be a date but is {value}.",
         "Enter the date as a date, for example 03/10/2026."),
    Rule("RECORD_DATE_OUTSIDE_QUARTER", E, "records",
         "An incident or complaint is dated after the return's quarter, or so long before it "
         "that it cannot be a late report (more than four quarters before it, or before the "
         "contract started).",
         "{header} {value} is outside the dates this return for {period} can report "
         "({expected}).",
         "Check the date and the year; incidents and complaints after the quarter's end "
         "belong in next quarter's return."),
    Rule("RECORD_REPORTED_LATE", Q, "records",
         "An incident is dated before the return's quarter, or a complaint received before it "
         "was not reported in an earlier return: it is accepted and counted in this quarter, "
         "and the provider is asked why it was not reported sooner (explained by the "
         "incident's Action Taken or the complaint's Summary).",
         "This {what} dated {value} happened before {period} and was not reported in the "
         "return for the quarter it belongs to.",
         "Say in {explain_in} why it was not reported sooner; it is counted in this quarter."),
    Rule("RECORD_YN_INVALID", E, "records",
         "A Y/N column holds something other than Y or N.",
         "{header} should be Y or N but is {value}.",
         "Choose Y or N from the drop-down."),
    Rule("RECORD_CHOICE_INVALID", W, "records",
         "A column with a drop-down holds a value that is not one of its choices; it is kept "
         "as typed.",
         "{header} is {value}, which is not one of {expected}.",
         "Choose a value from the drop-down."),
    # --- financial return --------------------------------------------------------------------
    Rule("FIN_LINE_UNKNOWN", E, "financial",
         "A Budget Line is not one of the contract's budget lines in the register for the year.",
         "This row's Budget Line is {value}, which is not one of your contract's budget lines "
         "for {fy}.",
         "Report against the budget lines printed in the template; put other costs in the "
         "nearest line and explain in the Variance Explanation."),
    Rule("FIN_LINE_MISSING", E, "financial",
         "A budget line of the register has no row in the FinancialReturn table.",
         "The budget line {line} is missing from the return.",
         "Put the row for {line} back (start again from the template if needed) and report it, "
         "entering 0 if nothing was spent."),
    Rule("FIN_LINE_DUPLICATE", E, "financial",
         "The same Budget Line appears on more than one row.",
         "The budget line {line} appears more than once (first on row {expected}).",
         "Report each budget line once; delete the extra row."),
    Rule("FIN_YTD_MISMATCH", E, "financial",
         "Year To Date Actual is not the previous accepted quarter's year to date plus this "
         "quarter's actual (±£1).",
         "Year To Date Actual for {line} is {value}, but last quarter's year to date ({previous}) "
         "plus this quarter ({quarter}) is {expected}.",
         "Make Year To Date Actual the total spent on this line since 1 April, including this "
         "quarter."),
    Rule("FIN_YTD_UNCHECKED", W, "financial",
         "Year to date could not be checked because the previous quarter's return is not in "
         "the ledger (said once per return; not at all in the first quarter a workspace is "
         "used, when the ledger holds no earlier quarter of the year for any contract).",
         "We could not check Year To Date Actual for {line}: we have no accepted return for "
         "{previous}.",
         "Nothing to do unless you have not yet sent last quarter's financial return."),
    Rule("FIN_VARIANCE_UNEXPLAINED", E, "financial",
         "Quarter or year-to-date actual differs from budget by more than the tolerance and "
         "the Variance Explanation is blank.",
         "{line}: {value} against a budget of {expected} is {share} away ({basis}); "
         "more than the {tolerance} allowed without an explanation.",
         "Explain in the Variance Explanation why spending differs from the budget."),
    # --- sign-off ----------------------------------------------------------------------------
    Rule("SIGNOFF_MISSING", E, "sign-off",
         "Prepared By, Approved By or Sign-off Date is blank.",
         "{header} is blank.",
         "Fill in who prepared and who approved the return, and the date they signed it off."),
    Rule("SIGNOFF_DATE_INVALID", E, "sign-off",
         "The Sign-off Date is not a date, is before the quarter began, or is after the "
         "return was received.",
         "The Sign-off Date {value} {reason}.",
         "Enter the date the return was approved, for example 08/01/2027."),
    Rule("SIGNOFF_SAME_PERSON", W, "sign-off",
         "The same person prepared and approved the return.",
         "{value} both prepared and approved this return.",
         "Ask someone senior to the preparer to approve returns."),
    # --- tamper: the locked parts must be as issued ------------------------------------------
    Rule("TAMPER_LOCKED_CHANGED", W, "tamper",
         "A locked cell (contract detail, KPI name, unit or target, budget line figures) "
         "differs from the register; the register's value is used.",
         "{header} in the return is {value}; our register says {expected}, and we use that.",
         "Do not change the locked (grey) cells; if you think our figure is wrong, tell your "
         "contract manager."),
    Rule("TAMPER_SHEET_RENAMED", W, "tamper",
         "A sheet of the template is missing or has been renamed.",
         "The sheet {expected} is missing or was renamed.",
         "Keep the template's sheet names as issued."),
    Rule("TAMPER_FINGERPRINT", W, "tamper",
         "The locked content, recomputed, does not match the fingerprint the template was "
         "issued with.",
         "The locked parts of this template are not as we issued them.",
         "Fill in only the highlighted cells; if you had to change something else, tell your "
         "contract manager."),
    # --- plausibility: against the provider's own history and the contract ------------------
    Rule("QUERY_KPI_CHANGE", Q, "plausibility",
         "A KPI moved by more than the plausibility change share on the previous quarter.",
         "{kpi} is {value}, {change} on last quarter's {expected}.",
         "If the figure is right, explain the change in the Commentary; otherwise correct it."),
    Rule("QUERY_COST_PER_USER", Q, "plausibility",
         "Cost per service user is outside annual value ÷ client group size ± the range setting: "
         "a gbp KPI's Actual, or year-to-date spend over the client group so far (size × "
         "quarters ÷ 4).",
         "Cost per service user works out at {value} against the expected {expected} "
         "(annual value ÷ client group size), outside ±{range}.",
         "If the figures are right, explain why in the {explain_in}; otherwise correct them."),
    # --- the engine itself ---------------------------------------------------------------------
    Rule("CHECK_FAILED", E, "engine",
         "A check could not run on this file because of an unexpected problem in the engine.",
         "We could not finish checking this file ({value}).",
         "Tell your contract manager at the office; this is our problem, not yours."),
)

RULES: dict[str, Rule] = {r.code: r for r in _RULES}


def rule(code: str) -> Rule:
    return RULES[code]


def catalogue() -> list[Rule]:
    """Every rule, in catalogue order (for the Rules sheet, docs and feedback workbooks)."""
    return list(_RULES)


class _Fields(dict):
    """Placeholders the check did not supply stay visible instead of raising."""

    def __missing__(self, key):
        return "{" + key + "}"


def show(value: Any) -> str:
    """A value as people read it in a message: text quoted, numbers plain, dates in words."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "blank"
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value.day} {value:%b %Y}"
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            return str(value)
        if float(value).is_integer():
            return f"{int(value):,}"
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    return f"'{shorten(value, 60)}'"  # cut at a word, with "…"


def money(value: float | None) -> str:
    return "blank" if value is None else (f"-£{-value:,.2f}" if value < 0 else f"£{value:,.2f}")


def percent(value: float | None) -> str:
    if value is None:
        return "blank"
    text = f"{value * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def make_finding(code: str, *, file: str = "", sheet: str = "", cell: str = "",
                 value: Any = None, display: str | None = None, explained: bool = False,
                 **fields: Any) -> Finding:
    """A Finding of rule ``code``, its message filled from ``fields``.

    ``{value}`` shows ``display`` if given, else ``value`` as people read it (``show``).
    Other fields that are not already text are shown the same way. Placeholders missing
    from ``fields`` are left visible; this never raises for data.
    """
    r = RULES[code]
    shown = {k: (v if isinstance(v, str) else show(v)) for k, v in fields.items()}
    shown["value"] = display if display is not None else show(value)
    message = r.message.format_map(_Fields(shown))
    action = r.action.format_map(_Fields(shown))
    return Finding(code=code, level=r.level, message=message, action=action, file=file,
                   sheet=sheet, cell=cell, value=value, explained=explained)
