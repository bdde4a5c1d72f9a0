"""The quarterly SMG workbook and cover note (SPEC "Consolidating for SMG", "What must hold").

The golden scenario (quarter_scenario.py) is consolidated through the public entry
``consolidate_quarter``; the workbook is read back with openpyxl and checked cell by cell
against expectations worked out by hand.
"""

from __future__ import annotations

import re
import zipfile
from datetime import datetime

import pytest
from openpyxl import load_workbook

import quarter_scenario as qs
from pdf_checks import check_prints, printed_widths, run
from cm_excel.flags import CATALOGUE, IMMEDIATE, NORMAL
from cm_excel.register.schema import KNOBS
from cm_excel.reports.consolidate import ConsolidationResult, consolidate_quarter
from cm_excel.reports.quarterly import RISK_FLAG_HEADERS, SHEETS
from cm_excel.workspace import Workspace

HEADER_ROW = 3  # Excel row of every sheet's first table header

# openpyxl cannot read sparklines back (they are checked in the XML instead)
pytestmark = pytest.mark.filterwarnings("ignore:Sparkline Group extension")


@pytest.fixture
def golden(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.ensure_folders()
    scenario = qs.build(ws.ledger_path)
    register = qs.register()
    result = consolidate_quarter(ws, register, qs.PERIOD, as_of=qs.AS_OF)
    return ws, scenario, register, result


@pytest.fixture
def book(golden):
    return load_workbook(golden[3].workbook_path)


def table(sheet, header_row=HEADER_ROW):
    """Rows (dicts by header) under ``header_row`` until column A is blank."""
    headers = [c.value for c in sheet[header_row]]
    rows = []
    for values in sheet.iter_rows(min_row=header_row + 1, values_only=True):
        if values[0] is None:
            break
        rows.append(dict(zip(headers, values)))
    return rows


def block(sheet, title):
    """The table under a section title (its header is the next row)."""
    for row in sheet.iter_rows(min_col=1, max_col=1):
        if row[0].value == title:
            return table(sheet, row[0].row + 1)
    raise AssertionError(f"no section {title!r} on {sheet.title}")


def kpi_blocks(sheet):
    """The KPIs sheet's rows, block by block (each contract's block has its own header row,
    the row under its heading): {contract heading: rows}."""
    blocks = {}
    for row in sheet.iter_rows(min_col=1, max_col=1):
        nxt = sheet.cell(row[0].row + 1, 1).value
        if row[0].value and nxt == "Contract ID":
            blocks[row[0].value] = table(sheet, row[0].row + 1)
    return blocks


def all_values(path):
    wb = load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb}


# --- the entry point -------------------------------------------------------------------------


def test_consolidation_result(golden):
    ws, _, _, result = golden
    assert isinstance(result, ConsolidationResult)
    assert result.workbook_path == ws.outbox / "SMG_Quarterly_2026-27_Q3.xlsx"
    assert result.cover_path == ws.outbox / "SMG_Quarterly_2026-27_Q3_cover.html"
    assert all(p.is_file() for p in result.paths)
    assert (result.contracts, result.contracts_green, result.contracts_amber,
            result.contracts_red) == (3, 0, 1, 2)
    assert result.flags_by_severity == {"Red": 8, "Amber": 6}
    assert (result.returns_expected, result.returns_received, result.returns_accepted,
            result.returns_late, result.returns_rejected, result.returns_missing,
            result.returns_not_yet_due) == (6, 5, 4, 1, 1, 1, 0)
    assert result.flags_by_code["SIGNIFICANT_FAILURE"] == 3
    assert result.deadline.isoformat() == "2027-01-29"
    assert any("2026-27 Q3" in line for line in result.lines())
    assert not list(ws.outbox.glob(".SMG_*"))  # no temporary files left behind


def test_sheets_in_order(book):
    assert book.sheetnames == list(SHEETS)


