"""Signed device heads: where each (device, author) stream ends, published beside the streams.

One file per stream, ``heads/<device-id>.<author-id>.<seq>.json``, signed by the author: the
newest changeset's number and the digest of its file, and how far that device had read every
other stream (``seen``). The number is in the name, so one listing of ``heads/`` tells a
syncing device which streams have something new; a head is read (and its signature checked)
only when its number is past what this user has applied. A device that joins late compares
what it found with the heads: a stream cut short, or a device folder deleted, is reported.
See docs/sync-protocol.md, "Device heads".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from peerdesk.sync import format as fmt
from peerdesk.sync.share import Entry

HEADS = "heads"
HEAD_NAME = re.compile(rf"({fmt.UUID})\.({fmt.UUID})\.(\d{{10}})\.json")
MAX_HEAD = 256 * 1024  # a head names every stream its device read: a few KB for a large team
Stream = tuple[str, str]  # (device id, author id)


def head_name(device_id: str, author_id: str, seq: int) -> str:
    return f"{device_id}.{author_id}.{seq:010d}.json"


@dataclass(frozen=True)
class Listed:
    """A head as the listing shows it: the stream, its number and the file, not yet read."""

    device: str
    author: str
    seq: int
    entry: Entry


@dataclass(frozen=True)
class Head:
    """A head read and verified."""

    device: str
    author: str
    seq: int
    digest: str
    seen: dict[Stream, int] = field(default_factory=dict)


def newest(entries: Iterable[Entry], odd: Callable[[Entry], None]) -> tuple[
        dict[Stream, Listed], list[Listed]]:
    """The newest head of each stream in one listing of ``heads/``, and the older ones (left
    by a crash between writing a head and removing the one before)."""
    best: dict[Stream, Listed] = {}
    older: list[Listed] = []
    for e in entries:
        if e.is_temp:
            continue
        match = HEAD_NAME.fullmatch(e.name)
        if not match or e.kind != "file":
            odd(e)
            continue
        item = Listed(match.group(1), match.group(2), int(match.group(3)), e)
        key = (item.device, item.author)
        if key in best and best[key].seq >= item.seq:
            older.append(item)
            continue
        if key in best:
            older.append(best[key])
        best[key] = item
    return best, older


def build(*, team_id: str, device_id: str, author_id: str, seq: int, digest: str,
          seen: dict[Stream, int], sign: Callable[[bytes], bytes]) -> bytes:
    return fmt.seal_doc("head", {
        "team": team_id, "device": device_id, "author": author_id, "seq": seq,
        "digest": digest,
        "seen": {f"{d}.{a}": n for (d, a), n in sorted(seen.items()) if n > 0}}, sign)


def verified(data: bytes, listed: Listed, *, kind: str, number: str, team_id: str,
             verify_key: Callable[[str], bytes | None]) -> dict[str, Any]:
    """The signed part of a file named ``<device>.<author>.<number>.json`` (a head, an audit
    head), checked against its name, the team and its author's key; raises Tampered (or
    NewerFormat, for a file a newer PeerDesk wrote)."""
    signed, sig = fmt.parse_doc(data, kind)
    device, author = fmt.field(signed, "device", str), fmt.field(signed, "author", str)
    seq = fmt.field(signed, number, int)
    if (device, author, seq) != (listed.device, listed.author, listed.seq):
        raise fmt.Tampered("its name does not match its content (moved or replayed)")
    if signed.get("team") != team_id:
        raise fmt.Tampered("it belongs to another team share")
    key = verify_key(author)
    if key is None:
        raise fmt.Tampered("it is signed by someone this team's administrator has not added")
    fmt.check_signature(kind, signed, sig, key)
    return signed


def parse(data: bytes, listed: Listed, *, team_id: str,
          verify_key: Callable[[str], bytes | None]) -> Head:
    """A head, checked against its name, the team and its author's key; raises Tampered (or
    NewerFormat, for a head a newer PeerDesk wrote)."""
    signed = verified(data, listed, kind="head", number="seq", team_id=team_id,
                      verify_key=verify_key)
    device, author, seq = listed.device, listed.author, listed.seq
    digest = fmt.field(signed, "digest", str)
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise fmt.Tampered("its digest is damaged")
    seen: dict[Stream, int] = {}
    raw = fmt.field(signed, "seen", dict)
    if len(raw) > 10_000:
        raise fmt.Tampered("it names far too many streams")
    for name, n in raw.items():
        parts = name.split(".")
        if (len(parts) != 2 or not all(re.fullmatch(fmt.UUID, p) for p in parts)
                or not isinstance(n, int) or isinstance(n, bool) or not 0 < n < 10**10):
            raise fmt.Tampered("its list of streams read is damaged")
        seen[(parts[0], parts[1])] = n
    return Head(device, author, seq, digest, seen)
