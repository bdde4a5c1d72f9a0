"""Is a file safe to open? Decided by its content, before anything else parses it.

Only .xlsx workbooks pass. Everything else is refused with a stable code and one sentence
a provider understands, saying what the file is and what to send instead. Work is bounded
before and while inflating the package (limits after Apache POI's ZipSecureFile): file
size, number of parts, each part's and the total inflated size, and the compression ratio,
checked from the zip directory and enforced again while actually inflating, since the
directory can lie. XML is parsed only with defusedxml, and any DTD in any part is refused
(OOXML never uses one). Every worksheet's cell extent is bounded too: python-calamine
aborts the process on a sheet whose cells span a huge rectangle (see ``extent``).

External links, data connections and embedded objects are never followed; they are
reported as notes (warnings) on a passing verdict.

Codes (error level) and their sentences are in ``SENTENCES``; notes in ``NOTE_SENTENCES``.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field

from ..findings import Finding, Level
from . import cfb
from .extent import XmlProblem, parse_strictly, sheet_extent
from .package import (CONTENT_TYPES_PART, WORKBOOK_PART, Package, PackageError, parse_xml,
                      read_structure, read_workbook, remembered)

MiB = 1024 * 1024
DEFAULT_MAX_BYTES = 50 * MiB  # a filled return is well under 1 MB
MAX_ENTRIES = 10_000  # a return has about 30 parts
MAX_DIRECTORY_BYTES = 4 * MiB  # the zip's central directory; a return's is about 3 KB
MAX_PART_BYTES = 100 * MiB  # a return's largest part is about 1 MB
MAX_STRUCTURE_BYTES = 10 * MiB  # parts parsed into a tree here: workbook.xml, rels, types
MAX_TOTAL_BYTES = 500 * MiB
MIN_INFLATE_RATIO = 0.01  # POI default: compressed/inflated below 1:100 is a bomb
RATIO_GRACE_BYTES = 1 * MiB  # small parts of repeated text legitimately compress well
MAX_SHEET_CELLS = 2_000_000  # rectangle calamine allocates for one sheet
MAX_TOTAL_CELLS = 10_000_000
_CHUNK = 64 * 1024

_WHAT_TO_SEND = "please send the filled-in template saved as an Excel Workbook (.xlsx)"

SENTENCES = {
    "OPEN_EMPTY": "This file is empty (0 bytes), perhaps because it had not finished copying; "
                  + _WHAT_TO_SEND + ".",
    "OPEN_TOO_LARGE": "This file is {file_size}, larger than the {limit} a return may be, so it "
                      "was not opened; please remove any pasted pictures or extra sheets, save it "
                      "as an Excel Workbook (.xlsx) and send it again.",
    "OPEN_XLS_LEGACY": "This is an old-style Excel 97–2003 .xls file; please open it in Excel "
                       "and save it as an Excel Workbook (.xlsx), then send that.",
    "OPEN_ENCRYPTED": "This workbook is protected by a password to open, so it cannot be read; "
                      "please remove the password (File > Info > Protect Workbook > Encrypt "
                      "with Password, clear it), save it as an Excel Workbook (.xlsx) and send "
                      "that.",
    "OPEN_MACROS": "This workbook contains macros, which are never opened here; please save it "
                   "as an Excel Workbook (.xlsx), which leaves the macros out, and send that.",
    "OPEN_ODS": "This is an OpenDocument spreadsheet (.ods), for example from LibreOffice; "
                "please use File > Save As, choose Excel 2007-365 (.xlsx) and send that.",
    "OPEN_XLSB": "This is an Excel Binary Workbook (.xlsb); please open it in Excel and save "
                 "it as an Excel Workbook (.xlsx), then send that.",
    "OPEN_TEXT": "This is {what}, not the return workbook; " + _WHAT_TO_SEND + ".",
    "OPEN_PDF": "This is a PDF document, which cannot be read as a return; please send the "
                "filled-in Excel template itself (.xlsx), not a PDF of it.",
    "OPEN_CORRUPT": "This file is damaged or incomplete (perhaps cut short while being copied "
                    "or emailed); please save the return again in Excel as an Excel Workbook "
                    "(.xlsx) and resend it.",
    "OPEN_NOT_SPREADSHEET": "This is not an Excel workbook ({what}); " + _WHAT_TO_SEND + ".",
    "OPEN_ZIP_BOMB": "This file would expand to far more data than any return holds (it is "
                     "built like a decompression bomb), so it was not opened; "
                     + _WHAT_TO_SEND + ".",
    "OPEN_XML_HOSTILE": "This workbook contains XML declarations that Excel never writes and "
                        "that are used to attack computers, so it was not opened; please save "
                        "the return from Excel as an Excel Workbook (.xlsx) and send it again.",
    "OPEN_TOO_MANY_CELLS": "Sheet '{sheet}' of this workbook has cells spread over {span} "
                           "({cells:,} cells), far more than a return needs; please delete "
                           "anything typed far below or to the right of the tables, save and "
                           "send it again.",
    "OPEN_UNAVAILABLE": "This file could not be read from the folder ({detail}); it may still "
                       "be copying or be open in another program — please try again.",
}

NOTE_SENTENCES = {
    "OPEN_EXTERNAL_LINKS": "This workbook links to other workbooks; the links were not "
                           "followed, and any formulas using them were read as last saved.",
    "OPEN_DATA_CONNECTIONS": "This workbook has data connections or queries; they were not "
                             "refreshed or followed, and their values were read as last saved.",
    "OPEN_EMBEDDED_OBJECTS": "This workbook contains embedded objects or controls; they were "
                             "not opened.",
}


@dataclass(frozen=True)
class SafetyNote:
    code: str
    sentence: str


@dataclass(frozen=True)
class SafetyVerdict:
    """``ok`` with ``code`` "" or a refusal with its code and sentence; notes either way.

    ``size`` and ``sha256`` describe the bytes that were checked (empty when not read).
    ``structure`` is the package's structure (sheets, tables, defined names) as parsed here,
    handed to the reader so no part is parsed twice; None when refused, or when a part the
    reader needs could not be parsed (the reader then says why).
    """

    ok: bool
    code: str = ""
    sentence: str = ""
    notes: tuple[SafetyNote, ...] = ()
    size: int = 0
    sha256: str = ""
    structure: Package | None = field(default=None, compare=False, repr=False)

    def findings(self, file: str) -> list[Finding]:
        """The refusal as an error finding, and each note as a warning."""
        out = [] if self.ok else [Finding(self.code, Level.ERROR, self.sentence, file=file)]
        out += [Finding(n.code, Level.WARNING, n.sentence, file=file) for n in self.notes]
        return out


class _Refuse(Exception):
    def __init__(self, code: str, **words):
        self.code = code
        self.sentence = SENTENCES[code].format(**words)
        super().__init__(self.sentence)


def _refused(code: str, *, nbytes: int = 0, digest: str = "", **words) -> SafetyVerdict:
    return SafetyVerdict(False, code, SENTENCES[code].format(**words), size=nbytes, sha256=digest)


def check_file(path: str | os.PathLike, *, max_bytes: int = DEFAULT_MAX_BYTES) -> SafetyVerdict:
    """Decide whether the file at ``path`` may be read as a return. Never modifies it.

    Codes: OPEN_EMPTY, OPEN_TOO_LARGE, OPEN_XLS_LEGACY, OPEN_ENCRYPTED, OPEN_MACROS,
    OPEN_ODS, OPEN_XLSB, OPEN_TEXT, OPEN_PDF, OPEN_CORRUPT, OPEN_NOT_SPREADSHEET,
    OPEN_ZIP_BOMB, OPEN_XML_HOSTILE, OPEN_TOO_MANY_CELLS, OPEN_UNAVAILABLE; notes
    OPEN_EXTERNAL_LINKS, OPEN_DATA_CONNECTIONS, OPEN_EMBEDDED_OBJECTS.
    """
    data, refusal = load_bounded(path, max_bytes=max_bytes)
    return refusal if data is None else check_bytes(data, max_bytes=max_bytes)


def load_bounded(path: str | os.PathLike, *, max_bytes: int = DEFAULT_MAX_BYTES
                 ) -> tuple[bytes | None, SafetyVerdict | None]:
    """The file's bytes (never more than ``max_bytes``), or None and the refusal."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return None, _refused("OPEN_NOT_SPREADSHEET", what="not a regular file")
        if st.st_size > max_bytes:
            return None, _refused("OPEN_TOO_LARGE", nbytes=st.st_size,
                                  file_size=_mb(st.st_size), limit=_mb(max_bytes))
        with open(path, "rb") as fh:
            return fh.read(max_bytes + 1), None
    except OSError as exc:
        return None, _refused("OPEN_UNAVAILABLE", detail=exc.strerror or type(exc).__name__)


