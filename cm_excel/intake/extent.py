"""How far a worksheet's cells reach, found by scanning its XML without parsing it.

Why: python-calamine allocates one slot for every cell of the rectangle spanned by a
sheet's non-empty cells. A 6 KB file with values in A1 and XFD1048576 asks for 17 billion
slots and the Rust allocator aborts the whole process (no Python exception to catch). So
the extent of each worksheet is bounded here before calamine ever sees the file.

Only cells that can hold something count (a self-closing ``<c r="X9" s="3"/>`` is a
formatted empty cell, which calamine skips too). Cells without an ``r`` attribute follow
the previous cell, and rows without one follow the previous row, as the standard says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xlsxwriter.utility import xl_rowcol_to_cell

# Fast path, for what Excel, LibreOffice, openpyxl and xlsxwriter write: unprefixed cells
# whose first attribute is r="A1". Literal-led patterns let the regex engine skip ahead.
_CELL_TAG = re.compile(rb"<c[\s/>]")
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_CELL_REF_FIRST = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"([^>]*)>')  # group 3 ends "/" if empty
# Slow path: rows and cells in document order, any prefix (<x:c>), r anywhere or absent.
# Attributes are read by the XML grammar (a quoted value may hold ">" or text like r="A1").
# The lookahead keeps <cols>, <cfRule> and <c:chart> from matching.
_ATTRS = rb"""((?:\s+[^\s=/>"']+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(/?)>"""
_ROW_OR_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])" + _ATTRS)
_ATTR = re.compile(rb"""([^\s=/>"']+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REF = re.compile(rb"\$?([A-Za-z]{0,3})\$?([0-9]{1,7})")
# The attributes after r="A1" of a fast-path cell, when the tag is really self-closing.
_EMPTY_TAG_REST = re.compile(rb"""(?:\s+[^\s=/>"']+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/""")


def _empty(rest: bytes) -> bool:
    """True when a tag whose attributes (after r) are ``rest`` is self-closing: no value."""
    return rest.endswith(b"/") and _EMPTY_TAG_REST.fullmatch(rest) is not None


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

    @property
    def cells_from_a1(self) -> int:
        return (self.last_row + 1) * (self.last_col + 1)

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
        refs = _CELL_REF_FIRST.findall(xml)
        if len(refs) == len(_CELL_TAG.findall(xml)):  # every cell says where it is
            full = [(c, r) for c, r, rest in refs if not _empty(rest)]
            if not full:
                return None
            rows = [r for _c, r in full]
            letters = {c for c, _r in full}
            cols = [_col(c) for c in letters]
            nums = list(map(int, rows))
            return Extent(min(nums) - 1, min(cols), max(nums) - 1, max(cols))
    return _walk(xml)


def _walk(xml: bytes) -> Extent | None:
    """Follow rows and cells in order, for writers that leave out ``r`` or use a prefix."""
    row, col = -1, -1
    first_row = first_col = None
    last_row = last_col = -1
    for m in _ROW_OR_CELL.finditer(xml):
        name, attrs, slash = m.groups()
        ref = None
        for a in _ATTR.finditer(attrs):
            if a.group(1) == b"r":
                ref = _REF.fullmatch(a.group(2) if a.group(2) is not None else a.group(3))
        if name == b"row":
            row = int(ref.group(2)) - 1 if ref else row + 1
            col = -1
            continue
        if ref and ref.group(1):
            row, col = int(ref.group(2)) - 1, _col(ref.group(1))
        else:
            col += 1
            row = max(row, 0)
        if slash:
            continue
        first_row = row if first_row is None else min(first_row, row)
        first_col = col if first_col is None else min(first_col, col)
        last_row, last_col = max(last_row, row), max(last_col, col)
    if first_row is None:
        return None
    return Extent(first_row, first_col, last_row, last_col)
