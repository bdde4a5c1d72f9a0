"""The starter register: a self-explaining example portfolio that reads back cleanly."""

from __future__ import annotations

import re
from datetime import date

import pytest
from openpyxl import load_workbook

from cm_excel.print_setup import fit_widths
from cm_excel.periods import Period, add_working_days, parse_fy
from cm_excel.register import schema
from cm_excel.register.model import Settings
from cm_excel.register.reader import check_register, read_register
from cm_excel.register.starter import COLUMN_HELP, write_starter_register
from cm_excel.register.starter_data import STARTER_CONTRACTS, STARTER_KPIS

AS_OF = date(2026, 11, 25)  # the day the demo speaks for


@pytest.fixture(scope="module")
def starter_path(tmp_path_factory):
    return write_starter_register(tmp_path_factory.mktemp("starter") / "register.xlsx")


@pytest.fixture(scope="module")
def register(starter_path):
    return read_register(starter_path)


@pytest.fixture(scope="module")
def workbook(starter_path):
    return load_workbook(starter_path)


def test_starter_reads_back_without_problems(starter_path):
    register, problems = check_register(starter_path)
    assert problems == []
    assert register.path == str(starter_path)


def test_starter_is_byte_identical_each_time(tmp_path):
    first = write_starter_register(tmp_path / "a.xlsx").read_bytes()
    second = write_starter_register(tmp_path / "b.xlsx").read_bytes()
    assert first == second


def test_records_match_the_starter_data(register):
    assert [c.contract_id for c in register.contracts.values()] == [
        c.contract_id for c in STARTER_CONTRACTS]
    for original in STARTER_CONTRACTS:
        read = register.contracts[original.contract_id]
        assert read == original.__class__(**{**original.__dict__, "row": read.row})


def test_portfolio_is_a_realistic_victim_services_mix(register):
    contracts = list(register.contracts.values())
    assert len(contracts) >= 6
    assert all(40_000 <= c.annual_value <= 1_200_000 for c in contracts)
    assert min(c.annual_value for c in contracts) < 50_000
    assert max(c.annual_value for c in contracts) >= 1_000_000
    shared = [c for c in contracts if "shared with" in c.service]
    assert len(shared) == 1 and shared[0].annual_value >= 1_000_000
    for c in contracts:
        # Cost per service user between a hub's ~£60 and an advocacy service's ~£1,000.
        assert 50 <= c.annual_value / c.client_group_size <= 1_000, c.contract_id
        # Every contract runs through the demo's quarters (VS-006 is decommissioned at the
        # end of Jan 2027, within 2026-27 Q4).
        assert c.start_date <= date(2025, 4, 1) and c.end_date >= date(2027, 1, 31)
    assert all(re.fullmatch(schema.SAFE_ID_PATTERN, cid) for cid in register.contracts)


def test_kpi_menu_has_every_unit_and_aggregation(register):
    kpis = register.kpis
    assert 12 <= len(kpis) <= 20
    assert {k.unit for k in kpis.values()} == set(schema.UNITS)
    assert {k.aggregation for k in kpis.values()} == set(schema.AGGREGATIONS)
    assert kpis["VS05"].unit == "days" and kpis["VS05"].aggregation == "ratio of sums"
    assert kpis["VS25"].unit == "gbp" and kpis["VS25"].aggregation == "ratio of sums"
    scores = [k for k in kpis.values() if k.unit == "score"]
    assert scores and all(k.aggregation == "mean" for k in scores)
    assert all(k.definition for k in kpis.values())


def test_every_contract_has_an_sla_of_5_to_10_kpis(register):
    period = Period(2026, 2)
    for cid in register.contracts:
        in_force = register.sla_in_force(cid, period)
        assert 5 <= len(in_force) <= 10, cid
        for sla in in_force:
            kpi = register.kpis[sla.kpi_code]
            if kpi.direction == "for information":
                assert sla.target is None and sla.amber is None
            elif kpi.unit == "percent":
                assert 0 < sla.target <= 1
    assert any(not s.mandatory for s in register.sla)


def test_a_target_changes_part_way_through_2026_27(register):
    rows = [s for s in register.sla if s.contract_id == "VS-002" and s.kpi_code == "VS03"]
    assert [r.effective_from.label for r in rows] == ["2025-26 Q1", "2026-27 Q3"]

    def target(period):
        return next(s.target for s in register.sla_in_force("VS-002", period)
                    if s.kpi_code == "VS03")

    assert target(Period(2026, 2)) == pytest.approx(0.90)
    assert target(Period(2026, 3)) == pytest.approx(0.95)
    assert target(Period(2027, 1)) == pytest.approx(0.95)


def test_budgets_for_two_years_add_up_to_the_contract_value(register):
    for cid, contract in register.contracts.items():
        for fy in (parse_fy("2025-26"), parse_fy("2026-27")):
            lines = register.budget_lines(cid, fy)
            assert 4 <= len(lines) <= 7, (cid, fy)
            assert sum(b.annual_budget for b in lines) == pytest.approx(
                contract.annual_value, rel=0.02)


