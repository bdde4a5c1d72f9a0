"""Questions asked of the ledger: history for validation, current returns, findings, held.

The *current* return of a contract, period and kind is its one ``accepted`` submission
(earlier versions are ``superseded``; ``held`` and ``declined`` ones never count).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone

from ..periods import Period
from .complaints import accepted_complaints, match
from ..findings import Finding, Level

ACCEPTED, REJECTED, HELD, SUPERSEDED, DECLINED = (
    "accepted", "rejected", "held", "superseded", "declined")


@dataclass(frozen=True)
class Submission:
    """One row of ``submissions``: one distinct file (by sha256) the engine has seen."""

    id: int
    sha256: str
    original_name: str
    received_at: datetime  # aware, UTC
    ingested_at: datetime
    contract_id: str | None
    period: Period | None
    kind: str | None
    template_version: int | None
    status: str
    superseded_by: int | None
    version: int | None
    archive_path: str | None  # relative to the workspace, forward slashes
    prepared_by: str | None
    approved_by: str | None
    signoff_date: str | None
    errors: int
    queries: int
    warnings: int
    feedback_path: str | None

    @property
    def short_sha(self) -> str:
        return self.sha256[:12]

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "Submission":
        period = (Period(row["fy"], row["quarter"])
                  if row["fy"] is not None and row["quarter"] is not None else None)
        return cls(
            id=row["id"], sha256=row["sha256"], original_name=row["original_name"],
            received_at=parse_utc(row["received_at"]), ingested_at=parse_utc(row["ingested_at"]),
            contract_id=row["contract_id"], period=period, kind=row["kind"],
            template_version=row["template_version"], status=row["status"],
            superseded_by=row["superseded_by"], version=row["version"],
            archive_path=row["archive_path"], prepared_by=row["prepared_by"],
            approved_by=row["approved_by"], signoff_date=row["signoff_date"],
            errors=row["errors"], queries=row["queries"], warnings=row["warnings"],
            feedback_path=row["feedback_path"],
        )


@dataclass(frozen=True)
class Restatement:
    submission_id: int
    previous_submission_id: int
    item: str
    old_value: str | None
    new_value: str | None


def utc_text(moment: datetime) -> str:
    """How times are stored: ISO 8601 in UTC to the second, ``2027-01-15T10:30:00+00:00``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def parse_utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# --- submissions ----------------------------------------------------------------------


def current_submission(conn: sqlite3.Connection, contract_id: str, period: Period,
                       kind: str) -> Submission | None:
    """The accepted submission of ``contract_id``/``period``/``kind``, or None."""
    row = conn.execute(
        "SELECT * FROM submissions WHERE contract_id = ? AND fy = ? AND quarter = ? AND kind = ?"
        " AND status = 'accepted' ORDER BY version DESC, id DESC LIMIT 1",
        (contract_id, period.fy, period.quarter, kind)).fetchone()
    return Submission.from_row(row) if row else None


def submissions_of(conn: sqlite3.Connection, period: Period) -> list[Submission]:
    """Every submission identified as being for ``period``, by contract, kind, then id."""
    rows = conn.execute(
        "SELECT * FROM submissions WHERE fy = ? AND quarter = ?"
        " ORDER BY contract_id, kind, id", (period.fy, period.quarter)).fetchall()
    return [Submission.from_row(r) for r in rows]


def submission_by_id(conn: sqlite3.Connection, submission_id: int) -> Submission | None:
    row = conn.execute("SELECT * FROM submissions WHERE id = ?", (submission_id,)).fetchone()
    return Submission.from_row(row) if row else None


def submission_by_sha(conn: sqlite3.Connection, sha256: str) -> Submission | None:
    row = conn.execute("SELECT * FROM submissions WHERE sha256 = ?", (sha256,)).fetchone()
    return Submission.from_row(row) if row else None


def find_submissions(conn: sqlite3.Connection, ref: str | int) -> list[Submission]:
    """Submissions matching ``ref``: a submission id (``12``, ``#12``) or a sha256 prefix."""
    text = str(ref).strip().lstrip("#")
    found: dict[int, Submission] = {}
    if text.isdigit():
        sub = submission_by_id(conn, int(text))
        if sub:
            found[sub.id] = sub
    if len(text) >= 6 and all(ch in "0123456789abcdefABCDEF" for ch in text):
        rows = conn.execute("SELECT * FROM submissions WHERE sha256 LIKE ? ORDER BY id",
                            (text.lower() + "%",)).fetchall()
        for r in rows:
            found.setdefault(r["id"], Submission.from_row(r))
    return list(found.values())


