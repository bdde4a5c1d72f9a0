"""Safe to open? One crafted file per kind of refusal; the file is never changed."""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

import pytest

from builders import make_return
from cm_excel.intake.discover import discover
from cm_excel.intake.safety import SENTENCES, check_bytes, check_file
from cm_excel.findings import Level
from intake_fixtures import (BILLION_LAUGHS, EXTERNAL_ENTITY, cfb_bytes, declare_size,
                             layout_return, rezip, sha, zeros_part_zip)

WORKBOOK_XML = "xl/workbook.xml"
SHEET1 = "xl/worksheets/sheet1.xml"


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    """A real filled performance return (the template as issued, filled in)."""
    return make_return(tmp_path_factory.mktemp("good"))


def refused(path: Path, code: str, **kw):
    """Check ``path``: refused with ``code``, one sentence, and the file byte-identical."""
    before = sha(path)
    verdict = check_file(path, **kw)
    assert (verdict.ok, verdict.code) == (False, code), verdict
    assert verdict.sentence and verdict.sentence.endswith(".")
    assert sha(path) == before
    (finding,) = verdict.findings(path.name)
    assert (finding.code, finding.level, finding.file) == (code, Level.ERROR, path.name)
    return verdict


# --- what passes -----------------------------------------------------------------------------

def test_filled_return_passes_with_its_hash(good):
    verdict = check_file(good)
    assert verdict.ok and verdict.code == "" and verdict.notes == ()
    assert verdict.sha256 == sha(good) and verdict.size == good.stat().st_size
    assert verdict.findings(good.name) == []


def test_financial_return_passes(tmp_path):
    assert check_file(make_return(tmp_path, kind="financial")).ok


def test_decided_by_content_not_name(good, tmp_path):
    renamed = tmp_path / "return.pdf"
    renamed.write_bytes(good.read_bytes())
    assert check_file(renamed).ok
    csv = tmp_path / "return.xlsx"
    csv.write_text("KPI Code,Numerator\nCONTACT48,190\n")
    refused(csv, "OPEN_TEXT")


# --- not a workbook at all -------------------------------------------------------------------

def test_empty_file(tmp_path):
    p = tmp_path / "empty.xlsx"
    p.write_bytes(b"")
    refused(p, "OPEN_EMPTY")


def test_file_gone_before_it_was_checked(tmp_path):
    v = check_file(tmp_path / "moved away.xlsx")
    assert (v.ok, v.code) == (False, "OPEN_UNAVAILABLE") and "try again" in v.sentence


def test_too_large(good):
    v = refused(good, "OPEN_TOO_LARGE", max_bytes=1000)
    assert "KB" in v.sentence


def test_legacy_xls(tmp_path):
    p = tmp_path / "return.xls"
    p.write_bytes(cfb_bytes(["Workbook", "\x05SummaryInformation"]))
    v = refused(p, "OPEN_XLS_LEGACY")
    assert v.sentence == SENTENCES["OPEN_XLS_LEGACY"]


def test_legacy_xls_whose_directory_is_damaged(tmp_path):
    p = tmp_path / "return.xls"
    p.write_bytes(cfb_bytes(["Workbook"])[:600])
    refused(p, "OPEN_XLS_LEGACY")


def test_password_encrypted_workbook(tmp_path):
    # How Office stores an encrypted .xlsx: an OLE2 container, not a zip.
    p = tmp_path / "return.xlsx"
    p.write_bytes(cfb_bytes(["\x06DataSpaces", "Version", "DataSpaceMap", "EncryptionInfo",
                             "EncryptedPackage", "StrongEncryptionDataSpace"]))
    refused(p, "OPEN_ENCRYPTED")


def test_old_word_document(tmp_path):
    p = tmp_path / "return.doc"
    p.write_bytes(cfb_bytes(["WordDocument", "1Table"]))
    v = refused(p, "OPEN_NOT_SPREADSHEET")
    assert "Word" in v.sentence


