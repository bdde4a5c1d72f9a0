"""The command line: the only module that imports click.

Each command parses its options, calls one core function, renders the result and picks
the exit code. Progress reaches the terminal through a callback.
"""

from __future__ import annotations

import logging
import sys
from datetime import date, datetime
from functools import cached_property
from pathlib import Path

import click

from . import __version__
from .errors import CmExcelError, RegisterError
from .periods import ISSUE, REPORT, Period, parse_period
from .workspace import Workspace

EXIT_OK, EXIT_FAILED, EXIT_INTERNAL = 0, 1, 70  # usage errors exit 2 (click, UsageError)


def say(line="", *, err: bool = False, nl: bool = True) -> None:
    """Echo a line that may carry outside text (file names, cell values): control
    characters are shown as a mark (render.shown), never sent raw to the terminal."""
    from .render import shown

    click.echo(shown(line, keep="\n"), err=err, nl=nl)


class Context:
    def __init__(self, workspace: str | None, as_of: date | None, debug: bool):
        self.workspace_arg = workspace
        self.as_of = as_of or date.today()
        self.debug = debug

    @cached_property  # once per command: options after its name are merged in by then
    def workspace(self) -> Workspace:
        from .bookkeeping import adopt_old_layout

        ws = Workspace.at(self.workspace_arg)
        moved = adopt_old_layout(ws)  # a ledger an earlier version left at the root
        if moved:
            say(moved, err=True)
        return ws

    def register(self):
        from .register.reader import read_register

        return read_register(self.workspace.require_register())

    def period(self, quarter: str, year: str | None, purpose: str = REPORT) -> Period:
        """The period a QUARTER argument means (periods.parse_period), printed with its dates."""
        period = parse_period(quarter, year, self.as_of, purpose)
        click.echo(f"Period: {period.describe()}", err=True)
        return period


def _parse_date(ctx, param, value):
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date; write YYYY-MM-DD") from None


class TerminalProgress:
    """Progress callback handed to the core, drawn on stderr.

    On a terminal: a bar over the inbox files kept on the last line, with each file's
    outcome printed above it. Elsewhere (logs, CI): one ``[i/n] name ... outcome`` line a file.
    """

    pending = ""  # what ends a progress line left open when a run stops with an error

    def __init__(self, tty: bool | None = None):
        self.tty = sys.stderr.isatty() if tty is None else tty
        self.bar = ""

    @classmethod
    def end_line(cls) -> None:
        """Finish a progress line left open (a run stopped mid-file), so that what follows
        starts on a line of its own."""
        if cls.pending:
            click.echo(cls.pending, err=True, nl=False)
            cls.pending = ""

    def __call__(self, event: str, **info) -> None:
        from .render import outcome_line, progress_bar

        from .render import shown

        if event == "ingest.start":
            click.echo(f"Inbox: {info.get('files', 0)} file(s)", err=True)
        elif event == "ingest.file":
            name = shown(info["name"])
            if self.tty:
                self.bar = f"  {progress_bar(info['index'], info['total'])} {name}"
                click.echo(f"\r\x1b[K{self.bar}", err=True, nl=False)
            else:
                click.echo(f"  [{info['index']}/{info['total']}] {name} ... ", err=True,
                           nl=False)
            TerminalProgress.pending = "\r\x1b[K" if self.tty else "\n"
        elif event == "ingest.outcome":
            outcome = info["outcome"]
            line = shown(outcome_line(outcome))
            TerminalProgress.pending = ""
            if self.tty:
                click.echo(f"\r\x1b[K  {shown(outcome.name)}: {line}", err=True)
                click.echo(self.bar, err=True, nl=False)
            else:
                click.echo(line, err=True)
        elif event == "ingest.done":
            if self.tty and self.bar:
                click.echo("\r\x1b[K", err=True, nl=False)
                self.bar = ""
        elif "text" in info:
            say(info["text"], err=True)


def _set_global(ctx, param, value):
    """--workspace, --as-of and --debug given after a command name: they win over the ones
    given before it (the root's callback has made ctx.obj by the time these are parsed)."""
    if value is None or value is False or not isinstance(ctx.obj, Context):
        return
    if param.name == "as_of":
        ctx.obj.as_of = _parse_date(ctx, param, value)
    elif param.name == "workspace":
        ctx.obj.workspace_arg = value
    else:
        ctx.obj.debug = True


