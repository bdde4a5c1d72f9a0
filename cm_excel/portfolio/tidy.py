"""The ledger's values as one tidy table (pandas): one row per contract, quarter and KPI or
budget line, with the value, its target, RAG and the return file, sheet and cell it came
from. It is what ``cm-excel export`` writes for analysts and Power BI.

Only values from accepted returns appear (a gap has no row); percentages are fractions.
A budget line's value is its quarter actual and its target the quarter budget; its RAG is
Green within the Settings' variance tolerance and Amber beyond it (the flags judge the
contract's total, so a line alone is never Red).
"""

from __future__ import annotations

import pandas as pd

from .quarter import QuarterData
from .rag import AMBER, GREEN, beyond, variance_share

COLUMNS = ("contract_id", "provider", "financial_year", "quarter", "period", "item_type",
           "item_code", "item_name", "unit", "value", "numerator", "denominator", "target",
           "amber_threshold", "rag", "source_file", "sheet", "cell")
KPI, BUDGET_LINE = "KPI", "Budget line"


def _line_rag(actual, budget, tolerance: float) -> str | None:
    if actual is None or budget is None:
        return None
    share = variance_share(actual, budget)
    if share is None:
        return AMBER if actual > 0 else GREEN
    return AMBER if beyond(abs(share), tolerance) else GREEN


def tidy_rows(quarters: list[QuarterData]) -> list[dict]:
    """The rows, in contract, period, type and register order."""
    rows = []
    for q in quarters:
        tolerance = q.settings.variance_tolerance
        for c in q.contracts:
            cid = c.contract_id
            base = {"contract_id": cid, "provider": c.provider, "financial_year": q.period.fy_label,
                    "quarter": q.period.q_label, "period": q.period.label}
            for k in q.kpis_of(cid):
                if k.actual is None or k.source is None:
                    continue
                rows.append({**base, "item_type": KPI, "item_code": k.kpi_code,
                             "item_name": k.name, "unit": k.unit, "value": k.actual,
                             "numerator": k.numerator, "denominator": k.denominator,
                             "target": k.target, "amber_threshold": k.amber, "rag": k.rag,
                             "source_file": k.source.file, "sheet": k.sheet, "cell": k.cell})
            for f in q.finance_of(cid):
                rows.append({**base, "item_type": BUDGET_LINE, "item_code": f.line,
                             "item_name": f.line, "unit": "gbp", "value": f.quarter_actual,
                             "numerator": None, "denominator": None,
                             "target": f.quarter_budget, "amber_threshold": None,
                             "rag": _line_rag(f.quarter_actual, f.quarter_budget, tolerance),
                             "source_file": f.source.file, "sheet": f.sheet,
                             "cell": f.ref("Quarter Actual").rsplit("!", 1)[1]})
    return rows


def tidy_frame(quarters: list[QuarterData]) -> pd.DataFrame:
    """``tidy_rows`` as a DataFrame with the ``COLUMNS``, in a stable order."""
    frame = pd.DataFrame(tidy_rows(quarters), columns=list(COLUMNS))
    order = {KPI: 0, BUDGET_LINE: 1}
    if frame.empty:
        return frame
    frame["_type"] = frame["item_type"].map(order)
    frame["_row"] = range(len(frame))
    frame = frame.sort_values(["contract_id", "period", "_type", "_row"], kind="stable")
    return frame.drop(columns=["_type", "_row"]).reset_index(drop=True)


__all__ = ["COLUMNS", "KPI", "BUDGET_LINE", "tidy_rows", "tidy_frame"]
