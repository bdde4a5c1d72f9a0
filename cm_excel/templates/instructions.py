"""The Instructions sheet's words, rendered from Jinja2 texts the office can edit.

``workbook_templates/instructions_<kind>.md.j2`` is plain text with a few markdown-like
line marks, so the office can reword it without touching code:

    # Title line            ## Heading            - bullet point
    (blank line)            anything else: a paragraph
    **bold words** inside a line

The writer gives each rendered line one row of the Instructions sheet.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import jinja2

from ..errors import WorkspaceError
from ..resources import office_file, office_loader
from . import contract as tc
from .content import TemplateContent

TITLE, HEADING, BULLET, PARAGRAPH, BLANK = "title", "heading", "bullet", "paragraph", "blank"


@dataclass(frozen=True)
class Line:
    kind: str  # TITLE, HEADING, BULLET, PARAGRAPH or BLANK
    text: str


def segments(text: str) -> list[tuple[bool, str]]:
    """``"a **b** c"`` → ``[(False, "a "), (True, "b"), (False, " c")]``; empty parts dropped."""
    return [(i % 2 == 1, part) for i, part in enumerate(text.split("**")) if part]


def plain(text: str) -> str:
    """The text without bold marks."""
    return text.replace("**", "")


def instructions_file(kind: str) -> str:
    return f"instructions_{kind}.md.j2"


def day_text(d) -> str:
    """``Friday 29 January 2027``: dates the way a letter writes them."""
    return f"{d:%A} {d.day} {d:%B %Y}"


def value_text(unit: str, value: float | None) -> str:
    """A target as words: ``90%``, ``1,200``, ``4.5 days``, ``£1,000.00``; '' for none."""
    if value is None:
        return ""
    if unit == "percent":
        return f"{value * 100:.4g}%"
    if unit == "gbp":
        return f"£{value:,.2f}"
    if unit == "count":
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
    if unit == "days":
        return f"{value:g} days"
    return f"{value:g}"


def context(content: TemplateContent, *, office_name: str, settings) -> dict[str, object]:
    """Everything an instructions text may use; see the shipped texts for examples."""
    kpis = []
    for row in content.kpi_rows:
        kpi = row.kpi
        if kpi.is_ratio:
            enter = ("enter Numerator and Denominator; Actual is worked out for you"
                     if kpi.unit == "percent" else
                     "enter the total as Numerator and the number it is spread over as "
                     "Denominator; Actual (the average) is worked out for you")
        else:
            enter = "enter Actual"
        kpis.append({
            "code": kpi.code, "name": kpi.name, "definition": kpi.definition.strip(),
            "unit": kpi.unit, "direction": kpi.direction, "is_ratio": kpi.is_ratio,
            "mandatory": row.sla.mandatory, "target": row.target,
            "target_text": ("no target, for information" if row.target is None
                            else f"target {value_text(kpi.unit, row.target)}"),
            "what_to_enter": enter,
        })
    lines = [{"line": r.budget.line, "annual": r.budget.annual_budget,
              "annual_text": f"£{r.budget.annual_budget:,.2f}",
              "quarter_text": f"£{r.quarter_budget:,.2f}"} for r in content.budget_rows]
    return {
        "office_name": office_name,
        "kind": content.kind,
        "contract": content.contract,
        "period": content.period,
        "period_label": content.period.label,
        "period_text": content.period.describe(),
        "period_start": day_text(content.period.start),
        "period_end": day_text(content.period.end),
        "due": day_text(content.return_due),
        "kpis": kpis,
        "budget_lines": lines,
        "tables": {t.name: t for t in tc.tables_of(content.kind)},
        "sheets": [s for s in tc.SHEETS[content.kind] if s != tc.META_SHEET],
        "sign_off_fields": list(tc.SIGN_OFF_FIELDS),
        "variance_tolerance": f"{settings.variance_tolerance * 100:g}%",
        "significant_failure_share": f"{settings.significant_failure_share * 100:g}%",
        "protective_marking": settings.protective_marking,
        "filename": content.filename,
    }


def render(content: TemplateContent, *, office_name: str, settings,
           workspace_root: str | os.PathLike | None = None) -> list[Line]:
    """The Instructions sheet's lines for ``content``.

    Raises WorkspaceError, naming the file, when the text is missing or the office's edit
    of it does not render (a misspelt name, an unclosed ``{% if %}``).
    """
    path = office_file(instructions_file(content.kind), workspace_root)
    env = jinja2.Environment(
        loader=office_loader(path.parent),  # UTF-8, UTF-8 with BOM or ANSI (cp1252)
        undefined=jinja2.StrictUndefined,  # a misspelt name fails loudly, not as blank text
        trim_blocks=True, lstrip_blocks=True, autoescape=False,
    )
    try:
        text = env.get_template(path.name).render(**context(content, office_name=office_name,
                                                             settings=settings))
    except jinja2.TemplateSyntaxError as exc:
        raise WorkspaceError(f"{path}, line {exc.lineno}: {exc.message}") from exc
    except jinja2.TemplateError as exc:
        raise WorkspaceError(f"{path}: {exc}") from exc
    return parse(text)


def parse(text: str) -> list[Line]:
    """Rendered text → lines; runs of blank lines collapse to one, none at the ends."""
    out: list[Line] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            if out and out[-1].kind != BLANK:
                out.append(Line(BLANK, ""))
            continue
        stripped = line.lstrip()
        if stripped.startswith("## "):
            out.append(Line(HEADING, stripped[3:].strip()))
        elif stripped.startswith("# "):
            out.append(Line(TITLE, stripped[2:].strip()))
        elif stripped.startswith(("- ", "* ")):
            out.append(Line(BULLET, stripped[2:].strip()))
        else:
            out.append(Line(PARAGRAPH, stripped))
    while out and out[-1].kind == BLANK:
        out.pop()
    return out
