"""The cover note sent with the quarterly workbook: self-contained HTML from Jinja2.

The template is ``workbook_templates/smg_quarterly_cover.html.j2``; an office copy in
``<workspace>/workbook_templates/`` wins over the shipped one. Autoescaping is on, so a
provider's text (an incident description, a file name) can never become markup; and every
value printed passes ``excel_text.clean_text``, so no control character reaches the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from ..atomic import write_text_atomic
from ..flags import ACTION_RANK, FORMAL, Flag, contract_overview, group_issues
from ..register.model import Settings
from ..portfolio.grouping import by_contract
from ..portfolio.provisional import provisional_note
from ..portfolio.quarter import QuarterData
from ..excel_text import clean_text
from .briefing import Briefing, brief, named
from .xlsx_style import GREY, RAG_COLOURS

TEMPLATE_NAME = "smg_quarterly_cover.html.j2"


def cover_name(period) -> str:
    """``SMG_Quarterly_2026-27_Q3_cover.html``."""
    return f"SMG_Quarterly_{period.fy_label}_{period.q_label}_cover.html"


def template_path(workspace_root=None) -> Path:
    """The office's own copy of the template when it has one, else the shipped one."""
    from ..resources import office_file

    return office_file(TEMPLATE_NAME, workspace_root)


def _printable(value):
    """Jinja2's finalize: text loses its control characters (our own markup is kept)."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return clean_text(value)
    return value


def _day(d) -> str:
    return f"{d.day} {d:%b %Y}"


@dataclass(frozen=True)
class _IssueLine:
    name: str
    severity: str
    action: str
    codes: str  # "SIGNIFICANT_FAILURE, KPI_RED_CONSECUTIVE, KPI_RED"
    detail: str


@dataclass(frozen=True)
class _Attention:
    contract_id: str
    service: str
    provider: str
    overall: str
    action: str
    issues: tuple[_IssueLine, ...]  # one per issue, most serious first

    @property
    def reasons(self) -> tuple[str, ...]:
        """One line per issue (kept for office copies of the template that use it)."""
        return tuple(f"{i.name}: {i.detail}" for i in self.issues)


def cover_context(data: QuarterData, flags: list[Flag], *, workbook_name: str,
                  settings: Settings, briefing: Briefing | None = None) -> dict:
    """Everything the template may use (plain values; see the template for their use)."""
    briefing = briefing or brief(data, flags)
    overview = contract_overview(data, flags)
    issues = group_issues(flags)
    attention = []
    issues_of = by_contract(issues)
    for o in overview:
        mine = issues_of.get(o.contract_id, [])
        serious = [i for i in mine if i.needs_smg]
        if o.overall == "Red" or ACTION_RANK[o.action] >= ACTION_RANK[FORMAL]:
            attention.append(_Attention(
                o.contract_id, o.contract.service, o.contract.provider, o.overall, o.action,
                tuple(_IssueLine(i.name, i.severity, i.action, ", ".join(map(named, i.codes)),
                                 i.detail)
                      for i in (serious or mine))))
    attention.sort(key=lambda a: (-ACTION_RANK[a.action], a.contract_id))
    counts = data.return_counts()
    return {
        "office_name": settings.office_name,
        "marking": settings.protective_marking,
        "period_label": data.period.label,
        "period_dates": f"{_day(data.period.start)} to {_day(data.period.end)}",
        "as_of": _day(data.as_of),
        "deadline": _day(data.deadline),
        "deadline_days": settings.return_deadline_working_days,
        "workbook_name": workbook_name,
        "sentences": briefing.sentences,
        "changes": [{"kind": c.kind, "text": c.text} for c in briefing.changes],
        "compared_with": briefing.compared_with,
        "change_note": briefing.change_note,
        "provisional": provisional_note(data.period, data.as_of, data.deadline),
        "contracts": [
            {"id": o.contract_id, "service": o.contract.service, "provider": o.contract.provider,
             "performance": o.performance_rag, "finance": o.finance_rag, "overall": o.overall,
             "flags": len(o.flags), "action": o.action} for o in overview],
        "green": sum(1 for o in overview if o.overall == "Green"),
        "amber": sum(1 for o in overview if o.overall == "Amber"),
        "red": sum(1 for o in overview if o.overall == "Red"),
        "flags_red": sum(1 for f in flags if f.severity == "Red"),
        "flags_amber": sum(1 for f in flags if f.severity == "Amber"),
        "issues": len(issues),
        "returns": counts,
        "attention": attention,
        "chase": [
            {"id": c.contract_id, "provider": c.provider, "kind": c.kind.capitalize(),
             "status": c.status, "deadline": _day(c.deadline),
             "contact": c.provider_contract_manager, "escalation": c.provider_escalation_contact,
             "lead": c.lead_officer} for c in data.chase],
        "colours": {word: {"fill": fill, "font": font} for word, (fill, font) in RAG_COLOURS.items()},
        "grey": {"fill": GREY[0], "font": GREY[1]},
    }


def render_cover(data: QuarterData, flags: list[Flag], *, workbook_name: str,
                 settings: Settings, workspace_root=None, briefing: Briefing | None = None) -> str:
    from ..resources import office_loader

    path = template_path(workspace_root)
    env = Environment(loader=office_loader(path.parent), autoescape=True,
                      undefined=StrictUndefined, keep_trailing_newline=True,
                      trim_blocks=True, lstrip_blocks=True, finalize=_printable)
    template = env.get_template(path.name)
    return template.render(**cover_context(data, flags, workbook_name=workbook_name,
                                           settings=settings, briefing=briefing))


def write_cover(data: QuarterData, flags: list[Flag], path, *, workbook_name: str,
                settings: Settings, workspace_root=None, briefing: Briefing | None = None) -> Path:
    """Render and write the cover note atomically; return its path."""
    html = render_cover(data, flags, workbook_name=workbook_name, settings=settings,
                        workspace_root=workspace_root, briefing=briefing)
    write_text_atomic(path, html)
    return Path(path)
