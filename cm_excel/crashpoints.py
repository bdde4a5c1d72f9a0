"""A test-only hook: stop the process dead at a named point, as a power cut or kill would.

When ``CM_EXCEL_CRASH_AT`` is ``<point>`` or ``<point>@<n>``, the n-th (default first)
time the engine passes ``crashpoint(<point>)`` the process ends at once with
``os._exit(137)`` (no cleanup, no flushing, like SIGKILL). Unset, a crashpoint costs one
dictionary lookup. The crash tests use it to prove that a run stopped anywhere loses
nothing and that the next run finishes the work exactly as an uninterrupted run would.
"""

from __future__ import annotations

import os

ENV = "CM_EXCEL_CRASH_AT"
_passed: dict[str, int] = {}


def crashpoint(point: str) -> None:
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    name, _, nth = wanted.partition("@")
    if name != point:
        return
    _passed[point] = _passed.get(point, 0) + 1
    if _passed[point] >= int(nth or 1):
        os._exit(137)
