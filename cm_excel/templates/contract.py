"""The public template contract: sheet names, table names and headers, metadata keys.

Other tools and the tests rely on this. Table names and the listed headers are fixed by
SPEC "The provider templates"; more columns may follow them. Both the template writer and
the return reader use this module, so they cannot drift apart.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime

PERFORMANCE = "performance"
FINANCIAL = "financial"
KINDS = (PERFORMANCE, FINANCIAL)
TEMPLATE_VERSION = 2
KNOWN_VERSIONS = {1, 2}  # returns of every known version are read; templates are issued at the latest
# Version 2 added Category to the Incidents table (after the SPEC's headers).


@dataclass(frozen=True)
class TableContract:
    name: str  # Excel table name
    kind: str  # which workbook
    sheet: str  # the sheet it is issued on
    headers: tuple[str, ...]
    locked: tuple[str, ...] = ()  # pre-filled by the office, locked in the template
    blank_rows: int = 0  # empty input rows issued for provider-added records
    added: tuple[tuple[str, int], ...] = ()  # (header, template version that added it)

    def headers_of(self, version: int | None) -> tuple[str, ...]:
        """The headers a return of template ``version`` carries (all of them if unknown)."""
        since = dict(self.added)
        return tuple(h for h in self.headers
                     if version is None or since.get(h, 1) <= version)


PERFORMANCE_RETURN = TableContract(
    "PerformanceReturn", PERFORMANCE, "Performance",
    ("KPI Code", "KPI", "Unit", "Target", "Numerator", "Denominator", "Actual", "Commentary"),
    locked=("KPI Code", "KPI", "Unit", "Target"),
)
INCIDENTS = TableContract(
    "Incidents", PERFORMANCE, "Incidents",
    ("Date", "Description", "Clients Affected", "Estimated Cost (£)", "Harm Caused",
     "Provider Negligence", "Reputational Risk", "Action Taken", "Category"),
    blank_rows=10,
    added=(("Category", 2),),
)
COMPLAINTS = TableContract(
    "Complaints", PERFORMANCE, "Complaints",
    ("Date Received", "Category", "Summary", "Outcome", "Resolved Date"),
    blank_rows=10,
)
RISKS = TableContract(
    "Risks", PERFORMANCE, "Risks",
    ("Risk", "Likelihood", "Impact", "Mitigation", "Owner", "Status"),
    blank_rows=10,
)
IMPROVEMENTS = TableContract(
    "Improvements", PERFORMANCE, "Improvements",
    ("Action", "Due Date", "Status", "Progress"),
    blank_rows=10,
)
FINANCIAL_RETURN = TableContract(
    "FinancialReturn", FINANCIAL, "Finance",
    ("Budget Line", "Annual Budget", "Quarter Budget", "Quarter Actual", "Year To Date Actual",
     "Forecast Outturn", "Variance Explanation"),
    locked=("Budget Line", "Annual Budget", "Quarter Budget"),
)

TABLES = {t.name: t for t in (PERFORMANCE_RETURN, INCIDENTS, COMPLAINTS, RISKS, IMPROVEMENTS,
                              FINANCIAL_RETURN)}


def tables_of(kind: str) -> list[TableContract]:
    return [t for t in TABLES.values() if t.kind == kind]


# Sheets of each workbook, in order. The metadata sheet is very hidden.
INSTRUCTIONS_SHEET = "Instructions"
CONTRACT_SHEET = "Contract"
META_SHEET = "_meta"
SHEETS = {
    PERFORMANCE: (INSTRUCTIONS_SHEET, CONTRACT_SHEET, "Performance", "Incidents", "Complaints",
                  "Risks", "Improvements", META_SHEET),
    FINANCIAL: (INSTRUCTIONS_SHEET, CONTRACT_SHEET, "Finance", META_SHEET),
}

# Contract sheet: locked label/value pairs in columns A/B from row 4, then sign-off.
CONTRACT_FIELDS = ("Contract ID", "Service", "Provider", "Period", "Period Start", "Period End",
                   "Return Due By", "Lead Officer")
SIGN_OFF_FIELDS = ("Prepared By", "Approved By", "Sign-off Date")
SIGN_OFF_NAMES = {"Prepared By": "PreparedBy", "Approved By": "ApprovedBy",
                  "Sign-off Date": "SignOffDate"}  # defined names of the input cells

# Metadata sheet: key in column A, value in column B, one per row.
META_KEYS = ("template_kind", "template_version", "contract_id", "provider", "period",
             "fingerprint")

# Enumerations offered as drop-downs and accepted by validation (case-insensitive).
YES_NO = ("Y", "N")
RISK_LEVELS = ("Low", "Medium", "High")
RISK_STATUSES = ("Open", "Closed")
ACTION_STATUSES = ("Not started", "In progress", "Complete", "Overdue")
COMPLAINT_OUTCOMES = ("Upheld", "Partly upheld", "Not upheld", "Open")
# An incident or complaint may be reported late: dated up to this many quarters before the
# return's quarter (never after its end). The template's date validation and the checks agree.
LATE_REPORT_QUARTERS = 4
SAFEGUARDING = "Safeguarding"
DATA_PROTECTION_BREACH = "Data protection breach"
INCIDENT_CATEGORIES = (SAFEGUARDING, DATA_PROTECTION_BREACH, "Service failure", "Staff conduct",
                       "Health and safety", "Other")


def _canonical(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, (int, float)):
        return f"{float(value):.6f}"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def fingerprint(kind: str, contract_fields: dict[str, object],
                locked_rows: list[tuple]) -> str:
    """sha256 over the locked content of a template as issued.

    ``contract_fields`` are the Contract sheet's locked label → value pairs;
    ``locked_rows`` the locked columns of the main table, one tuple per row, in order.
    """
    payload = {
        "kind": kind,
        "sheets": list(SHEETS[kind]),
        "contract": {k: _canonical(v) for k, v in sorted(contract_fields.items())},
        "rows": [[_canonical(v) for v in row] for row in locked_rows],
    }
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


def template_filename(contract_id: str, kind: str, period_slug: str) -> str:
    """``VS-001_performance_2026-27-Q3.xlsx``."""
    return f"{contract_id}_{kind}_{period_slug}.xlsx"
