"""Check many returns at once on the machine's cores; results come back in input order.

Opening a return safely, reading it and validating it is pure computation on one file, so
``validate`` and ``ingest`` hand that part to a pool of worker processes when there are
enough files to pay for starting one (``MIN_FILES``). For ``ingest`` a worker also writes an
acceptable file's bytes, fsynced, under a temporary name in its archive folder (the slow
part of archiving). Everything else that writes stays in the one calling process and in the
same order as before: naming the archive copy, the ledger (one writer), feedback, removal
from the inbox. Results are consumed in input order, so output, archive and ledger are the
same whatever the number of workers.

Validation asks the ledger about earlier quarters (``History``). A worker reads the ledger
read-only and remembers what it asked; ``ingest`` re-checks a file itself when this run
has recorded a return that answers one of those questions (a quarter and the next one in
the same inbox), so the result is always the one a one-by-one run would give.

Workers: ``set_workers`` (the CLI's ``--workers``), else the environment variable
``CM_EXCEL_WORKERS``, else one per core (``os.cpu_count()``); 1 means no pool at all.
If a worker dies, the files it had not finished are checked in the calling process.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .archive import discard, stage_copy

MIN_FILES = 16  # below this, starting worker processes costs more than it saves
BATCH = 4  # files a worker checks and sends back at a time
ENV = "CM_EXCEL_WORKERS"

_workers: int | None = None


def set_workers(n: int | None) -> None:
    """Workers for this process's runs (None: back to the environment or the core count)."""
    global _workers
    if n is not None and n < 1:
        raise ValueError("workers must be at least 1")
    _workers = n


def configured_workers() -> int:
    """The workers asked for: ``set_workers``, else CM_EXCEL_WORKERS, else the cores."""
    if _workers is not None:
        return _workers
    text = os.environ.get(ENV, "").strip()
    if text.isdigit() and int(text) >= 1:
        return int(text)
    return os.cpu_count() or 1


def workers_for(files: int) -> int:
    """Processes to use for ``files`` files: 1 (no pool) when too few to pay for one."""
    if files < MIN_FILES:
        return 1
    return max(1, min(configured_workers(), files))


def _context():
    # On Linux, fork starts workers in milliseconds and shares the register without
    # pickling it; elsewhere (macOS, Windows) fork is unsafe or missing: spawn.
    return multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")


def ordered_map(fn: Callable, items: Iterable, *, workers: int,
                initializer: Callable | None = None, initargs: tuple = ()) -> Iterator:
    """``fn(item)`` for each item, computed by ``workers`` processes, yielded in order.

    Worker k computes items k, k + workers, k + 2 × workers … and sends each result down
    its own pipe, so nothing is handed out item by item; a full pipe makes a worker wait,
    which bounds how far it runs ahead of the consumer. None is yielded for an item whose
    ``fn`` failed in the worker, and for every item of a worker that died (the caller then
    does those items itself). Stopping early (closing the generator) stops the workers.
    """
    items = list(items)
    ctx = _context()
    channels: list[tuple] = []
    finished = False
    try:
        for k in range(min(workers, len(items))):
            receive, send = ctx.Pipe(duplex=False)
            process = ctx.Process(target=_serve, daemon=True,
                                  args=(fn, items[k::workers], send, initializer, initargs))
            process.start()
            send.close()
            channels.append((process, receive))
        alive = [True] * len(channels)
        for index in range(len(items)):
            k = index % len(channels)
            value = None
            if alive[k]:
                try:
                    value = pickle.loads(channels[k][1].recv_bytes())
                except (EOFError, OSError):  # the worker died
                    alive[k] = False
            yield value
        finished = True
    finally:
        for process, receive in channels:
            receive.close()
            if not finished:
                process.terminate()
            process.join()


def _serve(fn: Callable, items: list, send, initializer: Callable | None,
           initargs: tuple) -> None:
    """A worker: ``fn`` of each of its items, in order, down ``send``."""
    try:
        if initializer is not None:
            initializer(*initargs)
        for item in items:
            try:
                data = pickle.dumps(fn(item), pickle.HIGHEST_PROTOCOL)
            except Exception:  # the caller does this item itself, and meets the failure
                data = pickle.dumps(None)
            send.send_bytes(data)
    except (Exception, KeyboardInterrupt):  # the caller stopped reading, or the set-up failed
        pass
    finally:
        send.close()


