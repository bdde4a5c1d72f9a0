"""The demo: a workspace of its own, four quarters of realistic returns, then consolidation.

Returns are filled the way providers fill them — through the tables of the public template
contract (templates.fill), never through private shortcuts — and dropped into inbox/ with
a received time (the file's modification time) before each quarter's ingest.

The current quarter carries a handful of realistic problems that show off the engine:
a red KPI (red last quarter too), an overspend, an incident affecting more than 10% of the
client group, a safeguarding incident reported a quarter late, a late return, a return with
validation errors, and a missing return.
"""

from __future__ import annotations

import os
import random
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from .errors import WorkspaceError
from .portfolio.rag import day
from .periods import Period, add_working_days, latest_ended_period, return_deadline
from .register.model import Contract, Kpi, Register, SlaKpi
from .templates.contract import FINANCIAL, PERFORMANCE, template_filename
from .workspace import BOOKKEEPING_NAME, Workspace

MARKER = f"{BOOKKEEPING_NAME}/demo"  # with the engine's own files, not beside the office's
OLD_MARKER = ".cm-excel-demo"  # where earlier versions put it
QUARTERS = 4  # the current quarter and the three before it, so trends exist


@dataclass
class Problems:
    """Which contract shows which problem in the current quarter (chosen from the register)."""

    red_kpi: tuple[str, str] | None = None  # (contract, KPI code), red this and last quarter
    overspend: str | None = None
    incident: str | None = None  # an incident affecting > 10% of the client group
    late: str | None = None  # performance return received after the deadline
    invalid: str | None = None  # performance return with validation errors
    missing: str | None = None  # financial return never sent
    notes: list[str] = field(default_factory=list)


def run_demo(directory: Path, *, fresh: bool = True, as_of: date | None = None,
             progress=None, echo=print) -> dict:
    """Build the demo workspace in ``directory`` and consolidate its latest quarter.

    Returns the paths written (``workbook``, ``cover``, ``workspace``).
    """
    from .pipeline import consolidate, ingest
    from .register.reader import read_register
    from .render import consolidation_summary
    from .reports.mail import draft_quarter_mail
    from .templates.writer import write_templates
    from .workspace import init_workspace

    as_of = as_of or date.today()
    ws = _prepare(Path(directory), fresh)
    init_workspace(ws.root)
    from .bookkeeping import ensure_folder

    ensure_folder(ws)
    (ws.root / MARKER).write_text("A cm-excel demo workspace; 'cm-excel demo' may replace it.\n")
    register = read_register(ws.register_path)
    current = latest_ended_period(as_of)
    periods = [current.shift(-k) for k in range(QUARTERS - 1, -1, -1)]
    problems = _choose_problems(register, current)
    echo(f"Demo workspace: {ws.root}")
    echo(f"Sample returns for {periods[0].label} to {current.label}; as of {day(as_of)}.")
    ytd: dict[tuple[str, str], float] = {}
    for period in periods:
        templates = write_templates(register, period, ws.templates_dir(period))
        dropped = _fill_quarter(ws, register, period, current, templates, problems, ytd)
        echo(f"{period.label}: {len(dropped)} returns dropped into inbox/; ingesting")
        now = _received(period, register.settings.return_deadline_working_days, -6)
        ingest(ws, register, now=now, progress=progress)
    for note in problems.notes:
        echo(f"  planted: {note}")
    _, result = consolidate(ws, register, current, as_of=as_of, progress=progress)
    for line in consolidation_summary(result):
        echo(line)
    echo(f"  Feedback for providers: {ws.outbox / 'feedback'}")
    calendar = _write_calendar(ws, register, as_of, echo)
    year, packs = _year_and_packs(ws, register, current, as_of, progress, echo)
    drafts = draft_quarter_mail(ws, register, current, as_of=as_of)
    echo("")
    echo(f"Open the SMG workbook: {result.workbook_path}")
    echo(f"Drafted e-mails ({len(drafts.drafts)}), ready to check and send: {drafts.folder}")
    return {"workspace": ws.root, "workbook": result.workbook_path, "cover": result.cover_path,
            "calendar": calendar, "annual": year.workbook_path,
            "annual_cover": year.cover_path, "packs": packs.folder, "mail": drafts.folder}


