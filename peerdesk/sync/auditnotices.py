"""Audit notices: an audit entry someone else needs, published sealed through the team share.

When someone other than a record's author exports it, opens it in an emergency (break-glass)
or reads it with the trust recovery key, the device it happened on publishes that entry as
``audit/<device-id>.<author-id>.<seq>.notice.json`` (``seq`` = the entry's place in that
device's audit trail; the author is the account that synced and signed the file). The entry
is sealed like a changeset's section: a fresh key wrapped with HPKE for each reader (the
record's author and every active coordinator), bound to the file and the reader. Inside, the
entry carries its place in the chain and its actor's own signature, so a reader checks that
the actor herself recorded it. See docs/sync-protocol.md, "Audit notices".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from peerdesk import audit
from peerdesk.crypto import aead, envelope
from peerdesk.crypto.keys import UserKeys, verify
from peerdesk.errors import DecryptionFailed
from peerdesk.sync import format as fmt
from peerdesk.sync import heads
from peerdesk.sync.heads import Listed
from peerdesk.sync.share import Entry

KIND = "audit-notice"
NAME = re.compile(rf"({fmt.UUID})\.({fmt.UUID})\.(\d{{10}})\.notice\.json")
MAX_SIZE = 256 * 1024
MAX_READERS = 1000
PAD = 512


def name(device_id: str, author_id: str, seq: int) -> str:
    return f"{device_id}.{author_id}.{seq:010d}.notice.json"


def split(entries: Iterable[Entry]) -> tuple[list[Entry], dict[str, list[Listed]]]:
    """One listing of ``audit/``: everything that is not a notice (heads, and anything odd),
    and the notices by device, oldest first."""
    rest: list[Entry] = []
    notices: dict[str, list[Listed]] = {}
    for e in entries:
        match = NAME.fullmatch(e.name)
        if match is None or e.kind != "file":
            rest.append(e)
            continue
        item = Listed(match.group(1), match.group(2), int(match.group(3)), e)
        notices.setdefault(item.device, []).append(item)
    for items in notices.values():
        items.sort(key=lambda i: (i.seq, i.entry.name))
    return rest, notices


@dataclass(frozen=True)
class Notice:
    """An entry opened and checked: what happened on which device, to whose record."""

    device: str
    seq: int
    at: datetime
    actor_id: str
    action: str
    record_id: str
    record_author_id: str
    kind: str
    detail: str


def _aad(team_id: str, device_id: str, seq: int) -> bytes:
    return f"peerdesk/audit-notice/v1|{team_id}|{device_id}|{seq}".encode()


def _wrap_context(team_id: str, device_id: str, seq: int, reader_id: str) -> bytes:
    return _aad(team_id, device_id, seq) + f"|{reader_id}".encode()


def build(entry: audit.Notable, *, team_id: str, device_id: str, author_id: str,
          readers: Sequence[tuple[str, bytes]], sign: Callable[[bytes], bytes]) -> bytes:
    """``readers``: (account id, X25519 public key) of everyone meant to read it."""
    key = aead.new_key()
    body = {"at": entry.at.isoformat(), "actor": entry.actor_id, "action": entry.action,
            "record": entry.record_id, "record_author": entry.record_author_id,
            "record_kind": entry.kind, "detail": entry.detail, "prev": entry.prev.hex(),
            "sig": fmt.b64(entry.signature) if entry.signature else ""}
    # Padded to a multiple of PAD bytes: its size tells nothing of the reason's length.
    body["pad"] = " " * (-len(fmt.canonical(body | {"pad": ""})) % PAD)
    wraps = [fmt.b64(envelope.wrap_for_reader(
        public, key, context=_wrap_context(team_id, device_id, entry.seq, reader)))
        for reader, public in readers]
    return fmt.seal_doc(KIND, {
        "team": team_id, "device": device_id, "author": author_id, "seq": entry.seq,
        "readers": wraps,
        "body": fmt.b64(aead.seal(key, fmt.canonical(body),
                                  aad=_aad(team_id, device_id, entry.seq)))}, sign)


def parse(data: bytes, item: Listed, *, team_id: str,
          verify_key: Callable[[str], bytes | None]) -> dict[str, Any]:
    """The signed part, checked against its name, the team and its signer's key; raises
    Tampered (or NewerFormat)."""
    signed = heads.verified(data, item, kind=KIND, number="seq", team_id=team_id,
                            verify_key=verify_key)
    readers = fmt.field(signed, "readers", list)
    if not 0 < item.seq < 10**10 or len(readers) > MAX_READERS:
        raise fmt.Tampered("its number or its list of readers is damaged")
    return signed


def open_(signed: dict[str, Any], item: Listed, *, team_id: str, reader_id: str,
          keys: UserKeys, actor_key: Callable[[str], bytes | None]) -> Notice | None:
    """The entry, if this reader is one of its readers (None if not); raises Tampered when
    it opens but does not hold together. Call only after ``parse``."""
    context = _wrap_context(team_id, item.device, item.seq, reader_id)
    key = None
    for wrap in fmt.field(signed, "readers", list):
        try:
            key = envelope.unwrap(envelope.HPKE_SUITE, fmt.unb64(wrap), own=keys.own,
                                  receive_key=keys.receive_key, context=context)
            break
        except DecryptionFailed:
            continue  # someone else's
    if key is None:
        return None
    try:
        plain = aead.open_(key, fmt.unb64(signed.get("body")),
                           aad=_aad(team_id, item.device, item.seq))
    except DecryptionFailed:
        raise fmt.Tampered("it cannot be decrypted") from None
    body = fmt.load(plain)
    if not isinstance(body, dict):
        raise fmt.Tampered("its content cannot be read")
    texts = {k: fmt.field(body, k, str) for k in (
        "at", "actor", "action", "record", "record_author", "record_kind", "detail", "prev",
        "sig")}
    ids = (texts["actor"], texts["record"], texts["record_author"])
    if not all(re.fullmatch(fmt.UUID, i) for i in ids) or texts["action"] not in audit.NOTABLE \
            or not re.fullmatch(r"[0-9a-f]{64}", texts["prev"]) \
            or not re.fullmatch(r"[a-z_]{1,32}", texts["record_kind"]):
        raise fmt.Tampered("its entry is damaged")
    try:
        at = datetime.fromisoformat(texts["at"])
    except ValueError:
        raise fmt.Tampered("its entry's time is damaged") from None
    if texts["sig"]:
        # The actor's own signature over the entry's place in its device's chain: nobody
        # else, not even whoever published it, can put words in her mouth.
        digest = audit.digest_of(bytes.fromhex(texts["prev"]), item.seq, at, texts["actor"],
                                 texts["action"], texts["record"], texts["detail"])
        public = actor_key(texts["actor"])
        if public is None or not verify(public, fmt.unb64(texts["sig"]), digest):
            raise fmt.Tampered("its entry is not signed by the person it names")
    return Notice(item.device, item.seq, at, texts["actor"], texts["action"], texts["record"],
                  texts["record_author"], texts["record_kind"], texts["detail"])