def test_calendar_sheet_without_calendar_flags(book):
    """The scenario's contracts have deputies, recent audits and end in 2028: no calendar
    flag, but the dates ahead are listed with their register rows."""
    sheet = book["Calendar"]
    assert sheet["A1"].value == "Contract calendar and governance"
    values = [c.value for row in sheet.iter_rows(max_col=1) for c in row]
    assert "No calendar or governance flag is raised as of the report date." in values
    dates = block(sheet, "Dates in the next 12 months, with overdue items first in date order")
    assert [d["Date"] for d in dates] == sorted(d["Date"] for d in dates)
    assert all(d["Status"] == "Due" and d["Days From As-Of"] >= 0 for d in dates)
    audits = [(d["Contract ID"], d["Date"].date().isoformat(), d["Register Row"])
              for d in dates if d["Kind"] == "Audit due"]
    assert audits == [("VS-001", "2027-03-10", "register.xlsx Audits row 2"),
                      ("VS-002", "2027-03-10", "register.xlsx Audits row 3"),
                      ("VS-003", "2027-03-10", "register.xlsx Audits row 4")]
    assert {d["Kind"] for d in dates} >= {"Return deadline", "Quarterly contract meeting due"}


# --- Risk Flags, cell by cell ----------------------------------------------------------------


def test_risk_flags_sheet(golden, book):
    _, scenario, _, _ = golden
    sheet = book["Risk Flags"]
    assert tuple(c.value for c in sheet[HEADER_ROW]) == RISK_FLAG_HEADERS
    rows = table(sheet)
    expected = qs.expected_flags(scenario)
    assert [(r["Contract ID"], r["Flag"], r["Severity"], r["Recommended Action"]) for r in rows] \
        == [e[:4] for e in expected]
    for row, (*_, refs) in zip(rows, expected):
        for ref in refs:
            assert ref in row["Evidence"], (row["Flag"], ref)
        assert row["Detail"]
    assert [r["Issue"] for r in rows] == qs.EXPECTED_ISSUES


def test_significant_failure_detail_and_evidence(book):
    rows = [r for r in table(book["Risk Flags"]) if r["Flag"] == "SIGNIFICANT_FAILURE"]
    press, harm, ongoing = rows
    # in people: 360 - 280 = 80 (2026-27 Q2) and 360 - 288 = 72 (this quarter) of 500 users
    assert ("this quarter: 90.0% × 400 − 288 = 72 people short (14.4% of the client group); "
            "2026-27 Q2: 90.0% × 400 − 280 = 80 people short (16.0% of the client group); "
            "together 152 people = 30.4% of the client group of 500 (register.xlsx Contracts "
            "row 3); threshold 10% = 50 people") in ongoing["Evidence"]
    assert "50 clients affected, at least 10% of the client group" in press["Detail"]
    assert "reputational risk to the PCC" in press["Detail"]
    assert "threshold 10% of 500 = 50, register.xlsx Contracts row 3" in press["Evidence"]
    assert "£18,000, at least 10% of the annual contract value" in harm["Detail"]
    assert "harm caused through provider negligence" in harm["Detail"]
    assert "threshold 10% of £180,000 = £18,000" in harm["Evidence"]
    assert "mandatory KPI" in ongoing["Detail"] and "2 quarters in a row" in ongoing["Detail"]


# --- Summary ---------------------------------------------------------------------------------


def test_summary(book):
    sheet = book["Summary"]
    cells = {}
    for row in sheet.iter_rows():
        if row[0].value:
            cells.setdefault(row[0].value, row)  # the first: headline "Contracts" header
    assert cells["Period"][2].value == "2026-27 Q3 (1 Oct 2026 to 31 Dec 2026)"
    assert cells["Returns due by"][2].value.startswith("29 Jan 2027")
    assert cells["As of"][2].value == "15 Feb 2027"
    head = cells["Contracts"][0].row
    assert [c.value for c in sheet[head + 1]][:7] == [3, 0, 1, 2, 8, 6, 14]
    head = cells["Returns expected"][0].row
    assert [c.value for c in sheet[head + 1]][:7] == [6, 5, 4, 1, 1, 1, 0]

    lines = block(sheet, "RAG by contract")
    assert {r["Contract ID"]: (r["Performance"], r["Finance"], r["Overall"], r["Flags"],
                               r["Recommended Action"]) for r in lines} == qs.EXPECTED_CONTRACTS

    # one line per issue: VS02's three flags are one line, Red, with the strongest action
    attention = block(sheet, "Needs SMG's attention first")
    got = [(r["Contract ID"], r["Issue"], r["Severity"], r["Recommended Action"])
           for r in attention]
    assert got == [
        ("VS-002", "Incident on 9 Dec 2026 (Incidents row 6)", "Red", IMMEDIATE),
        ("VS-002", "Incident on 14 Oct 2026 (Incidents row 5)", "Red", IMMEDIATE),
        ("VS-002", "VS02 Referrals successfully contacted", "Red", IMMEDIATE),
        ("VS-002", "VS07 Victims supported (new)", "Red", NORMAL),
        ("VS-003", "Financial return", "Red", NORMAL),
        ("VS-003", "Performance return", "Red", NORMAL)]


