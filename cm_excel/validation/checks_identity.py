"""What is this file? Template kind and version, contract, provider and period; its tables.

``identify`` fills the context (kind, version, contract, period) from the hidden metadata
sheet, falling back on the Contract sheet and the tables found so that the other checks
can still run and every problem of the file is found in one pass.
"""

from __future__ import annotations

from ..intake.model import Cell
from ..periods import parse_period_label
from ..templates import contract as tc
from .checks_common import Context, received_day, same_text, text_of
from .rules import show
from .values import parse_number

# Metadata keys needed to know what the file is (the fingerprint is checked as tamper).
_IDENTITY_KEYS = ("template_kind", "template_version", "contract_id", "provider", "period")


def identify(ctx: Context) -> None:
    """Fill ctx.kind/version/contract/period/provider.

    Findings: META_MISSING, META_KIND_UNKNOWN, META_VERSION_UNKNOWN, META_PERIOD_INVALID,
    CONTRACT_MISMATCH, CONTRACT_UNKNOWN, PROVIDER_MISMATCH, PERIOD_MISMATCH,
    CONTRACT_NOT_ACTIVE.
    """
    wb = ctx.wb
    meta = wb.metadata
    present = {k: c for k, c in meta.items() if not c.blank}
    if not present:
        ctx.add("META_MISSING", sheet=tc.META_SHEET, cell="", value=None, key="all of them")
    else:
        for key in _IDENTITY_KEYS:
            if key not in present:
                cell = meta.get(key)
                ctx.add("META_MISSING", cell, sheet=tc.META_SHEET, value=None, key=key)

    _kind(ctx, present.get("template_kind"))
    _version(ctx, present.get("template_version"))
    _contract(ctx, present.get("contract_id"))
    _provider(ctx, present.get("provider"))
    _period(ctx, present.get("period"))


def _kind(ctx: Context, cell: Cell | None) -> None:
    if cell is not None:
        kind = str(cell.value).strip().lower()
        if kind in tc.KINDS:
            ctx.kind = kind
            return
        ctx.add("META_KIND_UNKNOWN", cell)
    # Fall back on the tables found, so the rest of the file can still be checked.
    for kind in tc.KINDS:
        if any(t.name in ctx.wb.tables for t in tc.tables_of(kind) if t.locked):
            ctx.kind = kind
            return


def _version(ctx: Context, cell: Cell | None) -> None:
    if cell is None:
        return
    number = parse_number(cell.value).value
    if number is not None and number.is_integer() and int(number) in tc.KNOWN_VERSIONS:
        ctx.version = int(number)
    else:
        ctx.add("META_VERSION_UNKNOWN", cell)


def _contract(ctx: Context, meta_cell: Cell | None) -> None:
    sheet_cell = ctx.wb.contract_fields.get("Contract ID")
    meta_id = text_of(meta_cell)
    sheet_id = text_of(sheet_cell)
    if meta_id and sheet_id and meta_id != sheet_id:
        ctx.add("CONTRACT_MISMATCH", sheet_cell, expected=meta_id)
    chosen, where = (meta_id, meta_cell) if meta_id else (sheet_id, sheet_cell)
    if not chosen:
        return
    ctx.contract_id = chosen
    ctx.contract = ctx.register.contracts.get(chosen)
    if ctx.contract is None:
        ctx.add("CONTRACT_UNKNOWN", where)


def _provider(ctx: Context, cell: Cell | None) -> None:
    ctx.provider = text_of(cell)
    if ctx.contract is None:
        return
    if ctx.provider is not None and not same_text(ctx.provider, ctx.contract.provider):
        ctx.add("PROVIDER_MISMATCH", cell, contract=ctx.contract.contract_id,
                expected=ctx.contract.provider)
    ctx.provider = ctx.contract.provider  # the register wins


def _period(ctx: Context, meta_cell: Cell | None) -> None:
    meta_period = None
    if meta_cell is not None:
        meta_period = parse_period_label(str(meta_cell.value))
        if meta_period is None:
            ctx.add("META_PERIOD_INVALID", meta_cell)
    sheet_cell = ctx.wb.contract_fields.get("Period")
    sheet_period = None
    if sheet_cell is not None and not sheet_cell.blank:
        sheet_period = parse_period_label(str(sheet_cell.value))
    if meta_period is not None and sheet_cell is not None and not sheet_cell.blank \
            and sheet_period != meta_period:
        ctx.add("PERIOD_MISMATCH", sheet_cell, expected=meta_period.label)
    ctx.period = meta_period or sheet_period
    if ctx.contract is not None and ctx.period is not None \
            and not ctx.contract.is_active_in(ctx.period):
        ctx.add("CONTRACT_NOT_ACTIVE", meta_cell or sheet_cell, contract=ctx.contract.contract_id,
                period=ctx.period.label)


def check_received(ctx: Context) -> None:
    """RECEIVED_EARLY: received (UK time) on or before the last day of its quarter."""
    day = received_day(ctx.received_at)
    if day is not None and ctx.period is not None and day <= ctx.period.end:
        ctx.add("RECEIVED_EARLY", sheet="", cell="", value=day, period=ctx.period.label,
                expected=show(ctx.period.end))


def check_structure(ctx: Context) -> None:
    """TABLE_MISSING and COLUMN_MISSING for the tables of the return's kind."""
    if ctx.kind is None:
        return
    for contract in tc.tables_of(ctx.kind):
        table = ctx.wb.tables.get(contract.name)
        if table is None:
            ctx.add("TABLE_MISSING", sheet=contract.sheet, cell="", value=None,
                    table=contract.name, expected=contract.sheet)
            continue
        expected = contract.headers_of(ctx.version)
        for header in table.missing_headers:
            if header not in expected:
                continue  # added by a later template version than this return's
            # The reader gives a missing column's cells the reference of the header row.
            stand_in = table.rows[0].get(header) if table.rows else None
            ref = stand_in.ref if stand_in is not None else (
                f"A{table.header_row}" if table.header_row else "")
            ctx.add("COLUMN_MISSING", sheet=table.sheet, cell=ref, value=None,
                    header=header, table=contract.name)