# --- the check of one file, in a worker ----------------------------------------------------

@dataclass(frozen=True)
class Prechecked:
    """A worker's check of one file: the bytes' sha256, the received time it was checked
    with, the result, and the (contract, period, kind) history it asked the ledger about."""

    path: Path
    sha256: str
    received_at: datetime | None
    result: object  # ValidationResult
    asked: frozenset
    staged: Path | None = None  # the accepted file's bytes, fsynced in its archive folder


YEAR, COMPLAINTS = "year started", "complaints reported"  # keys of wider questions


class _Asking:
    """The ledger's History, remembering which accepted returns it was asked about."""

    def __init__(self, history):
        self.history = history
        self.asked: set = set()

    def previous_ytd(self, contract_id, period, budget_line):
        if period.quarter > 1:
            self.asked.add((contract_id, period.previous(), "financial"))
        return self.history.previous_ytd(contract_id, period, budget_line)

    def previous_kpi(self, contract_id, period, kpi_code):
        self.asked.add((contract_id, period.previous(), "performance"))
        return self.history.previous_kpi(contract_id, period, kpi_code)

    def year_started(self, period):
        # any return of an earlier quarter of the year, for any contract
        self.asked.update((YEAR, period.fy, q) for q in range(1, period.quarter))
        return self.history.year_started(period)

    def complaint_reported(self, contract_id, period, complaint):
        # the contract's accepted performance returns of earlier quarters
        self.asked.add((COMPLAINTS, contract_id))
        return self.history.complaint_reported(contract_id, period, complaint)


_state: dict = {}


class _Values:
    """A return's cell values, read in the worker, as the picklable stand-in for the lazy
    ``sheet_values`` function a result carries when the reader provides one."""

    def __init__(self, values):
        self.values = values

    def __call__(self):
        return self.values


def _portable(result, keep_cells: bool):
    """The result made fit to cross to the calling process: the reader's lazy cell values
    (a closure over the open workbook) are read now when feedback will want them (a return
    with any finding), else dropped."""
    cells = getattr(result, "sheet_values", None)
    if cells is not None:
        wanted = keep_cells and (bool(result.findings) or result.status == "rejected")
        result.sheet_values = _Values(cells()) if wanted else None
    return result


def _start_worker(register, ledger_path: str | None, max_bytes: int,
                  keep_cells: bool = False, stage_in: str | None = None) -> None:
    from .ledger import db
    from .ledger.queries import LedgerHistory
    from .validation.result import NoHistory

    history = NoHistory()
    if ledger_path and Path(ledger_path).is_file():
        history = LedgerHistory(db.connect(ledger_path, readonly=True))
    _state.update(register=register, history=history, max_bytes=max_bytes,
                  keep_cells=keep_cells, stage_in=stage_in)


def _check_batch(tasks: list[tuple[Path, datetime | None]]) -> list[Prechecked]:
    return [_check(task) for task in tasks]


def _check(task: tuple[Path, datetime | None]) -> Prechecked:
    from .intake.safety import load_bounded
    from .pipeline import check_one  # the same check as one by one, surprises included

    path, received_at = task
    history = _Asking(_state["history"])
    loaded = load_bounded(path, max_bytes=_state["max_bytes"])
    result = check_one(path, _state["register"], history, max_bytes=_state["max_bytes"],
                       received_at=received_at, loaded=loaded)
    staged = _stage(loaded[0], result) if _state["stage_in"] and loaded[0] else None
    return Prechecked(path, result.sha256, received_at,
                      _portable(result, _state["keep_cells"]), frozenset(history.asked), staged)


def _stage(data: bytes, result) -> Path | None:
    """For ``ingest``: an acceptable file's bytes (``data``, the bytes checked) written and
    fsynced in its archive folder under a temporary name, so the one process that records
    only has to name it (see ``archive.archive_copy``). None when not acceptable, already
    in the ledger (a duplicate is not archived again), or when anything goes wrong: the
    recording process then copies the file itself, and says what went wrong."""
    from .ledger.queries import REJECTED, submission_by_sha
    from .workspace import Workspace

    if result.status != "accepted" or not result.sha256:
        return None
    conn = getattr(_state["history"], "conn", None)
    try:
        seen = submission_by_sha(conn, result.sha256) if conn is not None else None
        if seen is not None and seen.status != REJECTED:
            return None
        folder = Workspace(Path(_state["stage_in"])).archive_dir(result.period,
                                                                 result.contract_id)
        return stage_copy(folder, data, f"{result.contract_id}_{result.kind}_{result.sha256[:12]}")
    except (OSError, ValueError, sqlite3.Error):
        return None


