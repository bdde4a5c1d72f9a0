"""The ledger: migrations, one-transaction recording, supersession, restatements, held returns."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

import pytest

from cm_excel.errors import WorkspaceError
from cm_excel.ledger import db
from cm_excel.ledger.queries import (LedgerHistory, current_submission, find_submissions,
                                     findings_of, held_submissions, restatements_of,
                                     submission_by_sha, submissions_of)
from cm_excel.ledger.record import apply_held, decline_held, record
from cm_excel.periods import Period
from cm_excel.findings import Finding, Level
from cm_excel.validation.result import FinancialLine, KpiValue, ValidationResult
from cm_excel.workspace import Workspace

Q3 = Period(2026, 3)
RECEIVED = datetime(2027, 1, 10, 9, 30, tzinfo=timezone.utc)
NOW = datetime(2027, 1, 20, 12, 0, tzinfo=timezone.utc)


def kpi(code, actual, numerator=None, denominator=None, cell="G5"):
    return KpiValue(code, numerator, denominator, actual, 0.9, 0.8, None, "Performance", cell)


def performance(sha="a" * 64, contract="VS-001", period=Q3, kpis=None, findings=(),
                incidents=()):
    return ValidationResult(
        file=f"{contract}_performance.xlsx", path=f"/inbox/{sha[:4]}.xlsx", sha256=sha,
        contract_id=contract, provider="Provider A", period=period, kind="performance",
        template_version=1, findings=list(findings),
        kpis=kpis if kpis is not None else [kpi("VS01", 120.0, cell="G5"),
                                            kpi("VS02", 0.85, 85.0, 100.0, cell="E6")],
        incidents=[dict(i) for i in incidents],
        sign_off={"prepared_by": "A. Writer", "approved_by": "B. Boss",
                  "signoff_date": "2027-01-09"})


def financial(sha="f" * 64, contract="VS-001", period=Q3, ytd=30000.0):
    return ValidationResult(
        file="fin.xlsx", path="/inbox/fin.xlsx", sha256=sha, contract_id=contract,
        provider="Provider A", period=period, kind="financial", template_version=1,
        lines=[FinancialLine("Staff", 40000.0, 10000.0, 9500.0, ytd, 39000.0, None,
                             "Finance", 5)])


@pytest.fixture
def conn(tmp_path):
    c = db.connect(Workspace(tmp_path).ledger_path)  # a new folder: connect makes it
    yield c
    c.close()


def count(conn, table):
    return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


# --- migrations ---------------------------------------------------------------------------


def test_new_ledger_is_at_the_latest_schema_version_in_wal_mode(conn):
    assert db.schema_version(conn) == db.latest_version() >= 1
    assert [r[0] for r in conn.execute("SELECT version FROM schema_version")] == [
        db.latest_version()]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"submissions", "findings", "kpi_values", "financial_lines", "incidents",
            "complaints", "risks", "improvements", "restatements"} <= tables


def test_schema_v1_alone_gives_version_1(tmp_path):
    conn = sqlite3.connect(tmp_path / "v1.sqlite3", isolation_level=None)
    with db.transaction(conn):
        for statement in db.split_statements(
                (db.SCHEMA_DIR / "schema_v1.sql").read_text(encoding="utf-8")):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version (version) VALUES (1)")
    assert db.schema_version(conn) == 1
    conn.close()
    again = db.connect(tmp_path / "v1.sqlite3")  # migrates forward, if there is anything newer
    assert db.schema_version(again) == db.latest_version()
    again.close()


def test_reopening_does_not_migrate_twice(tmp_path):
    db.connect(tmp_path / "l.sqlite3").close()
    conn = db.connect(tmp_path / "l.sqlite3")
    assert count(conn, "schema_version") == 1


def test_a_ledger_from_a_newer_cm_excel_is_refused(tmp_path):
    conn = db.connect(tmp_path / "l.sqlite3")
    conn.execute("UPDATE schema_version SET version = 999")
    conn.close()
    with pytest.raises(WorkspaceError, match="newer cm-excel"):
        db.connect(tmp_path / "l.sqlite3")
    with pytest.raises(WorkspaceError, match="newer cm-excel"):
        db.connect(tmp_path / "l.sqlite3", readonly=True)


def test_readonly_connection_cannot_write(tmp_path):
    db.connect(tmp_path / "l.sqlite3").close()
    ro = db.connect(tmp_path / "l.sqlite3", readonly=True)
    with pytest.raises(sqlite3.OperationalError):
        ro.execute("DELETE FROM submissions")
    with pytest.raises(WorkspaceError):
        db.connect(tmp_path / "absent.sqlite3", readonly=True)


# --- recording ------------------------------------------------------------------------------


def test_an_accepted_return_is_recorded_with_its_values_and_findings(conn):
    warn = Finding("NUMBER_AS_TEXT", Level.WARNING, "typed as text", "type a number",
                   sheet="Performance", cell="G5", value="1,234")
    res = performance(findings=[warn], incidents=[{
        "date": "2026-11-02", "description": "Data breach", "clients_affected": 3.0,
        "estimated_cost": 0.0, "harm_caused": "N", "provider_negligence": "N",
        "reputational_risk": "Y", "action_taken": "Reported", "sheet": "Incidents", "row": 5}])
    done = record(conn, res, received_at=RECEIVED, ingested_at=NOW, archive_path="archive/x")
    assert (done.status, done.version, done.superseded_id) == ("accepted", 1, None)
    sub = current_submission(conn, "VS-001", Q3, "performance")
    assert sub.id == done.submission_id and sub.received_at == RECEIVED
    assert (sub.warnings, sub.errors, sub.prepared_by) == (1, 0, "A. Writer")
    assert [(f.code, f.cell, f.value) for f in findings_of(conn, sub.id)] == [
        ("NUMBER_AS_TEXT", "G5", "1,234")]
    rows = conn.execute("SELECT kpi_code, numerator, denominator, actual, cell FROM kpi_values"
                        " ORDER BY kpi_code").fetchall()
    assert [tuple(r) for r in rows] == [("VS01", None, None, 120.0, "G5"),
                                        ("VS02", 85.0, 100.0, 0.85, "E6")]
    inc = conn.execute("SELECT description, reputational_risk, row FROM incidents").fetchone()
    assert tuple(inc) == ("Data breach", "Y", 5)


def test_a_rejected_return_keeps_findings_but_no_values(conn):
    err = Finding("KPI_MISSING", Level.ERROR, "VS03 missing", sheet="Performance")
    done = record(conn, performance(findings=[err]), received_at=RECEIVED, ingested_at=NOW)
    assert (done.status, done.version) == ("rejected", None)
    assert count(conn, "kpi_values") == 0
    assert submission_by_sha(conn, "a" * 64).errors == 1
    assert current_submission(conn, "VS-001", Q3, "performance") is None


def test_recording_is_one_transaction(conn):
    record(conn, performance(sha="b" * 64), received_at=RECEIVED, ingested_at=NOW)
    before = {t: count(conn, t) for t in ("submissions", "findings", "kpi_values", "incidents",
                                          "restatements")}
    # A duplicate primary key in kpi_values fails half-way through the recording.
    broken = performance(sha="c" * 64, kpis=[kpi("VS01", 1.0), kpi("VS01", 2.0)],
                         findings=[Finding("X", Level.WARNING, "w")],
                         incidents=[{"description": "x", "sheet": "Incidents", "row": 5}])
    with pytest.raises(sqlite3.IntegrityError):
        record(conn, broken, received_at=RECEIVED, ingested_at=NOW)
    assert submission_by_sha(conn, "c" * 64) is None
    assert {t: count(conn, t) for t in before} == before
    first = current_submission(conn, "VS-001", Q3, "performance")
    assert first.status == "accepted" and first.sha256 == "b" * 64  # not superseded
    assert not conn.in_transaction


def test_a_resubmission_supersedes_and_lists_restatements(conn):
    one = record(conn, performance(sha="1" * 64), received_at=RECEIVED, ingested_at=NOW)
    changed = performance(sha="2" * 64, kpis=[kpi("VS01", 130.0),
                                              kpi("VS02", 0.9, 90.0, 100.0),
                                              kpi("VS04", 7.0)])
    two = record(conn, changed, received_at=RECEIVED, ingested_at=NOW)
    assert (two.version, two.superseded_id, two.superseded_version) == (2, one.submission_id, 1)
    old = submission_by_sha(conn, "1" * 64)
    assert (old.status, old.superseded_by) == ("superseded", two.submission_id)
    assert current_submission(conn, "VS-001", Q3, "performance").id == two.submission_id
    rest = [(r.item, r.old_value, r.new_value) for r in restatements_of(conn, two.submission_id)]
    assert rest == [("VS01 Actual", "120", "130"), ("VS02 Numerator", "85", "90"),
                    ("VS02 Actual", "0.85", "0.9"), ("VS04 Actual", None, "7")]
    assert two.restatements == 4
    # The superseded values stay in the ledger, for auditors.
    assert conn.execute("SELECT COUNT(*) FROM kpi_values WHERE submission_id = ?",
                        (one.submission_id,)).fetchone()[0] == 2


def test_supersession_is_per_contract_period_and_kind(conn):
    record(conn, performance(sha="1" * 64), received_at=RECEIVED, ingested_at=NOW)
    record(conn, performance(sha="2" * 64, contract="VS-002"), received_at=RECEIVED,
           ingested_at=NOW)
    record(conn, performance(sha="3" * 64, period=Period(2026, 2)), received_at=RECEIVED,
           ingested_at=NOW)
    record(conn, financial(sha="4" * 64), received_at=RECEIVED, ingested_at=NOW)
    assert {s.status for s in submissions_of(conn, Q3)} == {"accepted"}
    assert [s.version for s in submissions_of(conn, Q3)] == [1, 1, 1]


def test_history_reads_the_previous_quarter_of_accepted_returns(conn):
    history = LedgerHistory(conn)
    assert history.previous_ytd("VS-001", Period(2026, 1), "Staff") == 0.0
    assert history.previous_ytd("VS-001", Q3, "Staff") is None
    record(conn, financial(period=Period(2026, 2), ytd=21000.0), received_at=RECEIVED,
           ingested_at=NOW)
    record(conn, performance(period=Period(2026, 2)), received_at=RECEIVED, ingested_at=NOW)
    assert history.previous_ytd("VS-001", Q3, "Staff") == 21000.0
    assert history.previous_ytd("VS-001", Q3, "Rent") is None
    assert history.previous_kpi("VS-001", Q3, "VS01") == 120.0
    assert history.previous_kpi("VS-002", Q3, "VS01") is None
    # A rejected return is not history.
    err = Finding("E", Level.ERROR, "bad")
    record(conn, performance(sha="9" * 64, period=Period(2026, 3), findings=[err]),
           received_at=RECEIVED, ingested_at=NOW)
    assert history.previous_kpi("VS-001", Period(2026, 4), "VS01") is None


def test_q1_history_looks_back_into_the_previous_financial_year(conn):
    record(conn, performance(period=Period(2025, 4)), received_at=RECEIVED, ingested_at=NOW)
    assert LedgerHistory(conn).previous_kpi("VS-001", Period(2026, 1), "VS01") == 120.0


# --- held returns -------------------------------------------------------------------------------


def held_finding():
    return Finding("RESUBMISSION_HELD", Level.QUERY, "late resubmission")


def test_a_held_return_keeps_its_values_but_does_not_count(conn):
    first = record(conn, performance(sha="1" * 64), received_at=RECEIVED, ingested_at=NOW)
    held = record(conn, performance(sha="2" * 64, kpis=[kpi("VS01", 99.0)]), status="held",
                  received_at=RECEIVED, ingested_at=NOW, extra_findings=[held_finding()])
    assert (held.status, held.version, held.superseded_id) == ("held", 2, None)
    assert current_submission(conn, "VS-001", Q3, "performance").id == first.submission_id
    assert [s.id for s in held_submissions(conn)] == [held.submission_id]
    assert submission_by_sha(conn, "2" * 64).queries == 1
    assert LedgerHistory(conn).previous_kpi("VS-001", Period(2026, 4), "VS01") == 120.0


def test_applying_a_held_return_supersedes_with_restatements(conn):
    first = record(conn, performance(sha="1" * 64), received_at=RECEIVED, ingested_at=NOW)
    held = record(conn, performance(sha="2" * 64, kpis=[kpi("VS01", 99.0)]), status="held",
                  received_at=RECEIVED, ingested_at=NOW, extra_findings=[held_finding()])
    done = apply_held(conn, held.submission_id)
    assert (done.status, done.superseded_id) == ("accepted", first.submission_id)
    assert current_submission(conn, "VS-001", Q3, "performance").sha256 == "2" * 64
    assert submission_by_sha(conn, "1" * 64).status == "superseded"
    rest = {(r.item, r.old_value, r.new_value) for r in restatements_of(conn, held.submission_id)}
    assert ("VS01 Actual", "120", "99") in rest and ("VS02 Actual", "0.85", None) in rest
    with pytest.raises(ValueError):
        apply_held(conn, held.submission_id)  # no longer held


def test_declining_a_held_return(conn):
    record(conn, performance(sha="1" * 64), received_at=RECEIVED, ingested_at=NOW)
    held = record(conn, performance(sha="2" * 64), status="held", received_at=RECEIVED,
                  ingested_at=NOW, extra_findings=[held_finding()])
    decline_held(conn, held.submission_id)
    assert submission_by_sha(conn, "2" * 64).status == "declined"
    assert current_submission(conn, "VS-001", Q3, "performance").sha256 == "1" * 64
    assert held_submissions(conn) == []


def test_find_submissions_by_id_or_sha_prefix(conn):
    done = record(conn, performance(sha="abcdef" + "0" * 58), received_at=RECEIVED,
                  ingested_at=NOW)
    assert [s.id for s in find_submissions(conn, str(done.submission_id))] == [done.submission_id]
    assert [s.id for s in find_submissions(conn, "ABCDEF0")] == [done.submission_id]
    assert find_submissions(conn, "fedcba") == []


def test_replacing_a_rejected_copy_of_the_same_file(conn):
    err = Finding("CONTRACT_UNKNOWN", Level.ERROR, "no such contract")
    first = record(conn, performance(findings=[err]), received_at=RECEIVED, ingested_at=NOW)
    again = record(conn, performance(), received_at=RECEIVED, ingested_at=NOW,
                   replaces=first.submission_id)
    assert again.status == "accepted"
    assert count(conn, "submissions") == 1 and count(conn, "findings") == 0
