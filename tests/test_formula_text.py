"""Provider text that looks like a formula stays text in every output (SPEC "Nothing let in")."""

import re
import zipfile
from datetime import date, timedelta

from cm_excel.pipeline import consolidate

from builders import PERIOD, good_kpis, make_register, sign_off_for
from ingest_fixtures import NOW, drop, make_workspace

INJECTION = '=HYPERLINK("http://example.invalid","x")'


def _formulas(path) -> list[str]:
    """Every formula element in every worksheet of an xlsx file."""
    found = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                found += re.findall(r"<f[ >].*?</f>", z.read(name).decode("utf-8"))
    return found


def _text_of(path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                         if n.endswith(".xml"))


def test_formula_like_text_is_text_in_smg_workbook_feedback_and_cover(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    register = make_register()
    kpis = good_kpis(register, "VS-001")
    first = next(iter(kpis))
    kpis[first]["Commentary"] = INJECTION
    incident = {"Date": PERIOD.start + timedelta(days=10), "Description": INJECTION,
                "Clients Affected": 1, "Estimated Cost (£)": 0, "Harm Caused": "N",
                "Provider Negligence": "N", "Reputational Risk": "N",
                "Action Taken": "@SUM(1,2)"}
    same_person = dict(sign_off_for(PERIOD), **{"Approved By": "Sam Okafor, Service Manager"})
    drop(ws, register=register, kpis=kpis, tables={"Incidents": [incident]},
         sign_off=same_person)  # accepted, with a warning, so feedback is written too

    report, result = consolidate(ws, register, PERIOD, as_of=date(2027, 4, 20), now=NOW)
    assert [f.outcome.value for f in report.files] == ["accepted with queries or warnings"]

    workbook = result.workbook_path
    assert _formulas(workbook) == []
    assert INJECTION.replace('"', "&quot;") in _text_of(workbook) or INJECTION in _text_of(workbook)
    assert "@SUM(1,2)" in _text_of(workbook)

    feedback = sorted((ws.outbox / "feedback").rglob("*.xlsx"))
    assert feedback
    for path in feedback:
        assert not [f for f in _formulas(path) if "HYPERLINK" in f or "SUM(1,2)" in f]
        assert "HYPERLINK" in _text_of(path)

    cover = result.cover_path.read_text(encoding="utf-8")
    assert 'href="http://example.invalid"' not in cover