def check_bytes(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES,
                sha256: str | None = None) -> SafetyVerdict:
    """``check_file`` for bytes already read (the reader then reads these same bytes);
    ``sha256`` is their digest when the caller has computed it already."""
    size, digest = len(data), sha256 or hashlib.sha256(data).hexdigest()
    if size > max_bytes:  # the file grew between stat and read
        return _refused("OPEN_TOO_LARGE", nbytes=size, digest=digest,
                        file_size=_mb(size), limit=_mb(max_bytes))
    try:
        notes, structure = _check(data)
    except _Refuse as r:
        return SafetyVerdict(False, r.code, r.sentence, size=size, sha256=digest)
    return SafetyVerdict(True, notes=tuple(notes), size=size, sha256=digest, structure=structure)


def _mb(n: int) -> str:
    return f"{n / MiB:.1f} MB" if n >= MiB else f"{n / 1024:.0f} KB"


def _check(data: bytes) -> tuple[list[SafetyNote], Package | None]:
    if not data:
        raise _Refuse("OPEN_EMPTY")
    if data.startswith(cfb.SIGNATURE):
        code, what = _classify_cfb(data)
        raise _Refuse(code, what=what)
    if data.startswith(b"%PDF-"):
        raise _Refuse("OPEN_PDF")
    if data.startswith(b"PK"):
        return _check_package(data)
    what = _binary_kind(data)
    if what:
        raise _Refuse("OPEN_NOT_SPREADSHEET", what=what)
    text = _text_kind(data)
    if text:
        raise _Refuse("OPEN_TEXT", what=text)
    raise _Refuse("OPEN_NOT_SPREADSHEET", what="a file of a kind that is not recognised")


