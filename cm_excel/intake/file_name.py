"""What a return's file name claims about it: contract IDs and period tokens.

File names can be anything (providers rename files), so a name is only read for what it
*clearly* says: a contract ID of the register standing as a token of its own
(``VS-002_performance.xlsx``, ``vs-002 return``), a quarter token (``Q3``, ``2026-27-Q3``,
``2026-27 Q3``) and a financial year (``2026-27``, ``2026_27``). Ingest compares these
claims with the workbook's metadata and holds a return whose name disagrees
(``held.name_findings``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePath

_QUARTER = re.compile(r"(?<![A-Za-z0-9])Q([1-4])(?![0-9])", re.IGNORECASE)
_RUN = re.compile(r"[A-Za-z0-9]+")
_FY = re.compile(r"(?<![0-9])((?:19|20)\d\d)\s*[-_/]\s*(\d\d)(?![0-9])")


@dataclass(frozen=True)
class NameClaims:
    """What a file name says; empty sets when it says nothing of that kind."""

    contract_ids: frozenset[str]  # register IDs, spelled as in the register
    quarters: frozenset[int]  # 1..4
    fys: frozenset[int]  # financial years (start year)


def name_claims(name: str, contract_ids: Iterable[str]) -> NameClaims:
    """The contract IDs (of ``contract_ids``), quarters and financial years named in ``name``.

    An ID found only inside a longer ID that is also found (``VS-001`` in ``VS-001-B``)
    does not count. A four-digit year followed by two digits counts as a financial year
    only when they are consecutive years (``2026-27``, not the ``2026-12`` of a date).
    """
    stem = PurePath(name).stem
    folded = stem.casefold()
    by_key, odd = _index(tuple(contract_ids))
    spans: list[tuple[int, int, str]] = []
    # An ID stands between two non-alphanumerics, so it starts where a run of letters and
    # digits starts and ends where one ends: the name's few such substrings are looked up,
    # whatever the size of the register.
    runs = [(m.start(), m.end()) for m in _RUN.finditer(folded)]
    for i, (start, _end) in enumerate(runs):
        for _start, end in runs[i:]:
            cid = by_key.get(folded[start:end])
            if cid is not None:
                spans.append((start, end, cid))
    for cid in odd:  # IDs that begin or end with another character: searched for
        key = cid.casefold()
        start = folded.find(key)
        while start >= 0:
            end = start + len(key)
            if not _alnum_at(folded, start - 1) and not _alnum_at(folded, end):
                spans.append((start, end, cid))
            start = folded.find(key, start + 1)
    ids = frozenset(cid for start, end, cid in spans
                    if not any(s <= start and end <= e and (e - s) > (end - start)
                               for s, e, _ in spans))
    fys = frozenset(int(m.group(1)) for m in _FY.finditer(stem)
                    if int(m.group(2)) == (int(m.group(1)) + 1) % 100)
    quarters = frozenset(int(m.group(1)) for m in _QUARTER.finditer(stem))
    return NameClaims(ids, quarters, fys)


def _alnum_at(text: str, i: int) -> bool:
    """True when ``text[i]`` exists and is an ASCII letter or digit (an ID's neighbour
    that would make it part of a longer token)."""
    return 0 <= i < len(text) and text[i].isascii() and text[i].isalnum()


@lru_cache(maxsize=4)
def _index(contract_ids: tuple[str, ...]) -> tuple[dict[str, str], tuple[str, ...]]:
    """The register's IDs by their folded spelling, and those not between letters or digits
    at both ends (kept apart: the look-up by runs cannot find them)."""
    by_key, odd = {}, []
    for cid in contract_ids:
        key = cid.casefold()
        if key and _alnum_at(key, 0) and _alnum_at(key, len(key) - 1):
            by_key.setdefault(key, cid)
        elif key:
            odd.append(cid)
    return by_key, tuple(odd)
