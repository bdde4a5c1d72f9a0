"""How a sheet prints: one page wide at a readable size, each table with its own header or none.

It imports nothing of cm-excel, so every workbook writer can use it: the SMG workbooks
(``reports``), the register (``register.starter``) and the provider feedback workbook.

Every SMG sheet prints landscape on A4, fit to one page wide (``xlsx_style.page_setup``).
Fitting shrinks the type, so a sheet's column widths decide how small it prints: this module
works that scale out from the widths, as Excel and LibreOffice do, so a writer (and a test)
can hold every sheet to ``MIN_SCALE`` (10 pt text printing at 8 pt or more).

Excel repeats one block of rows at the top of every printed page. On a sheet holding one
table that block is the title and the table's header (``repeat_rows``). On a sheet holding
several tables, the first table's header would print over the continuation of the others
(the "Provider" header over a list of files), so such a sheet repeats only its title and
subtitle, and ``table_breaks`` starts a table on a fresh page when it would otherwise begin
at the foot of one, or be split where it would fit whole on the next.

Use from any xlsxwriter sheet (quarterly, annual or meeting-pack workbooks, a Calendar)::

    ws.fit_to_pages(1, 0)                     # or xlsx_style.page_setup(...)
    assert print_scale(widths) >= MIN_SCALE   # the sheet's column widths
    ...write the tables, noting the first row of each (its heading) in ``starts``...
    ws.set_h_pagebreaks(table_breaks(ws, starts, last_row, widths=widths, repeat_height=39))

``forced`` gives rows that always start a page (one block per contract). ``fit_widths``
narrows a sheet's wide text columns until it prints at ``MIN_SCALE``; ``fold_columns`` puts
columns the page can do without behind a [+]. openpyxl sheets (the provider feedback
workbook) use ``fit_widths`` and ``print_scale`` on their widths too, with the same margins
(``SIDE_MARGIN_INCHES``).

The scale assumes the fonts the widths are measured in (Excel's Calibri; LibreOffice's
metric twin Carlito). LibreOffice without Carlito measures widths in a wider font and
prints smaller (DejaVu Sans: about three quarters of the scale here).
"""

from __future__ import annotations

import math

A4_LANDSCAPE_POINTS = (841.9, 595.3)  # width, height
SIDE_MARGIN_INCHES = 0.4  # left and right, as xlsx_style.page_setup sets them
END_MARGIN_INCHES = 0.7  # top and bottom
MIN_SCALE = 0.8  # 10 pt text prints at 8 pt or more
DEFAULT_ROW_POINTS = 15.0
KEEP_ROWS = 3  # a table starting on a page brings at least its heading, header and 3 rows


def column_points(width: float) -> float:
    """The printed width, in points, of a column ``width`` characters wide (xlsxwriter's
    own conversion: 7 pixels a character and 5 of padding, at 96 pixels an inch)."""
    if width <= 0:
        return 0.0
    pixels = int(width * 12 + 0.5) if width < 1 else int(width * 7 + 0.5) + 5
    return pixels * 0.75


def printable_points(margin_inches: float = SIDE_MARGIN_INCHES) -> float:
    """The width of an A4 landscape page inside its left and right margins."""
    return A4_LANDSCAPE_POINTS[0] - 2 * 72 * margin_inches


def page_height_points(margin_inches: float = END_MARGIN_INCHES) -> float:
    """The height of an A4 landscape page inside its top and bottom margins."""
    return A4_LANDSCAPE_POINTS[1] - 2 * 72 * margin_inches


def print_scale(widths, hidden=(), margin_inches: float = SIDE_MARGIN_INCHES) -> float:
    """The scale that fits columns of ``widths`` (characters) to one page wide (at most 1,
    in whole percent, as both programs round it). Columns in ``hidden`` do not print."""
    total = sum(column_points(w) for i, w in enumerate(widths) if i not in set(hidden))
    if total <= 0:
        return 1.0
    return min(100, math.floor(100 * printable_points(margin_inches) / total)) / 100