def _classify_cfb(data: bytes) -> tuple[str, str]:
    """(code, what) for an OLE2 container: .xls, encrypted package, or other Office file."""
    names = cfb.stream_names(data)
    if names is None:
        # Directory unreadable: look for the encryption streams' names anywhere, else it is
        # most likely a damaged old-style .xls, and the .xls sentence is the useful one.
        if "EncryptedPackage".encode("utf-16-le") in data:
            return ("OPEN_ENCRYPTED", "")
        return ("OPEN_XLS_LEGACY", "")
    lower = {n.lower() for n in names}
    if {"encryptioninfo", "encryptedpackage"} & lower:
        return ("OPEN_ENCRYPTED", "")
    if {"workbook", "book"} & lower:
        return ("OPEN_XLS_LEGACY", "")
    if "worddocument" in lower:
        return ("OPEN_NOT_SPREADSHEET", "an old-style Word .doc document")
    if "powerpoint document" in lower:
        return ("OPEN_NOT_SPREADSHEET", "an old-style PowerPoint presentation")
    if "__substg1.0_0037001f" in lower or "__substg1.0_0037001e" in lower:
        return ("OPEN_NOT_SPREADSHEET", "an Outlook e-mail message rather than its attachment")
    return ("OPEN_NOT_SPREADSHEET", "an old-style Office file that is not a spreadsheet")


_MAGIC = (
    (b"\x89PNG", "a PNG picture"), (b"\xff\xd8\xff", "a JPEG picture"),
    (b"GIF8", "a GIF picture"), (b"MZ", "a program"), (b"\x7fELF", "a program"),
    (b"Rar!", "a RAR archive"), (b"7z\xbc\xaf", "a 7-Zip archive"), (b"\x1f\x8b", "a gzip archive"),
    (b"{\\rtf", "a Rich Text document"),
)


def _binary_kind(data: bytes) -> str | None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    return None


