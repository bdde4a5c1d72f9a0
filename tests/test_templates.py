"""The provider templates, read back with openpyxl: SPEC "The provider templates".

Every assertion goes through the public contract (cm_excel.templates.contract) except where
the layout itself is what is tested (Contract sheet rows, freeze panes).
"""

from __future__ import annotations

import zipfile
from dataclasses import replace
from datetime import date, datetime

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from builders import (ACTIVE, COUNT, DAYS, FY, INFO, PERCENT, PERIOD, PREVIOUS, SCORE,
                      make_register, make_templates, table_cells, table_rows, validation_at,
                      workbook_fingerprint)
from cm_excel.errors import WorkspaceError
from cm_excel.periods import Period, return_deadline
from cm_excel.templates import contract as tc
from cm_excel.templates.content import expected_fingerprint
from cm_excel.templates.writer import write_templates

KINDS = tc.KINDS


@pytest.fixture(scope="module")
def register():
    return make_register()


@pytest.fixture(scope="module")
def issued(tmp_path_factory, register):
    """(contract ID, kind) → path of the templates issued for 2026-27 Q3."""
    return make_templates(tmp_path_factory.mktemp("templates"), register)


@pytest.fixture(scope="module")
def books(issued):
    """(contract ID, kind) → openpyxl workbook."""
    return {key: openpyxl.load_workbook(path) for key, path in issued.items()}


# --- which files ------------------------------------------------------------------------

def test_two_templates_for_every_active_contract_named_by_the_contract(issued):
    assert sorted(issued) == sorted((cid, kind) for cid in ACTIVE for kind in KINDS)
    for (cid, kind), path in issued.items():
        assert path.name == tc.template_filename(cid, kind, PERIOD.slug)


def test_returned_paths_in_contract_order_performance_first(tmp_path, register):
    paths = write_templates(register, PERIOD, tmp_path)
    assert [p.name for p in paths] == [tc.template_filename(cid, kind, PERIOD.slug)
                                       for cid in ACTIVE for kind in KINDS]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)


def test_same_register_and_period_give_byte_identical_files(tmp_path, register):
    first = write_templates(register, PERIOD, tmp_path / "a")
    second = write_templates(register, PERIOD, tmp_path / "b")
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_document_properties_are_fixed(books, issued):
    props = books[("VS-001", tc.PERFORMANCE)].properties
    assert props.created == datetime(2026, 10, 1)
    assert props.creator == make_register().settings.office_name
    with zipfile.ZipFile(issued[("VS-001", tc.PERFORMANCE)]) as z:
        stamps = {i.date_time for i in z.infolist()}
    assert len(stamps) == 1 and next(iter(stamps))[0] == 1980  # xlsxwriter's fixed stamp


# --- sheets ------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_sheets_in_contract_order_and_instructions_shown_first(books, kind):
    wb = books[("VS-001", kind)]
    assert wb.sheetnames == list(tc.SHEETS[kind])
    assert wb.worksheets[0].title == tc.INSTRUCTIONS_SHEET
    assert wb.active.title == tc.INSTRUCTIONS_SHEET
    visible = [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]
    assert visible == [s for s in tc.SHEETS[kind] if s != tc.META_SHEET]


def test_instructions_are_rendered_from_the_office_text(books):
    ws = books[("VS-001", tc.PERFORMANCE)][tc.INSTRUCTIONS_SHEET]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "VS-001" in text and "2026-27 Q3" in text
    assert "Friday 29 January 2027" in text  # 20 working days after 31 Dec 2026
    for code in (PERCENT, COUNT, DAYS, INFO, SCORE):
        assert code in text
    assert "{{" not in text and "{%" not in text


@pytest.mark.parametrize("kind", KINDS)
def test_every_sheet_is_protected_without_a_password(books, kind):
    for ws in books[("VS-001", kind)].worksheets:
        p = ws.protection
        assert p.sheet, ws.title
        assert not p.password, ws.title
        # In the file format False means "not protected against", i.e. allowed.
        assert p.insertRows is False and p.formatCells is False, ws.title
        assert p.autoFilter is False and p.sort is False, ws.title


