"""What the register is: sheets, tables, headers, types, enumerations, settings knobs.

This module is data. ``reader.py`` applies it; ``starter.py`` writes a register from it.
"""

from __future__ import annotations

from dataclasses import dataclass

# Column types understood by the reader.
TEXT, MONEY, INT, NUMBER, DATE, ENUM, PERIOD, FY, YESNO = (
    "text", "money", "int", "number", "date", "enum", "period", "fy", "yesno",
)

# Contract IDs and KPI codes become parts of file and sheet names.
SAFE_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,30}"

UNITS = ("count", "percent", "days", "gbp", "score")
DIRECTIONS = ("higher is better", "lower is better", "for information")
AGGREGATIONS = ("sum", "ratio of sums", "mean", "latest")
CONTRACT_STATUSES = ("active", "mobilising", "ended", "terminated")
AUDIT_TYPES = (
    "case file", "service user feedback", "security inspection", "customer journey",
    "staff/volunteer", "financial", "performance indicator methodology",
)
AUDIT_BY = ("OPCC", "provider")
EXIT_DECISIONS = ("extend", "re-tender", "decommission", "terminate")
DISPUTE_ROUTES = ("informal", "formal")
DISPUTE_STATUSES = ("open", "resolved", "closed")
CHECKLIST_STATUSES = ("in place", "requested", "missing", "not applicable")


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    type: str = TEXT
    required: bool = True
    choices: tuple[str, ...] = ()
    width: int = 16
    # A column added after registers were first issued: a register without it still reads
    # (every row takes the blank value), so only trailing columns are ever optional.
    optional: bool = False


@dataclass(frozen=True)
class SheetSpec:
    name: str  # sheet name, also the Excel table name with spaces removed
    columns: tuple[Column, ...]

    @property
    def table_name(self) -> str:
        return self.name.replace(" ", "")

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


CONTRACTS = SheetSpec("Contracts", (
    Column("Contract ID", "contract_id", width=12),
    Column("Service", "service", width=34),
    Column("Provider", "provider", width=28),
    Column("Provider Contract Manager", "provider_contract_manager", width=30),
    Column("Provider Escalation Contact", "provider_escalation_contact", width=30),
    Column("Lead Officer", "lead_officer", width=18),
    Column("Deputy Officer", "deputy_officer", required=False, width=18),
    Column("Annual Contract Value (£)", "annual_value", MONEY, width=16),
    Column("Client Group Size (service users a year)", "client_group_size", INT, width=16),
    Column("Start Date", "start_date", DATE, width=12),
    Column("End Date", "end_date", DATE, width=12),
    Column("Latest Extension End Date", "latest_extension_end", DATE, required=False, width=14),
    Column("Status", "status", ENUM, choices=CONTRACT_STATUSES, width=12),
))

KPI_MENU = SheetSpec("KPI Menu", (
    Column("KPI Code", "code", width=10),
    Column("KPI", "name", width=36),
    Column("Definition", "definition", width=60),
    Column("Unit", "unit", ENUM, choices=UNITS, width=10),
    Column("Direction", "direction", ENUM, choices=DIRECTIONS, width=18),
    Column("Annual Aggregation", "aggregation", ENUM, choices=AGGREGATIONS, width=16),
))

SLA_KPIS = SheetSpec("SLA KPIs", (
    Column("Contract ID", "contract_id", width=12),
    Column("KPI Code", "kpi_code", width=10),
    Column("Target", "target", NUMBER, required=False, width=12),
    Column("Amber Threshold", "amber", NUMBER, required=False, width=14),
    Column("Mandatory", "mandatory", YESNO, width=11),
    Column("Effective From", "effective_from", PERIOD, width=14),
))

BUDGETS = SheetSpec("Budgets", (
    Column("Contract ID", "contract_id", width=12),
    Column("Financial Year", "fy", FY, width=14),  # a year label such as 2026-27
    Column("Budget Line", "line", width=40),
    Column("Annual Budget (£)", "annual_budget", MONEY, width=16),
))

AUDITS = SheetSpec("Audits", (
    Column("Contract ID", "contract_id", width=12),
    Column("Date", "date", DATE, width=12),
    Column("Audit Type", "audit_type", ENUM, choices=AUDIT_TYPES, width=30),
    Column("Recommended By", "recommended_by", ENUM, choices=AUDIT_BY, width=16),
    Column("Outcome", "outcome", required=False, width=50),
))

EXIT = SheetSpec("Exit", (
    Column("Contract ID", "contract_id", width=12),
    Column("Decision", "decision", ENUM, choices=EXIT_DECISIONS, width=14),
    Column("Notice Date", "notice_date", DATE, required=False, width=12),
    Column("Service Transfer Plan Received", "stp_received", DATE, required=False, width=16),
    Column("Service Transfer Plan Approved", "stp_approved", DATE, required=False, width=16),
    Column("Post-Contract Review Date", "post_contract_review", DATE, required=False, width=16),
))

DISPUTES = SheetSpec("Disputes", (
    Column("Contract ID", "contract_id", width=12),
    Column("Opened", "opened", DATE, width=12),
    Column("Route", "route", ENUM, choices=DISPUTE_ROUTES, width=10),
    Column("Stage", "stage", required=False, width=28),
    Column("Written Notice Date", "written_notice", DATE, required=False, width=14),
    Column("Meeting Date", "meeting_date", DATE, required=False, width=12),
    Column("Status", "status", ENUM, choices=DISPUTE_STATUSES, width=10),
    Column("Summary", "summary", required=False, width=60),
    Column("Action Plan Completion Date", "action_plan_due", DATE, required=False, width=16,
           optional=True),
    Column("Outcome", "outcome", required=False, width=40, optional=True),
))