def _text_kind(data: bytes) -> str | None:
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="replace")
    elif b"\x00" in head:
        return None
    else:
        text = head.decode("utf-8", errors="replace")
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
        if printable < 0.95 * max(len(text), 1):
            return None
    lower = text.lower()
    if "urn:schemas-microsoft-com:office:spreadsheet" in lower:
        return "an Excel 2003 XML spreadsheet"
    if "<html" in lower or "<table" in lower:
        return "a web page (HTML) saved under a spreadsheet name"
    return "a CSV or plain-text file"


# --- the .xlsx package ---------------------------------------------------------------------

_XMLISH = (".xml", ".rels", ".vml")
_DTD_MARKS = tuple("<!DOCTYPE".encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be"))
_MACRO_TYPE = re.compile(
    r"macroenabled|vbaproject|ms-excel\.(?:intl)?macrosheet|ms-excel\.dialogsheet", re.IGNORECASE)


class _Package:
    """The zip; every part inflated through ``chunks``, within the limits above.

    Parts the structure is read from (``_KEEP``) are kept once inflated, so each is
    inflated and parsed once, here, and the reader gets the parsed structure.
    """

    def __init__(self, data: bytes):
        self.data = data
        _bound_directory(data)  # before zipfile builds an object per entry
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
            self.infos = self.zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
                struct.error, UnicodeDecodeError, NotImplementedError):
            raise _Refuse("OPEN_CORRUPT") from None
        if len(self.infos) > MAX_ENTRIES:
            raise _Refuse("OPEN_ZIP_BOMB")
        self.by_name: dict[str, zipfile.ZipInfo] = {}
        for info in self.infos:
            key = info.filename.casefold()
            if key in self.by_name:  # two parts of one name: parsers would disagree on which
                raise _Refuse("OPEN_CORRUPT")
            self.by_name[key] = info
        self.total = 0
        self.kept: dict[str, bytes] = {}

    def has(self, name: str) -> bool:
        return name.casefold() in self.by_name

    def names(self) -> list[str]:
        return [i.filename for i in self.infos]

    def get(self, name: str) -> bytes | None:
        """A part to parse into a tree (so held to a smaller size), or None if absent."""
        info = self.by_name.get(name.casefold())
        if info is None:
            return None
        if info.file_size > MAX_STRUCTURE_BYTES:
            raise _Refuse("OPEN_ZIP_BOMB")
        return self.inflate(info)

    def inflate(self, info: zipfile.ZipInfo) -> bytes:
        key = info.filename.casefold()
        if key in self.kept:
            return self.kept[key]
        data = b"".join(self.chunks(info))
        if info.file_size <= MAX_STRUCTURE_BYTES and _keep(key):
            self.kept[key] = data
        return data

    def structure_part(self, name: str) -> bytes | None:
        """A part for ``read_structure`` once every part has passed: None when absent or
        larger than a structure part may be (as the reader would have it)."""
        info = self.by_name.get(name.casefold())
        if info is None or info.file_size > MAX_STRUCTURE_BYTES:
            return None
        return self.inflate(info)

    def chunks(self, info: zipfile.ZipInfo):
        """Yield the part's bytes, refusing as soon as a limit is passed or the data is bad."""
        data, off = self.data, info.header_offset
        if data[off:off + 4] != b"PK\x03\x04" or off + 30 > len(data):
            raise _Refuse("OPEN_CORRUPT")
        name_len, extra_len = struct.unpack_from("<HH", data, off + 26)
        start = off + 30 + name_len + extra_len
        end = start + info.compress_size
        if end > len(data):
            raise _Refuse("OPEN_CORRUPT")
        xmlish = info.filename.lower().endswith(_XMLISH)
        out, crc, tail = 0, 0, b""
        if info.compress_type == zipfile.ZIP_STORED:
            d = None
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            d = zlib.decompressobj(-15)
        else:  # Excel and every spreadsheet program write only these two
            raise _Refuse("OPEN_CORRUPT")
        pos = start
        while True:
            if d is None:
                if pos >= end:
                    break
                chunk = data[pos:min(pos + _CHUNK, end)]
                pos += len(chunk)
                consumed = pos - start
            else:
                if d.eof:
                    break
                if d.unconsumed_tail:
                    buf = d.unconsumed_tail
                elif pos < end:
                    buf = data[pos:min(pos + _CHUNK, end)]
                    pos += len(buf)
                else:
                    buf = b""
                try:
                    chunk = d.decompress(buf, _CHUNK)
                except zlib.error:
                    raise _Refuse("OPEN_CORRUPT") from None
                if not chunk and not buf:
                    raise _Refuse("OPEN_CORRUPT")  # the stream stops before its end
                consumed = pos - start - len(d.unconsumed_tail)
            out += len(chunk)
            self.total += len(chunk)
            if out > info.file_size or out > MAX_PART_BYTES or self.total > MAX_TOTAL_BYTES:
                raise _Refuse("OPEN_ZIP_BOMB")  # more than declared, or than any return holds
            if out > RATIO_GRACE_BYTES and consumed < MIN_INFLATE_RATIO * out:
                raise _Refuse("OPEN_ZIP_BOMB")
            if xmlish:
                window = tail + chunk
                if any(mark in window for mark in _DTD_MARKS):
                    raise _Refuse("OPEN_XML_HOSTILE")
                tail = window[-24:]
            crc = zlib.crc32(chunk, crc)
            yield chunk
        if out != info.file_size or crc != info.CRC:
            raise _Refuse("OPEN_CORRUPT")


