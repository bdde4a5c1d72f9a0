"""The structure of an .xlsx package, read from its XML parts (see ``parse_xml``).

Sheet names and states, the 1904 date flag and defined names come from ``xl/workbook.xml``;
which part holds which sheet from ``xl/_rels/workbook.xml.rels``; which tables sit on which
sheet from each worksheet's ``_rels`` part and ``xl/tables/*.xml``. Cell values are not read
here (python-calamine does that); these parts are small.

Both ``safety`` (before anything else parses the file) and ``reader`` use this module.
Parts are fetched through a callable, so the caller decides how bytes are obtained and bounded.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, wraps
from xml.etree import ElementTree as ET
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET
from xlsxwriter.utility import xl_cell_to_rowcol

GetPart = Callable[[str], "bytes | None"]  # part name (no leading "/") → bytes, None if absent

WORKBOOK_PART = "xl/workbook.xml"
CONTENT_TYPES_PART = "[Content_Types].xml"

# Relationship types are matched on their last path segment, so the transitional
# (schemas.openxmlformats.org) and strict (purl.oclc.org) spellings both work.
_SHEET_KINDS = {
    "worksheet": "worksheet",
    "chartsheet": "chartsheet",
    "dialogsheet": "dialogsheet",
    "xlmacrosheet": "macrosheet",
    "xlintlmacrosheet": "macrosheet",
}


class PackageError(Exception):
    """An XML part is hostile (``code`` OPEN_XML_HOSTILE) or broken (OPEN_CORRUPT)."""

    def __init__(self, code: str, part: str, detail: str = ""):
        self.code = code
        self.part = part
        super().__init__(f"{part}: {detail or code}")


@dataclass(frozen=True)
class SheetPart:
    name: str
    part: str | None  # package part holding the sheet, None if the relationship is broken
    state: str  # "visible", "hidden" or "veryHidden"
    kind: str  # "worksheet", "chartsheet", "dialogsheet", "macrosheet" or "unknown"


@dataclass(frozen=True)
class TableDef:
    """An Excel table as defined in its part. Rows and columns are zero-based."""

    name: str  # displayName (what people see and formulas use)
    sheet: str
    first_row: int
    first_col: int
    last_row: int
    last_col: int
    header_rows: int  # 1 normally; 0 when the header row is switched off
    totals_rows: int
    columns: tuple[str, ...]
    part: str


@dataclass
class Package:
    sheets: list[SheetPart]
    date1904: bool = False
    defined_names: dict[str, str] = field(default_factory=dict)  # global names → formula text
    tables: list[TableDef] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Bytes of the package's largest part once inflated, when the safety gate has measured
    # them: no cell can hold more characters than the part it comes from has bytes.
    largest_part: int | None = None

    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets]

    def table(self, name: str) -> TableDef | None:
        """The table called ``name`` (Excel table names are case-insensitive)."""
        key = name.casefold()
        return next((t for t in self.tables if t.name.casefold() == key), None)

    def defined_name(self, name: str) -> str | None:
        key = name.casefold()
        return next((v for k, v in self.defined_names.items() if k.casefold() == key), None)


def parse_xml(data: bytes, part: str) -> Element:
    """Parse one part, refusing any DTD, entity or external reference.

    Raises PackageError(OPEN_XML_HOSTILE) for those, PackageError(OPEN_CORRUPT) for XML
    that does not parse. OOXML parts never carry a DTD, so refusing every DTD loses nothing.

    Entities and external references can only be declared in a DTD. A part in UTF-8 or
    ASCII (what Excel, LibreOffice and the libraries write) whose bytes hold no
    ``<!DOCTYPE`` or ``<!ENTITY`` has none, so the standard library's C parser reads it as
    safely as defusedxml does, several times faster. Every other part (another encoding,
    in which those words would be other bytes, or any DTD at all) goes through defusedxml.
    """
    try:
        if _plain(data):
            return ET.fromstring(data)
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                 forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        raise PackageError("OPEN_XML_HOSTILE", part, type(exc).__name__) from exc
    except (ParseError, ValueError, UnicodeError, LookupError) as exc:
        raise PackageError("OPEN_CORRUPT", part, str(exc)) from exc


_XML_DECL = re.compile(rb"<\?xml([^>]*)\?>")
_ENCODING = re.compile(rb"\sencoding\s*=\s*[\"']([^\"']*)[\"']")
_PLAIN_ENCODINGS = frozenset((b"utf-8", b"utf8", b"us-ascii", b"ascii"))


def _plain(data: bytes) -> bool:
    """True for UTF-8 or ASCII XML with no DTD in it (see ``parse_xml``)."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return False
    head = data[3:300] if data.startswith(b"\xef\xbb\xbf") else data[:300]
    if not head.startswith(b"<"):
        return False  # a UTF-16 or other byte order mark, or not XML: defusedxml decides
    if not head.startswith(b"<?xml"):
        return True  # no declaration: UTF-8
    decl = _XML_DECL.match(head)
    if decl is None:
        return False  # a declaration this long is not what any spreadsheet program writes
    encoding = _ENCODING.search(decl.group(1))
    return encoding is None or encoding.group(1).lower() in _PLAIN_ENCODINGS