# --- tables: names, headers, rows ------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_tables_named_and_headed_exactly_as_the_contract(books, kind):
    wb = books[("VS-002", kind)]
    for table in tc.tables_of(kind):
        ws = wb[table.sheet]
        assert table.name in ws.tables, table.name
        headers, _ = table_cells(wb, table.name)
        assert tuple(headers) == table.headers
        assert [c.name for c in ws.tables[table.name].tableColumns] == list(table.headers)


def test_performance_rows_are_the_sla_kpis_in_force(books, register):
    rows = table_rows(books[("VS-001", tc.PERFORMANCE)], "PerformanceReturn")
    in_force = register.sla_in_force("VS-001", PERIOD)
    assert [r["KPI Code"] for r in rows] == [s.kpi_code for s in in_force]
    for row, sla in zip(rows, in_force):
        kpi = register.kpis[sla.kpi_code]
        assert (row["KPI"], row["Unit"]) == (kpi.name, kpi.unit)
    by_code = {r["KPI Code"]: r for r in rows}
    assert by_code[PERCENT]["Target"] == pytest.approx(0.95)
    assert by_code[COUNT]["Target"] == 600
    assert by_code[INFO]["Target"] is None  # "for information": no target
    assert [r["KPI Code"] for r in table_rows(books[("VS-002", tc.PERFORMANCE)],
                                              "PerformanceReturn")] == [PERCENT, COUNT, SCORE]


def test_a_target_varied_from_q3_shows_the_old_target_in_q2(tmp_path, register):
    q2 = make_templates(tmp_path / "q2", register, PREVIOUS)[("VS-001", tc.PERFORMANCE)]
    q3 = make_templates(tmp_path / "q3", register, PERIOD)[("VS-001", tc.PERFORMANCE)]
    target = {p: {r["KPI Code"]: r["Target"]
                  for r in table_rows(openpyxl.load_workbook(path), "PerformanceReturn")}
              for p, path in (("q2", q2), ("q3", q3))}
    assert target["q2"][PERCENT] == pytest.approx(0.90)
    assert target["q3"][PERCENT] == pytest.approx(0.95)
    assert target["q2"][COUNT] == target["q3"][COUNT] == 600


def test_a_kpi_not_yet_in_force_is_not_issued(tmp_path, register):
    later = replace(register, sla=register.sla + [
        replace(register.sla[0], kpi_code=SCORE, contract_id="VS-002", target=4.5,
                effective_from=Period(FY, 4))])
    q3 = make_templates(tmp_path, later, PERIOD)[("VS-002", tc.PERFORMANCE)]
    rows = table_rows(openpyxl.load_workbook(q3), "PerformanceReturn")
    assert {r["KPI Code"]: r["Target"] for r in rows}[SCORE] == pytest.approx(4.2)


def test_ratio_kpis_compute_actual_with_a_formula(books):
    wb = books[("VS-001", tc.PERFORMANCE)]
    headers, rows = table_cells(wb, "PerformanceReturn")
    col = {h: i for i, h in enumerate(headers)}
    by_code = {r[col["KPI Code"]].value: r for r in rows}
    for code in (PERCENT, DAYS):
        row = by_code[code]
        num, den = row[col["Numerator"]].coordinate, row[col["Denominator"]].coordinate
        assert row[col["Actual"]].value == f'=IF({den}>0,{num}/{den},"")'
    for code in (COUNT, INFO, SCORE):
        assert by_code[code][col["Actual"]].value is None


def test_financial_rows_are_the_budget_lines_of_the_year(books, register):
    for cid in ACTIVE:
        rows = table_rows(books[(cid, tc.FINANCIAL)], "FinancialReturn")
        lines = register.budget_lines(cid, FY)
        assert [r["Budget Line"] for r in rows] == [b.line for b in lines]
        for row, b in zip(rows, lines):
            assert row["Annual Budget"] == b.annual_budget
            assert row["Quarter Budget"] == pytest.approx(b.annual_budget / 4)
            assert all(row[h] is None for h in tc.FINANCIAL_RETURN.headers[3:])


@pytest.mark.parametrize("name", ["Incidents", "Complaints", "Risks", "Improvements"])
def test_record_tables_have_their_blank_rows(books, name):
    rows = table_rows(books[("VS-001", tc.PERFORMANCE)], name)
    assert len(rows) == tc.TABLES[name].blank_rows
    assert all(v is None for r in rows for v in r.values())


