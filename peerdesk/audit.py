"""Tamper-evident audit trail: each entry hashes the one before it and, when a user is
signed in, carries her Ed25519 signature. Entries hold ids and actions, never content."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, or_, select
from sqlalchemy.orm import Session

from peerdesk.crypto.keys import verify
from peerdesk.store.db import Store
from peerdesk.store.models import AuditRow, RecordRow, table

GENESIS = b"\x00" * 32
_AUDIT = table(AuditRow)
_RECORDS = table(RecordRow)
# Built once: an entry is appended inside every save.
_LAST = select(_AUDIT.c.seq, _AUDIT.c.hash).order_by(_AUDIT.c.seq.desc()).limit(1)
_INSERT = insert(_AUDIT)

# What is audited. Reads are single-record opens; lists are one entry, not one per row.
UNLOCK, UNLOCK_FAILED, LOCK = "unlock", "unlock-failed", "lock"
READ, SAVE, DELETE, SHARE, UNSHARE = "read", "save", "delete", "share", "unshare"
EXPORT, ERASE, PASSPHRASE_CHANGED, ACCOUNT_CREATED = "export", "erase", "passphrase", "account"
# Information governance (peerdesk/services/consent.py, governance.py).
CONSENT, EXPORT_REFUSED, BREAK_GLASS = "consent", "export-refused", "break-glass"
SUBJECT_ACCESS, DISPOSE, AUDIT_EXPORT = "subject-access", "dispose", "audit-export"
# Membership (peerdesk/services/membership.py): a certificate an administrator signed.
CERTIFIED = "certified"
# Continuity of support (peerdesk/services/handover.py): a person's support handed over, shared
# or covered, on the computer that did it and on the new peer's when it arrives there.
HANDOVER, HANDOVER_RECEIVED = "handover", "handover-received"
# A sync run (peerdesk/services/sync.py): counts only. A sync that only syncs does not move the
# trail's anchor on the team share, so a sync with nothing new writes nothing there.
SYNC = "sync"
_ROUTINE = (SYNC, LOCK, UNLOCK)


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor_id: str | None
    action: str
    record_id: str | None
    detail: str


def digest_of(prev: bytes, seq: int, at: datetime, actor: str | None, action: str,
              record_id: str | None, detail: str) -> bytes:
    """An entry's chained hash: SHA-256 of the previous hash and the entry's canonical JSON."""
    body = json.dumps([seq, at.isoformat(), actor, action, record_id, detail],
                      separators=(",", ":")).encode()
    return hashlib.sha256(prev + body).digest()


def append(conn: Connection, *, at: datetime, actor_id: str | None, action: str,
           record_id: str | None = None, detail: str = "",
           sign: Callable[[bytes], bytes] | None = None) -> None:
    """One entry after the newest, in the caller's transaction (so it commits or rolls back
    with what it records)."""
    last = conn.execute(_LAST).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    digest = digest_of(prev, seq, at, actor_id, action, record_id, detail)
    conn.execute(_INSERT, {
        "seq": seq, "at": at, "actor_id": actor_id, "action": action, "record_id": record_id,
        "detail": detail, "prev_hash": prev, "hash": digest,
        "signature": sign(digest) if sign else None})


_LATE = "written late: this computer could not save when it happened"


@dataclass(frozen=True)
class LateEntry:
    """An entry that could not be written when it happened (the disk was full or read-only),
    appended when it can be: with the time it happened, unsigned (no key is kept for it after
    the session ends), and saying so. Kept as plain data, so it outlives PeerDesk closing
    while the disk is still full (``Store.close`` keeps it outside the data folder)."""

    at: datetime
    actor_id: str | None
    action: str
    record_id: str | None = None
    detail: str = ""

    def __call__(self, conn: Connection) -> None:
        append(conn, at=self.at, actor_id=self.actor_id, action=self.action,
               record_id=self.record_id,
               detail=f"{self.detail}; {_LATE}" if self.detail else _LATE)

    def to_json(self) -> dict[str, str | None]:
        return {"at": self.at.isoformat(), "actor_id": self.actor_id, "action": self.action,
                "record_id": self.record_id, "detail": self.detail}

    @classmethod
    def from_json(cls, data: Mapping[str, str | None]) -> LateEntry:
        return cls(datetime.fromisoformat(str(data["at"])), data.get("actor_id"),
                   str(data["action"]), data.get("record_id"), str(data.get("detail") or ""))


def written_late(*, at: datetime, actor_id: str | None, action: str,
                 record_id: str | None = None, detail: str = "") -> LateEntry:
    return LateEntry(at, actor_id, action, record_id, detail)


def resume_late(store: Store) -> None:
    """Entries a run of PeerDesk closed on a full disk kept: waiting again, first in line."""
    kept = [LateEntry.from_json(d) for d in store.kept_waiting()]
    store.pending[:0] = kept


def verify_chain(session: Session, verify_keys: Mapping[str, bytes]) -> list[str]:
    """Every problem found, as sentences; an empty list means the trail is intact."""
    problems: list[str] = []
    prev, expected_seq = GENESIS, 1
    for row in session.scalars(select(AuditRow).order_by(AuditRow.seq)):
        where = f"Audit entry {row.seq}"
        if row.seq != expected_seq:
            problems.append(f"Audit entries {expected_seq} to {row.seq - 1} are missing.")
        if row.prev_hash != prev:
            problems.append(f"{where} does not follow the entry before it (removed or reordered).")
        digest = digest_of(row.prev_hash, row.seq, row.at, row.actor_id, row.action,
                         row.record_id, row.detail)
        if digest != row.hash:
            problems.append(f"{where} was changed after it was written.")
        if row.signature is not None:
            key = verify_keys.get(row.actor_id or "")
            if key is None or not verify(key, row.signature, row.hash):
                problems.append(f"{where} has a signature that does not match its author.")
        prev, expected_seq = row.hash, row.seq + 1
    return problems


def entries(session: Session, *, record_id: str | None = None) -> list[AuditEntry]:
    query = select(AuditRow).order_by(AuditRow.seq)
    if record_id:
        query = query.where(AuditRow.record_id == record_id)
    return [AuditEntry(r.seq, r.at, r.actor_id, r.action, r.record_id, r.detail)
            for r in session.scalars(query)]


# -- the anchor: how far this trail reached when it was last published -----------------------

@dataclass(frozen=True)
class Anchor:
    """How many entries a trail held, and the hash of the newest (a signed audit head)."""

    count: int
    hash: bytes


def newest(conn: Connection) -> Anchor:
    """This trail's own anchor as it stands now (count 0 for an empty trail)."""
    last = conn.execute(_LAST).first()
    return Anchor(int(last[0]), bytes(last[1])) if last else Anchor(0, GENESIS)


