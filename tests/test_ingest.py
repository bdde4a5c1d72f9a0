"""Ingesting the inbox: archive, ledger, supersession, held returns, duplicates, status.

Real files made from the real templates, a real SQLite ledger, no mocks.
"""

from __future__ import annotations

import shutil
import threading
from datetime import date

import pytest

from cm_excel import archive, pipeline
from cm_excel.errors import UsageError, WorkspaceError
from cm_excel.held import held_returns, list_held, resolve_held
from cm_excel.ledger import db
from cm_excel.ledger.queries import (current_submission, restatements_of, submission_by_sha,
                                     submissions_of)
from cm_excel.lock import workspace_lock
from cm_excel.pipeline import Outcome
from cm_excel.status import status

from builders import PREVIOUS, good_kpis, good_lines
from ingest_fixtures import (AFTER_NEXT_QUARTER, LATE, LATER_ON_TIME, NOW, ON_TIME, PERIOD,
                             drop, make_register, make_return, set_received,
                             sha256, snapshot)


def ledger(ws):
    return db.connect(ws.ledger_path)


def count(ws, table="submissions"):
    conn = ledger(ws)
    try:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def by_name(report):
    return {f.name: f for f in report.files}


def bad_kpis(register):
    kpis = good_kpis(register, "VS-001")
    kpis["SUPPORTED"] = {"Actual": -5, "Commentary": "typo"}  # VALUE_NEGATIVE: an error
    return kpis


# --- accepted and rejected ----------------------------------------------------------------------


def test_accepted_files_are_archived_byte_identical_and_recorded(ws, register):
    perf = drop(ws)
    fin = drop(ws, contract_id="VS-002", kind="financial")
    originals = {perf.name: sha256(perf), fin.name: sha256(fin)}
    report = pipeline.ingest(ws, register, now=NOW)
    outcomes = by_name(report)
    assert outcomes[perf.name].outcome is Outcome.ACCEPTED
    # Q3 financial with no Q2 in the ledger, but the ledger holds nothing earlier of the
    # year for anyone (the workspace's first quarter): year to date unchecked, unsaid.
    assert outcomes[fin.name].outcome is Outcome.ACCEPTED
    assert list(ws.inbox.iterdir()) == []
    for name, digest in originals.items():
        out = outcomes[name]
        assert out.archive_path.is_file() and out.removed_from_inbox
        assert sha256(out.archive_path) == digest  # byte-identical
        assert out.archive_path.name == (
            f"{out.contract_id}_{out.kind}_v1_{digest[:12]}.xlsx")
        assert out.archive_path.parent == ws.archive / "2026-27" / "Q3" / out.contract_id
    conn = ledger(ws)
    sub = current_submission(conn, "VS-001", PERIOD, "performance")
    assert sub.sha256 == originals[perf.name] and sub.version == 1
    assert sub.received_at == ON_TIME and sub.archive_path == (
        outcomes[perf.name].archive_path.relative_to(ws.root).as_posix())
    assert conn.execute("SELECT COUNT(*) FROM kpi_values WHERE submission_id = ?",
                        (sub.id,)).fetchone()[0] == 5
    conn.close()


