"""Benchmark: the engine against merely reading the cells, at office and national scale.

Run by hand (``make bench``); figures go into bench/RESULTS.md and issue notes, never into
timed assertions (tests run it once at N=20 to prove it still works).

    python bench/run.py                      # 100, 1,000 and 2,000 returns
    python bench/run.py --returns 300        # one size
    python bench/run.py --sizes 20,100 --no-results

For each size N, ``generate.return_set`` makes N returns (ceil(N/2) contracts of a
synthetic register, a performance and a financial return each) and this script times, each
stage in a fresh process so its peak RSS is its own:

    (a) floor: python-calamine reading every cell of every sheet of every file
    (b) naive: pandas.read_excel(engine="openpyxl") of every sheet (on a sample of files)
    (c) cm-excel validate of the folder
    (d) cm-excel ingest into an empty ledger (archive copies with fsync, ledger, feedback)
    (e) cm-excel consolidate of that quarter (empty inbox)
    (f) cm-excel annual over four quarters (the quarter's ledger rows copied to the other
        three), when this cm-excel has an ``annual`` command

Per-file figures leave out start-up: (a) and (b) time their loop inside the process; (c)
and (d) are the slope between a small batch (``SMALL`` files, enough to start the worker
pool and fill it) and the N files, (t_N - t_small) / (N - small), so reading the register
and starting and draining the workers are left out as they are for (a). (a) is timed
``REPEATS`` times and (c) and (d) as ``REPEATS`` pairs (small batch, N files) at N of a few
hundred or less, where a second of noise matters, and ``REPEATS_ABOVE`` times above that;
the median is kept (the median slope for (c) and (d)). So one disturbed run does not decide
a figure, and a first pass of the floor that reads the files from disk rather than from the
page cache (as every later stage does) does not make the floor look dearer than it is.
Ratios come from the same run, so they hold up on a busy machine when absolute seconds do
not.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

DEFAULT_SIZES = (100, 1000, 2000)
NAIVE_SAMPLE = 200  # pandas+openpyxl is slow: timed on this many files, per file extrapolated
# The small batch of the slope: enough files that the worker pool starts (MIN_FILES) and
# that the files checked ahead of the recording process (each worker runs ahead until its
# pipe is full, a few batches) fill and drain in full, as they do for N files: what is left
# is the cost per file.
SMALL = 50
VALIDATE_PASSES_UP_TO = 1000
REPEATS = 9  # timings of (a), and pairs of (c) and (d), at N <= REPEAT_BELOW
REPEAT_BELOW = 300
REPEATS_ABOVE = 3  # and above it
ANNUAL_AS_OF = "2027-05-28"


@dataclass
class Stage:
    label: str
    files: int = 0
    seconds: float | None = None  # wall, start-up included
    per_file_ms: float | None = None  # start-up excluded
    cpu_ms: float | None = None  # CPU (user + system, workers included) per file, start-up excluded
    rss_mb: float | None = None  # peak of the largest process
    note: str = ""

    @property
    def files_per_second(self) -> float | None:
        return 1000 / self.per_file_ms if self.per_file_ms else None


@dataclass
class SizeResult:
    n: int
    megabytes: float
    stages: dict[str, Stage] = field(default_factory=dict)

    def ratio(self, a: str, b: str, attr: str = "per_file_ms") -> float | None:
        x, y = self.stages.get(a), self.stages.get(b)
        if not x or not y or not getattr(x, attr) or not getattr(y, attr):
            return None
        return getattr(x, attr) / getattr(y, attr)


# --- stages run in their own process ---------------------------------------------------------

def _stage_floor(files: list[Path]) -> int:
    from python_calamine import CalamineWorkbook

    cells = 0
    for path in files:
        wb = CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            for row in wb.get_sheet_by_name(name).to_python():
                cells += len(row)
    return cells


def _stage_naive(files: list[Path]) -> int:
    import warnings

    import pandas as pd

    warnings.simplefilter("ignore")  # openpyxl's "data validation not supported" and the like
    cells = 0
    for path in files:
        frames = pd.read_excel(path, sheet_name=None, engine="openpyxl")
        cells += sum(frame.size for frame in frames.values())
    return cells


def _in_process_stage(kind: str, folder: str, limit: int, repeats: int = 1) -> None:
    """Entry point of ``--stage``: time the loop (the median of ``repeats``), print JSON."""
    files = sorted(Path(folder).glob("*.xlsx"))[:limit or None]
    fn = {"floor": _stage_floor, "naive": _stage_naive}[kind]
    fn(files[:1])  # imports and first-call set-up are start-up, not per-file cost
    timings = []
    for _ in range(repeats):
        start, started_cpu = time.perf_counter(), time.process_time()
        cells = fn(files)
        timings.append((time.perf_counter() - start, time.process_time() - started_cpu))
    seconds, cpu = sorted(timings)[len(timings) // 2]
    print(json.dumps({"files": len(files), "seconds": seconds, "cpu": cpu, "cells": cells}))


@dataclass
class Ran:
    seconds: float  # wall
    cpu: float  # user + system seconds of the process and the workers it waited for
    rss_mb: float  # peak RSS of the largest single process
    returncode: int
    out: str


# Linux keeps a process's peak RSS across exec, so a command started straight from this
# process would report this process's own peak (the generated returns and all) whenever
# its own is lower. A small Python process starts it instead and reports its figures.
_MEASURE = """
import json, os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:])
_pid, status, usage = os.wait4(proc.pid, 0)
print(json.dumps({"seconds": time.perf_counter() - start, "maxrss": usage.ru_maxrss,
                  "cpu": usage.ru_utime + usage.ru_stime,
                  "code": os.waitstatus_to_exitcode(status)}), file=sys.stderr)