def _global_options() -> list[click.Option]:
    """The global options, accepted after any command name as well as before it."""
    common = {"expose_value": False, "callback": _set_global}
    return [
        click.Option(["--workspace"], metavar="DIR", help="Workspace folder (default: "
                     "$CM_EXCEL_WORKSPACE, else the current folder).", **common),
        click.Option(["--as-of", "as_of"], metavar="YYYY-MM-DD",
                     help="The date the run speaks for (default: today).", **common),
        click.Option(["--debug"], is_flag=True, default=None,
                     help="Show full tracebacks on failure.", **common),
    ]


class CmCommand(click.Command):
    """A command that also takes the global options after its name."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params += _global_options()


def _debugging(ctx) -> bool:
    root = ctx.find_root()
    return bool(root.params.get("debug") or getattr(root.obj, "debug", False))


class CmGroup(click.Group):
    """Turns "cannot go on" exceptions into one line and an exit code; tracebacks only with --debug.

    Its commands and subgroups take the global options after their names too."""

    command_class = CmCommand

    def __init__(self, *args, nested: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if nested:  # the root group has the global options already, as its own
            self.params += _global_options()

    def invoke(self, ctx):
        debug_log = None
        if ctx.parent is None and ctx.params.get("debug"):  # e.g. why a file was not processed
            debug_log = logging.StreamHandler(sys.stderr)
            debug_log.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
            logging.getLogger("cm_excel").addHandler(debug_log)
            logging.getLogger("cm_excel").setLevel(logging.DEBUG)
        try:
            return self._invoke(ctx)
        finally:
            if debug_log is not None:
                logging.getLogger("cm_excel").removeHandler(debug_log)

    def _invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort,
                BrokenPipeError):
            raise
        except RegisterError as exc:
            if _debugging(ctx):
                raise
            TerminalProgress.end_line()
            say(f"Error: {exc}:", err=True)
            for problem in exc.problems:
                say(f"  {problem}", err=True)
            ctx.exit(exc.exit_code)
        except CmExcelError as exc:
            if _debugging(ctx):
                raise
            TerminalProgress.end_line()
            say(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except Exception as exc:  # the last line of defence: no tracebacks without --debug
            if _debugging(ctx):
                raise
            from .environment import environment_failure

            failure = environment_failure(exc)  # a full disk, a read-only folder ...
            TerminalProgress.end_line()
            if failure is not None:
                say(f"Error: {failure}", err=True)
                ctx.exit(EXIT_FAILED)
            say(f"Internal error: {type(exc).__name__}: {exc} (run again with --debug "
                       "for details, and please report it)", err=True)
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=CmGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--workspace", "workspace", envvar="CM_EXCEL_WORKSPACE", metavar="DIR",
              help="Workspace folder (default: $CM_EXCEL_WORKSPACE, else the current folder).")
@click.option("--as-of", "as_of", callback=_parse_date, metavar="YYYY-MM-DD",
              help="The date the run speaks for (default: today). Makes runs reproducible.")
@click.option("--debug", is_flag=True, help="Show full tracebacks on failure.")
@click.option("--workers", type=click.IntRange(min=1), envvar="CM_EXCEL_WORKERS", metavar="N",
              help="Processes checking returns at once (default: $CM_EXCEL_WORKERS, else one "
                   "per core; 1 checks them one by one).")
@click.version_option(__version__, prog_name="cm-excel")
@click.pass_context
def cli(ctx, workspace, as_of, debug, workers):
    """Collect, check and consolidate providers' quarterly returns.

    The routine: issue templates, providers return them, drop the returns into inbox/,
    consolidate, circulate the workbooks in outbox/ to SMG.

    Example:

        cm-excel init ws && cm-excel --workspace ws templates Q3 --year 2026
    """
    ctx.obj = Context(workspace, as_of, debug)
    from .parallel import set_workers

    set_workers(workers)


@cli.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.pass_obj
def init(obj: Context, directory):
    """Create a workspace with a starter register that explains itself.

    Writes register.xlsx (a small example portfolio to edit), inbox/, outbox/ and
    archive/. Never overwrites an existing register.

    Example:

        cm-excel init opcc-contracts
    """
    from .workspace import init_workspace

    ws = init_workspace(directory)
    click.echo(f"Created workspace {ws.root}")
    click.echo(f"  register: {ws.register_path}  (edit it in Excel: contracts, KPIs, targets)")
    click.echo(f"  inbox:    {ws.inbox}  (drop provider returns here)")
    click.echo(f"  outbox:   {ws.outbox}  (templates, feedback and SMG workbooks appear here)")


@cli.command()
@click.argument("quarter")
@click.option("--year", metavar="YYYY", help="Financial year, e.g. 2026 for 2026-27.")
@click.option("--skip-incomplete", is_flag=True,
              help="Leave out contracts with no SLA KPIs or budget lines (default: write "
                   "nothing and exit 1).")
@click.pass_obj
def templates(obj: Context, quarter, year, skip_incomplete):
    """Write personalised performance and financial templates for every active contract.

    Files land in outbox/templates/<FY>-<Q>/, two per contract, ready to email. QUARTER
    alone (Q3) is the quarter of that name now running, or the next to come.

    Example:

        cm-excel templates Q3 --year 2026
    """
    from .templates.writer import template_gaps, write_templates

    register = obj.register()
    period = obj.period(quarter, year, ISSUE)
    gaps = template_gaps(register, period)
    for gap in gaps:
        click.echo(f"{'Skipped' if skip_incomplete else 'Incomplete'}: {gap.line()}", err=True)
    if gaps and not skip_incomplete:
        click.echo("Error: no templates written; complete the register, or write the others "
                   "with --skip-incomplete", err=True)
        sys.exit(EXIT_FAILED)
    out_dir = obj.workspace.templates_dir(period)
    paths = write_templates(register, period, out_dir, skip={g.contract_id for g in gaps})
    contracts = len(paths) // 2
    click.echo(f"Wrote {len(paths)} templates for {contracts} active contracts to {out_dir}")
    for path in paths:
        click.echo(f"  {path.name}")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())  # pipeline says what a bad path is
@click.pass_obj
def validate(obj: Context, paths):
    """Check returns without recording them (a provider's "test submission").

    With no PATH, checks everything in the inbox. Exit code 0 when no return has
    errors, 1 otherwise.

    Example:

        cm-excel validate inbox/VS-001_performance_2026-27-Q3.xlsx
    """
    from .pipeline import validate_paths
    from .render import counted
    from .findings import Level

    register = obj.register()
    targets = [Path(p) for p in paths] or [obj.workspace.inbox]
    results = validate_paths(targets, register, workspace=obj.workspace,
                             max_bytes=int(register.settings.max_file_size_mb * 1024 * 1024))
    failed = 0
    for result in results:
        errors = [f for f in result.findings if f.level.value == "error"]
        failed += bool(errors)
        counts = ", ".join(counted(result.count(level), level.value) for level in Level)
        say(f"{result.file}: {'REJECTED' if result.status == 'rejected' else 'OK'} ({counts})")
        for finding in result.findings:
            say(f"  {finding.line()}")
            if finding.action:
                say(f"      what to do: {finding.action}")
    click.echo(f"Checked {len(results)} file(s): {len(results) - failed} without errors, "
               f"{failed} with errors.")
    sys.exit(EXIT_FAILED if failed else EXIT_OK)


@cli.command()
@click.pass_obj
def ingest(obj: Context):
    """Process the inbox: check each return, archive and record the accepted ones.

    Rejected returns stay in inbox/ and get a feedback workbook in outbox/feedback/.

    Example:

        cm-excel --workspace ws ingest
    """
    from .pipeline import ingest as run_ingest

    register = obj.register()
    report = run_ingest(obj.workspace, register, progress=TerminalProgress())
    _render_ingest(report)


def _render_ingest(report) -> None:
    from .render import ingest_summary

    for line in ingest_summary(report):
        say(line)


@cli.command()
@click.argument("quarter")
@click.option("--year", metavar="YYYY", help="Financial year, e.g. 2026 for 2026-27.")
@click.pass_obj
def status(obj: Context, quarter, year):
    """Show, per contract, which returns are expected, in, accepted, late or missing.

    QUARTER alone (Q3) is the latest quarter of that name that has ended.

    Example:

        cm-excel status Q3 --year 2026
    """
    from .status import status as run_status
    from .render import status_lines

    register = obj.register()
    period = obj.period(quarter, year)
    report = run_status(obj.workspace, register, period, as_of=obj.as_of)
    for line in status_lines(report):
        say(line)


@cli.command()
@click.argument("quarter")
@click.option("--year", metavar="YYYY", help="Financial year, e.g. 2026 for 2026-27.")
@click.option("--strict", is_flag=True,
              help="Exit 1 when any return is rejected or missing (default: report them).")
@click.option("--provisional", is_flag=True,
              help="Consolidate a quarter that has not ended yet, marked provisional.")
@click.option("--pdf", is_flag=True, help="Also write a PDF of the workbook (needs LibreOffice).")
@click.pass_obj
def consolidate(obj: Context, quarter, year, strict, provisional, pdf):
    """Ingest the inbox, then write the quarterly SMG workbook and cover note to outbox/.

    QUARTER alone (Q3) is the latest quarter of that name that has ended.

    Example:

        cm-excel consolidate Q3 --year 2026 --as-of 2027-02-10
    """
    from .pipeline import consolidate as run_consolidate
    from .render import consolidation_summary

    register = obj.register()
    period = obj.period(quarter, year)
    report, result = run_consolidate(obj.workspace, register, period, as_of=obj.as_of,
                                     progress=TerminalProgress(), provisional=provisional)
    _render_ingest(report)
    for line in consolidation_summary(result):
        click.echo(line)
    if pdf:
        _write_pdf(result.workbook_path)
    if strict and (result.returns_missing or result.returns_rejected):
        sys.exit(EXIT_FAILED)


def _write_pdf(workbook: Path) -> bool:
    """The PDF of ``workbook`` beside it, or one line saying why there is none."""
    from .reports.pdf import to_pdf

    outcome = to_pdf(workbook)
    click.echo(f"PDF: {outcome.path}" if outcome.path else outcome.note)
    return outcome.path is not None


@cli.command()
@click.argument("quarter")
@click.option("--year", metavar="YYYY", help="Financial year, e.g. 2026 for 2026-27.")
@click.pass_obj
def mail(obj: Context, quarter, year):
    """Draft the quarter's e-mails as .eml files in outbox/mail/ (nothing is sent).

    Templates to each provider, feedback on returns rejected or queried, reminders for
    returns not yet accepted (lead officer copied), and the SMG pack with its cover note.
    Open a .eml file in Outlook or Thunderbird, check it, and send it.

    Example:

        cm-excel mail Q3 --year 2026
    """
    from .reports.mail import draft_quarter_mail
    from .render import mail_lines

    register = obj.register()
    period = obj.period(quarter, year)
    result = draft_quarter_mail(obj.workspace, register, period, as_of=obj.as_of)
    for line in mail_lines(result):
        click.echo(line)


def _year_of(obj: Context, year: str | None) -> int:
    """``--year`` as a financial year; without it, the year of the latest ended quarter."""
    from .periods import fy_label, latest_ended_period, parse_fy

    fy = parse_fy(year) if year is not None else latest_ended_period(obj.as_of).fy
    click.echo(f"Financial year: {fy_label(fy)} (1 Apr {fy} to 31 Mar {fy + 1})", err=True)
    return fy


@cli.command()
@click.option("--year", metavar="YYYY", help="Financial year, e.g. 2026 for 2026-27 "
              "(default: the year of the latest ended quarter).")
@click.option("--pdf", is_flag=True, help="Also write a PDF of the workbook (needs LibreOffice).")
@click.pass_obj
def annual(obj: Context, year, pdf):
    """Write the annual SMG workbook and cover note to outbox/ from the ledger.

    Each KPI by quarter and for the year (by its annual aggregation), the financial outturn,
    incidents and complaints, audits, disputes and exit decisions, risk logs and improvement
    plans, returns compliance and the calendar ahead. A year whose returns are not all due
    yet is marked provisional. Reads the ledger only: ingest or consolidate first.

    Example:

        cm-excel annual --year 2026 --as-of 2027-05-10
    """
    from .pipeline import annual as run_annual

    register = obj.register()
    result = run_annual(obj.workspace, register, _year_of(obj, year), as_of=obj.as_of,
                        progress=TerminalProgress())
    for line in result.lines():
        click.echo(line)
    if pdf:
        _write_pdf(result.workbook_path)


@cli.command()
@click.argument("quarter")
@click.option("--year", metavar="YYYY", help="Financial year, e.g. 2026 for 2026-27.")
@click.option("--pdf", is_flag=True, help="Also write a PDF of each pack (needs LibreOffice).")
@click.pass_obj
def packs(obj: Context, quarter, year, pdf):
    """Write each contract's meeting pack (workbook) and agenda (HTML) to outbox/packs/.

    Q2 and Q4 packs are for the longer twice-yearly and annual meetings and add the risk
    log, complaints overview and action plans. Each pack holds one contract's data only.

    Example:

        cm-excel packs Q3 --year 2026
    """
    from .pipeline import meeting_packs

    register = obj.register()
    period = obj.period(quarter, year)
    result = meeting_packs(obj.workspace, register, period, as_of=obj.as_of,
                           progress=TerminalProgress())
    for line in result.lines():
        click.echo(line)
    if pdf:
        for book in result.workbooks:
            if not _write_pdf(book):
                break  # no LibreOffice: said once


@cli.command()
@click.option("--year", metavar="YYYY", help="Financial year, e.g. 2026 for 2026-27 "
              "(default: the year of the latest ended quarter).")
@click.pass_obj
def export(obj: Context, year):
    """Write the year's values as one tidy table (CSV and .xlsx) for analysts and Power BI.

    One row per contract, quarter and KPI or budget line: value, target, RAG, and the
    source file, sheet and cell. Files land in outbox/export/.

    Example:

        cm-excel export --year 2026
    """
    from .pipeline import export as run_export

    register = obj.register()
    result = run_export(obj.workspace, register, _year_of(obj, year), as_of=obj.as_of,
                        progress=TerminalProgress())
    for line in result.lines():
        click.echo(line)


@cli.command("calendar")
@click.option("--months", default=12, show_default=True, type=click.IntRange(1, 120),
              help="How far ahead to look, in months from --as-of.")
@click.option("--ics", "ics_path", metavar="FILE", type=click.Path(dir_okay=False),
              help="Also write the dates as an iCalendar file that Outlook imports.")
@click.pass_obj
def calendar_command(obj: Context, months, ics_path):
    """Print the contract-management dates ahead: notice deadlines, contract ends, audits,
    dispute meetings, checklist expiries, return deadlines, quarterly meetings (overdue
    items first).

    Importing a newer .ics updates the events already in Outlook instead of adding copies.

    Example:

        cm-excel --as-of 2026-11-25 calendar --months 12 --ics outbox/calendar.ics
    """
    from .portfolio.calendar import calendar_events
    from .reports.calendar_text import calendar_lines
    from .reports.ics import write_ics

    register = obj.register()
    events = calendar_events(register, obj.as_of, months, include_overdue=True)
    for line in calendar_lines(events, obj.as_of, months):
        click.echo(line)
    if ics_path:
        path = write_ics(events, ics_path, obj.as_of,
                         name=f"{register.settings.office_name}: contract calendar")
        click.echo(f"Calendar file: {path}")


@cli.group(cls=CmGroup, nested=True)
def held():
    """Returns held for a decision: late resubmissions, and files that may be the wrong one.

    Example:

        cm-excel held list
    """


@held.command("list")
@click.pass_obj
def held_list(obj: Context):
    """List held returns, each with why it is held.

    Example:

        cm-excel held list
    """
    from .held import list_held

    rows = list_held(obj.workspace)
    if not rows:
        click.echo("No returns are held.")
    for row in rows:
        say(f"  {row}")


@held.command("apply")
@click.argument("ref")
@click.pass_obj
def held_apply(obj: Context, ref):
    """Apply a held resubmission: it supersedes the earlier return and the restatement is listed.

    Example:

        cm-excel held apply 7
    """
    from .held import resolve_held

    say(resolve_held(obj.workspace, ref, apply=True))


@held.command("decline")
@click.argument("ref")
@click.pass_obj
def held_decline(obj: Context, ref):
    """Decline a held resubmission: it stays archived and recorded, but is not used.

    Example:

        cm-excel held decline 7
    """
    from .held import resolve_held

    say(resolve_held(obj.workspace, ref, apply=False))


@cli.command()
@click.argument("directory", default="demo-workspace", type=click.Path(file_okay=False))
@click.option("--fresh/--keep", default=True, help="Start from an empty demo workspace (default).")
@click.pass_obj
def demo(obj: Context, directory, fresh):
    """Build a demo workspace with sample returns, then consolidate it.

    Uses its own folder (default demo-workspace/, ignored by git) so sample returns never
    mix with an office's real inbox.

    Example:

        cm-excel demo
    """
    from .demo import run_demo

    run_demo(Path(directory), fresh=fresh, as_of=obj.as_of, progress=TerminalProgress(),
             echo=click.echo)


def main() -> None:
    """Console entry point.

    Output never fails on a character the terminal's code page lacks (a Windows console or
    a file redirected in cp1252 and a name like "Łukasz – VS-001.xlsx": shown as "?"), and
    a reader that stops early (``cm-excel status Q3 | head``) ends the run quietly.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError):  # not a text stream we can reconfigure
            pass
    try:
        cli(prog_name="cm-excel")
    except BrokenPipeError:
        _quiet_broken_pipe()


def _quiet_broken_pipe() -> None:
    """The reader went away: point stdout at nothing (so the flush at exit cannot fail
    again) and stop without a message."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.exit(EXIT_FAILED)
