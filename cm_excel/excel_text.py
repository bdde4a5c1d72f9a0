"""Text as every output may carry it: no control characters, no cell over Excel's limit.

Provider text reaches the SMG workbook, the feedback workbooks and the cover note. There it
must never carry control characters (U+0000 to U+001F other than tab and newline): XML
cannot hold most of them, Excel stores them escaped (``_x001B_``) and gives them back raw,
and an ESC or BEL opens terminal sequences for whoever copies the text to a terminal. Each
one is replaced by ``?`` (a carriage return by a newline: Windows line ends are not
damage). And an Excel cell holds at most 32,767 characters: longer text is cut, ending with
a visible marker (the validator raises TEXT_TOO_LONG on such a cell of a return).

Workbooks are written with ``CleanWorkbook`` (an xlsxwriter Workbook): every string cell,
however it is written (write, write_string, merge_range), passes ``cell_text`` first.
"""

from __future__ import annotations

import re

from xlsxwriter import Workbook
from xlsxwriter.worksheet import Worksheet

CELL_LIMIT = 32_767  # characters an Excel cell can hold
CUT_MARKER = " [... cut: longer than the 32,767 characters an Excel cell can hold]"
REPLACEMENT = "?"

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")


def clean_text(text: object) -> str:
    """``text`` as a string with its control characters replaced (tab and newline kept)."""
    s = str(text)
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub(REPLACEMENT, s)


def cut_to_cell(text: str, limit: int = CELL_LIMIT) -> str:
    """``text`` if it fits in a cell, else its start followed by ``CUT_MARKER``."""
    if len(text) <= limit:
        return text
    return text[:limit - len(CUT_MARKER)] + CUT_MARKER


def cell_text(text: object) -> str:
    """Text ready for a workbook cell: cleaned, then cut to Excel's limit."""
    if type(text) is str and len(text) <= CELL_LIMIT and text.isprintable():
        return text  # nothing to clean or cut (most cells): no regular expression run
    return cut_to_cell(clean_text(text))


class CleanWorksheet(Worksheet):
    """A worksheet whose every string cell is cleaned and cut to Excel's limit: the one
    place text enters an output workbook."""

    def _write_string(self, row, col, string, cell_format=None):
        return super()._write_string(row, col, cell_text(string), cell_format)

    def _assemble_xml_file(self):
        super()._assemble_xml_file()
        # The cells are in the sheet's XML now and nothing reads them again: let them go
        # before the next sheet is assembled (a national workbook has half a million).
        self.table.clear()


class CleanWorkbook(Workbook):
    """An xlsxwriter Workbook whose worksheets are CleanWorksheets."""

    def add_worksheet(self, name=None, worksheet_class=None):
        return super().add_worksheet(name, worksheet_class or CleanWorksheet)


def shorten(text: str | None, limit: int) -> str:
    """``text`` on one line, cut at a word boundary with "…" when longer than ``limit``."""
    words = " ".join(str(text or "").split())
    if len(words) <= limit:
        return words
    cut = words[:limit - 1]
    if " " in cut and words[limit - 1] != " ":
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "…"