def test_rejected_files_stay_in_the_inbox_byte_identical(ws, register):
    drop(ws, name="negative.xlsx", kpis=bad_kpis(register))
    drop(ws, name="unsigned.xlsx", contract_id="VS-002", kind="financial", sign_off={})
    (ws.inbox / "notes.txt").write_text("figures to follow", encoding="utf-8")
    (ws.inbox / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    before = snapshot(ws.inbox)
    report = pipeline.ingest(ws, register, now=NOW)
    assert {f.name: f.outcome for f in report.files} == {
        "negative.xlsx": Outcome.REJECTED, "unsigned.xlsx": Outcome.REJECTED,
        "notes.txt": Outcome.REJECTED, "old.xls": Outcome.REJECTED}
    assert snapshot(ws.inbox) == before
    assert list(ws.archive.rglob("*.xlsx")) == []
    outcomes = by_name(report)
    assert "VALUE_NEGATIVE" in {p.code for p in outcomes["negative.xlsx"].problems}
    assert [p.code for p in outcomes["notes.txt"].problems] == ["OPEN_TEXT"]
    assert outcomes["old.xls"].problems[0].code.startswith("OPEN_")
    for f in report.files:
        assert f.feedback_path is not None and f.feedback_path.is_file()
    conn = ledger(ws)
    assert {r[0] for r in conn.execute("SELECT status FROM submissions")} == {"rejected"}
    assert conn.execute("SELECT COUNT(*) FROM kpi_values").fetchone()[0] == 0
    conn.close()


def test_skipped_entries_are_reported_and_left_alone(ws, register):
    (ws.inbox / "~$VS-001.xlsx").write_bytes(b"lock")
    (ws.inbox / "sub").mkdir()
    report = pipeline.ingest(ws, register, now=NOW)
    assert {f.name: f.outcome for f in report.files} == {
        "~$VS-001.xlsx": Outcome.SKIPPED, "sub": Outcome.SKIPPED}
    assert all(f.note for f in report.files)
    assert count(ws) == 0


def test_progress_is_reported_through_the_callback(ws, register):
    drop(ws)
    events = []
    pipeline.ingest(ws, register, now=NOW, progress=lambda e, **info: events.append((e, info)))
    assert [e for e, _ in events] == ["ingest.start", "ingest.file", "ingest.outcome",
                                      "ingest.done"]
    assert events[2][1]["outcome"].outcome is Outcome.ACCEPTED


# --- the same file twice ------------------------------------------------------------------------


def test_ingesting_the_same_inbox_twice_records_nothing_new(ws, register):
    good = drop(ws)
    kept = ws.root / "copy-of-good.xlsx"
    shutil.copy2(good, kept)
    drop(ws, name="negative.xlsx", kpis=bad_kpis(register))
    pipeline.ingest(ws, register, now=NOW)
    tables = ("submissions", "findings", "kpi_values", "restatements")
    before = {t: count(ws, t) for t in tables}
    archived = snapshot(ws.archive)
    feedback = snapshot(ws.outbox)

    again = pipeline.ingest(ws, register, now=NOW)
    assert {f.name: f.outcome for f in again.files} == {"negative.xlsx": Outcome.DUPLICATE}
    assert "already rejected" in again.files[0].note
    assert again.files[0].feedback_path.is_file()
    # The accepted file dropped in again: recognised, not counted twice, removed.
    shutil.copy2(kept, ws.inbox / "resent.xlsx")
    third = by_name(pipeline.ingest(ws, register, now=NOW))
    assert third["resent.xlsx"].outcome is Outcome.DUPLICATE
    assert third["resent.xlsx"].removed_from_inbox
    assert not (ws.inbox / "resent.xlsx").exists()
    assert {t: count(ws, t) for t in tables} == before
    assert snapshot(ws.archive) == archived
    assert snapshot(ws.outbox) == feedback


def test_an_accepted_duplicate_stays_in_the_inbox_unless_the_archive_holds_it(ws, register):
    good = drop(ws)
    kept = ws.root / "kept.xlsx"
    shutil.copy2(good, kept)
    report = pipeline.ingest(ws, register, now=NOW)
    archived = report.files[0].archive_path
    # Someone deleted the archive copy: the identical bytes are put back, then removed.
    archived.unlink()
    shutil.copy2(kept, ws.inbox / "again.xlsx")
    out = pipeline.ingest(ws, register, now=NOW).files[0]
    assert out.outcome is Outcome.DUPLICATE and out.removed_from_inbox
    assert sha256(archived) == sha256(kept)
    # Someone changed the archive copy: the inbox copy is kept.
    archived.chmod(0o644)
    archived.write_bytes(b"tampered")
    shutil.copy2(kept, ws.inbox / "again.xlsx")
    out = pipeline.ingest(ws, register, now=NOW).files[0]
    assert out.outcome is Outcome.DUPLICATE and not out.removed_from_inbox
    assert sha256(ws.inbox / "again.xlsx") == sha256(kept)


def test_a_rejected_file_is_checked_again_after_the_register_is_corrected(ws):
    drop(ws, contract_id="VS-002")
    incomplete = make_register()
    del incomplete.contracts["VS-002"]
    first = pipeline.ingest(ws, incomplete, now=NOW).files[0]
    assert first.outcome is Outcome.REJECTED
    assert "CONTRACT_UNKNOWN" in {p.code for p in first.problems}
    assert first.feedback_path.parent.name == "unidentified"
    second = pipeline.ingest(ws, make_register(), now=NOW).files[0]
    assert second.outcome is Outcome.ACCEPTED
    assert count(ws) == 1 and count(ws, "findings") == 0


# --- resubmissions --------------------------------------------------------------------------------


def restated_kpis(register):
    kpis = good_kpis(register, "VS-001")
    kpis["SUPPORTED"] = {"Actual": 700, "Commentary": "Corrected count."}
    return kpis


def test_a_resubmission_supersedes_and_lists_restatements(ws, register):
    first = drop(ws, name="v1.xlsx")
    first_sha = sha256(first)
    pipeline.ingest(ws, register, now=NOW)
    second = drop(ws, name="v2.xlsx", kpis=restated_kpis(register), received=LATER_ON_TIME)
    second_sha = sha256(second)
    out = pipeline.ingest(ws, register, now=NOW).files[0]
    assert out.outcome is Outcome.ACCEPTED
    assert (out.version, out.superseded_version) == (2, 1) and out.restatements >= 1
    archived = sorted(p.name for p in (ws.archive / "2026-27" / "Q3" / "VS-001").iterdir())
    assert archived == [f"VS-001_performance_v1_{first_sha[:12]}.xlsx",
                        f"VS-001_performance_v2_{second_sha[:12]}.xlsx"]
    conn = ledger(ws)
    old, new = submission_by_sha(conn, first_sha), submission_by_sha(conn, second_sha)
    assert (old.status, old.superseded_by) == ("superseded", new.id)
    assert (new.status, new.version) == ("accepted", 2)
    rows = [(r.item, r.old_value, r.new_value, r.previous_submission_id)
            for r in restatements_of(conn, new.id)]
    assert ("SUPPORTED Actual", "630", "700", old.id) in rows
    conn.close()


def test_of_two_returns_in_the_inbox_the_later_received_supersedes(ws, register):
    drop(ws, name="b-first.xlsx", received=ON_TIME)
    drop(ws, name="a-second.xlsx", kpis=restated_kpis(register), received=LATER_ON_TIME)
    report = pipeline.ingest(ws, register, now=NOW)
    assert [f.name for f in report.files] == ["b-first.xlsx", "a-second.xlsx"]
    assert [f.version for f in report.files] == [1, 2]
    conn = ledger(ws)
    assert current_submission(conn, "VS-001", PERIOD, "performance").original_name == \
        "a-second.xlsx"
    conn.close()


def test_a_late_resubmission_is_held_then_applied(ws, register):
    drop(ws, name="v1.xlsx")
    pipeline.ingest(ws, register, now=NOW)
    late = drop(ws, name="v2.xlsx", kpis=restated_kpis(register), received=AFTER_NEXT_QUARTER)
    late_sha = sha256(late)
    out = pipeline.ingest(ws, register, now=NOW).files[0]
    assert out.outcome is Outcome.HELD
    assert "2026-27 Q3" in out.note and "2026-27 Q4" in out.note
    assert out.archive_path.is_file() and sha256(out.archive_path) == late_sha
    assert not late.exists()  # archived (verified) and recorded, so it leaves the inbox
    conn = ledger(ws)
    assert current_submission(conn, "VS-001", PERIOD, "performance").version == 1
    held = submission_by_sha(conn, late_sha)
    assert held.status == "held" and held.version == 2
    codes = [r[0] for r in conn.execute(
        "SELECT code FROM findings WHERE submission_id = ?", (held.id,))]
    assert "RESUBMISSION_HELD" in codes
    conn.close()
    assert [s.id for s in held_returns(ws)] == [held.id]
    listed = list_held(ws)
    # the held return, then why it is held (one indented line per reason)
    assert len(listed) == 2 and f"#{held.id} VS-001 performance 2026-27 Q3 v2" in listed[0]
    assert listed[1].startswith("    held: ")

    done = resolve_held(ws, late_sha[:10], apply=True)
    assert "SUPPORTED Actual: 630 -> 700" in str(done) and done.applied
    assert done.submission.status == "accepted" and done.superseded.version == 1
    assert ("SUPPORTED Actual", "630", "700") in {
        (r.item, r.old_value, r.new_value) for r in done.restatements}
    conn = ledger(ws)
    assert current_submission(conn, "VS-001", PERIOD, "performance").sha256 == late_sha
    conn.close()
    assert held_returns(ws) == []
    with pytest.raises(UsageError):
        resolve_held(ws, late_sha[:10], apply=False)  # no longer held


def test_a_held_return_can_be_declined(ws, register):
    drop(ws, name="v1.xlsx")
    pipeline.ingest(ws, register, now=NOW)
    late = drop(ws, name="v2.xlsx", kpis=restated_kpis(register), received=AFTER_NEXT_QUARTER)
    late_sha = sha256(late)
    held_id = pipeline.ingest(ws, register, now=NOW).files[0].submission_id
    done = resolve_held(ws, str(held_id), apply=False)
    assert done.submission.status == "declined" and done.superseded is None
    assert str(done).startswith("Declined #")
    conn = ledger(ws)
    assert current_submission(conn, "VS-001", PERIOD, "performance").version == 1
    assert submission_by_sha(conn, late_sha).archive_path  # kept in the archive all the same
    conn.close()
    with pytest.raises(UsageError):
        resolve_held(ws, "999", apply=True)


def test_a_late_first_return_is_not_held(ws, register):
    drop(ws, received=AFTER_NEXT_QUARTER)
    assert pipeline.ingest(ws, register, now=NOW).files[0].outcome is Outcome.ACCEPTED


# --- interrupted runs and concurrency ----------------------------------------------------------------


def test_a_run_interrupted_after_archiving_completes_when_run_again(ws, register):
    path = drop(ws)
    digest = sha256(path)
    target = archive.archive_target(ws, PERIOD, "VS-001", "performance", 1, digest)
    copy = archive.archive_copy(ws, path, target, digest)  # the copy made, nothing recorded
    assert copy.created and path.exists()
    out = pipeline.ingest(ws, register, now=NOW).files[0]
    assert out.outcome is Outcome.ACCEPTED and out.archive_path == target
    assert not path.exists() and sha256(target) == digest
    assert count(ws) == 1


def test_a_run_interrupted_before_the_inbox_file_was_removed_completes(ws, register):
    path = drop(ws)
    kept = ws.root / "kept.xlsx"
    shutil.copy2(path, kept)
    pipeline.ingest(ws, register, now=NOW)
    shutil.copy2(kept, path)  # as if the run had stopped just before removing it
    out = pipeline.ingest(ws, register, now=NOW).files[0]
    assert out.outcome is Outcome.DUPLICATE and out.removed_from_inbox
    assert count(ws) == 1


def test_an_archived_file_is_never_overwritten(ws, register):
    path = drop(ws)
    digest = sha256(path)
    target = archive.archive_target(ws, PERIOD, "VS-001", "performance", 1, digest)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"something else")
    with pytest.raises(WorkspaceError):
        pipeline.ingest(ws, register, now=NOW)
    assert target.read_bytes() == b"something else"
    assert sha256(path) == digest and count(ws) == 0


