"""How far a worksheet's cells reach, found by scanning its XML without parsing it.

Why: python-calamine allocates one slot for every cell of the rectangle spanned by a
sheet's non-empty cells. A 6 KB file with values in A1 and XFD1048576 asks for 17 billion
slots and the Rust allocator aborts the whole process (no Python exception to catch). So
the extent of each worksheet is bounded here before calamine ever sees the file.

The scan must never see less than calamine does, and calamine's XML reader is lenient: it
accepts attributes with no space between them and a repeated ``r`` (the last one wins), and
a quoted value may hold ``>``. So tags are matched with their quoted values balanced, and
every ``r`` of a cell counts. Only cells that can hold something count (a self-closing
``<c r="X9" s="3"/>`` is a formatted empty cell, which calamine skips too). Cells without
an ``r`` follow the previous cell, and rows without one follow the previous row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xlsxwriter.utility import xl_rowcol_to_cell

# Fast path, for what Excel, LibreOffice, openpyxl and xlsxwriter write: unprefixed cells
# whose first attribute is r="A1". Literal-led patterns let the regex engine skip ahead.
# The cheap "[^>]*" stops at a ">" inside a quoted value; such a tag leaves an odd number of
# quotes behind, which sends the part to the slow path.
_CELL_TAG = re.compile(rb"<c[\s/>]")
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_CELL_REF_FIRST = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"([^>]*)>')
_MAYBE_R = re.compile(rb"r\s*=")
_ANOTHER_R = re.compile(rb"""(?:^|[\s"'\x00])r\s*=""")  # NUL joins the tags' texts
# Slow path: rows and cells in document order, any prefix (<x:c>), r anywhere or absent.
# The lookahead keeps <cols>, <cfRule> and <c:chart> from matching.
_ROW_OR_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])"
                          rb"""((?:[^>"']++|"[^"]*+"|'[^']*+')*+)>""")  # quotes balanced;
# possessive quantifiers (Python 3.11+): a tag that never closes fails in linear time.
_R_ATTR = re.compile(rb"""(?:^|[\s"'])r\s*+=\s*+(?:"([^"]*+)"|'([^']*+)')""")
_REF = re.compile(rb"\s*\$?([A-Za-z]{0,3})\$?([0-9]+)")


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
        refs = _CELL_REF_FIRST.findall(xml)
        if len(refs) == len(_CELL_TAG.findall(xml)) and _plain(refs):
            full = [(c, r) for c, r, rest in refs if not rest.endswith(b"/")]
            if not full:
                return None
            nums = list(map(int, (r for _c, r in full)))
            cols = [_col(c) for c in {c for c, _r in full}]
            return Extent(min(nums) - 1, min(cols), max(nums) - 1, max(cols))
    return _walk(xml)


def _plain(refs: list[tuple[bytes, bytes, bytes]]) -> bool:
    """True when the fast path read every cell tag whole and each has one r attribute."""
    if any(b"'" in rest or rest.count(b'"') & 1 for _c, _r, rest in refs):
        return False
    joined = b"\x00".join(rest for _c, _r, rest in refs)
    return not (_MAYBE_R.search(joined) and _ANOTHER_R.search(joined))


def _walk(xml: bytes) -> Extent | None:
    """Follow rows and cells in order; every r of a tag counts (calamine keeps the last)."""
    row, col = -1, -1
    rows: list[int] = []
    cols: list[int] = []
    for m in _ROW_OR_CELL.finditer(xml):
        name, inside = m.groups()
        refs = [_REF.match(a.group(1) if a.group(1) is not None else a.group(2))
                for a in _R_ATTR.finditer(inside)]
        refs = [r for r in refs if r]
        if name == b"row":
            row = int(refs[-1].group(2)) - 1 if refs else row + 1
            col = -1
            continue
        places = [(max(int(r.group(2)) - 1, 0), max(_col(r.group(1)), 0) if r.group(1) else col + 1)
                  for r in refs]
        if places:
            row, col = places[-1]
        else:
            col += 1
            row = max(row, 0)
            places = [(row, col)]
        if inside.endswith(b"/"):
            continue
        rows += [p[0] for p in places]
        cols += [p[1] for p in places]
    if not rows:
        return None
    return Extent(min(rows), min(cols), max(rows), max(cols))
