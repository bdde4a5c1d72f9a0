"""One issue, one line: the flags of a contract about the same thing, grouped for SMG.

Several rules may speak about one problem (a KPI red, red again, and significant; an
overspend that is also significant). The Risk Flags sheet keeps every rule's row, with an
Issue column; the Summary, the console and the cover note show one line per issue with its
highest severity and its strongest recommended action. Flags group by ``Flag.issue_key``:
the contract and ``Flag.issue`` when a rule names one, else the flag's code and its first
reference (so a flag from a rule that names no issue is a line of its own).
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import ACTION_RANK, FORMAL, RED, SEVERITY_RANK, Flag, most_serious_action, worst_severity


@dataclass(frozen=True)
class Issue:
    """The flags of one contract about one thing, most serious first."""

    contract_id: str
    name: str
    flags: tuple[Flag, ...]

    @property
    def lead(self) -> Flag:
        """The most serious flag: its detail speaks for the issue."""
        return self.flags[0]

    @property
    def severity(self) -> str:
        return worst_severity(f.severity for f in self.flags) or self.lead.severity

    @property
    def action(self) -> str:
        return most_serious_action(f.action for f in self.flags)

    @property
    def codes(self) -> tuple[str, ...]:
        """Each flag code once, most serious first."""
        return tuple(dict.fromkeys(f.code for f in self.flags))

    @property
    def detail(self) -> str:
        return self.lead.detail

    @property
    def needs_smg(self) -> bool:
        """Red, or an action that goes to SMG (formal procedure or above)."""
        return self.severity == RED or ACTION_RANK[self.action] >= ACTION_RANK[FORMAL]

    def line(self) -> str:
        """One line for a terminal: ``VS-001 VS02 ...: Red; <action> (CODES)``."""
        return (f"{self.contract_id} {self.name}: {self.severity}; {self.action} "
                f"({', '.join(self.codes)})")


def issue_sort_key(issue: Issue):
    """Strongest action first, then severity, then contract and the lead flag's order."""
    from . import flag_sort_key

    return (-ACTION_RANK[issue.action], SEVERITY_RANK.get(issue.severity, 9),
            flag_sort_key(issue.lead), issue.name)


def group_issues(flags) -> list[Issue]:
    """Every issue the flags raise, most serious first (``issue_sort_key``)."""
    from . import attention_sort_key

    grouped: dict[tuple[str, str], list[Flag]] = {}
    for f in flags:
        grouped.setdefault(f.issue_key, []).append(f)
    issues = [Issue(cid, name, tuple(sorted(fs, key=attention_sort_key)))
              for (cid, name), fs in grouped.items()]
    return sorted(issues, key=issue_sort_key)


def attention_issues(flags) -> list[Issue]:
    """The issues that need SMG's attention first: any Red, or formal procedure and above."""
    return [i for i in group_issues(flags) if i.needs_smg]
