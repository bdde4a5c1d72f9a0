"""Checks across rows and sheets of the register, after every cell has been typed.

IDs are safe and unique; references name a known contract or KPI (rewritten as written
there); dates are in order; targets and amber thresholds suit their KPI; SLA rows and
budget lines are not repeated. Each check records problems in ``FoundProblems`` and marks
the row, so it is left out of the typed register.

Problem codes: UNSAFE_ID, DUPLICATE_CONTRACT_ID, DUPLICATE_KPI_CODE, DATES_OUT_OF_ORDER,
PERCENT_AGGREGATION, UNKNOWN_CONTRACT_ID, UNKNOWN_KPI_CODE, PERCENT_OUT_OF_RANGE,
TARGET_MISSING, AMBER_WITHOUT_TARGET, AMBER_WRONG_SIDE, SLA_OVERLAP, DUPLICATE_BUDGET_LINE.
"""

from __future__ import annotations

import re

from . import problems as P
from .convert import show, show_percent, words
from .schema import (AUDITS, BUDGETS, CHECKLIST, CONTRACTS, DISPUTES, EXIT, KPI_MENU,
                     SAFE_ID_PATTERN, SLA_KPIS)
from .sheet_rows import FoundProblems, SheetRow, SheetRows

# Sheets whose rows belong to a contract named in their Contract ID column.
CONTRACT_SHEETS = (SLA_KPIS, BUDGETS, AUDITS, EXIT, DISPUTES, CHECKLIST)
_SAFE_ID = re.compile(SAFE_ID_PATTERN)
_HIGHER, _LOWER = "higher is better", "lower is better"


def check_across_sheets(sheets: dict[str, SheetRows], found: FoundProblems) -> None:
    """Run every check across rows and sheets, in the order their problems read best."""
    contracts = check_ids(sheets[CONTRACTS.name], "contract_id", P.DUPLICATE_CONTRACT, found)
    kpis = check_ids(sheets[KPI_MENU.name], "code", P.DUPLICATE_KPI, found)
    check_contract_dates(sheets[CONTRACTS.name], found)
    check_kpi_menu(sheets[KPI_MENU.name], found)
    for spec in CONTRACT_SHEETS:
        check_references(sheets[spec.name], "contract_id", contracts, P.UNKNOWN_CONTRACT,
                         "a Contract ID on the Contracts sheet", found)
    check_references(sheets[SLA_KPIS.name], "kpi_code", kpis, P.UNKNOWN_KPI,
                     "a KPI Code on the KPI Menu sheet", found)
    check_sla(sheets[SLA_KPIS.name], sheets[KPI_MENU.name], found)
    check_budgets(sheets[BUDGETS.name], found)


def check_ids(sheet: SheetRows, field_name: str, duplicate_code: str,
              found: FoundProblems) -> dict[str, str] | None:
    """Safe, unique IDs. Returns {casefolded ID: ID as written}, or None if unknowable.

    IDs are compared without case: they become file names, and Windows ignores case.
    """
    if not sheet.has(field_name):
        return None
    label = sheet.header(field_name)
    seen: dict[str, tuple[str, int]] = {}
    for row in sheet.rows:
        ident = row.values.get(field_name)
        if ident is None:
            continue
        if not _SAFE_ID.fullmatch(ident):
            found.add(P.UNSAFE_ID, sheet, row, field_name,
                      f"{show(ident)} cannot be a {label}: it becomes part of file and sheet "
                      "names, so use only letters, digits, '-', '_' and '.', starting with a "
                      "letter or digit, at most 31 characters (for example VS-001)")
        key = ident.casefold()
        if key in seen:
            found.add(duplicate_code, sheet, row, field_name,
                      f"{label} {ident} is already used on row {seen[key][1]}; "
                      f"each {label} must be used once")
        else:
            seen[key] = (ident, row.number)
    return {key: ident for key, (ident, _) in seen.items()}


def check_contract_dates(sheet: SheetRows, found: FoundProblems) -> None:
    """End dates not before start dates, extensions not before end dates."""
    for row in sheet.rows:
        start, end = row.values.get("start_date"), row.values.get("end_date")
        extension = row.values.get("latest_extension_end")
        if start and end and end < start:
            found.add(P.DATES_OUT_OF_ORDER, sheet, row, "end_date",
                      f"the End Date {show(end)} is before the Start Date {show(start)}")
        if end and extension and extension < end:
            found.add(P.DATES_OUT_OF_ORDER, sheet, row, "latest_extension_end",
                      f"the Latest Extension End Date {show(extension)} is before the End "
                      f"Date {show(end)}; it is the latest date the contract can run to")


def check_kpi_menu(sheet: SheetRows, found: FoundProblems) -> None:
    """A percentage for the year is total numerator over total denominator, never a sum or
    an average of the quarters' percentages (reference §2)."""
    for row in sheet.rows:
        aggregation = row.values.get("aggregation")
        if row.values.get("unit") == "percent" and aggregation in ("sum", "mean"):
            found.add(P.PERCENT_AGGREGATION, sheet, row, "aggregation",
                      f"{row.values.get('code') or 'this KPI'} is a percentage, so its year "
                      f"is the ratio of sums (or the latest quarter), not the {aggregation} of "
                      "the quarters")


