"""The annual roll-up works on every (contract, KPI) at once, column by column; it must give
what the rules say group by group, to the last bit (outputs are compared byte for byte).

The reference below is the plain per-group pandas reading of the rules (as the roll-up was
written before a national year made it too slow): each group sorted by quarter, gaps left
out, sums by pandas.
"""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cm_excel.portfolio.rollup import (LATEST, MEAN, RATIO, SUM, YEAR_COLUMNS, finance_year,
                                       kpi_frame, year_values)


def _none(value):
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def reference_year(group: pd.DataFrame) -> dict:
    rule = group["aggregation"].iat[0]
    rows = group.sort_values("quarter")
    got = rows[rows["value"].notna()]
    out = dict.fromkeys(YEAR_COLUMNS)
    out["reported"] = len(got)
    if got.empty:
        out["target"], out["amber"] = _none(rows.iloc[-1]["target"]), _none(rows.iloc[-1]["amber"])
        return out
    last = got.iloc[-1]
    out["latest"] = int(last["quarter"])
    if rule == SUM:
        out["value"] = _none(got["value"].sum())
        out["target"] = _none(got["target"].sum()) if got["target"].notna().all() else None
        out["amber"] = _none(got["amber"].sum()) if got["amber"].notna().all() else None
        return out
    out["target"], out["amber"] = _none(last["target"]), _none(last["amber"])
    if rule == RATIO:
        both = got[got["numerator"].notna() & got["denominator"].notna()]
        num, den = both["numerator"].sum(), both["denominator"].sum()
        out["numerator"], out["denominator"] = _none(num), _none(den)
        out["value"] = _none(float(num) / float(den)) if len(both) and den else None
        out["reported"] = len(both)
    elif rule == MEAN:
        out["value"] = _none(got["value"].mean())
    else:
        out["value"] = _none(last["value"])
    return out


def same(a, b) -> bool:
    """Equal to the bit: None only with None, and the same sign of zero."""
    if a is None or b is None:
        return a is b
    return a == b and math.copysign(1, a) == math.copysign(1, b)


number = st.one_of(st.none(), st.sampled_from([0.0, 0.1, 0.2, 0.3, 1.0, 7.0, -0.5]),
                   st.floats(min_value=-1e6, max_value=1e9, allow_nan=False))
group = st.tuples(st.sampled_from([SUM, RATIO, MEAN, LATEST, "something else"]),
                  st.lists(st.sampled_from([1, 2, 3, 4]), min_size=1, max_size=4, unique=True),
                  st.lists(st.tuples(number, number, number, number, number),
                           min_size=4, max_size=4))


@settings(max_examples=150, deadline=None)
@given(st.lists(group, min_size=1, max_size=12), st.randoms())
def test_every_rule_column_by_column_equals_the_rule_group_by_group(groups, rnd):
    rows = []
    for i, (rule, quarters, values) in enumerate(groups):
        for q, (value, num, den, target, amber) in zip(quarters, values):
            rows.append({"contract_id": f"C{i % 3}", "kpi_code": f"K{i}", "aggregation": rule,
                         "quarter": q, "value": value, "numerator": num, "denominator": den,
                         "target": target, "amber": amber})
    rnd.shuffle(rows)
    frame = kpi_frame(rows)
    got = year_values(frame)
    typed = frame.astype({c: float for c in ("value", "numerator", "denominator", "target",
                                             "amber")})
    expected = {key: reference_year(g)
                for key, g in typed.groupby(["contract_id", "kpi_code"], sort=True)}
    assert list(got) == list(expected)
    for key, want in expected.items():
        assert all(same(got[key][c], want[c]) for c in ("value", "numerator", "denominator",
                                                        "target", "amber")), (key, got[key], want)
        assert (got[key]["reported"], got[key]["latest"]) == (want["reported"], want["latest"])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.lists(st.sampled_from([1, 2, 3, 4]), min_size=1, max_size=4,
                                   unique=True),
                          st.lists(st.tuples(number, number, number, number),
                                   min_size=4, max_size=4)),
                min_size=1, max_size=10), st.randoms())
def test_finance_lines_column_by_column_equal_them_line_by_line(lines, rnd):
    rows = [{"contract_id": f"C{i % 2}", "line": f"L{i}", "quarter": q, "quarter_actual": a,
             "ytd_actual": y, "forecast_outturn": f, "annual_budget": b}
            for i, (quarters, values) in enumerate(lines)
            for q, (a, y, f, b) in zip(quarters, values)]
    rnd.shuffle(rows)
    frame = pd.DataFrame(rows, columns=["contract_id", "line", "quarter", "quarter_actual",
                                        "ytd_actual", "forecast_outturn", "annual_budget"])
    got = finance_year(frame)
    for (cid, line), g in frame.groupby(["contract_id", "line"], sort=True):
        rows_q = g.sort_values("quarter")
        last = rows_q.iloc[-1]
        actuals = rows_q["quarter_actual"].astype(float)
        want = {"sum_of_quarters": _none(actuals.sum()) if actuals.notna().any() else None,
                "quarters": int(actuals.notna().sum()), "latest": int(last["quarter"]),
                "ytd_actual": _none(last["ytd_actual"]),
                "forecast_outturn": _none(last["forecast_outturn"]),
                "annual_budget": _none(last["annual_budget"])}
        mine = got[(cid, line)]
        assert (mine["quarters"], mine["latest"]) == (want["quarters"], want["latest"])
        assert all(same(mine[c], want[c]) for c in ("sum_of_quarters", "ytd_actual",
                                                    "forecast_outturn", "annual_budget"))
