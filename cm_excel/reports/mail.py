"""Draft the quarter's e-mails as ``.eml`` files; nothing is ever sent.

``draft_quarter_mail`` writes into ``outbox/mail/<FY>-<Q>/``:

- ``issue_<ID>.eml``: the contract's two templates to the provider's contract manager;
- ``feedback_<ID>.eml``: the feedback workbooks of returns rejected or queried;
- ``reminder_<ID>.eml``: returns not yet accepted, with the deadline, the lead officer copied;
- ``smg.eml``: the SMG workbook with its cover note as the HTML body.

Each message is RFC 5322 with CRLF line ends, built with Python's ``email`` package, and
marked ``X-Unsent: 1`` so Outlook opens it as a draft ready to send (Thunderbird opens it
too, and "Edit as new" sends it). The words come from Jinja2 templates in
``workbook_templates/mail_*.txt.j2`` the office can edit; addresses come from the register's
contact columns ("Name, address"). A provider's message holds that provider's data only.
Bytes are reproducible: the date is the as-of date and MIME boundaries and Message-IDs are
derived from the content.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..atomic import write_bytes_atomic
from ..periods import Period
from ..portfolio.grouping import by_contract
from ..portfolio.rag import day
from ..register.model import Contract, Register
from ..resources import office_file
from ..status import ReturnStatus, status
from ..templates.contract import KINDS
from ..workspace import Workspace
from .cover import cover_name
from .quarterly import workbook_name

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
_RFC5322 = policy.default.clone(linesep="\r\n", max_line_length=78)
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


@dataclass(frozen=True)
class Draft:
    """One drafted message: what it is, who it goes to, where it was written."""

    kind: str  # issue, feedback, reminder, smg
    contract_id: str  # '' for the SMG pack
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    path: Path
    attachments: tuple[Path, ...]


@dataclass
class MailResult:
    period: Period
    folder: Path
    drafts: list[Draft] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what could not be drafted, and why

    def counts(self) -> dict[str, int]:
        out = {k: 0 for k in ("issue", "feedback", "reminder", "smg")}
        for d in self.drafts:
            out[d.kind] += 1
        return out


def mailbox(text: str | None) -> Address | None:
    """The address in a register contact cell such as ``"Ruth Adeyemi, ruth@x.example"``,
    with the words before it as the display name; None when the cell holds no address."""
    if not text:
        return None
    found = _ADDRESS.search(text)
    if not found:
        return None
    name = (text[:found.start()] + text[found.end():]).strip(" ,;:<>\t")
    name = re.sub(r"\s*\([^)]*\)$", "", name).strip(" ,;:<>\t")  # "(Chief Executive)"
    user, domain = found.group(0).rsplit("@", 1)
    return Address(display_name=name, username=user, domain=domain)


def person(text: str | None) -> str:
    """The name part of a contact cell, for salutations ("Ruth Adeyemi")."""
    box = mailbox(text)
    if box is not None:
        return box.display_name or str(box.addr_spec)
    return (text or "").strip()


def draft_quarter_mail(workspace: Workspace, register: Register, period: Period, *,
                       as_of: date) -> MailResult:
    """Write the quarter's drafts (see module docstring) and say what was drafted.

    Reads the ledger (through ``status``) and the outbox; writes only under
    ``outbox/mail/<FY>-<Q>/``, each file atomically. Earlier drafts there are replaced.
    """
    folder = workspace.outbox / "mail" / period.slug
    result = MailResult(period, folder)
    report = status(workspace, register, period, as_of=as_of)
    returns_of = by_contract(report.returns)
    writer = _Writer(workspace, register, period, as_of, folder, result)
    no_templates = []
    for contract in register.active_contracts(period):
        returns = returns_of.get(contract.contract_id, [])
        if not writer.issue(contract):
            no_templates.append(contract.contract_id)
        writer.feedback(contract, returns)
        writer.reminder(contract, returns, report.deadline)
    if no_templates:
        result.notes.insert(0, (
            f"no templates in {workspace.templates_dir(period)} for "
            f"{', '.join(no_templates)}; run 'cm-excel templates {period.q_label} --year "
            f"{period.fy}' first to draft the issuing e-mails"))
    writer.smg()
    writer.remove_stale()
    return result


class _Writer:
    def __init__(self, workspace: Workspace, register: Register, period: Period, as_of: date,
                 folder: Path, result: MailResult):
        self.ws, self.register, self.period, self.as_of = workspace, register, period, as_of
        self.folder, self.result = folder, result
        self.settings = register.settings
        self.written: set[str] = set()

    # --- the four kinds of message ---------------------------------------------------------
    def issue(self, contract: Contract) -> bool:
        """The issuing e-mail with the contract's templates; False when there are none."""
        folder = self.ws.templates_dir(self.period)
        files = sorted(folder.glob(f"{contract.contract_id}_*_{self.period.slug}.xlsx"))
        if files:
            self._provider_message("issue", contract, files, cc=())
        return bool(files)

    def feedback(self, contract: Contract, returns: list[ReturnStatus]) -> None:
        wanted = [r for r in returns if r.queried or (r.rejected and not r.accepted)]
        files = [p for r in wanted if (p := self._feedback_file(contract, r.kind)).is_file()]
        if files:
            self._provider_message("feedback", contract, files, cc=(), returns=wanted)

    def reminder(self, contract: Contract, returns: list[ReturnStatus], deadline: date) -> None:
        outstanding = [r for r in returns if not r.accepted]
        if outstanding:
            self._provider_message("reminder", contract, [], cc=(contract.lead_officer,),
                                   returns=outstanding, deadline=deadline,
                                   overdue=self.as_of > deadline)

    def smg(self) -> None:
        book = self.ws.outbox / workbook_name(self.period)
        cover = self.ws.outbox / cover_name(self.period)
        if not (book.is_file() and cover.is_file()):
            self.result.notes.append(
                f"SMG pack: no {book.name} yet; run 'cm-excel consolidate "
                f"{self.period.q_label} --year {self.period.fy}' first")
            return
        pdf = book.with_suffix(".pdf")
        attachments = [book] + ([pdf] if pdf.is_file() else [])
        context = self._context(None)
        rendered = _render("mail_smg.txt.j2", context, self.ws.root)
        subject, text = _subject(rendered), _body(rendered)
        html = cover.read_text(encoding="utf-8")
        to = tuple(a for a in [self.settings.smg_email] if a)
        self._write("smg", "", subject, text, attachments, to=to, cc=(), html=html)

    # --- helpers ---------------------------------------------------------------------------
    def _provider_message(self, kind: str, contract: Contract, files: list[Path], *,
                          cc: tuple[str, ...], **extra) -> None:
        context = self._context(contract) | extra
        rendered = _render(f"mail_{kind}.txt.j2", context, self.ws.root)
        self._write(kind, contract.contract_id, _subject(rendered), _body(rendered), files,
                    to=(contract.provider_contract_manager,), cc=cc)

    def _context(self, contract: Contract | None) -> dict:
        p = self.period
        return {
            "contract": contract, "period": p.label, "quarter": p.q_label,
            "period_dates": f"{day(p.start)} to {day(p.end)}",
            "fy": p.fy_label, "as_of": day(self.as_of), "office": self.settings.office_name,
            "contact": person(contract.provider_contract_manager) if contract else "",
            "lead_officer": person(contract.lead_officer) if contract else "",
            "day": day, "kind_words": {"performance": "performance return",
                                        "financial": "financial return"},
            "kinds": KINDS,
        }

    def _feedback_file(self, contract: Contract, kind: str) -> Path:
        return self.ws.feedback_dir(self.period) / f"{contract.contract_id}_{kind}_feedback.xlsx"

    def _write(self, kind: str, contract_id: str, subject: str, text: str,
               attachments: list[Path], *, to: tuple[str, ...], cc: tuple[str, ...],
               html: str | None = None) -> None:
        msg = EmailMessage(policy=_RFC5322)
        office = mailbox(self.settings.office_email)
        if office is not None:
            msg["From"] = office
        recipients = {"To": to, "Cc": cc}
        unaddressed = []
        for header, cells in recipients.items():
            boxes = [b for c in cells if (b := mailbox(c)) is not None]
            unaddressed += [c for c in cells if c and mailbox(c) is None]
            if boxes:
                msg[header] = boxes
        msg["Subject"] = subject
        msg["Date"] = format_datetime(datetime.combine(self.as_of, time(9), timezone.utc))
        msg["X-Unsent"] = "1"  # Outlook opens the file as an unsent draft
        if unaddressed:
            text = ("Note for the sender: no e-mail address in the register for "
                    + "; ".join(unaddressed) + ". Add it before sending.\n\n" + text)
            self.result.notes.append(f"{kind} {contract_id or 'SMG'}: no e-mail address for "
                                     + "; ".join(unaddressed))
        msg.set_content(text)
        if html is not None:
            msg.add_alternative(html, subtype="html")
        for path in attachments:
            msg.add_attachment(path.read_bytes(), *_mime_type(path), filename=path.name)
        _settle(msg, f"{self.period.slug}/{kind}/{contract_id}")
        name = f"{kind}_{contract_id}.eml" if contract_id else f"{kind}.eml"
        target = self.folder / name
        write_bytes_atomic(target, msg.as_bytes(policy=_RFC5322))
        self.written.add(name)
        self.result.drafts.append(Draft(kind, contract_id, to, cc, subject, target,
                                        tuple(attachments)))

    def remove_stale(self) -> None:
        """Drafts of an earlier run that this run would not write (a return since accepted)."""
        if self.folder.is_dir():
            for old in self.folder.glob("*.eml"):
                if old.name not in self.written:
                    old.unlink()


