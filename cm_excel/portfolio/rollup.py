"""The annual roll-up arithmetic, over a tidy table of quarterly values (pandas).

Every KPI of the KPI menu names its Annual Aggregation; the year's value follows it:

- ``sum``: the quarters' values added up (new referrals, victims supported). The year's
  target is the sum of the quarterly targets of the same quarters, because SLA targets are
  per quarter.
- ``ratio of sums``: total numerator over total denominator (every percentage, and averages
  kept as a total over a count). Never an average of the quarterly percentages: 45 of 50
  and 10 of 100 is 55 of 150 (36.7%), not the mean of 90% and 10%.
- ``mean``: the mean of the quarterly values (a score already averaged by the provider).
- ``latest``: the latest quarter's value (a stock such as the open caseload).

A quarter with no accepted return, or a KPI not reported, is a gap: it is left out, never
counted as zero, and the number of quarters behind each figure travels with it. For
``ratio of sums``, ``mean`` and ``latest`` the year is judged against the target in force
in the latest quarter that has a value.
"""

from __future__ import annotations

import math

import pandas as pd

SUM, RATIO, MEAN, LATEST = "sum", "ratio of sums", "mean", "latest"
RULES = (SUM, RATIO, MEAN, LATEST)

# Columns of the tidy KPI table the roll-up reads: one row per contract, KPI and quarter.
KPI_COLUMNS = ("contract_id", "kpi_code", "aggregation", "quarter", "value", "numerator",
               "denominator", "target", "amber")
YEAR_COLUMNS = ("value", "numerator", "denominator", "target", "amber", "reported", "latest")


def _none(value):
    """NaN (pandas' gap) → None; numpy scalars → float."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _year_of(group: pd.DataFrame) -> dict:
    """One contract's one KPI over the year's quarters (a group of the tidy table)."""
    rule = group["aggregation"].iat[0]
    rows = group.sort_values("quarter")
    got = rows[rows["value"].notna()]
    out = dict.fromkeys(YEAR_COLUMNS)
    out["reported"] = int(len(got))
    if got.empty:
        last = rows.iloc[-1]
        out["target"], out["amber"] = _none(last["target"]), _none(last["amber"])
        return out
    last = got.iloc[-1]
    out["latest"] = int(last["quarter"])
    if rule == SUM:
        out["value"] = _none(got["value"].sum())
        # the year's target is the quarterly targets of the same quarters, added up
        out["target"] = _none(got["target"].sum()) if got["target"].notna().all() else None
        out["amber"] = _none(got["amber"].sum()) if got["amber"].notna().all() else None
        return out
    out["target"], out["amber"] = _none(last["target"]), _none(last["amber"])
    if rule == RATIO:
        both = got[got["numerator"].notna() & got["denominator"].notna()]
        num, den = both["numerator"].sum(), both["denominator"].sum()
        out["numerator"], out["denominator"] = _none(num), _none(den)
        out["value"] = _none(num / den) if len(both) and den else None
        out["reported"] = int(len(both))
    elif rule == MEAN:
        out["value"] = _none(got["value"].mean())
    else:  # LATEST, and any rule the menu does not know
        out["value"] = _none(last["value"])
    return out


def year_values(frame: pd.DataFrame) -> dict[tuple[str, str], dict]:
    """(contract, KPI code) → the year's value, numerator, denominator, target, amber,
    reported (quarters behind it) and latest (the last quarter with a value, or None).

    ``frame`` holds the ``KPI_COLUMNS``; a gap is a row whose value is missing (NaN/None).
    """
    if frame.empty:
        return {}
    frame = frame.astype({"value": float, "numerator": float, "denominator": float,
                          "target": float, "amber": float})
    out = {}
    for (cid, code), group in frame.groupby(["contract_id", "kpi_code"], sort=True):
        out[(cid, code)] = _year_of(group)
    return out


def kpi_frame(rows) -> pd.DataFrame:
    """The tidy KPI table from dicts (or tuples) holding ``KPI_COLUMNS``."""
    return pd.DataFrame(list(rows), columns=list(KPI_COLUMNS))


def finance_year(frame: pd.DataFrame) -> dict[tuple[str, str], dict]:
    """(contract, budget line) → quarter actuals summed, quarters behind the sum, and the
    latest return's year-to-date actual, forecast outturn and annual budget (with its quarter).

    ``frame`` columns: contract_id, line, quarter, quarter_actual, ytd_actual,
    forecast_outturn, annual_budget. Missing quarters are gaps, not zeros.
    """
    if frame.empty:
        return {}
    out = {}
    for (cid, line), group in frame.groupby(["contract_id", "line"], sort=True):
        rows = group.sort_values("quarter")
        last = rows.iloc[-1]
        actuals = rows["quarter_actual"].astype(float)
        out[(cid, line)] = {
            "sum_of_quarters": _none(actuals.sum()) if actuals.notna().any() else None,
            "quarters": int(actuals.notna().sum()),
            "latest": int(last["quarter"]),
            "ytd_actual": _none(last["ytd_actual"]),
            "forecast_outturn": _none(last["forecast_outturn"]),
            "annual_budget": _none(last["annual_budget"]),
        }
    return out


__all__ = ["SUM", "RATIO", "MEAN", "LATEST", "RULES", "KPI_COLUMNS", "year_values", "kpi_frame",
           "finance_year"]