def test_rag_is_a_word_in_a_colour(book):
    sheet = book["Summary"]
    fills = {}
    first = next(r[0].row for r in sheet.iter_rows() if r[0].value == "Contract ID")
    for row in sheet.iter_rows(min_row=first + 1):
        for cell in row:
            if cell.value in ("Red", "Amber", "Green", "No return"):
                fills.setdefault(cell.value, set()).add(cell.fill.fgColor.rgb)
    assert fills["Red"] == {"FFFFC7CE"}
    assert fills["Amber"] == {"FFFFEB9C"}
    assert fills["No return"] == {"FFE7E6E6"}


# --- Contracts, KPIs, Finance ----------------------------------------------------------------


def test_contracts_sheet(book):
    rows = {r["Contract ID"]: r for r in table(book["Contracts"])}
    assert set(rows) == {"VS-001", "VS-002", "VS-003"}
    for cid, (perf, fin, overall, flags, action) in qs.EXPECTED_CONTRACTS.items():
        r = rows[cid]
        assert (r["Performance RAG"], r["Finance RAG"], r["Overall RAG"], r["Flags"],
                r["Recommended Action"]) == (perf, fin, overall, flags, action)
    assert rows["VS-002"]["Annual Value (£)"] == 180_000
    assert rows["VS-002"]["Red Flags"] == 6 and rows["VS-002"]["Amber Flags"] == 3
    assert rows["VS-001"]["Lead Officer"] == "Lead VS-001"
    assert rows["VS-001"]["Deputy Officer"] == "Deputy Officer"
    assert rows["VS-001"]["End Date"] == datetime(2028, 3, 31)
    assert rows["VS-003"]["Register Row"] == 4


def test_kpis_sheet(book):
    sheet = book["KPIs"]
    blocks = kpi_blocks(sheet)
    rows = [r for block in blocks.values() for r in block]
    # one block per contract, headed by the contract, each printed on its own page
    assert [h.split(":")[0] for h in blocks] == list(dict.fromkeys(k[0] for k in qs.EXPECTED_KPIS))
    assert all({r["Contract ID"] for r in block} == {h.split(":")[0]} for h, block in blocks.items())
    breaks = [b.id for b in sheet.row_breaks.brk]
    headings = [c.row for (c,) in sheet.iter_rows(min_col=1, max_col=1) if c.value in blocks]
    assert breaks == [r - 1 for r in headings[1:]]  # a page break before each later block
    got = {(r["Contract ID"], r["KPI Code"]): r for r in rows}
    assert list(got) == list(qs.EXPECTED_KPIS)  # contract, then SLA order
    for key, (actual, word, q2, previous, run) in qs.EXPECTED_KPIS.items():
        r = got[key]
        assert r["Actual"] == pytest.approx(actual) if actual is not None else r["Actual"] is None
        assert r["RAG"] == word, key
        assert r["2026-27 Q2"] == pytest.approx(q2), key
        assert r["Previous RAG"] == previous, key
        assert r["Red Quarters In A Row"] == run, key
    assert got[("VS-001", "VS02")]["Evidence"].endswith("Performance!E6")
    # eight previous quarters are there; the four oldest sit in a collapsed group
    labels = [c.value for c in sheet[HEADER_ROW + 1]]
    assert labels[9:17] == ["2024-25 Q3", "2024-25 Q4", "2025-26 Q1", "2025-26 Q2",
                            "2025-26 Q3", "2025-26 Q4", "2026-27 Q1", "2026-27 Q2"]
    assert sheet.column_dimensions["J"].hidden
    assert sheet["F6"].number_format == "0.0%"  # VS02 target: a percentage
    assert sheet["F5"].number_format == "#,##0"  # VS01: a count
    # a trend that prints in any program, beside the sparkline
    assert got[("VS-001", "VS02")]["Since Last Quarter"] == "\u2193 Worse"  # 92% to 80%
    assert got[("VS-003", "VS02")]["Since Last Quarter"] is None  # no figure this quarter
    assert {r["Since Last Quarter"] for r in rows} <= {
        "\u2191 Better", "\u2193 Worse", "\u2193 Better", "\u2191 Worse", "\u2192 Same",
        "\u2191 Up", "\u2193 Down", None}