def _keep(key: str) -> bool:
    """Parts ``package.read_structure`` reads: the workbook, relationships, tables."""
    return key.endswith(".rels") or "/tables/" in key or key in (WORKBOOK_PART,
                                                                 CONTENT_TYPES_PART.casefold())


def _bound_directory(data: bytes) -> None:
    """Refuse a zip whose directory is too big, read from its end record (and the ZIP64
    one when the end record's fields are saturated). Missing records are zipfile's to judge."""
    eocd = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65535))
    if eocd < 0 or eocd + 22 > len(data):
        return
    entries, cd_size = struct.unpack_from("<HI", data, eocd + 10)
    locator = eocd - 20
    if (entries == 0xFFFF or cd_size == 0xFFFFFFFF) and locator >= 0 \
            and data[locator:locator + 4] == b"PK\x06\x07":
        at = struct.unpack_from("<Q", data, locator + 8)[0]
        if at + 56 <= len(data) and data[at:at + 4] == b"PK\x06\x06":
            entries, cd_size = struct.unpack_from("<QQ", data, at + 32)
    if entries > MAX_ENTRIES or cd_size > MAX_DIRECTORY_BYTES:
        raise _Refuse("OPEN_ZIP_BOMB")


def _check_package(data: bytes) -> tuple[list[SafetyNote], Package | None]:
    pkg = _Package(data)
    names = [n.casefold() for n in pkg.names()]

    # What kind of package is it? Decided from the directory alone.
    if "mimetype" in names and any(n == "content.xml" for n in names):
        mimetype = (pkg.get("mimetype") or b"")[:200].decode("ascii", errors="replace")
        if mimetype.strip() == "application/vnd.oasis.opendocument.spreadsheet":
            raise _Refuse("OPEN_ODS")
        raise _Refuse("OPEN_NOT_SPREADSHEET", what="an OpenDocument file that is not a spreadsheet")
    if any(n.rsplit("/", 1)[-1] in ("vbaproject.bin", "vbaprojectsignature.bin") for n in names) \
            or any(n.startswith("xl/macrosheets/") for n in names):
        raise _Refuse("OPEN_MACROS")
    if "xl/workbook.bin" in names:
        raise _Refuse("OPEN_XLSB")
    if any(i.flag_bits & 0x1 for i in pkg.infos):  # zip-level password
        raise _Refuse("OPEN_ENCRYPTED")
    if not pkg.has(WORKBOOK_PART) or not pkg.has(CONTENT_TYPES_PART):
        raise _Refuse("OPEN_NOT_SPREADSHEET", what=_zip_kind(names))

    # Limits from the directory (cheap), enforced again while inflating (reliable).
    declared = 0
    for info in pkg.infos:
        declared += info.file_size
        if info.file_size > MAX_PART_BYTES or declared > MAX_TOTAL_BYTES:
            raise _Refuse("OPEN_ZIP_BOMB")
        if info.file_size > RATIO_GRACE_BYTES and \
                info.compress_size < MIN_INFLATE_RATIO * info.file_size:
            raise _Refuse("OPEN_ZIP_BOMB")

    try:
        if _macro_types(pkg.get(CONTENT_TYPES_PART)):
            raise _Refuse("OPEN_MACROS")
        book = read_workbook(pkg.get)
    except PackageError as exc:
        raise _Refuse(exc.code, what=_zip_kind(names)) from None
    if any(s.kind in ("macrosheet", "dialogsheet") for s in book.sheets):
        raise _Refuse("OPEN_MACROS")

    # Inflate every part: sizes, ratios, CRCs and DTDs checked on the way. Every XML part is
    # also checked for what makes calamine abort, whatever the relationships say it is:
    # calamine resolves part names its own way, so no part is trusted to be "not a sheet".
    sheet_of = {s.part.casefold(): s.name for s in book.sheets if s.part}
    total_cells = 0
    for info in pkg.infos:
        if not info.filename.lower().endswith(".xml"):
            if _keep(info.filename.casefold()) and info.file_size <= MAX_STRUCTURE_BYTES:
                pkg.inflate(info)
            else:
                for _ in pkg.chunks(info):
                    pass
            continue
        data = pkg.inflate(info)
        try:
            _check_shared_strings(data)
            extent = sheet_extent(data)
        except XmlProblem as exc:
            raise _Refuse("OPEN_XML_HOSTILE" if exc.hostile else "OPEN_CORRUPT") from None
        if extent is None:
            continue
        total_cells += extent.cells
        if extent.cells > MAX_SHEET_CELLS or total_cells > MAX_TOTAL_CELLS:
            where = sheet_of.get(info.filename.casefold(), info.filename)
            raise _Refuse("OPEN_TOO_MANY_CELLS", sheet=where, span=str(extent),
                          cells=extent.cells)
    return _notes(names), _structure(pkg, book)


