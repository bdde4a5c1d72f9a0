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

_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"  # some writers use <x:c>; <c:chart> must not match
# Any cell start tag; group 1 = "/" when self-closing.
_ANY_CELL = re.compile(rb"<" + _PREFIX + rb"c(?=[\s/>])[^>]*?(/?)>")
# Cell start tags carrying an r attribute: letters, digits, "/" when self-closing.
_CELL_WITH_REF = re.compile(
    rb"<" + _PREFIX + rb"c\s[^>]*?\br\s*=\s*[\"']\$?([A-Za-z]{1,3})\$?([0-9]{1,7})[\"'][^>]*?(/?)>")
# Slow path: rows and cells in document order.
_ROW_OR_CELL = re.compile(rb"<" + _PREFIX + rb"(row|c)(?=[\s/>])([^>]*?)(/?)>")
_R_ATTR = re.compile(rb"\br\s*=\s*[\"']\$?([A-Za-z]{0,3})\$?([0-9]{1,7})[\"']")


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
    total = len(_ANY_CELL.findall(xml))
    if total == 0:
        return None
    refs = _CELL_WITH_REF.findall(xml)
    if len(refs) == total:  # the usual case: every cell says where it is
        rows = [r for _c, r, slash in refs if not slash]
        if not rows:
            return None
        letters = {c for c, _r, slash in refs if not slash}
        cols = [_col(c) for c in letters]
        nums = list(map(int, rows))
        return Extent(min(nums) - 1, min(cols), max(nums) - 1, max(cols))
    return _walk(xml)


def _walk(xml: bytes) -> Extent | None:
    """Follow rows and cells in order, for writers that leave out ``r`` attributes."""
    row, col = -1, -1
    first_row = first_col = None
    last_row = last_col = -1
    for m in _ROW_OR_CELL.finditer(xml):
        name, attrs, slash = m.groups()
        ref = _R_ATTR.search(attrs)
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
