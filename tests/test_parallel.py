"""Checks spread over worker processes give exactly what one-by-one checking gives.

Real returns (the benchmark's generator: a synthetic register, templates filled through the
public contract), a real ledger; the only difference between the two runs of each test is
the number of workers.
"""

import multiprocessing
import os
import shutil
import sqlite3
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from cm_excel import commit_group, parallel
from cm_excel.pipeline import ingest, validate_paths
from cm_excel.periods import Period
from cm_excel.register.reader import read_register
from cm_excel.workspace import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from generate import PERIOD, return_set  # noqa: E402

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
N = parallel.MIN_FILES + 4  # enough files for a pool


@pytest.fixture(scope="module")
def returns(tmp_path_factory):
    cache = tmp_path_factory.mktemp("bench-cache")
    return return_set(N, cache=cache, workers=1, echo=lambda *_: None)


@pytest.fixture
def workers():
    """Set the workers for a run; back to the default afterwards."""
    yield parallel.set_workers
    parallel.set_workers(None)


def _workspace(root: Path, register_path: Path, files: list[Path]) -> Workspace:
    for sub in ("inbox", "outbox", "archive"):
        (root / sub).mkdir(parents=True)
    shutil.copyfile(register_path, root / "register.xlsx")
    for f in files:
        shutil.copy2(f, root / "inbox" / f.name)  # keeps the received time (mtime)
    return Workspace(root)


def _findings(results):
    return [(r.file, r.contract_id, r.kind, [(f.code, str(f.level), f.sheet, f.cell, f.message)
                                            for f in r.findings]) for r in results]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _ledger(ws: Workspace) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(ws.ledger_path)
    out = {}
    for table in ("submissions", "findings", "kpi_values", "financial_lines", "incidents",
                  "complaints", "risks", "improvements", "restatements"):
        out[table] = conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
    conn.close()
    return out


def test_workers_for_small_batches_is_one(workers):
    workers(4)
    assert parallel.workers_for(parallel.MIN_FILES - 1) == 1
    assert parallel.workers_for(parallel.MIN_FILES) == 4
    workers(1)
    assert parallel.workers_for(1000) == 1
    with pytest.raises(ValueError):
        workers(0)


def _square_or_fail(n: int) -> int:
    if n == 5:
        raise ValueError("a failure in fn")
    if n == 8:
        os._exit(3)  # the worker dies: it computes 0, 2, 4, 6, 8, 10 ... of two workers
    return n * n


def test_ordered_map_in_order_with_failures_and_a_dead_worker():
    """Results come back in input order; an item whose fn fails gives None, and a dead
    worker's items from then on give None, while the other worker's are still computed."""
    out = list(parallel.ordered_map(_square_or_fail, range(14), workers=2))
    assert out == [0, 1, 4, 9, 16, None, 36, 49, None, 81, None, 121, None, 169]


def test_ordered_map_stopped_early_stops_its_workers():
    done = parallel.ordered_map(_square_or_fail, range(4, 4000), workers=2)
    assert next(done) == 16
    done.close()  # the workers are terminated and joined, not left running
    assert not multiprocessing.active_children()


def test_validate_with_workers_matches_one_by_one(returns, workers):
    register = read_register(returns.register)
    workers(1)
    alone = validate_paths([returns.returns], register)
    workers(2)
    pooled = validate_paths([returns.returns], register)
    assert len(pooled) == N
    assert _findings(pooled) == _findings(alone)
    assert [r.kpis for r in pooled] == [r.kpis for r in alone]
    assert [r.lines for r in pooled] == [r.lines for r in alone]


@pytest.mark.parametrize("group", [None, 3])
def test_ingest_with_workers_matches_one_by_one(returns, workers, tmp_path, monkeypatch, group):
    """One by one: one worker, and each file committed alone. Then two workers, with the
    files committed in groups of the default size, or of 3 (so groups end mid-run)."""
    register = read_register(returns.register)
    sizes = {1: 1, 2: group or commit_group.MAX_FILES}
    runs = {}
    for n in (1, 2):
        workers(n)
        monkeypatch.setattr(commit_group, "MAX_FILES", sizes[n])
        ws = _workspace(tmp_path / f"w{n}", returns.register, returns.files)
        report = ingest(ws, register, now=NOW)
        runs[n] = (ws, [(f.name, f.outcome, f.version, f.errors, f.warnings, f.note,
                         f.removed_from_inbox) for f in report.files])
    assert runs[2][1] == runs[1][1]
    assert len(runs[2][1]) == N
    assert _ledger(runs[2][0]) == _ledger(runs[1][0])
    feedback = {n: _files(runs[n][0].outbox) for n in (1, 2)}
    assert feedback[2] == feedback[1]  # the same feedback workbooks, byte for byte
    assert not any((runs[2][0].root / "inbox").glob("*.xlsx"))  # all accepted and archived
    # The workers staged the archive copies; the archive is the same, with nothing left over.
    assert _files(runs[2][0].archive) == _files(runs[1][0].archive)
    assert len(_files(runs[2][0].archive)) == N


def test_a_staged_copy_nobody_takes_is_not_left_in_the_archive(returns, workers, tmp_path):
    """The last file is the same bytes as the first under another name: a worker stages
    its archive copy, the run finds it a duplicate and never takes it."""
    import os

    register = read_register(returns.register)
    workers(2)
    ws = _workspace(tmp_path / "w", returns.register, returns.files)
    copy = ws.inbox / "zz copy of the first return.xlsx"
    shutil.copyfile(returns.files[0], copy)
    newest = max(p.stat().st_mtime for p in returns.files) + 60
    os.utime(copy, (newest, newest))
    report = ingest(ws, register, now=NOW)
    assert [f.outcome.name for f in report.files].count("DUPLICATE") == 1
    archived = _files(ws.archive)
    assert len(archived) == N and not [p for p in archived if "/." in "/" + p]


def test_history_recorded_in_the_same_run_is_used(returns, workers, tmp_path):
    """Q1 and Q2 in one inbox: Q2's financial returns are checked against the Q1 returns
    this very run records (workers checked them before those existed, so they are checked
    again), exactly as one by one."""
    register = read_register(returns.register)
    q1 = return_set(N, cache=returns.register.parent.parent, workers=1,
                    period=Period(PERIOD.fy, 1), echo=lambda *_: None)
    runs = {}
    for n in (1, 2):
        workers(n)
        ws = _workspace(tmp_path / f"w{n}", returns.register, q1.files + returns.files)
        ingest(ws, register, now=NOW)
        runs[n] = _ledger(ws)
    assert runs[2] == runs[1]
    assert len(runs[2]["submissions"]) == 2 * N
    conn = sqlite3.connect(Workspace(tmp_path / "w2").ledger_path)
    codes = {c for (c,) in conn.execute("SELECT code FROM findings")}
    conn.close()
    # Q1 starts the year; every Q2 financial return found its Q1 return in the ledger.
    assert "FIN_YTD_UNCHECKED" not in codes
