"""The contract calendar as an iCalendar file (RFC 5545) that Outlook imports.

One all-day VEVENT per ``CalendarEvent``. Its UID is the event's stable UID, so importing
a newer file updates the events already in the calendar rather than adding copies; the
SEQUENCE and DTSTAMP come from the as-of date (later runs carry higher numbers), never from
the clock, so the same register and as-of give the same bytes.

Written by hand because the format is small: CRLF line endings, lines folded at 75 octets
without splitting a UTF-8 character, and TEXT values escaped (backslash, semicolon, comma,
newline) as section 3.3.11 asks.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from ..atomic import atomic_path
from ..errors import WorkspaceError
from ..portfolio.calendar import CalendarEvent
from ..portfolio.rag import day

PRODID = "-//cm-excel//Contract management calendar//EN"
SEQUENCE_EPOCH = date(2020, 1, 1)  # SEQUENCE is days since this day: later runs win
LINE_OCTETS = 75
OVERDUE_PREFIX = "OVERDUE: "


def escape_text(value: str) -> str:
    """An RFC 5545 TEXT value: backslash, semicolon and comma escaped, newlines as \\n."""
    text = str(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> bytes:
    """One content line as UTF-8, folded so no line exceeds 75 octets (CRLF after each);
    a continuation line starts with one space, and no character is split."""
    out, current, limit = [], b"", LINE_OCTETS
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > limit:
            out.append(current)
            current, limit = b" ", LINE_OCTETS
        current += encoded
    out.append(current)
    return b"".join(part + b"\r\n" for part in out)


def _stamp(as_of: date) -> str:
    return f"{as_of:%Y%m%d}T000000Z"


def event_lines(event: CalendarEvent, as_of: date) -> list[str]:
    """The VEVENT's content lines, unfolded."""
    summary = (OVERDUE_PREFIX if event.overdue else "") + event.title
    description = "\n".join(part for part in (
        event.detail, f"{event.kind}. Register: {event.ref}.",
        f"From cm-excel as of {day(as_of)}.") if part)
    return [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{_stamp(as_of)}",
        f"LAST-MODIFIED:{_stamp(as_of)}",
        f"SEQUENCE:{max(0, (as_of - SEQUENCE_EPOCH).days)}",
        f"DTSTART;VALUE=DATE:{event.date:%Y%m%d}",
        f"DTEND;VALUE=DATE:{event.date + timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"CATEGORIES:{escape_text(event.kind)}",
        "TRANSP:TRANSPARENT",
        "X-MICROSOFT-CDO-BUSYSTATUS:FREE",
        "END:VEVENT",
    ]


def calendar_ics(events: list[CalendarEvent], as_of: date, *,
                 name: str = "Contract management calendar") -> bytes:
    """The whole VCALENDAR as bytes (UTF-8, CRLF, folded), events in the order given."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}"]
    for event in events:
        lines += event_lines(event, as_of)
    lines.append("END:VCALENDAR")
    return b"".join(fold(line) for line in lines)


def write_ics(events: list[CalendarEvent], path, as_of: date, *,
              name: str = "Contract management calendar") -> Path:
    """Write the calendar atomically to ``path``; return the path.

    Raises WorkspaceError (one line) when the file cannot be written there.
    """
    path = Path(path)
    try:
        with atomic_path(path) as tmp:
            Path(tmp).write_bytes(calendar_ics(events, as_of, name=name))
    except WorkspaceError:
        raise
    except OSError as exc:
        raise WorkspaceError(f"{path}: cannot write the calendar file "
                             f"({exc.strerror or type(exc).__name__})") from exc
    return path


__all__ = ["calendar_ics", "escape_text", "event_lines", "fold", "write_ics"]
