"""Reading register.xlsx: typed records, and every mistake reported by sheet, row and column.

Each test writes the starter register, makes one mistake in it with openpyxl (as a person
would in Excel, keeping the table valid), and checks the problem's code and coordinates.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from openpyxl import load_workbook

from cm_excel.errors import RegisterError
from cm_excel.register import problems as P
from cm_excel.register import schema
from cm_excel.register.convert import BadCell, convert
from cm_excel.register.model import Settings
from cm_excel.register.reader import check_register, read_register
from cm_excel.register.starter import write_starter_register

SPECS = {spec.name: spec for spec in schema.SHEETS}


class Book:
    """The starter register open in openpyxl, edited by field name as a person would."""

    def __init__(self, path):
        self.path = path
        self.wb = load_workbook(path)

    def header(self, sheet: str, field: str) -> str:
        return next(c.header for c in SPECS[sheet].columns if c.field == field)

    def column(self, sheet: str, field: str) -> int:
        headers = [c.value for c in self.wb[sheet][1]]
        return headers.index(self.header(sheet, field)) + 1

    def row(self, sheet: str, **key) -> int:
        """The first data row whose cells equal ``key`` (field=value)."""
        ws = self.wb[sheet]
        for r in range(2, ws.max_row + 1):
            if all(ws.cell(r, self.column(sheet, f)).value == v for f, v in key.items()):
                return r
        raise LookupError(f"{sheet}: no row with {key}")

    def set(self, sheet: str, row: int, field: str, value) -> None:
        self.wb[sheet].cell(row, self.column(sheet, field)).value = value

    def get(self, sheet: str, row: int, field: str):
        return self.wb[sheet].cell(row, self.column(sheet, field)).value

    def append(self, sheet: str, values: dict | None = None, copy_of: int | None = None,
               grow_table: bool = True) -> int:
        """Add a row below the table (a copy of ``copy_of`` with ``values`` changed)."""
        ws = self.wb[sheet]
        table = next(iter(ws.tables.values()))
        last = int("".join(ch for ch in table.ref.split(":")[1] if ch.isdigit()))
        new = last + 1
        for c in range(1, len(SPECS[sheet].columns) + 1):
            if copy_of:
                ws.cell(new, c).value = ws.cell(copy_of, c).value
        for field, value in (values or {}).items():
            self.set(sheet, new, field, value)
        if grow_table:
            table.ref = table.ref.split(":")[0] + ":" + ws.cell(new, len(SPECS[sheet].columns)).coordinate
            table.autoFilter.ref = table.ref
        return new

    def rename_header(self, sheet: str, field: str, new: str) -> None:
        ws = self.wb[sheet]
        col = self.column(sheet, field)
        ws.cell(1, col).value = new
        next(iter(ws.tables.values())).tableColumns[col - 1].name = new

    def save(self):
        self.wb.save(self.path)
        return self.path


@pytest.fixture(scope="module")
def starter_bytes(tmp_path_factory):
    return write_starter_register(tmp_path_factory.mktemp("s") / "register.xlsx").read_bytes()


@pytest.fixture
def starter(tmp_path, starter_bytes):
    path = tmp_path / "register.xlsx"
    path.write_bytes(starter_bytes)
    return path


@pytest.fixture
def book(starter):
    return Book(starter)


def problems(book: Book):
    return check_register(book.save())[1]


def single(book: Book, code: str, sheet: str, row: int, column: str) -> str:
    """Assert exactly one problem, with this code and place; return its line."""
    found = problems(book)
    assert [(p.code, p.sheet, p.row, p.column) for p in found] == [(code, sheet, row, column)], \
        [p.line() for p in found]
    with pytest.raises(RegisterError) as raised:
        read_register(book.path)
    assert raised.value.path == book.path
    [line] = raised.value.problems
    assert line.startswith("register.xlsx: ")
    place = f"{sheet} row {row}, column \"{column}\"" if column else f"{sheet}"
    assert place in line
    return line


# --- sheets and columns -----------------------------------------------------------------


def test_missing_sheet(book):
    del book.wb["Audits"]
    line = single(book, P.MISSING_SHEET, "Audits", 0, "")
    assert '"Audits" is missing' in line


def test_missing_contracts_sheet_is_one_problem_not_a_cascade(book):
    del book.wb["Contracts"]
    single(book, P.MISSING_SHEET, "Contracts", 0, "")


def test_missing_column(book):
    book.rename_header("Contracts", "provider", "Supplier")
    single(book, P.MISSING_COLUMN, "Contracts", 1, "Provider")


def test_sheet_without_any_header_row(book):
    ws = book.wb["Exit"]
    for table in list(ws.tables):
        del ws.tables[table]
    ws.delete_rows(1, ws.max_row)
    found = problems(book)
    assert [(p.code, p.sheet) for p in found] == [(P.MISSING_COLUMN, "Exit")]


def test_headers_are_matched_whatever_their_case_and_spacing(book):
    book.rename_header("Budgets", "line", "  budget   line ")
    assert problems(book) == []


def test_a_dropped_table_falls_back_to_the_header_row(book):
    ws = book.wb["Contracts"]
    del ws.tables["Contracts"]
    register, found = check_register(book.save())
    assert found == []
    assert len(register.contracts) == 7


def test_rows_typed_below_a_table_that_did_not_grow_are_read(book):
    new = book.append("Audits", {"date": datetime(2026, 10, 1)}, copy_of=2, grow_table=False)
    register, found = check_register(book.save())
    assert found == []
    assert [a.row for a in register.audits][-1] == new


def test_blank_rows_are_skipped(book):
    r = book.row("Audits", contract_id="VS-004")
    for field in ("contract_id", "date", "audit_type", "recommended_by", "outcome"):
        book.set("Audits", r, field, None)
    register, found = check_register(book.save())
    assert found == []
    assert len(register.audits) == 7
    assert "VS-004" not in {a.contract_id for a in register.audits}


# --- IDs and references -----------------------------------------------------------------


def test_duplicate_contract_id(book):
    new = book.append("Contracts", copy_of=book.row("Contracts", contract_id="VS-001"))
    line = single(book, P.DUPLICATE_CONTRACT, "Contracts", new, "Contract ID")
    assert "row 2" in line


def test_contract_ids_differing_only_in_case_are_duplicates(book):
    new = book.append("Contracts", {"contract_id": "vs-001"},
                      copy_of=book.row("Contracts", contract_id="VS-001"))
    single(book, P.DUPLICATE_CONTRACT, "Contracts", new, "Contract ID")


def test_duplicate_kpi_code(book):
    new = book.append("KPI Menu", copy_of=book.row("KPI Menu", code="VS03"))
    single(book, P.DUPLICATE_KPI, "KPI Menu", new, "KPI Code")


@pytest.mark.parametrize("unsafe", ["VS 008/A", "VS:8", "-VS8", "VS*8", "A" * 40])
def test_unsafe_contract_id(book, unsafe):
    new = book.append("Contracts", {"contract_id": unsafe},
                      copy_of=book.row("Contracts", contract_id="VS-006"))
    single(book, P.UNSAFE_ID, "Contracts", new, "Contract ID")


def test_unsafe_kpi_code(book):
    new = book.append("KPI Menu", {"code": "VS/27"}, copy_of=book.row("KPI Menu", code="VS26"))
    single(book, P.UNSAFE_ID, "KPI Menu", new, "KPI Code")


def test_unknown_kpi_code_in_sla(book):
    r = book.row("SLA KPIs", contract_id="VS-005", kpi_code="VS22")
    book.set("SLA KPIs", r, "kpi_code", "VS99")
    line = single(book, P.UNKNOWN_KPI, "SLA KPIs", r, "KPI Code")
    assert '"VS99"' in line


@pytest.mark.parametrize("sheet", ["SLA KPIs", "Budgets", "Audits", "Exit", "Disputes",
                                   "Checklist"])
def test_unknown_contract_id(book, sheet):
    book.set(sheet, 2, "contract_id", "VS-099")
    line = single(book, P.UNKNOWN_CONTRACT, sheet, 2, "Contract ID")
    assert '"VS-099" is not a Contract ID' in line


def test_references_ignore_case_and_use_the_id_as_registered(book):
    book.set("Budgets", 2, "contract_id", "vs-001")
    book.set("SLA KPIs", 2, "kpi_code", "vs01")
    register = read_register(book.save())
    assert register.budgets[0].contract_id == "VS-001"
    assert register.sla[0].kpi_code == "VS01"


# --- dates, numbers, lists --------------------------------------------------------------


def test_end_date_before_start_date(book):
    r = book.row("Contracts", contract_id="VS-002")
    book.set("Contracts", r, "end_date", datetime(2024, 3, 31))
    line = single(book, P.DATES_OUT_OF_ORDER, "Contracts", r, "End Date")
    assert "31 Mar 2024" in line and "1 Apr 2025" in line


def test_extension_end_before_end_date(book):
    r = book.row("Contracts", contract_id="VS-001")
    book.set("Contracts", r, "latest_extension_end", datetime(2026, 1, 1))
    single(book, P.DATES_OUT_OF_ORDER, "Contracts", r, "Latest Extension End Date")


@pytest.mark.parametrize("sheet, key, field, header, value, code", [
    ("Contracts", {"contract_id": "VS-003"}, "annual_value", "Annual Contract Value (£)",
     "about 300k", P.NOT_A_NUMBER),
    ("Contracts", {"contract_id": "VS-003"}, "client_group_size",
     "Client Group Size (service users a year)", "lots", P.NOT_A_NUMBER),
    ("Contracts", {"contract_id": "VS-003"}, "client_group_size",
     "Client Group Size (service users a year)", 600.5, P.NOT_A_WHOLE_NUMBER),
    ("Budgets", {}, "annual_budget", "Annual Budget (£)", -5000, P.NEGATIVE),
    ("Contracts", {"contract_id": "VS-003"}, "start_date", "Start Date", "next April",
     P.NOT_A_DATE),
    ("Audits", {}, "date", "Date", "31/02/2026", P.NOT_A_DATE),
    ("SLA KPIs", {"contract_id": "VS-001", "kpi_code": "VS03"}, "target", "Target",
     "ninety", P.NOT_A_NUMBER),
    ("SLA KPIs", {"contract_id": "VS-001", "kpi_code": "VS03"}, "effective_from",
     "Effective From", "Q3 2026", P.NOT_A_PERIOD),
    ("SLA KPIs", {"contract_id": "VS-001", "kpi_code": "VS03"}, "mandatory", "Mandatory",
     "maybe", P.NOT_YES_NO),
    ("Budgets", {}, "fy", "Financial Year", "2026-28", P.NOT_A_YEAR),
])
def test_a_cell_of_the_wrong_type(book, sheet, key, field, header, value, code):
    r = book.row(sheet, **key) if key else 2
    book.set(sheet, r, field, value)
    line = single(book, code, sheet, r, header)
    assert str(value).split()[0] in line


@pytest.mark.parametrize("sheet, key, field, header", [
    ("Contracts", {"contract_id": "VS-002"}, "provider", "Provider"),
    ("Contracts", {"contract_id": "VS-002"}, "start_date", "Start Date"),
    ("KPI Menu", {"code": "VS07"}, "unit", "Unit"),
    ("SLA KPIs", {"contract_id": "VS-004", "kpi_code": "VS06"}, "mandatory", "Mandatory"),
    ("Budgets", {}, "line", "Budget Line"),
    ("Settings", {}, "value", "Value"),
])
def test_blank_mandatory_cell(book, sheet, key, field, header):
    r = book.row(sheet, **key) if key else 2
    book.set(sheet, r, field, "   ")
    single(book, P.BLANK, sheet, r, header)


def test_optional_cells_may_be_blank(book):
    r = book.row("Contracts", contract_id="VS-002")
    book.set("Contracts", r, "deputy_officer", None)
    book.set("Contracts", r, "latest_extension_end", None)
    register = read_register(book.save())
    assert register.contracts["VS-002"].deputy_officer is None


@pytest.mark.parametrize("sheet, field, header, value", [
    ("Contracts", "status", "Status", "live"),
    ("KPI Menu", "direction", "Direction", "up is good"),
    ("Audits", "audit_type", "Audit Type", "spot check"),
    ("Exit", "decision", "Decision", "renew"),
])
def test_value_not_in_the_list(book, sheet, field, header, value):
    book.set(sheet, 2, field, value)
    line = single(book, P.NOT_IN_LIST, sheet, 2, header)
    assert f'"{value}"' in line


def test_what_people_type_is_understood(book):
    c = book.row("Contracts", contract_id="VS-001")
    book.set("Contracts", c, "annual_value", "£300,000")
    book.set("Contracts", c, "client_group_size", " 4,500 ")
    book.set("Contracts", c, "start_date", "01/04/2024")
    book.set("Contracts", c, "end_date", "2027-03-31")
    book.set("Contracts", c, "status", "ACTIVE")
    s = book.row("SLA KPIs", contract_id="VS-001", kpi_code="VS03")
    book.set("SLA KPIs", s, "target", "95%")
    book.set("SLA KPIs", s, "amber", 0.85)
    book.set("SLA KPIs", s, "mandatory", "yes")
    book.set("SLA KPIs", s, "effective_from", "2024-25 q1")
    book.set("KPI Menu", book.row("KPI Menu", code="VS05"), "direction", "Lower-is-Better")
    book.set("Budgets", 2, "fy", 2025)
    book.set("Audits", 2, "date", 46063)  # a date cell that lost its formatting: 10 Feb 2026
    register = read_register(book.save())
    contract = register.contracts["VS-001"]
    assert (contract.annual_value, contract.client_group_size) == (300_000, 4_500)
    assert (contract.start_date, contract.end_date) == (date(2024, 4, 1), date(2027, 3, 31))
    assert contract.status == "active"
    sla = next(x for x in register.sla if x.row == s)
    assert (sla.target, sla.amber, sla.mandatory, sla.effective_from.label) == (
        pytest.approx(0.95), 0.85, True, "2024-25 Q1")
    assert register.kpis["VS05"].direction == "lower is better"
    assert register.budgets[0].fy == 2025
    assert register.audits[0].date == date(2026, 2, 10)


# --- targets ------------------------------------------------------------------------------


def test_amber_above_target_for_a_higher_is_better_kpi(book):
    r = book.row("SLA KPIs", contract_id="VS-001", kpi_code="VS03")
    book.set("SLA KPIs", r, "amber", 0.97)
    line = single(book, P.AMBER_WRONG_SIDE, "SLA KPIs", r, "Amber Threshold")
    assert "97% is above the target 95%" in line and "VS03 is higher-is-better" in line


def test_amber_below_target_for_a_lower_is_better_kpi(book):
    r = book.row("SLA KPIs", contract_id="VS-001", kpi_code="VS05")
    book.set("SLA KPIs", r, "amber", 1.5)
    line = single(book, P.AMBER_WRONG_SIDE, "SLA KPIs", r, "Amber Threshold")
    assert "must be above the target" in line


def test_amber_equal_to_target_or_blank_means_no_amber_band(book):
    r = book.row("SLA KPIs", contract_id="VS-001", kpi_code="VS03")
    book.set("SLA KPIs", r, "amber", 0.95)
    r = book.row("SLA KPIs", contract_id="VS-001", kpi_code="VS02")
    book.set("SLA KPIs", r, "amber", None)
    assert problems(book) == []


def test_target_missing_for_a_mandatory_kpi(book):
    r = book.row("SLA KPIs", contract_id="VS-001", kpi_code="VS02")
    book.set("SLA KPIs", r, "target", None)
    book.set("SLA KPIs", r, "amber", None)
    single(book, P.TARGET_MISSING, "SLA KPIs", r, "Target")


def test_optional_kpi_without_target_is_reported_for_information(book):
    r = book.row("SLA KPIs", contract_id="VS-001", kpi_code="VS17")  # Mandatory N
    book.set("SLA KPIs", r, "target", None)
    book.set("SLA KPIs", r, "amber", None)
    assert problems(book) == []


def test_amber_without_target(book):
    r = book.row("SLA KPIs", contract_id="VS-001", kpi_code="VS17")  # Mandatory N
    book.set("SLA KPIs", r, "target", None)
    single(book, P.AMBER_WITHOUT_TARGET, "SLA KPIs", r, "Amber Threshold")


def test_overlapping_sla_rows(book):
    first = book.row("SLA KPIs", contract_id="VS-003", kpi_code="VS04")
    new = book.append("SLA KPIs", {"target": 0.9, "amber": 0.8}, copy_of=first)
    line = single(book, P.SLA_OVERLAP, "SLA KPIs", new, "Effective From")
    assert f"row {first}" in line


@pytest.mark.parametrize("field, header, value, advice", [
    ("target", "Target", 90, "write 90% not 90"),
    ("target", "Target", 150, "between 0% and 100%"),
    ("target", "Target", -0.1, "between 0% and 100%"),
    ("amber", "Amber Threshold", 80, "write 80% not 80"),
])
def test_percent_target_outside_0_to_1(book, field, header, value, advice):
    r = book.row("SLA KPIs", contract_id="VS-002", kpi_code="VS10")
    book.set("SLA KPIs", r, field, value)
    line = single(book, P.PERCENT_OUT_OF_RANGE, "SLA KPIs", r, header)
    assert advice in line


def test_targets_of_other_units_may_exceed_one(book):
    r = book.row("SLA KPIs", contract_id="VS-002", kpi_code="VS07")
    book.set("SLA KPIs", r, "target", 130)
    assert problems(book) == []


@pytest.mark.parametrize("aggregation", ["sum", "mean"])
def test_a_percentage_is_not_summed_or_averaged_over_the_year(book, aggregation):
    r = book.row("KPI Menu", code="VS10")
    book.set("KPI Menu", r, "aggregation", aggregation)
    single(book, P.PERCENT_AGGREGATION, "KPI Menu", r, "Annual Aggregation")


def test_duplicate_budget_line(book):
    new = book.append("Budgets", copy_of=2)
    single(book, P.DUPLICATE_BUDGET_LINE, "Budgets", new, "Budget Line")


# --- settings -----------------------------------------------------------------------------


def test_settings_are_read_by_their_words(book):
    book.set("Settings", book.row("Settings", setting="Variance tolerance"), "value", "15%")
    book.set("Settings", book.row("Settings", setting="Return deadline (working days)"),
             "value", "25")
    book.set("Settings", book.row("Settings", setting="Protective marking"), "value", "OFFICIAL")
    book.set("Settings", book.row("Settings", setting="Exit notice months"), "setting",
             "exit NOTICE months")
    settings = read_register(book.save()).settings
    assert settings.variance_tolerance == pytest.approx(0.15)
    assert settings.return_deadline_working_days == 25
    assert settings.protective_marking == "OFFICIAL"
    assert settings.exit_notice_months == 6


def test_a_missing_setting_takes_its_default(book):
    r = book.row("Settings", setting="Audit interval months")
    for field in ("setting", "value", "default", "description"):
        book.set("Settings", r, field, None)
    book.set("Settings", book.row("Settings", setting="Exit notice months"), "value", 4)
    settings = read_register(book.save()).settings
    assert settings.audit_interval_months == Settings().audit_interval_months
    assert settings.exit_notice_months == 4


def test_unknown_setting(book):
    new = book.append("Settings", {"setting": "Colour scheme", "value": "blue"}, copy_of=2)
    single(book, P.UNKNOWN_SETTING, "Settings", new, "Setting")


def test_duplicate_setting(book):
    new = book.append("Settings", copy_of=2)
    single(book, P.DUPLICATE_SETTING, "Settings", new, "Setting")


@pytest.mark.parametrize("setting, value, code", [
    ("Variance tolerance", 10, P.PERCENT_OUT_OF_RANGE),
    ("Return deadline (working days)", "twenty", P.NOT_A_NUMBER),
    ("Return deadline (working days)", 20.5, P.NOT_A_WHOLE_NUMBER),
    ("Exit notice months", -1, P.NEGATIVE),
])
def test_bad_setting_value(book, setting, value, code):
    r = book.row("Settings", setting=setting)
    book.set("Settings", r, "value", value)
    single(book, code, "Settings", r, "Value")


# --- files that are not registers ----------------------------------------------------------


@pytest.mark.parametrize("content", [
    b"Contract ID,Service\nVS-001,Hub\n",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,  # legacy .xls or encrypted .xlsx
    b"",
    "zip",  # a zip archive that is not a workbook
])
def test_a_file_that_is_not_a_readable_workbook(tmp_path, content):
    path = tmp_path / "register.xlsx"
    if content == "zip":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("hello.txt", "not a workbook")
    else:
        path.write_bytes(content)
    with pytest.raises(RegisterError) as raised:
        read_register(path)
    [line] = raised.value.problems
    assert line.startswith("register.xlsx: ") and "xlsx" in line[len("register.xlsx"):]


def test_a_missing_file(tmp_path):
    with pytest.raises(RegisterError) as raised:
        read_register(tmp_path / "register.xlsx")
    assert len(raised.value.problems) == 1


def test_junk_in_every_cell_gives_problems_never_a_traceback(book):
    junk = ["=1/0", "#N/A", True, 1e308, -3, datetime(1900, 1, 1), "  ", "ö€£%", 0.5, "Q9"]
    for spec in schema.SHEETS:
        for i, column in enumerate(spec.columns):
            book.set(spec.name, 2, column.field, junk[i % len(junk)])
    register, found = check_register(book.save())
    assert found
    assert all(p.line().startswith("register.xlsx: ") for p in found)


# --- many mistakes, one pass ---------------------------------------------------------------


def test_ten_mistakes_give_exactly_ten_problem_lines(book):
    def at(sheet, **key):
        return book.row(sheet, **key)

    book.set("Contracts", at("Contracts", contract_id="VS-002"), "provider", None)
    book.set("Contracts", at("Contracts", contract_id="VS-003"), "annual_value", "lots")
    book.set("Contracts", at("Contracts", contract_id="VS-004"), "end_date", datetime(2020, 1, 1))
    book.set("Contracts", at("Contracts", contract_id="VS-005"), "status", "live")
    book.append("KPI Menu", copy_of=at("KPI Menu", code="VS03"))
    book.set("SLA KPIs", at("SLA KPIs", contract_id="VS-001", kpi_code="VS03"), "amber", 0.97)
    book.set("SLA KPIs", at("SLA KPIs", contract_id="VS-001", kpi_code="VS02"), "target", None)
    book.set("SLA KPIs", at("SLA KPIs", contract_id="VS-006", kpi_code="VS03"), "target", 95)
    book.set("Budgets", 2, "contract_id", "VS-099")
    book.set("Audits", 2, "date", "soon")
    book.save()
    with pytest.raises(RegisterError) as raised:
        read_register(book.path)
    assert len(raised.value.problems) == 10
    assert "10 problem(s)" in str(raised.value)
    codes = [p.code for p in check_register(book.path)[1]]
    assert sorted(codes) == sorted([
        P.BLANK, P.NOT_A_NUMBER, P.DATES_OUT_OF_ORDER, P.NOT_IN_LIST, P.DUPLICATE_KPI,
        P.AMBER_WRONG_SIDE, P.TARGET_MISSING, P.PERCENT_OUT_OF_RANGE, P.UNKNOWN_CONTRACT,
        P.NOT_A_DATE])
    # In sheet order, then row order, one line each.
    sheets = [line.split(": ")[1].split(" row ")[0] for line in raised.value.problems]
    assert sheets == ["Contracts"] * 4 + ["KPI Menu"] + ["SLA KPIs"] * 3 + ["Budgets", "Audits"]
    # Through the command line: every line shown, exit code 1, no traceback, nothing written.
    from click.testing import CliRunner

    from cm_excel.cli import cli

    result = CliRunner().invoke(cli, ["--workspace", str(book.path.parent), "templates", "Q3",
                                      "--year", "2026"])
    assert result.exit_code == 1
    assert [line.strip() for line in result.output.splitlines()
            if line.startswith("  register.xlsx: ")] == raised.value.problems
    assert "Traceback" not in result.output
    assert not (book.path.parent / "outbox" / "templates").exists()


def test_a_contract_missing_from_the_register_is_one_problem_per_sheet(book):
    r = book.row("Contracts", contract_id="VS-006")
    book.wb["Contracts"].delete_rows(r)  # the table keeps its size; the row left is blank
    found = problems(book)
    first_rows = {s: book.row(s, contract_id="VS-006") for s in
                  ("SLA KPIs", "Budgets", "Audits", "Exit", "Checklist")}
    assert [(p.code, p.sheet, p.row) for p in found] == [
        (P.UNKNOWN_CONTRACT, sheet, row) for sheet, row in first_rows.items()]
    assert "rows" in found[1].message  # the other budget lines are named, not repeated


def test_a_cell_showing_a_formula_error(book):
    r = book.row("Contracts", contract_id="VS-004")
    book.set("Contracts", r, "provider", "#REF!")
    line = single(book, P.CELL_ERROR, "Contracts", r, "Provider")
    assert "#REF!" in line


# --- cell conversion, property-tested --------------------------------------------------------

MONEY = schema.Column("Annual Budget (£)", "annual_budget", schema.MONEY)
NUMBER = schema.Column("Target", "target", schema.NUMBER)
A_DATE = schema.Column("Date", "date", schema.DATE)


@hsettings(deadline=None)
@given(st.decimals(min_value=0, max_value=10**9, places=2))
def test_money_typed_as_text_reads_as_its_number(amount):
    for text in (f"£{amount:,.2f}", f" {amount:,} ", f"{amount}"):
        assert convert(text, MONEY) == pytest.approx(float(amount))


@hsettings(deadline=None)
@given(st.integers(min_value=0, max_value=1000))
def test_percent_text_reads_as_a_fraction(percent):
    assert convert(f"{percent}%", NUMBER) == pytest.approx(percent / 100)


@hsettings(deadline=None)
@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)))
def test_dates_typed_the_uk_or_iso_way(day):
    for text in (day.isoformat(), f"{day:%d/%m/%Y}", f"{day.day} {day:%b %Y}"):
        assert convert(text, A_DATE) == day


@hsettings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.floats(), st.integers(), st.booleans(), st.datetimes()))
def test_any_cell_value_converts_or_gives_a_bad_cell(value):
    for column in (*schema.CONTRACTS.columns, *schema.SLA_KPIS.columns, *schema.BUDGETS.columns):
        try:
            convert(value, column)
        except BadCell as bad:
            assert bad.code and bad.message


def test_a_decompression_bomb_is_not_unpacked(tmp_path):
    path = tmp_path / "register.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b"<" + b" " * (201 * 2**20) + b"/>")
    assert path.stat().st_size < 2**20
    with pytest.raises(RegisterError) as raised:
        read_register(path)
    [line] = raised.value.problems
    assert "MB" in line


# --- optional trailing columns (added for the calendar flags) -------------------------------


def _drop_trailing_columns(book: Book, sheet: str, count: int) -> None:
    """Delete the sheet's last ``count`` columns and shrink its table, as in an older register."""
    ws = book.wb[sheet]
    table = next(iter(ws.tables.values()))
    keep = len(SPECS[sheet].columns) - count
    ws.delete_cols(keep + 1, count)
    last_row = int("".join(ch for ch in table.ref.split(":")[1] if ch.isdigit()))
    table.ref = f"A1:{ws.cell(last_row, keep).coordinate}"
    table.autoFilter.ref = table.ref
    del table.tableColumns[keep:]