def test_a_contract_without_kpis_or_budget_still_gets_valid_empty_tables(tmp_path, register):
    bare = replace(register, sla=[s for s in register.sla if s.contract_id != "VS-002"],
                   budgets=[b for b in register.budgets if b.contract_id != "VS-002"])
    paths = make_templates(tmp_path, bare)
    for kind, table in ((tc.PERFORMANCE, "PerformanceReturn"), (tc.FINANCIAL, "FinancialReturn")):
        wb = openpyxl.load_workbook(paths[("VS-002", kind)])
        assert all(v is None for r in table_rows(wb, table) for v in r.values())
        assert workbook_fingerprint(wb, kind) == expected_fingerprint(bare, "VS-002", PERIOD, kind)


# --- locked and unlocked ---------------------------------------------------------------

def _locked(cell) -> bool:
    return cell.protection.locked


def test_performance_locks_what_the_office_set_and_opens_what_the_provider_gives(books, register):
    headers, rows = table_cells(books[("VS-001", tc.PERFORMANCE)], "PerformanceReturn")
    for row in rows:
        cells = dict(zip(headers, row))
        kpi = register.kpis[cells["KPI Code"].value]
        for h in tc.PERFORMANCE_RETURN.locked:
            assert _locked(cells[h]), (kpi.code, h)
        assert not _locked(cells["Commentary"])
        assert _locked(cells["Numerator"]) != kpi.is_ratio, kpi.code
        assert _locked(cells["Denominator"]) != kpi.is_ratio, kpi.code
        assert _locked(cells["Actual"]) == kpi.is_ratio, kpi.code


def test_financial_locks_the_budget_and_opens_the_rest(books):
    headers, rows = table_cells(books[("VS-001", tc.FINANCIAL)], "FinancialReturn")
    for row in rows:
        for h, cell in zip(headers, row):
            assert _locked(cell) == (h in tc.FINANCIAL_RETURN.locked), h


@pytest.mark.parametrize("name", ["Incidents", "Complaints", "Risks", "Improvements"])
def test_record_rows_are_all_unlocked_and_the_headers_locked(books, name):
    _, rows = table_cells(books[("VS-001", tc.PERFORMANCE)], name)
    assert not any(_locked(c) for row in rows for c in row)
    ws = books[("VS-001", tc.PERFORMANCE)][tc.TABLES[name].sheet]
    assert _locked(ws["A1"]) and _locked(ws["A5"])


def test_input_cells_are_highlighted_and_locked_cells_are_not(books):
    fills = {}
    for row in table_cells(books[("VS-001", tc.PERFORMANCE)], "PerformanceReturn")[1]:
        for cell in row:
            fills.setdefault(_locked(cell), set()).add(cell.fill.fgColor.rgb)
    assert fills[False] == {"FFFFF2CC"}  # pale yellow
    assert "FFFFF2CC" not in fills[True]


# --- the Contract sheet and sign-off -----------------------------------------------------

def test_contract_sheet_lists_the_contract_fields_locked_from_row_4(books, register):
    ws = books[("VS-001", tc.PERFORMANCE)][tc.CONTRACT_SHEET]
    labels = [ws.cell(r, 1).value for r in range(4, 4 + len(tc.CONTRACT_FIELDS))]
    assert tuple(labels) == tc.CONTRACT_FIELDS
    values = {ws.cell(r, 1).value: ws.cell(r, 2) for r in range(4, 4 + len(tc.CONTRACT_FIELDS))}
    assert values["Contract ID"].value == "VS-001"
    assert values["Provider"].value == "Horizon Victim Care CIC"
    assert values["Period"].value == "2026-27 Q3"
    assert values["Period Start"].value.date() == date(2026, 10, 1)
    assert values["Period End"].value.date() == date(2026, 12, 31)
    assert values["Return Due By"].value.date() == return_deadline(PERIOD, 20)
    assert values["Return Due By"].number_format == "d mmm yyyy"
    assert all(_locked(c) for c in values.values())


