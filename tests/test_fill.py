"""fill_return: filling a template the way a provider does, through the public contract."""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from builders import (COUNT, DAYS, PERCENT, PERIOD, SIGN_OFF, good_kpis, good_lines,
                      make_register, make_return, make_templates, table_cells, table_rows,
                      validation_at, workbook_fingerprint)
from cm_excel.templates import contract as tc
from cm_excel.templates.fill import Formula, fill_return


@pytest.fixture
def templates(tmp_path):
    return make_templates(tmp_path / "templates")


def _incident(i: int) -> dict:
    return {"Date": date(2026, 11, 1 + i), "Description": f"Incident {i}",
            "Clients Affected": i, "Estimated Cost (£)": 100.0 * i, "Harm Caused": "N",
            "Provider Negligence": "N", "Reputational Risk": "Y" if i == 0 else "N",
            "Action Taken": "Reviewed with staff."}


def test_kpi_values_land_in_their_rows_by_kpi_code(tmp_path):
    register = make_register()
    path = make_return(tmp_path, "VS-001", tc.PERFORMANCE, register=register)
    rows = {r["KPI Code"]: r for r in table_rows(openpyxl.load_workbook(path),
                                                 "PerformanceReturn")}
    for code, values in good_kpis(register, "VS-001").items():
        for header, value in values.items():
            assert rows[code][header] == value, (code, header)
    assert rows[PERCENT]["Actual"].startswith("=IF(")  # the helper formula is kept


def test_financial_values_land_in_their_rows_by_budget_line(tmp_path):
    register = make_register()
    path = make_return(tmp_path, "VS-002", tc.FINANCIAL, register=register)
    rows = {r["Budget Line"]: r for r in table_rows(openpyxl.load_workbook(path),
                                                    "FinancialReturn")}
    for line, values in good_lines(register, "VS-002").items():
        for header, value in values.items():
            assert rows[line][header] == pytest.approx(value), (line, header)


@pytest.mark.parametrize("kind", tc.KINDS)
def test_sign_off_goes_into_the_named_cells(tmp_path, kind):
    wb = openpyxl.load_workbook(make_return(tmp_path, kind=kind))
    for label, name in tc.SIGN_OFF_NAMES.items():
        sheet, coord = next(iter(wb.defined_names[name].destinations))
        value = wb[sheet][coord.replace("$", "")].value
        expected = SIGN_OFF[label]
        assert (value.date() if isinstance(value, datetime) else value) == expected


def test_sign_off_by_defined_name(tmp_path, templates):
    out = fill_return(templates[("VS-001", tc.FINANCIAL)], tmp_path / "r.xlsx",
                      sign_off={"PreparedBy": "A. Person"})
    wb = openpyxl.load_workbook(out)
    sheet, coord = next(iter(wb.defined_names["PreparedBy"].destinations))
    assert wb[sheet][coord.replace("$", "")].value == "A. Person"


def test_records_fill_the_blank_rows_first(tmp_path):
    path = make_return(tmp_path, tables={"Incidents": [_incident(0), _incident(1)],
                                         "Risks": [{"Risk": "Staff turnover",
                                                    "Likelihood": "High", "Impact": "Medium",
                                                    "Status": "Open"}]})
    wb = openpyxl.load_workbook(path)
    incidents = table_rows(wb, "Incidents")
    assert len(incidents) == tc.INCIDENTS.blank_rows
    assert incidents[0]["Description"] == "Incident 0"
    assert incidents[1]["Date"] == datetime(2026, 11, 2)
    assert all(v is None for r in incidents[2:] for v in r.values())
    assert table_rows(wb, "Risks")[0]["Likelihood"] == "High"


def test_more_records_than_blank_rows_extend_the_table(tmp_path):
    many = [_incident(i) for i in range(tc.INCIDENTS.blank_rows + 3)]
    path = make_return(tmp_path, tables={"Incidents": many})
    wb = openpyxl.load_workbook(path)
    ws = wb[tc.INCIDENTS.sheet]
    assert ws.tables["Incidents"].ref == f"A5:I{5 + len(many)}"
    headers, rows = table_cells(wb, "Incidents")
    assert [r[1].value for r in rows] == [f"Incident {i}" for i in range(len(many))]
    last = rows[-1]
    assert not any(c.protection.locked for c in last)  # styled like the rows above
    assert last[0].number_format == "d mmm yyyy"
    date_rule = validation_at(ws, last[0].coordinate)  # validation follows the new rows
    assert date_rule is not None and date_rule.type == "date"
    assert validation_at(ws, last[headers.index("Harm Caused")].coordinate).type == "list"
    # the other readers see the whole table too
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(tc.INCIDENTS.sheet)
    assert sheet.to_python()[4 + len(many)][1] == f"Incident {len(many) - 1}"