def test_a_second_run_while_one_holds_the_workspace_is_refused(ws, register):
    drop(ws)
    with workspace_lock(ws):
        with pytest.raises(WorkspaceError, match="another cm-excel run"):
            pipeline.ingest(ws, register, now=NOW)
    assert pipeline.ingest(ws, register, now=NOW).files[0].outcome is Outcome.ACCEPTED


def test_two_runs_at_once_do_not_corrupt_the_ledger(ws, register):
    for i in range(4):
        drop(ws, name=f"r{i}.xlsx", contract_id=("VS-001", "VS-002")[i % 2],
             kind=("performance", "financial")[i // 2])
    errors, reports = [], []

    def run():
        try:
            reports.append(pipeline.ingest(ws, register, now=NOW))
        except WorkspaceError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    pipeline.ingest(ws, register, now=NOW)  # whatever was refused is done now
    conn = ledger(ws)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 4
    assert {s.status for s in submissions_of(conn, PERIOD)} == {"accepted"}
    conn.close()
    assert list(ws.inbox.iterdir()) == []


# --- validate without recording -----------------------------------------------------------------------


def test_validate_paths_checks_files_and_folders_without_recording(tmp_path, register):
    folder = tmp_path / "returns"
    folder.mkdir()
    make_return(folder)
    (folder / "notes.txt").write_text("not a workbook", encoding="utf-8")
    (folder / "~$lock.xlsx").write_bytes(b"x")
    single = make_return(tmp_path, contract_id="VS-002", kind="financial")
    before = snapshot(tmp_path)
    results = pipeline.validate_paths([folder, single], register, max_bytes=10_000_000)
    assert [r.file for r in results] == ["notes.txt", "VS-001_performance_2026-27-Q3.xlsx",
                                         single.name]  # a folder is read as the inbox is
    assert results[1].status == "accepted"
    assert [(f.code, f.level.value) for f in results[0].findings] == [("OPEN_TEXT", "error")]
    assert results[0].findings[0].message  # the safety sentence
    assert snapshot(tmp_path) == before
    with pytest.raises(UsageError):
        pipeline.validate_paths([tmp_path / "absent.xlsx"], register, max_bytes=1_000_000)


def test_validate_paths_uses_the_ledger_as_history_read_only(ws, register, tmp_path):
    q2 = drop(ws, contract_id="VS-002", kind="financial", period=PREVIOUS,
              lines=good_lines(register, "VS-002", PREVIOUS))
    set_received(q2, ON_TIME)  # Q2's return, late but the first
    assert pipeline.ingest(ws, register, now=NOW).files[0].outcome is not Outcome.REJECTED
    q3 = make_return(tmp_path, contract_id="VS-002", kind="financial")
    ledger_before = sha256(ws.ledger_path)
    with_history = pipeline.validate_paths([q3], register, workspace=ws, max_bytes=10_000_000)
    without = pipeline.validate_paths([q3], register, max_bytes=10_000_000)
    assert "FIN_YTD_UNCHECKED" in {f.code for f in without[0].findings}
    assert "FIN_YTD_UNCHECKED" not in {f.code for f in with_history[0].findings}
    assert sha256(ws.ledger_path) == ledger_before


# --- status of a quarter -------------------------------------------------------------------------------


def test_status_before_and_after_the_deadline(ws, register):
    drop(ws, name="on-time.xlsx", received=ON_TIME)
    drop(ws, name="late.xlsx", contract_id="VS-001", kind="financial", received=LATE)
    drop(ws, name="bad.xlsx", contract_id="VS-002", kpis={}, received=ON_TIME)
    pipeline.ingest(ws, register, now=NOW)

    early = status(ws, register, PERIOD, as_of=date(2027, 1, 26))
    assert early.deadline == date(2027, 1, 29)
    states = {(r.contract_id, r.kind): r for r in early.returns}
    assert set(states) == {("VS-001", "performance"), ("VS-001", "financial"),
                           ("VS-002", "performance"), ("VS-002", "financial")}  # not VS-003
    assert states["VS-001", "performance"].state == "accepted"
    assert states["VS-001", "financial"].state == "accepted late"
    assert states["VS-001", "financial"].late
    assert states["VS-002", "performance"].state == "rejected"
    assert states["VS-002", "financial"].state == "not yet due"
    assert states["VS-002", "financial"].contact == "Priya Shah, ISVA Lead"

    after = status(ws, register, PERIOD, as_of=date(2027, 2, 1))
    states = {(r.contract_id, r.kind): r for r in after.returns}
    assert states["VS-002", "performance"].state == "rejected and missing"
    assert states["VS-002", "performance"].missing
    assert states["VS-002", "performance"].rejected == 1
    assert states["VS-002", "financial"].state == "missing"
    assert states["VS-002", "financial"].missing and not states["VS-002", "financial"].received
    assert [(r.contract_id, r.kind) for r in after.chase] == [("VS-002", "performance"),
                                                              ("VS-002", "financial")]
    assert after.counts()["missing"] == 2 and after.counts()["late"] == 1


def test_status_with_no_ledger_expects_every_active_contract(ws, register):
    report = status(ws, register, PERIOD, as_of=date(2027, 3, 1))
    assert [r.state for r in report.returns] == ["missing"] * 4
    assert not ws.ledger_path.exists()


def test_status_counts_queried_returns(ws, register):
    kpis = good_kpis(register, "VS-002")
    # A zero denominator is a query; explained in the Commentary, the return is accepted.
    kpis["CONTACT48"] = {"Numerator": 0, "Denominator": 0,
                         "Commentary": "No referrals: the service was paused for a move."}
    drop(ws, contract_id="VS-002", kpis=kpis)
    out = pipeline.ingest(ws, register, now=NOW).files[0]
    assert out.outcome is Outcome.ACCEPTED_WITH_NOTES and out.queries == 1
    report = status(ws, register, PERIOD, as_of=date(2027, 2, 1))
    row = next(r for r in report.returns if (r.contract_id, r.kind) == ("VS-002", "performance"))
    assert row.accepted and row.queried and row.state == "queried"
