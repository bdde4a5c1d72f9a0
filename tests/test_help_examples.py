"""Every ``Example:`` line of every ``--help`` runs for real, through the console script,
in a temporary workspace that holds what the example needs (a register, returns in the
ledger and the inbox, a held return numbered 7)."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cm_excel import pipeline
from cm_excel.cli import cli
from cm_excel.periods import Period
from cm_excel.register.reader import read_register
from cm_excel.workspace import Workspace

from builders import good_kpis, make_return, sign_off_for
from ingest_fixtures import set_received

CM_EXCEL = str(Path(sys.executable).parent / "cm-excel")
Q2, Q3 = Period(2026, 2), Period(2026, 3)


def _commands(group: click.Group, prefix=()):
    yield prefix, group
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))
        else:
            yield prefix + (name,), command


def examples_of(path: tuple[str, ...]) -> list[str]:
    """The command lines shown under ``Example:`` in one command's help."""
    text = CliRunner().invoke(cli, [*path, "--help"]).output
    block = text.split("Example:", 1)[-1].split("Options:", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip().startswith("cm-excel ")]


EXAMPLES = list(dict.fromkeys(e for path, _ in _commands(cli) for e in examples_of(path)))


@pytest.mark.parametrize("path", [p for p, _ in _commands(cli)], ids=lambda p: " ".join(p) or "cm-excel")
def test_every_command_shows_an_example_command_line(path):
    assert examples_of(path)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """A workspace with six returns for 2026-27 Q2 in the ledger, a seventh held (its file
    name names another contract), and a good 2026-27 Q3 return waiting in the inbox."""
    root = tmp_path_factory.mktemp("examples") / "ws"
    assert CliRunner().invoke(cli, ["init", str(root)]).exit_code == 0
    ws = Workspace(root)
    register = read_register(ws.register_path)
    contracts = [c.contract_id for c in register.active_contracts(Q2)][:3]
    received = datetime(2026, 10, 20, 10, 0, tzinfo=timezone.utc)
    for cid in contracts:
        for kind in ("performance", "financial"):
            set_received(make_return(ws.inbox, cid, kind, Q2, register=register), received)
    pipeline.ingest(ws, register, now=received)
    kpis = good_kpis(register, contracts[0], Q2)
    for row in kpis.values():
        row["Commentary"] = "Sent again."
    wrong = make_return(ws.inbox, contracts[0], "performance", Q2, register=register,
                        kpis=kpis, name=f"{contracts[1]}_performance_2026-27-Q2.xlsx")
    set_received(wrong, received)
    held = pipeline.ingest(ws, register, now=received).files[0]
    assert held.outcome is pipeline.Outcome.HELD and held.submission_id == 7
    sign_off = {**sign_off_for(Q3), "Sign-off Date": date(2026, 11, 20)}
    make_return(ws.inbox, "VS-001", "performance", Q3, register=register, sign_off=sign_off,
                name="VS-001_performance_2026-27-Q3.xlsx")
    return root


def run_example(example: str, cwd: Path) -> list[subprocess.CompletedProcess]:
    done = []
    for part in example.split("&&"):
        args = shlex.split(part)
        assert args[0] == "cm-excel"
        done.append(subprocess.run([CM_EXCEL, *args[1:]], cwd=cwd, capture_output=True,
                                   text=True, timeout=600))
        if done[-1].returncode:
            break
    return done


@pytest.mark.parametrize("example", EXAMPLES)
def test_help_example_runs(example, prepared, tmp_path):
    cwd = tmp_path / "here"
    if shlex.split(example)[1] == "init":
        cwd.mkdir()  # init makes its own workspace
    else:
        shutil.copytree(prepared, cwd)
        if "--workspace ws" in example:
            shutil.copytree(prepared, cwd / "ws")
    for done in run_example(example, cwd):
        assert done.returncode == 0, f"{example}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr and "Internal error" not in done.stderr