CHECKLIST = SheetSpec("Checklist", (
    Column("Contract ID", "contract_id", width=12),
    Column("Item", "item", width=40),
    Column("Status", "status", ENUM, choices=CHECKLIST_STATUSES, width=14),
    Column("Expiry Date", "expiry_date", DATE, required=False, width=12),
    Column("Due Date", "due_date", DATE, required=False, width=12, optional=True),
))

SETTINGS = SheetSpec("Settings", (
    Column("Setting", "setting", width=40),
    Column("Value", "value", width=22),
    Column("Default", "default", width=22),
    Column("What It Does", "description", width=90),
))

SHEETS = (CONTRACTS, KPI_MENU, SLA_KPIS, BUDGETS, AUDITS, EXIT, DISPUTES, CHECKLIST, SETTINGS)


@dataclass(frozen=True)
class Knob:
    setting: str  # the words in the Settings sheet's Setting column
    key: str  # the attribute name in code
    type: str  # int, number (a share such as 0.1 is shown as %), text, money
    default: object
    description: str


KNOBS = (
    Knob("Return deadline (working days)", "return_deadline_working_days", INT, 20,
         "Returns are due this many working days after quarter end (weekends and England and Wales bank holidays skipped); later ones are flagged RETURN_LATE."),
    Knob("Variance tolerance", "variance_tolerance", NUMBER, 0.10,
         "Spend more than this share above or below budget (quarter or year to date) needs a Variance Explanation and raises FINANCE_OVERSPEND or FINANCE_UNDERSPEND."),
    Knob("Significant failure share", "significant_failure_share", NUMBER, 0.10,
         "Strategy 5.0: an event or ongoing issue affecting at least this share of the annual contract value or of the client group is a significant failure."),
    Knob("Consecutive red quarters", "red_consecutive_quarters", INT, 2,
         "A KPI red for this many quarters in a row is an ongoing performance issue (KPI_RED_CONSECUTIVE)."),
    Knob("Plausibility change share", "plausibility_change_share", NUMBER, 0.50,
         "A KPI moving by more than this share on the provider's previous quarter is queried; the provider explains it in Commentary."),
    Knob("Cost per service user range", "cost_per_user_range", NUMBER, 0.50,
         "Cost per service user more than this share away from the contract's annual value divided by its client group size is queried."),
    Knob("Cost per service user mismatch", "cost_per_user_mismatch", NUMBER, 0.05,
         "Cost per victim supported (VS25) is worked out from the financial return's quarter spend divided by victims supported (VS07); a reported figure more than this share away from it is queried (COST_PER_USER_MISMATCH)."),
    Knob("Exit notice months", "exit_notice_months", INT, 6,
         "Strategy 6.0: plans for contract end are given in writing at least this many months before the end date."),
    Knob("Exit notice warning months", "exit_notice_warning_months", INT, 9,
         "EXIT_NOTICE_DUE is raised this many months before the end date when no exit decision is recorded."),
    Knob("Post-contract review months", "post_contract_review_months", INT, 3,
         "Strategy 3.0: a post-contract review is due before a contract concludes; POST_CONTRACT_REVIEW_DUE is raised from this many months before the end date until this many months after it while no review date is recorded."),
    Knob("Audit interval months", "audit_interval_months", INT, 12,
         "Strategy 3.1: an audit is expected at least once in this many months, and no more than one."),
    Knob("Dispute meeting working days", "dispute_meeting_working_days", INT, 10,
         "Strategy 5.2: a formal dispute meeting is held within this many working days of the written notice."),
    Knob("Service transfer plan days", "stp_window_days", INT, 30,
         "Strategy 6.0: after written notice the provider's Service Transfer Plan is expected within this many days, and the OPCC's approval within this many days of receiving it; later raises EXIT_NOTICE_OVERDUE."),
    Knob("Checklist warning days", "checklist_warning_days", INT, 60,
         "A checklist item expiring within this many days raises an Amber CHECKLIST_EXPIRED warning; Red once it has expired."),
    Knob("Contract meeting working days", "contract_meeting_working_days", INT, 15,
         "Strategy 4.0: each contract's quarterly meeting is due within this many working days of the return deadline (shown on the Calendar)."),
    Knob("Maximum return file size (MB)", "max_file_size_mb", NUMBER, 20,
         "Returns larger than this are refused before they are opened."),
    Knob("Protective marking", "protective_marking", TEXT, "OFFICIAL-SENSITIVE",
         "Printed in the footer of every SMG workbook page."),
    Knob("Office name", "office_name", TEXT, "Office of the Police and Crime Commissioner",
         "Shown on templates, workbooks and cover notes."),
    Knob("Office e-mail address", "office_email", TEXT, "",
         "The From address of the e-mails 'cm-excel mail' drafts (e.g. \"Contract management, contracts@opcc.example\"); blank leaves it for your mail program to fill in."),
    Knob("SMG e-mail address", "smg_email", TEXT, "",
         "Who the drafted SMG pack e-mail goes to; blank leaves the To line for you to fill in."),
)
