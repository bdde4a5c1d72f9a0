"""A complaint repeated in a later return is recognised as the same complaint."""

from __future__ import annotations

from cm_excel.ledger.complaints import match


def complaint(day="2026-05-20", category="Communication", summary="No call back"):
    return {"date_received": day, "category": category, "summary": summary}


EARLIER = [complaint(), complaint(category="Delay", summary="Waited a month"),
           complaint(day="2026-06-01", summary="Rude on the phone", category="Staff conduct")]


def test_same_date_category_and_summary_match_whatever_the_case_and_spacing():
    assert match(complaint(category=" communication ", summary="No  CALL back"),
                 EARLIER) is EARLIER[0]


def test_a_retyped_summary_still_matches_the_one_complaint_of_that_date_and_category():
    assert match(complaint(summary="No call-back for two weeks"), EARLIER) is EARLIER[0]


def test_a_recategorised_complaint_matches_on_date_and_summary():
    assert match(complaint(category="Delay", summary="No call back"), EARLIER) is EARLIER[0]


def test_anything_less_certain_is_a_different_complaint():
    assert match(complaint(day="2026-05-21"), EARLIER) is None  # another day
    assert match(complaint(category="Other", summary="Something else"), EARLIER) is None
    two = EARLIER + [complaint(summary="Letter not sent")]  # two Communication complaints
    assert match(complaint(summary="No reply at all"), two) is None