def check_references(sheet: SheetRows, field_name: str, known: dict[str, str] | None,
                     code: str, what: str, found: FoundProblems) -> None:
    """Every reference names a known ID; it is rewritten as the ID is written there."""
    if known is None or not sheet.has(field_name):
        return  # the sheet it refers to is missing: already reported once
    # One problem per unknown ID and sheet, at its first row, naming the others: a contract
    # missing from the Contracts sheet is one mistake, not one per budget line.
    unknown: dict[str, tuple[SheetRow, list[int]]] = {}
    for row in sheet.rows:
        ident = row.values.get(field_name)
        if ident is None:
            continue
        if ident.casefold() in known:
            row.values[field_name] = known[ident.casefold()]
        elif ident.casefold() in unknown:
            unknown[ident.casefold()][1].append(row.number)
            row.bad.add(field_name)
        else:
            unknown[ident.casefold()] = (row, [])
    for row, others in unknown.values():
        also = f" (the same ID is on {_row_list(others)} too)" if others else ""
        found.add(code, sheet, row, field_name,
                  f"{show(row.values[field_name])} is not {what}; correct it or add it "
                  f"there first{also}")


def _row_list(numbers: list[int], most: int = 6) -> str:
    """``row 4``, ``rows 4, 5 and 9``, ``rows 4, 5, 6, 7, 8, 9 and 12 more``."""
    if len(numbers) == 1:
        return f"row {numbers[0]}"
    if len(numbers) <= most:
        return f"rows {', '.join(map(str, numbers[:-1]))} and {numbers[-1]}"
    return f"rows {', '.join(map(str, numbers[:most]))} and {len(numbers) - most} more"


def _show_as(value: float, unit: str) -> str:
    if unit == "percent":
        return show_percent(value)
    if unit == "gbp":
        return f"£{value:,.0f}" if float(value).is_integer() else f"£{value:,.2f}"
    return show(value)


def check_sla(sheet: SheetRows, menu: SheetRows, found: FoundProblems) -> None:
    """One SLA row per contract, KPI and Effective From; targets that suit the KPI."""
    kpis = {}
    if menu.has("code"):
        for row in menu.rows:
            code = row.values.get("code")
            if code is not None:
                kpis.setdefault(code.casefold(), row.values)
    seen: dict[tuple, int] = {}
    for row in sheet.rows:
        values = row.values
        key = (values.get("contract_id"), values.get("kpi_code"), values.get("effective_from"))
        if None not in key and "contract_id" not in row.bad and "kpi_code" not in row.bad:
            key = (key[0].casefold(), key[1].casefold(), key[2])
            if key in seen:
                found.add(P.SLA_OVERLAP, sheet, row, "effective_from",
                          f"{values['contract_id']} already has a {values['kpi_code']} row "
                          f"effective from {values['effective_from']} (row {seen[key]}); "
                          "change Effective From on one of them or delete one")
            else:
                seen[key] = row.number
        code = values.get("kpi_code")
        kpi = kpis.get(code.casefold()) if code and "kpi_code" not in row.bad else None
        if kpi is None:
            continue
        _check_target(sheet, row, kpi, found)


def _check_target(sheet: SheetRows, row: SheetRow, kpi: dict, found: FoundProblems) -> None:
    """Targets and amber thresholds make sense for the KPI's unit and direction."""
    values, code = row.values, row.values["kpi_code"]
    unit, direction = kpi.get("unit"), kpi.get("direction")
    if unit == "percent":
        for name in ("target", "amber"):
            value = values.get(name)
            if value is None or 0 <= value <= 1:
                continue
            advice = (f"write {value:g}% not {value:g}" if 1 < value <= 100
                      else "a percentage lies between 0% and 100%")
            found.add(P.PERCENT_OUT_OF_RANGE, sheet, row, name,
                      f"{value:g} is not a percentage for {code}, a percent KPI; {advice}")
            values[name] = None
    if direction not in (_HIGHER, _LOWER):
        return  # "for information" KPIs have no RAG; a target there is only a guide
    target, amber = values.get("target"), values.get("amber")
    if "target" in row.bad:
        return
    if target is None:
        if values.get("mandatory"):
            found.add(P.TARGET_MISSING, sheet, row, "target",
                      f"{code} is mandatory and {direction.replace(' ', '-')}, so it needs a "
                      "target; write one, or set Mandatory to N to report it for information")
        elif amber is not None:
            found.add(P.AMBER_WITHOUT_TARGET, sheet, row, "amber",
                      f"an amber threshold needs a target beside it; write the {code} target "
                      "or clear the amber threshold")
        return
    if amber is None:
        return  # no amber band: anything worse than the target is red
    higher = direction == _HIGHER
    if (higher and amber > target) or (not higher and amber < target):
        side, must = ("above", "below") if higher else ("below", "above")
        found.add(P.AMBER_WRONG_SIDE, sheet, row, "amber",
                  f"{_show_as(amber, unit)} is {side} the target {_show_as(target, unit)}, but "
                  f"{code} is {direction.replace(' ', '-')}; the amber threshold must be "
                  f"{must} the target")


def check_budgets(sheet: SheetRows, found: FoundProblems) -> None:
    """One row per contract, financial year and budget line."""
    seen: dict[tuple, int] = {}
    for row in sheet.rows:
        cid, fy, line = (row.values.get(f) for f in ("contract_id", "fy", "line"))
        if None in (cid, fy, line) or row.bad & {"contract_id", "fy"}:
            continue
        key = (cid.casefold(), fy, words(line))
        if key in seen:
            found.add(P.DUPLICATE_BUDGET_LINE, sheet, row, "line",
                      f'{cid} already has the budget line "{line}" for {fy}-{(fy + 1) % 100:02d} '
                      f"on row {seen[key]}; combine the two rows or name them differently")
        else:
            seen[key] = row.number
