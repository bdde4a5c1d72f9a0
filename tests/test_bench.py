"""The benchmark still runs: one small run (N=20) end to end, no timing asserted."""

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "run.py"


def test_bench_runs_at_twenty_returns(tmp_path):
    results = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, str(BENCH), "--returns", "20", "--naive-sample", "3",
         "--cache", str(tmp_path / "cache"), "--results", str(results)],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    text = results.read_text(encoding="utf-8")
    for stage in "abcdef":
        assert re.search(rf"^\| 20 \| \({stage}\) ", text, re.M), stage
    # Every measured stage has figures; (f) has them or says why not.
    for stage in "abcde":
        row = next(l for l in text.splitlines() if l.startswith(f"| 20 | ({stage})"))
        assert "—" not in row, row
    f_row = next(l for l in text.splitlines() if l.startswith("| 20 | (f)"))
    assert "n/a (no annual command)" in f_row or "—" not in f_row
    assert re.search(r"^\| 20 \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|", text, re.M)  # ratios
    assert re.search(r"\b\d+ cores\b", text)
    assert "python-calamine" in text and "openpyxl" in text
    assert len(list((tmp_path / "cache").glob("n20-*/returns/*.xlsx"))) == 20
