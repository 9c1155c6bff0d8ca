"""What a device remembers between syncs, typed: where it is in each stream it reads and
writes, which account files it has read, what each changeset it wrote carried. Stored as
before (format unchanged); read and written only here."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.dialects.sqlite import insert as upsert

from peerdesk.store import settings
from peerdesk.store.models import CursorRow, PendingRow, ProblemRow, PushedRow, table
from peerdesk.store.records import Queued
from peerdesk.sync import changes
from peerdesk.sync.changes import Change

_CURSORS, _PUSHED, _PENDING = table(CursorRow), table(PushedRow), table(PendingRow)
_PROBLEMS = table(ProblemRow)
SEEN_KEY, ISSUED_KEY = "share_accounts_seen", "share_accounts_issued"
WRITTEN_KEY = "share_accounts_written"


@dataclass(frozen=True)
class Position:
    """A place in a stream of changesets: the last one's number and the digest of its file
    (a snapshot's digest is that of the changeset it stands for)."""

    seq: int = 0
    digest: str = ""

    def text(self) -> str:
        return f"{self.seq} {self.digest}"

    @classmethod
    def parse(cls, text: str | None) -> Position:
        if not text:
            return cls()
        seq, digest = text.split()
        return cls(int(seq), digest)


@dataclass
class AccountFiles:
    """The account files read from the share: each one's size when read (an unchanged size
    is not read again) and the newest issue time seen per account (an older copy put back is
    refused)."""

    sizes: dict[str, int] = field(default_factory=dict)
    issued: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: Connection) -> AccountFiles:
        return cls(json.loads(settings.get(conn, SEEN_KEY) or "{}"),
                   json.loads(settings.get(conn, ISSUED_KEY) or "{}"))

    def save(self, conn: Connection) -> None:
        settings.put(conn, SEEN_KEY, json.dumps(self.sizes, sort_keys=True))
        settings.put(conn, ISSUED_KEY, json.dumps(self.issued, sort_keys=True))


def published(conn: Connection) -> set[str]:
    """Account file names the share is known to hold."""
    return set(json.loads(settings.get(conn, SEEN_KEY) or "{}"))


def published_digests(conn: Connection) -> dict[str, str]:
    """What this device last wrote to each account file (SHA-256, hex)."""
    return dict(json.loads(settings.get(conn, WRITTEN_KEY) or "{}"))


def note_published(conn: Connection, files: dict[str, bytes]) -> None:
    seen = json.loads(settings.get(conn, SEEN_KEY) or "{}")
    settings.put(conn, SEEN_KEY, json.dumps(seen | {n: len(d) for n, d in files.items()},
                                            sort_keys=True))
    digests = published_digests(conn) | {n: hashlib.sha256(d).hexdigest()
                                         for n, d in files.items()}
    settings.put(conn, WRITTEN_KEY, json.dumps(digests, sort_keys=True))


KEYS_SEEN, KEYS_WRITTEN = "share_keys_seen", "share_keys_written"


def keys_seen(conn: Connection) -> dict[str, int | str]:
    """Sealed-keys files read from the share, by name, with the copy read (`Entry.version`;
    a size alone where an older PeerDesk noted it, which is then read once more)."""
    return dict(json.loads(settings.get(conn, KEYS_SEEN) or "{}"))


def note_keys_seen(conn: Connection, seen: dict[str, int | str]) -> None:
    settings.put(conn, KEYS_SEEN, json.dumps(seen, sort_keys=True))


def keys_written(conn: Connection) -> dict[str, str]:
    """What this device last wrote to each sealed-keys file (SHA-256, hex)."""
    return dict(json.loads(settings.get(conn, KEYS_WRITTEN) or "{}"))


def note_keys_written(conn: Connection, name: str, data: bytes) -> None:
    settings.put(conn, KEYS_WRITTEN, json.dumps(
        keys_written(conn) | {name: hashlib.sha256(data).hexdigest()}, sort_keys=True))


# -- this device's own stream -----------------------------------------------------------------

def _own_key(user_id: str) -> str:
    return f"sync_seq/{user_id}"


def own_position(conn: Connection, user_id: str) -> Position:
    return Position.parse(settings.get(conn, _own_key(user_id)))


@dataclass(frozen=True)
class Written:
    """A changeset this device wrote: kept so a removed or damaged one is written again."""

    author_id: str
    seq: int
    digest: str
    size: int
    carried: tuple[Queued, ...]  # the outbox entries it carried, to queue them again


def _ops_json(items: tuple[Queued, ...]) -> str:
    return json.dumps([{"op": q.op, "record_id": q.record_id, "vid": q.vid,
                        "reader_id": q.reader_id} for q in items])


def _ops(text: str) -> tuple[Queued, ...]:
    return tuple(Queued(o["op"], o["record_id"], o.get("vid"), o.get("reader_id"))
                 for o in json.loads(text))


def mark_written(conn: Connection, *, written: Written, at: datetime) -> None:
    """The changeset is on the share (read back and compared): it is this user's position
    now, and remembered with what it carried."""
    conn.execute(upsert(_PUSHED).values(
        author_id=written.author_id, seq=written.seq, digest=written.digest,
        size=written.size, ops=_ops_json(written.carried), at=at).on_conflict_do_nothing())
    settings.put(conn, _own_key(written.author_id),
                 Position(written.seq, written.digest).text())


def written_sizes(conn: Connection, user_id: str) -> dict[int, int]:
    """Each changeset this device wrote and still watches, by number: its size (what a sync
    compares with the listing, without reading what each one carried)."""
    p = _PUSHED.c
    return {seq: size for seq, size in conn.execute(
        select(p.seq, p.size).where(p.author_id == user_id))}


