"""Incidents SMG sees whatever their size: safeguarding, data protection breaches, and
incidents reported a quarter or more after they happened.

- INCIDENT_SAFEGUARDING: an incident of category Safeguarding (one flag per incident);
- INCIDENT_DATA_BREACH: an incident of category Data protection breach;
- INCIDENT_REPORTED_LATE: an incident dated before the quarter of the return that first
  reported it (validation queried it: RECORD_REPORTED_LATE); it counts in this quarter.

The size tests of strategy §5.0 (10% of value or client group, harm through negligence,
reputational risk) are SIGNIFICANT_FAILURE's; these flags list the incident even when
none of them is met. Categories come from the Incidents table's Category column (template
version 2); a version 1 return has none, so raises neither category flag.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..portfolio.rag import money, number
from ..templates.contract import DATA_PROTECTION_BREACH, SAFEGUARDING
from .catalogue import BY_CODE
from .model import Flag
from .significant import _about, incident_issue

if TYPE_CHECKING:
    from ..portfolio.quarter import Incident, QuarterData

CATEGORY, DATE = "Category", "Date"


def _words(text) -> str:
    return " ".join(str(text or "").split()).casefold()


def _size(inc: "Incident") -> str:
    n = inc.clients_affected
    clients = ("clients affected not given" if n is None else
               f"{number(n)} client{'' if n == 1 else 's'} affected")
    cost = "not given" if inc.estimated_cost is None else money(inc.estimated_cost)
    return f"{clients}, estimated cost {cost}"


def _by_category(data: "QuarterData", code: str, category: str, what: str) -> Iterator[Flag]:
    spec = BY_CODE[code]
    for inc in data.incidents:
        if _words(inc.category) != _words(category):
            continue
        late = (f"; happened in {inc.happened_in.label}, first reported this quarter"
                if inc.reported_late else "")
        yield Flag(inc.contract_id, code, spec.severity,
                   f"{_about(inc)}: {what}, listed for SMG whatever its size ({_size(inc)}"
                   f"{late}).",
                   f"{inc.ref(CATEGORY)} = {inc.category}; row {inc.row_ref()}",
                   spec.action, (inc.ref(CATEGORY),), issue=incident_issue(inc))


def incident_safeguarding(data: "QuarterData") -> Iterator[Flag]:
    """INCIDENT_SAFEGUARDING: every incident of category Safeguarding."""
    yield from _by_category(data, "INCIDENT_SAFEGUARDING", SAFEGUARDING, "a safeguarding incident")


def incident_data_breach(data: "QuarterData") -> Iterator[Flag]:
    """INCIDENT_DATA_BREACH: every incident of category Data protection breach."""
    yield from _by_category(data, "INCIDENT_DATA_BREACH", DATA_PROTECTION_BREACH,
                            "a data protection breach")


def incident_reported_late(data: "QuarterData") -> Iterator[Flag]:
    """INCIDENT_REPORTED_LATE: an incident dated before the quarter that reported it."""
    spec = BY_CODE["INCIDENT_REPORTED_LATE"]
    for inc in data.incidents:
        if not inc.reported_late:
            continue
        yield Flag(inc.contract_id, "INCIDENT_REPORTED_LATE", spec.severity,
                   f"{_about(inc)} happened in {inc.happened_in.label} but was first reported "
                   f"in the return for {data.period.label}; it is counted in "
                   f"{data.period.label}, and the provider was asked why it was not reported "
                   "sooner.",
                   f"{inc.ref(DATE)} = {inc.date}, before {data.period.label} began",
                   spec.action, (inc.ref(DATE),), issue=incident_issue(inc))