def test_kpis_have_sparklines(golden):
    with zipfile.ZipFile(golden[3].workbook_path) as z:
        names = {n: z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/sheet")}
    kpi_xml = names["xl/worksheets/sheet3.xml"]
    assert kpi_xml.count("<x14:sparkline>") == len(qs.EXPECTED_KPIS)
    assert "<xm:f>'KPIs'!" in kpi_xml


def test_finance_sheet(book):
    sheet = book["Finance"]
    rows = table(sheet)
    totals = {r["Contract ID"]: r for r in rows if r["Budget Line"] == "Contract total"}
    for cid, (qb, qa, yb, ya, forecast, value) in qs.EXPECTED_FINANCE.items():
        t = totals[cid]
        assert (t["Quarter Budget"], t["Quarter Actual"], t["YTD Budget"], t["YTD Actual"],
                t["Forecast Outturn"], t["Annual Contract Value"]) == (qb, qa, yb, ya, forecast, value)
        assert t["Quarter Variance (£)"] == qa - qb
        assert t["Quarter Variance %"] == pytest.approx((qa - qb) / qb)
        assert t["Forecast Less Value (£)"] == forecast - value
    assert totals["VS-001"]["Finance RAG"] == "Amber"
    lines = {(r["Contract ID"], r["Budget Line"]): r for r in rows}
    running = lines[("VS-001", "Running costs")]
    assert running["Variance Explanation"] == "-£6,500: vacancy saving"  # text, not a number
    assert running["Evidence"].endswith("Finance!D6")
    assert running["YTD Budget"] == 37_500  # Q1 a quarter of £50,000; Q2 and Q3 as issued
    assert [r["Finance RAG"] for r in rows if r["Contract ID"] == "VS-003"] == ["No return"]
    assert sheet["G4"].number_format.startswith("+0.0%")
    assert sheet["C4"].number_format.startswith("£")


def test_finance_has_a_chart(golden):
    with zipfile.ZipFile(golden[3].workbook_path) as z:
        assert "xl/charts/chart1.xml" in z.namelist()


# --- Incidents, Returns, Sources, Rules ------------------------------------------------------


def test_incidents_and_complaints(book):
    sheet = book["Incidents & Complaints"]
    rows = table(sheet)
    assert [(r["Contract ID"], r["Significant Failure"]) for r in rows] == [
        ("VS-001", "No"), ("VS-001", "No"), ("VS-002", "Yes"), ("VS-002", "Yes")]
    assert rows[1]["Description"] == qs.HYPERLINK
    assert rows[1]["Action Taken"] == "+ call back arranged"
    assert rows[0]["Estimated Cost (£)"] == 24_999
    assert "Superseded version only" not in [r["Description"] for r in rows]
    complaints = block(sheet, "Complaints")
    assert [c["Summary"] for c in complaints] == [
        "Waited two weeks for a call", "+44 7700 900123 asked for a call back",
        "@mention on social media"]


def test_returns_sheet(golden, book):
    _, scenario, _, _ = golden
    sheet = book["Returns"]
    rows = table(sheet)
    got = {(r["Contract ID"], r["Return"]): (r["Status"], r["Version"], r["Working Days Late"])
           for r in rows}
    assert got == qs.EXPECTED_RETURNS
    vs001 = next(r for r in rows if (r["Contract ID"], r["Return"]) == ("VS-001", "Performance"))
    assert vs001["File"] == scenario.subs["p1"].file
    assert vs001["Received (UK time)"] == datetime(2027, 1, 15, 10, 0)  # first valid version
    assert vs001["Due By"] == datetime(2027, 1, 29)

    chase = block(sheet, "Chase list: returns missing or rejected")
    assert [(c["Contract ID"], c["Return"], c["Status"]) for c in chase] == [
        ("VS-003", "Performance", "Rejected"), ("VS-003", "Financial", "Missing")]
    assert chase[0]["Provider Contract Manager"].startswith("Restore Together Ltd contract manager")
    assert chase[0]["Lead Officer"] == "Lead VS-003"

    restated = block(sheet, "Restatements: what changed when a return was replaced")
    assert [(r["Item"], r["Old Value"], r["New Value"], r["Version"], r["Replaces Version"])
            for r in restated] == [("VS02 Numerator", "780", "800", 2, 1),
                                   ("VS02 Actual", "0.78", "0.8", 2, 1)]
    files = block(sheet, "Every file received for this quarter")
    assert len(files) == 6
    assert [f["Ledger Status"] for f in files if f["Contract ID"] == "VS-001"] == [
        "Superseded", "Accepted", "Accepted"]


def test_sources_sheet(golden, book):
    _, scenario, _, _ = golden
    rows = table(book["Sources"])
    assert len(rows) == 9
    by_file = {r["File"]: r for r in rows}
    s = scenario.subs
    assert by_file[s["p1"].file]["Used For"] == "This quarter"
    assert by_file[s["p1"].file]["Version"] == 2
    assert by_file[s["p2_q2"].file]["Used For"] == "Trend"
    assert by_file[s["f1_q2"].file]["Used For"] == "Year-to-date budget"
    assert s["p1_v1"].file not in by_file and s["f3_q2"].file not in by_file
    for r in rows:
        assert re.fullmatch(r"[0-9a-f]{64}", r["SHA-256"])
        assert r["Archive Path"].endswith(r["File"])


def test_rules_sheet(book):
    sheet = book["Rules"]
    text = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    for knob in KNOBS:
        assert knob.setting in text
    for spec in CATALOGUE:
        assert spec.code in text and spec.meaning in text
    settings = {r["Setting"]: r["Value"] for r in table(sheet)}
    assert settings["Significant failure share"] == "10%"
    assert settings["Return deadline (working days)"] == 20


# --- safety, print, determinism ---------------------------------------------------------------


def test_provider_text_never_becomes_a_formula(golden, book):
    sheet = book["Incidents & Complaints"]
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == qs.HYPERLINK)
    assert cell.data_type == "s"
    with zipfile.ZipFile(golden[3].workbook_path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = z.read(name).decode("utf-8")
                assert not re.search(r"<f[ >]", xml), name  # no formula anywhere
        shared = z.read("xl/sharedStrings.xml").decode("utf-8")
    assert '<t>=HYPERLINK("http://example.invalid","x")</t>' in shared


MULTI_TABLE = {"KPIs", "Finance", "Incidents & Complaints", "Returns", "Calendar", "Rules"}


def test_print_setup(book):
    for sheet in book:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert sheet.page_setup.fitToWidth in (None, 1)  # 1 is the default, left out
        assert sheet.page_setup.fitToHeight == 0  # as many pages down as needed
        assert "OFFICIAL-SENSITIVE" in sheet.oddFooter.right.text
        assert "2026-27 Q3" in sheet.oddFooter.left.text
        if sheet.title == "Summary":
            continue
        # one table: its header repeats; several: only the title rows (never the first
        # table's header over another table)
        expected = "$1:$2" if sheet.title in MULTI_TABLE else "$1:$3"
        assert sheet.print_title_rows == expected, sheet.title
        assert sheet.print_area, sheet.title  # text running on never widens the page
    for title in ("Contracts", "KPIs", "Finance", "Risk Flags", "Returns", "Sources"):
        assert book[title].freeze_panes is not None
    for title in ("Contracts", "Finance", "Risk Flags", "Returns", "Sources"):
        assert book[title].auto_filter.ref.startswith("A3:")


def test_every_sheet_fits_its_page_width_at_a_readable_size(book):
    """Fit to one page wide shrinks the type: the widths keep 10 pt text at 8 pt or more."""
    from cm_excel.print_setup import MIN_SCALE, print_scale

    for sheet in book:
        widths, hidden = printed_widths(sheet)
        assert print_scale(widths, hidden) >= MIN_SCALE, sheet.title


def test_complaints_have_no_blank_headed_columns(book):
    sheet = book["Incidents & Complaints"]
    for (cell,) in sheet.iter_rows(min_col=1, max_col=1):
        if str(cell.value or "").startswith("Complaints"):
            header_row = cell.row + 1
    headers = [c.value for c in sheet[header_row]][:13]  # the sheet's 13 columns (A to M)
    merged = sorted(str(m) for m in sheet.merged_cells.ranges if m.min_row == header_row)
    assert headers[:7] == ["Contract ID", "Date Received", "Category", "Summary", "Outcome",
                           "Resolved Date", "Note"]
    assert headers[10] == "Evidence"
    # Note over G:J and Evidence over K:M: every printed column sits under a heading
    assert merged == [f"G{header_row}:J{header_row}", f"K{header_row}:M{header_row}"]


def test_document_properties_are_fixed_by_as_of(golden):
    wb = load_workbook(golden[3].workbook_path)
    assert wb.properties.created == datetime(2027, 2, 15)
    assert wb.properties.creator == "Office of the Police and Crime Commissioner"


def test_running_twice_gives_the_same_cells(golden, tmp_path):
    ws, _, register, first = golden
    before = all_values(first.workbook_path)
    bytes_before = first.workbook_path.read_bytes()
    cover_before = first.cover_path.read_text()
    again = consolidate_quarter(ws, register, qs.PERIOD, as_of=qs.AS_OF)
    assert all_values(again.workbook_path) == before
    assert again.workbook_path.read_bytes() == bytes_before
    assert again.cover_path.read_text() == cover_before


# --- cover note ------------------------------------------------------------------------------


def test_cover_note(golden):
    html = golden[3].cover_path.read_text(encoding="utf-8")
    assert "SMG_Quarterly_2026-27_Q3.xlsx" in html
    assert "OFFICIAL-SENSITIVE" in html and "15 Feb 2027" in html
    assert "VS-002" in html and IMMEDIATE.replace("'", "&#39;") in html
    assert "SMG may authorise" not in html  # the PCC decides (§5.0)
    # one line per issue: VS02's three flags are one item naming all three codes
    assert html.count("Significant failure (SIGNIFICANT_FAILURE), KPI red quarters running "
                      "(KPI_RED_CONSECUTIVE), KPI red (KPI_RED)") == 1  # plain words first
    assert "VS-003" in html and "Missing" in html and "Rejected" in html
    assert "Restore Together Ltd contract manager &lt;cm@vs-003.example&gt;" in html
    assert "<link" not in html and "<script" not in html  # self-contained


def test_cover_note_escapes_provider_text(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.ensure_folders()
    qs.build(ws.ledger_path)
    reg = qs.register()
    c = reg.contracts["VS-003"]
    reg.contracts["VS-003"] = type(c)(**{**c.__dict__, "provider": "<script>alert(1)</script>"})
    result = consolidate_quarter(ws, reg, qs.PERIOD, as_of=qs.AS_OF)
    html = result.cover_path.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_office_copy_of_the_cover_template_wins(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.ensure_folders()
    qs.build(ws.ledger_path)
    (ws.root / "workbook_templates").mkdir()
    (ws.root / "workbook_templates" / "smg_quarterly_cover.html.j2").write_text(
        "<p>Our own note for {{ period_label }}: {{ workbook_name }}</p>\n", encoding="utf-8")
    result = consolidate_quarter(ws, qs.register(), qs.PERIOD, as_of=qs.AS_OF)
    assert result.cover_path.read_text(encoding="utf-8") == (
        "<p>Our own note for 2026-27 Q3: SMG_Quarterly_2026-27_Q3.xlsx</p>\n")


def test_empty_ledger_still_writes_a_workbook(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.ensure_folders()
    result = consolidate_quarter(ws, qs.register(), qs.PERIOD, as_of=qs.AS_OF)
    assert result.returns_missing == 6 and result.contracts_red == 3
    assert table(load_workbook(result.workbook_path)["Risk Flags"])[0]["Flag"] == "RETURN_MISSING"


# --- LibreOffice: the workbook opens, converts and prints --------------------------------------


def test_libreoffice_prints_every_sheet_readable_with_its_own_headers(golden, tmp_path):
    """Rendered by LibreOffice: 8 pt or more on every page, as many pages as the content
    needs, and no page's top carries the header of a table other than the one going on
    (``pdf_checks``); only the Summary's later pages lack a subtitle."""
    pdf = check_prints(golden[3].workbook_path, tmp_path, untitled_pages=("Summary",))
    png = tmp_path / "summary"
    run("pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", pdf, png)
    [page] = list(tmp_path.glob("summary*.png"))
    assert page.stat().st_size > 5_000
