"""Grouping records by contract once, so asking per contract stays linear.

A national portfolio has a thousand contracts and tens of thousands of rows; scanning every
row for each contract is quadratic and was most of the time of a large consolidation.
"""

from __future__ import annotations

from typing import Callable, Iterable, TypeVar

T = TypeVar("T")


def by_contract(items: Iterable[T], key: Callable[[T], str] | None = None) -> dict[str, list[T]]:
    """``items`` grouped by contract ID (``item.contract_id``, or ``key(item)``), each group
    in the items' order."""
    grouped: dict[str, list[T]] = {}
    for item in items:
        grouped.setdefault(key(item) if key else item.contract_id, []).append(item)
    return grouped


def cached_by_contract(owner, name: str) -> dict[str, list]:
    """``owner.<name>`` (a tuple that never changes) grouped by contract, computed once and
    kept on ``owner`` (frozen dataclasses included)."""
    cache = owner.__dict__.setdefault("_grouped", {})
    if name not in cache:
        cache[name] = by_contract(getattr(owner, name))
    return cache[name]


__all__ = ["by_contract", "cached_by_contract"]
