"""Reading returns: values with their sheet and cell, however the provider rearranged them."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from builders import SIGN_OFF as BUILDER_SIGN_OFF
from builders import make_return
from cm_excel.errors import CmExcelError
from cm_excel.intake.discover import discover
from cm_excel.intake.reader import ReadFailure, open_return, read_return
from cm_excel.intake.safety import check_file
from cm_excel.templates import contract as tc
from cm_excel.findings import Level
from intake_fixtures import (KPI_ROWS, META, PERF_HEADERS, SIGN_OFF, layout_return, rename_sheet,
                             rezip, sha, strip_tables)

PERF = "PerformanceReturn"


def values(table) -> list[dict]:
    """Rows as header → value, for comparing reads."""
    return [{h: c.value for h, c in row.items()} for row in table.rows]


def refs(table, header: str) -> list[str]:
    return [row[header].ref for row in table.rows]


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> Path:
    """The real template, filled: header on row 5 of each table sheet, data from row 6."""
    return make_return(tmp_path_factory.mktemp("real"), tables={"Incidents": [
        {"Date": date(2026, 11, 2), "Description": "Laptop left on a train",
         "Clients Affected": 3, "Harm Caused": "N", "Provider Negligence": "Y",
         "Reputational Risk": "N", "Action Taken": "Staff retrained"}]})


# --- the real template -----------------------------------------------------------------------

def test_real_return_tables_by_name(real):
    rw = read_return(real)
    assert set(rw.tables) == {t.name for t in tc.tables_of(tc.PERFORMANCE)}
    perf = rw.tables[PERF]
    assert (perf.sheet, perf.header_row, perf.found_by) == ("Performance", 5, "table")
    assert perf.missing_headers == [] and perf.extra_headers == []
    first = perf.rows[0]
    assert first["KPI Code"].value == "CONTACT48"
    assert (first["Numerator"].sheet, first["Numerator"].ref) == ("Performance", "E6")
    assert first["Numerator"].value == 194 and first["Denominator"].value == 200
    inc = rw.tables["Incidents"]
    assert len(inc.rows) == 1  # the nine empty rows issued for more incidents are skipped
    assert inc.rows[0]["Date"].value == date(2026, 11, 2) and inc.rows[0]["Date"].ref == "A6"
    assert rw.tables["Complaints"].rows == []
    assert rw.notes == []


def test_real_return_metadata_contract_and_sign_off(real):
    rw = read_return(real)
    assert rw.kind == tc.PERFORMANCE
    assert {k: c.value for k, c in rw.metadata.items()}.keys() == set(tc.META_KEYS)
    assert rw.metadata["contract_id"].value == "VS-001"
    assert rw.metadata["template_kind"].sheet == tc.META_SHEET
    assert list(rw.contract_fields) == list(tc.CONTRACT_FIELDS)
    assert rw.contract_fields["Period Start"].value == date(2026, 10, 1)
    assert {k: c.value for k, c in rw.sign_off.items()} == BUILDER_SIGN_OFF
    assert rw.sign_off["Prepared By"].ref == "B14"
    assert rw.sheet_names == list(tc.SHEETS[tc.PERFORMANCE])
    assert rw.sha256 == sha(real) and rw.size == real.stat().st_size
    assert rw.name == real.name and rw.path == str(real) and rw.date1904 is False


def test_real_financial_return(tmp_path):
    rw = read_return(make_return(tmp_path, kind=tc.FINANCIAL))
    assert list(rw.tables) == ["FinancialReturn"]
    fin = rw.tables["FinancialReturn"]
    assert fin.rows[0]["Budget Line"].value == "Staff costs"
    assert fin.rows[0]["Quarter Actual"].ref == "D6"


def test_table_definition_dropped_found_by_header(real, tmp_path):
    stripped = strip_tables(real, tmp_path / "no_tables.xlsx")
    with zipfile.ZipFile(stripped) as z:
        assert not [n for n in z.namelist() if n.startswith("xl/tables/")]
    assert check_file(stripped).ok
    before, after = read_return(real), read_return(stripped)
    assert set(after.tables) == set(before.tables)
    for name, table in after.tables.items():
        assert table.found_by == "header"
        assert (table.sheet, table.header_row) == (before.tables[name].sheet, 5)
        assert values(table) == values(before.tables[name])
        assert [{h: c.ref for h, c in r.items()} for r in table.rows] == \
               [{h: c.ref for h, c in r.items()} for r in before.tables[name].rows]
    assert any("PerformanceReturn" in n and "header row" in n for n in after.notes)


def _headerless(src: Path, dst: Path, ref: str | None = None) -> Path:
    """The PerformanceReturn table defined with headerRowCount="0" (and, with ``ref``, its
    range moved), as some JavaScript spreadsheet libraries save tables."""
    import re

    def edit(xml: bytes) -> bytes:
        xml = xml.replace(b'headerRowCount="1"', b'headerRowCount="0"')
        if ref:
            xml = re.sub(rb'ref="[^"]+"', f'ref="{ref}"'.encode(), xml, count=1)
        return re.sub(rb"<autoFilter[^>]*?(/>|>.*?</autoFilter>)", b"", xml, flags=re.S)

    return rezip(src, dst, change={"xl/tables/table1.xml": edit})


def test_headerless_table_whose_first_row_repeats_the_names_reads_it_as_header(real, tmp_path):
    before = read_return(real).tables[PERF]
    after = read_return(_headerless(real, tmp_path / "js.xlsx")).tables[PERF]
    assert (after.found_by, after.header_row) == ("table", 5)
    assert values(after) == values(before)
    assert refs(after, "Numerator") == refs(before, "Numerator")
    assert after.missing_headers == [] and after.extra_headers == []


def test_headerless_table_without_names_in_its_first_row_reads_that_row_as_data(real, tmp_path):
    before = read_return(real).tables[PERF]
    after = read_return(_headerless(real, tmp_path / "bare.xlsx", ref="A6:H10")).tables[PERF]
    assert values(after) == values(before)  # names from the definition, data from row 6
    assert refs(after, "KPI Code")[0] == "A6"


# --- a layout the test controls (header on row 4, from column A) -----------------------------

def test_known_layout_refs(tmp_path):
    rw = read_return(layout_return(tmp_path / "r.xlsx"))
    perf = rw.tables[PERF]
    assert perf.header_row == 4
    assert perf.rows[0]["Numerator"].ref == "E5"
    assert perf.rows[1]["Actual"].ref == "G6"
    assert refs(perf, "KPI Code") == ["A5", "A6"]


def test_inserted_and_blank_rows(tmp_path):
    extra = {"KPI Code": "WAITDAYS", "Numerator": 90, "Denominator": 50}
    rows = [KPI_ROWS[0], None, extra, None, None, KPI_ROWS[1]]
    perf = read_return(layout_return(tmp_path / "r.xlsx", rows=rows)).tables[PERF]
    assert [r["KPI Code"].value for r in perf.rows] == ["CONTACT48", "WAITDAYS", "SUPPORTED"]
    assert refs(perf, "KPI Code") == ["A5", "A7", "A10"]


def test_whitespace_only_row_counts_as_blank(tmp_path):
    rows = [KPI_ROWS[0], {"Commentary": "   "}, KPI_ROWS[1]]
    perf = read_return(layout_return(tmp_path / "r.xlsx", rows=rows)).tables[PERF]
    assert len(perf.rows) == 2


def test_extra_and_reordered_columns_mapped_by_header(tmp_path):
    headers = ["Commentary", "  numerator ", "KPI Code", "Notes", "DENOMINATOR", "KPI", "Unit",
               "Target", "Actual"]
    rows = [dict(KPI_ROWS[0], Notes="see attached", numerator=190, DENOMINATOR=200)]
    perf = read_return(layout_return(tmp_path / "r.xlsx", headers=headers,
                                     rows=rows)).tables[PERF]
    row = perf.rows[0]
    assert perf.missing_headers == [] and perf.extra_headers == ["Notes"]
    assert (row["Numerator"].value, row["Numerator"].ref) == (190, "B5")
    assert (row["Denominator"].value, row["Denominator"].ref) == (200, "E5")
    assert (row["Notes"].value, row["Notes"].ref) == ("see attached", "D5")
    assert list(row)[:len(PERF_HEADERS)] == PERF_HEADERS  # contract headers first, in order


def test_missing_column(tmp_path):
    headers = [h for h in PERF_HEADERS if h != "Commentary"]
    perf = read_return(layout_return(tmp_path / "r.xlsx", headers=headers)).tables[PERF]
    assert perf.missing_headers == ["Commentary"]
    cell = perf.rows[0]["Commentary"]
    assert cell.value is None and cell.blank and (cell.sheet, cell.ref) == ("Performance", "A4")


def test_table_moved_and_sheet_renamed_found_by_name(tmp_path):
    p = layout_return(tmp_path / "r.xlsx", sheet="My KPIs", header_row=7, first_col=2)
    rw = read_return(p)
    perf = rw.tables[PERF]
    assert (perf.sheet, perf.found_by, perf.header_row) == ("My KPIs", "table", 8)
    assert perf.rows[0]["Numerator"].ref == "G9"
    assert any("'My KPIs'" in n for n in rw.notes)


def test_sheet_renamed_and_table_dropped_found_by_header(tmp_path):
    src = layout_return(tmp_path / "src.xlsx")
    p = strip_tables(rename_sheet(src, tmp_path / "renamed.xlsx", "Performance", "KPIs Q3"),
                     tmp_path / "stripped.xlsx")
    rw = read_return(p)
    assert "KPIs Q3" in rw.sheet_names and "Performance" not in rw.sheet_names
    perf = rw.tables[PERF]
    assert (perf.sheet, perf.found_by, perf.header_row) == ("KPIs Q3", "header", 4)
    assert values(perf) == values(read_return(src).tables[PERF])


def test_table_absent(tmp_path):
    p = layout_return(tmp_path / "r.xlsx", headers=["Something", "Else"], table=False)
    rw = read_return(p)
    assert PERF not in rw.tables


def test_rows_typed_below_a_table(tmp_path):
    """LibreOffice does not stretch a table over rows typed under it: they are still read."""
    src = layout_return(tmp_path / "src.xlsx")

    def below(xml: bytes) -> bytes:  # rows 7 and 8 directly under the table (A4:H6)
        return xml.replace(b"</sheetData>",
                           b'<row r="7"><c r="A7" t="inlineStr"><is><t>WAITDAYS</t></is></c>'
                           b'<c r="E7"><v>90</v></c></row>'
                           b'<row r="8"><c r="A8" t="inlineStr"><is><t>SATISFY</t></is></c></row>'
                           b'<row r="12"><c r="A12" t="inlineStr"><is><t>a note</t></is></c></row>'
                           b"</sheetData>")
    p = rezip(src, tmp_path / "below.xlsx", change={"xl/worksheets/sheet3.xml": below})
    rw = read_return(p)
    perf = rw.tables[PERF]
    assert [r["KPI Code"].value for r in perf.rows] == ["CONTACT48", "SUPPORTED", "WAITDAYS",
                                                        "SATISFY"]
    assert perf.rows[2]["Numerator"].ref == "E7"
    assert any("below the end of table PerformanceReturn" in n for n in rw.notes)
    assert any("A12" in n or "row 12" in n for n in rw.notes)  # not read, but not hidden


# --- values as stored ------------------------------------------------------------------------

def test_text_numbers_kept_raw(tmp_path):
    rows = [dict(KPI_ROWS[0], Numerator="1,234", Denominator=" 42 "),
            dict(KPI_ROWS[1], Actual="12%", Commentary="£1,000")]
    perf = read_return(layout_return(tmp_path / "r.xlsx", rows=rows)).tables[PERF]
    got = [(r["Numerator"].value, r["Denominator"].value, r["Actual"].value) for r in perf.rows]
    assert got == [("1,234", " 42 ", None), (None, None, "12%")]
    assert perf.rows[1]["Commentary"].value == "£1,000"


def test_1904_dates(tmp_path):
    incidents = [{"Date": date(2026, 11, 2), "Description": "x"},
                 {"Date": date(2027, 3, 31), "Description": "y"}]
    normal = read_return(layout_return(tmp_path / "n.xlsx", incidents=incidents))
    mac = read_return(layout_return(tmp_path / "m.xlsx", incidents=incidents, date_1904=True))
    assert (normal.date1904, mac.date1904) == (False, True)
    got = [r["Date"].value for r in mac.tables["Incidents"].rows]
    assert got == [date(2026, 11, 2), date(2027, 3, 31)]
    assert got == [r["Date"].value for r in normal.tables["Incidents"].rows]
    assert mac.sign_off["Sign-off Date"].value == date(2027, 1, 15)
    assert mac.contract_fields["Period End"].value == date(2026, 12, 31)


def test_formula_cached_value_read_not_evaluated(tmp_path):
    p = layout_return(tmp_path / "r.xlsx",
                      formulas={"G5": ("=E5/F5", 0.5), "G6": ("=1/0", "#DIV/0!")})
    perf = read_return(p).tables[PERF]
    assert perf.rows[0]["Actual"].value == 0.5  # what was cached, not 190/200
    assert perf.rows[1]["Actual"].value is None  # calamine reads cached errors as empty


def test_very_hidden_meta_read(tmp_path):
    p = layout_return(tmp_path / "r.xlsx")
    meta = CalamineWorkbook.from_path(str(p)).sheets_metadata[-1]
    assert (meta.name, meta.visible) == (tc.META_SHEET, SheetVisibleEnum.VeryHidden)
    rw = read_return(p)
    assert {k: c.value for k, c in rw.metadata.items()} == {**META, "template_version": 1}
    assert rw.metadata["fingerprint"].ref == "B6"
    assert rw.kind == "performance"


def test_meta_sheet_renamed_still_found(tmp_path):
    p = rename_sheet(layout_return(tmp_path / "src.xlsx"), tmp_path / "r.xlsx", "_meta", "Data")
    rw = read_return(p)
    assert rw.metadata["contract_id"].value == "VS-001"
    assert rw.metadata["contract_id"].sheet == "Data"


def test_no_metadata(tmp_path):
    rw = read_return(layout_return(tmp_path / "r.xlsx", meta=None))
    assert rw.metadata == {} and rw.kind is None
    assert PERF in rw.tables


def test_sign_off_by_defined_names_and_by_labels(tmp_path):
    by_name = read_return(layout_return(tmp_path / "a.xlsx"))
    by_label = read_return(layout_return(tmp_path / "b.xlsx", defined_names=False))
    for rw in (by_name, by_label):
        assert {k: c.value for k, c in rw.sign_off.items()} == SIGN_OFF
        assert [c.ref for c in rw.sign_off.values()] == ["B14", "B15", "B16"]


def test_sign_off_left_empty(tmp_path):
    rw = read_return(layout_return(tmp_path / "r.xlsx", sign_off={k: None for k in SIGN_OFF}))
    assert list(rw.sign_off) == list(tc.SIGN_OFF_FIELDS)
    assert all(c.blank for c in rw.sign_off.values())


def test_sign_off_defined_name_wins_over_label(tmp_path):
    """A defined name follows its cell when rows are inserted; it is preferred."""
    src = layout_return(tmp_path / "src.xlsx")

    def point_elsewhere(xml: bytes) -> bytes:
        return xml.replace(b"$B$14", b"$B$2")
    p = rezip(src, tmp_path / "r.xlsx", change={"xl/workbook.xml": point_elsewhere})
    cell = read_return(p).sign_off["Prepared By"]
    assert (cell.ref, cell.value) == ("B2", None)


# --- failing cleanly -------------------------------------------------------------------------

def test_damaged_sheet_raises_read_failure(tmp_path):
    src = layout_return(tmp_path / "src.xlsx")
    p = rezip(src, tmp_path / "bad.xlsx",
              change={"xl/worksheets/sheet3.xml": lambda xml: xml[:len(xml) // 2]})
    assert check_file(p).ok  # the zip is sound; the sheet's XML is cut short
    with pytest.raises(ReadFailure) as exc:
        read_return(p)
    assert isinstance(exc.value, CmExcelError)
    finding = exc.value.finding(p.name)
    assert (finding.code, finding.level) == ("OPEN_UNREADABLE", Level.ERROR)
    assert "'Performance'" in finding.message


def test_file_changed_after_check(tmp_path):
    p = layout_return(tmp_path / "r.xlsx")
    verdict = check_file(p)
    read_return(p, expect_sha256=verdict.sha256)
    layout_return(p, rows=KPI_ROWS[:1])
    with pytest.raises(ReadFailure):
        read_return(p, expect_sha256=verdict.sha256)


def test_open_return_checks_and_reads_one_read(real, tmp_path):
    verdict, rw = open_return(real)
    assert verdict.ok and rw.sha256 == verdict.sha256 == sha(real)
    bad = tmp_path / "r.xlsx"
    bad.write_text("a,b\n")
    verdict, rw = open_return(bad)
    assert (verdict.code, rw) == ("OPEN_TEXT", None)


def test_inbox_to_workbooks(real, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "return.xlsx").write_bytes(real.read_bytes())
    (inbox / "~$return.xlsx").write_bytes(b"lock")
    read = [open_return(i.path)[1] for i in discover(inbox) if i.action == "read"]
    assert [r.name for r in read] == ["return.xlsx"]


# --- never raising on bad content ------------------------------------------------------------

_TOKENS = [b"<", b">", b'"', b"/", b' r="XFD1048576"', b"<c><v>1</v></c>", b'<row r="99999">',
           b"&amp;", b"\x00", b'uniqueCount="99"', b't="d"', b"<v>abc</v>",
           b'ref="A1:XFD1048576"', b'headerRowCount="0"', b"$B$999999", b" a='>'"]


@pytest.fixture(scope="module")
def parts(tmp_path_factory) -> dict[str, bytes]:
    p = layout_return(tmp_path_factory.mktemp("fuzz") / "r.xlsx",
                      incidents=[{"Date": date(2026, 11, 2), "Description": "x"}])
    with zipfile.ZipFile(p) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_damaged_xml_never_raises_anything_but_read_failure(parts):
    """Edits inside the XML parts of a sound zip: every outcome is a verdict, a workbook or
    a ReadFailure — never another exception, never a crash of the process."""
    import io
    from hypothesis import HealthCheck, given, settings, strategies as st
    from cm_excel.intake.reader import read_return_bytes
    from cm_excel.intake.safety import check_bytes

    names = sorted(n for n in parts if n.endswith((".xml", ".rels")))
    edit = st.tuples(st.sampled_from(names), st.floats(0, 1), st.integers(0, 2),
                     st.sampled_from(_TOKENS), st.integers(0, 255))

    @settings(max_examples=80, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(edit, min_size=1, max_size=3))
    def run(edits):
        changed = dict(parts)
        for name, where, op, token, byte in edits:
            data = bytearray(changed[name])
            at = int(where * (len(data) - 1))
            if op == 0:
                del data[at:at + 12]
            elif op == 1:
                data[at:at] = token
            else:
                data[at] = byte
            changed[name] = bytes(data)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in changed.items():
                z.writestr(name, data)
        verdict = check_bytes(buf.getvalue())
        if verdict.ok:
            try:
                read_return_bytes(buf.getvalue(), path="r.xlsx")
            except ReadFailure:
                pass

    run()