def test_csv(tmp_path):
    p = tmp_path / "return.csv"
    p.write_text("KPI Code,Numerator,Denominator\nCONTACT48,\"1,234\",2000\n", encoding="utf-8")
    refused(p, "OPEN_TEXT")


def test_csv_in_windows_encoding_with_pound_signs(tmp_path):
    p = tmp_path / "return.csv"
    p.write_bytes("Budget Line,Quarter Actual\r\nStaff,£1,000\r\n".encode("cp1252"))
    refused(p, "OPEN_TEXT")


def test_html_saved_as_xls(tmp_path):
    p = tmp_path / "export.xls"
    p.write_text("<html><body><table><tr><td>1</td></tr></table></body></html>")
    v = refused(p, "OPEN_TEXT")
    assert "web page" in v.sentence


def test_pdf(tmp_path):
    p = tmp_path / "return.pdf"
    p.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    refused(p, "OPEN_PDF")


def test_picture(tmp_path):
    p = tmp_path / "screenshot.xlsx"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    refused(p, "OPEN_NOT_SPREADSHEET")


# --- zip packages that are not .xlsx workbooks -----------------------------------------------

def test_macro_enabled_workbook(good, tmp_path):
    p = rezip(good, tmp_path / "return.xlsm", add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0VBA"})
    refused(p, "OPEN_MACROS")


def test_macro_content_type_without_the_part(good, tmp_path):
    def macro_type(xml: bytes) -> bytes:
        return xml.replace(b"spreadsheetml.sheet.main+xml",
                           b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    p = rezip(good, tmp_path / "return.xlsx", change={"[Content_Types].xml": macro_type})
    refused(p, "OPEN_MACROS")


def test_excel4_macro_sheet(good, tmp_path):
    p = rezip(good, tmp_path / "return.xlsx", add={"xl/macrosheets/sheet1.xml": b"<x/>"})
    refused(p, "OPEN_MACROS")


def test_ods(tmp_path):
    p = tmp_path / "return.ods"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet",
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", "<office:document-content/>")
        z.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
    refused(p, "OPEN_ODS")


def test_xlsb(tmp_path):
    p = tmp_path / "return.xlsb"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.bin", b"\x83\x01\x00")
    refused(p, "OPEN_XLSB")


def test_word_document(tmp_path):
    p = tmp_path / "return.docx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    v = refused(p, "OPEN_NOT_SPREADSHEET")
    assert "Word document" in v.sentence


def test_zip_of_other_files(tmp_path):
    p = tmp_path / "returns.zip"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("notes.txt", os.urandom(300))
        z.writestr("photo.jpg", os.urandom(3000))
    refused(p, "OPEN_NOT_SPREADSHEET")


def test_truncated_zip(good, tmp_path):
    p = tmp_path / "cut.xlsx"
    data = good.read_bytes()
    p.write_bytes(data[:len(data) // 2])
    refused(p, "OPEN_CORRUPT")


def test_damaged_part_inside_a_whole_zip(good, tmp_path):
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as z:
        info = z.getinfo(SHEET1)
    data[info.header_offset + 30 + len(SHEET1) + 10] ^= 0xFF  # flip bits inside the stream
    p = tmp_path / "damaged.xlsx"
    p.write_bytes(bytes(data))
    refused(p, "OPEN_CORRUPT")


def test_two_parts_with_one_name(good, tmp_path):
    p = tmp_path / "twice.xlsx"
    with pytest.warns(UserWarning):  # zipfile warns about the duplicate, as it should
        rezip(good, p, add={WORKBOOK_XML: b"<workbook/>"})
    refused(p, "OPEN_CORRUPT")


def test_zip_password(good, tmp_path):
    p = tmp_path / "locked.xlsx"
    data = bytearray(rezip(good, tmp_path / "copy.xlsx").read_bytes())
    pos = data.find(b"PK\x01\x02")  # set the "encrypted" flag on the first directory entry
    data[pos + 8] |= 0x01
    p.write_bytes(bytes(data))
    refused(p, "OPEN_ENCRYPTED")


def test_content_types_without_workbook(tmp_path):
    p = tmp_path / "half.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    refused(p, "OPEN_NOT_SPREADSHEET")


# --- bombs and hostile XML -------------------------------------------------------------------

def test_zip_bomb_200mb_part(tmp_path):
    started = time.monotonic()
    p = zeros_part_zip(tmp_path / "bomb.xlsx", size=200 * 1024 * 1024,
                       extra_parts={"[Content_Types].xml": "<Types/>", WORKBOOK_XML: "<workbook/>"})
    built = time.monotonic()
    refused(p, "OPEN_ZIP_BOMB")
    assert time.monotonic() - built < 1.0, "refused from the zip directory, before inflating"
    assert p.stat().st_size < 1024 * 1024 and built - started < 10


def test_zip_bomb_by_compression_ratio(tmp_path):
    # 20 MB of zeros: under the size limit, but squeezed more than 100:1.
    p = zeros_part_zip(tmp_path / "ratio.xlsx", size=20 * 1024 * 1024,
                       extra_parts={"[Content_Types].xml": "<Types/>", WORKBOOK_XML: "<workbook/>"})
    refused(p, "OPEN_ZIP_BOMB")


def test_zip_bomb_whose_directory_lies(good, tmp_path):
    """The directory claims 2 KB; inflating is stopped as soon as it passes that."""
    p = rezip(good, tmp_path / "liar.xlsx", change={SHEET1: bytes(8 * 1024 * 1024)})
    declare_size(p, SHEET1, 2048)
    with zipfile.ZipFile(p) as z:
        assert z.getinfo(SHEET1).file_size == 2048
    refused(p, "OPEN_ZIP_BOMB")


def test_too_many_parts(tmp_path):
    p = tmp_path / "many.xlsx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_STORED) as z:
        for i in range(10_001):
            z.writestr(f"x/{i}", b"")
    refused(p, "OPEN_ZIP_BOMB")


def test_oversized_zip_directory(tmp_path):
    p = tmp_path / "names.xlsx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_STORED) as z:
        for i in range(1700):
            z.writestr(f"{i:05d}" + "x" * 2500, b"")
    refused(p, "OPEN_ZIP_BOMB")


def test_billion_laughs_in_workbook_xml(good, tmp_path):
    p = rezip(good, tmp_path / "laughs.xlsx", change={WORKBOOK_XML: BILLION_LAUGHS})
    refused(p, "OPEN_XML_HOSTILE")


def test_external_entity_in_a_sheet(good, tmp_path):
    p = rezip(good, tmp_path / "xxe.xlsx", change={SHEET1: EXTERNAL_ENTITY})
    refused(p, "OPEN_XML_HOSTILE")


def test_doctype_hidden_in_utf16(good, tmp_path):
    xml = BILLION_LAUGHS.replace(b'<?xml version="1.0"?>',
                                 b'<?xml version="1.0" encoding="UTF-16"?>')
    p = rezip(good, tmp_path / "utf16.xlsx",
              change={WORKBOOK_XML: b"\xff\xfe" + xml.decode().encode("utf-16-le")})
    refused(p, "OPEN_XML_HOSTILE")


def test_hostile_xml_is_refused_by_the_parser_too():
    """defusedxml is the second line: an entity declaration with no DOCTYPE scan to catch it."""
    from cm_excel.intake.package import PackageError, parse_xml
    with pytest.raises(PackageError) as exc:
        parse_xml(BILLION_LAUGHS, WORKBOOK_XML)
    assert exc.value.code == "OPEN_XML_HOSTILE"


@pytest.mark.parametrize("data, plain", [
    (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<r/>', True),
    (b"\xef\xbb\xbf<?xml version='1.0' encoding='utf-8'?><r/>", True),
    (b"<r/>", True),
    (b'<?xml version="1.0"?><r/>', True),
    (b'<?xml version="1.0"?><!DOCTYPE r><r/>', False),
    (b'<?xml version="1.0" encoding="cp037"?><r/>', False),  # "<!DOCTYPE" is other bytes
    (b'<?xml version="1.0" encoding="ISO-8859-1"?><r/>', False),
    ("<r/>".encode("utf-16"), False),
    (b'<?xml version="1.0"' + b" " * 400 + b'encoding="cp037"?><r/>', False),
])
def test_only_utf8_parts_without_a_dtd_take_the_fast_parser(data, plain):
    """The C parser is used only where no entity can be declared: UTF-8 or ASCII bytes
    holding no DTD; everything else goes through defusedxml."""
    from cm_excel.intake.package import _plain
    assert _plain(data) is plain


def test_both_parsers_read_a_part_alike(good):
    import defusedxml.ElementTree as SafeET
    from cm_excel.intake.package import parse_xml
    with zipfile.ZipFile(good) as zf:
        for name in (WORKBOOK_XML, "[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
            data = zf.read(name)
            fast, safe = parse_xml(data, name), SafeET.fromstring(data)
            assert [(e.tag, e.attrib, e.text) for e in fast.iter()] == \
                [(e.tag, e.attrib, e.text) for e in safe.iter()]


def test_ebcdic_part_declaring_entities_is_not_parsed(good, tmp_path):
    body = '<!DOCTYPE r [<!ENTITY a "aaaa">]><workbook>&a;</workbook>'.encode("cp037")
    p = rezip(good, tmp_path / "ebcdic.xlsx",
              change={WORKBOOK_XML: b'<?xml version="1.0" encoding="cp037"?>' + body})
    assert not check_file(p).ok


def test_cells_spread_over_a_huge_sheet(tmp_path):
    """Two values, at A1 and XFD1048576: python-calamine would try to allocate 17 billion
    cells and abort the process. The file is tiny; it is refused before calamine sees it."""
    src = layout_return(tmp_path / "src.xlsx")

    def far_cell(xml: bytes) -> bytes:
        return xml.replace(b"</sheetData>",
                           b'<row r="1048576"><c r="XFD1048576"><v>7</v></c></row></sheetData>')
    p = rezip(src, tmp_path / "far.xlsx", change={"xl/worksheets/sheet3.xml": far_cell})
    v = refused(p, "OPEN_TOO_MANY_CELLS")
    assert "'Performance'" in v.sentence and "XFD1048576" in v.sentence


def test_huge_sheet_found_whatever_the_relationships_say(tmp_path):
    """calamine resolves a target written "xl/worksheets/..." to that part; a strict reading
    of the relationship says "xl/xl/worksheets/...". Every XML part is bounded, so the
    disagreement cannot smuggle a huge sheet past the check."""
    src = layout_return(tmp_path / "src.xlsx")

    def far_cell(xml: bytes) -> bytes:
        return xml.replace(b"</sheetData>",
                           b'<row r="1048576"><c r="XFD1048576"><v>7</v></c></row></sheetData>')

    def odd_target(xml: bytes) -> bytes:
        return xml.replace(b'Target="worksheets/sheet3.xml"', b'Target="xl/worksheets/sheet3.xml"')
    p = rezip(src, tmp_path / "odd.xlsx", change={"xl/worksheets/sheet3.xml": far_cell,
                                                  "xl/_rels/workbook.xml.rels": odd_target})
    v = refused(p, "OPEN_TOO_MANY_CELLS")
    assert "xl/worksheets/sheet3.xml" in v.sentence


def test_cells_without_references_are_bounded_too(tmp_path):
    src = layout_return(tmp_path / "src.xlsx")

    def far_row(xml: bytes) -> bytes:
        cells = b"<c><v>1</v></c>" * 3000
        return xml.replace(b"</sheetData>",
                           b'<row r="1000">' + cells + b'</row><row r="900000"><c><v>2</v></c>'
                           b"</row></sheetData>")
    p = rezip(src, tmp_path / "far.xlsx", change={"xl/worksheets/sheet3.xml": far_row})
    refused(p, "OPEN_TOO_MANY_CELLS")


def test_shared_strings_count_that_lies(tmp_path):
    """calamine reserves room for ``uniqueCount`` strings up front: 4 billion aborts it."""
    import re
    src = layout_return(tmp_path / "src.xlsx")

    def lie(xml: bytes) -> bytes:
        return re.sub(rb'uniqueCount="[0-9]+"', b'uniqueCount="4000000000"', xml)
    p = rezip(src, tmp_path / "sst.xlsx", change={"xl/sharedStrings.xml": lie})
    refused(p, "OPEN_CORRUPT")


def test_formatted_empty_cells_far_away_are_fine(tmp_path):
    src = layout_return(tmp_path / "src.xlsx")

    def styled(xml: bytes) -> bytes:
        return xml.replace(b"</sheetData>",
                           b'<row r="1048576"><c r="XFD1048576" s="0"/></row></sheetData>')
    p = rezip(src, tmp_path / "styled.xlsx", change={"xl/worksheets/sheet3.xml": styled})
    assert check_file(p).ok


@pytest.mark.parametrize("rows, span", [
    (b'<row r="2"><c r="B2"><v>1</v></c><c r="D9" s="1"/></row>', "B2:B2"),
    (b'<row r="1"><c r="A1"><v>1</v></c><c r="XFD1048576" a="/>"><v>1</v></c></row>',
     "A1:XFD1048576"),  # a quoted ">" does not make a filled cell look empty
    (b'<row r="1"><c r="A1"><v>1</v></c><c a=\' r="A1"\' r="XFD1048576"><v>1</v></c></row>',
     "A1:XFD1048576"),  # nor does r="..." inside another attribute's value
    (b'<row r="1"><c r="A1"><v>1</v></c><c a=">" r="XFD1048576"><v>1</v></c></row>',
     "A1:XFD1048576"),
    (b'<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c><x:c r="D9"><x:v>1</x:v></x:c></x:row>',
     "A1:D9"),  # prefixed elements
    (b'<row><c><v>1</v></c><c><v>1</v></c></row><row r="5"><c/><c><v>2</v></c></row>',
     "A1:B5"),  # no r attributes: positions follow on
    (b'<row r="1"><c r="A1" s="2"/></row><c:chart/>', None),  # formatting only
    (b"<row r='1'><c r=\"B1\"><v>1</v></c><c r='F7'><v>1</v></c><c r=\"C2\"/></row>",
     "B1:F7"),  # one tag the fast path cannot read sends the whole part to expat
])
def test_sheet_extent(rows, span):
    from cm_excel.intake.extent import sheet_extent
    extent = sheet_extent(b"<worksheet><cols><col min='1' max='16384'/></cols><sheetData>"
                          + rows + b"</sheetData></worksheet>")
    assert (str(extent) if extent else None) == span


@pytest.mark.parametrize("rows", [
    b'<row r="5"><c r="A5" r="XFD1048576"s="12"><v>1</v></c></row>',  # calamine: last r wins
    b'<row r="1"><c r="A1" s="1' + b" x" * 5000,  # never closed: refused in linear time
])
def test_sheet_extent_refuses_what_it_cannot_read_strictly(rows):
    from cm_excel.intake.extent import XmlProblem, sheet_extent
    with pytest.raises(XmlProblem):
        sheet_extent(b"<worksheet><sheetData>" + rows + b"</sheetData></worksheet>")


def test_repeated_r_attribute_is_refused(tmp_path):
    """calamine accepts <c r="A5" r="XFD1048576"s="12"> and keeps the last r: that file
    would abort the process, so it is refused as damaged."""
    src = layout_return(tmp_path / "src.xlsx")

    def twice(xml: bytes) -> bytes:
        return xml.replace(b'<c r="A5"', b'<c r="A5" r="XFD1048576"', 1)
    p = rezip(src, tmp_path / "twice.xlsx", change={"xl/worksheets/sheet3.xml": twice})
    refused(p, "OPEN_CORRUPT")


# --- passing, with notes ---------------------------------------------------------------------

def test_external_links_and_connections_are_noted_not_followed(good, tmp_path):
    p = rezip(good, tmp_path / "linked.xlsx", add={
        "xl/externalLinks/externalLink1.xml": b"<externalLink/>",
        "xl/externalLinks/_rels/externalLink1.xml.rels": b"<Relationships/>",
        "xl/connections.xml": b"<connections/>"})
    before = sha(p)
    v = check_file(p)
    assert v.ok and sha(p) == before
    assert [n.code for n in v.notes] == ["OPEN_EXTERNAL_LINKS", "OPEN_DATA_CONNECTIONS"]
    assert [(f.code, f.level) for f in v.findings(p.name)] == [
        ("OPEN_EXTERNAL_LINKS", Level.WARNING), ("OPEN_DATA_CONNECTIONS", Level.WARNING)]


# --- bytes already read; discovery feeding safety ---------------------------------------------

def test_check_bytes_matches_check_file(good):
    assert check_bytes(good.read_bytes()) == check_file(good)


def test_every_refusal_has_a_sentence_without_placeholders(tmp_path):
    for data, code in ((b"", "OPEN_EMPTY"), (b"%PDF-1.4", "OPEN_PDF"),
                       (b"a,b\n1,2\n", "OPEN_TEXT"), (b"PK\x03\x04junk", "OPEN_CORRUPT")):
        v = check_bytes(data)
        assert v.code == code and "{" not in v.sentence


def test_inbox_files_are_checked_unchanged(good, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.xlsx").write_bytes(good.read_bytes())
    (inbox / "b.csv").write_text("x,y\n")
    stamps = {p.name: (p.stat().st_mtime_ns, sha(p)) for p in inbox.iterdir()}
    codes = [check_file(i.path).code for i in discover(inbox) if i.action == "read"]
    assert codes == ["", "OPEN_TEXT"]
    assert stamps == {p.name: (p.stat().st_mtime_ns, sha(p)) for p in inbox.iterdir()}


# --- discovering the inbox -------------------------------------------------------------------

def test_discover_reads_files_and_skips_the_rest(good, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "VS-001 Q3.xlsx").write_bytes(good.read_bytes())
    (inbox / "b notes.csv").write_text("x\n")
    (inbox / "~$VS-001 Q3.xlsx").write_bytes(b"owner")
    (inbox / ".~lock.VS-001 Q3.xlsx#").write_text("lock")
    (inbox / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (inbox / "Thumbs.db").write_bytes(b"\xd0\xcf")
    (inbox / "desktop.ini").write_text("[.ShellClassInfo]")
    (inbox / ".hidden.xlsx").write_bytes(good.read_bytes())
    (inbox / "older returns").mkdir()
    (inbox / "older returns" / "inside.xlsx").write_bytes(good.read_bytes())
    (inbox / "link.xlsx").symlink_to(inbox / "VS-001 Q3.xlsx")
    (inbox / "dangling.xlsx").symlink_to(tmp_path / "nowhere.xlsx")
    (inbox / "link to folder").symlink_to(inbox / "older returns")
    os.mkfifo(inbox / "pipe.xlsx")
    before = {p.name: (p.lstat().st_mtime_ns, p.lstat().st_size) for p in inbox.iterdir()}

    items = discover(inbox)

    assert [i.name for i in items] == sorted((p.name for p in inbox.iterdir()),
                                             key=lambda n: (n.casefold(), n))
    actions = {i.name: i.action for i in items}
    assert [n for n, a in actions.items() if a == "read"] == ["b notes.csv", "VS-001 Q3.xlsx"]
    notes = {i.name: i.note for i in items}
    assert "lock file" in notes["~$VS-001 Q3.xlsx"]
    assert "lock file" in notes[".~lock.VS-001 Q3.xlsx#"]
    assert "link" in notes["link.xlsx"] and "link" in notes["dangling.xlsx"]
    assert "link" in notes["link to folder"] and "folder" in notes["older returns"]
    assert "hidden" in notes[".hidden.xlsx"] and "not a regular file" in notes["pipe.xlsx"]
    assert "thumbnail" in notes["Thumbs.db"] and "macOS" in notes[".DS_Store"]
    assert all(i.note for i in items if i.action == "skip")
    assert all(i.path == inbox / i.name for i in items)
    assert before == {p.name: (p.lstat().st_mtime_ns, p.lstat().st_size) for p in inbox.iterdir()}
    assert (tmp_path / "nowhere.xlsx").exists() is False


def test_discover_items_are_frozen(tmp_path):
    (tmp_path / "a.xlsx").write_bytes(b"x")
    (item,) = discover(tmp_path)
    with pytest.raises(AttributeError):
        item.action = "skip"


def test_discover_missing_inbox_cannot_go_on(tmp_path):
    from cm_excel.errors import WorkspaceError
    with pytest.raises(WorkspaceError):
        discover(tmp_path / "no inbox")


def test_remembered_parts_are_read_for_each_part_that_holds_them():
    """Relationship and table parts are remembered by their bytes (returns repeat them),
    but a target is still resolved from the part that refers to it."""
    from cm_excel.intake.package import read_structure

    ns = b"http://schemas.openxmlformats.org/"
    rels = (b'<Relationships xmlns="' + ns + b'package/2006/relationships"><Relationship '
            b'Id="rId1" Type="' + ns + b'officeDocument/2006/relationships/table" '
            b'Target="../tables/table1.xml"/></Relationships>')
    table = (b'<table xmlns="' + ns + b'spreadsheetml/2006/main" id="1" name="T" '
             b'displayName="T" ref="A1:B3"><tableColumns count="2"><tableColumn id="1" '
             b'name="a"/><tableColumn id="2" name="b"/></tableColumns></table>')
    book = (b'<workbook xmlns="' + ns + b'spreadsheetml/2006/main" xmlns:r="' + ns +
            b'officeDocument/2006/relationships"><sheets><sheet name="One" sheetId="1" '
            b'r:id="rId1"/><sheet name="Two" sheetId="2" r:id="rId2"/></sheets></workbook>')
    sheet = b'Type="' + ns + b'officeDocument/2006/relationships/worksheet"'
    book_rels = (b'<Relationships xmlns="' + ns + b'package/2006/relationships">'
                 b'<Relationship Id="rId1" ' + sheet + b' Target="worksheets/sheet1.xml"/>'
                 b'<Relationship Id="rId2" ' + sheet + b' Target="a/b/sheet2.xml"/>'
                 b'</Relationships>')
    parts = {"xl/workbook.xml": book, "xl/_rels/workbook.xml.rels": book_rels,
             "xl/worksheets/_rels/sheet1.xml.rels": rels,
             "xl/a/b/_rels/sheet2.xml.rels": rels,  # the same bytes: xl/a/tables/table1.xml
             "xl/tables/table1.xml": table}
    for _ in range(2):  # the second time from what was remembered
        pkg = read_structure(parts.get)
        assert [(t.name, t.sheet, t.part) for t in pkg.tables] == \
            [("T", "One", "xl/tables/table1.xml")]
        assert pkg.notes == ["Sheet 'Two' refers to a missing table part xl/a/tables/table1.xml."]
