"""A small register built in code, and realistic provider returns made from it.

Shared by the tests of every part of cm-excel. Build fresh objects for each test
(``make_register()``), change them with ``dataclasses.replace`` for an edge case, and never
mutate the module's constants.

The register, for the financial year 2026-27 (``PERIOD`` is its Q3):

- VS-001, victims' assessment and referral hub (Horizon Victim Care CIC), active. KPIs in
  force in Q3: CONTACT48 (percent, ratio; target 95% from 2026-27 Q3, 90% before),
  SUPPORTED (count), WAITDAYS (days, ratio of sums, lower is better), REFERRALS (for
  information, no target), SATISFY (score, not mandatory). Four budget lines in 2026-27
  summing to its annual value, and different lines in 2025-26.
- VS-002, independent sexual violence advisers (Safe Harbour Trust), active:
  CONTACT48, SUPPORTED, SATISFY; three budget lines.
- VS-003, restorative justice (Mend & Meet Ltd), ended 31 Mar 2026: not active in 2026-27.

VS-002 ends 31 Mar 2027 with no exit decision, so calendar flags (exit notice, post-contract
review) apply to it in Q3. There are no audits, exit plans, disputes or checklist rows:
add them with ``dataclasses.replace(register, audits=[...])`` where a test needs them.

Values a provider would send: ``good_kpis`` / ``good_lines`` meet every target with a
steady, consistent spend; ``sign_off_for(period)`` is a complete sign-off; ``make_return``
writes a filled return (good by default, anything else on request).

Looking inside workbooks (openpyxl): ``table_cells`` / ``table_rows`` read an Excel table
by name, ``validation_at`` finds a cell's data validation, ``workbook_fingerprint``
recomputes the template fingerprint from the locked content.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from cm_excel.periods import Period
from cm_excel.register.model import Budget, Contract, Kpi, Register, Settings, SlaKpi
from cm_excel.templates import contract as tc
from cm_excel.templates.content import template_content
from cm_excel.templates.fill import fill_return
from cm_excel.templates.writer import write_template, write_templates

FY = 2026
PERIOD = Period(FY, 3)  # 2026-27 Q3: 1 Oct to 31 Dec 2026
PREVIOUS = Period(FY, 2)  # 2026-27 Q2, before CONTACT48's target change
ACTIVE = ("VS-001", "VS-002")  # contracts active in PERIOD

PERCENT, COUNT, DAYS, INFO, SCORE = "CONTACT48", "SUPPORTED", "WAITDAYS", "REFERRALS", "SATISFY"

KPIS = (
    Kpi(PERCENT, "Victims contacted within 48 hours of referral",
        "Victims referred in the quarter who were contacted within 48 hours, out of all "
        "victims referred in the quarter.", "percent", "higher is better", "ratio of sums"),
    Kpi(COUNT, "Victims given enhanced support",
        "Victims who received an enhanced support package that started in the quarter.",
        "count", "higher is better", "sum"),
    Kpi(DAYS, "Average working days from referral to first support session",
        "Total working days from referral to first support session (numerator) over the "
        "number of victims whose first session was in the quarter (denominator).",
        "days", "lower is better", "ratio of sums"),
    Kpi(INFO, "Referrals received", "All referrals received in the quarter, from any source.",
        "count", "for information", "sum"),
    Kpi(SCORE, "Service user satisfaction score",
        "Mean satisfaction score (1 to 5) given by service users at case closure.",
        "score", "higher is better", "mean"),
)


def _contracts() -> list[Contract]:
    return [
        Contract("VS-001", "Victims' assessment and referral hub", "Horizon Victim Care CIC",
                 "Sam Okafor, Service Manager", "Dana Price, Chief Executive",
                 "Alex Patel", "Jo Reid", 1_250_000.0, 9_000,
                 date(2024, 4, 1), date(2028, 3, 31), date(2030, 3, 31), "active", row=2),
        Contract("VS-002", "Independent sexual violence advisers", "Safe Harbour Trust",
                 "Priya Shah, ISVA Lead", "Mark Ellis, Director", "Chris Young",
                 "Alex Patel", 420_000.0, 900,
                 date(2025, 4, 1), date(2027, 3, 31), None, "active", row=3),
        Contract("VS-003", "Restorative justice service", "Mend & Meet Ltd",
                 "Lee Harper, Coordinator", "Ruth Gale, Director", "Jo Reid", "Chris Young",
                 180_000.0, 400, date(2023, 4, 1), date(2026, 3, 31), None, "ended", row=4),
    ]


def _sla() -> list[SlaKpi]:
    p = Period
    rows = [
        # contract, code, target, amber, mandatory, effective from
        ("VS-001", PERCENT, 0.90, 0.85, True, p(2024, 1)),
        ("VS-001", COUNT, 600, 540, True, p(2024, 1)),
        ("VS-001", DAYS, 2.0, 3.0, True, p(2024, 1)),
        ("VS-001", INFO, None, None, True, p(2024, 1)),
        ("VS-001", SCORE, 4.0, 3.5, False, p(2024, 1)),
        ("VS-001", PERCENT, 0.95, 0.90, True, p(2026, 3)),  # the SLA was varied from Q3
        ("VS-002", PERCENT, 0.85, 0.80, True, p(2025, 1)),
        ("VS-002", COUNT, 150, 130, True, p(2025, 1)),
        ("VS-002", SCORE, 4.2, 3.8, False, p(2025, 1)),
        ("VS-003", PERCENT, 0.80, 0.75, True, p(2023, 1)),
        ("VS-003", COUNT, 60, 50, True, p(2023, 1)),
    ]
    return [SlaKpi(c, k, t, a, m, e, row=i + 2) for i, (c, k, t, a, m, e) in enumerate(rows)]


def _budgets() -> list[Budget]:
    rows = [
        ("VS-001", 2025, "Staff costs", 880_000.0),
        ("VS-001", 2025, "Premises and running costs", 170_000.0),
        ("VS-001", 2025, "Management and overheads", 150_000.0),
        ("VS-001", FY, "Staff costs", 900_000.0),
        ("VS-001", FY, "Premises and running costs", 150_000.0),
        ("VS-001", FY, "Training and supervision", 50_000.0),
        ("VS-001", FY, "Management and overheads", 150_000.0),
        ("VS-002", FY, "ISVA salaries", 350_000.0),
        ("VS-002", FY, "Clinical supervision", 30_000.0),
        ("VS-002", FY, "Travel and overheads", 40_000.0),
        ("VS-003", 2025, "Facilitator costs", 150_000.0),
        ("VS-003", 2025, "Overheads", 30_000.0),
    ]
    return [Budget(c, fy, line, amount, row=i + 2) for i, (c, fy, line, amount) in enumerate(rows)]


def make_register(**settings) -> Register:
    """A fresh register as described in the module docstring; ``settings`` override knobs."""
    return Register(
        contracts={c.contract_id: c for c in _contracts()},
        kpis={k.code: replace(k, row=i + 2) for i, k in enumerate(KPIS)},
        sla=_sla(),
        budgets=_budgets(),
        settings=replace(Settings(), **settings),
    )


# --- values a provider would send ----------------------------------------------------

def sign_off_for(period: Period) -> dict[str, object]:
    """A complete sign-off, dated 15 days after the quarter ends (inside the deadline)."""
    return {"Prepared By": "Sam Okafor, Service Manager",
            "Approved By": "Dana Price, Chief Executive",
            "Sign-off Date": period.end + timedelta(days=15)}


SIGN_OFF = sign_off_for(PERIOD)  # {"Prepared By": ..., "Sign-off Date": date(2027, 1, 15)}


def good_kpis(register: Register, contract_id: str, period: Period = PERIOD) -> dict:
    """KPI Code → values meeting every target in force: what fill_return(kpis=) takes."""
    out: dict[str, dict[str, object]] = {}
    for sla in register.sla_in_force(contract_id, period):
        kpi = register.kpis[sla.kpi_code]
        if kpi.unit == "percent":
            target = sla.target or 0.5
            out[kpi.code] = {"Numerator": round(200 * min(1.0, target + 0.02)),
                             "Denominator": 200}
        elif kpi.is_ratio:  # an average kept as total over count; lower is better here
            target = sla.target or 2.0
            out[kpi.code] = {"Numerator": 50 * target * 0.9, "Denominator": 50}
        elif sla.target is None:
            out[kpi.code] = {"Actual": 1234}
        elif kpi.direction == "lower is better":
            out[kpi.code] = {"Actual": sla.target * 0.9}
        else:
            out[kpi.code] = {"Actual": sla.target * 1.05 if kpi.unit != "count"
                             else round(sla.target * 1.05)}
        out[kpi.code]["Commentary"] = "On target."
    return out


def good_lines(register: Register, contract_id: str, period: Period = PERIOD) -> dict:
    """Budget Line → an even spend on budget: what fill_return(lines=) takes."""
    return {b.line: {"Quarter Actual": b.annual_budget / 4,
                     "Year To Date Actual": b.annual_budget / 4 * period.quarter,
                     "Forecast Outturn": b.annual_budget}
            for b in register.budget_lines(contract_id, period.fy)}


def make_templates(out_dir: Path, register: Register | None = None,
                   period: Period = PERIOD) -> dict[tuple[str, str], Path]:
    """Write the templates of every active contract; (contract ID, kind) → path."""
    register = register or make_register()
    paths = write_templates(register, period, out_dir)
    return {(p.name.split("_")[0], p.name.split("_")[1]): p for p in paths}


def make_return(out_dir: Path, contract_id: str = "VS-001", kind: str = tc.PERFORMANCE,
                period: Period = PERIOD, *, register: Register | None = None,
                name: str | None = None, kpis: dict | None = None, lines: dict | None = None,
                tables: dict | None = None, sign_off: dict | None = None) -> Path:
    """A filled return written to ``out_dir``: by default good values and a full sign-off.

    Pass ``kpis`` / ``lines`` / ``tables`` / ``sign_off`` to replace the defaults (``{}``
    for none); ``name`` sets the file name (default: the template's own name). Nothing
    but the return is left in ``out_dir`` (the template is written to a temporary folder).
    """
    register = register or make_register()
    content = template_content(register, register.contracts[contract_id], period, kind)
    if kind == tc.PERFORMANCE:
        kpis = good_kpis(register, contract_id, period) if kpis is None else kpis
    else:
        lines = good_lines(register, contract_id, period) if lines is None else lines
    with tempfile.TemporaryDirectory() as tmp:
        template = write_template(content, Path(tmp) / content.filename,
                                  settings=register.settings,
                                  office_name=register.settings.office_name)
        return fill_return(template, Path(out_dir) / (name or content.filename),
                           kpis=kpis or {}, lines=lines or {}, tables=tables or {},
                           sign_off=sign_off_for(period) if sign_off is None else sign_off)


# --- looking inside a workbook (openpyxl), for assertions -----------------------------

def table_cells(wb, name: str) -> tuple[list[str], list[list]]:
    """(headers, rows of openpyxl cells) of the Excel table ``name`` in an openpyxl workbook."""
    from openpyxl.utils.cell import range_boundaries

    for ws in wb.worksheets:
        if name in ws.tables:
            min_col, min_row, max_col, max_row = range_boundaries(ws.tables[name].ref)
            grid = [list(r) for r in ws.iter_rows(min_row=min_row, max_row=max_row,
                                                  min_col=min_col, max_col=max_col)]
            return [c.value for c in grid[0]], grid[1:]
    raise KeyError(name)


def table_rows(wb, name: str) -> list[dict[str, object]]:
    """The rows of table ``name`` as header → value dicts (openpyxl values, formulas as text)."""
    headers, rows = table_cells(wb, name)
    return [{h: c.value for h, c in zip(headers, row)} for row in rows]


def workbook_fingerprint(wb, kind: str) -> str:
    """contract.fingerprint recomputed from an openpyxl workbook's locked content:
    the Contract sheet's A/B label-value pairs from row 4 and the main table's locked columns."""
    ws = wb[tc.CONTRACT_SHEET]
    fields = {ws.cell(row, 1).value: ws.cell(row, 2).value
              for row in range(4, 4 + len(tc.CONTRACT_FIELDS))}
    main = tc.PERFORMANCE_RETURN if kind == tc.PERFORMANCE else tc.FINANCIAL_RETURN
    rows = [tuple(r[h] for h in main.locked) for r in table_rows(wb, main.name)
            if any(r[h] is not None for h in main.locked)]
    return tc.fingerprint(kind, fields, rows)


def validation_at(ws, coordinate: str):
    """The openpyxl DataValidation covering ``coordinate`` on ``ws``, or None."""
    for dv in ws.data_validations.dataValidation:
        if coordinate in dv.sqref:
            return dv
    return None