def local(tag: str) -> str:
    """An element's name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def _attr(el: Element, name: str) -> str | None:
    """Attribute by local name, whatever its namespace (r:id in either OOXML flavour)."""
    if name in el.attrib:
        return el.attrib[name]
    for key, value in el.attrib.items():
        if local(key) == name:
            return value
    return None


def rels_part(part: str) -> str:
    """``xl/worksheets/sheet1.xml`` → ``xl/worksheets/_rels/sheet1.xml.rels``."""
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def resolve(source: str, target: str) -> str:
    """A relationship target as a part name: absolute (``/xl/...``) or relative to the source."""
    target = target.split("#", 1)[0]
    if target.startswith("/"):
        path = target.lstrip("/")
    else:
        path = posixpath.join(posixpath.dirname(source), target)
    return posixpath.normpath(path).lstrip("/")


# Parts of the templates cm-excel issues come back byte for byte in every return, so what
# is read from the small ones is remembered by their bytes (bounded: a few hundred parts of
# at most this size each).
REMEMBERED_PART_BYTES = 16 * 1024


def remembered(maxsize: int):
    """Decorator: ``fn(data, *args)`` remembered for the last ``maxsize`` calls whose part
    ``data`` has at most REMEMBERED_PART_BYTES; larger parts are read every time. ``fn``
    must return something no caller changes (a tuple, a frozen dataclass)."""
    def decorate(fn):
        cached = lru_cache(maxsize=maxsize)(fn)

        @wraps(fn)
        def read(data: bytes, *args):
            return (cached if len(data) <= REMEMBERED_PART_BYTES else fn)(data, *args)
        return read
    return decorate


def relationships(get: GetPart, source: str) -> list[tuple[str, str, str]]:
    """(id, type's last segment lower-cased, target part) of a part's internal relationships."""
    name = rels_part(source)
    data = get(name)
    return [] if data is None else list(_relationships(data, name, source))


@remembered(512)
def _relationships(data: bytes, name: str, source: str) -> tuple[tuple[str, str, str], ...]:
    out = []
    for el in parse_xml(data, name):
        if local(el.tag) != "Relationship" or (el.get("TargetMode") or "").lower() == "external":
            continue
        rid, rtype, target = el.get("Id"), el.get("Type") or "", el.get("Target")
        if rid and target:
            out.append((rid, rtype.rstrip("/").rsplit("/", 1)[-1].lower(), resolve(source, target)))
    return tuple(out)


def read_workbook(get: GetPart) -> Package:
    """Sheets, 1904 flag and defined names of the workbook (tables not yet)."""
    data = get(WORKBOOK_PART)
    if data is None:
        raise PackageError("OPEN_NOT_SPREADSHEET", WORKBOOK_PART, "no workbook part")
    date1904, sheets, names = _workbook(data)
    rels = {rid: (rtype, target) for rid, rtype, target in relationships(get, WORKBOOK_PART)}
    pkg = Package(sheets=[], date1904=date1904, defined_names=dict(names))
    for name, rid, state in sheets:
        rtype, target = rels.get(rid, ("", None))
        pkg.sheets.append(SheetPart(name=name, part=target, state=state,
                                    kind=_SHEET_KINDS.get(rtype, "unknown")))
    return pkg


@remembered(64)
def _workbook(data: bytes) -> tuple[bool, tuple, tuple]:
    """(1904 flag, (name, relationship id, state) of each sheet, (name, formula) of each
    global defined name) from the workbook part."""
    root = parse_xml(data, WORKBOOK_PART)
    if local(root.tag) != "workbook":
        raise PackageError("OPEN_CORRUPT", WORKBOOK_PART, f"root element is {local(root.tag)}")
    date1904, sheets, names = False, [], {}
    for el in root:
        tag = local(el.tag)
        if tag == "workbookPr":
            date1904 = (el.get("date1904") or "").lower() in ("1", "true", "on")
        elif tag == "sheets":
            sheets += [(sh.get("name"), _attr(sh, "id") or "", sh.get("state") or "visible")
                       for sh in el if local(sh.tag) == "sheet" and sh.get("name") is not None]
        elif tag == "definedNames":
            for dn in el:
                name = dn.get("name")
                # Sheet-scoped names (localSheetId) and built-ins (_xlnm.*) are not ours.
                if name and dn.get("localSheetId") is None and not name.startswith("_xlnm."):
                    names.setdefault(name, (dn.text or "").strip())
    return date1904, tuple(sheets), tuple(names.items())


def read_structure(get: GetPart, workbook: Package | None = None) -> Package:
    """The whole structure: ``read_workbook`` plus every table mapped to its sheet.

    ``workbook`` is ``read_workbook``'s result when the caller has it already (it is
    completed in place). A table part that cannot be parsed is left out with a note (the
    reader then looks for that table by its header row); a hostile one raises
    PackageError(OPEN_XML_HOSTILE).
    """
    pkg = workbook if workbook is not None else read_workbook(get)
    for sheet in pkg.sheets:
        if sheet.kind != "worksheet" or not sheet.part:
            continue
        for _rid, rtype, target in relationships(get, sheet.part):
            if rtype != "table":
                continue
            data = get(target)
            if data is None:
                pkg.notes.append(f"Sheet '{sheet.name}' refers to a missing table part {target}.")
                continue
            try:
                table = _table(data, sheet.name, target)
            except PackageError as exc:
                if exc.code == "OPEN_XML_HOSTILE":
                    raise
                table = None
            if table is None:
                pkg.notes.append(f"A table definition on sheet '{sheet.name}' ({target}) "
                                 "could not be read and was ignored.")
            else:
                pkg.tables.append(table)
    return pkg


@remembered(512)
def _table(data: bytes, sheet: str, part: str) -> TableDef | None:
    return _table_def(parse_xml(data, part), sheet, part)


def _table_def(root: Element, sheet: str, part: str) -> TableDef | None:
    if local(root.tag) != "table":
        return None
    name = root.get("displayName") or root.get("name")
    box = parse_range(root.get("ref") or "")
    if not name or box is None:
        return None
    columns = []
    for el in root:
        if local(el.tag) == "tableColumns":
            columns = [c.get("name") or "" for c in el if local(c.tag) == "tableColumn"]
    return TableDef(name=name, sheet=sheet, first_row=box[0], first_col=box[1],
                    last_row=box[2], last_col=box[3],
                    header_rows=_int(root.get("headerRowCount"), 1),
                    totals_rows=_int(root.get("totalsRowCount"), 0),
                    columns=tuple(columns), part=part)


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


_CELL = re.compile(r"^\$?[A-Za-z]{1,3}\$?[0-9]{1,7}$")


def parse_range(ref: str) -> tuple[int, int, int, int] | None:
    """``A4:H20`` (or a single cell) → zero-based (first_row, first_col, last_row, last_col)."""
    parts = ref.strip().split(":")
    if not 1 <= len(parts) <= 2 or not all(_CELL.match(p) for p in parts):
        return None
    (r1, c1), (r2, c2) = (xl_cell_to_rowcol(p.upper()) for p in (parts[0], parts[-1]))
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


_SHEET_CELL = re.compile(r"^=?(?:'((?:[^']|'')+)'|([^'!]+))!(\$?[A-Za-z]{1,3}\$?[0-9]{1,7})$")


def parse_cell_name(formula: str) -> tuple[str, int, int] | None:
    """A defined name's ``Contract!$B$15`` or ``'My Sheet'!$B$15`` → zero-based (sheet, row, col).

    Anything else (ranges, formulas, ``#REF!``) gives None.
    """
    m = _SHEET_CELL.match(formula.strip())
    if not m:
        return None
    sheet = m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2)
    row, col = xl_cell_to_rowcol(m.group(3).upper())
    return sheet, row, col
