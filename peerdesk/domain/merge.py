"""The merge decision per record: versions form a graph through their parents; heads decide.

A version that no other version names as a parent is a head. One head: that is the record.
Several heads: they were saved concurrently on different devices; the newest by hybrid
logical clock is shown, the others are kept, and the record is marked as a conflict for the
user to resolve. A deletion never beats an edit it did not see: while any head is a live
edit, the record stays live (and in conflict). Nothing is ever dropped by a merge.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class VersionNode:
    version: int
    vid: str
    hlc: str
    parents: tuple[str, ...]
    tombstone: bool
    saved_at: datetime


@dataclass(frozen=True)
class Outcome:
    winner: VersionNode
    heads: tuple[VersionNode, ...]
    deleted: bool
    conflict: bool


def decide(nodes: Iterable[VersionNode]) -> Outcome:
    nodes = list(nodes)
    named = {p for n in nodes for p in n.parents}
    heads = sorted((n for n in nodes if n.vid not in named), key=lambda n: n.hlc)
    live = [n for n in heads if not n.tombstone]
    if live:
        return Outcome(live[-1], tuple(heads), False, len(heads) > 1)
    return Outcome(heads[-1], tuple(heads), True, False)


def parse_parents(text: str) -> tuple[str, ...]:
    """Parents as stored: vids separated by spaces."""
    return tuple(text.split()) if text else ()


def join_parents(vids: Iterable[str]) -> str:
    return " ".join(vids)
