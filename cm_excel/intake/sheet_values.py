"""Every worksheet's values with their coordinates, as read: what a feedback workbook copies.

The feedback workbook re-creates the provider's sheets from these values (never by opening
the provider's file again), so its cost is bounded here, by counts, whatever the file holds:
at most ``MAX_SHEETS`` sheets, ``MAX_CELLS_PER_SHEET`` non-empty cells of a sheet and
``MAX_CELLS`` in all are kept (a filled return has about a thousand). Anything beyond is
counted, not kept (``SheetGrid.complete`` is False). The metadata sheet is never kept.

Every cell is looked at once, so that text longer than an Excel cell can hold is found
wherever it is (``SheetGrid.long_texts``; the validator raises TEXT_TOO_LONG on each).
Reading is python-calamine's, on the very bytes that were checked and hashed; the reader
hands over a function (``ReturnWorkbook.sheet_values``) so that nothing is read until a
feedback workbook or the validator asks, and then only once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..excel_text import CELL_LIMIT
from ..templates.contract import META_SHEET

MAX_SHEETS = 40
MAX_CELLS_PER_SHEET = 20_000
MAX_CELLS = 60_000


@dataclass
class SheetGrid:
    """One worksheet's kept values: ``cells`` are zero-based (row, col, value), row by row,
    non-empty only. ``total`` counts every non-empty cell of the sheet."""

    name: str
    state: str  # "visible", "hidden" or "veryHidden"
    cells: list[tuple[int, int, Any]] = field(default_factory=list)
    total: int = 0
    long_texts: list[tuple[int, int, int]] = field(default_factory=list)  # row, col, length

    @property
    def complete(self) -> bool:
        return len(self.cells) == self.total


@dataclass
class SheetValues:
    """What was kept of a workbook's worksheets, in workbook order."""

    sheets: list[SheetGrid] = field(default_factory=list)
    skipped_sheets: list[str] = field(default_factory=list)  # beyond MAX_SHEETS, damaged

    @property
    def complete(self) -> bool:
        return not self.skipped_sheets and all(s.complete for s in self.sheets)


def collect(names: list[str], states: dict[str, str], rows_of) -> SheetValues:
    """The values of the worksheets ``names``; ``rows_of(name)`` gives (rows, r0, c0) as
    python-calamine reads them (``rows[i][j]`` is the cell at (r0 + i, c0 + j), "" empty).
    A sheet ``rows_of`` cannot read is listed in ``skipped_sheets``.
    """
    out = SheetValues()
    budget = MAX_CELLS
    for name in names:
        if name.casefold() == META_SHEET.casefold():
            continue
        if len(out.sheets) >= MAX_SHEETS:
            out.skipped_sheets.append(name)
            continue
        try:
            rows, r0, c0 = rows_of(name)
        except Exception:  # a damaged sheet the validator did not need: not copied
            out.skipped_sheets.append(name)
            continue
        grid = SheetGrid(name, states.get(name, "visible"))
        keep = min(MAX_CELLS_PER_SHEET, budget)
        cells, long_texts = grid.cells, grid.long_texts
        total = 0
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if v == "" or v is None:
                    continue
                total += 1
                if isinstance(v, str) and len(v) > CELL_LIMIT:
                    long_texts.append((r0 + i, c0 + j, len(v)))
                if total <= keep:
                    cells.append((r0 + i, c0 + j, v))
        grid.total = total
        budget -= len(cells)
        out.sheets.append(grid)
    return out
