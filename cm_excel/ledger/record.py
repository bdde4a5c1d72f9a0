"""Record one validated return in the ledger, in one transaction.

``record`` writes the submission row, its findings and (for accepted and held returns) its
normalised values: KPI values, financial lines, incidents, complaints, risks and
improvements. An accepted return supersedes the earlier accepted return of the same
contract, period and kind (status ``superseded``, ``superseded_by`` pointing at the new
one) and lists every changed value, old → new, in ``restatements``. Either all of that is
in the ledger or none of it is.

``apply_held`` and ``decline_held`` settle a held late resubmission the same way.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable

from ..findings import Finding, Level
from ..validation.result import ValidationResult
from .db import transaction
from .queries import (ACCEPTED, DECLINED, HELD, REJECTED, SUPERSEDED, current_submission,
                      next_version, submission_by_id, utc_text)

RECORDABLE = (ACCEPTED, REJECTED, HELD)

# Columns of the other performance tables, in ledger order (dict keys of ValidationResult).
TABLE_COLUMNS = {
    "incidents": ("date", "description", "clients_affected", "estimated_cost", "harm_caused",
                  "provider_negligence", "reputational_risk", "action_taken", "category"),
    "complaints": ("date_received", "category", "summary", "outcome", "resolved_date"),
    "risks": ("risk", "likelihood", "impact", "mitigation", "owner", "status"),
    "improvements": ("action", "due_date", "status", "progress"),
}

# What a restatement compares: provider-supplied numbers only (targets, amber thresholds
# and annual budgets are the register's, and text changes are not restatements of figures).
KPI_FIELDS = (("numerator", "Numerator"), ("denominator", "Denominator"), ("actual", "Actual"))
LINE_FIELDS = (("quarter_budget", "Quarter Budget"), ("quarter_actual", "Quarter Actual"),
               ("ytd_actual", "Year To Date Actual"), ("forecast_outturn", "Forecast Outturn"))
TABLE_ITEMS = (("incidents", "Incidents reported"), ("complaints", "Complaints reported"),
               ("risks", "Risks reported"), ("improvements", "Improvement actions reported"))


@dataclass(frozen=True)
class Recorded:
    """What recording did: the new submission's id, status and version, and what it superseded."""

    submission_id: int
    status: str
    version: int | None
    superseded_id: int | None = None
    superseded_version: int | None = None
    restatements: int = 0


def record(conn: sqlite3.Connection, result: ValidationResult, *, received_at: datetime,
           ingested_at: datetime, status: str | None = None, version: int | None = None,
           archive_path: str | None = None, feedback_path: str | None = None,
           extra_findings: Iterable[Finding] = (), replaces: int | None = None) -> Recorded:
    """Record ``result`` in one transaction and return what was done.

    ``status`` defaults to ``result.status`` (accepted or rejected); ``held`` records a late
    resubmission with its values but supersedes nothing. Accepted and held returns need a
    contract, period and kind; their ``version`` defaults to the next free number.
    ``extra_findings`` are recorded after the validator's (e.g. RESUBMISSION_HELD).
    ``replaces`` is the id of an earlier *rejected* submission of the same file, whose row
    and findings are replaced (a file re-checked after the register was corrected).
    Raises sqlite3.Error (nothing of this submission remains) or ValueError.
    """
    status = status or result.status
    if status not in RECORDABLE:
        raise ValueError(f"cannot record a submission as {status!r}")
    findings = list(result.findings) + list(extra_findings)
    keeps_values = status in (ACCEPTED, HELD)
    if keeps_values and not (result.contract_id and result.period and result.kind):
        raise ValueError(f"{result.file}: a {status} return needs a contract, period and kind")

    with transaction(conn):
        if replaces is not None:
            _delete_rejected(conn, replaces, result.sha256)
        if keeps_values and version is None:
            version = next_version(conn, result.contract_id, result.period, result.kind)
        if not keeps_values:
            version = None
        previous = (current_submission(conn, result.contract_id, result.period, result.kind)
                    if status == ACCEPTED else None)
        sub_id = _insert_submission(conn, result, status, version, findings, received_at,
                                    ingested_at, archive_path, feedback_path)
        _insert_findings(conn, sub_id, findings)
        if keeps_values:
            _insert_values(conn, sub_id, result)
        restated = 0
        if previous is not None:
            restated = _supersede(conn, previous.id, sub_id)
    return Recorded(sub_id, status, version, previous.id if previous else None,
                    previous.version if previous else None, restated)