def test_a_register_without_the_optional_columns_still_reads(book):
    """Registers issued before the Disputes action-plan columns and the Checklist due date
    were added read as before: those cells count as blank."""
    _drop_trailing_columns(book, "Disputes", 2)
    _drop_trailing_columns(book, "Checklist", 1)
    register, found = check_register(book.save())
    assert found == []
    assert register.disputes and all(d.action_plan_due is None and d.outcome is None
                                     for d in register.disputes)
    assert register.checklist and all(i.due_date is None for i in register.checklist)


def test_optional_columns_are_read_and_typed(book):
    r = book.row("Disputes", contract_id="VS-002")
    assert book.get("Disputes", r, "action_plan_due") is not None  # the starter's example
    book.set("Disputes", r, "outcome", "Accreditation renewed on 4 Nov 2026")
    c = book.row("Checklist", contract_id="VS-006", status="requested")
    book.set("Checklist", c, "due_date", "soon")
    found = problems(book)
    assert [(p.code, p.sheet, p.row, p.column) for p in found] == [
        (P.NOT_A_DATE, "Checklist", c, "Due Date")]
    book.set("Checklist", c, "due_date", datetime(2026, 12, 15))
    register = read_register(book.save())
    dispute = next(d for d in register.disputes if d.contract_id == "VS-002")
    assert (dispute.action_plan_due, dispute.outcome) == (
        date(2026, 10, 30), "Accreditation renewed on 4 Nov 2026")
    item = next(i for i in register.checklist if i.row == c)
    assert item.due_date == date(2026, 12, 15)