def table_breaks(ws, starts, last_row: int, *, widths, hidden=(), repeat_height: float = 0.0,
                 forced=()) -> list[int]:
    """Rows to break the page before, so no table starts at the foot of a page.

    ``starts`` are the first rows of each table (its section heading); ``last_row`` the
    sheet's last printed row; ``repeat_height`` the points of the rows repeated on every
    page; ``forced`` rows always start a page (a chart counts by the rows it covers). Row
    heights are the ones the sheet set (xlsxwriter keeps them in ``row_sizes``), else the
    default 15 pt. A table is moved to the next page when
    it would not fit whole on this one but would on a fresh page, or when fewer than its
    heading, header and ``KEEP_ROWS`` rows fit here.
    """
    scale = print_scale(widths, hidden)
    room = page_height_points() / scale - repeat_height  # in unscaled points
    sizes = getattr(ws, "row_sizes", {})

    def height(row: int) -> float:
        size = sizes.get(row)
        return size[0] if size and size[0] is not None else DEFAULT_ROW_POINTS

    bounds = sorted(set(starts) | set(forced))
    ends = {start: (bounds[i + 1] if i + 1 < len(bounds) else last_row + 1)
            for i, start in enumerate(bounds)}
    breaks, used = [], 0.0
    for row in range(last_row + 1):
        if row in ends and row > 0:
            whole = sum(height(r) for r in range(row, ends[row]))
            lead = sum(height(r) for r in range(row, min(ends[row], row + 2 + KEEP_ROWS)))
            if row in forced or (used + whole > room and (whole <= room or used + lead > room)):
                if used > 0:
                    breaks.append(row)
                used = 0.0
        h = height(row)
        if used + h > room and used > 0:  # the program breaks here by itself
            used = 0.0
        used += h
    return breaks


def fit_widths(widths, *, hidden=(), keep=(), floor: float = 12,
               min_scale: float = MIN_SCALE) -> tuple:
    """``widths`` with the wide columns narrowed, in proportion to how far each is wider
    than ``floor``, until the sheet prints at ``min_scale`` or more. Columns in ``keep``
    (a digest, a date) and ``hidden`` keep their width. Wrapped text simply takes more
    lines. Best effort: when narrowing to ``floor`` is not enough, the widths at ``floor``
    are returned (``print_scale`` tells; the tests hold every sheet to ``MIN_SCALE``)."""
    widths = tuple(widths)
    hidden, keep = set(hidden), set(keep)
    allowed = printable_points() / min_scale
    shown = [i for i in range(len(widths)) if i not in hidden]
    total = sum(column_points(widths[i]) for i in shown)
    if total <= allowed:
        return widths
    slack = {i: widths[i] - floor for i in shown if i not in keep and widths[i] > floor}
    room = sum(slack.values())
    if not room:
        return widths
    excess = (total - allowed) / 0.75 / 7 + len(slack) * 0.5 + 0.5  # in characters, rounded
    share = min(1.0, excess / room)
    return tuple(round(max(floor, w - slack[i] * share) * 2) / 2 if i in slack else w
                 for i, w in enumerate(widths))


def fold_columns(ws, columns, widths) -> None:
    """``columns`` (indexes) in collapsed outline groups, one per run of neighbours: on
    screen behind a [+] above the columns, off the printed page. ``widths`` are the sheet's
    column widths (the column after each run carries the [+] and keeps its width)."""
    columns = sorted(set(columns))
    runs: list[list[int]] = []
    for col in columns:
        if runs and runs[-1][-1] == col - 1:
            runs[-1].append(col)
        else:
            runs.append([col])
    for run in runs:
        last = run[-1]
        for col in run:
            ws.set_column(col, col, widths[col], None, {"level": 1, "hidden": True})
        if last + 1 < len(widths):
            ws.set_column(last + 1, last + 1, widths[last + 1], None, {"collapsed": True})