def _year_and_packs(ws, register, current: Period, as_of: date, progress, echo):
    """The annual workbook of the current quarter's year, and its meeting packs."""
    from .pipeline import annual, meeting_packs

    year = annual(ws, register, current.fy, as_of=as_of, progress=progress)
    for line in year.lines():
        echo(line)
    packs = meeting_packs(ws, register, current, as_of=as_of, progress=progress)
    for line in packs.lines():
        echo(line)
    return year, packs


CALENDAR_FILE = "Contract_Calendar.ics"  # one name, so a re-import updates Outlook's copy


def _write_calendar(ws: Workspace, register: Register, as_of: date, echo) -> Path:
    """The calendar flags in one line, and the next twelve months as an .ics in outbox/."""
    from .flags import calendar_flags
    from .portfolio.calendar import calendar_events
    from .reports.ics import write_ics

    flags = calendar_flags(register, as_of)
    echo("  Calendar flags: " + (", ".join(f"{f.contract_id} {f.code}" for f in sorted(
        flags, key=lambda f: (f.contract_id, f.code))) or "none"))
    events = calendar_events(register, as_of, 12, include_overdue=True)
    path = write_ics(events, ws.outbox / CALENDAR_FILE, as_of,
                     name=f"{register.settings.office_name}: contract calendar")
    echo(f"  Contract calendar for Outlook ({len(events)} dates): {path}")
    return path


def _prepare(directory: Path, fresh: bool) -> Workspace:
    """Empty a previous demo workspace; refuse to touch a folder that is not one."""
    if directory.exists() and any(directory.iterdir()):
        if not (directory / MARKER).exists() and not (directory / OLD_MARKER).exists():
            raise WorkspaceError(f"{directory}: not empty and not a demo workspace; "
                                 "choose another folder for the demo")
        if not fresh:
            raise WorkspaceError(f"{directory}: a demo workspace already exists; "
                                 "run with --fresh to rebuild it")
        shutil.rmtree(directory)
    return Workspace(directory.resolve())


def _choose_problems(register: Register, current: Period) -> Problems:
    contracts = register.active_contracts(current)
    ids = [c.contract_id for c in contracts]
    problems = Problems()
    for contract in contracts:  # the first contract with a mandatory higher-is-better percent KPI
        for sla in register.sla_in_force(contract.contract_id, current):
            kpi = register.kpis[sla.kpi_code]
            if sla.mandatory and kpi.unit == "percent" and kpi.direction == "higher is better":
                problems.red_kpi = (contract.contract_id, kpi.code)
                break
        if problems.red_kpi:
            break
    pick = [i for i in ids if not problems.red_kpi or i != problems.red_kpi[0]] or ids
    problems.overspend = pick[0 % len(pick)]
    problems.incident = pick[1 % len(pick)]
    problems.late = pick[2 % len(pick)]
    problems.invalid = pick[3 % len(pick)]
    problems.missing = pick[4 % len(pick)]
    if problems.red_kpi:
        problems.notes.append(f"{problems.red_kpi[0]}: {problems.red_kpi[1]} red this quarter "
                              "and last (an ongoing performance issue)")
    problems.notes += [
        f"{problems.overspend}: financial return about 25% over the quarter's budget",
        f"{problems.incident}: an incident affecting more than 10% of the client group",
        f"{problems.incident}: a safeguarding incident of last quarter, first reported now",
        f"{problems.late}: performance return received after the deadline",
        f"{problems.invalid}: performance return with validation errors (rejected)",
        f"{problems.missing}: financial return not sent",
    ]
    return problems


def _received(period: Period, deadline_days: int, working_days_early: int) -> datetime:
    """A received time this many working days before the return deadline (negative: after)."""
    if working_days_early >= 0:
        day = add_working_days(period.end, max(1, deadline_days - working_days_early))
    else:
        day = add_working_days(return_deadline(period, deadline_days), -working_days_early)
    return datetime.combine(day, time(10, 30), tzinfo=timezone.utc)


