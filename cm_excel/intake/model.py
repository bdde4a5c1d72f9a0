"""What reading a return produces: values that remember their sheet and cell."""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any


@dataclass(frozen=True)
class Cell:
    """A value as read (str, float, int, bool, datetime/date or None) and where it was."""

    value: Any
    sheet: str
    ref: str  # A1 reference, e.g. "E12"

    @property
    def blank(self) -> bool:
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())


@dataclass
class TableRead:
    """One table of a return. ``rows`` skips fully blank rows; each row maps header → Cell.

    Every header of the table contract is a key of every row (a Cell with value None when
    the column is missing, with ``ref`` of the header row). ``missing_headers`` lists the
    contract's headers not found; ``extra_headers`` those the provider added.
    """

    name: str
    sheet: str
    header_row: int  # 1-based Excel row of the header
    found_by: str  # "table" (table definition) or "header" (header row on the expected sheet)
    rows: list[dict[str, Cell]] = field(default_factory=list)
    missing_headers: list[str] = field(default_factory=list)
    extra_headers: list[str] = field(default_factory=list)


@dataclass
class ReturnWorkbook:
    """Everything the validator needs from one return file."""

    path: str  # as given
    name: str  # file name shown in findings
    sha256: str
    size: int
    sheet_names: list[str]
    metadata: dict[str, Cell]  # META_KEYS → Cell (missing keys absent)
    contract_fields: dict[str, Cell]  # Contract sheet label → value Cell
    sign_off: dict[str, Cell]  # SIGN_OFF_FIELDS → Cell
    tables: dict[str, TableRead]  # table name → TableRead (absent if not found)
    date1904: bool = False
    notes: list[str] = field(default_factory=list)  # reader remarks (e.g. table found by header)
    long_text_possible: bool = True  # False when no part is big enough to hold such a cell
    # Every worksheet's values with coordinates (intake.sheet_values), read on first call:
    # what a feedback workbook re-creates. None for a workbook built in code without it.
    sheet_values: Callable[[], Any] | None = field(default=None, repr=False, compare=False)

    @property
    def kind(self) -> str | None:
        c = self.metadata.get("template_kind")
        return str(c.value).strip().lower() if c and not c.blank else None
