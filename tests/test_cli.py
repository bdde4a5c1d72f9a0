"""The command line through click's CliRunner: help, exit codes, one-line errors."""

import click
import pytest
from click.testing import CliRunner

from cm_excel.cli import cli


def _commands(group: click.Group, prefix=()):
    for name, command in sorted(group.commands.items()):
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


@pytest.mark.parametrize("path", [p for p, _ in _commands(cli)], ids=" ".join)
def test_every_command_has_help_with_an_example(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output


def test_top_level_help_has_an_example():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0 and "Example:" in result.output


def test_missing_register_is_one_line_exit_1(tmp_path):
    result = CliRunner().invoke(cli, ["--workspace", str(tmp_path), "templates", "Q3",
                                      "--year", "2026"])
    assert result.exit_code == 1
    assert "no register here" in result.output
    assert "Traceback" not in result.output


def test_bad_quarter_is_a_usage_error(tmp_path):
    CliRunner().invoke(cli, ["init", str(tmp_path / "ws")])
    result = CliRunner().invoke(cli, ["--workspace", str(tmp_path / "ws"), "templates", "Q7"])
    assert result.exit_code == 2
    assert "'Q7' is not a quarter" in result.output


def test_bad_as_of_is_a_usage_error():
    result = CliRunner().invoke(cli, ["--as-of", "25/11/2026", "status", "Q3"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


def test_init_creates_a_workspace_and_refuses_to_overwrite(tmp_path):
    ws = tmp_path / "ws"
    first = CliRunner().invoke(cli, ["init", str(ws)])
    assert first.exit_code == 0, first.output
    for part in ("register.xlsx", "inbox", "outbox", "archive"):
        assert (ws / part).exists()
    before = (ws / "register.xlsx").read_bytes()
    second = CliRunner().invoke(cli, ["init", str(ws)])
    assert second.exit_code == 1
    assert "already exists" in second.output
    assert (ws / "register.xlsx").read_bytes() == before


def test_templates_prints_the_resolved_period(tmp_path):
    ws = tmp_path / "ws"
    CliRunner().invoke(cli, ["init", str(ws)])
    result = CliRunner().invoke(cli, ["--workspace", str(ws), "--as-of", "2026-11-25",
                                      "templates", "Q3"])
    assert result.exit_code == 0, result.output
    assert "2026-27 Q3 (1 Oct 2026 to 31 Dec 2026)" in result.output  # the coming Q3
    written = sorted((ws / "outbox" / "templates" / "2026-27-Q3").glob("*.xlsx"))
    assert written and len(written) % 2 == 0


def test_debug_shows_the_traceback(tmp_path):
    result = CliRunner().invoke(cli, ["--debug", "--workspace", str(tmp_path), "templates",
                                      "Q3", "--year", "2026"])
    assert result.exit_code != 0
    assert result.exception is not None and not isinstance(result.exception, SystemExit)


def test_held_resubmission_listed_then_applied_through_the_cli(tmp_path):
    from builders import good_kpis
    from cm_excel import pipeline
    from ingest_fixtures import AFTER_NEXT_QUARTER, NOW, drop, make_register, make_workspace

    ws = make_workspace(tmp_path / "ws")
    register = make_register()
    drop(ws, name="v1.xlsx", register=register)
    pipeline.ingest(ws, register, now=NOW)
    kpis = good_kpis(register, "VS-001")
    kpis["SUPPORTED"]["Actual"] = 700
    drop(ws, name="v2.xlsx", register=register, kpis=kpis, received=AFTER_NEXT_QUARTER)
    pipeline.ingest(ws, register, now=NOW)

    listed = CliRunner().invoke(cli, ["--workspace", str(ws.root), "held", "list"])
    assert listed.exit_code == 0, listed.output
    assert "VS-001 performance 2026-27 Q3 v2" in listed.output
    ref = listed.output.split("#")[1].split()[0]
    applied = CliRunner().invoke(cli, ["--workspace", str(ws.root), "held", "apply", ref])
    assert applied.exit_code == 0, applied.output
    assert "SUPPORTED Actual" in applied.output and "-> 700" in applied.output
    again = CliRunner().invoke(cli, ["--workspace", str(ws.root), "held", "list"])
    assert "No returns are held." in again.output
    unknown = CliRunner().invoke(cli, ["--workspace", str(ws.root), "held", "decline", "999"])
    assert unknown.exit_code != 0 and "Traceback" not in unknown.output


# SPEC "The provider templates": the public contract, written out as the spec gives it.
SPEC_TABLES = {
    "performance": {
        "PerformanceReturn": ["KPI Code", "KPI", "Unit", "Target", "Numerator", "Denominator",
                              "Actual", "Commentary"],
        "Incidents": ["Date", "Description", "Clients Affected", "Estimated Cost (£)",
                      "Harm Caused", "Provider Negligence", "Reputational Risk", "Action Taken"],
        "Complaints": ["Date Received", "Category", "Summary", "Outcome", "Resolved Date"],
        "Risks": ["Risk", "Likelihood", "Impact", "Mitigation", "Owner", "Status"],
        "Improvements": ["Action", "Due Date", "Status", "Progress"],
    },
    "financial": {
        "FinancialReturn": ["Budget Line", "Annual Budget", "Quarter Budget", "Quarter Actual",
                            "Year To Date Actual", "Forecast Outturn", "Variance Explanation"],
    },
}


def test_init_then_templates_gives_two_spec_templates_per_active_contract(tmp_path):
    import openpyxl

    from cm_excel.periods import Period
    from cm_excel.register.reader import read_register

    ws = tmp_path / "ws"
    assert CliRunner().invoke(cli, ["init", str(ws)]).exit_code == 0
    result = CliRunner().invoke(cli, ["--workspace", str(ws), "templates", "Q3", "--year", "2026"])
    assert result.exit_code == 0, result.output
    active = read_register(ws / "register.xlsx").active_contracts(Period(2026, 3))
    folder = ws / "outbox" / "templates" / "2026-27-Q3"
    written = sorted(p.name for p in folder.iterdir())
    assert written == sorted(f"{c.contract_id}_{kind}_2026-27-Q3.xlsx"
                             for c in active for kind in SPEC_TABLES)
    for name in written:
        kind = name.split("_")[1]
        book = openpyxl.load_workbook(folder / name)
        found = {}
        for sheet in book.worksheets:
            for table in sheet.tables.values():
                top_left = table.ref.split(":")[0]
                row = sheet[top_left].row
                first = sheet[top_left].column
                found[table.name] = [c.value for c in sheet[row]][first - 1:][
                    :len(table.tableColumns)]
        assert {t: h[:len(SPEC_TABLES[kind][t])] for t, h in found.items()} == SPEC_TABLES[kind]


def test_progress_is_a_bar_on_a_terminal_and_lines_in_a_log(tmp_path, capsys):
    from cm_excel.cli import TerminalProgress
    from cm_excel.pipeline import FileOutcome, Outcome
    from cm_excel.render import progress_bar

    assert progress_bar(0, 4, width=8) == "[--------] 0/4"
    assert progress_bar(3, 12, width=8) == "[##------]  3/12"
    assert progress_bar(12, 12, width=8) == "[########] 12/12"

    done = FileOutcome("a.xlsx", tmp_path / "a.xlsx", Outcome.ACCEPTED, version=1)
    for tty in (True, False):
        show = TerminalProgress(tty=tty)
        show("ingest.start", files=1)
        show("ingest.file", name="a.xlsx", index=1, total=1)
        show("ingest.outcome", outcome=done)
        show("ingest.done", report=None)
    err = capsys.readouterr().err
    assert "[########################] 1/1 a.xlsx" in err  # the bar, redrawn in place
    assert "  a.xlsx: accepted (v1)" in err
    assert "  [1/1] a.xlsx ... accepted (v1)" in err  # the log form