@remembered(64)  # the same in every return
def _macro_types(data: bytes) -> bool:
    """Whether ``[Content_Types].xml`` declares a macro-enabled workbook or a macro sheet."""
    return any(_MACRO_TYPE.search(el.get("ContentType") or "")
               for el in parse_xml(data, CONTENT_TYPES_PART))


def _structure(pkg: _Package, book: Package) -> Package | None:
    """The structure for the reader, from parts already inflated and checked; None when
    it cannot be read (the reader reads it again and says what is damaged)."""
    try:
        structure = read_structure(pkg.structure_part, book)
    except (PackageError, _Refuse):
        return None
    structure.largest_part = max((i.file_size for i in pkg.infos), default=0)  # as inflated
    return structure


def _check_shared_strings(data: bytes) -> None:
    """calamine reserves memory for as many shared strings as ``uniqueCount`` claims before
    reading them (a claim of 4 billion aborts the process), so the claim may not exceed the
    ``<si>`` items the part could hold. Parsed strictly, so no lenient reading can differ."""
    if b"sst" not in data:
        return
    items = data.count(b"<si") + data.count(b":si")  # generous: every one could be a string

    def start(name: str, attrs: dict) -> None:
        if name.rsplit(":", 1)[-1] == "sst" and "uniqueCount" in attrs:
            claim = attrs["uniqueCount"].strip()
            if not claim.isdigit() or int(claim) > items + 1024:
                raise _Refuse("OPEN_CORRUPT")

    parse_strictly(data, start)


def _zip_kind(names: list[str]) -> str:
    if "word/document.xml" in names:
        return "a Word document"
    if "ppt/presentation.xml" in names:
        return "a PowerPoint presentation"
    if any(n.startswith("index/") and n.endswith(".iwa") for n in names):
        return "an Apple Numbers file; in Numbers use File > Export To > Excel"
    return "a zip archive of other files"


def _notes(names: list[str]) -> list[SafetyNote]:
    found = []
    if any(n.startswith("xl/externallinks/") for n in names):
        found.append("OPEN_EXTERNAL_LINKS")
    if "xl/connections.xml" in names or any(n.startswith("xl/querytables/") for n in names):
        found.append("OPEN_DATA_CONNECTIONS")
    if any(n.startswith(("xl/embeddings/", "xl/activex/")) for n in names):
        found.append("OPEN_EMBEDDED_OBJECTS")
    return [SafetyNote(code, NOTE_SENTENCES[code]) for code in found]
