"""Problems found in the register: values with a stable code and coordinates.

The reader collects every problem of a register in one pass; ``read_register`` turns them
into the one-line-per-problem ``RegisterError``. Tests assert codes and coordinates, people
read the line.
"""

from __future__ import annotations

from dataclasses import dataclass

# Stable codes. One per kind of mistake a person can make in register.xlsx.
UNREADABLE = "REGISTER_UNREADABLE"  # not an .xlsx workbook at all
DAMAGED = "REGISTER_DAMAGED"  # an .xlsx cut short or broken (an interrupted copy or save)
BEING_SAVED = "REGISTER_OPEN_IN_EXCEL"  # missing, with Excel's ~$ owner file beside it
MISSING_SHEET = "MISSING_SHEET"
MISSING_COLUMN = "MISSING_COLUMN"
DUPLICATE_CONTRACT = "DUPLICATE_CONTRACT_ID"
DUPLICATE_KPI = "DUPLICATE_KPI_CODE"
DUPLICATE_BUDGET_LINE = "DUPLICATE_BUDGET_LINE"
DUPLICATE_SETTING = "DUPLICATE_SETTING"
UNSAFE_ID = "UNSAFE_ID"
UNKNOWN_CONTRACT = "UNKNOWN_CONTRACT_ID"
UNKNOWN_KPI = "UNKNOWN_KPI_CODE"
UNKNOWN_SETTING = "UNKNOWN_SETTING"
DATES_OUT_OF_ORDER = "DATES_OUT_OF_ORDER"
NOT_A_NUMBER = "NOT_A_NUMBER"
NOT_A_WHOLE_NUMBER = "NOT_A_WHOLE_NUMBER"
NEGATIVE = "NEGATIVE_NUMBER"
NOT_A_DATE = "NOT_A_DATE"
NOT_A_PERIOD = "NOT_A_PERIOD"
NOT_A_YEAR = "NOT_A_FINANCIAL_YEAR"
NOT_YES_NO = "NOT_YES_NO"
BLANK = "BLANK_REQUIRED_CELL"
CELL_ERROR = "CELL_SHOWS_ERROR"  # a formula whose result is #N/A, #REF! ...
NOT_IN_LIST = "NOT_IN_LIST"
AMBER_WRONG_SIDE = "AMBER_WRONG_SIDE"
AMBER_WITHOUT_TARGET = "AMBER_WITHOUT_TARGET"
TARGET_MISSING = "TARGET_MISSING"
SLA_OVERLAP = "SLA_OVERLAP"
PERCENT_OUT_OF_RANGE = "PERCENT_OUT_OF_RANGE"
PERCENT_AGGREGATION = "PERCENT_AGGREGATION"  # a percentage summed or averaged over the year


@dataclass(frozen=True)
class RegisterProblem:
    """One problem in one place of the register.

    ``row`` is the Excel row number (0 when the problem is about a whole sheet or file);
    ``column`` is the header text ('' when not about one column).
    """

    code: str
    file: str
    sheet: str
    row: int
    column: str
    message: str

    @property
    def where(self) -> str:
        """``SLA KPIs row 7, column "Amber Threshold"`` or as much of it as is known."""
        parts = [self.sheet] if self.sheet else []
        if self.row:
            parts.append(f"row {self.row}")
        place = " ".join(parts)
        if self.column:
            place = f'{place}, column "{self.column}"' if place else f'column "{self.column}"'
        return place

    def line(self) -> str:
        """``register.xlsx: SLA KPIs row 7, column "Target": ...`` — one line for people."""
        head = ": ".join(p for p in (self.file, self.where) if p)
        return f"{head}: {self.message}" if head else self.message

    def __str__(self) -> str:
        return self.line()
