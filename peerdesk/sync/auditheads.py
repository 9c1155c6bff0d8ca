"""Signed audit heads: each device's audit trail anchored on the team share.

One file per device, ``audit/<device-id>.<author-id>.<count>.json``, signed by whoever synced
there (the author in the name): how many entries the device's audit trail held and the hash of
the newest. The count is in the name, so one listing of ``audit/`` shows how far each
device's trail reached without opening anything. A computer whose trail now ends before the
count its own head names has lost entries; one whose entry at that count has another hash was
rewritten. Names and checks are those of device heads (``heads.py``), with ``count`` for
``seq``. See docs/sync-protocol.md, "Audit heads".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from peerdesk.sync import format as fmt
from peerdesk.sync import heads
from peerdesk.sync.heads import Listed
from peerdesk.sync.share import Entry

FOLDER = "audit"
KIND = "audit-head"
MAX_SIZE = 64 * 1024
name = heads.head_name  # <device-id>.<author-id>.<count, 10 digits>.json


@dataclass(frozen=True)
class AuditHead:
    """An audit head read and verified."""

    device: str
    author: str
    count: int
    hash: bytes


def listed(entries: Iterable[Entry], odd: Callable[[Entry], None]) -> dict[str, list[Listed]]:
    """Every audit head in one listing of ``audit/``, by device, the highest count first
    (``Listed.seq`` is the count)."""
    best, older = heads.newest(entries, odd)
    out: dict[str, list[Listed]] = {}
    for item in [*best.values(), *older]:
        out.setdefault(item.device, []).append(item)
    for items in out.values():
        items.sort(key=lambda i: (i.seq, i.entry.name), reverse=True)
    return out


def build(*, team_id: str, device_id: str, author_id: str, count: int, hash_: bytes,
          sign: Callable[[bytes], bytes]) -> bytes:
    return fmt.seal_doc(KIND, {"team": team_id, "device": device_id, "author": author_id,
                               "count": count, "hash": hash_.hex()}, sign)


def parse(data: bytes, item: Listed, *, team_id: str,
          verify_key: Callable[[str], bytes | None]) -> AuditHead:
    """An audit head, checked against its name, the team and its signer's key; raises
    Tampered (or NewerFormat, for one a newer PeerDesk wrote)."""
    signed = heads.verified(data, item, kind=KIND, number="count", team_id=team_id,
                            verify_key=verify_key)
    digest = fmt.field(signed, "hash", str)
    if not re.fullmatch(r"[0-9a-f]{64}", digest) or not 0 < item.seq < 10**10:
        raise fmt.Tampered("its count or hash is damaged")
    return AuditHead(item.device, item.author, item.seq, bytes.fromhex(digest))