def apply_held(conn: sqlite3.Connection, submission_id: int) -> Recorded:
    """Accept a held submission: it supersedes the current accepted return, with restatements."""
    with transaction(conn):
        held = _held(conn, submission_id)
        previous = current_submission(conn, held.contract_id, held.period, held.kind)
        conn.execute("UPDATE submissions SET status = ? WHERE id = ?", (ACCEPTED, held.id))
        restated = _supersede(conn, previous.id, held.id) if previous else 0
    return Recorded(held.id, ACCEPTED, held.version, previous.id if previous else None,
                    previous.version if previous else None, restated)


def decline_held(conn: sqlite3.Connection, submission_id: int) -> Recorded:
    """Decline a held submission: it stays in the ledger and the archive, status ``declined``."""
    with transaction(conn):
        held = _held(conn, submission_id)
        conn.execute("UPDATE submissions SET status = ? WHERE id = ?", (DECLINED, held.id))
    return Recorded(held.id, DECLINED, held.version)


def set_feedback_path(conn: sqlite3.Connection, submission_id: int, feedback_path: str) -> None:
    with transaction(conn):
        conn.execute("UPDATE submissions SET feedback_path = ? WHERE id = ?",
                     (feedback_path, submission_id))


def forget_rejected(conn: sqlite3.Connection, submission_id: int) -> None:
    """Delete a rejected submission and its findings: a file that no longer exists anywhere
    (a half-copied file, since completed and accepted under the same name)."""
    with transaction(conn):
        row = conn.execute("SELECT status FROM submissions WHERE id = ?",
                           (submission_id,)).fetchone()
        if row is None or row["status"] != REJECTED:
            raise ValueError(f"submission {submission_id} is not rejected")
        conn.execute("DELETE FROM findings WHERE submission_id = ?", (submission_id,))
        conn.execute("DELETE FROM submissions WHERE id = ?", (submission_id,))


# --- pieces ---------------------------------------------------------------------------


def _held(conn, submission_id):
    sub = submission_by_id(conn, submission_id)
    if sub is None or sub.status != HELD:
        raise ValueError(f"submission {submission_id} is not held "
                         f"(it is {sub.status if sub else 'not in the ledger'})")
    return sub


def _delete_rejected(conn, submission_id: int, sha256: str) -> None:
    row = conn.execute("SELECT status, sha256 FROM submissions WHERE id = ?",
                       (submission_id,)).fetchone()
    if row is None or row["status"] != REJECTED or row["sha256"] != sha256:
        raise ValueError(f"submission {submission_id} is not a rejected copy of this file")
    conn.execute("DELETE FROM findings WHERE submission_id = ?", (submission_id,))
    conn.execute("DELETE FROM submissions WHERE id = ?", (submission_id,))


def _insert_submission(conn, result: ValidationResult, status, version, findings,
                       received_at, ingested_at, archive_path, feedback_path) -> int:
    period = result.period
    sign = result.sign_off or {}
    counts = {level: sum(1 for f in findings if f.level is level) for level in Level}
    cur = conn.execute(
        "INSERT INTO submissions (sha256, original_name, received_at, ingested_at, contract_id,"
        " fy, quarter, kind, template_version, status, version, archive_path, prepared_by,"
        " approved_by, signoff_date, errors, queries, warnings, feedback_path)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (result.sha256, result.file, utc_text(received_at), utc_text(ingested_at),
         result.contract_id, period.fy if period else None, period.quarter if period else None,
         result.kind, result.template_version, status, version, archive_path,
         _sql(sign.get("prepared_by")), _sql(sign.get("approved_by")),
         _sql(sign.get("signoff_date")), counts[Level.ERROR], counts[Level.QUERY],
         counts[Level.WARNING], feedback_path))
    return cur.lastrowid