def test_examples_for_the_calendar_flags(register):
    contracts = register.contracts.values()
    assert [c.contract_id for c in contracts if not c.deputy_officer] == ["VS-003"]
    # Ending within 9 months of the as-of date with no exit decision: EXIT_NOTICE_DUE.
    ending = [c.contract_id for c in contracts
              if c.end_date <= date(2027, 8, 25) and register.exit_plan(c.contract_id) is None]
    assert ending == ["VS-005"]
    # Audits: one contract twice in 12 months, one not for over 12 months.
    recent = {cid: [a for a in register.audits if a.contract_id == cid
                    and (AS_OF - a.date).days <= 365] for cid in register.contracts}
    assert [cid for cid, audits in recent.items() if len(audits) > 1] == ["VS-001"]
    assert [cid for cid, audits in recent.items() if not audits] == ["VS-006"]
    # A formal dispute whose meeting is overdue (10 working days after written notice).
    overdue = [d for d in register.disputes if d.route == "formal" and d.written_notice
               and (d.meeting_date or AS_OF) > add_working_days(d.written_notice, 10)]
    assert len(overdue) == 1
    expired = [i for i in register.checklist if i.expiry_date and i.expiry_date < AS_OF]
    assert len(expired) == 1 and "ccreditation" in expired[0].item


def test_settings_are_the_defaults(register, workbook):
    assert register.settings == Settings()
    ws = workbook["Settings"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [k.setting for k in schema.KNOBS]
    for (setting, value, default, words), knob in zip(rows, schema.KNOBS):
        assert value == default == knob.default
        assert words == knob.description
    assert ws["B3"].number_format == "0%"  # variance tolerance, a share


def test_tables_are_named_and_headed_exactly_as_the_schema(workbook):
    for spec in schema.SHEETS:
        ws = workbook[spec.name]
        tables = {t.name: t for t in ws.tables.values()}
        assert list(tables) == [spec.table_name]
        ref = tables[spec.table_name].ref
        assert ref.startswith("A1:")
        assert [c.value for c in ws[1][:len(spec.headers)]] == spec.headers
        assert [c.name for c in tables[spec.table_name].tableColumns] == spec.headers
        assert ws.freeze_panes == "A2"
        widths = {}  # openpyxl groups neighbouring columns of equal width
        for dim in ws.column_dimensions.values():
            for index in range(dim.min, dim.max + 1):
                widths[index] = dim.width
        # the schema's widths, the wide ones narrowed to print at a readable size
        fitted = fit_widths([c.width for c in spec.columns])
        for i, width in enumerate(fitted, start=1):
            assert widths[i] == pytest.approx(width, abs=1)


def test_every_column_has_a_sentence_of_help(workbook):
    for spec in schema.SHEETS:
        ws = workbook[spec.name]
        for i, column in enumerate(spec.columns):
            help_text = COLUMN_HELP[(spec.name, column.header)]
            assert help_text.endswith(".")
            assert ws.cell(1, i + 1).comment.text.startswith(help_text[:20])


def test_drop_downs_for_lists_and_yes_no(workbook):
    for spec in schema.SHEETS:
        ws = workbook[spec.name]
        lists = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation
                 if dv.type == "list"}
        for i, column in enumerate(spec.columns):
            letter = ws.cell(1, i + 1).column_letter
            if column.type == schema.ENUM:
                assert lists[f"{letter}2"].formula1 == '"' + ",".join(column.choices) + '"'
            elif column.type == schema.YESNO:
                assert lists[f"{letter}2"].formula1 == '"Y,N"'
            else:
                assert f"{letter}2" not in lists


def test_number_formats(workbook):
    contracts = workbook["Contracts"]
    assert contracts["H2"].number_format == "£#,##0"  # Annual Contract Value (£)
    assert contracts["J2"].number_format == "d mmm yyyy"  # Start Date
    units = {k.code: k.unit for k in STARTER_KPIS}
    for kpi_code, target in workbook["SLA KPIs"].iter_rows(min_row=2, min_col=2, max_col=3):
        if target.value is None:
            continue
        expected = {"percent": ("0%", "0.0%"), "gbp": ("£#,##0",), "count": ("#,##0",),
                    "days": ("0.0",), "score": ("0.0",)}[units[kpi_code.value]]
        assert target.number_format in expected
    assert workbook["Budgets"]["D2"].number_format == "£#,##0"


def test_the_first_sheet_explains_the_register(workbook):
    assert workbook.sheetnames[0] == "Read Me"
    assert workbook.sheetnames[1:] == [spec.name for spec in schema.SHEETS]
    text = " ".join(str(c.value) for c in workbook["Read Me"]["A"] if c.value)
    assert "Effective From" in text and "90%" in text


def test_data_sheets_print_one_page_wide_at_a_readable_size(workbook):
    """Each data sheet fits one A4 landscape page wide with 10 pt text at 8 pt or more."""
    from cm_excel.print_setup import MIN_SCALE, SIDE_MARGIN_INCHES, print_scale

    for spec in schema.SHEETS:
        sheet = workbook[spec.name]
        by_index = {}  # openpyxl groups neighbouring columns of equal width
        for dim in sheet.column_dimensions.values():
            for index in range(dim.min, dim.max + 1):
                by_index[index] = dim.width - 0.71  # xlsxwriter adds 0.71 of padding
        widths = [by_index[i] for i in range(1, len(spec.columns) + 1)]
        assert print_scale(widths) >= MIN_SCALE, spec.name
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
        assert sheet.page_margins.left == sheet.page_margins.right == SIDE_MARGIN_INCHES
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, spec.name
        assert sheet.print_title_rows == "$1:$1", spec.name  # its one table's header