def test_a_kpi_code_not_issued_is_added_as_a_new_row(tmp_path):
    path = make_return(tmp_path, kpis={"EXTRA1": {"Actual": 5, "Commentary": "added"}})
    rows = table_rows(openpyxl.load_workbook(path), "PerformanceReturn")
    assert rows[-1]["KPI Code"] == "EXTRA1" and rows[-1]["Actual"] == 5
    assert len(rows) == len(make_register().sla_in_force("VS-001", PERIOD)) + 1


def test_the_fill_keeps_metadata_protection_and_names(tmp_path, templates):
    template = templates[("VS-001", tc.PERFORMANCE)]
    out = make_return(tmp_path, tables={"Incidents": [_incident(i) for i in range(12)]})
    before, after = openpyxl.load_workbook(template), openpyxl.load_workbook(out)
    assert after.sheetnames == before.sheetnames
    meta = after[tc.META_SHEET]
    assert meta.sheet_state == "veryHidden"
    assert [[c.value for c in r] for r in meta.iter_rows()] == \
           [[c.value for c in r] for r in before[tc.META_SHEET].iter_rows()]
    assert all(ws.protection.sheet for ws in after.worksheets)
    assert set(tc.SIGN_OFF_NAMES.values()) <= set(after.defined_names)
    # the locked content is untouched, so the fingerprint still matches
    assert workbook_fingerprint(after, tc.PERFORMANCE) == meta["B6"].value


def test_overwriting_a_locked_target_changes_the_fingerprint(tmp_path):
    path = make_return(tmp_path, kpis={COUNT: {"Target": 1, "Actual": 2}})
    wb = openpyxl.load_workbook(path)
    assert workbook_fingerprint(wb, tc.PERFORMANCE) != wb[tc.META_SHEET]["B6"].value


def test_text_stays_text_and_formulas_only_when_asked(tmp_path):
    path = make_return(tmp_path, kpis={
        COUNT: {"Actual": "1,234", "Commentary": "=HYPERLINK(\"http://x.invalid\")"},
        DAYS: {"Numerator": 10, "Denominator": 5, "Commentary": Formula("=1+1")}})
    headers, rows = table_cells(openpyxl.load_workbook(path), "PerformanceReturn")
    cells = {r[0].value: dict(zip(headers, r)) for r in rows}
    assert cells[COUNT]["Actual"].value == "1,234"
    assert cells[COUNT]["Commentary"].data_type == "s"
    assert cells[DAYS]["Commentary"].data_type == "f"


def test_the_filled_file_reopens_with_openpyxl_and_calamine(tmp_path):
    path = make_return(tmp_path, tables={"Complaints": [
        {"Date Received": date(2026, 10, 20), "Category": "Delay", "Summary": "Slow reply",
         "Outcome": "Upheld", "Resolved Date": date(2026, 11, 2)}]})
    openpyxl.load_workbook(path)
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == list(tc.SHEETS[tc.PERFORMANCE])
    complaints = book.get_sheet_by_name("Complaints").to_python()
    assert complaints[4][:2] == ["Date Received", "Category"]
    assert complaints[5][0] == date(2026, 10, 20) or complaints[5][0].date() == date(2026, 10, 20)


@pytest.mark.parametrize("kwargs, words", [
    ({"tables": {"Nope": [{}]}}, "Nope"),
    ({"tables": {"Incidents": [{"Colour": "red"}]}}, "Colour"),
    ({"kpis": {PERCENT: {"Numerater": 1}}}, "Numerater"),
    ({"sign_off": {"Signed": "x"}}, "Signed"),
])
def test_unknown_names_are_refused(tmp_path, templates, kwargs, words):
    with pytest.raises(KeyError, match=words):
        fill_return(templates[("VS-001", tc.PERFORMANCE)], tmp_path / "r.xlsx", **kwargs)
    assert not (tmp_path / "r.xlsx").exists()


def test_the_template_itself_is_not_changed(tmp_path, templates):
    template = templates[("VS-001", tc.FINANCIAL)]
    before = template.read_bytes()
    fill_return(template, tmp_path / "r.xlsx", lines={"Staff costs": {"Quarter Actual": 1}})
    assert template.read_bytes() == before


def test_the_same_values_give_a_byte_identical_return(tmp_path):
    first = make_return(tmp_path / "a", tables={"Incidents": [_incident(1)]})
    second = make_return(tmp_path / "b", tables={"Incidents": [_incident(1)]})
    assert first.read_bytes() == second.read_bytes()
    props = openpyxl.load_workbook(first).properties
    assert props.modified == props.created == datetime(2026, 10, 1)
