"""What a risk flag is: a code, a severity, words, evidence and a recommended action.

The recommended actions are the rungs of the strategy's escalation ladder (section 5), from
the mildest to the most serious:

- MONITOR: keep an eye on it;
- NORMAL: raise it at the next quarterly contract meeting (normal contract management, which
  section 5.0 says comes before any dispute procedure);
- INFORMAL: the informal dispute procedure (§5.1), once normal management has not resolved it;
- FORMAL: the formal procedure (§5.2), when an informal dispute is already open;
- IMMEDIATE: a significant failure (§5.0): the PCC may authorise immediate escalation to the
  formal procedure, or terminate the contract, at the PCC's discretion.

A flag on a contract with an open dispute recommends the next stage of that dispute
(``dispute_action``): those words name the register's Disputes row and rank as FORMAL (or
IMMEDIATE for a significant failure), so ``ACTION_RANK`` knows them too.
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
IMMEDIATE = ("The PCC may authorise immediate escalation to the formal procedure, or "
             "terminate the contract, at the PCC's discretion (§5.0)")
ACTIONS = (MONITOR, NORMAL, INFORMAL, FORMAL, IMMEDIATE)

ACTION_MEANING = {
    MONITOR: "Keep an eye on it through normal contract management; no step of the "
             "dispute procedure yet.",
    NORMAL: "Strategy 5.0 keeps the dispute procedure for what normal contract management "
            "cannot resolve: the lead officer raises the issue with the provider at the next "
            "quarterly contract meeting (minuted) and follows it up there. The first time a "
            "KPI is red, a mandatory KPI is missing, a return is late, missing or rejected, "
            "or spending is outside the tolerance.",
    INFORMAL: "Strategy 5.1, once normal contract management has not resolved the issue (a "
              "KPI red for the set number of quarters in a row, a KPI missing a second "
              "quarter running, a return late or missing a second quarter running): the PDM "
              "is told and briefs SMG; the issue is raised with the provider by e-mail or at "
              "the quarterly contract meeting (minuted), and the agreed actions are recorded.",
    FORMAL: "Strategy 5.2, when an informal dispute on the contract is already open and has "
            "not resolved it: the PDM obtains SMG's agreement in writing before the contract "
            "manager gives the provider written notice and asks for a meeting within ten "
            "business days.",
    IMMEDIATE: "Strategy 5.0: a significant service failure (likely to affect at least 10% "
               "of the annual contract value or of the client group, harm through provider "
               "negligence, or reputational risk to the PCC). The PCC may authorise immediate "
               "escalation to the formal procedure (or a higher stage of it), by-passing the "
               "informal procedure, or terminate the contract: it is entirely at the PCC's "
               "discretion.",
}

# The formal procedure's stages (§5.2 steps 1-9), in order; each with the step that follows
# it. The first entry is where an open informal dispute (§5.1) goes next.
DISPUTE_STAGES: tuple[tuple[str, str], ...] = (
    ("informal procedure (§5.1)",
     "obtain SMG's agreement in writing to escalate to the formal procedure (§5.2 step 1)"),
    ("SMG agreement in writing",
     "put the concern in writing to the provider and its escalation contact and request a "
     "meeting within ten business days (§5.2 step 2)"),
    ("written notice",
     "hold the dispute meeting within ten business days of the written notice and record "
     "its outcome for SMG (§5.2 steps 2-3)"),
    ("meeting",
     "agree an action plan with timescales, owners and outcomes, and report progress to the "
     "PDM (§5.2 step 4)"),
    ("action plan",
     "if the action plan fails or cannot be agreed, consider mediation under the CEDR Model "
     "Mediation Procedure (§5.2 step 5)"),
    ("mediation (CEDR)",
     "if mediation is not chosen or does not resolve it, consider arbitration by a single "
     "arbitrator (§5.2 step 6)"),
    ("arbitration",
     "where arbitration is not chosen, refer the dispute to litigation (§5.2 step 7)"),
    ("litigation",
     "after termination or repeated unsatisfactory performance, consider excluding the "
     "provider from tenders for up to five years (§5.2 steps 8-9)"),
    ("exclusion",
     "keep the exclusion (up to five years) under review (§5.2 step 9)"),
)

_DISPUTE_PREFIX = "Next stage of the open dispute"
_SIGNIFICANT_SUFFIX = ("; significant (§5.0): the PCC may authorise a higher stage, or "
                       "terminate the contract, at the PCC's discretion")


def dispute_action(register_ref: str, stage: int, *, significant: bool = False) -> str:
    """The words of the recommended action for a flag on a contract with an open dispute:
    the step after ``stage`` (an index into DISPUTE_STAGES) of the dispute at
    ``register_ref`` (``register.xlsx Disputes row 3``)."""
    reached, step = DISPUTE_STAGES[stage]
    text = f"{_DISPUTE_PREFIX} ({register_ref}, at: {reached}): {step}"
    return text + (_SIGNIFICANT_SUFFIX if significant else "")


def is_dispute_action(action: str) -> bool:
    return action.startswith(_DISPUTE_PREFIX)


class _ActionRank(dict):
    """Rank of an action, higher is more serious; knows ``dispute_action`` words too."""

    def __missing__(self, action):
        if isinstance(action, str) and is_dispute_action(action):
            return self[IMMEDIATE] if action.endswith(_SIGNIFICANT_SUFFIX) else self[FORMAL]
        raise KeyError(action)


ACTION_RANK = _ActionRank({a: i for i, a in enumerate(ACTIONS)})


@dataclass(frozen=True)
class Flag:
    """One risk flag on one contract.

    ``evidence`` is words for people naming where the value came from (``file Sheet!G7``
    or ``register.xlsx Contracts row 4``), the value and the threshold. ``refs`` holds the
    bare places (``file Sheet!G7``) so tests and tools need not parse the words.

    ``issue`` names what the flag is about (``VS02 Contact within 48 hours``): flags of one
    contract with the same issue are one line for SMG. Left empty, the issue is the flag's
    code and its first reference, so a new rule's flags group sensibly without knowing it.
    """

    contract_id: str
    code: str
    severity: str
    detail: str
    evidence: str
    action: str
    refs: tuple[str, ...] = ()
    issue: str = ""

    @property
    def needs_smg(self) -> bool:
        """Red, or an action that goes to SMG (formal procedure or immediate escalation)."""
        return self.severity == RED or ACTION_RANK[self.action] >= ACTION_RANK[FORMAL]

    @property
    def issue_name(self) -> str:
        """What the flag is about, as shown in the Issue column."""
        if self.issue:
            return self.issue
        return f"{self.code}: {self.refs[0]}" if self.refs else self.code

    @property
    def issue_key(self) -> tuple[str, str]:
        return (self.contract_id, self.issue_name)


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

