"""What every sheet of the SMG quarterly workbook shares: its context, title, header and rows.

Each sheet puts its title in row 1, a subtitle (period, as-of, marking) in row 2 and its
(first) table header in row 3. Rows are made tall enough for their wrapped text, because
LibreOffice does not grow rows by itself.

Printing (``print_setup``): a sheet's widths are narrowed to print one page wide at 8 pt or
more; a sheet of one table repeats its title and header on every page; a sheet of several
tables (``start_sheet(..., tables=True)``) repeats only its title and subtitle, notes each
table's first row as ``section`` draws it, and ``end_sheet`` keeps each table off the foot
of a page. The annual workbook and the meeting packs, whose writers draw sheets without
ending them, end them all at once with ``finish_sheets`` (a context with an ``opened`` list).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..flags import Flag
from ..flags.overview import ContractOverview
from .briefing import Briefing
from ..portfolio.rag import day
from ..register.model import Settings
from ..portfolio.quarter import QuarterData
from ..print_setup import MIN_SCALE, fit_widths, fold_columns, table_breaks
from .xlsx_style import (Styles, chars_per_line, page_setup, put, set_widths, wrapped_height,
                         write_row)

HEADER_ROW = 2  # zero-based: Excel row 3
TITLE_HEIGHT, SUBTITLE_HEIGHT = 24, 15
SUBTITLE_SEPARATOR = "  ·  "  # between the parts of a subtitle (period, as-of, marking)


@dataclass
class SheetContext:
    """The quarter being written, its flags and overview, the settings and the formats."""

    data: QuarterData
    flags: list[Flag]
    overview: list[ContractOverview]
    settings: Settings
    st: Styles
    widths: tuple = ()  # column widths of the sheet being written
    hidden: tuple = ()  # its folded columns (off the printed page)
    starts: list = field(default_factory=list)  # first rows of its tables (section headings)
    repeat_height: float = 0.0  # points of the rows repeated on every printed page
    briefing: Briefing | None = None  # the Summary's sentences and what changed

    @property
    def period_line(self) -> str:
        return (f"{self.data.period.describe()}  ·  as of {day(self.data.as_of)}  ·  "
                f"{self.settings.protective_marking}")

    @property
    def page_label(self) -> str:
        """The period words in every printed page's footer."""
        return f"SMG quarterly report {self.data.period.label}"


def start_sheet(wb, ctx: SheetContext, name: str, title: str, widths, *, freeze_col: int = 1,
                tables: bool = False, folded=(), keep=(), header_height: float = 30,
                min_scale: float = MIN_SCALE, repeat_to: int | None = None):
    """A new worksheet with its widths, title, subtitle, page setup and frozen header.

    ``widths`` are narrowed where needed to print at 8 pt or more (``keep`` columns keep
    theirs); ``folded`` columns (indexes) go in collapsed groups, off the printed page.
    ``tables``: the sheet holds several tables, so only the title rows repeat on each page
    (``repeat_to=1`` says the same; ``repeat_to=HEADER_ROW`` is the one-table default).
    Row heights worked out from the widths must use ``ctx.widths`` (the narrowed ones).
    """
    ws = wb.add_worksheet(name)
    hidden = tuple(sorted(folded))
    widths = fit_widths(widths, hidden=hidden, keep=keep, min_scale=min_scale)
    set_widths(ws, widths)
    if hidden:
        fold_columns(ws, hidden, widths)
    ctx.widths, ctx.hidden, ctx.starts = tuple(widths), hidden, []
    ws.set_row(0, TITLE_HEIGHT)
    put(ws, 0, 0, title, ctx.st.title())
    put(ws, 1, 0, ctx.period_line, ctx.st.subtitle())
    if repeat_to is not None:
        tables = repeat_to < HEADER_ROW
    repeat_to = 1 if tables else HEADER_ROW
    ctx.repeat_height = TITLE_HEIGHT + SUBTITLE_HEIGHT + (0 if tables else header_height)
    page_setup(ws, period_label=ctx.page_label, marking=ctx.settings.protective_marking,
               repeat=(0, repeat_to), title=name)
    if freeze_col is not None:
        ws.freeze_panes(HEADER_ROW + 1, freeze_col)
    opened = getattr(ctx, "opened", None)
    if opened is not None:  # a workbook ended by ``finish_sheets`` (annual, meeting packs)
        opened.append(SheetLayout(ws, ctx.widths, ctx.hidden, ctx.starts, ctx.repeat_height,
                                  tables))
    return ws


def _wrap_subtitle(ws, ctx) -> None:
    """A subtitle longer than the sheet is wide (a pack's service name on its narrow
    Contract sheet) breaks between its parts (service, period, as-of, marking) across the
    printed columns rather than being cut at the print area's edge; the repeated rows grow
    with it."""
    shown = sum(w for i, w in enumerate(ctx.widths) if i not in ctx.hidden)
    per_line = chars_per_line(shown)
    if len(ctx.period_line) <= per_line:
        return
    lines: list[str] = []
    for part in ctx.period_line.split(SUBTITLE_SEPARATOR):
        if lines and len(lines[-1]) + len(SUBTITLE_SEPARATOR) + len(part) <= per_line:
            lines[-1] += SUBTITLE_SEPARATOR + part
        else:
            lines.append(part)
    text = "\n".join(lines)
    height = wrapped_height([(text, shown)])
    ws.set_row(1, height)
    ws.merge_range(1, 0, 1, len(ctx.widths) - 1, text,
                   ctx.st.get(italic=True, font_color="#404040", text_wrap=True))
    ctx.repeat_height += height - SUBTITLE_HEIGHT


