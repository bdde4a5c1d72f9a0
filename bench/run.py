"""Benchmark: the cost of checking a return against merely reading its cells.

Run by hand (``make bench``); figures go into issue notes, never into timed assertions.

    python bench/run.py [--returns 200]

Builds one valid performance return from the starter register, copies it N times, and
times (1) python-calamine reading every cell of every sheet, (2) the engine's full path
(safety check, read, validate), (3) a naive pandas read of every sheet with openpyxl.
Prints per-return milliseconds, the ratio to the calamine baseline and peak RSS.
Then (4) a whole ``ingest`` (safety check, read, validate, archive, ledger) of N and 2N
distinct returns in fresh workspaces, to show the cost grows linearly.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from python_calamine import CalamineWorkbook  # noqa: E402

from cm_excel.intake.reader import read_return  # noqa: E402
from cm_excel.intake.safety import check_file  # noqa: E402
from cm_excel.periods import Period  # noqa: E402
from cm_excel.register.reader import read_register  # noqa: E402
from cm_excel.validation.validate import validate_return  # noqa: E402
from cm_excel.workspace import init_workspace  # noqa: E402


def _calamine_all_cells(path: Path) -> int:
    wb = CalamineWorkbook.from_path(str(path))
    count = 0
    for name in wb.sheet_names:
        for row in wb.get_sheet_by_name(name).to_python():
            count += len(row)
    return count


def _engine(path: Path, register) -> int:
    verdict = check_file(path, max_bytes=20 * 1024 * 1024)
    assert verdict.ok, verdict.sentence
    result = validate_return(read_return(path), register)
    return len(result.findings)


def _pandas_naive(path: Path) -> int:
    import pandas as pd

    frames = pd.read_excel(path, sheet_name=None, engine="openpyxl")
    return sum(frame.size for frame in frames.values())


def _time(label, fn, files, baseline=None):
    start = time.perf_counter()
    for f in files:
        fn(f)
    per = (time.perf_counter() - start) / len(files) * 1000
    ratio = f"  x{per / baseline:.1f} of calamine" if baseline else ""
    print(f"{label:<34} {per:8.2f} ms/return{ratio}")
    return per


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--returns", type=int, default=200)
    args = parser.parse_args()
    from cm_excel.templates.fill import fill_return
    from cm_excel.templates.writer import write_templates

    with tempfile.TemporaryDirectory() as tmp:
        ws = init_workspace(Path(tmp) / "ws")
        register = read_register(ws.register_path)
        period = Period(2026, 2)
        templates = write_templates(register, period, Path(tmp) / "t")
        template = next(p for p in templates if "_performance_" in p.name)
        contract_id = template.name.split("_")[0]
        kpis = {}
        for sla in register.sla_in_force(contract_id, period):
            kpi = register.kpis[sla.kpi_code]
            kpis[kpi.code] = ({"Numerator": 90, "Denominator": 100} if kpi.is_ratio
                              else {"Actual": sla.target or 10})
        one = Path(tmp) / "one.xlsx"
        fill_return(template, one, kpis=kpis, sign_off={
            "Prepared By": "A", "Approved By": "B", "Sign-off Date": period.end})
        files = []
        for i in range(args.returns):
            target = Path(tmp) / f"r{i:04d}.xlsx"
            shutil.copyfile(one, target)
            files.append(target)
        print(f"{args.returns} returns of {one.stat().st_size:,} bytes")
        base = _time("calamine, every cell", _calamine_all_cells, files)
        _time("cm-excel check + read + validate", lambda f: _engine(f, register), files, base)
        _time("pandas read_excel (openpyxl)", _pandas_naive, files[: max(args.returns // 10, 5)],
              base)
        for n in (args.returns // 2, args.returns):
            _bench_ingest(Path(tmp) / f"ingest{n}", template, kpis, period, n)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS {peak_mb:.0f} MB")


def _bench_ingest(root: Path, template: Path, kpis: dict, period, n: int) -> None:
    """Ingest n distinct returns (each differs in one Commentary) into a fresh workspace."""
    from cm_excel.pipeline import ingest
    from cm_excel.templates.fill import fill_return

    ws = init_workspace(root)
    register = read_register(ws.register_path)
    first = next(iter(kpis))
    for i in range(n):
        varied = {code: dict(values) for code, values in kpis.items()}
        varied[first]["Commentary"] = f"Return {i}"
        fill_return(template, ws.inbox / f"r{i:04d}.xlsx", kpis=varied, sign_off={
            "Prepared By": "A", "Approved By": "B", "Sign-off Date": period.end})
    start = time.perf_counter()
    report = ingest(ws, register)
    seconds = time.perf_counter() - start
    print(f"ingest {n:>4} returns {seconds:8.2f} s  {seconds / n * 1000:8.2f} ms/return  "
          f"({len(report.accepted)} accepted, {len(report.rejected)} rejected)")


if __name__ == "__main__":
    main()
