"""The locked parts of a template must be as issued; the register's values always win.

What a template should hold is decided in one place, ``templates.content``; these checks
compare the return with it. Changes are warnings: the engine uses the register's values
anyway, and the provider is told so.
"""

from __future__ import annotations

from datetime import date

from ..intake.model import Cell
from ..templates import contract as tc
from ..templates.content import TemplateContent, template_content
from .checks_common import Context, cell_of, same_text, text_of
from .rules import money, percent, show
from .values import parse_date, parse_number, parse_percent, same_number

# Checked elsewhere as errors (CONTRACT_MISMATCH, PERIOD_MISMATCH); not repeated here.
_IDENTITY_FIELDS = ("Contract ID", "Period")


def check_tamper(ctx: Context) -> None:
    """Findings: TAMPER_SHEET_RENAMED, TAMPER_LOCKED_CHANGED, TAMPER_FINGERPRINT."""
    _sheets(ctx)
    content = _content(ctx)
    before = len(ctx.findings)
    if content is not None:
        _contract_fields(ctx, content)
        if ctx.kind == tc.PERFORMANCE:
            _kpi_rows(ctx, content)
        else:
            _budget_rows(ctx, content)
    changed = any(f.code == "TAMPER_LOCKED_CHANGED" for f in ctx.findings[before:])
    if not changed:  # the specific warnings already say what changed
        _fingerprint(ctx)


def _content(ctx: Context) -> TemplateContent | None:
    if ctx.kind not in tc.KINDS or ctx.contract is None or ctx.period is None:
        return None
    return template_content(ctx.register, ctx.contract, ctx.period, ctx.kind)


def _sheets(ctx: Context) -> None:
    if ctx.kind not in tc.KINDS:
        return
    present = set(ctx.wb.sheet_names)
    for name in tc.SHEETS[ctx.kind]:
        if name == tc.META_SHEET or name in present:
            continue  # a missing metadata sheet is META_MISSING
        # If the sheet's table was found under another name, point there.
        found = [t.sheet for t in ctx.wb.tables.values()
                 if tc.TABLES.get(t.name) and tc.TABLES[t.name].sheet == name]
        ctx.add("TAMPER_SHEET_RENAMED", sheet=found[0] if found else name, cell="",
                value=found[0] if found else None, expected=name)


def _changed(ctx: Context, cell: Cell, header: str, expected_text: str,
             display: str | None = None) -> None:
    ctx.add("TAMPER_LOCKED_CHANGED", cell, header=header, expected=expected_text,
            display=display)


def _contract_fields(ctx: Context, content: TemplateContent) -> None:
    cells = ctx.wb.contract_fields
    if not cells:
        return  # no Contract sheet: TAMPER_SHEET_RENAMED says so
    for label, expected in content.contract_fields.items():
        if label in _IDENTITY_FIELDS:
            continue
        cell = cells.get(label) or Cell(None, tc.CONTRACT_SHEET, "")
        if isinstance(expected, date):
            if parse_date(cell.value, ctx.wb.date1904).value != expected:
                _changed(ctx, cell, label, show(expected))
        elif not same_text(text_of(cell), expected):
            _changed(ctx, cell, label, show(expected))


def _kpi_rows(ctx: Context, content: TemplateContent) -> None:
    table = ctx.wb.tables.get("PerformanceReturn")
    if table is None:
        return
    expected = {kr.kpi.code: kr for kr in content.kpi_rows}
    for row in table.rows:
        kr = expected.get(text_of(cell_of(row, "KPI Code", table)) or "")
        if kr is None:
            continue
        code, kpi = kr.kpi.code, kr.kpi
        for header, want in (("KPI", kpi.name), ("Unit", kpi.unit)):
            cell = cell_of(row, header, table)
            if header not in table.missing_headers and not same_text(text_of(cell), want):
                _changed(ctx, cell, f"{header} of {code}", show(want))
        cell = cell_of(row, "Target", table)
        if "Target" in table.missing_headers:
            continue
        parser = parse_percent if kpi.unit == "percent" else parse_number
        got = parser(cell.value).value
        if not same_number(got, kr.target):
            _changed(ctx, cell, f"Target of {code}", _as_unit(kpi.unit, kr.target),
                     display=_as_unit(kpi.unit, got) if got is not None else None)


def _as_unit(unit: str, value: float | None) -> str:
    if value is None:
        return "blank"
    return percent(value) if unit == "percent" else money(value) if unit == "gbp" else show(value)


def _budget_rows(ctx: Context, content: TemplateContent) -> None:
    table = ctx.wb.tables.get("FinancialReturn")
    if table is None:
        return
    expected = {" ".join(br.budget.line.split()).casefold(): br for br in content.budget_rows}
    for row in table.rows:
        name = text_of(cell_of(row, "Budget Line", table)) or ""
        br = expected.get(" ".join(name.split()).casefold())
        if br is None:
            continue
        for header, want in (("Annual Budget", br.budget.annual_budget),
                             ("Quarter Budget", br.quarter_budget)):
            if header in table.missing_headers:
                continue
            cell = cell_of(row, header, table)
            got = parse_number(cell.value).value
            if got is None or abs(got - want) > 0.005:
                _changed(ctx, cell, f"{header} of {br.budget.line}", money(want),
                         display=money(got) if got is not None else None)


def _fingerprint(ctx: Context) -> None:
    meta = ctx.wb.metadata
    if ctx.kind not in tc.KINDS or not meta:
        return
    main = next(t for t in tc.tables_of(ctx.kind) if t.locked)
    table = ctx.wb.tables.get(main.name)
    if table is None:
        return  # TABLE_MISSING says so
    fields = {label: (ctx.wb.contract_fields[label].value
                      if label in ctx.wb.contract_fields else None)
              for label in tc.CONTRACT_FIELDS}
    rows = [tuple(cell_of(row, h, table).value if h not in table.missing_headers else None
                  for h in main.locked) for row in table.rows]
    # Rows a provider added for their own notes carry no locked content: not a change.
    rows = [r for r in rows if any(v is not None and str(v).strip() for v in r)]
    recomputed = tc.fingerprint(ctx.kind, fields, rows)
    cell = meta.get("fingerprint")
    issued = text_of(cell)
    if issued != recomputed:
        ctx.add("TAMPER_FINGERPRINT", cell, sheet=tc.META_SHEET, value=issued)