def grew_since(conn: Connection, count: int) -> bool:
    """Whether anything worth anchoring was recorded after entry ``count``: anything but
    syncing, signing in or out and someone opening her own records (those are anchored with
    the next entry of another kind), so a sync with nothing new writes nothing."""
    rec = _RECORDS.c
    query = select(_AUDIT.c.seq).select_from(
        _AUDIT.outerjoin(_RECORDS, rec.id == _AUDIT.c.record_id)).where(
        _AUDIT.c.seq > count, _AUDIT.c.action.not_in(_ROUTINE),
        or_(_AUDIT.c.action != READ, rec.author_id.is_(None), _AUDIT.c.actor_id.is_(None),
            rec.author_id != _AUDIT.c.actor_id)).limit(1)
    return conn.execute(query).first() is not None


def anchor_problem(conn: Connection, anchor: Anchor, where: str) -> str | None:
    """One sentence if this trail no longer holds what ``anchor`` names; ``where`` says
    where the anchor was found ("this computer's signed audit head on the team share")."""
    ours = newest(conn)
    if ours.count < anchor.count:
        first = ours.count + 1
        which = (f"entry {first} was" if first == anchor.count
                 else f"entries {first} to {anchor.count} were")
        return (f"The audit trail on this computer ends at entry {ours.count}, but {where} "
                f"says it held {anchor.count}: {which} removed from this computer.")
    held = conn.scalar(select(_AUDIT.c.hash).where(_AUDIT.c.seq == anchor.count))
    if held is None or bytes(held) != anchor.hash:
        return (f"Audit entry {anchor.count} on this computer is not the one {where} names: "
                "the trail was rewritten from there.")
    return None


# -- what other people need to know: published, sealed, through the team share ---------------

# Someone other than a record's author exported it, opened it in an emergency, or read it
# with the trust recovery key: its author and the coordinators learn it on every device.
NOTABLE = (BREAK_GLASS, EXPORT, READ)
RECOVERY_READ = "recovery key"


@dataclass(frozen=True)
class Notable:
    """A local entry about someone else's record, with what readers elsewhere need to check
    it (its place in the chain and its author's signature) and to show it."""

    seq: int
    at: datetime
    actor_id: str
    action: str
    record_id: str
    detail: str
    prev: bytes
    hash: bytes
    signature: bytes | None
    record_author_id: str
    kind: str


def notable_since(conn: Connection, seq: int) -> list[Notable]:
    """Entries after ``seq`` that someone else needs: an export, a break-glass opening or a
    recovery-key read of a record by someone other than its author."""
    rec = _RECORDS.c
    rows = conn.execute(
        select(_AUDIT, rec.author_id, rec.kind)
        .outerjoin(_RECORDS, rec.id == _AUDIT.c.record_id)
        .where(_AUDIT.c.seq > seq, _AUDIT.c.action.in_(NOTABLE),
               _AUDIT.c.actor_id.is_not(None), _AUDIT.c.record_id.is_not(None))
        .order_by(_AUDIT.c.seq))
    out = []
    for r in rows:
        # A record opened from the team share alone is not on this computer: its entry names
        # its author and kind (peerdesk/services/igrecovery.py).
        named = dict(p.split("=", 1) for p in r.detail.split("; ") if "=" in p)
        author, kind = r.author_id or named.get("author"), r.kind or named.get("kind")
        if not author or not kind or author == r.actor_id:
            continue
        if r.action == READ and not r.detail.startswith(RECOVERY_READ):
            continue
        out.append(Notable(r.seq, r.at, r.actor_id, r.action, r.record_id, r.detail,
                           bytes(r.prev_hash), bytes(r.hash),
                           bytes(r.signature) if r.signature is not None else None,
                           author, kind))
    return out
