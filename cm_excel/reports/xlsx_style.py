"""Shared look of the SMG workbooks (xlsxwriter): formats, safe cell writing, page setup.

- RAG and severity are always a word in a coloured cell, never colour alone.
- Text is always written with ``write_string``: a provider's ``=HYPERLINK(...)`` stays text.
- Every string cell, however written, passes ``excel_text.cell_text`` first (``CleanWorkbook``):
  no control characters, nothing over Excel's 32,767-character limit (cut with a marker).
- Every sheet prints landscape on A4, fit to one page wide, with its title and header rows
  repeated and a footer carrying the period, the page number and the protective marking.
"""

from __future__ import annotations

import math
from functools import lru_cache
from datetime import date, datetime, time

from xlsxwriter.utility import xl_col_to_name

from ..excel_text import CleanWorkbook  # noqa: F401  (the writers' workbook)

FONT = "Arial"  # metric-compatible fonts exist wherever LibreOffice runs (Liberation Sans)
FONT_SIZE = 10

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "in_memory": True,  # no temporary files in $TMPDIR for a killed run to leave behind
}

# Word → (fill, font colour). Excel's own "good / neutral / bad" colours.
RAG_COLOURS = {
    "Green": ("#C6EFCE", "#006100"),
    "Amber": ("#FFEB9C", "#7F4F00"),
    "Red": ("#FFC7CE", "#9C0006"),
    "Accepted": ("#C6EFCE", "#006100"),
    "Accepted late": ("#FFEB9C", "#7F4F00"),
    "Held for decision": ("#FFEB9C", "#7F4F00"),
    "Rejected": ("#FFC7CE", "#9C0006"),
    "Missing": ("#FFC7CE", "#9C0006"),
    "Yes": ("#FFC7CE", "#9C0006"),  # significant failure: yes
}
GREY = ("#E7E6E6", "#3A3838")  # No return, Awaited, Not rated, Not reported, Not yet due
HEADER_FILL = "#1F3864"
SECTION_COLOUR = "#1F3864"
BORDER_COLOUR = "#A6A6A6"

MONEY = "£#,##0;-£#,##0"
MONEY_PENCE = "£#,##0.00;-£#,##0.00"
PERCENT = "0.0%"
SIGNED_PERCENT = "+0.0%;-0.0%;0.0%"
INTEGER = "#,##0"
DECIMAL = "#,##0.0#"
DATE = "d mmm yyyy"
DATETIME = "d mmm yyyy hh:mm"

UNIT_FORMATS = {"percent": PERCENT, "gbp": MONEY_PENCE, "days": "0.0#", "count": INTEGER,
                "score": "0.0#"}


class Styles:
    """Cached xlsxwriter formats built from small property dicts."""

    def __init__(self, workbook):
        self.workbook = workbook
        self._cache: dict[tuple, object] = {}

    def get(self, **props):
        base = {"font_name": FONT, "font_size": FONT_SIZE, "valign": "top"}
        base.update(props)
        key = tuple(sorted(base.items()))
        if key not in self._cache:
            self._cache[key] = self.workbook.add_format(base)
        return self._cache[key]

    # --- named looks ---------------------------------------------------------------------
    def title(self):
        return self.get(bold=True, font_size=15, font_color=SECTION_COLOUR, valign="vcenter")

    def subtitle(self):
        return self.get(italic=True, font_color="#404040")

    def section(self):
        return self.get(bold=True, font_size=12, font_color=SECTION_COLOUR, bottom=2,
                        bottom_color=SECTION_COLOUR)

    def header(self):
        return self.get(bold=True, font_color="#FFFFFF", bg_color=HEADER_FILL, text_wrap=True,
                        border=1, border_color=BORDER_COLOUR, valign="vcenter")

    def label(self):
        return self.get(bold=True, border=1, border_color=BORDER_COLOUR, bg_color="#F2F2F2")

    def cell(self, num_format: str | None = None, *, wrap: bool = False, bold: bool = False,
             align: str | None = None):
        props = {"border": 1, "border_color": BORDER_COLOUR}
        if num_format:
            props["num_format"] = num_format
        if wrap:
            props["text_wrap"] = True
        if bold:
            props["bold"] = True
            props["bg_color"] = "#F2F2F2"
        if align:
            props["align"] = align
        return self.get(**props)

    def rag(self, word: str | None, valign: str = "top"):
        """A RAG / status word in its colour (grey for the in-between words)."""
        fill, font = RAG_COLOURS.get(word or "", GREY)
        return self.get(bold=True, bg_color=fill, font_color=font, border=1,
                        border_color=BORDER_COLOUR, align="center", valign=valign)

    def plain_word(self):
        return self.get(border=1, border_color=BORDER_COLOUR, align="center",
                        font_color="#404040")

    def note(self, wrap: bool = False):
        """Italic grey words; unwrapped by default so they run across empty cells."""
        props = {"italic": True, "font_color": "#404040"}
        if wrap:
            props["text_wrap"] = True
        return self.get(**props)