def _insert_findings(conn, sub_id: int, findings: list[Finding]) -> None:
    conn.executemany(
        "INSERT INTO findings (submission_id, code, level, sheet, cell, message, action, value,"
        " explained) VALUES (?,?,?,?,?,?,?,?,?)",
        [(sub_id, f.code, str(f.level), f.sheet or None, f.cell or None, f.message,
          f.action or None, None if f.value is None else str(_sql(f.value)), int(f.explained))
         for f in findings])


def _insert_values(conn, sub_id: int, result: ValidationResult) -> None:
    key = (result.contract_id, result.period.fy, result.period.quarter)
    conn.executemany(
        "INSERT INTO kpi_values (submission_id, contract_id, fy, quarter, kpi_code, numerator,"
        " denominator, actual, target, amber, commentary, sheet, cell)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [(sub_id, *key, k.kpi_code, k.numerator, k.denominator, k.actual, k.target, k.amber,
          k.commentary, k.sheet, k.cell) for k in result.kpis])
    conn.executemany(
        "INSERT INTO financial_lines (submission_id, contract_id, fy, quarter, budget_line,"
        " annual_budget, quarter_budget, quarter_actual, ytd_actual, forecast_outturn,"
        " variance_explanation, sheet, row) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [(sub_id, *key, f.budget_line, f.annual_budget, f.quarter_budget, f.quarter_actual,
          f.ytd_actual, f.forecast_outturn, f.variance_explanation, f.sheet, f.row)
         for f in result.lines])
    for table, columns in TABLE_COLUMNS.items():
        records = getattr(result, table)
        if not records:
            continue
        names = ("submission_id", "contract_id", "fy", "quarter") + columns + ("sheet", "row")
        conn.executemany(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            [(sub_id, *key, *(_sql(rec.get(c)) for c in columns), rec.get("sheet") or table,
              int(rec.get("row") or 0)) for rec in records])


def _supersede(conn, old_id: int, new_id: int) -> int:
    conn.execute("UPDATE submissions SET status = ?, superseded_by = ? WHERE id = ?",
                 (SUPERSEDED, new_id, old_id))
    rows = list(_changes(conn, old_id, new_id))
    conn.executemany(
        "INSERT INTO restatements (submission_id, previous_submission_id, item, old_value,"
        " new_value) VALUES (?,?,?,?,?)", [(new_id, old_id, *r) for r in rows])
    return len(rows)


def _changes(conn, old_id: int, new_id: int):
    """(item, old, new) for every provider figure that differs between two submissions."""
    yield from _keyed_changes(conn, "kpi_values", "kpi_code", KPI_FIELDS, old_id, new_id)
    yield from _keyed_changes(conn, "financial_lines", "budget_line", LINE_FIELDS, old_id, new_id)
    for table, item in TABLE_ITEMS:
        old_n, new_n = (conn.execute(f"SELECT COUNT(*) FROM {table} WHERE submission_id = ?",
                                     (i,)).fetchone()[0] for i in (old_id, new_id))
        if old_n != new_n:
            yield item, str(old_n), str(new_n)


def _keyed_changes(conn, table, key, fields, old_id, new_id):
    def load(sub_id):
        cols = ", ".join(f for f, _ in fields)
        rows = conn.execute(f"SELECT {key}, {cols} FROM {table} WHERE submission_id = ?"
                            f" ORDER BY rowid", (sub_id,)).fetchall()
        return {r[0]: r for r in rows}

    old, new = load(old_id), load(new_id)
    for name in list(new) + [k for k in old if k not in new]:
        for field, label in fields:
            before = old[name][field] if name in old else None
            after = new[name][field] if name in new else None
            if not _same(before, after):
                yield f"{name} {label}", format_value(before), format_value(after)


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def format_value(value: Any) -> str | None:
    """How restatement values are stored: ``12``, ``0.85``, ``1234.5`` (round-trip exact)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def _sql(value: Any):
    """A Python value as SQLite stores it: dates as ISO text, booleans as Y/N."""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else \
            value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, (int, float, str)):
        return value
    return str(value)
