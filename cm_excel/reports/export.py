"""``cm-excel export``: the year's values as one tidy table, CSV and .xlsx, for analysts and
Power BI: ``outbox/export/SMG_Values_<FY>.csv`` and ``.xlsx`` (an Excel table named
``SmgValues``). Same ledger and as-of → the same bytes.

Text that would start a formula in a spreadsheet (``=``, ``+``, ``-``, ``@``) is written to
the CSV with a leading apostrophe, the usual guard against CSV injection; in the .xlsx it
is always a string cell.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd
from ..excel_text import CleanWorkbook

from ..atomic import atomic_path, write_bytes_atomic
from ..periods import fy_label
from ..portfolio.tidy import COLUMNS, tidy_frame
from ..register.model import Register
from ..workspace import Workspace
from .consolidate import snapshot
from .xlsx_style import WORKBOOK_OPTIONS, put

FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True)
class ExportResult:
    fy_label: str
    rows: int
    csv_path: Path
    xlsx_path: Path

    def lines(self) -> list[str]:
        return [f"Export of {self.fy_label}: {self.rows} rows",
                f"CSV: {self.csv_path}", f"Excel: {self.xlsx_path}"]


def export_names(label: str) -> tuple[str, str]:
    return f"SMG_Values_{label}.csv", f"SMG_Values_{label}.xlsx"


def _guard(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(frame: pd.DataFrame) -> str:
    """The frame as CSV text (formula-like text guarded, ``\\n`` line ends)."""
    safe = frame.copy()
    for col in safe.columns:
        if safe[col].dtype == object or str(safe[col].dtype).startswith("str"):
            safe[col] = safe[col].map(_guard)
    buffer = io.StringIO()
    safe.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def write_xlsx(frame: pd.DataFrame, path, *, as_of: date, title: str) -> Path:
    """The frame as one Excel table (``SmgValues``), deterministic bytes."""
    path = Path(path)
    with atomic_path(path) as tmp:
        wb = CleanWorkbook(str(tmp), dict(WORKBOOK_OPTIONS))
        ws = wb.add_worksheet("Values")
        rows = frame.astype(object).where(frame.notna(), None).values.tolist()
        for r, values in enumerate(rows, start=1):
            for c, value in enumerate(values):
                put(ws, r, c, value)
        ws.add_table(0, 0, max(len(rows), 1), len(COLUMNS) - 1, {
            "name": "SmgValues", "columns": [{"header": h} for h in COLUMNS],
            "style": "Table Style Light 9"})
        ws.freeze_panes(1, 0)
        for c, h in enumerate(COLUMNS):
            ws.set_column(c, c, max(10, len(h) + 2))
        wb.set_properties({"title": title, "created": datetime.combine(as_of, time())})
        wb.close()
    return path


def export_year(workspace: Workspace, register: Register, fy: int, *, as_of: date,
                progress=None) -> ExportResult:
    """Write the year's tidy table as CSV and .xlsx into ``outbox/export/``."""
    from ..ledger.year_loader import load_year_quarters

    label = fy_label(fy)
    if progress:
        progress("export.stage", text=f"Exporting the values of {label}")
    quarters = snapshot(workspace,
                        lambda conn: load_year_quarters(conn, register, fy, as_of, history=0))
    frame = tidy_frame(quarters)
    folder = workspace.outbox / "export"
    folder.mkdir(parents=True, exist_ok=True)
    csv_name, xlsx_name = export_names(label)
    # with a byte-order mark, so Excel reads £ and accents as UTF-8
    write_bytes_atomic(folder / csv_name, ("\ufeff" + csv_text(frame)).encode("utf-8"))
    write_xlsx(frame, folder / xlsx_name, as_of=as_of, title=f"SMG values {label}")
    return ExportResult(label, len(frame), folder / csv_name, folder / xlsx_name)


__all__ = ["export_year", "ExportResult", "export_names", "csv_text", "write_xlsx"]
