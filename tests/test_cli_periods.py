"""The right period, always (SPEC "Periods"): bare quarters for templates and for reports,
on each side of a quarter's end; provisional consolidation of an unfinished quarter; global
options after the command name. Through the CLI, on a real workspace made by ``init``."""

from __future__ import annotations

from datetime import date, datetime, timezone

import openpyxl
import pytest
from click.testing import CliRunner

from cm_excel.cli import cli
from cm_excel.periods import Period
from cm_excel.register.reader import read_register

Q3 = Period(2026, 3)  # 1 Oct to 31 Dec 2026; returns due by 29 Jan 2027


@pytest.fixture(scope="module")
def starter(tmp_path_factory):
    """A workspace made by ``cm-excel init`` (copied per test with ``fresh``)."""
    root = tmp_path_factory.mktemp("starter") / "ws"
    assert CliRunner().invoke(cli, ["init", str(root)]).exit_code == 0
    return root


@pytest.fixture
def fresh(starter, tmp_path):
    import shutil

    target = tmp_path / "ws"
    shutil.copytree(starter, target)
    return target


def run(ws, *args):
    """Global options after the command name, as people type them."""
    return CliRunner().invoke(cli, [*args, "--workspace", str(ws)])


def period_line(result) -> str:
    return next(line for line in result.output.splitlines() if line.startswith("Period: "))


# --- templates: the quarter now running, or the next of that name --------------------------


def test_templates_q3_before_its_end_is_the_coming_q3(fresh):
    result = run(fresh, "templates", "Q3", "--as-of", "2026-12-30")
    assert result.exit_code == 0, result.output
    assert period_line(result) == "Period: 2026-27 Q3 (1 Oct 2026 to 31 Dec 2026)"
    active = read_register(fresh / "register.xlsx").active_contracts(Q3)
    assert len(list((fresh / "outbox" / "templates" / "2026-27-Q3").glob("*.xlsx"))) \
        == 2 * len(active)


def test_templates_q2_from_its_last_day_is_next_years_q2(fresh):
    for as_of in ("2026-09-30", "2026-10-01"):
        result = run(fresh, "templates", "Q2", "--as-of", as_of)
        assert period_line(result) == "Period: 2027-28 Q2 (1 Jul 2027 to 30 Sep 2027)"
        # no contract active then has budget lines for 2027-28 in the starter register
        assert result.exit_code == 1
        assert "VS-002: no budget lines for 2027-28" in result.output
        assert not (fresh / "outbox" / "templates" / "2027-28-Q2").exists()


def _blank_rows_of(register_path, sheet: str, contract_id: str) -> None:
    """Clear a contract's rows on one register sheet, as the PDM would delete them."""
    book = openpyxl.load_workbook(register_path)
    ws = book[sheet]
    header = next(r for r in ws.iter_rows() if r[0].value == "Contract ID")
    for row in ws.iter_rows(min_row=header[0].row + 1):
        if row[0].value == contract_id:
            for cell in row:
                cell.value = None
    book.save(register_path)


def test_templates_refuse_contracts_without_sla_kpis_or_budget_lines(fresh):
    register = read_register(fresh / "register.xlsx")
    active = [c.contract_id for c in register.active_contracts(Q3)]
    no_kpis, no_budget = active[0], active[1]
    _blank_rows_of(fresh / "register.xlsx", "SLA KPIs", no_kpis)
    _blank_rows_of(fresh / "register.xlsx", "Budgets", no_budget)

    result = run(fresh, "templates", "Q3", "--as-of", "2026-12-01")
    assert result.exit_code == 1
    assert f"{no_kpis}: no SLA KPIs in force for 2026-27 Q3" in result.output
    assert f"{no_budget}: no budget lines for 2026-27" in result.output
    assert not (fresh / "outbox" / "templates" / "2026-27-Q3").exists()  # nothing written

    skipped = run(fresh, "templates", "Q3", "--as-of", "2026-12-01", "--skip-incomplete")
    assert skipped.exit_code == 0, skipped.output
    written = sorted(p.name for p in (fresh / "outbox" / "templates" / "2026-27-Q3").iterdir())
    assert written == sorted(f"{cid}_{kind}_2026-27-Q3.xlsx" for cid in active[2:]
                             for kind in ("performance", "financial"))


def test_templates_q2_the_day_before_it_ends_is_this_q2(fresh):
    result = run(fresh, "templates", "Q2", "--as-of", "2026-09-29")
    assert result.exit_code == 0, result.output
    assert period_line(result) == "Period: 2026-27 Q2 (1 Jul 2026 to 30 Sep 2026)"
    assert list((fresh / "outbox" / "templates" / "2026-27-Q2").glob("*.xlsx"))


