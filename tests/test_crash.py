"""A run killed at any of its write points loses nothing, and the next run finishes the work
exactly as an uninterrupted run would have (issue 9, §4).

Each case forks a real process that runs ``cm-excel consolidate`` and dies on the spot
(``os._exit``, no cleanup, as SIGKILL or a power cut would) at one named crash point
(``CM_EXCEL_CRASH_AT``, see cm_excel/crashpoints.py). Then: every inbox file's bytes are
still in the inbox or the archive, ``PRAGMA integrity_check`` is ok, and a normal re-run
leaves inbox, archive, outbox and ledger identical to an uninterrupted run's.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from cm_excel.crashpoints import ENV
from cm_excel.register.reader import read_register
from cm_excel.workspace import Workspace, init_workspace

from builders import good_kpis
from ingest_fixtures import LATER_ON_TIME, ON_TIME, make_return, set_received

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork (POSIX)")

KILLED = 137
ARGS = ["--as-of", "2027-02-10", "consolidate", "Q3", "--year", "2026"]

# (point, n): the n-th time the run passes the point. The base inbox holds two returns
# that are accepted, one that is rejected (it gets feedback), and a file that duplicates
# the first; the run then writes the SMG workbook and cover note.
KILL_POINTS = [
    ("ingest.file", 1), ("ingest.file", 2), ("ingest.file", 3), ("ingest.file", 4),
    ("archive.partial_written", 1), ("archive.partial_written", 2),
    ("archive.published", 1), ("archive.published", 2),
    ("ingest.archived", 1), ("ingest.archived", 2),
    ("ingest.accepted_feedback", 1), ("ingest.accepted_feedback", 2),
    ("ingest.recorded", 1), ("ingest.recorded", 2),
    ("ingest.folders_synced", 1), ("ingest.committed", 1),
    ("archive.before_inbox_removed", 1), ("archive.before_inbox_removed", 2),
    ("archive.before_inbox_removed", 3),
    ("ingest.removed", 1), ("ingest.removed", 2),
    ("ingest.rejected_feedback", 1), ("ingest.rejected_recorded", 1),
    ("atomic.written", 1), ("atomic.fsynced", 1), ("atomic.published", 1),
    ("atomic.written", 2), ("atomic.published", 2),
    ("consolidate.before_workbook", 1), ("consolidate.before_cover", 1),
    ("atomic.written", 3), ("atomic.fsynced", 3), ("atomic.published", 3),
]


def run_forked(root: Path, crash_at: str | None = None) -> int:
    """Run the command line in a forked process; its exit code (137 when it crashed)."""
    from cm_excel.cli import cli

    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 99
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            if crash_at:
                os.environ[ENV] = crash_at
            else:
                os.environ.pop(ENV, None)
            try:
                cli.main(args=["--workspace", str(root), *ARGS], prog_name="cm-excel")
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): sha(p)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def ledger_rows(root: Path) -> dict[str, list[tuple]]:
    """Every table's rows, without the moment of ingesting (the clock, not the data)."""
    conn = sqlite3.connect(Workspace(root).ledger_path)
    try:
        out = {}
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        for table in tables:
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")
                    if r[1] != "ingested_at"]
            out[table] = conn.execute(
                f"SELECT {', '.join(cols)} FROM {table} ORDER BY rowid").fetchall()
        return out
    finally:
        conn.close()


def state(root: Path) -> dict:
    return {"inbox": files(root / "inbox"), "archive": files(root / "archive"),
            "outbox": files(root / "outbox"), "ledger": ledger_rows(root)}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A workspace whose inbox is ready to consolidate, and the uninterrupted run's result."""
    root = tmp_path_factory.mktemp("crash") / "base"
    ws = init_workspace(root)
    register = read_register(ws.register_path)

    def put(name, contract_id, received=ON_TIME, **args):
        path = make_return(ws.inbox, contract_id=contract_id, register=register, name=name,
                           **args)
        set_received(path, received)
        return path

    first = put("a VS-001.xlsx", "VS-001")
    # A Q3 financial return with no Q2 in the ledger: year to date unchecked, a warning,
    # so it is accepted with feedback.
    put("b VS-002.xlsx", "VS-002", kind="financial")
    wrong = good_kpis(register, "VS-003")
    code = next(iter(wrong))
    wrong[code]["Actual" if "Actual" in wrong[code] else "Numerator"] = -5
    put("c VS-003.xlsx", "VS-003", kpis=wrong)
    copy = ws.inbox / "d copy of VS-001.xlsx"
    shutil.copy2(first, copy)
    set_received(copy, LATER_ON_TIME)
    originals = {sha(p) for p in ws.inbox.iterdir()}

    reference = root.parent / "reference"
    shutil.copytree(root, reference)
    assert run_forked(reference) == 0
    return root, originals, state(reference)


def test_the_uninterrupted_run_does_the_work(base):
    root, _, done = base
    conn = sqlite3.connect(Workspace(root.parent / "reference").ledger_path)
    statuses = sorted(r[0] for r in conn.execute("SELECT status FROM submissions"))
    conn.close()
    assert statuses == ["accepted", "accepted", "rejected"]
    assert list(done["inbox"]) == ["c VS-003.xlsx"]
    assert any(name.startswith("SMG_Quarterly_2026-27_Q3") for name in done["outbox"])


@pytest.mark.parametrize("point,nth", KILL_POINTS, ids=[f"{p}@{n}" for p, n in KILL_POINTS])
def test_a_run_killed_at_any_point_loses_nothing_and_the_rerun_matches(base, tmp_path,
                                                                        point, nth):
    root, originals, reference = base
    work = tmp_path / "ws"
    shutil.copytree(root, work)
    assert run_forked(work, f"{point}@{nth}") == KILLED  # it did reach the point

    kept = {sha(p) for p in (work / "inbox").iterdir() if p.is_file()} | \
        {sha(p) for p in (work / "archive").rglob("*.xlsx")}
    assert originals <= kept  # nothing lost
    if Workspace(work).ledger_path.exists():
        conn = sqlite3.connect(Workspace(work).ledger_path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()

    assert run_forked(work) == 0
    assert state(work) == reference