def check_files(tasks: list[tuple[Path, datetime | None]], register, *,
                ledger_path: Path | None, max_bytes: int, workers: int,
                keep_cells: bool = False, stage_in: Path | None = None
                ) -> Iterator[Prechecked | None]:
    """Each (path, received time) checked in a worker, in order (None where it was not).
    ``keep_cells``: results that will get feedback keep the return's cell values.
    ``stage_in``: the workspace whose archive folders get a staged copy of each acceptable
    file (``Prechecked.staged``; whoever takes the result removes it if unused).

    The first file is checked here, before the workers start: what it loads on first use
    (bank holidays, lazily imported modules) is then shared by every worker, not redone.
    """
    args = (register, str(ledger_path) if ledger_path else None, max_bytes, keep_cells,
            str(stage_in) if stage_in else None)
    _start_worker(*args)
    try:
        yield _check(tasks[0])
    finally:
        _state.clear()  # the calling process keeps no ledger connection of a worker's
    batches = [tasks[i:i + BATCH] for i in range(1, len(tasks), BATCH)]
    done = ordered_map(_check_batch, batches, workers=workers, initializer=_start_worker,
                       initargs=args)
    for batch, checked in zip(batches, done):
        yield from checked if checked is not None else [None] * len(batch)


class Prechecks:
    """``ingest``'s view of the files being checked ahead: ``take(path)`` gives the worker's
    check of that file, in the order the files were handed out, or None. ``staged(path)``
    then gives the archive copy the worker staged for it, if any."""

    def __init__(self, results: Iterator[Prechecked | None] | None = None, last: Path | None = None):
        self._results = results
        self._last = last  # taking this path's result ends the pool
        self.recorded: set = set()  # (contract, period, kind) recorded by this run
        self._staged: dict[Path, Path] = {}
        self.pooled = results is not None

    def take(self, path: Path, sha256: str, received_at: datetime | None):
        """The worker's result for these bytes, or None when the caller must check the file
        itself: not checked, other bytes or received time, or its history changed since."""
        if self._results is None:
            return None
        found = None
        for done in self._results:
            if done is not None and done.path == path:
                found = done
                break
            if done is not None:  # a file the caller did not take (a duplicate)
                discard(done.staged)
        if path == self._last:
            self.close()
        if found is None:
            return None
        if found.sha256 != sha256 or found.received_at != received_at \
                or found.asked & self.recorded:
            discard(found.staged)
            return None
        if found.staged is not None:
            self._staged[path] = found.staged
        return found.result

    def staged(self, path: Path) -> Path | None:
        """The staged archive copy of ``path``'s bytes; the caller now owns it."""
        return self._staged.pop(path, None)

    def release(self, path: Path) -> None:
        """Remove the staged copy of ``path`` if the caller did not use it."""
        discard(self._staged.pop(path, None))

    def note_recorded(self, result) -> None:
        if result.contract_id and result.period and result.kind:
            self.recorded.update({(result.contract_id, result.period, result.kind),
                                  (YEAR, result.period.fy, result.period.quarter),
                                  (COMPLAINTS, result.contract_id)})

    def close(self) -> None:
        """End the pool (workers still running are stopped). Copies staged for files
        nobody took are temporary files the caller removes with ``atomic.remove_leftovers``."""
        if self._results is not None and hasattr(self._results, "close"):
            self._results.close()
        self._results = None
        for staged in self._staged.values():
            discard(staged)
        self._staged.clear()


def ingest_prechecks(paths: list[Path], received: Callable[[Path], datetime | None], register,
                     *, ledger_path: Path, max_bytes: int, workspace_root: Path) -> Prechecks:
    """Start checking the inbox files ahead of ``ingest`` when there are enough of them;
    the workers also stage each acceptable file's archive copy (``Prechecks.staged``)."""
    workers = workers_for(len(paths))
    if workers <= 1:
        return Prechecks()
    tasks = [(p, received(p)) for p in paths]
    return Prechecks(check_files(tasks, register, ledger_path=ledger_path, max_bytes=max_bytes,
                                 workers=workers, keep_cells=True, stage_in=workspace_root),
                     last=paths[-1])
