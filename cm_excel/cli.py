"""The command line: the only module that imports click.

Each command parses its options, calls one core function, renders the result and picks
the exit code. Progress reaches the terminal through a callback.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

import click

from . import __version__
from .errors import CmExcelError, RegisterError
from .periods import Period, parse_period
from .workspace import Workspace

EXIT_OK, EXIT_FAILED, EXIT_INTERNAL = 0, 1, 70  # usage errors exit 2 (click, UsageError)


class Context:
    def __init__(self, workspace: str | None, as_of: date | None, debug: bool):
        self.workspace_arg = workspace
        self.as_of = as_of or date.today()
        self.debug = debug

    @property
    def workspace(self) -> Workspace:
        return Workspace.at(self.workspace_arg)

    def register(self):
        from .register.reader import read_register

        return read_register(self.workspace.require_register())

    def period(self, quarter: str, year: str | None) -> Period:
        period = parse_period(quarter, year, self.as_of)
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

    def __init__(self, tty: bool | None = None):
        self.tty = sys.stderr.isatty() if tty is None else tty
        self.bar = ""

    def __call__(self, event: str, **info) -> None:
        from .render import outcome_line, progress_bar

        if event == "ingest.start":
            click.echo(f"Inbox: {info.get('files', 0)} file(s)", err=True)
        elif event == "ingest.file":
            if self.tty:
                self.bar = f"  {progress_bar(info['index'], info['total'])} {info['name']}"
                click.echo(f"\r\x1b[K{self.bar}", err=True, nl=False)
            else:
                click.echo(f"  [{info['index']}/{info['total']}] {info['name']} ... ", err=True,
                           nl=False)
        elif event == "ingest.outcome":
            outcome = info["outcome"]
            if self.tty:
                click.echo(f"\r\x1b[K  {outcome.name}: {outcome_line(outcome)}", err=True)
                click.echo(self.bar, err=True, nl=False)
            else:
                click.echo(outcome_line(outcome), err=True)
        elif event == "ingest.done":
            if self.tty and self.bar:
                click.echo("\r\x1b[K", err=True, nl=False)
                self.bar = ""
        elif "text" in info:
            click.echo(info["text"], err=True)


class CmGroup(click.Group):
    """Turns "cannot go on" exceptions into one line and an exit code; tracebacks only with --debug."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except RegisterError as exc:
            if ctx.find_root().params.get("debug"):
                raise
            click.echo(f"Error: {exc}:", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            ctx.exit(exc.exit_code)
        except CmExcelError as exc:
            if ctx.find_root().params.get("debug"):
                raise
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except Exception as exc:  # the last line of defence: no tracebacks without --debug
            if ctx.find_root().params.get("debug"):
                raise
            click.echo(f"Internal error: {type(exc).__name__}: {exc} (run again with --debug "
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
@click.pass_obj
def templates(obj: Context, quarter, year):
    """Write personalised performance and financial templates for every active contract.

    Files land in outbox/templates/<FY>-<Q>/, two per contract, ready to email.

    Example:

        cm-excel templates Q3 --year 2026
    """
    from .templates.writer import write_templates

    register = obj.register()
    period = obj.period(quarter, year)
    out_dir = obj.workspace.templates_dir(period)
    paths = write_templates(register, period, out_dir)
    contracts = len(paths) // 2
    click.echo(f"Wrote {len(paths)} templates for {contracts} active contracts to {out_dir}")
    for path in paths:
        click.echo(f"  {path.name}")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
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
        click.echo(f"{result.file}: {'REJECTED' if result.status == 'rejected' else 'OK'} ({counts})")
        for finding in result.findings:
            click.echo(f"  {finding.line()}")
            if finding.action:
                click.echo(f"      what to do: {finding.action}")
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
        click.echo(line)


@cli.command()
@click.argument("quarter")
@click.option("--year", metavar="YYYY", help="Financial year, e.g. 2026 for 2026-27.")
@click.pass_obj
def status(obj: Context, quarter, year):
    """Show, per contract, which returns are expected, in, accepted, late or missing.

    Example:

        cm-excel status Q3 --year 2026
    """
    from .status import status as run_status
    from .render import status_lines

    register = obj.register()
    period = obj.period(quarter, year)
    report = run_status(obj.workspace, register, period, as_of=obj.as_of)
    for line in status_lines(report):
        click.echo(line)


@cli.command()
@click.argument("quarter")
@click.option("--year", metavar="YYYY", help="Financial year, e.g. 2026 for 2026-27.")
@click.option("--strict", is_flag=True,
              help="Exit 1 when any return is rejected or missing (default: report them).")
@click.pass_obj
def consolidate(obj: Context, quarter, year, strict):
    """Ingest the inbox, then write the quarterly SMG workbook and cover note to outbox/.

    Example:

        cm-excel consolidate Q3 --year 2026 --as-of 2027-02-10
    """
    from .pipeline import consolidate as run_consolidate
    from .render import consolidation_summary

    register = obj.register()
    period = obj.period(quarter, year)
    report, result = run_consolidate(obj.workspace, register, period, as_of=obj.as_of,
                                     progress=TerminalProgress())
    _render_ingest(report)
    for line in consolidation_summary(result):
        click.echo(line)
    if strict and (result.returns_missing or result.returns_rejected):
        sys.exit(EXIT_FAILED)


@cli.group(cls=CmGroup)
def held():
    """Late resubmissions held for a decision (a return for a long-closed quarter).

    Example:

        cm-excel held list
    """


@held.command("list")
@click.pass_obj
def held_list(obj: Context):
    """List held resubmissions.

    Example:

        cm-excel held list
    """
    from .held import list_held

    rows = list_held(obj.workspace)
    if not rows:
        click.echo("No resubmissions are held.")
    for row in rows:
        click.echo(f"  {row}")


@held.command("apply")
@click.argument("ref")
@click.pass_obj
def held_apply(obj: Context, ref):
    """Apply a held resubmission: it supersedes the earlier return and the restatement is listed.

    Example:

        cm-excel held apply 7
    """
    from .held import resolve_held

    click.echo(resolve_held(obj.workspace, ref, apply=True))


@held.command("decline")
@click.argument("ref")
@click.pass_obj
def held_decline(obj: Context, ref):
    """Decline a held resubmission: it stays archived and recorded, but is not used.

    Example:

        cm-excel held decline 7
    """
    from .held import resolve_held

    click.echo(resolve_held(obj.workspace, ref, apply=False))


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
    """Console entry point."""
    cli(prog_name="cm-excel")
