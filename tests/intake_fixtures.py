"""Files for the intake tests, built in code: hand-made returns, altered packages, hostile files.

``layout_return`` writes a small performance return with xlsxwriter whose layout each test
controls (header row, column order, sheet names, blank rows, 1904 dates ...); the realistic
returns come from ``builders.make_return`` (the real template, filled). The other helpers
rewrite a package part by part or craft non-workbook bytes (OLE2 containers, zip bombs).
"""

from __future__ import annotations

import hashlib
import re
import struct
import zipfile
from datetime import date, datetime
from pathlib import Path

import xlsxwriter

from cm_excel.templates import contract as tc

PERF_HEADERS = list(tc.PERFORMANCE_RETURN.headers)

# Two KPI rows of a performance return, by header.
KPI_ROWS = [
    {"KPI Code": "CONTACT48", "KPI": "Victims contacted within 48 hours", "Unit": "percent",
     "Target": 0.95, "Numerator": 190, "Denominator": 200, "Commentary": "On target."},
    {"KPI Code": "SUPPORTED", "KPI": "Victims given enhanced support", "Unit": "count",
     "Target": 600, "Actual": 630, "Commentary": "Good quarter."},
]
META = {"template_kind": "performance", "template_version": 1, "contract_id": "VS-001",
        "provider": "Horizon Victim Care CIC", "period": "2026-27 Q3", "fingerprint": "abc123"}
CONTRACT = {"Contract ID": "VS-001", "Service": "Victims' hub",
            "Provider": "Horizon Victim Care CIC", "Period": "2026-27 Q3",
            "Period Start": date(2026, 10, 1), "Period End": date(2026, 12, 31),
            "Return Due By": date(2027, 1, 29), "Lead Officer": "Alex Patel"}
SIGN_OFF = {"Prepared By": "Sam Okafor", "Approved By": "Dana Price",
            "Sign-off Date": date(2027, 1, 15)}


def layout_return(path: Path, *, rows: list[dict | None] = KPI_ROWS,
                  headers: list[str] = PERF_HEADERS, header_row: int = 3, first_col: int = 0,
                  sheet: str = "Performance", table: bool = True, date_1904: bool = False,
                  meta: dict | None = META, contract: dict | None = CONTRACT,
                  sign_off: dict | None = SIGN_OFF, defined_names: bool = True,
                  incidents: list[dict] | None = None, formulas: dict | None = None) -> Path:
    """A performance return laid out as asked. Rows and columns are zero-based.

    ``rows`` are written from the row below ``header_row``, one per item; None leaves a
    blank row. ``headers`` may be reordered, renamed or extended. ``formulas`` maps an A1
    cell on the table sheet to (formula, cached value). With the defaults the header is on
    Excel row 4 from column A, so the first row's Numerator is E5.
    """
    wb = xlsxwriter.Workbook(str(path), {"date_1904": date_1904})
    day = wb.add_format({"num_format": "dd/mm/yyyy"})

    def put(ws, r, c, value):
        if value is None:
            return
        if isinstance(value, (date, datetime)):
            if not isinstance(value, datetime):
                value = datetime(value.year, value.month, value.day)
            ws.write_datetime(r, c, value, day)
        elif isinstance(value, str):
            ws.write_string(r, c, value)
        else:
            ws.write(r, c, value)

    wb.add_worksheet("Instructions").write_string(0, 0, "How to fill in this return")
    if contract is not None or sign_off is not None:
        ws = wb.add_worksheet(tc.CONTRACT_SHEET)
        ws.write_string(0, 0, "Contract details and sign-off")
        for i, (label, value) in enumerate((contract or {}).items()):
            ws.write_string(3 + i, 0, label)
            put(ws, 3 + i, 1, value)
        for i, (label, value) in enumerate((sign_off or {}).items()):
            ws.write_string(13 + i, 0, label)
            put(ws, 13 + i, 1, value)
            if defined_names:
                wb.define_name(tc.SIGN_OFF_NAMES[label], f"='{tc.CONTRACT_SHEET}'!$B${14 + i}")
    ws = wb.add_worksheet(sheet)
    ws.write_string(0, 0, "Performance return")
    for c, h in enumerate(headers):
        ws.write_string(header_row, first_col + c, h)
    for i, row in enumerate(rows):
        for c, h in enumerate(headers):
            put(ws, header_row + 1 + i, first_col + c, (row or {}).get(h.strip()))
    for ref, (formula, cached) in (formulas or {}).items():
        ws.write_formula(ref, formula, None, cached)
    if table:
        ws.add_table(header_row, first_col, header_row + max(len(rows), 1),
                     first_col + len(headers) - 1,
                     {"name": "PerformanceReturn", "autofilter": False,
                      "columns": [{"header": h} for h in headers]})
    if incidents is not None:
        inc = wb.add_worksheet("Incidents")
        heads = list(tc.INCIDENTS.headers)
        for c, h in enumerate(heads):
            inc.write_string(4, c, h)
        for i, rec in enumerate(incidents):
            for c, h in enumerate(heads):
                put(inc, 5 + i, c, rec.get(h))
        inc.add_table(4, 0, 4 + max(len(incidents), 1), len(heads) - 1,
                      {"name": "Incidents", "autofilter": False,
                       "columns": [{"header": h} for h in heads]})
    if meta is not None:
        ms = wb.add_worksheet(tc.META_SHEET)
        for i, (k, v) in enumerate(meta.items()):
            ms.write_string(i, 0, k)
            put(ms, i, 1, v)
        ms.very_hidden()
    wb.close()
    return path


