"""The provider's sign-off on the Contract sheet: prepared by, approved by, date."""

from __future__ import annotations

from typing import Any

from ..templates import contract as tc
from .checks_common import Context, received_day, same_text, text_of
from .rules import show
from .values import INVALID, TEXT, parse_date

KEYS = {"Prepared By": "prepared_by", "Approved By": "approved_by",
        "Sign-off Date": "signoff_date"}


def check_sign_off(ctx: Context) -> dict[str, Any]:
    """Check the sign-off; return ``{prepared_by, approved_by, signoff_date}`` (ISO date).

    Findings: SIGNOFF_MISSING, SIGNOFF_DATE_INVALID, SIGNOFF_SAME_PERSON, VALUE_AS_TEXT.
    """
    out: dict[str, Any] = {key: None for key in KEYS.values()}
    cells = ctx.wb.sign_off
    for label in tc.SIGN_OFF_FIELDS:
        cell = cells.get(label)
        if cell is None or cell.blank:
            ctx.add("SIGNOFF_MISSING", cell, sheet=tc.CONTRACT_SHEET if cell is None else None,
                    cell="" if cell is None else None, value=None, header=label)
            continue
        if label != "Sign-off Date":
            out[KEYS[label]] = text_of(cell)
            continue
        parsed = parse_date(cell.value, ctx.wb.date1904)
        if parsed.note == INVALID:
            ctx.add("SIGNOFF_DATE_INVALID", cell, reason="is not a date")
            continue
        if parsed.note == TEXT:
            ctx.add("VALUE_AS_TEXT", cell, what=label,
                    expected=show(parsed.value))
        day = parsed.value
        reason = None
        if ctx.period is not None and day < ctx.period.start:
            reason = f"is before the quarter began on {show(ctx.period.start)}"
        elif ctx.received_at is not None and day > received_day(ctx.received_at):
            reason = f"is after the return reached us on {show(received_day(ctx.received_at))}"
        if reason:
            ctx.add("SIGNOFF_DATE_INVALID", cell, value=day, reason=reason)
        out["signoff_date"] = day.isoformat()
    if out["prepared_by"] and out["approved_by"] and same_text(out["prepared_by"],
                                                                out["approved_by"]):
        ctx.add("SIGNOFF_SAME_PERSON", cells.get("Approved By"))
    return out
