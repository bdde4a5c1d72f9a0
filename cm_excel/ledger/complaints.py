"""One complaint across quarters: recognising a complaint already reported.

A complaint received in one quarter is often resolved in a later one; the provider then
repeats its row (same date received, category and summary) with the outcome. That row is
an *update* of the earlier one, not a new complaint. Matching is on the date received plus
the words of the category and summary (case and spacing ignored); failing that, the one
earlier complaint of that date with the same summary (recategorised), or else the one with
the same category (summary retyped). Anything less certain is a different complaint.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Iterable, Mapping

from ..periods import Period

# Complaint rows of accepted performance returns, with the file they came from.
_ACCEPTED_ROWS = ("SELECT c.*, s.original_name, s.archive_path FROM complaints c"
                  " JOIN submissions s ON s.id = c.submission_id"
                  " WHERE s.status = 'accepted' AND s.kind = 'performance'")


def words(text: Any) -> str:
    return " ".join(str(text or "").split()).casefold()


def match(record: Mapping[str, Any], candidates: Iterable[Mapping[str, Any]]):
    """The candidate complaint ``record`` repeats, or None. Candidates are ledger rows or
    dicts with date_received, category and summary; the first exact match wins."""
    candidates = [c for c in candidates if c["date_received"] == record["date_received"]]
    if not candidates:
        return None
    category, summary = words(record["category"]), words(record["summary"])
    for c in candidates:
        if words(c["category"]) == category and words(c["summary"]) == summary:
            return c
    same_summary = [c for c in candidates if words(c["summary"]) == summary]
    if len(same_summary) == 1:
        return same_summary[0]  # recategorised
    same_category = [c for c in candidates if words(c["category"]) == category]
    if not same_summary and len(same_category) == 1:
        return same_category[0]  # summary retyped
    return None


def accepted_by_contract(conn: sqlite3.Connection) -> dict[str, list[sqlite3.Row]]:
    """Every complaint row of an accepted performance return, by contract, oldest quarter
    first (as ``accepted_complaints`` gives them): read once for a whole quarter rather than
    twice per complaint."""
    grouped: dict[str, list[sqlite3.Row]] = {}
    for r in conn.execute(
            _ACCEPTED_ROWS + " ORDER BY c.contract_id, c.fy, c.quarter, c.row").fetchall():
        grouped.setdefault(r["contract_id"], []).append(r)
    return grouped


def accepted_complaints(conn: sqlite3.Connection, contract_id: str, *,
                        before: Period | None = None,
                        after: Period | None = None) -> list[sqlite3.Row]:
    """Complaint rows of the contract's accepted performance returns for quarters before
    ``before`` and/or after ``after``, oldest quarter first (with the row's fy, quarter,
    submission id, sheet and row)."""
    sql = _ACCEPTED_ROWS + " AND c.contract_id = ?"
    args: list[Any] = [contract_id]
    if before is not None:
        sql += " AND (c.fy * 4 + c.quarter - 1) < ?"
        args.append(before.index)
    if after is not None:
        sql += " AND (c.fy * 4 + c.quarter - 1) > ?"
        args.append(after.index)
    sql += " ORDER BY c.fy, c.quarter, c.row"
    return conn.execute(sql, args).fetchall()
