"""The first page says it all: the Summary's sentences and "What changed since last quarter",
on the two-quarter scenario of quarter_scenario.py (2026-27 Q2, then Q3 as of 15 Feb 2027),
read back cell by cell from the workbook, and in the same order in the cover note."""

import pytest
from openpyxl import load_workbook

import quarter_scenario as qs
from cm_excel.excel_text import shorten
from cm_excel.portfolio.rag import pounds
from cm_excel.reports.briefing import named, plain_name
from cm_excel.reports.consolidate import consolidate_quarter
from cm_excel.workspace import Workspace

SENTENCES = [
    "3 contracts; 3 issues need a decision from the PCC (VS-002 Incident on 9 Dec 2026 "
    "(Incidents row 6) (significant failure), VS-002 Incident on 14 Oct 2026 (Incidents row 5) "
    "(significant failure), VS-002 VS02 Referrals successfully contacted (significant "
    "failure)).",
    "VS-002 is forecast £7,500 (4%) over its annual value of £180,000.",
    "4 of 6 returns accepted (1 late); 1 rejected and 1 missing.",
]

CHANGES = [  # by contract; within one: RAG, new, closed, KPIs crossing, restated
    "RAG moved: VS-001 moved from Green to Amber.",
    "New issue: VS-001 Spending below budget (underspend).",
    "New issue: VS-001 VS02 Referrals successfully contacted (KPI amber).",
    "New issue: VS-001 VS05 Average days to first contact (KPI amber).",
    "KPI crossed a threshold: VS-001 VS02 Referrals successfully contacted went from Green to "
    "Amber (92.0% to 80.0%).",
    "KPI crossed a threshold: VS-001 VS05 Average days to first contact went from Green to "
    "Amber (2 days to 3 days).",
    "Restated: VS-001 restated 2 figures in a resubmitted return (listed on the Returns sheet).",
    "New issue: VS-002 Incident on 14 Oct 2026 (Incidents row 5) (significant failure).",
    "New issue: VS-002 Incident on 9 Dec 2026 (Incidents row 6) (significant failure).",
    "New issue: VS-002 Performance return (return late).",
    "New issue: VS-002 Spending above budget (overspend).",
    "New issue: VS-002 VS07 Victims supported (new) (KPI red).",
    "Closed issue: VS-002 VS19 Waiting list at quarter end (KPI amber): no longer raised.",
    "KPI crossed a threshold: VS-002 VS07 Victims supported (new) went from Green to Red "
    "(112 to 99).",
    "KPI crossed a threshold: VS-002 VS19 Waiting list at quarter end went from Amber to Green "
    "(25 to 20).",
    # VS-003's returns were rejected and missing: its Q2 ambers are not "closed", only unseen
    "RAG moved: VS-003 moved from Amber to Red.",
    "New issue: VS-003 Financial return (return missing).",
    "New issue: VS-003 Performance return (return rejected).",
]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("brief") / "ws")
    ws.ensure_folders()
    qs.build(ws.ledger_path)
    return consolidate_quarter(ws, qs.register(), qs.PERIOD, as_of=qs.AS_OF)


def summary_block(sheet, heading: str) -> list[str]:
    """The one-cell lines under a section heading of the Summary, down to the next blank."""
    rows = [r[0] for r in sheet.iter_rows(min_col=1, max_col=1, values_only=True)]
    start = rows.index(heading) + 1
    out = []
    for value in rows[start:]:
        if value is None:
            break
        out.append(value)
    return out


def test_summary_opens_with_the_sentences_then_what_changed(run):
    sheet = load_workbook(run.workbook_path)["Summary"]
    column_a = [r[0] for r in sheet.iter_rows(min_col=1, max_col=1, values_only=True)]
    assert column_a.index("In brief") < column_a.index("What changed since 2026-27 Q2") \
        < column_a.index("Headline figures")
    assert summary_block(sheet, "In brief") == SENTENCES
    assert summary_block(sheet, "What changed since 2026-27 Q2") == CHANGES


def test_the_figures_start_page_two(run):
    sheet = load_workbook(run.workbook_path)["Summary"]
    column_a = [r[0] for r in sheet.iter_rows(min_col=1, max_col=1, values_only=True)]
    headline = column_a.index("Headline figures") + 1  # 1-based row
    assert sheet.row_breaks.brk[0].id == headline - 1  # the break sits above that row


def test_cover_note_follows_the_same_order_in_plain_words(run):
    html = run.cover_path.read_text(encoding="utf-8").replace("&#39;", "'")
    places = [html.index(s) for s in SENTENCES[1:]]
    assert places == sorted(places)
    assert html.index("What changed since 2026-27 Q2") > places[-1]
    assert html.index(CHANGES[0].split(": ", 1)[1]) < html.index("Contracts needing SMG")
    assert "Significant failure (SIGNIFICANT_FAILURE)" in html


def test_console_summary_carries_the_same_words(run):
    assert list(run.briefing.sentences) == SENTENCES
    assert [f"{c.kind}: {c.text}" for c in run.briefing.changes] == CHANGES


def test_first_quarter_in_the_ledger_has_nothing_to_compare(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.ensure_folders()
    qs.build(ws.ledger_path)
    first = consolidate_quarter(ws, qs.register(), qs.PERIOD.previous(), as_of=qs.AS_OF)
    assert first.briefing.compared_with is None and not first.briefing.changes
    sheet = load_workbook(first.workbook_path)["Summary"]
    assert summary_block(sheet, "What changed since last quarter") == [
        "No earlier quarter in the ledger to compare with."]


@pytest.mark.parametrize("code, words", [
    ("SIGNIFICANT_FAILURE", "Significant failure (SIGNIFICANT_FAILURE)"),
    ("KPI_RED_CONSECUTIVE", "KPI red quarters running (KPI_RED_CONSECUTIVE)"),
    ("SOMETHING_NEW_KPI", "Something new KPI (SOMETHING_NEW_KPI)"),  # a code added later
])
def test_codes_come_after_plain_words(code, words):
    assert named(code) == words and plain_name(code) == words.split(" (")[0]


@pytest.mark.parametrize("text, limit, cut", [
    ("Callbacks missed over the bank holiday weekend", 20, "Callbacks missed…"),
    ("Callbacks missed", 20, "Callbacks missed"),
    ("Supercalifragilisticexpialidocious", 10, "Supercali…"),  # one long word: cut inside it
    ("  spaced   out   words  ", 40, "spaced out words"),
])
def test_text_is_cut_at_a_word_with_an_ellipsis(text, limit, cut):
    assert shorten(text, limit) == cut and len(shorten(text, limit)) <= limit


def test_money_in_prose_is_whole_pounds():
    assert pounds(215_352.62) == "£215,353" and pounds(-45_600) == "-£45,600"


def test_every_catalogue_code_has_plain_words():
    from cm_excel.flags import CATALOGUE
    from cm_excel.reports.briefing import PLAIN_NAMES

    assert {spec.code for spec in CATALOGUE} <= set(PLAIN_NAMES)
