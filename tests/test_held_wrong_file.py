"""The wrong file is caught, not applied: a file name naming another contract or quarter,
or a resubmission whose figures are mostly different, is held for a decision (held.py).

Real returns from the real templates, a real SQLite ledger.
"""

from __future__ import annotations

import pytest

from cm_excel import pipeline
from cm_excel.held import (FILE_NAME_MISMATCH, RESUBMISSION_MOSTLY_CHANGED, list_held,
                           mostly_changed_findings, resolve_held)
from cm_excel.intake.file_name import name_claims
from cm_excel.ledger import db
from cm_excel.ledger.queries import current_submission, submission_by_sha
from cm_excel.pipeline import Outcome

from builders import PREVIOUS, good_kpis, good_lines
from ingest_fixtures import LATER_ON_TIME, NOW, PERIOD, drop, sha256

IDS = ("VS-001", "VS-002", "VS-003", "VS-001-B")


@pytest.mark.parametrize("name, ids, quarters, fys", [
    ("VS-002_performance_2026-27-Q3.xlsx", {"VS-002"}, {3}, {2026}),
    ("vs-001 performance return 2026-27 Q2.xlsx", {"VS-001"}, {2}, {2026}),
    ("VS-001-B financial.xlsx", {"VS-001-B"}, set(), set()),  # not VS-001 as well
    ("Horizon return Q3 2026_27.xlsx", set(), {3}, {2026}),
    ("return 2026-12-01 FAQ1 final.xlsx", set(), set(), set()),  # a date; not a quarter
    ("VS-0011 Q32.xlsx", set(), set(), set()),  # neither a register ID nor a quarter
    ("return.xlsx", set(), set(), set()),
])
def test_what_a_file_name_claims(name, ids, quarters, fys):
    claims = name_claims(name, IDS)
    assert (set(claims.contract_ids), set(claims.quarters), set(claims.fys)) == \
        (ids, quarters, fys)


def test_claimed_ids_are_those_standing_as_tokens_whatever_the_register_looks_like():
    """The look-up by runs of letters and digits finds exactly what a search for each ID
    between non-alphanumerics finds, IDs with odd ends included."""
    import random
    import re

    ids = ("VS-001", "VS-001-B", "vs_7", "A1", "ÄB-2", "-X9", "Y9.", "ref 12")
    parts = ["VS-001", "vs-001-b", "VS_7", "a1", "äb-2", "-x9", "y9.", "Ref 12", "Q3", "_",
             " ", "-", "2026-27", "x", "VS-0011", "ΑΒ"]
    rng = random.Random(11)
    for _ in range(500):
        name = "".join(rng.choice(parts) for _ in range(rng.randint(1, 6))) + ".xlsx"
        stem = name[:-5]
        spans = [(m.start(), m.end(), cid) for cid in ids for m in re.finditer(
            r"(?<![A-Za-z0-9])" + re.escape(cid) + r"(?![A-Za-z0-9])", stem, re.IGNORECASE)]
        want = {cid for a, b, cid in spans
                if not any(s <= a and b <= e and (e - s) > (b - a) for s, e, _ in spans)}
        assert set(name_claims(name, ids).contract_ids) == want, name


def _codes(ws, sha):
    conn = db.connect(ws.ledger_path)
    try:
        sub = submission_by_sha(conn, sha)
        codes = [r[0] for r in conn.execute(
            "SELECT code FROM findings WHERE submission_id = ?", (sub.id,))]
        return sub, codes
    finally:
        conn.close()


def _current(ws, contract_id, period=PERIOD, kind="performance"):
    conn = db.connect(ws.ledger_path)
    try:
        return current_submission(conn, contract_id, period, kind)
    finally:
        conn.close()


def test_a_return_named_for_another_contract_is_held_then_applied(ws, register):
    path = drop(ws, name="VS-002_performance_2026-27-Q3.xlsx")  # VS-001's return, renamed
    sha = sha256(path)
    out = pipeline.ingest(ws, register, now=NOW).files[0]
    assert out.outcome is Outcome.HELD
    assert out.contract_id == "VS-001"
    sub, codes = _codes(ws, sha)
    assert sub.status == "held" and FILE_NAME_MISMATCH in codes
    assert _current(ws, "VS-001") is None and _current(ws, "VS-002") is None
    listed = list_held(ws)
    assert f"#{sub.id} VS-001 performance 2026-27 Q3 v1" in listed[0]
    assert "VS-002" in listed[1]  # the reason names what the file name says

    resolve_held(ws, sub.id, apply=True)
    assert _current(ws, "VS-001").id == sub.id
    conn = db.connect(ws.ledger_path)
    explained = conn.execute("SELECT explained FROM findings WHERE submission_id = ? AND code = ?",
                             (sub.id, FILE_NAME_MISMATCH)).fetchone()[0]
    conn.close()
    assert explained == 1  # the office's decision answers the query