def _render(name: str, context: dict, workspace_root: Path) -> str:
    """Render office-editable mail template ``name`` (plain text: no escaping needed)."""
    path = office_file(name, workspace_root)
    env = Environment(loader=FileSystemLoader(str(path.parent)), autoescape=False,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.get_template(path.name).render(**context)


def _subject(rendered: str) -> str:
    """The first line of a rendered mail template, without its ``Subject:`` label."""
    first = rendered.lstrip().splitlines()[0] if rendered.strip() else ""
    return first.split(":", 1)[1].strip() if first.lower().startswith("subject:") else first


def _body(rendered: str) -> str:
    """Everything after the subject line, with runs of blank lines closed up."""
    lines = rendered.lstrip().splitlines()[1:]
    text = "\n".join(line.rstrip() for line in lines).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", text) + "\n"


def _mime_type(path: Path) -> tuple[str, str]:
    return ("application", "pdf") if path.suffix.lower() == ".pdf" else XLSX_TYPE


def _settle(msg: EmailMessage, seed: str) -> None:
    """Deterministic Message-ID and MIME boundaries, from the message's own content."""
    digest = hashlib.sha256(msg.as_bytes(policy=_RFC5322.clone(linesep="\n"))
                            if not msg.is_multipart() else seed.encode()).hexdigest()
    for i, part in enumerate(msg.walk()):
        if part.is_multipart():
            part.set_boundary(f"=_cm-excel_{digest[:16]}_{i}")
    body = hashlib.sha256(msg.as_bytes(policy=_RFC5322)).hexdigest()
    msg["Message-ID"] = f"<{body[:32]}@cm-excel.invalid>"
