"""What a risk flag is: a code, a severity, words, evidence and a recommended action.

The recommended actions are the steps of the strategy's dispute resolution procedure
(section 5), from the mildest to the most serious.
"""

from __future__ import annotations

from dataclasses import dataclass

RED = "Red"
AMBER = "Amber"
SEVERITIES = (RED, AMBER)
SEVERITY_RANK = {RED: 0, AMBER: 1}  # sort key: Red first

MONITOR = "Monitor"
NORMAL = ("Raise at the next quarterly contract meeting "
          "(normal contract management)")
INFORMAL = ("Raise with the provider in writing or at the quarterly meeting "
            "(informal procedure, §5.1)")
FORMAL = "Brief SMG and consider the formal procedure (§5.2)"
IMMEDIATE = "SMG may authorise immediate formal escalation (§5.0)"
ACTIONS = (MONITOR, NORMAL, INFORMAL, FORMAL, IMMEDIATE)
ACTION_RANK = {a: i for i, a in enumerate(ACTIONS)}  # higher is more serious

ACTION_MEANING = {
    MONITOR: "Keep an eye on it through normal contract management; no step of the "
             "dispute procedure yet.",
    NORMAL: "Strategy 5.0 keeps the dispute procedure for what normal contract management "
            "cannot resolve: the lead officer raises the issue with the provider at the next "
            "quarterly contract meeting (minuted) and follows it up there.",
    INFORMAL: "Strategy 5.1: the PDM is told and briefs SMG; the issue is raised with the "
              "provider by e-mail or at the quarterly contract meeting (minuted), and the "
              "agreed actions are recorded.",
    FORMAL: "Strategy 5.2: the PDM briefs SMG and obtains its agreement in writing before "
            "the contract manager gives the provider written notice and asks for a meeting "
            "within ten business days.",
    IMMEDIATE: "Strategy 5.0: a significant service failure; SMG may authorise going "
               "straight to the formal procedure (or a higher stage of it), by-passing the "
               "informal procedure.",
}


@dataclass(frozen=True)
class Flag:
    """One risk flag on one contract.

    ``evidence`` is words for people naming where the value came from (``file Sheet!G7``
    or ``register.xlsx Contracts row 4``), the value and the threshold. ``refs`` holds the
    bare places (``file Sheet!G7``) so tests and tools need not parse the words.
    """

    contract_id: str
    code: str
    severity: str
    detail: str
    evidence: str
    action: str
    refs: tuple[str, ...] = ()

    @property
    def needs_smg(self) -> bool:
        """Red, or an action that goes to SMG (formal procedure or immediate escalation)."""
        return self.severity == RED or ACTION_RANK[self.action] >= ACTION_RANK[FORMAL]


def most_serious_action(actions) -> str:
    """The most serious of ``actions``; Monitor when there are none."""
    return max(actions, key=ACTION_RANK.__getitem__, default=MONITOR)


def worst_severity(severities) -> str | None:
    """Red if any is Red, Amber if any is Amber, else None."""
    found = set(severities)
    for s in SEVERITIES:
        if s in found:
            return s
    return None
