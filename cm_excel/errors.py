"""The one small exception hierarchy: exceptions mean "cannot go on".

Bad data in a return never raises; it becomes a finding (see cm_excel.findings).
"""


class CmExcelError(Exception):
    """Base class: the CLI prints ``str(exc)`` on one line and exits with ``exit_code``."""

    exit_code = 1


class UsageError(CmExcelError):
    """The user asked for something that cannot be done as asked (bad period, bad path)."""

    exit_code = 2


class RegisterError(CmExcelError):
    """The register has problems; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str], path=None):
        self.problems = list(problems)
        self.path = path
        head = f"{path}: " if path else ""
        super().__init__(f"{head}{len(self.problems)} problem(s) in the register")


class WorkspaceError(CmExcelError):
    """The workspace is missing something or something is in the way (e.g. a file locked by Excel)."""