def _fill_quarter(ws, register, period, current, templates, problems, ytd) -> list[Path]:
    from .templates.fill import fill_return

    by_name = {p.name: p for p in templates}
    dropped = []
    deadline_days = register.settings.return_deadline_working_days
    for contract in register.active_contracts(period):
        cid = contract.contract_id
        rng = random.Random(f"{cid}/{period.label}")
        is_current = period == current
        for kind in (PERFORMANCE, FINANCIAL):
            if is_current and kind == FINANCIAL and cid == problems.missing:
                continue
            template = by_name.get(template_filename(cid, kind, period.slug))
            if template is None:
                continue
            target = ws.inbox / f"{cid} {kind} return {period.slug}.xlsx"
            sign_off = {"Prepared By": f"{contract.provider_contract_manager.split(',')[0]}",
                        "Approved By": contract.provider_escalation_contact.split(",")[0],
                        "Sign-off Date": add_working_days(period.end, 5)}
            if kind == PERFORMANCE:
                kpis = _kpi_values(register, contract, period, rng, problems, is_current,
                                   current)
                tables = _records(contract, period, rng, problems, is_current)
                if is_current and cid == problems.invalid:
                    _break(kpis, sign_off)
                fill_return(template, target, kpis=kpis, tables=tables, sign_off=sign_off)
            else:
                lines = _financial_lines(register, contract, period, rng, problems,
                                         is_current, ytd)
                fill_return(template, target, lines=lines, sign_off=sign_off)
            late = is_current and kind == PERFORMANCE and cid == problems.late
            received = _received(period, deadline_days, -4 if late else rng.randint(2, 8))
            stamp = received.timestamp()
            os.utime(target, (stamp, stamp))
            dropped.append(target)
    return dropped


def _kpi_values(register: Register, contract: Contract, period: Period, rng, problems,
                is_current: bool, current: Period) -> dict[str, dict[str, object]]:
    """Plausible values near each target; the planted red KPI well below its amber line."""
    quarterly_users = max(contract.client_group_size / 4, 8)
    values: dict[str, dict[str, object]] = {}
    for sla in register.sla_in_force(contract.contract_id, period):
        kpi = register.kpis[sla.kpi_code]
        planted_red = (problems.red_kpi == (contract.contract_id, kpi.code)
                       and period in (current, current.previous()))
        values[kpi.code] = _one_kpi(kpi, sla, quarterly_users, rng, planted_red)
    return values


def _one_kpi(kpi: Kpi, sla: SlaKpi, users: float, rng, planted_red: bool) -> dict[str, object]:
    drift = rng.uniform(-0.04, 0.06)
    if kpi.is_ratio:
        if kpi.unit == "percent":
            level = sla.target if sla.target is not None else 0.8
            if planted_red and sla.amber is not None:
                level = sla.amber - 0.12
            rate = min(max(level + (0 if planted_red else drift * 0.5 + 0.01), 0.05), 1.0)
            den = max(int(users * rng.uniform(0.9, 1.1)), 5)
            num = min(round(den * rate), den)
        else:  # an average kept as a total over a count (days, £ per victim)
            level = sla.target if sla.target is not None else (2.0 if kpi.unit == "days" else 500.0)
            den = max(int(users * rng.uniform(0.8, 1.0)), 5)
            factor = 0.92 if kpi.direction == "lower is better" else 1.05
            num = round(den * level * (factor + drift * 0.5), 2 if kpi.unit == "gbp" else 0)
        row: dict[str, object] = {"Numerator": num, "Denominator": den}
    else:
        if kpi.unit == "score":
            level = sla.target if sla.target is not None else 7.0
            actual: float = round(level * (1.02 + drift * 0.3), 1)
        else:
            level = sla.target if sla.target is not None else users
            actual = round(level * (1.03 + drift))
        row = {"Actual": actual}
    if planted_red:
        row["Commentary"] = ("Two caseworkers on long-term sick leave; agency cover starts next "
                             "month and a recovery plan was shared with the lead officer.")
    return row