def written_at(conn: Connection, user_id: str, seqs: list[int]) -> list[Written]:
    p = _PUSHED.c
    return [Written(a, seq, digest, size, _ops(ops)) for a, seq, digest, size, ops in conn.execute(
        select(p.author_id, p.seq, p.digest, p.size, p.ops).where(
            p.author_id == user_id, p.seq.in_(seqs)))]


def wraps_due(conn: Connection, user_id: str) -> bool:
    """Whether something of this user's own arrived from her other devices since the keys of
    her shared records were last checked (true until first checked)."""
    return settings.get(conn, f"sync_wraps_due/{user_id}") != "no"


def set_wraps_due(conn: Connection, user_id: str, due: bool) -> None:
    settings.put(conn, f"sync_wraps_due/{user_id}", "yes" if due else "no")


def forget_written(conn: Connection, user_id: str, *, up_to: int | None = None,
                   seq: int | None = None) -> None:
    """Changesets no longer to watch: folded into a snapshot (``up_to``), or one written
    again (``seq``)."""
    p = _PUSHED.c
    query = delete(_PUSHED).where(p.author_id == user_id)
    if up_to is not None:
        query = query.where(p.seq <= up_to)
    if seq is not None:
        query = query.where(p.seq == seq)
    conn.execute(query)


@dataclass(frozen=True)
class OwnSnapshot:
    """This device's newest snapshot for a user: its number, and its files with their sizes
    (the snapshot file and its parts), checked against the folder's listing every sync."""

    seq: int = 0
    files: dict[str, int] = field(default_factory=dict)

    def damaged(self, listing: dict[str, Any]) -> bool:
        """Whether a file of it is gone from the listing or has another size."""
        return any((e := listing.get(name)) is None or e.size != size
                   for name, size in self.files.items())


def _snapshot_key(user_id: str) -> str:
    return f"sync_snapshot/{user_id}"


def own_snapshot(conn: Connection, user_id: str) -> OwnSnapshot:
    raw = json.loads(settings.get(conn, _snapshot_key(user_id)) or "{}")
    return OwnSnapshot(int(raw.get("seq", 0)), {str(k): int(v) for k, v in
                                                 raw.get("files", {}).items()})


def note_snapshot(conn: Connection, user_id: str, snapshot: OwnSnapshot) -> None:
    settings.put(conn, _snapshot_key(user_id),
                 json.dumps({"seq": snapshot.seq, "files": snapshot.files}, sort_keys=True))


# -- other devices' streams ---------------------------------------------------------------------

def cursors(conn: Connection, user_id: str, device_id: str) -> dict[str, Position]:
    """How far this user has read each author's stream from one device."""
    c = _CURSORS.c
    return {author: Position(seq, digest) for author, seq, digest in conn.execute(
        select(c.author_id, c.seq, c.digest).where(c.user_id == user_id,
                                                   c.device_id == device_id))}


def all_cursors(conn: Connection, user_id: str) -> dict[str, dict[str, Position]]:
    """How far this user has read every stream, by device then author: one statement."""
    c = _CURSORS.c
    out: dict[str, dict[str, Position]] = {}
    for device, author, seq, digest in conn.execute(
            select(c.device_id, c.author_id, c.seq, c.digest).where(c.user_id == user_id)):
        out.setdefault(device, {})[author] = Position(seq, digest)
    return out


def stream_ends(conn: Connection, author_id: str, device_id: str) -> dict[str, int]:
    """How far this device has taken in each stream of one author (by any user here), and
    how far it has written hers: device id -> last seq."""
    c = _CURSORS.c
    ends: dict[str, int] = {}
    for device, seq in conn.execute(select(c.device_id, c.seq).where(c.author_id == author_id)):
        ends[device] = max(ends.get(device, 0), seq)
    own = own_position(conn, author_id).seq
    if own:
        ends[device_id] = max(ends.get(device_id, 0), own)
    return ends


def move_cursor(conn: Connection, user_id: str, device_id: str, author_id: str,
                to: Position) -> None:
    c = _CURSORS.c
    conn.execute(upsert(_CURSORS).values(
        user_id=user_id, device_id=device_id, author_id=author_id, seq=to.seq,
        digest=to.digest).on_conflict_do_update(
        index_elements=[c.user_id, c.device_id, c.author_id],
        set_={"seq": to.seq, "digest": to.digest}))


# -- changes waiting for a version from another device ------------------------------------------

def wait_for_version(conn: Connection, user_id: str, author_id: str, record_id: str,
                     change: Change) -> None:
    conn.execute(insert(_PENDING).values(user_id=user_id, author_id=author_id,
                                         record_id=record_id,
                                         entry=json.dumps(changes.to_wire(change))))


def take_waiting(conn: Connection, user_id: str) -> dict[str, list[Change]]:
    """Every waiting change of this user, by author, taken out (applying them again puts
    back those still waiting)."""
    p = _PENDING.c
    rows = conn.execute(select(p.id, p.author_id, p.entry).where(p.user_id == user_id)).all()
    if rows:
        conn.execute(delete(_PENDING).where(p.id.in_([r.id for r in rows])))
    out: dict[str, list[Change]] = {}
    for row in rows:
        out.setdefault(row.author_id, []).append(changes.from_wire(json.loads(row.entry)))
    return out


def drop_waiting(conn: Connection, record_ids: list[str]) -> None:
    conn.execute(delete(_PENDING).where(_PENDING.c.record_id.in_(record_ids)))


# -- problems reported once -----------------------------------------------------------------------

def first_report(conn: Connection, key: str, message: str, *, at: datetime) -> bool:
    """True the first time a problem is seen (and remembers it)."""
    return conn.execute(upsert(_PROBLEMS).values(key=key[:300], message=message, at=at)
                        .on_conflict_do_nothing()).rowcount == 1