@dataclass
class SheetLayout:
    """What ``finish_sheets`` needs of a sheet ``start_sheet`` made: its printed widths,
    folded columns, the first rows of its titled tables (filled in as ``section`` draws
    them), the height of its repeated rows, and whether it only repeats its title rows."""

    ws: object
    widths: tuple
    hidden: tuple
    starts: list
    repeat_height: float
    tables: bool


def finish_sheets(ctx) -> None:
    """End every sheet ``start_sheet`` opened on ``ctx`` (whose ``opened`` list records
    them) as ``end_sheet`` does, on the sheet's last written row: a sheet that turned out to
    hold several tables repeats only its title rows; print area and page breaks. For
    workbooks whose writers draw sheets without ending them (annual, meeting packs)."""
    for layout in ctx.opened:
        ctx.widths, ctx.hidden, ctx.starts = layout.widths, layout.hidden, layout.starts
        ctx.repeat_height = layout.repeat_height
        _wrap_subtitle(layout.ws, ctx)
        if layout.starts and not layout.tables:
            several_tables(layout.ws, ctx)
        last_row = layout.ws.dim_rowmax if layout.ws.dim_rowmax is not None else HEADER_ROW
        end_sheet(layout.ws, ctx, last_row)
    ctx.opened.clear()


def several_tables(ws, ctx: SheetContext) -> None:
    """The sheet turns out to hold several tables: repeat only its title rows on each page
    (the same as ``start_sheet(..., tables=True)``)."""
    ws.repeat_rows(0, 1)
    ctx.repeat_height = TITLE_HEIGHT + SUBTITLE_HEIGHT


def wide_note(ws, ctx: SheetContext, row: int, text: str) -> None:
    """A note wrapped across the sheet's printed width (a long unwrapped note would run
    past the last column and be cut off the printed page)."""
    shown = sum(w for i, w in enumerate(ctx.widths) if i not in ctx.hidden)
    ws.set_row(row, wrapped_height([(text, shown)]))
    ws.merge_range(row, 0, row, len(ctx.widths) - 1, text, ctx.st.note(wrap=True))


def end_sheet(ws, ctx: SheetContext, last_row: int, *, forced=()) -> None:
    """The print area (the sheet's columns down to ``last_row``: text running on past the
    last column would otherwise widen the page and shrink the type) and page breaks
    keeping each table of a sheet of several tables off the foot of a page (``forced``
    rows always start one). Every sheet made by ``start_sheet`` ends with it."""
    breaks = table_breaks(ws, ctx.starts, last_row, widths=ctx.widths, hidden=ctx.hidden,
                          repeat_height=ctx.repeat_height, forced=forced)
    if breaks:
        ws.set_h_pagebreaks(breaks)
    ws.print_area(0, 0, last_row, len(ctx.widths) - 1)


def header(ws, ctx: SheetContext, row: int, headers, height: float = 30) -> None:
    """A table header row, tall enough for its wrapped headers."""
    # bold text is wider: allow a character less per line
    fit = wrapped_height([(h, w - 1) for h, w in zip(headers, ctx.widths) if h])
    ws.set_row(row, max(height, fit))
    for col, text in enumerate(headers):
        put(ws, row, col, text, ctx.st.header())


def write_fitted(ws, ctx: SheetContext, row: int, values, fmts) -> None:
    """One row, made tall enough for its wrapped text (LibreOffice does not grow rows)."""
    write_row(ws, row, values, fmts)
    wrapped = [(v, w) for v, f, w in zip(values, fmts, ctx.widths)
               if isinstance(v, str) and getattr(f, "text_wrap", 0)]
    if wrapped:
        ws.set_row(row, wrapped_height(wrapped))


def write_rows(ws, ctx: SheetContext, first_row: int, rows, formats) -> int:
    """Write rows; a format may be a callable of the value (RAG words). Returns next row."""
    row = first_row
    for values in rows:
        write_fitted(ws, ctx, row, values,
                     [f(v) if callable(f) else f for f, v in zip(formats, values)])
        row += 1
    return row


def section(ws, ctx: SheetContext, row: int, text: str, last_col: int) -> None:
    """A section heading underlined across columns A to ``last_col``: a table starts here."""
    ctx.starts.append(row)
    ws.set_row(row, 20)
    for col in range(last_col + 1):
        put(ws, row, col, text if col == 0 else None, ctx.st.section())


def titled_rows(ws, ctx: SheetContext, row: int, title: str, headers, rows, formats,
                empty_note: str | None = None) -> int:
    """A section heading, a header row and the rows under it (or ``empty_note`` when there
    are none), starting at ``row``. Returns the next free row."""
    section(ws, ctx, row, title, 8)
    header(ws, ctx, row + 1, headers)
    row = write_rows(ws, ctx, row + 2, rows, formats)
    if not rows and empty_note:
        put(ws, row, 0, empty_note, ctx.st.note())
        row += 1
    return row


def rag_or_plain(ctx: SheetContext):
    """A format chooser: a RAG word in its colour, a blank as a plain cell."""
    return lambda value: ctx.st.rag(value) if value else ctx.st.cell()


def kind_label(kind: str) -> str:
    """``performance`` → ``Performance``."""
    return kind.capitalize()
