"""Dispute history decides the next step: a flag on a contract with an open dispute.

Strategy §5: once a dispute is open, a new problem on the contract is not a fresh informal
procedure; it is the next stage of *that* dispute. ``follow_disputes`` runs after every
rule (so it covers rules it does not know) and, for each flag whose action is on the ladder
at normal contract management or above, replaces the action with the step after the
dispute's current stage (``model.DISPUTE_STAGES``), naming the register's Disputes row. A
significant failure keeps its §5.0 words: the PCC may authorise a higher stage, or
terminate. The evidence names the dispute and, after a written notice, when its meeting is
due.

Where a dispute has got to is read from the register's Disputes row: an informal route is
at the informal procedure (§5.1); a formal one at least at SMG's written agreement, at the
written notice once its date is recorded, at the meeting once that date is recorded, and at
a later stage when the Stage words say so (action plan, mediation or CEDR, arbitration,
litigation, exclusion). Of several open disputes on one contract the furthest on is
followed (then the latest opened).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..periods import add_working_days
from ..portfolio.rag import day
from .model import (
    ACTION_RANK, DISPUTE_STAGES, IMMEDIATE, NORMAL, Flag, dispute_action, is_dispute_action,
)

if TYPE_CHECKING:
    from ..portfolio.quarter import QuarterData
    from ..register.model import Dispute

INFORMAL_STAGE, AGREED, NOTICE, MEETING = 0, 1, 2, 3
# Words in the register's Stage column that show a later stage, furthest first.
STAGE_WORDS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (8, ("exclu",)),
    (7, ("litigation", "court")),
    (6, ("arbitrat",)),
    (5, ("mediat", "cedr")),
    (4, ("action plan",)),
    (3, ("meeting held",)),
    (2, ("notice",)),
    (1, ("smg agree", "agreement", "agreed")),
)


def dispute_stage(d: "Dispute") -> int:
    """Where the dispute has got to: an index into ``model.DISPUTE_STAGES``."""
    if str(d.route or "").strip().lower() != "formal":
        return INFORMAL_STAGE
    stage = AGREED
    if d.written_notice:
        stage = max(stage, NOTICE)
    if d.meeting_date:
        stage = max(stage, MEETING)
    words = str(d.stage or "").lower()
    for index, keys in STAGE_WORDS:
        if any(k in words for k in keys):
            stage = max(stage, index)
            break
    return min(stage, len(DISPUTE_STAGES) - 1)


def open_dispute(data: "QuarterData", contract_id: str) -> "Dispute | None":
    """The open dispute a flag on the contract follows, or None."""
    live = [d for d in data.disputes_of(contract_id)
            if str(d.status or "").strip().lower() == "open"
            and (d.opened is None or d.opened <= data.as_of)]
    if not live:
        return None
    return max(live, key=lambda d: (dispute_stage(d), d.opened, d.row))


def dispute_ref(data: "QuarterData", d: "Dispute") -> str:
    """``register.xlsx Disputes row 3``."""
    from ..portfolio.quarter import register_row_ref

    return register_row_ref(data.register_name, "Disputes", d.row)


def _dispute_evidence(data: "QuarterData", d: "Dispute", ref: str) -> str:
    text = f"open {d.route} dispute {ref}, opened {day(d.opened)}"
    if d.stage:
        text += f", stage '{d.stage}'"
    if d.written_notice:
        text += f", written notice {day(d.written_notice)}"
        if not d.meeting_date:
            due = add_working_days(d.written_notice, data.settings.dispute_meeting_working_days)
            text += f", meeting due by {day(due)}"
    if d.meeting_date:
        text += f", meeting {day(d.meeting_date)}"
    return text


# Flags about the office's own duties (exit planning, audits, a deputy officer), not the
# provider's performance: a dispute with the provider is never their next step.
OFFICE_DUTIES = frozenset({"EXIT_NOTICE_DUE", "EXIT_NOTICE_OVERDUE", "POST_CONTRACT_REVIEW_DUE",
                           "AUDIT_OVERDUE", "AUDIT_LIMIT", "GOVERNANCE_NO_DEPUTY"})


def follow_disputes(data: "QuarterData", flags: list[Flag]) -> list[Flag]:
    """``flags`` with the action of each flag on a contract with an open dispute replaced by
    the next stage of that dispute (Monitor flags and the office's own duties are left
    alone)."""
    out = []
    cache: dict[str, tuple] = {}
    for f in flags:
        if f.contract_id not in cache:
            d = open_dispute(data, f.contract_id)
            cache[f.contract_id] = (d, dispute_ref(data, d)) if d else (None, None)
        d, ref = cache[f.contract_id]
        if (d is None or is_dispute_action(f.action) or f.code in OFFICE_DUTIES
                or ACTION_RANK[f.action] < ACTION_RANK[NORMAL]):
            out.append(f)
            continue
        significant = ACTION_RANK[f.action] >= ACTION_RANK[IMMEDIATE]
        out.append(replace(
            f, action=dispute_action(ref, dispute_stage(d), significant=significant),
            evidence=f"{f.evidence}; {_dispute_evidence(data, d, ref)}",
            refs=f.refs + (ref,), issue=f.issue_name))  # the issue it had before
    return out
