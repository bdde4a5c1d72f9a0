"""The engine's own files live in one hidden folder, .cm-excel/ (issue 10, item 5).

Real workspaces, real returns, the real console script in a subprocess and a real SQLite
ledger: a fresh workspace keeps the root for the office's files; a workspace an earlier
version made (ledger at the root, with SQLite's WAL files) is moved in, data intact; a
ledger at both places is refused with nothing moved.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from cm_excel.bookkeeping import OLD_LOCK_NAME
from cm_excel.register.reader import read_register
from cm_excel.workspace import BOOKKEEPING_NAME, LEDGER_NAME, init_workspace

from ingest_fixtures import ON_TIME, make_return, set_received, sha256

AS_OF = "2027-02-10"
CM_EXCEL = [sys.executable, "-c", "from cm_excel.cli import main; main()"]
OFFICE_FILES = {"register.xlsx", "inbox", "outbox", "archive", "workbook_templates"}


def run(root: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([*CM_EXCEL, "--workspace", str(root), "--as-of", AS_OF, *args],
                          capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    """A workspace after ingest + consolidate, made by this version."""
    ws = init_workspace(tmp_path_factory.mktemp("bookkeeping") / "ws")
    register = read_register(ws.register_path)
    for name, contract_id, kind in (("a.xlsx", "VS-001", "performance"),
                                    ("b.xlsx", "VS-002", "financial")):
        set_received(make_return(ws.inbox, contract_id=contract_id, kind=kind,
                                 register=register, name=name), ON_TIME)
    assert run(ws.root, "ingest").returncode == 0
    assert run(ws.root, "consolidate", "Q3", "--year", "2026").returncode == 0
    return ws


def old_layout(ws, dest: Path) -> Path:
    """A copy of ``ws`` as an earlier version left it: the ledger at the root, with a -wal
    and -shm holding a committed transaction not yet checkpointed, and the root lock file."""
    shutil.copytree(ws.root, dest)
    folder = dest / BOOKKEEPING_NAME
    os.replace(folder / LEDGER_NAME, dest / LEDGER_NAME)
    shutil.rmtree(folder)
    (dest / OLD_LOCK_NAME).write_bytes(b"pid 1 since 2027-01-01 00:00:00 UTC\n")
    script = ("import os, sqlite3, sys\n"
              "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
              "c.execute('PRAGMA journal_mode = WAL')\n"
              "c.execute('PRAGMA wal_autocheckpoint = 0')\n"
              "c.execute('CREATE TABLE wal_probe (x TEXT)')\n"
              "c.execute(\"INSERT INTO wal_probe VALUES ('only in the WAL')\")\n"
              "os._exit(0)\n")  # stops without checkpointing: the WAL files stay
    subprocess.run([sys.executable, "-c", script, str(dest / LEDGER_NAME)], check=True)
    assert (dest / (LEDGER_NAME + "-wal")).stat().st_size > 0
    assert (dest / (LEDGER_NAME + "-shm")).is_file()
    return dest


def smg(root: Path) -> bytes:
    return next((root / "outbox").glob("SMG_Quarterly_2026-27_Q3*.xlsx")).read_bytes()


def test_a_fresh_workspace_keeps_the_engines_files_in_one_hidden_folder(ingested):
    root = ingested.root
    assert {p.name for p in root.iterdir()} <= OFFICE_FILES | {BOOKKEEPING_NAME}
    assert {"register.xlsx", "inbox", "outbox", "archive", BOOKKEEPING_NAME} <= \
        {p.name for p in root.iterdir()}
    assert ingested.ledger_path.parent == root / BOOKKEEPING_NAME
    assert ingested.ledger_path.is_file() and ingested.lock_path.is_file()
    assert {p.name for p in (root / BOOKKEEPING_NAME).iterdir()} <= {
        LEDGER_NAME, LEDGER_NAME + "-wal", LEDGER_NAME + "-shm", ingested.lock_path.name}
    assert any((root / "outbox").glob("SMG_Quarterly_2026-27_Q3*.xlsx"))


def test_an_old_layout_is_moved_in_once_with_its_data_intact(ingested, tmp_path):
    reference = tmp_path / "reference"
    shutil.copytree(ingested.root, reference)
    old = old_layout(ingested, tmp_path / "old")
    status_before = run(reference, "status", "Q3", "--year", "2026")

    first = run(old, "status", "Q3", "--year", "2026")
    assert first.returncode == 0, first.stderr
    moved = [line for line in first.stderr.splitlines() if str(old / BOOKKEEPING_NAME) in line]
    assert len(moved) == 1
    assert first.stdout == status_before.stdout
    assert {p.name for p in old.iterdir()} <= OFFICE_FILES | {BOOKKEEPING_NAME}
    ledger = old / BOOKKEEPING_NAME / LEDGER_NAME
    conn = sqlite3.connect(ledger)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT x FROM wal_probe").fetchall() == [("only in the WAL",)]
    finally:
        conn.close()

    again = run(old, "consolidate", "Q3", "--year", "2026")
    assert again.returncode == 0, again.stderr
    assert str(old / BOOKKEEPING_NAME) not in again.stderr  # said once
    assert run(reference, "consolidate", "Q3", "--year", "2026").returncode == 0
    assert smg(old) == smg(reference)


def test_a_move_stopped_half_way_is_finished_by_the_next_run(ingested, tmp_path):
    old = old_layout(ingested, tmp_path / "old")
    (old / BOOKKEEPING_NAME).mkdir()
    for side in ("-wal", "-shm"):  # the side files went first; then the run stopped
        os.replace(old / (LEDGER_NAME + side), old / BOOKKEEPING_NAME / (LEDGER_NAME + side))
    done = run(old, "status", "Q3", "--year", "2026")
    assert done.returncode == 0, done.stderr
    assert not (old / LEDGER_NAME).exists()
    conn = sqlite3.connect(old / BOOKKEEPING_NAME / LEDGER_NAME)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM wal_probe").fetchone()[0] == 1
    finally:
        conn.close()


def test_a_ledger_at_both_places_is_refused_and_nothing_moves(ingested, tmp_path):
    old = old_layout(ingested, tmp_path / "old")
    (old / BOOKKEEPING_NAME).mkdir()
    shutil.copy2(ingested.ledger_path, old / BOOKKEEPING_NAME / LEDGER_NAME)
    before = {p.relative_to(old).as_posix(): sha256(p) for p in old.rglob("*") if p.is_file()}

    done = run(old, "status", "Q3", "--year", "2026")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert str(old / LEDGER_NAME) in lines[0]
    assert str(old / BOOKKEEPING_NAME / LEDGER_NAME) in lines[0]
    after = {p.relative_to(old).as_posix(): sha256(p) for p in old.rglob("*") if p.is_file()}
    assert after == before


def test_nothing_moves_while_another_run_holds_the_workspace(ingested, tmp_path):
    old = old_layout(ingested, tmp_path / "old")
    (old / BOOKKEEPING_NAME).mkdir()
    with open(old / BOOKKEEPING_NAME / ingested.lock_path.name, "a+b") as other_run:
        fcntl.flock(other_run.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        done = run(old, "status", "Q3", "--year", "2026")
    assert done.returncode == 1
    assert "another cm-excel run" in done.stderr
    assert (old / LEDGER_NAME).is_file() and (old / (LEDGER_NAME + "-wal")).is_file()
    assert not (old / BOOKKEEPING_NAME / LEDGER_NAME).exists()


def test_the_demo_keeps_its_marker_with_the_engines_files_and_knows_its_workspace(tmp_path):
    root = tmp_path / "demo"
    done = subprocess.run([*CM_EXCEL, "--as-of", "2026-11-25", "demo", str(root)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert {p.name for p in root.iterdir()} <= OFFICE_FILES | {BOOKKEEPING_NAME}
    assert (root / BOOKKEEPING_NAME / LEDGER_NAME).is_file()
    kept = subprocess.run([*CM_EXCEL, "demo", "--keep", str(root)], capture_output=True,
                          text=True, timeout=60)
    assert kept.returncode == 1
    assert "a demo workspace already exists" in kept.stderr  # recognised, not "not empty"