"""


def _run(argv: list[str], env: dict | None = None) -> Ran:
    """Run a command to its end and measure it (through ``_MEASURE``)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        subprocess.run([sys.executable, "-c", _MEASURE, *argv], stdout=out, stderr=err,
                       env=env, check=False)
        out.seek(0)
        err.seek(0)
        text, errors = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    lines = errors.rstrip().splitlines()
    try:
        got = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise RuntimeError(f"{' '.join(argv)} could not be measured:\n{errors[-2000:]}")
    if got["code"] not in (0, 1):
        raise RuntimeError(f"{' '.join(argv)} exited {got['code']}:\n{errors[-2000:]}")
    kib = got["maxrss"] if sys.platform != "darwin" else got["maxrss"] / 1024
    return Ran(got["seconds"], got["cpu"], kib / 1024, got["code"], text)


def _cm_excel() -> list[str]:
    script = Path(sys.executable).parent / "cm-excel"
    return [str(script)] if script.exists() else [sys.executable, "-c",
                                                  "from cm_excel.cli import main; main()"]


def has_annual() -> bool:
    """True when this cm-excel has an ``annual`` command."""
    return subprocess.run(_cm_excel() + ["annual", "--help"], capture_output=True).returncode == 0


# --- one size --------------------------------------------------------------------------------