def as_date(value):
    """A date from a date, datetime or ISO text; otherwise the value unchanged."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            return datetime.fromisoformat(text).replace(tzinfo=None)
        except ValueError:
            return value
    return value


def put(ws, row: int, col: int, value, fmt=None) -> None:
    """Write one value by its Python type. Text always goes through write_string.

    Row and column are always numbers here, so the worksheet's ``_write_*`` methods are
    called directly: the public ones only add a check for A1 notation, and a national
    workbook has over half a million cells. (``excel_text.CleanWorksheet`` cleans text in
    ``_write_string``, so every string is still cleaned.)
    """
    if value is None or (isinstance(value, str) and value == ""):
        ws._write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws._write_string(row, col, "Yes" if value else "No", fmt)
    elif isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            ws._write_string(row, col, str(value), fmt)
        else:
            ws._write_number(row, col, value, fmt)
    elif isinstance(value, datetime):
        ws._write_datetime(row, col, value, fmt)
    elif isinstance(value, date):
        ws._write_datetime(row, col, datetime.combine(value, time()), fmt)
    else:
        ws._write_string(row, col, str(value), fmt)


def write_row(ws, row: int, values, formats) -> None:
    for col, (value, fmt) in enumerate(zip(values, formats)):
        put(ws, row, col, value, fmt)


def set_widths(ws, widths) -> None:
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)


def chars_per_line(width: float) -> int:
    """Characters of 10pt text on one line of a column ``width`` (Calibri-11 width units)."""
    return max(4, int(width * 1.15) - 1)


@lru_cache(maxsize=4096)  # the same words recur in thousands of rows of a national workbook
def wrapped_lines(text, width: float) -> int:
    """How many lines ``text`` takes when wrapped in a column ``width`` characters wide.

    A greedy word wrap (long words broken), as Excel and LibreOffice do; generous by a
    character so a line never overflows in a slightly wider font.
    """
    per_line = chars_per_line(width)
    lines = 0
    for para in str(text).split("\n"):
        used = 0
        lines += 1
        for word in para.split(" "):
            if len(word) > per_line:
                # broken wherever the application likes (hyphens, mid-word): count it
                # generously and start the next word on a fresh line
                lines += math.ceil(len(word) / per_line) - (0 if used else 1)
                used = per_line
                continue
            need = len(word) + (1 if used else 0)
            if used and used + need > per_line:
                lines += 1
                used = 0
                need = len(word)
            used += need
    return lines


def wrapped_height(texts_and_widths, line_height: float = 13.0, minimum: float = 15.0) -> float:
    """A row height fitting wrapped text: (text, column width in characters) pairs.

    Set explicitly because LibreOffice does not grow rows for wrapped text on its own.
    """
    lines = max([wrapped_lines(str(t), w) for t, w in texts_and_widths if t] or [1])
    return max(minimum, lines * line_height + 3)


def header_footer_text(text: str) -> str:
    """Escape ``&`` for Excel's header/footer codes."""
    return str(text).replace("&", "&&")


def page_setup(ws, *, period_label: str, marking: str, repeat: tuple[int, int] | None,
               title: str) -> None:
    """Landscape A4, fit to width, repeated rows, marking in header and footer."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.7)
    if repeat is not None:
        ws.repeat_rows(*repeat)
    mark = header_footer_text(marking)
    ws.set_header(f'&L&"{FONT},Bold"&9{mark}&R&"{FONT},Regular"&9{header_footer_text(title)}')
    ws.set_footer(f'&L&"{FONT},Regular"&8{header_footer_text(period_label)}'
                  f'&C&"{FONT},Regular"&8Page &P of &N&R&"{FONT},Bold"&8{mark}')


def column_range(first_col: int, last_col: int, row: int) -> str:
    """``P5:W5`` for zero-based columns and row."""
    return f"{xl_col_to_name(first_col)}{row + 1}:{xl_col_to_name(last_col)}{row + 1}"
