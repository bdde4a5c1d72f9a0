"""How each column of each template table looks and what it accepts — a table, not code.

The headers and table names are the public contract (``contract.TABLES``); this module adds
what only the writer needs: column width, number format, the Excel data validation and the
input message a provider sees when they select the cell. ``writer.py`` applies it.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import contract as tc

# Number format kinds (see style.NUMBER_FORMATS); "unit" means: by the KPI's unit, per row.
TEXT, WRAP, DATE, MONEY, INT, UNIT = "text", "wrap", "date", "money", "int", "unit"
CENTRE = "centre"  # short choices such as Y/N: text, centred

# Validation kinds (see writer._validation).
ANY = "any"  # no restriction: the input message only
NUMBER = "number"  # decimal >= 0
WHOLE = "whole"  # whole number >= 0
DATE_ANY = "date"  # any date in a sensible range
DATE_IN_QUARTER = "date_in_quarter"  # between period start and period end
DATE_REPORTED = "date_reported"  # up to period end, from LATE_REPORT_QUARTERS before its start
LISTS = {
    "yes_no": tc.YES_NO,
    "risk_level": tc.RISK_LEVELS,
    "risk_status": tc.RISK_STATUSES,
    "action_status": tc.ACTION_STATUSES,
    "complaint_outcome": tc.COMPLAINT_OUTCOMES,
    "incident_category": tc.INCIDENT_CATEGORIES,
}


@dataclass(frozen=True)
class ColumnSpec:
    header: str
    width: float
    fmt: str = TEXT
    validation: str | None = None  # None for locked columns
    title: str = ""  # input title, at most 32 characters
    message: str = ""  # input message, at most 255 characters


def _yn(header: str, question: str) -> ColumnSpec:
    return ColumnSpec(header, 12, CENTRE, "yes_no", header, f"{question} Choose Y or N.")


COLUMNS: dict[str, tuple[ColumnSpec, ...]] = {
    "PerformanceReturn": (
        ColumnSpec("KPI Code", 11),
        ColumnSpec("KPI", 42, WRAP),
        ColumnSpec("Unit", 10),
        ColumnSpec("Target", 11, UNIT),
        ColumnSpec("Numerator", 13, UNIT, NUMBER, "Numerator",
                   "The number counted by this KPI this quarter (for a percentage, the top "
                   "of the fraction). A number of 0 or more."),
        ColumnSpec("Denominator", 13, UNIT, NUMBER, "Denominator",
                   "What the numerator is out of this quarter (for a percentage, the bottom "
                   "of the fraction). A number of 0 or more."),
        ColumnSpec("Actual", 12, UNIT, NUMBER, "Actual",
                   "This quarter's result for the KPI. A number of 0 or more; type "
                   "percentages as e.g. 85%."),
        ColumnSpec("Commentary", 52, WRAP, ANY, "Commentary",
                   "Explain any result below target or unusually high or low, and what you "
                   "are doing about it."),
    ),
    "Incidents": (
        ColumnSpec("Date", 13, DATE, DATE_REPORTED, "Date of incident",
                   "The date the incident happened. Report every incident in the quarter it "
                   "happens; one from an earlier quarter not yet reported goes here too, and "
                   "Action Taken says why it was not reported sooner."),
        ColumnSpec("Description", 40, WRAP, ANY, "Description",
                   "What happened, without names or other details that identify a person."),
        ColumnSpec("Clients Affected", 10, INT, WHOLE, "Clients affected",
                   "How many service users were affected. A whole number of 0 or more."),
        ColumnSpec("Estimated Cost (£)", 12, MONEY, NUMBER, "Estimated cost",
                   "Your estimate of the cost of the incident in pounds. 0 or more."),
        _yn("Harm Caused", "Was a service user or member of staff harmed?"),
        _yn("Provider Negligence", "Was the incident caused by negligence on your part?"),
        _yn("Reputational Risk", "Could the incident damage the reputation of the PCC?"),
        ColumnSpec("Action Taken", 40, WRAP, ANY, "Action taken",
                   "What you did in response and what you will do to stop it happening again."),
        ColumnSpec("Category", 18, TEXT, "incident_category", "Category",
                   "Choose from the list: Safeguarding, Data protection breach, Service "
                   "failure, Staff conduct, Health and safety or Other. Safeguarding incidents "
                   "and data protection breaches are always reported to the OPCC's SMG."),
    ),
    "Complaints": (
        ColumnSpec("Date Received", 13, DATE, DATE_REPORTED, "Date received",
                   "The date you received the complaint. To report the outcome of a complaint "
                   "from an earlier quarter, repeat its row (same date, category and summary) "
                   "with the outcome now known."),
        ColumnSpec("Category", 20, WRAP, ANY, "Category",
                   "A short category, e.g. staff conduct, delay, communication."),
        ColumnSpec("Summary", 50, WRAP, ANY, "Summary",
                   "What the complaint is about, without names or other identifying details."),
        ColumnSpec("Outcome", 15, TEXT, "complaint_outcome", "Outcome",
                   "Choose from the list: Upheld, Partly upheld, Not upheld, or Open while it "
                   "is still being investigated."),
        ColumnSpec("Resolved Date", 13, DATE, DATE_ANY, "Resolved date",
                   "The date the complaint was resolved; leave blank while it is open."),
    ),
    "Risks": (
        ColumnSpec("Risk", 40, WRAP, ANY, "Risk",
                   "A risk to the service, in one or two sentences."),
        ColumnSpec("Likelihood", 12, TEXT, "risk_level", "Likelihood",
                   "How likely is it to happen? Choose Low, Medium or High."),
        ColumnSpec("Impact", 12, TEXT, "risk_level", "Impact",
                   "How serious would it be? Choose Low, Medium or High."),
        ColumnSpec("Mitigation", 44, WRAP, ANY, "Mitigation",
                   "What you are doing to make it less likely or less serious."),
        ColumnSpec("Owner", 18, WRAP, ANY, "Owner", "The job title of the person responsible."),
        ColumnSpec("Status", 11, TEXT, "risk_status", "Status", "Choose Open or Closed."),
    ),
    "Improvements": (
        ColumnSpec("Action", 44, WRAP, ANY, "Action",
                   "An improvement action agreed with the OPCC or planned by you."),
        ColumnSpec("Due Date", 13, DATE, DATE_ANY, "Due date", "When the action is due."),
        ColumnSpec("Status", 14, TEXT, "action_status", "Status",
                   "Choose Not started, In progress, Complete or Overdue."),
        ColumnSpec("Progress", 52, WRAP, ANY, "Progress", "Progress made so far."),
    ),
    "FinancialReturn": (
        ColumnSpec("Budget Line", 34, WRAP),
        ColumnSpec("Annual Budget", 15, MONEY),
        ColumnSpec("Quarter Budget", 15, MONEY),
        ColumnSpec("Quarter Actual", 15, MONEY, NUMBER, "Quarter actual",
                   "What you spent on this line in this quarter only, in pounds. 0 or more."),
        ColumnSpec("Year To Date Actual", 15, MONEY, NUMBER, "Year to date actual",
                   "What you have spent on this line since 1 April, including this quarter: "
                   "last quarter's year to date plus this quarter's actual."),
        ColumnSpec("Forecast Outturn", 15, MONEY, NUMBER, "Forecast outturn",
                   "What you expect to have spent on this line by 31 March."),
        ColumnSpec("Variance Explanation", 52, WRAP, ANY, "Variance explanation",
                   "Explain any difference from budget of more than the tolerance in the "
                   "Instructions, and what you are doing about it."),
    ),
}

# The sheet's title line, above the table.
TITLES = {
    "PerformanceReturn": "Performance against your KPIs",
    "Incidents": "Incidents this quarter (and earlier ones not yet reported)",
    "Complaints": "Complaints this quarter (and outcomes of earlier ones)",
    "Risks": "Risks to the service",
    "Improvements": "Improvement plan",
    "FinancialReturn": "Spend against budget",
}

# Guarantee at import time that the layout covers the contract exactly, in order.
for _name, _table in tc.TABLES.items():
    assert tuple(c.header for c in COLUMNS[_name]) == _table.headers, _name
    for _c in COLUMNS[_name]:
        assert len(_c.title) <= 32 and len(_c.message) <= 255, (_name, _c.header)