def bench_size(n: int, *, naive_sample: int = NAIVE_SAMPLE, cache: Path | None = None,
               env: dict | None = None, echo=print) -> SizeResult:
    from generate import AS_OF, CACHE, PERIOD, return_set
    from cm_excel.workspace import Workspace

    rs = return_set(n, cache=cache or CACHE, echo=echo)
    result = SizeResult(n, rs.megabytes)
    cm = _cm_excel()
    repeats = REPEATS if n <= REPEAT_BELOW else REPEATS_ABOVE
    with tempfile.TemporaryDirectory(prefix="cm-bench-") as tmp:
        tmp = Path(tmp)
        # (a), (b): loops timed inside their process.
        for key, label, limit, times in (
                ("a", "floor: calamine, every cell", 0, repeats),
                ("b", "naive: pandas read_excel (openpyxl)", naive_sample, 1)):
            ran = _run([sys.executable, str(Path(__file__)), "--stage", key, str(rs.returns),
                        str(limit), str(times)], env)
            info = json.loads(ran.out.strip().splitlines()[-1])
            per = info["seconds"] / info["files"] * 1000
            note = f"timed on {info['files']} files" if info["files"] < n else ""
            result.stages[key] = Stage(label, n, per * n / 1000 if note else info["seconds"],
                                       per, info["cpu"] / info["files"] * 1000, ran.rss_mb,
                                       note)
        # The small batch: both returns of every k-th contract, so the files it leaves out
        # are the same mix of contracts and kinds as all N (the first files are all clones
        # of one contract; every other file is a financial return).
        small = min(SMALL, n // 2)
        step = max(1, n // small)
        sample = [f for i, f in enumerate(rs.files) if (i // 2) % step == 0][:small]
        few = tmp / "small"
        few.mkdir()
        for f in sample:
            shutil.copy2(f, few / f.name)
        # (c) validate, on a workspace with no ledger; below VALIDATE_PASSES_UP_TO files the
        # folders are given several times in one run, so the slope spans enough checks.
        ws = _workspace(tmp / "validate", rs.register)
        passes = max(1, VALIDATE_PASSES_UP_TO // n)
        base, (ran, _) = _median_pair(
            repeats, passes * (n - small),
            lambda: _run(cm + ["--workspace", str(ws), "validate", *[str(few)] * passes], env),
            lambda: (_run(cm + ["--workspace", str(ws), "validate",
                                *[str(rs.returns)] * passes], env), None))
        result.stages["c"] = _per_file("cm-excel validate", n, ran, base, small, passes)
        if passes > 1:
            result.stages["c"].note = f"each file checked {passes} times in one run"
        echo(f"  N={n}: validate {ran.seconds:.1f} s")

        # (d) ingest into an empty ledger; (e) consolidate it.
        def ingest(files: list[Path], name: str) -> tuple[Ran, Path]:
            ws = _workspace(tmp / name, rs.register)
            for f in files:
                shutil.copy2(f, ws / "inbox" / f.name)
            return _run(cm + ["--workspace", str(ws), "--as-of", AS_OF, "ingest"], env), ws

        base, (ran, ws) = _median_pair(
            repeats, n - small,
            lambda: ingest(sample, f"few-{time.time_ns()}")[0],
            lambda: ingest(rs.files, f"ingest-{time.time_ns()}"))
        result.stages["d"] = _per_file("cm-excel ingest (empty ledger)", n, ran, base, small)
        result.stages["d"].note = _outcomes(ran.out)
        echo(f"  N={n}: ingest {ran.seconds:.1f} s")
        quarter = [f"Q{PERIOD.quarter}", "--year", str(PERIOD.fy)]
        ran = _run(cm + ["--workspace", str(ws), "--as-of", AS_OF, "consolidate", *quarter], env)
        result.stages["e"] = _per_file("cm-excel consolidate (one quarter)", n, ran)
        echo(f"  N={n}: consolidate {ran.seconds:.1f} s")
        label = "cm-excel annual (four quarters)"
        if has_annual():
            copy_quarter_to_year(Workspace(ws).ledger_path, PERIOD.fy, PERIOD.quarter)
            ran = _run(cm + ["--workspace", str(ws), "--as-of", ANNUAL_AS_OF, "annual",
                             "--year", str(PERIOD.fy)], env)
            result.stages["f"] = _per_file(label, 4 * n, ran)
            echo(f"  N={n}: annual {ran.seconds:.1f} s")
        else:
            result.stages["f"] = Stage(label, 4 * n, note="n/a (no annual command)")
    return result


def _outcomes(text: str) -> str:
    """The inbox summary's non-zero counts, e.g. "1000 accepted, 1000 with warnings"."""
    found = re.findall(r"^  (accepted|accepted with queries or warnings|rejected|held|"
                       r"duplicate|skipped) +(\d+)$", text, re.M)
    short = {"accepted with queries or warnings": "with queries/warnings"}
    return ", ".join(f"{n} {short.get(what, what)}" for what, n in found if n != "0")


def _median_pair(times: int, files: int, small, full):
    """``times`` pairs of runs (``small()``, ``full()``); the pair whose slope per file,
    (full - small) / ``files``, is the median. ``full`` returns (Ran, anything)."""
    pairs = [(small(), full()) for _ in range(times)]
    pairs.sort(key=lambda p: (p[1][0].seconds - p[0].seconds) / files)
    return pairs[len(pairs) // 2]


def _per_file(label: str, n: int, ran: Ran, base: Ran | None = None, base_files: int = 0,
              passes: int = 1) -> Stage:
    """A command's figures, per file: the slope from ``base`` (the same command on
    ``base_files`` of the files) when given, so start-up is left out; ``passes``: each file
    was checked that many times in the run."""
    files = passes * (n - (base_files if base else 0))
    seconds = ran.seconds - (base.seconds if base else 0)
    cpu = ran.cpu - (base.cpu if base else 0)
    return Stage(label, n, ran.seconds, seconds / files * 1000, cpu / files * 1000, ran.rss_mb)


def _workspace(root: Path, register: Path) -> Path:
    for sub in ("inbox", "outbox", "archive"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(register, root / "register.xlsx")
    return root


def copy_quarter_to_year(ledger: Path, fy: int, quarter: int) -> None:
    """Give the ledger four quarters: every submission of (fy, quarter), with its findings and
    values, copied to the year's other quarters (file names and hashes made distinct)."""
    conn = sqlite3.connect(ledger)
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%submission_id%'")]
    sub_cols = [r[1] for r in conn.execute("PRAGMA table_info(submissions)") if r[1] != "id"]
    with conn:
        subs = conn.execute("SELECT id FROM submissions WHERE fy = ? AND quarter = ?",
                            (fy, quarter)).fetchall()
        for q in (q for q in range(1, 5) if q != quarter):
            for (old,) in subs:
                picks = [("quarter" if c == "quarter" else
                          f"{c} || '-q{q}'" if c in ("sha256", "original_name") else c)
                         for c in sub_cols]
                new = conn.execute(
                    f"INSERT INTO submissions ({', '.join(sub_cols)}) SELECT "
                    f"{', '.join(picks)} FROM submissions WHERE id = ?", (old,)).lastrowid
                conn.execute("UPDATE submissions SET quarter = ?, superseded_by = NULL "
                             "WHERE id = ?", (q, new))
                for table in tables:
                    cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")
                            if r[1] not in ("id", "submission_id")]
                    if table == "restatements":
                        continue
                    picks = ["?" if c == "quarter" else c for c in cols]
                    args = [q] if "quarter" in cols else []
                    conn.execute(
                        f"INSERT INTO {table} (submission_id, {', '.join(cols)}) SELECT ?, "
                        f"{', '.join(picks)} FROM {table} WHERE submission_id = ?",
                        (new, *args, old))
    conn.close()


# --- the table -------------------------------------------------------------------------------

def _fmt(value, spec: str, dash: str = "—") -> str:
    return dash if value is None else format(value, spec)


def table(results: list[SizeResult]) -> list[str]:
    """The results as Markdown table lines."""
    lines = ["| N | stage | files | MB | wall s | ms/file | files/s | CPU ms/file | "
             "peak RSS MB | note |", "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        for key, st in r.stages.items():
            lines.append(
                f"| {r.n:,} | ({key}) {st.label} | {st.files:,} | {r.megabytes:.1f} | "
                f"{_fmt(st.seconds, '.2f')} | {_fmt(st.per_file_ms, '.2f')} | "
                f"{_fmt(st.files_per_second, ',.0f')} | {_fmt(st.cpu_ms, '.2f')} | "
                f"{_fmt(st.rss_mb, '.0f')} | {st.note} |")
    lines += ["", "| N | c/a (target ≤ 3) | d/a (target ≤ 6) | b/c (target ≥ 10) | "
                  "c/a by CPU | d/a by CPU | consolidate s | annual s |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        f = r.stages.get("f")
        lines.append(f"| {r.n:,} | {_fmt(r.ratio('c', 'a'), '.1f')} | "
                     f"{_fmt(r.ratio('d', 'a'), '.1f')} | {_fmt(r.ratio('b', 'c'), '.1f')} | "
                     f"{_fmt(r.ratio('c', 'a', 'cpu_ms'), '.1f')} | "
                     f"{_fmt(r.ratio('d', 'a', 'cpu_ms'), '.1f')} | "
                     f"{_fmt(r.stages['e'].seconds, '.1f')} | "
                     f"{_fmt(f.seconds if f else None, '.1f', f.note if f else '—')} |")
    if len(results) > 1:
        first, last = results[0], results[-1]
        for key in ("c", "d"):
            a, b = first.stages[key].per_file_ms, last.stages[key].per_file_ms
            if a and b:
                lines.append(f"\n({key}) per-file cost at N={last.n:,} is {b / a:.2f}× that at "
                             f"N={first.n:,} (target ≤ 1.25).")
    return lines


def environment() -> list[str]:
    """Core count, Python and library versions, for the results file."""
    from importlib.metadata import PackageNotFoundError, version

    libs = []
    for dist in ("cm-excel", "python-calamine", "openpyxl", "XlsxWriter", "pandas", "defusedxml"):
        try:
            libs.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            libs.append(f"{dist} (not installed)")
    try:
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "n/a"
    return [f"- machine: {platform.platform()}, {os.cpu_count()} cores "
            f"(load average at the end {load})",
            f"- Python {platform.python_version()}; " + ", ".join(libs),
            f"- workers: {os.environ.get('CM_EXCEL_WORKERS', 'default (one per core)')}"]


def main(argv: list[str] | None = None) -> list[SizeResult]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--returns", type=int, help="one size N")
    parser.add_argument("--sizes", help="comma-separated sizes (default 100,1000,2000)")
    parser.add_argument("--naive-sample", type=int, default=NAIVE_SAMPLE,
                        help="files for the slow pandas path (0: all)")
    parser.add_argument("--results", default=str(HERE / "RESULTS.md"),
                        help="Markdown file to write (default bench/RESULTS.md)")
    parser.add_argument("--no-results", action="store_true", help="print only")
    parser.add_argument("--cache", help="folder for generated returns (default bench/.cache)")
    parser.add_argument("--stage", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stage:
        kind = {"a": "floor", "b": "naive"}[args.stage[0]]
        _in_process_stage(kind, args.stage[1], int(args.stage[2]), int(args.stage[3]))
        return []
    sizes = ([args.returns] if args.returns else
             [int(s) for s in args.sizes.split(",")] if args.sizes else list(DEFAULT_SIZES))
    cache = Path(args.cache) if args.cache else None
    results = [bench_size(n, naive_sample=args.naive_sample, cache=cache) for n in sizes]
    lines = table(results) + [""] + environment()
    print("\n".join(lines))
    if not args.no_results:
        _write_results(Path(args.results), lines)
    return results


def _write_results(path: Path, lines: list[str]) -> None:
    head = ("# Benchmark results\n\nWritten by `make bench` (`python bench/run.py`); see the "
            "docstring of bench/run.py for what each stage measures. Per-file figures leave "
            "out start-up (for (c) and (d), the slope between 50 files and N); each of (a), "
            "(c) and (d) is the median of 9 timings at N <= 300 and of 3 above. Peak RSS is "
            "that of the largest single process (each worker is its own). Absolute seconds "
            "depend on the machine and on what else runs on it: compare the ratios from one "
            "run, and the CPU columns, which a busy machine disturbs far less than wall "
            "time.\n\n")
    notes = path.with_name("NOTES.md")
    tail = f"\n\nSee {notes.name} for the profiles and the before/after figures.\n" \
        if notes.exists() else "\n"
    path.write_text(head + "\n".join(lines) + tail, encoding="utf-8")
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
