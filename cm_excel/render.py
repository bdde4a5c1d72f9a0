"""Plain-text renderings of core results for the terminal (no click here: lines only)."""

from __future__ import annotations

from .portfolio.rag import day
from .pipeline import IngestReport, Outcome
from .status import StatusReport

PROBLEMS_SHOWN = 3
MARK = "\ufffd"  # what a control character from outside is shown as: �
_PLURALS = {"error": "errors", "query": "queries", "warning": "warnings"}


def shown(text, *, keep: str = "") -> str:
    """``text`` safe to print on a terminal: every control character (C0, DEL, C1 — so ESC
    and OSC sequences in a file name or a cell cannot clear the screen or retitle the
    window), bidirectional override and undecodable byte (a lone surrogate from a name that
    is not UTF-8) becomes a visible mark; characters in ``keep`` (e.g. "\\n") stay.
    Every echo of outside text (file names, cell values, messages quoting them) goes
    through here."""
    text = str(text)
    if text.isprintable() and text.isascii():
        return text
    return "".join(MARK if (c not in keep and _unsafe(c)) else c for c in text)


def _unsafe(c: str) -> bool:
    o = ord(c)
    return (o < 0x20 or 0x7F <= o <= 0x9F or 0xD800 <= o <= 0xDFFF
            or 0x202A <= o <= 0x202E or 0x2066 <= o <= 0x2069)


def counted(n: int, word: str) -> str:
    """``1 error``, ``2 queries``."""
    return f"{n} {word if n == 1 else _PLURALS.get(word, word + 's')}"


def progress_bar(index: int, total: int, width: int = 24) -> str:
    """``[#########---------------]  9/24``: ``index`` of ``total`` done."""
    done = round(width * index / total) if total else width
    return f"[{'#' * done}{'-' * (width - done)}] {index:>{len(str(total))}}/{total}"


def outcome_line(f) -> str:
    """``accepted (v2, supersedes v1, 3 restatements)`` and the like."""
    extra = []
    if f.version:
        extra.append(f"v{f.version}")
    if f.superseded_version:
        extra.append(f"supersedes v{f.superseded_version}")
    if f.restatements:
        extra.append(f"{f.restatements} restatement(s)")
    counts = [counted(n, word) for n, word in ((f.errors, "error"), (f.queries, "query"),
                                                (f.warnings, "warning")) if n]
    detail = ", ".join(extra + counts)
    note = f.note
    if note.startswith(f"{f.outcome}: "):  # the note already names the outcome
        note = note[len(f"{f.outcome}: "):]
    return f"{f.outcome}{f' ({detail})' if detail else ''}{f': {note}' if note else ''}"


def ingest_summary(report: IngestReport) -> list[str]:
    """The summary table, then each rejected file's first problems and its feedback path."""
    counts = report.counts()
    lines = ["", "Inbox summary:"]
    for outcome in Outcome:
        lines.append(f"  {str(outcome):<36}{counts[str(outcome)]:>4}")
    for f in report.rejected:
        lines.append(f"Rejected: {f.name}")
        for problem in f.problems[:PROBLEMS_SHOWN]:
            lines.append(f"    {problem.line()}")
        more = f.errors + f.queries + f.warnings - min(len(f.problems), PROBLEMS_SHOWN)
        if more > 0:
            lines.append(f"    ... and {more} more")
        if f.feedback_path:
            lines.append(f"    feedback for the provider: {f.feedback_path}")
    for f in report.held:
        lines.append(f"Held for a decision: {f.name}: {f.note}  (cm-excel held list)")
    return lines


def status_lines(report: StatusReport) -> list[str]:
    lines = [f"Returns due by {day(report.deadline)} (as of {day(report.as_of)})", ""]
    lines.append(f"  {'Contract':<9} {'Return':<12} {'State':<22} {'Version':<8} Contact")
    for r in report.returns:
        version = f"v{r.version}" if r.version else ""
        lines.append(f"  {r.contract_id:<9} {r.kind:<12} {r.state:<22} {version:<8} {r.contact}")
    counts = report.counts()
    lines.append("")
    lines.append("  " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    if report.chase:
        lines.append("")
        lines.append("Chase:")
        for r in report.chase:
            lines.append(f"  {r.contract_id} {r.kind}: {r.provider}, {r.contact} "
                         f"(escalation: {r.escalation_contact}; lead officer {r.lead_officer})")
    for s in report.unexpected:
        lines.append(f"Unexpected in the ledger for this period: {s.original_name} "
                     f"({s.contract_id} {s.kind})")
    if report.ledger_journal:
        lines.append(f"Ledger: {report.ledger_journal}")
    return lines


def consolidation_summary(result) -> list[str]:
    """Headline figures, flags by code, and where the outputs landed."""
    lines = ["", "SMG quarterly consolidation:"] + [f"  {line}" for line in result.lines()]
    briefing = getattr(result, "briefing", None)
    if briefing is not None:
        lines.append("  In brief:")
        lines += [f"    {sentence}" for sentence in briefing.sentences]
        lines.append(f"  What changed since {briefing.compared_with or 'last quarter'}:")
        lines += [f"    {c.kind}: {c.text}" for c in briefing.changes] or [
            f"    {briefing.change_note}"]
    if result.flags_by_code:
        lines.append("  Flags by code: " + ", ".join(
            f"{code} {n}" for code, n in result.flags_by_code.items()))
    attention = getattr(result, "attention", ())
    if attention:
        lines.append(f"  Needs SMG's attention first ({len(attention)} of "
                     f"{getattr(result, 'issues', len(attention))} issues, one line each):")
        lines += [f"    {line}" for line in attention]
    return lines


def mail_lines(result) -> list[str]:
    """What ``cm-excel mail`` drafted, what it could not, and where the drafts are."""
    counts = result.counts()
    lines = [f"Drafted {counted(len(result.drafts), 'e-mail')}: "
             f"{counts['issue']} issuing templates, {counts['feedback']} feedback, "
             f"{counts['reminder']} reminders, {counts['smg']} SMG pack"]
    lines += [f"  Note: {note}" for note in result.notes]
    lines.append(f"Drafts (open in Outlook or Thunderbird, check, send): {result.folder}")
    return lines