def test_templates_name_a_contract_without_sla_kpis(fresh):
    from dataclasses import replace

    from cm_excel.templates.writer import template_gaps

    register = read_register(fresh / "register.xlsx")
    cid = register.active_contracts(Q3)[0].contract_id
    bare = replace(register, sla=[s for s in register.sla if s.contract_id != cid],
                   budgets=[b for b in register.budgets if b.contract_id != cid])
    gaps = template_gaps(bare, Q3)
    assert [(g.contract_id, len(g.missing)) for g in gaps] == [(cid, 2)]
    assert gaps[0].missing == ("SLA KPIs in force for 2026-27 Q3", "budget lines for 2026-27")


# --- consolidate: the latest ended; an unfinished quarter only with --provisional -------------


def _summary_facts(book) -> dict[str, str]:
    ws = book["Summary"]
    return {ws.cell(r, 1).value: ws.cell(r, 3).value for r in range(4, ws.max_row + 1)
            if ws.cell(r, 1).value and ws.cell(r, 3).value}  # label in A, value in C


def _overall(book) -> dict[str, str]:
    ws = book["Contracts"]
    header = next(r for r in ws.iter_rows() if r[0].value == "Contract ID")
    col = [c.value for c in header].index("Overall RAG")
    return {row[0].value: row[col].value for row in ws.iter_rows(min_row=header[0].row + 1)
            if row[0].value and str(row[0].value).startswith("VS-")}


def test_consolidate_q3_the_day_before_it_ends_needs_a_year(fresh):
    result = run(fresh, "consolidate", "Q3", "--as-of", "2026-12-30")
    assert result.exit_code == 2
    assert "--year" in result.output and "Traceback" not in result.output
    assert not list((fresh / "outbox").glob("SMG_*"))


def test_an_unfinished_quarter_is_consolidated_only_when_provisional(fresh):
    refused = run(fresh, "consolidate", "Q3", "--year", "2026", "--as-of", "2026-12-30")
    assert refused.exit_code == 2
    assert "--provisional" in refused.output
    assert len([line for line in refused.output.splitlines() if line.startswith("Error")]) == 1
    assert not list((fresh / "outbox").glob("SMG_*"))

    done = run(fresh, "consolidate", "Q3", "--year", "2026", "--as-of", "2026-12-30",
               "--provisional")
    assert done.exit_code == 0, done.output
    assert "Provisional: returns are due by 29 Jan 2027" in done.output
    book = openpyxl.load_workbook(fresh / "outbox" / "SMG_Quarterly_2026-27_Q3.xlsx")
    facts = _summary_facts(book)
    assert facts["Provisional"].startswith("Provisional: returns are due by 29 Jan 2027")
    overall = _overall(book)
    # Nothing accepted: never Green. A contract with no flag is Awaited; one with a calendar
    # or governance flag (from the register, whatever the returns) takes that flag's colour.
    flagged = {row[0] for row in book["Risk Flags"].iter_rows(values_only=True)
               if row and str(row[0] or "").startswith("VS-")}
    assert overall and "Green" not in overall.values()
    assert {cid for cid, word in overall.items() if word == "Awaited"} == set(overall) - flagged
    cover = (fresh / "outbox" / "SMG_Quarterly_2026-27_Q3_cover.html").read_text()
    assert "Provisional: returns are due by 29 Jan 2027" in cover


def test_provisional_with_one_return_in_is_still_not_green(fresh):
    from builders import make_return, sign_off_for
    from ingest_fixtures import set_received

    from cm_excel.flags import calendar_flags

    register = read_register(fresh / "register.xlsx")
    # a contract the register's calendar does not flag, so its returns alone decide its RAG
    flagged = {f.contract_id for f in calendar_flags(register, date(2026, 12, 20))}
    cid = next(c.contract_id for c in register.active_contracts(Q3) if c.contract_id not in flagged)
    sign_off = {**sign_off_for(Q3), "Sign-off Date": date(2026, 12, 17)}
    path = make_return(fresh / "inbox", cid, "performance", Q3, register=register,
                       sign_off=sign_off)
    set_received(path, datetime(2026, 12, 18, 10, 0, tzinfo=timezone.utc))
    done = run(fresh, "consolidate", "Q3", "--year", "2026", "--as-of", "2026-12-20",
               "--provisional")
    assert done.exit_code == 0, done.output
    book = openpyxl.load_workbook(fresh / "outbox" / "SMG_Quarterly_2026-27_Q3.xlsx")
    ws = book["Contracts"]
    header = next(r for r in ws.iter_rows() if r[0].value == "Contract ID")
    names = [c.value for c in header]
    row = next(r for r in ws.iter_rows(min_row=header[0].row + 1) if r[0].value == cid)
    values = dict(zip(names, (c.value for c in row)))
    assert values["Performance RAG"] == "Green"
    assert values["Finance RAG"] == "Awaited"
    assert values["Overall RAG"] == "Awaited"


