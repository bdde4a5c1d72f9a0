"""What every sheet of the SMG quarterly workbook shares: its context, title, header and rows.

Each sheet puts its title in row 1, a subtitle (period, as-of, marking) in row 2 and its
(first) table header in row 3. Rows are made tall enough for their wrapped text, because
LibreOffice does not grow rows by itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..flags import Flag
from ..flags.overview import ContractOverview
from .briefing import Briefing
from ..portfolio.rag import day
from ..register.model import Settings
from ..portfolio.quarter import QuarterData
from .xlsx_style import Styles, page_setup, put, set_widths, wrapped_height, write_row

HEADER_ROW = 2  # zero-based: Excel row 3


@dataclass
class SheetContext:
    """The quarter being written, its flags and overview, the settings and the formats."""

    data: QuarterData
    flags: list[Flag]
    overview: list[ContractOverview]
    settings: Settings
    st: Styles
    widths: tuple = ()  # column widths of the sheet being written
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
                repeat_to: int = HEADER_ROW):
    """A new worksheet with its widths, title, subtitle, page setup and frozen header."""
    ws = wb.add_worksheet(name)
    set_widths(ws, widths)
    ctx.widths = tuple(widths)
    ws.set_row(0, 24)
    put(ws, 0, 0, title, ctx.st.title())
    put(ws, 1, 0, ctx.period_line, ctx.st.subtitle())
    page_setup(ws, period_label=ctx.page_label, marking=ctx.settings.protective_marking,
               repeat=(0, repeat_to), title=name)
    if freeze_col is not None:
        ws.freeze_panes(HEADER_ROW + 1, freeze_col)
    return ws


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
    """A section heading underlined across columns A to ``last_col``."""
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
