"""Text no workbook can hold: a cell longer than Excel's 32,767 characters (TEXT_TOO_LONG).

Such a cell cannot come from Excel itself, but other programs write them. Every output cuts
it with a visible marker (``excel_text.cut_to_cell``); this query tells the provider so,
naming the cell, wherever it is in the return.
"""

from __future__ import annotations

from xlsxwriter.utility import xl_rowcol_to_cell

from .checks_common import Context


def check_text_length(ctx: Context) -> None:
    """TEXT_TOO_LONG (query) for each cell of the return holding over 32,767 characters."""
    if ctx.wb.sheet_values is None or not ctx.wb.long_text_possible:
        return  # not read, or no part of the file has room for such a cell
    for grid in ctx.wb.sheet_values().sheets:
        for row, col, length in grid.long_texts:
            ctx.add("TEXT_TOO_LONG", sheet=grid.name, cell=xl_rowcol_to_cell(row, col),
                    value=length, display=f"{length:,} characters")