def test_consolidate_q3_on_its_last_day_is_that_q3_still_provisional(fresh):
    done = run(fresh, "consolidate", "Q3", "--as-of", "2026-12-31")
    assert done.exit_code == 0, done.output
    assert period_line(done) == "Period: 2026-27 Q3 (1 Oct 2026 to 31 Dec 2026)"
    book = openpyxl.load_workbook(fresh / "outbox" / "SMG_Quarterly_2026-27_Q3.xlsx")
    assert _summary_facts(book)["Provisional"] == "Provisional: returns are due by 29 Jan 2027."


def test_consolidate_after_the_deadline_is_final(fresh):
    done = run(fresh, "consolidate", "Q3", "--as-of", "2027-02-01")
    assert done.exit_code == 0, done.output
    assert period_line(done) == "Period: 2026-27 Q3 (1 Oct 2026 to 31 Dec 2026)"
    assert "Provisional" not in done.output
    book = openpyxl.load_workbook(fresh / "outbox" / "SMG_Quarterly_2026-27_Q3.xlsx")
    assert "Provisional" not in _summary_facts(book)
    assert "Awaited" not in _overall(book).values()  # missing returns are flagged instead
    cover = (fresh / "outbox" / "SMG_Quarterly_2026-27_Q3_cover.html").read_text()
    assert "Provisional" not in cover


# --- status ------------------------------------------------------------------------------


def test_status_q3_on_each_side_of_its_end(fresh):
    before = run(fresh, "status", "Q3", "--as-of", "2026-12-30")
    assert before.exit_code == 2 and "--year" in before.output
    early = run(fresh, "status", "Q3", "--year", "2026", "--as-of", "2026-12-30")
    assert early.exit_code == 0, early.output
    assert "not yet due" in early.output
    after = run(fresh, "status", "Q3", "--as-of", "2027-01-04")
    assert after.exit_code == 0, after.output
    assert period_line(after) == "Period: 2026-27 Q3 (1 Oct 2026 to 31 Dec 2026)"
    assert period_line(run(fresh, "status", "Q2", "--as-of", "2026-12-30")) == \
        "Period: 2026-27 Q2 (1 Jul 2026 to 30 Sep 2026)"


@pytest.mark.parametrize("quarter", ["2026-27-Q3", "2026-27 Q3", "Q3"])
def test_status_accepts_every_spelling_of_a_quarter(fresh, quarter):
    result = run(fresh, "status", quarter, "--as-of", "2027-02-10")
    assert result.exit_code == 0, result.output
    assert period_line(result) == "Period: 2026-27 Q3 (1 Oct 2026 to 31 Dec 2026)"


# --- global options anywhere ----------------------------------------------------------------


def test_global_options_after_the_command_win_and_reach_held_subcommands(fresh, tmp_path):
    before = CliRunner().invoke(cli, ["--as-of", "2026-11-25", "--workspace", str(tmp_path),
                                      "status", "Q3", "--as-of", "2027-02-10",
                                      "--workspace", str(fresh)])
    assert before.exit_code == 0, before.output
    assert period_line(before) == "Period: 2026-27 Q3 (1 Oct 2026 to 31 Dec 2026)"
    held = CliRunner().invoke(cli, ["held", "list", "--workspace", str(fresh), "--as-of",
                                    "2027-02-10"])
    assert held.exit_code == 0, held.output
    group = CliRunner().invoke(cli, ["held", "--workspace", str(fresh), "list"])
    assert group.exit_code == 0, group.output
    bad = CliRunner().invoke(cli, ["status", "Q3", "--as-of", "10/02/2027"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


def test_debug_after_the_command_shows_the_traceback(tmp_path):
    result = CliRunner().invoke(cli, ["templates", "Q3", "--year", "2026", "--workspace",
                                      str(tmp_path), "--debug"])
    assert result.exit_code != 0
    assert result.exception is not None and not isinstance(result.exception, SystemExit)
    quiet = CliRunner().invoke(cli, ["templates", "Q3", "--year", "2026", "--workspace",
                                     str(tmp_path)])
    assert quiet.exit_code == 1 and isinstance(quiet.exception, SystemExit)