def test_a_q2_return_named_as_q3_is_held_not_recorded_as_q2(ws, register):
    drop(ws, name="VS-001_performance_2026-27-Q2.xlsx", period=PREVIOUS)
    first = pipeline.ingest(ws, register, now=NOW).files[0]
    assert first.outcome in (Outcome.ACCEPTED, Outcome.ACCEPTED_WITH_NOTES)
    accepted = _current(ws, "VS-001", PREVIOUS)

    # Last quarter's template filled with new figures, named for Q3
    kpis = good_kpis(register, "VS-001", PREVIOUS)
    kpis["SUPPORTED"] = {"Actual": 321, "Commentary": "Q3 figure."}
    wrong = drop(ws, name="VS-001_performance_2026-27-Q3.xlsx", period=PREVIOUS, kpis=kpis,
                 received=LATER_ON_TIME)
    wrong_sha = sha256(wrong)
    out = pipeline.ingest(ws, register, now=NOW).files[0]
    assert out.outcome is Outcome.HELD
    sub, codes = _codes(ws, wrong_sha)
    assert FILE_NAME_MISMATCH in codes and sub.period == PREVIOUS
    assert _current(ws, "VS-001", PREVIOUS).id == accepted.id  # Q2 figures untouched


def test_names_that_agree_or_say_nothing_are_applied(ws, register):
    drop(ws, name="VS-001_performance_2026-27-Q3.xlsx")
    drop(ws, name="Safe Harbour Q3 return.xlsx", contract_id="VS-002")
    drop(ws, name="finance.xlsx", kind="financial")
    outcomes = {f.name: f.outcome for f in pipeline.ingest(ws, register, now=NOW).files}
    assert Outcome.HELD not in outcomes.values(), outcomes


def _mostly_different_kpis(register):
    kpis = good_kpis(register, "VS-001")
    for code, row in kpis.items():
        for key in ("Numerator", "Actual"):
            if key in row:
                row[key] = row[key] * 0.5 + 1
        if "Denominator" in row:
            row["Denominator"] = row["Denominator"] + 10
    return kpis


def test_a_resubmission_with_most_figures_changed_is_held(ws, register):
    drop(ws, name="v1.xlsx")
    pipeline.ingest(ws, register, now=NOW)
    v1 = _current(ws, "VS-001")
    v2 = drop(ws, name="v2.xlsx", kpis=_mostly_different_kpis(register), received=LATER_ON_TIME)
    v2_sha = sha256(v2)
    out = pipeline.ingest(ws, register, now=NOW).files[0]
    assert out.outcome is Outcome.HELD, out.note
    sub, codes = _codes(ws, v2_sha)
    assert codes.count(RESUBMISSION_MOSTLY_CHANGED) == 1 and sub.version == 2
    assert _current(ws, "VS-001").id == v1.id  # the accepted figures stay in use


def test_a_correction_of_a_few_figures_supersedes(ws, register):
    drop(ws, name="v1.xlsx", kind="financial")
    pipeline.ingest(ws, register, now=NOW)
    lines = good_lines(register, "VS-001")
    first = next(iter(lines))
    lines[first]["Quarter Actual"] += 100
    lines[first]["Year To Date Actual"] += 100
    drop(ws, name="v2.xlsx", kind="financial", lines=lines, received=LATER_ON_TIME)
    out = pipeline.ingest(ws, register, now=NOW).files[0]
    assert out.outcome is not Outcome.HELD, out.note
    assert out.superseded_version == 1 and out.restatements == 2


def _result(figures: dict[str, float]):
    """A validated return holding ``figures`` as financial lines (quarter actuals)."""
    from cm_excel.validation.result import FinancialLine, ValidationResult

    lines = [FinancialLine(name, None, None, value, None, None, None, "Finance", i + 6)
             for i, (name, value) in enumerate(figures.items())]
    return ValidationResult("f.xlsx", "f.xlsx", "0" * 64, contract_id="VS-001",
                            period=PERIOD, kind="financial", lines=lines)


@pytest.mark.parametrize("changed, held", [(3, False), (4, True), (2, False)])
def test_the_threshold_is_more_than_half_and_at_least_three(changed, held):
    accepted = {f"L{i} quarter_actual": 100.0 for i in range(6 if changed != 2 else 3)}
    new = {f"L{i}": 100.0 + (i < changed) for i in range(len(accepted))}

    class Current:
        version = 1

    found = mostly_changed_findings(_result(new), accepted, Current())
    assert bool(found) is held
