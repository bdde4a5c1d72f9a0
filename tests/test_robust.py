"""Nothing one file or one office mishap does stops or misleads the office (issue 9, §2-3).

Real workspaces, real returns from the real templates, a real SQLite ledger; the failing
environments are real too: a small tmpfs that fills up, a read-only mount, a file where a
folder should be (mounts need root; those tests say so when they cannot run).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from cm_excel import pipeline
from cm_excel.cli import cli
from cm_excel.errors import WorkspaceError
from cm_excel.ledger import db
from cm_excel.ledger.queries import submissions_of
from cm_excel.pipeline import Outcome
from cm_excel.register import problems as P
from cm_excel.register.reader import check_register, read_register
from cm_excel.workspace import init_workspace

from builders import good_kpis
from ingest_fixtures import (LATER_ON_TIME, NOW, ON_TIME, PERIOD, make_return, set_received,
                             sha256)

AS_OF = "2027-02-10"
CM_EXCEL = [sys.executable, "-c", "from cm_excel.cli import main; main()"]


# --- a workspace with the starter register, as an office has -----------------------------------


@pytest.fixture
def office(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    return ws, read_register(ws.register_path)


def put(ws, register, name, *, contract_id="VS-001", kind="performance", received=ON_TIME,
        **args) -> Path:
    path = make_return(ws.inbox, contract_id=contract_id, kind=kind, register=register,
                       name=name, **args)
    set_received(path, received)
    return path


def run(ws, *args, env=None, **kw):
    """The real console script's code, in a subprocess (a real terminal-less process)."""
    return subprocess.run([*CM_EXCEL, "--workspace", str(ws.root), "--as-of", AS_OF, *args],
                          capture_output=True, env={**os.environ, **(env or {})}, timeout=120,
                          **kw)


def invoke(ws, *args):
    return CliRunner().invoke(cli, ["--workspace", str(ws.root), "--as-of", AS_OF, *args])