@pytest.mark.parametrize("kind", KINDS)
def test_sign_off_cells_are_named_unlocked_and_labelled(books, kind):
    wb = books[("VS-001", kind)]
    for label, name in tc.SIGN_OFF_NAMES.items():
        sheet, coord = next(iter(wb.defined_names[name].destinations))
        assert sheet == tc.CONTRACT_SHEET
        cell = wb[sheet][coord.replace("$", "")]
        assert wb[sheet].cell(cell.row, 1).value == label
        assert cell.column == 2 and not _locked(cell)
    date_cell = wb[tc.CONTRACT_SHEET][
        next(iter(wb.defined_names["SignOffDate"].destinations))[1].replace("$", "")]
    assert validation_at(wb[tc.CONTRACT_SHEET], date_cell.coordinate).type == "date"


# --- data validation and formats ---------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_every_input_cell_has_validation_with_an_input_message(books, kind):
    wb = books[("VS-001", kind)]
    for table in tc.tables_of(kind):
        ws = wb[table.sheet]
        _, rows = table_cells(wb, table.name)
        for cell in (c for row in rows for c in row if not _locked(c)):
            dv = validation_at(ws, cell.coordinate)
            assert dv is not None and dv.showInputMessage and dv.prompt, cell.coordinate


def _dv_for(wb, table: str, header: str, row_index: int = 0):
    headers, rows = table_cells(wb, table)
    cell = rows[row_index][headers.index(header)]
    return validation_at(cell.parent, cell.coordinate)


def test_numeric_inputs_accept_numbers_of_zero_or_more(books):
    perf, fin = books[("VS-001", tc.PERFORMANCE)], books[("VS-001", tc.FINANCIAL)]
    cases = [(perf, "PerformanceReturn", "Numerator", 0), (perf, "PerformanceReturn", "Actual", 1),
             (perf, "Incidents", "Clients Affected", 0),
             (perf, "Incidents", "Estimated Cost (£)", 0),
             (fin, "FinancialReturn", "Quarter Actual", 0),
             (fin, "FinancialReturn", "Forecast Outturn", 0)]
    for wb, table, header, i in cases:
        dv = _dv_for(wb, table, header, i)
        assert dv.type in ("decimal", "whole"), header
        assert (dv.operator, dv.formula1) == ("greaterThanOrEqual", "0"), header
        assert dv.showErrorMessage, header


def test_lists_offer_the_contract_enumerations(books):
    wb = books[("VS-001", tc.PERFORMANCE)]
    cases = {("Incidents", "Harm Caused"): tc.YES_NO,
             ("Incidents", "Provider Negligence"): tc.YES_NO,
             ("Incidents", "Reputational Risk"): tc.YES_NO,
             ("Risks", "Likelihood"): tc.RISK_LEVELS, ("Risks", "Impact"): tc.RISK_LEVELS,
             ("Risks", "Status"): tc.RISK_STATUSES,
             ("Improvements", "Status"): tc.ACTION_STATUSES,
             ("Complaints", "Outcome"): tc.COMPLAINT_OUTCOMES,
             ("Incidents", "Category"): tc.INCIDENT_CATEGORIES}
    for (table, header), choices in cases.items():
        dv = _dv_for(wb, table, header, row_index=-1)
        assert dv.type == "list"
        assert dv.formula1 == '"' + ",".join(choices) + '"'


def test_incident_and_complaint_dates_run_from_a_year_before_the_quarter_to_its_end(books):
    # Late-reported incidents and complaints resolved later belong in the return too.
    wb = books[("VS-001", tc.PERFORMANCE)]
    earliest = PERIOD.shift(-4).start
    assert earliest == date(2025, 10, 1)
    excel_day = {d: (d - date(1899, 12, 30)).days for d in (earliest, PERIOD.end)}
    for table, header in (("Incidents", "Date"), ("Complaints", "Date Received")):
        dv = _dv_for(wb, table, header)
        assert dv.type == "date" and dv.operator in (None, "between")  # between: the default
        assert (int(dv.formula1), int(dv.formula2)) == (excel_day[earliest],
                                                        excel_day[PERIOD.end])


