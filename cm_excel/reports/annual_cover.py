"""The cover note sent with the annual workbook: self-contained HTML from Jinja2.

The template is ``workbook_templates/smg_annual_cover.html.j2``; an office copy in
``<workspace>/workbook_templates/`` wins over the shipped one. Autoescaping is on, so a
provider's or the register's text can never become markup.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..atomic import write_text_atomic
from ..flags import attention_sort_key, most_serious_action
from ..portfolio.grouping import by_contract
from ..portfolio.rag import day, money, percent
from .annual_layout import AnnualContext
from .annual_performance import year_rag_word
from .xlsx_style import GREY, RAG_COLOURS

TEMPLATE_NAME = "smg_annual_cover.html.j2"
CALENDAR_SHOWN = 10  # the first dates ahead; the workbook's Calendar sheet has them all


def annual_cover_name(fy_label: str) -> str:
    """``SMG_Annual_2026-27_cover.html``."""
    return f"SMG_Annual_{fy_label}_cover.html"


def render_template(name: str, context: dict, workspace_root=None) -> str:
    """Render an office-editable Jinja2 template with autoescaping and strict variables."""
    from ..resources import office_file

    path = office_file(name, workspace_root)
    env = Environment(loader=FileSystemLoader(str(path.parent)), autoescape=True,
                      undefined=StrictUndefined, keep_trailing_newline=True,
                      trim_blocks=True, lstrip_blocks=True)
    return env.get_template(path.name).render(**context)


def annual_cover_context(ctx: AnnualContext, *, workbook_name: str) -> dict:
    """Everything the template may use (plain values)."""
    y = ctx.year
    contracts = []
    flags_of = by_contract((f.flag for f in ctx.flags), key=lambda flag: flag.contract_id)
    for c, fin in zip(y.contracts, y.finance):
        words = Counter(year_rag_word(k) for k in y.kpis_of(c.contract_id))
        mine = sorted(flags_of.get(c.contract_id, []), key=attention_sort_key)
        contracts.append({
            "id": c.contract_id, "service": c.service, "provider": c.provider,
            "green": words["Green"], "amber": words["Amber"], "red": words["Red"],
            "outturn": money(fin.outturn) if fin.outturn is not None else "no return",
            "basis": fin.outturn_basis,
            "variance": percent(fin.variance_share) if fin.variance_share is not None else "",
            "flags": len(mine), "action": most_serious_action(f.action for f in mine),
            "serious": [f"{f.code} ({f.severity}): {f.detail}" for f in mine if f.needs_smg][:3],
        })
    red_kpis = [{"id": k.contract_id, "code": k.kpi_code, "name": k.name,
                 "quarters": k.reported} for k in y.kpis if k.rag == "Red"]
    return {
        "office_name": ctx.settings.office_name,
        "marking": ctx.settings.protective_marking,
        "fy_label": y.label,
        "as_of": day(y.as_of),
        "provisional": ctx.provisional_words,
        "workbook_name": workbook_name,
        "contracts": contracts,
        "red_kpis": red_kpis,
        "flags_red": sum(1 for f in ctx.flags if f.flag.severity == "Red"),
        "flags_amber": sum(1 for f in ctx.flags if f.flag.severity == "Amber"),
        "returns_due": sum(c.due for c in y.compliance),
        "returns_on_time": sum(c.on_time for c in y.compliance),
        "returns_late": sum(c.late for c in y.compliance),
        "returns_missing": sum(c.missing for c in y.compliance),
        "calendar": [{"date": day(e.date), "contract": e.contract_id or "All contracts",
                      "title": e.title} for e in ctx.calendar[:CALENDAR_SHOWN]],
        "colours": {w: {"fill": f, "font": c} for w, (f, c) in RAG_COLOURS.items()},
        "grey": {"fill": GREY[0], "font": GREY[1]},
    }


def write_annual_cover(ctx: AnnualContext, path, *, workbook_name: str,
                       workspace_root=None) -> Path:
    """Render and write the cover note atomically; return its path."""
    html = render_template(TEMPLATE_NAME, annual_cover_context(ctx, workbook_name=workbook_name),
                           workspace_root)
    write_text_atomic(path, html)
    return Path(path)
