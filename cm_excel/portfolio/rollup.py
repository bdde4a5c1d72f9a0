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

import numpy as np
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


def _wide(frame: pd.DataFrame, keys: list[str], columns: list[str]):
    """Each group of ``keys`` as one row of numpy arrays, one column per position of the
    group's rows in quarter order (NaN where a group has fewer rows): (group keys, quarter
    matrix, {column: matrix}). Adding up a row of a matrix column by column, from 0.0, adds
    the quarters in the order pandas' own sum of the group did, to the last bit."""
    ordered = frame.sort_values(keys + ["quarter"], kind="mergesort")
    grouped = ordered.groupby(keys, sort=False)
    position = grouped.cumcount().to_numpy()
    group = grouped.ngroup().to_numpy()
    n, m = int(group.max()) + 1, int(position.max()) + 1
    first = ordered.drop_duplicates(keys)
    key_tuples = list(zip(*(first[k].tolist() for k in keys)))

    def matrix(column: str) -> np.ndarray:
        out = np.full((n, m), np.nan)
        out[group, position] = ordered[column].to_numpy(dtype=float, na_value=np.nan)
        return out

    return key_tuples, first, matrix("quarter"), {c: matrix(c) for c in columns}


def _ordered_sum(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Per row, the kept values added up in column order, exactly as numpy (and so pandas)
    adds up a one-dimensional array of just those values: they are moved to the front of
    the row, the rest filled with zeros, and the row summed."""
    order = np.argsort(~keep, axis=1, kind="stable")  # kept columns first, in order
    packed = np.take_along_axis(np.where(keep, values, 0.0), order, axis=1)
    return np.ascontiguousarray(packed).sum(axis=1)


def _at(matrix: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Per row, the value at column ``index``."""
    return matrix[np.arange(matrix.shape[0]), index]


def _last_true(mask: np.ndarray) -> np.ndarray:
    """Per row, the index of the last True column (0 when none)."""
    m = mask.shape[1]
    return np.where(mask.any(axis=1), m - 1 - np.argmax(mask[:, ::-1], axis=1), 0)


def year_values(frame: pd.DataFrame) -> dict[tuple[str, str], dict]:
    """(contract, KPI code) → the year's value, numerator, denominator, target, amber,
    reported (quarters behind it) and latest (the last quarter with a value, or None).

    ``frame`` holds the ``KPI_COLUMNS``; a gap is a row whose value is missing (NaN/None).
    Worked out for every (contract, KPI) at once, column by column (a national year has
    thousands of them).
    """
    if frame.empty:
        return {}
    keys, first, quarter, m = _wide(frame, ["contract_id", "kpi_code"],
                                    ["value", "numerator", "denominator", "target", "amber"])
    rules = first["aggregation"].tolist()
    value, num, den, target, amber = (m[c] for c in ("value", "numerator", "denominator",
                                                     "target", "amber"))
    exists = ~np.isnan(quarter)
    got = ~np.isnan(value)
    reported = got.sum(axis=1)
    last = _last_true(got)  # the last quarter with a value
    last_row = _last_true(exists)  # the last quarter at all
    both = got & ~np.isnan(num) & ~np.isnan(den)
    sums = {name: _ordered_sum(matrix, got) for name, matrix in
            (("value", value), ("target", target), ("amber", amber))}
    all_set = {"target": ~(got & np.isnan(target)).any(axis=1),
               "amber": ~(got & np.isnan(amber)).any(axis=1)}
    num_sum, den_sum = _ordered_sum(num, both), _ordered_sum(den, both)
    columns = {
        "latest_q": _at(quarter, last), "last_value": _at(value, last),
        "last_target": _at(target, last), "last_amber": _at(amber, last),
        "row_target": _at(target, last_row), "row_amber": _at(amber, last_row),
        "value_sum": sums["value"], "target_sum": sums["target"],
        "amber_sum": sums["amber"], "num_sum": num_sum, "den_sum": den_sum,
    }
    columns = {k: v.tolist() for k, v in columns.items()}
    reported, both_n = reported.tolist(), both.sum(axis=1).tolist()
    target_set, amber_set = all_set["target"].tolist(), all_set["amber"].tolist()
    out = {}
    for i, key in enumerate(keys):
        rule = rules[i]
        c = {k: v[i] for k, v in columns.items()}
        year = dict.fromkeys(YEAR_COLUMNS)
        year["reported"] = int(reported[i])
        out[key] = year
        if not reported[i]:
            year["target"], year["amber"] = _none(c["row_target"]), _none(c["row_amber"])
            continue
        year["latest"] = int(c["latest_q"])
        if rule == SUM:
            year["value"] = _none(c["value_sum"])
            # the year's target is the quarterly targets of the same quarters, added up
            year["target"] = _none(c["target_sum"]) if target_set[i] else None
            year["amber"] = _none(c["amber_sum"]) if amber_set[i] else None
            continue
        year["target"], year["amber"] = _none(c["last_target"]), _none(c["last_amber"])
        if rule == RATIO:
            n, d = c["num_sum"], c["den_sum"]
            year["numerator"], year["denominator"] = _none(n), _none(d)
            year["value"] = _none(n / d) if both_n[i] and d else None
            year["reported"] = int(both_n[i])
        elif rule == MEAN:
            year["value"] = _none(c["value_sum"] / reported[i])
        else:  # LATEST, and any rule the menu does not know
            year["value"] = _none(c["last_value"])
    return dict(sorted(out.items()))


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
    keys, _, quarter, m = _wide(frame, ["contract_id", "line"],
                                ["quarter_actual", "ytd_actual", "forecast_outturn",
                                 "annual_budget"])
    last = _last_true(~np.isnan(quarter))
    actuals = m["quarter_actual"]
    has = ~np.isnan(actuals)
    # pandas adds a column with its gaps as zeros in place (not moved to the end)
    total = np.ascontiguousarray(np.where(has, actuals, 0.0)).sum(axis=1).tolist()
    counted = has.sum(axis=1).tolist()
    latest = _at(quarter, last).tolist()
    ytd, forecast, budget = (_at(m[c], last).tolist()
                             for c in ("ytd_actual", "forecast_outturn", "annual_budget"))
    out = {}
    for i, key in enumerate(keys):
        out[key] = {
            "sum_of_quarters": _none(total[i]) if counted[i] else None,
            "quarters": int(counted[i]),
            "latest": int(latest[i]),
            "ytd_actual": _none(ytd[i]),
            "forecast_outturn": _none(forecast[i]),
            "annual_budget": _none(budget[i]),
        }
    return dict(sorted(out.items()))


__all__ = ["SUM", "RATIO", "MEAN", "LATEST", "RULES", "KPI_COLUMNS", "year_values", "kpi_frame",
           "finance_year"]