def test_incidents_table_adds_category_after_the_public_headers(books):
    wb = books[("VS-001", tc.PERFORMANCE)]
    headers, _ = table_cells(wb, "Incidents")
    assert headers == ["Date", "Description", "Clients Affected", "Estimated Cost (£)",
                       "Harm Caused", "Provider Negligence", "Reputational Risk",
                       "Action Taken", "Category"]
    assert tc.TEMPLATE_VERSION == 2 and tc.KNOWN_VERSIONS == {1, 2}
    assert tc.INCIDENTS.headers_of(1) == tuple(headers[:-1])


def test_number_formats_show_pounds_percent_and_dates(books):
    perf, fin = books[("VS-001", tc.PERFORMANCE)], books[("VS-001", tc.FINANCIAL)]
    headers, rows = table_cells(perf, "PerformanceReturn")
    target = {r[0].value: r[headers.index("Target")].number_format for r in rows}
    assert target[PERCENT].endswith("%") and not target[COUNT].endswith("%")
    headers, rows = table_cells(fin, "FinancialReturn")
    assert all("£" in c.number_format for row in rows for c in row[1:6])
    headers, rows = table_cells(perf, "Incidents")
    assert rows[0][headers.index("Date")].number_format == "d mmm yyyy"
    assert "£" in rows[0][headers.index("Estimated Cost (£)")].number_format


# --- print and view ------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_printing_fits_the_page_width_with_repeated_headers(books, kind):
    wb = books[("VS-001", kind)]
    for ws in wb.worksheets:
        if ws.title == tc.META_SHEET:
            continue
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        # fitToWidth 1 is the file format default, so it may be left out (None)
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0, ws.title
        assert "&P" in ws.oddFooter.center.text, ws.title
    for table in tc.tables_of(kind):
        ws = wb[table.sheet]
        assert ws.print_title_rows.replace("$", "") == "5:5"
        assert ws.freeze_panes == "A6"


# --- metadata ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_meta_sheet_is_very_hidden_and_identifies_the_template(books, kind):
    wb = books[("VS-002", kind)]
    ws = wb[tc.META_SHEET]
    assert ws.sheet_state == "veryHidden"
    meta = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    assert tuple(meta) == tc.META_KEYS
    assert meta["template_kind"] == kind
    assert meta["template_version"] == tc.TEMPLATE_VERSION
    assert meta["contract_id"] == "VS-002"
    assert meta["provider"] == "Safe Harbour Trust"
    assert meta["period"] == "2026-27 Q3"
    assert meta["fingerprint"] == workbook_fingerprint(wb, kind)
    assert meta["fingerprint"] == expected_fingerprint(make_register(), "VS-002", PERIOD, kind)


def test_fingerprint_changes_with_the_locked_content(tmp_path, register):
    q2 = make_templates(tmp_path / "q2", register, PREVIOUS)[("VS-001", tc.PERFORMANCE)]
    q3 = make_templates(tmp_path / "q3", register, PERIOD)[("VS-001", tc.PERFORMANCE)]
    prints = [openpyxl.load_workbook(p)[tc.META_SHEET]["B6"].value for p in (q2, q3)]
    assert prints[0] != prints[1]


# --- nothing let in, other readers, the office's own files -------------------------------------

def test_register_text_that_looks_like_a_formula_is_written_as_text(tmp_path, register):
    hostile = replace(register, kpis={**register.kpis, COUNT: replace(
        register.kpis[COUNT], name='=HYPERLINK("http://example.invalid","click")')})
    path = make_templates(tmp_path, hostile)[("VS-001", tc.PERFORMANCE)]
    rows = table_cells(openpyxl.load_workbook(path), "PerformanceReturn")[1]
    cell = next(r[1] for r in rows if r[0].value == COUNT)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


@pytest.mark.parametrize("kind", KINDS)
def test_templates_open_with_calamine(issued, kind):
    wb = CalamineWorkbook.from_path(str(issued[("VS-001", kind)]))
    assert wb.sheet_names == list(tc.SHEETS[kind])
    rows = wb.get_sheet_by_name(tc.CONTRACT_SHEET).to_python()
    assert rows[3][:2] == ["Contract ID", "VS-001"]


