"""Run the real console script as a child process and measure what it cost.

The child's own CPU time and peak resident memory come from ``os.wait4`` (its rusage
alone, not every child the test process ever had). A hard address-space limit and a wall
clock timeout keep a runaway child (as today's feedback step was on a whole-sheet merge)
from taking the machine down with it.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

CM_EXCEL = str(Path(sys.executable).parent / "cm-excel")
MiB = 1024 * 1024


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    cpu_seconds: float  # user + system time of the child
    wall_seconds: float
    peak_mib: float  # peak resident set size of the child
    timed_out: bool


def run_bounded(*args: str, cwd: Path | None = None, timeout: float = 60,
                address_space_mib: int = 3072) -> Run:
    """``cm-excel *args`` under an address-space cap, killed after ``timeout`` seconds."""
    out_path = Path(cwd or ".") / ".run-stdout"
    err_path = Path(cwd or ".") / ".run-stderr"
    cap = address_space_mib * MiB

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    env = dict(os.environ, PYTHONWARNINGS="ignore", COLUMNS="120")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.monotonic()
        proc = subprocess.Popen([CM_EXCEL, *args], stdout=out, stderr=err, cwd=cwd,
                                preexec_fn=limit, env=env)
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > timeout:
                os.kill(proc.pid, signal.SIGKILL)
                timed_out = True
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
    text = out_path.read_text("utf-8", "replace"), err_path.read_text("utf-8", "replace")
    out_path.unlink()
    err_path.unlink()
    return Run(proc.returncode, text[0], text[1], usage.ru_utime + usage.ru_stime, wall,
               usage.ru_maxrss / 1024, timed_out)