def held_submissions(conn: sqlite3.Connection) -> list[Submission]:
    """Returns waiting for a decision (late resubmissions), oldest first."""
    rows = conn.execute("SELECT * FROM submissions WHERE status = 'held' ORDER BY id").fetchall()
    return [Submission.from_row(r) for r in rows]


def next_version(conn: sqlite3.Connection, contract_id: str, period: Period, kind: str) -> int:
    """The version number the next archived return of contract/period/kind gets."""
    row = conn.execute(
        "SELECT MAX(version) FROM submissions WHERE contract_id = ? AND fy = ? AND quarter = ?"
        " AND kind = ?", (contract_id, period.fy, period.quarter, kind)).fetchone()
    return (row[0] or 0) + 1


# --- findings and restatements ----------------------------------------------------------


def findings_of(conn: sqlite3.Connection, submission_id: int,
                file: str = "") -> list[Finding]:
    """The findings recorded for a submission, in the order they were recorded."""
    rows = conn.execute(
        "SELECT * FROM findings WHERE submission_id = ? ORDER BY id", (submission_id,)).fetchall()
    return [Finding(code=r["code"], level=Level(r["level"]), message=r["message"],
                    action=r["action"] or "", file=file, sheet=r["sheet"] or "",
                    cell=r["cell"] or "", value=r["value"], explained=bool(r["explained"]))
            for r in rows]


def restatements_of(conn: sqlite3.Connection, submission_id: int) -> list[Restatement]:
    """What changed when ``submission_id`` superseded its predecessor (old → new)."""
    rows = conn.execute(
        "SELECT * FROM restatements WHERE submission_id = ? ORDER BY rowid",
        (submission_id,)).fetchall()
    return [Restatement(r["submission_id"], r["previous_submission_id"], r["item"],
                        r["old_value"], r["new_value"]) for r in rows]


# --- history for validation -------------------------------------------------------------


class LedgerHistory:
    """The History protocol (validation.result) answered from the ledger's accepted returns."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def previous_ytd(self, contract_id: str, period: Period, budget_line: str) -> float | None:
        if period.quarter == 1:
            return 0.0
        row = self.conn.execute(
            "SELECT f.ytd_actual FROM financial_lines f JOIN submissions s"
            " ON s.id = f.submission_id WHERE s.status = 'accepted' AND s.kind = 'financial'"
            " AND s.contract_id = ? AND s.fy = ? AND s.quarter = ? AND f.budget_line = ?"
            " ORDER BY s.version DESC LIMIT 1",
            (contract_id, period.fy, period.quarter - 1, budget_line)).fetchone()
        return None if row is None else row[0]

    def previous_kpi(self, contract_id: str, period: Period, kpi_code: str) -> float | None:
        prev = period.previous()
        row = self.conn.execute(
            "SELECT k.actual FROM kpi_values k JOIN submissions s ON s.id = k.submission_id"
            " WHERE s.status = 'accepted' AND s.kind = 'performance' AND s.contract_id = ?"
            " AND s.fy = ? AND s.quarter = ? AND k.kpi_code = ? ORDER BY s.version DESC LIMIT 1",
            (contract_id, prev.fy, prev.quarter, kpi_code)).fetchone()
        return None if row is None else row[0]

    def year_started(self, period: Period) -> bool:
        """Any return of an earlier quarter of ``period``'s year accepted, for any contract."""
        row = self.conn.execute(
            "SELECT 1 FROM submissions WHERE status IN ('accepted', 'superseded')"
            " AND fy = ? AND quarter < ? LIMIT 1", (period.fy, period.quarter)).fetchone()
        return row is not None

    def complaint_reported(self, contract_id: str, period: Period, complaint) -> bool:
        """Whether an accepted return for an earlier quarter reported this complaint."""
        return match(complaint, accepted_complaints(self.conn, contract_id,
                                                    before=period)) is not None


# --- figures, to compare a resubmission with the accepted return -----------------------

# The provider's own figures (targets, amber lines and budgets are the register's).
KPI_FIGURES = ("numerator", "denominator", "actual")
LINE_FIGURES = ("quarter_actual", "ytd_actual", "forecast_outturn")


def figures_of(conn: sqlite3.Connection, submission_id: int) -> dict[str, float | None]:
    """``{"CONTACT48 numerator": 180.0, "Staff ytd_actual": 1200.0, ...}``: every KPI and
    financial figure recorded for a submission."""
    out: dict[str, float | None] = {}
    for table, key, fields in (("kpi_values", "kpi_code", KPI_FIGURES),
                               ("financial_lines", "budget_line", LINE_FIGURES)):
        rows = conn.execute(f"SELECT {key}, {', '.join(fields)} FROM {table}"
                            " WHERE submission_id = ? ORDER BY rowid", (submission_id,))
        for row in rows:
            out.update({f"{row[0]} {f}": row[f] for f in fields})
    return out
