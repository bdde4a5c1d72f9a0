"""How far a worksheet's cells reach, found without building the sheet.

Why: python-calamine allocates one slot for every cell of the rectangle spanned by a
sheet's non-empty cells. A 6 KB file with values in A1 and XFD1048576 asks for 17 billion
slots and the Rust allocator aborts the whole process (no Python exception to catch). So
the extent of each worksheet is bounded here before calamine ever sees the file.

The scan must never see less than calamine does, and calamine's XML reader is lenient: it
accepts attributes with no space between them and a repeated ``r`` (the last one wins), and
a quoted value may hold ``>``. The fast path (plain regular expressions, linear time) takes
only parts where none of that can happen; anything else is parsed by expat, which is strict
and linear: a part it cannot parse raises XmlProblem and the file is refused.

Only cells that can hold something count (a self-closing ``<c r="X9" s="3"/>`` is a
formatted empty cell, which calamine skips too). Cells without an ``r`` follow the
previous cell, and rows without one follow the previous row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.parsers import expat

from xlsxwriter.utility import xl_rowcol_to_cell

# Fast path, for what Excel, LibreOffice, openpyxl and xlsxwriter write: unprefixed cells
# whose first attribute is r="A1" and whose other attributes are each preceded by white
# space and double-quoted without "<" or ">" inside. Literal-led patterns let the regex
# engine skip ahead and no group can reach past the tag, so the scan stays linear. A cell
# tag written any other way (single quotes, attributes run together, a ">" in a value) does
# not match in full: it matches the second alternative, with every group empty, and the
# part goes to expat.
_CELL_TAG = re.compile(rb"<c[\s/>]")
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_CELL = re.compile(
    rb'<c(?: r="([A-Z]{1,3})([0-9]{1,7})"((?:\s+[A-Za-z_][-\w.:]*\s*=\s*"[^"<>]*")*)\s*(/?)>'
    rb'|[\s/>])')
_MAYBE_R = re.compile(rb"r\s*=")
_ANOTHER_R = re.compile(rb"""(?:^|[\s"'\x00])r\s*=""")  # NUL joins the tags' texts
_REF = re.compile(r"\s*\$?([A-Za-z]{0,3})\$?([0-9]+)")


class XmlProblem(Exception):
    """A part expat cannot parse (``hostile`` when it declares a DTD or entities)."""

    def __init__(self, detail: str, hostile: bool = False):
        self.hostile = hostile
        super().__init__(detail)


@dataclass(frozen=True)
class Extent:
    """Zero-based bounds of the cells that may hold values."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int

    @property
    def cells(self) -> int:
        """Cells in the rectangle calamine will allocate."""
        return (self.last_row - self.first_row + 1) * (self.last_col - self.first_col + 1)

    def __str__(self) -> str:
        return (f"{xl_rowcol_to_cell(self.first_row, self.first_col)}:"
                f"{xl_rowcol_to_cell(self.last_row, self.last_col)}")


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ch - 64)
    return n - 1


def sheet_extent(xml: bytes) -> Extent | None:
    """The extent of a worksheet part's non-empty cells, or None when it has none."""
    if not _PREFIXED_CELL.search(xml):
        if not _CELL_TAG.search(xml):
            return None  # not a worksheet, or one with no cells at all
        cells = _CELL.findall(xml)
        letters = {c for c, _r, _rest, empty in cells if not empty}  # b"": a tag not in full
        if b"" not in letters and _one_r(cells):
            if not letters:
                return None
            rows = [int(r) for r in {r for _c, r, _rest, empty in cells if not empty}]
            cols = [_col(c) for c in letters]
            return Extent(min(rows) - 1, min(cols), max(rows) - 1, max(cols))
    return _walk(xml)


def _one_r(refs: list[tuple[bytes, bytes, bytes, bytes]]) -> bool:
    """True when no cell tag of the fast path has a second r attribute (calamine would take
    the last one). A value merely containing "r=" sends the part to expat too: safe."""
    joined = b"\x00".join(rest for _c, _r, rest, _e in refs)
    return not (_MAYBE_R.search(joined) and _ANOTHER_R.search(joined))


def _walk(xml: bytes) -> Extent | None:
    """Follow rows and cells in document order with expat (any prefix, r anywhere or absent).
    Every cell counts here, even an empty one: this path is for unusual writers only."""
    at = [-1, -1]  # row, column of the last row or cell seen
    rows: list[int] = []
    cols: list[int] = []

    def start(name: str, attrs: dict) -> None:
        local = name.rsplit(":", 1)[-1]
        if local == "row":
            m = _REF.match(attrs.get("r", ""))
            at[:] = [int(m.group(2)) - 1 if m else at[0] + 1, -1]
        elif local == "c":
            m = _REF.match(attrs.get("r", ""))
            if m and m.group(1):
                at[:] = [max(int(m.group(2)) - 1, 0), max(_col(m.group(1).encode()), 0)]
            else:
                at[:] = [max(at[0], 0), at[1] + 1]
            rows.append(at[0])
            cols.append(at[1])

    parse_strictly(xml, start)
    if not rows:
        return None
    return Extent(min(rows), min(cols), max(rows), max(cols))


def parse_strictly(xml: bytes, start) -> None:
    """Run expat over ``xml``, calling ``start(name, attrs)`` per element; no DTD, no entities.

    Raises XmlProblem when the part is not well-formed XML or declares a DTD or entities.
    """
    def refuse(*_args):
        raise XmlProblem("DTD or entity declaration", hostile=True)

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    try:
        parser.Parse(xml, True)
    except (expat.ExpatError, ValueError, LookupError) as exc:  # LookupError: bad encoding
        raise XmlProblem(str(exc)) from None
