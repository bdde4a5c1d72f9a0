"""Meeting packs (one contract's data only; longer meetings add three sheets), the tidy
export (CSV and .xlsx), and the annual / packs / export commands through CliRunner."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import replace

import openpyxl
import pytest
from click.testing import CliRunner

import year_scenario as ys
from cm_excel.periods import Period
from cm_excel.portfolio.tidy import COLUMNS
from cm_excel.reports.export import export_year
from cm_excel.reports.packs import LONGER_ITEMS, STANDING_ITEMS, write_packs
from cm_excel.workspace import Workspace

BASE_SHEETS = ["Contract", "KPIs", "Finance", "Incidents & Complaints", "Risks & Actions",
               "Flags & Disputes"]
LONGER_SHEETS = ["Risk Log", "Complaints Overview", "Action Plans"]


@pytest.fixture
def year_ws(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.ensure_folders()
    subs = ys.build(ws.ledger_path)
    return ws, subs


def cells_text(path) -> str:
    text = []
    for sheet in openpyxl.load_workbook(path).worksheets:
        for row in sheet.iter_rows(values_only=True):
            text.extend(str(v) for v in row if v is not None)
    return "\n".join(text)


@pytest.mark.parametrize("quarter", [3, 4])
def test_each_pack_holds_one_contracts_data_only(year_ws, quarter):
    ws, subs = year_ws
    register = ys.register()
    result = write_packs(ws, register, Period(ys.FY, quarter), as_of=ys.AS_OF)
    assert [p.name for p in result.workbooks] == [f"VS-001_pack_2026-27-Q{quarter}.xlsx",
                                                  f"VS-002_pack_2026-27-Q{quarter}.xlsx"]
    others = {c.contract_id: c for c in register.contracts.values()}
    files = {cid: [s.file for s in subs.values() if s.contract_id == cid] for cid in others}
    for book, agenda in zip(result.workbooks, result.agendas):
        own = book.name.split("_")[0]
        blob = cells_text(book) + agenda.read_text(encoding="utf-8")
        assert own in blob
        for cid, contract in others.items():
            if cid == own:
                continue
            assert cid not in blob, (book.name, cid)
            assert contract.provider not in blob, (book.name, cid)
            assert not any(f in blob for f in files[cid]), (book.name, cid)


def test_quarterly_pack_contents(year_ws):
    ws, subs = year_ws
    result = write_packs(ws, ys.register(), Period(ys.FY, 3), as_of=ys.AS_OF)
    assert result.meeting == "Quarterly"
    book = openpyxl.load_workbook(result.workbooks[0])
    assert book.sheetnames == BASE_SHEETS
    kpis = {r[0]: r for r in book["KPIs"].iter_rows(min_row=4, values_only=True) if r[0]}
    header = [c.value for c in book["KPIs"][3]]
    vs02 = dict(zip(header, kpis["VS02"]))
    assert vs02["This Quarter"] == 0.9 and vs02["RAG"] == "Green"
    assert vs02["2026-27 Q2"] == 0.1 and vs02["Trend"] == "Improving"
    assert vs02["Evidence"] == f"{subs['p1_q3'].file} Performance!E6"
    assert dict(zip(header, kpis["VS07"]))["RAG"] == "Not reported"
    finance = [r for r in book["Finance"].iter_rows(min_row=4, values_only=True) if r[0]]
    assert finance[0][:4] == ("Staff", 160_000, 40_000, 40_000)
    assert finance[0][9] == f"{subs['f1_q3'].file} Finance!D5"  # the restated v2, not v1
    risks = [r for r in book["Risks & Actions"].iter_rows(values_only=True) if r[0] == "Q3"]
    assert [r[1] for r in risks] == ["Old risk from Q3"]
    agenda = result.agendas[0].read_text(encoding="utf-8")
    for title, _ in STANDING_ITEMS:
        assert title in agenda
    for title, _ in LONGER_ITEMS:
        assert title not in agenda


def test_twice_yearly_and_annual_packs_add_risk_log_complaints_and_action_plans(year_ws):
    ws, _ = year_ws
    for quarter, meeting in ((2, "Twice-yearly"), (4, "Annual")):
        result = write_packs(ws, ys.register(), Period(ys.FY, quarter), as_of=ys.AS_OF)
        assert result.meeting == meeting
        book = openpyxl.load_workbook(result.workbooks[0])
        assert book.sheetnames == BASE_SHEETS + LONGER_SHEETS
        agenda = result.agendas[0].read_text(encoding="utf-8")
        for title, _ in STANDING_ITEMS + LONGER_ITEMS:
            assert title in agenda
    # Q4: the year's complaints overview and every quarter's risk log and actions
    overview = list(book["Complaints Overview"].iter_rows(min_row=4, max_row=4, values_only=True))[0]
    assert overview[:8] == (4, 2, 1, 1, pytest.approx(2 / 3), 3, 11, 20)
    log = [r[:2] for r in book["Risk Log"].iter_rows(min_row=4, values_only=True) if r[0]]
    assert log == [("Q3", "Old risk from Q3"), ("Q4", "Loss of staff"), ("Q4", "IT contract ends")]
    plans = [(r[0], r[1], r[3], r[5]) for r in book["Action Plans"].iter_rows(min_row=4, values_only=True)
             if r[0]]
    assert plans == [("Q1", "Text reminders", "In progress", "2026-27 Q1"),
                     ("Q4", "Text reminders", "Complete", "2026-27 Q1"),
                     ("Q4", "New triage", "Not started", "2026-27 Q4")]


def test_pack_shows_open_disputes_and_agenda_escapes_text(year_ws):
    ws, _ = year_ws
    register = ys.register()
    register.contracts["VS-002"] = replace(register.contracts["VS-002"],
                                           service="<b>bold</b> & <script>x()</script>")
    result = write_packs(ws, register, Period(ys.FY, 4), as_of=ys.AS_OF)
    book = openpyxl.load_workbook(result.workbooks[1])
    rows = list(book["Flags & Disputes"].iter_rows(values_only=True))
    dispute = next(r for r in rows if r[0] == "Formal meeting")
    assert dispute[1] == "formal" and dispute[4] == "register.xlsx Disputes row 2"
    agenda = result.agendas[1].read_text(encoding="utf-8")
    assert "<script>" not in agenda and "&lt;script&gt;x()&lt;/script&gt;" in agenda


def test_export_is_one_tidy_table_in_csv_and_xlsx(year_ws):
    ws, subs = year_ws
    result = export_year(ws, ys.register(), ys.FY, as_of=ys.AS_OF)
    raw = result.csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert tuple(rows[0]) == COLUMNS
    assert result.rows == len(rows)
    vs02 = [r for r in rows if r["contract_id"] == "VS-001" and r["item_code"] == "VS02"]
    assert [(r["quarter"], float(r["value"]), float(r["denominator"])) for r in vs02] == [
        ("Q1", 0.9, 50.0), ("Q2", 0.1, 100.0), ("Q3", 0.9, 100.0), ("Q4", 0.95, 100.0)]
    assert vs02[1]["rag"] == "Red" and float(vs02[1]["target"]) == 0.9
    assert (vs02[0]["source_file"], vs02[0]["sheet"], vs02[0]["cell"]) == (
        subs["p1_q1"].file, "Performance", "E6")
    staff = next(r for r in rows if r["contract_id"] == "VS-002" and r["item_code"] == "Staff"
                 and r["quarter"] == "Q1")
    assert (staff["item_type"], float(staff["value"]), float(staff["target"]), staff["rag"],
            staff["cell"]) == ("Budget line", 21_000, 20_000, "Green", "D5")
    # gaps have no row: VS-002 sent no Q2 performance return
    assert not [r for r in rows if r["contract_id"] == "VS-002" and r["quarter"] == "Q2"
                and r["item_type"] == "KPI"]
    book = openpyxl.load_workbook(result.xlsx_path)
    sheet = book["Values"]
    assert list(sheet.tables) == ["SmgValues"]
    assert tuple(c.value for c in sheet[1]) == COLUMNS
    assert sheet.max_row == len(rows) + 1
    first = [c.value for c in sheet[2]]
    assert first[:3] == ["VS-001", "Hub Provider Ltd", "2026-27"]


def test_export_guards_formula_text_and_is_reproducible(year_ws):
    ws, _ = year_ws
    register = ys.register()
    register.contracts["VS-001"] = replace(register.contracts["VS-001"],
                                           provider='=HYPERLINK("http://x.invalid","y")')
    first = export_year(ws, register, ys.FY, as_of=ys.AS_OF)
    text = first.csv_path.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text
    cell = openpyxl.load_workbook(first.xlsx_path)["Values"]["B2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    digest = hashlib.sha256(first.xlsx_path.read_bytes()).hexdigest()
    second = export_year(ws, register, ys.FY, as_of=ys.AS_OF)
    assert hashlib.sha256(second.xlsx_path.read_bytes()).hexdigest() == digest


# --- the commands ------------------------------------------------------------------------


@pytest.fixture
def cli_ws(tmp_path):
    """A real workspace (starter register) whose ledger holds the golden year's returns
    for VS-001 and VS-002 of the starter register."""
    from cm_excel.workspace import init_workspace

    ws = init_workspace(tmp_path / "ws")
    ys.build(ws.ledger_path)
    return ws


def test_annual_packs_and_export_commands(cli_ws):
    from cm_excel.cli import cli

    runner = CliRunner()
    args = ["--workspace", str(cli_ws.root), "--as-of", "2027-06-01"]
    done = runner.invoke(cli, args + ["annual", "--year", "2026"])
    assert done.exit_code == 0, done.output
    book = cli_ws.outbox / "SMG_Annual_2026-27.xlsx"
    assert book.is_file() and f"Annual workbook: {book}" in done.output
    assert "Financial year: 2026-27" in done.output
    done = runner.invoke(cli, args + ["packs", "Q4", "--year", "2026"])
    assert done.exit_code == 0, done.output
    assert "Annual meeting packs for 2026-27 Q4" in done.output
    assert (cli_ws.outbox / "packs" / "2026-27-Q4" / "VS-001_pack_2026-27-Q4.xlsx").is_file()
    done = runner.invoke(cli, args + ["export"])
    assert done.exit_code == 0, done.output
    assert (cli_ws.outbox / "export" / "SMG_Values_2026-27.csv").is_file()
    assert "Financial year: 2026-27" in done.output  # the year of the latest ended quarter


def test_bad_year_is_one_clear_line(cli_ws):
    from cm_excel.cli import cli

    done = CliRunner().invoke(cli, ["--workspace", str(cli_ws.root), "annual", "--year", "26x"])
    assert done.exit_code == 2
    assert "is not a financial year" in done.output and "Traceback" not in done.output


@pytest.mark.parametrize("command", ["annual", "packs", "export"])
def test_commands_have_help_with_an_example(command):
    from cm_excel.cli import cli

    done = CliRunner().invoke(cli, [command, "--help"])
    assert done.exit_code == 0 and "Example:" in done.output


def test_same_inputs_same_pack_bytes(year_ws):
    ws, _ = year_ws
    first = write_packs(ws, ys.register(), Period(ys.FY, 2), as_of=ys.AS_OF)
    digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in first.workbooks + first.agendas]
    second = write_packs(ws, ys.register(), Period(ys.FY, 2), as_of=ys.AS_OF)
    assert [hashlib.sha256(p.read_bytes()).hexdigest()
            for p in second.workbooks + second.agendas] == digests