def test_the_office_can_restyle_and_reword_in_its_workspace(tmp_path, register):
    office = tmp_path / "workbook_templates"
    office.mkdir()
    (office / "template_style.json").write_text('{"input_fill": "#CCFFCC"}')
    (office / "instructions_financial.md.j2").write_text(
        "# Money return for {{ contract.contract_id }}\nSend it to {{ office_name }}.\n")
    paths = write_templates(register, PERIOD, tmp_path / "out", workspace_root=tmp_path,
                            office_name="OPCC for Testshire")
    fin = openpyxl.load_workbook(next(p for p in paths if "VS-001_financial" in p.name))
    assert [c.value for c in fin[tc.INSTRUCTIONS_SHEET]["B"] if c.value] == [
        "Money return for VS-001", "Send it to OPCC for Testshire."]
    cell = table_cells(fin, "FinancialReturn")[1][0][3]
    assert cell.fill.fgColor.rgb == "FFCCFFCC"
    # the performance text was not overridden: the shipped one is used
    perf = openpyxl.load_workbook(next(p for p in paths if "VS-001_performance" in p.name))
    assert "Quarterly performance return" in perf[tc.INSTRUCTIONS_SHEET]["B1"].value


def test_the_register_folder_is_the_default_workspace(tmp_path, register):
    (tmp_path / "workbook_templates").mkdir()
    (tmp_path / "workbook_templates" / "template_style.json").write_text(
        '{"input_fill": "#ABCDEF"}')
    located = replace(register, path=str(tmp_path / "register.xlsx"))
    paths = write_templates(located, PERIOD, tmp_path / "out")
    cell = table_cells(openpyxl.load_workbook(paths[1]), "FinancialReturn")[1][0][3]
    assert cell.fill.fgColor.rgb == "FFABCDEF"


@pytest.mark.parametrize("style, words", [
    ('{"input_fill": "yellow"}', "input_fill"),
    ('{"inputfill": "#FFFFFF"}', "unknown setting"),
    ('{"font_size": 200}', "font_size"),
    ("{not json", "JSON"),
])
def test_a_broken_style_file_is_named_in_the_error(tmp_path, register, style, words):
    (tmp_path / "workbook_templates").mkdir()
    (tmp_path / "workbook_templates" / "template_style.json").write_text(style)
    with pytest.raises(WorkspaceError, match=words):
        write_templates(register, PERIOD, tmp_path / "out", workspace_root=tmp_path)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("text, words", [
    ("# Hello {{ contrat.contract_id }}\n", "contrat"),
    ("{% if office_name %}never closed\n", "line"),
])
def test_a_broken_instructions_text_is_named_in_the_error(tmp_path, register, text, words):
    (tmp_path / "workbook_templates").mkdir()
    (tmp_path / "workbook_templates" / "instructions_performance.md.j2").write_text(text)
    with pytest.raises(WorkspaceError, match=words) as caught:
        write_templates(register, PERIOD, tmp_path / "out", workspace_root=tmp_path)
    assert "instructions_performance.md.j2" in str(caught.value)


def test_instruction_marks_become_line_kinds_and_bold_parts():
    from cm_excel.templates import instructions as instr

    lines = instr.parse("# Title\n\n\n## Head\n- a **b** c\nplain\n\n")
    assert [(ln.kind, ln.text) for ln in lines] == [
        (instr.TITLE, "Title"), (instr.BLANK, ""), (instr.HEADING, "Head"),
        (instr.BULLET, "a **b** c"), (instr.PARAGRAPH, "plain")]
    assert instr.segments("a **b** c") == [(False, "a "), (True, "b"), (False, " c")]
    assert instr.plain("a **b** c") == "a b c"


def test_a_heading_never_ends_a_printed_page():
    from cm_excel.templates import instructions as instr
    from cm_excel.templates.writer import PAGE_HEIGHT, _keep_headings_with_text

    lines = [instr.Line(instr.PARAGRAPH, "x")] * 3 + [instr.Line(instr.HEADING, "H"),
                                                      instr.Line(instr.PARAGRAPH, "y")]
    fits = [100, 100, 100, 24, 40]
    assert _keep_headings_with_text(lines, fits) == []
    crowded = [PAGE_HEIGHT - 150, 50, 50, 24, 40]  # heading fits, its text would not
    assert _keep_headings_with_text(lines, crowded) == [3]
