"""`cm-excel mail`: the quarter's e-mails drafted as .eml files, read back with `email`."""

import dataclasses
import email
import email.policy
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from cm_excel.cli import cli
from cm_excel.demo import run_demo
from cm_excel.periods import Period
from cm_excel.register.reader import read_register
from cm_excel.reports.mail import draft_quarter_mail, mailbox
from cm_excel.workspace import Workspace

AS_OF = date(2026, 11, 25)
Q2 = Period(2026, 2)


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory):
    root = tmp_path_factory.mktemp("mail") / "ws"
    run_demo(root, fresh=True, as_of=AS_OF, progress=None, echo=lambda *a, **k: None)
    return Workspace(root.resolve())


def parse(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def drafts(ws: Workspace) -> dict[str, email.message.EmailMessage]:
    return {p.name: parse(p) for p in sorted((ws.outbox / "mail" / Q2.slug).glob("*.eml"))}


def text_of(msg) -> str:
    """Headers, every text part and attachment names: all the words a reader sees."""
    words = [f"{k}: {v}" for k, v in msg.items()]
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            words.append(part.get_content())
        elif part.get_filename():
            words.append(part.get_filename())
    return "\n".join(words)


def attachment_strings(part) -> str:
    import io

    book = openpyxl.load_workbook(io.BytesIO(part.get_payload(decode=True)), read_only=True)
    return "\n".join(str(v) for ws in book.worksheets
                     for row in ws.iter_rows(values_only=True) for v in row if v is not None)


def test_every_kind_is_drafted_for_the_demo_quarter(demo_ws):
    names = set(drafts(demo_ws))
    register = read_register(demo_ws.register_path)
    ids = [c.contract_id for c in register.active_contracts(Q2)]
    assert {f"issue_{i}.eml" for i in ids} <= names
    assert "smg.eml" in names
    # the demo plants a rejected VS-005 performance return and a missing VS-006 return
    assert {"feedback_VS-005.eml", "reminder_VS-005.eml", "reminder_VS-006.eml"} <= names


def test_drafts_are_rfc5322_with_crlf_and_open_as_unsent(demo_ws):
    for name, msg in drafts(demo_ws).items():
        raw = (demo_ws.outbox / "mail" / Q2.slug / name).read_bytes()
        assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b""), name
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998, name
        assert msg["X-Unsent"] == "1" and msg["Subject"] and msg["Date"], name
        assert msg["Message-ID"].endswith("@cm-excel.invalid>"), name
        assert not msg.defects, (name, msg.defects)


def test_provider_drafts_go_to_the_registers_contract_manager(demo_ws):
    register = read_register(demo_ws.register_path)
    for name, msg in drafts(demo_ws).items():
        if name == "smg.eml":
            continue
        contract = register.contracts[name.split("_", 1)[1].removesuffix(".eml")]
        want = mailbox(contract.provider_contract_manager)
        assert [a.addr_spec for a in msg["To"].addresses] == [want.addr_spec], name


def test_attachments_are_byte_identical_to_the_outbox_files(demo_ws):
    outbox_files = {p.name: p for p in demo_ws.outbox.rglob("*.xlsx")}
    seen = 0
    for name, msg in drafts(demo_ws).items():
        for part in msg.iter_attachments():
            assert part.get_payload(decode=True) == outbox_files[part.get_filename()].read_bytes()
            seen += 1
    assert seen >= 7 * 2 + 2  # two templates a contract, a feedback, the SMG workbook


def test_no_draft_carries_another_providers_name_or_contract_id(demo_ws):
    register = read_register(demo_ws.register_path)
    for name, msg in drafts(demo_ws).items():
        if name == "smg.eml":
            continue
        own = name.split("_", 1)[1].removesuffix(".eml")
        words = text_of(msg) + "".join(attachment_strings(p) for p in msg.iter_attachments())
        assert own in words
        for other in register.contracts.values():
            if other.contract_id != own:
                assert other.contract_id not in words, (name, other.contract_id)
                assert other.provider not in words, (name, other.provider)


def test_smg_draft_has_the_cover_note_as_html_body(demo_ws):
    msg = drafts(demo_ws)["smg.eml"]
    cover = (demo_ws.outbox / "SMG_Quarterly_2026-27_Q2_cover.html").read_text(encoding="utf-8")
    assert msg.get_body(("html",)).get_content().replace("\r\n", "\n") == cover
    assert [p.get_filename() for p in msg.iter_attachments()] == ["SMG_Quarterly_2026-27_Q2.xlsx"]


def test_reminders_copy_the_lead_officer_when_the_register_has_an_address(demo_ws, tmp_path):
    register = read_register(demo_ws.register_path)
    register.contracts["VS-006"] = dataclasses.replace(
        register.contracts["VS-006"], lead_officer="Sian Parry, sian.parry@opcc.example")
    result = draft_quarter_mail(demo_ws, register, Q2, as_of=AS_OF)
    msg = parse(next(d.path for d in result.drafts if d.path.name == "reminder_VS-006.eml"))
    assert [a.addr_spec for a in msg["Cc"].addresses] == ["sian.parry@opcc.example"]
    assert "28 Oct 2026" in msg.get_body(("plain",)).get_content()  # the deadline
    # without an address the draft says so to the sender, and the command notes it
    plain = read_register(demo_ws.register_path)
    again = draft_quarter_mail(demo_ws, plain, Q2, as_of=AS_OF)
    assert any("VS-006" in n and "Sian Parry" in n for n in again.notes)


def test_drafting_twice_gives_the_same_bytes(demo_ws):
    before = {n: (demo_ws.outbox / "mail" / Q2.slug / n).read_bytes() for n in drafts(demo_ws)}
    draft_quarter_mail(demo_ws, read_register(demo_ws.register_path), Q2, as_of=AS_OF)
    after = {n: (demo_ws.outbox / "mail" / Q2.slug / n).read_bytes() for n in drafts(demo_ws)}
    assert before == after


@pytest.mark.parametrize("cell, address, name", [
    ("Ruth Adeyemi, ruth.adeyemi@beacon-victim-care.example",
     "ruth.adeyemi@beacon-victim-care.example", "Ruth Adeyemi"),
    ("Martin Shaw (Chief Executive), martin.shaw@beacon.example",
     "martin.shaw@beacon.example", "Martin Shaw"),
    ("Dr Kate Lowe <kate.lowe@southern.example>", "kate.lowe@southern.example", "Dr Kate Lowe"),
    ("kate@x.example", "kate@x.example", ""),
])
def test_mailbox_reads_a_register_contact_cell(cell, address, name):
    box = mailbox(cell)
    assert (box.addr_spec, box.display_name) == (address, name)


@pytest.mark.parametrize("cell", ["Priya Shah", "", None, "someone at example"])
def test_a_contact_without_an_address_has_no_mailbox(cell):
    assert mailbox(cell) is None


def test_mail_command_prints_the_folder(demo_ws):
    done = CliRunner().invoke(cli, ["--workspace", str(demo_ws.root), "--as-of", "2026-11-25",
                                    "mail", "Q2", "--year", "2026"])
    assert done.exit_code == 0, done.output
    assert str(demo_ws.outbox / "mail" / "2026-27-Q2") in done.output
