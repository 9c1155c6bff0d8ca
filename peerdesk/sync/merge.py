"""Merge per record: versions form a graph through their parents; the heads decide.

A version that no other version names as a parent is a head. One head: that is the record.
Several heads: they were saved concurrently on different devices; the newest by hybrid
logical clock is shown, the others are kept, and the record is marked as a conflict for the
user to resolve. A deletion never beats an edit it did not see: while any head is a live
edit, the record stays live (and in conflict). Nothing is ever dropped by a merge.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.orm import Session

from peerdesk.crypto import envelope
from peerdesk.crypto.keys import UserKeys
from peerdesk.store.models import (
    Base,
    DraftRow,
    OutboxRow,
    ReaderRow,
    RecordRow,
    VersionRow,
    WrapRow,
)

_CHUNK = 500


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


def table(model: type[Base]) -> Table:
    """A model's table, for Core bulk statements (executemany without the ORM's overhead)."""
    return cast(Table, model.__table__)


def decide(nodes: Iterable[VersionNode]) -> Outcome:
    nodes = list(nodes)
    named = {p for n in nodes for p in n.parents}
    heads = sorted((n for n in nodes if n.vid not in named), key=lambda n: n.hlc)
    live = [n for n in heads if not n.tombstone]
    if live:
        return Outcome(live[-1], tuple(heads), False, len(heads) > 1)
    return Outcome(heads[-1], tuple(heads), True, False)


def parse_parents(text: str) -> tuple[str, ...]:
    return tuple(text.split()) if text else ()


def load_nodes(s: Session, record_ids: list[str]) -> dict[str, list[VersionNode]]:
    nodes: dict[str, list[VersionNode]] = defaultdict(list)
    for i in range(0, len(record_ids), _CHUNK):
        chunk = record_ids[i:i + _CHUNK]
        for rid, version, vid, hlc, parents, tomb, saved in s.execute(
            select(VersionRow.record_id, VersionRow.version, VersionRow.vid, VersionRow.hlc,
                   VersionRow.parents, VersionRow.tombstone, VersionRow.saved_at)
            .where(VersionRow.record_id.in_(chunk))
        ):
            nodes[rid].append(VersionNode(version, vid, hlc, parse_parents(parents), tomb, saved))
    return nodes


def outcome(s: Session, record_id: str) -> Outcome:
    return decide(load_nodes(s, [record_id])[record_id])


def refresh(s: Session, record_ids: Iterable[str]) -> int:
    """Recompute each record's shown version, deletion and conflict. Returns how many are in
    conflict afterwards."""
    ids = list(dict.fromkeys(record_ids))
    if not ids:
        return 0
    changes, conflicts = [], 0
    for rid, nodes in load_nodes(s, ids).items():
        out = decide(nodes)
        conflicts += out.conflict
        changes.append({
            "rid": rid, "head_version": out.winner.version, "conflict": out.conflict,
            "deleted_at": out.winner.saved_at if out.deleted else None,
            "updated_at": max(n.saved_at for n in nodes),
        })
    if changes:
        records = table(RecordRow)
        # Core executemany: one statement for thousands of records on a first sync.
        s.execute(update(records).where(records.c.id == bindparam("rid")), changes)
    return conflicts


def erase_records(s: Session, ids: list[str], *, now: datetime) -> None:
    """Destroy every wrapped key and every ciphertext of these records: unreadable for good."""
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i:i + _CHUNK]
        s.execute(delete(WrapRow).where(WrapRow.record_id.in_(chunk)))
        s.execute(update(VersionRow).where(VersionRow.record_id.in_(chunk))
                  .values(ciphertext=None, private_ciphertext=None))
        s.execute(delete(ReaderRow).where(ReaderRow.record_id.in_(chunk)))
        s.execute(delete(DraftRow).where(DraftRow.record_id.in_(chunk)))
        # Nothing of an erased record may still go out to the share.
        s.execute(delete(OutboxRow).where(OutboxRow.record_id.in_(chunk),
                                          OutboxRow.op != "erase"))
        s.execute(update(RecordRow).where(RecordRow.id.in_(chunk), RecordRow.erased_at.is_(None))
                  .values(erased_at=now))


def add_reader_wrap(s: Session, keys: UserKeys, user_id: str, ver: VersionRow, reader_id: str,
                    public: bytes) -> bool:
    """Give one more reader the key of one of the user's versions, and queue it for the share.
    False if there is nothing to do (already wrapped, or no key of her own to unwrap)."""
    own = s.get(WrapRow, (ver.record_id, ver.version, user_id))
    if own is None or s.get(WrapRow, (ver.record_id, ver.version, reader_id)) is not None:
        return False
    content_key = envelope.unwrap(
        own.suite, own.wrapped, vault=keys.vault, receive_key=keys.receive_key,
        context=envelope.wrap_context(ver.record_id, ver.vid, user_id))
    s.add(WrapRow(record_id=ver.record_id, version=ver.version, reader_id=reader_id,
                  suite=envelope.HPKE_SUITE,
                  wrapped=envelope.wrap_for_reader(
                      public, content_key,
                      context=envelope.wrap_context(ver.record_id, ver.vid, reader_id))))
    s.add(OutboxRow(user_id=user_id, op="wrap", record_id=ver.record_id, vid=ver.vid,
                    reader_id=reader_id))
    return True
