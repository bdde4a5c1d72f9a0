"""Load one financial year's facts (``portfolio.year.YearData``) from the ledger and register.

The year is its four quarters, each loaded as the quarterly workbook loads it
(``quarter_loader.load_quarter``), the previous year's quarters when the ledger holds them
(year-on-year change), and the providers' risk and improvement logs from the accepted
performance returns. Only accepted returns supply values; superseded ones do not.
"""

from __future__ import annotations

import sqlite3
from datetime import date

from ..periods import Period
from ..portfolio.logs import ImprovementEntry, RiskEntry
from ..portfolio.calendar import register_name_of
from ..portfolio.quarter import QuarterData, Source
from ..portfolio.year import YearData, build_year
from ..register.model import Register
from ..templates.contract import PERFORMANCE
from .quarter_loader import HISTORY_QUARTERS, Shared, _rows_for, load_quarter


def load_year_quarters(conn: sqlite3.Connection, register: Register, fy: int, as_of: date,
                       *, history: int = HISTORY_QUARTERS,
                       shared: Shared | None = None) -> list[QuarterData]:
    """Q1..Q4 of ``fy``, each with ``history`` quarters before it for trends and flags."""
    shared = Shared() if shared is None else shared  # made once for the four quarters
    return [load_quarter(conn, register, Period(fy, q), as_of, history=history, shared=shared)
            for q in (1, 2, 3, 4)]


def load_logs(conn: sqlite3.Connection, quarters: list[QuarterData]
              ) -> tuple[list[RiskEntry], list[ImprovementEntry]]:
    """The risk and improvement rows of the quarters' accepted performance returns."""
    accepted: dict[int, Source] = {}
    for q in quarters:
        for r in q.returns:
            if r.kind == PERFORMANCE and r.accepted is not None:
                accepted[r.accepted.submission_id] = r.accepted
    sources = list(accepted.values())
    conn.row_factory = sqlite3.Row  # a caller's own connection may not have it
    risks = [
        RiskEntry(r["contract_id"], Period(r["fy"], r["quarter"]), r["risk"], r["likelihood"],
                  r["impact"], r["mitigation"], r["owner"], r["status"],
                  accepted[r["submission_id"]], r["sheet"], r["row"])
        for r in _rows_for(conn, "risks", sources, order="contract_id, fy, quarter, row")]
    improvements = [
        ImprovementEntry(r["contract_id"], Period(r["fy"], r["quarter"]), r["action"],
                         r["due_date"], r["status"], r["progress"],
                         accepted[r["submission_id"]], r["sheet"], r["row"])
        for r in _rows_for(conn, "improvements", sources,
                           order="contract_id, fy, quarter, row")]
    return risks, improvements


def load_year(conn: sqlite3.Connection, register: Register, fy: int, as_of: date) -> YearData:
    """The year ``fy`` (2026 for 2026-27) as of ``as_of``: see ``portfolio.year.build_year``."""
    shared = Shared()
    quarters = load_year_quarters(conn, register, fy, as_of, shared=shared)
    # the previous year only when the ledger holds a return of it (year-on-year change)
    held = conn.execute("SELECT 1 FROM submissions WHERE fy = ? AND status IN "
                        "('accepted', 'superseded') LIMIT 1", (fy - 1,)).fetchone()
    previous = (load_year_quarters(conn, register, fy - 1, as_of, history=0, shared=shared)
                if held else None)
    risks, improvements = load_logs(conn, quarters)
    return build_year(register, fy, quarters, as_of=as_of, previous=previous, risks=risks,
                      improvements=improvements,
                      register_name=register_name_of(register))


__all__ = ["load_year", "load_year_quarters", "load_logs"]