def test_new_settings_have_defaults_and_can_be_set(book):
    ws = book.wb["Settings"]
    names = [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)]
    for words, key, default in (("Service transfer plan days", "stp_window_days", 30),
                                ("Checklist warning days", "checklist_warning_days", 60),
                                ("Contract meeting working days",
                                 "contract_meeting_working_days", 15)):
        r = names.index(words) + 2
        assert ws.cell(r, 3).value == default and ws.cell(r, 4).value
        ws.cell(r, 2).value = default + 5
    register = read_register(book.save())
    assert (register.settings.stp_window_days, register.settings.checklist_warning_days,
            register.settings.contract_meeting_working_days) == (35, 65, 20)


# --- the fast reader (python-calamine) and openpyxl agree -----------------------------------


def _drop_table(book: Book, sheet: str) -> None:
    ws = book.wb[sheet]
    for name in list(ws.tables):
        del ws.tables[name]


@pytest.mark.parametrize("edit", ["none", "junk", "dropped_table", "renamed_header",
                                  "row_below_table", "typed_text", "error_cell"])
def test_calamine_and_openpyxl_read_the_same_register(book, edit):
    """Every command reads the register with python-calamine; what it finds (records and
    problems, with their cells and messages) is what openpyxl finds in the same file."""
    contracts = "Contracts"
    r = book.row(contracts, contract_id="VS-003")
    if edit == "junk":
        # (not 1e308: openpyxl reads it in a date cell as #VALUE!, calamine as the number)
        junk = [-3, datetime(1900, 1, 1), "  ", "ö€£%", 0.5, "Q9", 12.0, True, 2.5, 1e9]
        for spec in schema.SHEETS:
            for i, column in enumerate(spec.columns):
                book.set(spec.name, 2, column.field, junk[i % len(junk)])
    elif edit == "dropped_table":
        _drop_table(book, "SLA KPIs")
    elif edit == "renamed_header":
        book.rename_header(contracts, "provider", "  PROVIDER ")
    elif edit == "row_below_table":
        book.append(contracts, {"contract_id": "VS-099"}, copy_of=r, grow_table=False)
    elif edit == "typed_text":
        book.set(contracts, r, "annual_value", "£1,234.50")
        book.set(contracts, r, "start_date", "01/04/2026")
        book.set(contracts, r, "end_date", 46000)
    elif edit == "error_cell":
        book.set(contracts, r, "provider", "#DIV/0!")
    path = book.save()
    fast, slow = check_register(path), check_register(path, fast=False)
    assert [p.line() for p in fast[1]] == [p.line() for p in slow[1]]
    assert fast[0] == slow[0]
    if edit == "none":
        assert fast[1] == [] and fast[0].contracts