def integrity(ws) -> str:
    conn = sqlite3.connect(ws.ledger_path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def statuses(ws) -> list[str]:
    conn = db.connect(ws.ledger_path, readonly=True)
    try:
        return sorted(s.status for s in submissions_of(conn, PERIOD))
    finally:
        conn.close()


# --- §2 one bad file never stops the run --------------------------------------------------------


def test_a_name_that_is_not_utf8_does_not_stop_ingest(office):
    ws, register = office
    made = put(ws, register, "tmp.xlsx", contract_id="VS-002")
    odd = os.path.join(os.fsencode(ws.inbox), b"caf\xe9 return.xlsx")  # cp1252 from a zip
    os.rename(made, odd)
    good = put(ws, register, "zz good.xlsx")
    before = {good.name: sha256(good), "odd": sha256(Path(os.fsdecode(odd)))}
    report = pipeline.ingest(ws, register, now=NOW)
    assert [f.outcome for f in report.files] == [Outcome.ACCEPTED, Outcome.ACCEPTED]
    assert statuses(ws) == ["accepted", "accepted"]
    conn = db.connect(ws.ledger_path, readonly=True)
    try:
        names = {s.original_name for s in submissions_of(conn, PERIOD)}
    finally:
        conn.close()
    assert names == {"caf\ufffd return.xlsx", "zz good.xlsx"}  # stored as text
    archived = {sha256(p) for p in ws.archive.rglob("*.xlsx")}
    assert set(before.values()) == archived


def test_an_unexpected_failure_in_one_file_rejects_that_file_and_the_run_goes_on(
        office, monkeypatch, caplog):
    ws, register = office
    bad = put(ws, register, "a breaks the reader.xlsx", contract_id="VS-002")
    good = put(ws, register, "b good.xlsx")
    digest = sha256(bad)
    real = pipeline.validate_return

    def fails_on_one(wb, *args, **kw):  # a bug met by one file only
        if wb.name == bad.name:
            raise KeyError("surprise")
        return real(wb, *args, **kw)

    monkeypatch.setattr(pipeline, "validate_return", fails_on_one)
    with caplog.at_level("DEBUG", logger="cm_excel.pipeline"):
        report = pipeline.ingest(ws, register, now=NOW)
    outcomes = {f.name: f for f in report.files}
    assert outcomes[bad.name].outcome is Outcome.REJECTED and outcomes[bad.name].note
    assert outcomes[good.name].outcome is Outcome.ACCEPTED
    assert sha256(bad) == digest  # left in the inbox untouched, tried again next run
    assert any(r.exc_info for r in caplog.records)  # the traceback, for --debug


def test_an_unexpected_failure_shows_its_traceback_only_with_debug(office, monkeypatch):
    ws, register = office
    put(ws, register, "only.xlsx")
    monkeypatch.setattr(pipeline, "validate_return",
                        lambda *a, **k: (_ for _ in ()).throw(KeyError("surprise")))
    plain = invoke(ws, "ingest")
    assert plain.exit_code == 0, plain.output
    assert "Traceback" not in plain.output and "rejected" in plain.output
    debug = CliRunner().invoke(cli, ["--workspace", str(ws.root), "--debug", "ingest"])
    assert "Traceback" in debug.output


ESC_NAME = "evil \x1b]0;pwned\x07\x1b[2J\x9b return.xlsx"


def _with_escape_in_a_cell(path: Path) -> None:
    """Rewrite the workbook so a cell holds ESC/OSC sequences (OOXML's _xHHHH_ escapes)."""
    with zipfile.ZipFile(path) as src:
        parts = [(i, src.read(i)) for i in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in parts:
            dst.writestr(info, data.replace(b"ESCMARK", b"_x001B_]0;pwned_x0007__x001B_[2J"))


def test_control_characters_from_outside_never_reach_the_terminal(office):
    ws, register = office
    put(ws, register, ESC_NAME, contract_id="VS-002")
    kpis = good_kpis(register, "VS-001")
    code = next(iter(kpis))
    field = "Actual" if "Actual" in kpis[code] else "Numerator"
    kpis[code][field] = "12 ESCMARK"  # text in a number cell: the finding quotes it
    cell = put(ws, register, "cell.xlsx", kpis=kpis)
    _with_escape_in_a_cell(cell)
    set_received(cell, ON_TIME)
    checked = run(ws, "validate")
    ingested = run(ws, "ingest")
    status = run(ws, "status", "Q3", "--year", "2026")
    for done in (checked, ingested, status):
        assert done.returncode in (0, 1), done.stderr
        for stream in (done.stdout, done.stderr):
            assert b"\x1b" not in stream and b"\x07" not in stream and b"\xc2\x9b" not in stream
    assert "pwned" in checked.stdout.decode()  # the text is shown, its controls are not
    assert "pwned" in ingested.stderr.decode()


@pytest.mark.parametrize("kind", ["fifo", "dangling link", "link loop"])
def test_validate_says_what_an_odd_path_is(office, tmp_path, kind):
    ws, _ = office
    path = tmp_path / "odd.xlsx"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dangling link":
        path.symlink_to(tmp_path / "gone.xlsx")
    else:
        path.symlink_to(path)
    result = invoke(ws, "validate", str(path))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0], result.output
    assert "no such file or folder" not in lines[0] and "Usage:" not in result.output
    assert {"fifo": "pipe", "dangling link": "dangling", "link loop": "loop"}[kind] in lines[0]


# --- §3 outputs under the lock ----------------------------------------------------------------


def test_outputs_are_written_only_while_holding_the_workspace_lock(office):
    from cm_excel.reports.consolidate import consolidate_quarter

    ws, register = office
    put(ws, register, "r.xlsx")
    pipeline.ingest(ws, register, now=NOW)
    with open(ws.lock_path, "a+b") as other_run:  # another process's hold
        fcntl.flock(other_run.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(WorkspaceError, match="another cm-excel run"):
            consolidate_quarter(ws, register, PERIOD, as_of=NOW.date())
        fcntl.flock(other_run.fileno(), fcntl.LOCK_UN)
    assert not list(ws.outbox.glob("SMG_*"))
    result = consolidate_quarter(ws, register, PERIOD, as_of=NOW.date())
    assert result.workbook_path.is_file()


def test_consolidate_holds_the_lock_from_reading_the_ledger_to_its_last_output(office):
    """No other run can change the ledger between the moment the SMG workbook's facts are
    read and the moment it is published (the stale SMG race: an older run renaming its
    workbook over a newer one's)."""
    ws, register = office
    put(ws, register, "r.xlsx")
    seen = []

    def another_run_tries(event, **info):
        if event == "consolidate.stage":  # after reading the ledger, before writing
            with open(ws.lock_path, "a+b") as other:
                try:
                    fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    seen.append((event, "refused"))
                else:
                    fcntl.flock(other.fileno(), fcntl.LOCK_UN)
                    seen.append((event, "got in"))

    pipeline.consolidate(ws, register, PERIOD, as_of=NOW.date(), now=NOW,
                         progress=another_run_tries)
    assert seen and all(outcome == "refused" for _, outcome in seen), seen


def test_validate_goes_on_after_a_file_it_cannot_check(office, monkeypatch):
    ws, register = office
    first = put(ws, register, "a.xlsx", contract_id="VS-002")
    put(ws, register, "b.xlsx")
    real = pipeline.validate_return

    def fails_on_one(wb, *args, **kw):
        if wb.name == first.name:
            raise KeyError("surprise")
        return real(wb, *args, **kw)

    monkeypatch.setattr(pipeline, "validate_return", fails_on_one)
    results = pipeline.validate_paths([ws.inbox], register)
    assert [r.status for r in results] == ["rejected", "accepted"]


# --- §3 environment failures: one line, exit 1, nothing lost -------------------------------------


@pytest.fixture
def mount_tmpfs():
    """mount(folder, options) mounts a small tmpfs there; unmounted afterwards."""
    mounted = []

    def mount(folder: Path, options: str) -> None:
        if os.geteuid() != 0:
            pytest.skip("mounting a small tmpfs (a disk that fills up, a read-only disk) "
                        "needs root; the not-root failure case is tested separately")
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                              capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
        mounted.append(folder)

    yield mount
    for folder in reversed(mounted):
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def _assert_one_error_line(done, *words):
    err = done.stderr.decode()
    assert done.returncode == 1, (done.returncode, err)
    assert "Internal error" not in err and "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, err
    for word in words:
        assert word in errors[0], errors[0]
    return errors[0]


def test_a_full_outbox_disk_is_one_line_exit_1_and_nothing_is_lost(office, mount_tmpfs):
    ws, register = office
    put(ws, register, "good.xlsx")
    kpis = good_kpis(register, "VS-002")
    kpis[next(iter(kpis))]["Commentary"] = None
    bad = put(ws, register, "bad.xlsx", contract_id="VS-002",
              kpis={k: {**v, **({"Actual": -5} if "Actual" in v else {"Numerator": -5})}
                    for k, v in kpis.items()})
    bad_digest = sha256(bad)
    mount_tmpfs(ws.outbox, "size=12k")  # too small for an SMG workbook or a feedback file
    done = run(ws, "consolidate", "Q3", "--year", "2026")
    line = _assert_one_error_line(done, str(ws.outbox))
    assert "full" in line
    assert integrity(ws) == "ok"
    assert sha256(bad) == bad_digest and bad.exists()  # the rejected file untouched
    assert not [p for p in ws.outbox.rglob("*") if p.is_file()]  # no half-written output
    # Once there is room, the same command finishes the work.
    subprocess.run(["umount", "-l", str(ws.outbox)], check=True)
    again = run(ws, "consolidate", "Q3", "--year", "2026")
    assert again.returncode == 0, again.stderr
    assert statuses(ws) == ["accepted", "rejected"]


def test_a_read_only_archive_is_one_line_exit_1_and_nothing_is_lost(office, mount_tmpfs):
    ws, register = office
    good = put(ws, register, "good.xlsx")
    digest = sha256(good)
    mount_tmpfs(ws.archive, "ro,size=64k")
    done = run(ws, "ingest")
    _assert_one_error_line(done, str(ws.archive))
    assert sha256(good) == digest
    assert statuses(ws) == [] and integrity(ws) == "ok"


def test_a_full_disk_under_the_ledger_is_one_line_exit_1_and_nothing_is_lost(
        office, mount_tmpfs, tmp_path):
    ws, register = office
    # The workspace root (ledger, inbox, register) on a small disk; archive and outbox on
    # their own roomy ones, so that it is SQLite that meets the full disk.
    root = tmp_path / "small"
    mount_tmpfs(root, "size=1m")
    small = init_workspace(root / "ws")
    shutil.copy(ws.register_path, small.register_path)
    mount_tmpfs(small.archive, "size=4m")
    mount_tmpfs(small.outbox, "size=4m")
    assert run(small, "ingest").returncode == 0  # an empty inbox: the ledger is created
    good = put(small, register, "good.xlsx")
    digest = sha256(good)
    filler = root / "filler"
    with open(filler, "wb", buffering=0) as fh:  # fill the small disk to the last byte
        try:
            while True:
                fh.write(b"\0" * 512)
                fh.flush()
        except OSError:
            pass
    done = run(small, "ingest")
    line = _assert_one_error_line(done, str(small.ledger_path))
    assert "full" in line
    assert sha256(good) == digest and good.exists()
    filler.unlink()
    assert integrity(small) == "ok" and statuses(small) == []
    again = run(small, "ingest")
    assert again.returncode == 0, again.stderr
    assert statuses(small) == ["accepted"] and not good.exists()


def test_a_file_where_a_folder_should_be_is_one_line_exit_1(office):
    """Also runs without root: the outbox is a file, so nothing can be written into it."""
    ws, register = office
    good = put(ws, register, "good.xlsx")
    shutil.rmtree(ws.outbox)
    ws.outbox.write_text("not a folder")
    done = run(ws, "consolidate", "Q3", "--year", "2026")
    _assert_one_error_line(done, str(ws.outbox))
    assert good.exists() and ws.outbox.read_text() == "not a folder"


# --- §3 leftovers of killed runs --------------------------------------------------------------


def test_the_next_run_removes_what_killed_runs_left(office):
    ws, register = office
    leftovers = [
        ws.archive / "2026-27" / "Q3" / "VS-001" / ".VS-001_performance_v1_0123456789ab.k2j4h5g6.partial",
        ws.outbox / ".SMG_Quarterly_2026-27_Q3.abcd_123.xlsx",
        ws.outbox / ".SMG_Quarterly_2026-27_Q3_cover.x1y2z3w4.html",
        ws.outbox / "feedback" / "2026-27-Q3" / ".VS-001_performance_feedback.q1w2e3r4.xlsx",
    ]
    for path in leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half written")
    theirs = [ws.outbox / ".keep", ws.outbox / "notes.xlsx", ws.inbox / ".hidden.abcdefgh.xlsx"]
    for path in theirs:
        path.write_bytes(b"people's")
    pipeline.ingest(ws, register, now=NOW)
    assert [p for p in leftovers if p.exists()] == []
    assert all(p.read_bytes() == b"people's" for p in theirs)


def test_workbooks_are_built_without_temporary_files_in_tmpdir(office, monkeypatch, tmp_path):
    """A run killed while xlsxwriter assembles a workbook leaves nothing in $TMPDIR."""
    from cm_excel.reports.consolidate import consolidate_quarter

    ws, register = office
    put(ws, register, "r.xlsx")
    pipeline.ingest(ws, register, now=NOW)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-tmpdir"))
    result = consolidate_quarter(ws, register, PERIOD, as_of=NOW.date())
    assert result.workbook_path.is_file()
    assert not (tmp_path / "no-such-tmpdir").exists()


# --- §3 register mishaps ------------------------------------------------------------------------


def test_a_truncated_register_is_called_damaged(office):
    ws, _ = office
    data = ws.register_path.read_bytes()
    ws.register_path.write_bytes(data[: len(data) // 2])
    _, found = check_register(ws.register_path)
    assert [p.code for p in found] == [P.DAMAGED]


def test_a_register_excel_is_saving_is_not_a_missing_register(office):
    ws, _ = office
    owner = ws.register_path.with_name("~$register.xlsx")
    ws.register_path.rename(owner)  # Excel mid-save: the owner file, no register
    result = invoke(ws, "status", "Q3", "--year", "2026")
    assert result.exit_code == 1
    assert "init" not in result.output and "~$register.xlsx" in result.output
    _, found = check_register(ws.register_path)
    assert [p.code for p in found] == [P.BEING_SAVED]


# --- §3 a workspace on a network share ----------------------------------------------------------


def test_on_a_network_share_the_ledger_uses_the_rollback_journal(office, tmp_path, monkeypatch):
    ws, register = office
    mounts = tmp_path / "mounts"
    mounts.write_text(f"/dev/vda / ext4 rw 0 0\nserver:/export {ws.root} nfs4 rw 0 0\n")
    monkeypatch.setattr(db, "MOUNTS", mounts)
    conn = db.connect(ws.ledger_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("PRAGMA locking_mode").fetchone()[0] == "exclusive"
    finally:
        conn.close()
    from cm_excel.render import status_lines
    from cm_excel.status import status

    report = status(ws, register, PERIOD, as_of=NOW.date())
    assert "nfs4" in report.ledger_journal
    assert any("nfs4" in line for line in status_lines(report))


def test_on_a_local_disk_the_ledger_keeps_wal(office):
    ws, _ = office
    conn = db.connect(ws.ledger_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()
    assert db.network_filesystem(ws.ledger_path) is None


# --- §3 stale rejected files --------------------------------------------------------------------


def _negative(register, contract_id="VS-001"):
    kpis = good_kpis(register, contract_id)
    code = next(iter(kpis))
    field = "Actual" if "Actual" in kpis[code] else "Numerator"
    kpis[code][field] = -5
    return kpis


def test_a_rejected_file_moves_aside_once_a_later_version_is_accepted(office):
    ws, register = office
    wrong = put(ws, register, "first try.xlsx", kpis=_negative(register))
    digest = sha256(wrong)
    assert pipeline.ingest(ws, register, now=NOW).files[0].outcome is Outcome.REJECTED
    put(ws, register, "corrected.xlsx", received=LATER_ON_TIME)
    report = pipeline.ingest(ws, register, now=NOW)
    moved = ws.inbox / "rejected" / "first try.xlsx"
    assert not wrong.exists() and sha256(moved) == digest  # byte for byte
    first = {f.name: f for f in report.files}["first try.xlsx"]
    assert first.feedback_path is None and "rejected/" in first.note
    third = pipeline.ingest(ws, register, now=NOW)
    assert third.files == []  # nothing reported again


def test_a_rejected_duplicate_never_points_at_another_versions_feedback(office):
    ws, register = office
    put(ws, register, "one.xlsx", kpis=_negative(register))
    pipeline.ingest(ws, register, now=NOW)
    other = good_kpis(register, "VS-001")
    other[list(other)[-1]]["Commentary"] = None
    code = list(other)[-1]
    other[code]["Actual" if "Actual" in other[code] else "Numerator"] = "lots"
    put(ws, register, "two.xlsx", kpis=other, received=LATER_ON_TIME)
    pipeline.ingest(ws, register, now=NOW)  # its feedback replaces one.xlsx's at that path
    third = {f.name: f for f in pipeline.ingest(ws, register, now=NOW).files}
    assert third["one.xlsx"].outcome is Outcome.DUPLICATE
    assert third["one.xlsx"].feedback_path is None
    assert "feedback outbox" not in third["one.xlsx"].note
    assert third["two.xlsx"].feedback_path is not None


def test_a_half_copied_file_completed_later_leaves_no_stale_rejection(office):
    ws, register = office
    full = make_return(ws.root, register=register, name="whole.xlsx")
    data = full.read_bytes()
    half = ws.inbox / "VS-001 return.xlsx"
    half.write_bytes(data[: len(data) // 3])  # the copy into the inbox is not finished
    set_received(half, ON_TIME)
    first = pipeline.ingest(ws, register, now=NOW).files[0]
    assert first.outcome is Outcome.REJECTED and first.contract_id is None
    stale = first.feedback_path
    half.write_bytes(data)  # the copy finishes
    set_received(half, LATER_ON_TIME)
    assert pipeline.ingest(ws, register, now=NOW).files[0].outcome is Outcome.ACCEPTED
    conn = db.connect(ws.ledger_path, readonly=True)
    try:
        left = conn.execute("SELECT COUNT(*) FROM submissions WHERE status = 'rejected'")
        assert left.fetchone()[0] == 0
    finally:
        conn.close()
    assert stale is None or not stale.exists()


# --- §3 Windows and pipes -----------------------------------------------------------------------


def test_output_in_cp1252_does_not_crash_on_a_name_it_cannot_show(office):
    ws, register = office
    path = put(ws, register, "Łukasz – VS-001 return.xlsx")
    done = run(ws, "validate", str(path), env={"PYTHONIOENCODING": "cp1252"})
    assert done.returncode == 0, done.stderr
    assert b"VS-001 return.xlsx" in done.stdout and b"Internal error" not in done.stderr


def test_a_reader_that_stops_early_ends_the_run_quietly(office):
    ws, register = office
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head` that has already gone
    try:
        done = subprocess.run([*CM_EXCEL, "--workspace", str(ws.root), "--as-of", AS_OF,
                               "status", "Q3", "--year", "2026"], stdout=write_end,
                              stderr=subprocess.PIPE, timeout=120)
    finally:
        os.close(write_end)
    assert b"Internal error" not in done.stderr and b"Traceback" not in done.stderr
    assert b"BrokenPipe" not in done.stderr
    assert done.returncode in (0, 1)


def _instructions(ws, register, text_bytes: bytes):
    from cm_excel.templates import instructions
    from cm_excel.templates.content import template_content

    own = ws.root / "workbook_templates" / "instructions_performance.md.j2"
    own.parent.mkdir(exist_ok=True)
    own.write_bytes(text_bytes)
    content = template_content(register, register.contracts["VS-001"], PERIOD, "performance")
    return instructions.render(content, office_name="OPCC", settings=register.settings,
                               workspace_root=ws.root)


def test_an_instructions_file_saved_as_ansi_is_read(office):
    ws, register = office
    lines = _instructions(ws, register, "# Your return\n\nCosts over £1,000 need a note.\n"
                          .encode("cp1252"))
    assert lines[-1].text == "Costs over £1,000 need a note."


def test_an_instructions_file_saved_as_utf8_with_bom_keeps_its_heading(office):
    ws, register = office
    lines = _instructions(ws, register, "# Your return\n\nText.\n".encode("utf-8-sig"))
    assert (lines[0].kind, lines[0].text) == ("title", "Your return")


def test_an_instructions_file_in_no_known_encoding_is_named(office):
    ws, register = office
    with pytest.raises(WorkspaceError, match="instructions_performance.md.j2"):
        _instructions(ws, register, b"# Title\n\x81\x8d\x8f\n")