def _records(contract: Contract, period: Period, rng, problems, is_current: bool):
    """Incidents, complaints, risks and improvement actions as a provider would log them."""
    mid = period.start + timedelta(days=40)
    tables: dict[str, list[dict[str, object]]] = {
        "Complaints": [{"Date Received": mid, "Category": "Communication",
                        "Summary": "Caller waited five days for a call back.",
                        "Outcome": "Upheld", "Resolved Date": mid + timedelta(days=9)}],
        "Risks": [{"Risk": "Loss of experienced caseworkers", "Likelihood": "Medium",
                   "Impact": "High", "Mitigation": "Retention payments; cross-training",
                   "Owner": contract.provider_contract_manager.split(",")[0],
                   "Status": "Open"}],
        "Improvements": [{"Action": "Introduce text reminders before appointments",
                          "Due Date": period.end + timedelta(days=60), "Status": "In progress",
                          "Progress": "Pilot running in one team."}],
    }
    incidents = [{"Date": mid + timedelta(days=3), "Description": "Case file sent to the wrong "
                  "internal team; retrieved the same day.", "Clients Affected": 1,
                  "Estimated Cost (£)": 0, "Harm Caused": "N", "Provider Negligence": "N",
                  "Reputational Risk": "N", "Action Taken": "Staff reminded of the procedure.",
                  "Category": "Other"}]
    if is_current and contract.contract_id == problems.incident:
        affected = int(contract.client_group_size * 0.12) + 1
        incidents.append({
            "Date": mid + timedelta(days=10),
            "Description": "Case management system outage for nine days; callbacks missed.",
            "Clients Affected": affected, "Estimated Cost (£)": 4800, "Harm Caused": "N",
            "Provider Negligence": "N", "Reputational Risk": "Y",
            "Action Taken": "Manual triage list; supplier escalation; victims re-contacted.",
            "Category": "Service failure"})
    if is_current and contract.contract_id == problems.incident:
        incidents.append({  # reported a quarter late: accepted, queried, flagged for SMG
            "Date": period.start - timedelta(days=3),
            "Description": "Disclosure about a child's safety not passed to children's services.",
            "Clients Affected": 1, "Estimated Cost (£)": 0, "Harm Caused": "N",
            "Provider Negligence": "Y", "Reputational Risk": "N",
            "Action Taken": "Found in a case file audit this quarter; referred at once; "
                            "safeguarding training repeated for the team.",
            "Category": "Safeguarding"})
    if rng.random() < 0.5 or is_current:
        tables["Incidents"] = incidents
    return tables


def _financial_lines(register, contract, period, rng, problems, is_current, ytd):
    lines = {}
    over = is_current and contract.contract_id == problems.overspend
    for budget in register.budget_lines(contract.contract_id, period.fy):
        quarter_budget = budget.annual_budget / 4
        actual = round(quarter_budget * (1.25 if over else rng.uniform(0.96, 1.04)), 2)
        key = (contract.contract_id, budget.line)
        # Before the demo's first quarter, assume the provider spent to budget.
        previous = 0.0 if period.quarter == 1 else ytd.get(key, quarter_budget * (period.quarter - 1))
        ytd[key] = round(previous + actual, 2)
        row = {"Quarter Actual": actual, "Year To Date Actual": ytd[key],
               "Forecast Outturn": round(budget.annual_budget * (1.12 if over else
                                                                  rng.uniform(0.97, 0.995)), 2)}
        if over:
            row["Variance Explanation"] = ("Agency cover for vacant posts at premium rates; "
                                           "two posts recruited from next quarter.")
        lines[budget.line] = row
    return lines


def _break(kpis: dict[str, dict[str, object]], sign_off: dict[str, object]) -> None:
    """The rejected return: a numerator above its denominator and no approver."""
    for row in kpis.values():
        if "Numerator" in row:
            row["Numerator"] = float(row["Denominator"]) + 7
            break
    sign_off["Approved By"] = None