# --- rewriting packages ----------------------------------------------------------------------

def rezip(src: Path, dst: Path, *, drop=lambda name: False, change: dict | None = None,
          add: dict | None = None, compression=zipfile.ZIP_DEFLATED) -> Path:
    """Copy a package part by part: leave out parts ``drop`` says, replace parts in
    ``change`` (name → bytes, or a function of the old bytes), append parts in ``add``."""
    change, add = change or {}, add or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression) as zout:
        for info in zin.infolist():
            if drop(info.filename):
                continue
            data = zin.read(info.filename)
            if info.filename in change:
                new = change[info.filename]
                data = new(data) if callable(new) else new
            zout.writestr(info.filename, data)
        for name, data in add.items():
            zout.writestr(name, data)
    return dst


def strip_tables(src: Path, dst: Path) -> Path:
    """What some spreadsheet programs do on re-saving: the table definitions are gone
    (parts, relationships, <tableParts> and content types); the cells stay."""
    def no_table_parts(xml: bytes) -> bytes:
        return re.sub(rb"<tableParts[^>]*?(?:/>|>.*?</tableParts>)", b"", xml, flags=re.S)

    def no_table_rels(xml: bytes) -> bytes:
        return re.sub(rb"<Relationship [^>]*?relationships/table\"[^>]*?/>", b"", xml)

    def no_table_types(xml: bytes) -> bytes:
        return re.sub(rb"<Override [^>]*?/xl/tables/[^>]*?/>", b"", xml)

    with zipfile.ZipFile(src) as z:
        names = z.namelist()
    change = {n: no_table_parts for n in names if re.match(r"xl/worksheets/sheet\d+\.xml$", n)}
    change.update({n: no_table_rels for n in names if n.startswith("xl/worksheets/_rels/")})
    change["[Content_Types].xml"] = no_table_types
    return rezip(src, dst, drop=lambda n: n.startswith("xl/tables/"), change=change)


def rename_sheet(src: Path, dst: Path, old: str, new: str) -> Path:
    """Rename a sheet in workbook.xml (and in defined names), as a provider would."""
    def edit(xml: bytes) -> bytes:
        xml = xml.replace(f'name="{old}"'.encode(), f'name="{new}"'.encode())
        return xml.replace(f">{old}!".encode(), f">{new}!".encode())
    return rezip(src, dst, change={"xl/workbook.xml": edit})


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --- containers that are not workbooks -------------------------------------------------------

def cfb_bytes(names: list[str]) -> bytes:
    """A minimal OLE2 / Compound File Binary file whose directory holds ``names``
    (the root entry first, then empty streams): sector 0 the FAT, sectors 1.. the directory."""
    entries = ["Root Entry"] + names
    n_dir = (len(entries) + 3) // 4
    header = bytearray(512)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)  # v3, 512-byte sectors
    struct.pack_into("<IIII", header, 44, 1, 1, 0, 0x1000)  # 1 FAT sector; directory at 1
    struct.pack_into("<IIII", header, 60, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)  # no mini FAT, no DIFAT
    difat = [0] + [0xFFFFFFFF] * 108
    struct.pack_into("<109I", header, 76, *difat)
    fat = [0xFFFFFFFD] + [i + 1 for i in range(1, n_dir)] + [0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (128 - len(fat))
    directory = bytearray(512 * n_dir)
    for i, name in enumerate(entries):
        raw = name.encode("utf-16-le") + b"\0\0"
        off = i * 128
        directory[off:off + len(raw)] = raw
        struct.pack_into("<HBB", directory, off + 64, len(raw), 5 if i == 0 else 2, 1)
        struct.pack_into("<III", directory, off + 68, 0xFFFFFFFF, 0xFFFFFFFF,
                         1 if i == 0 and len(entries) > 1 else 0xFFFFFFFF)
    for i in range(1, len(entries) - 1):  # chain siblings so the tree is well formed
        struct.pack_into("<I", directory, i * 128 + 72, i + 1)
    return bytes(header) + struct.pack("<128I", *fat) + bytes(directory)


def zeros_part_zip(path: Path, *, size: int, extra_parts: dict | None = None) -> Path:
    """A zip holding ``size`` bytes of zeros as a worksheet, written in a streaming way."""
    block = bytes(1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, data in (extra_parts or {}).items():
            z.writestr(name, data)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            left = size
            while left > 0:
                fh.write(block[:min(left, len(block))])
                left -= len(block)
    return path


def declare_size(path: Path, part: str, declared: int) -> Path:
    """Make the zip directory lie: ``part`` is said to inflate to ``declared`` bytes."""
    data = bytearray(Path(path).read_bytes())
    name = part.encode()
    for sig, size_at in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        start = 0
        while (pos := data.find(sig, start)) >= 0:
            name_at = pos + (46 if sig == b"PK\x01\x02" else 30)
            if data[name_at:name_at + len(name)] == name:
                struct.pack_into("<I", data, pos + size_at, declared)
            start = pos + 4
    Path(path).write_bytes(bytes(data))
    return path


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheets><sheet name="&lol9;" sheetId="1"/></sheets></workbook>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>"""
