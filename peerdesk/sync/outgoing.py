"""The outbox (ids only) as changes to send: each with its ciphertext and wrapped keys, and
who may read it, so changes go into sections sealed for exactly those readers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from peerdesk.domain import Kind, Role
from peerdesk.domain import hlc as clock
from peerdesk.domain.merge import parse_parents
from peerdesk.store import records
from peerdesk.store.models import (
    AccountRow,
    ErasedPersonRow,
    ReaderClockRow,
    ReaderRow,
    RecordRow,
    VersionRow,
    WrapRow,
    table,
)
from peerdesk.store.records import Queued, Wrap
from peerdesk.sync import certs, changes
from peerdesk.sync.changes import Change, ErasureChange, SharingChange, VersionChange

Section = tuple[list[tuple[str, bytes]], list[dict[str, Any]]]  # (readers and keys, entries)
_R, _V, _W = table(RecordRow).c, table(VersionRow).c, table(WrapRow).c
_A, _RD, _E = table(AccountRow).c, table(ReaderRow).c, table(ErasedPersonRow).c


class Outgoing:
    """Builds changes for one user from this device's vault, in the caller's transaction."""

    def __init__(self, conn: Connection, user_id: str, device_id: str, now: datetime, *,
                 recovery: tuple[str, bytes] | None = None) -> None:
        self.conn, self.user_id, self.device_id, self.now = conn, user_id, device_id, now
        # Only members whose certificates hold are readers of what goes out: one removed (or
        # never approved) gets no section key, whatever the vault's wraps and sharing say.
        current = certs.active(conn)
        accounts = conn.execute(select(_A.id, _A.receive_public)).all()
        self.publics = {a.id: a.receive_public for a in accounts
                        if a.id in current or a.id == user_id}
        self.coordinators = frozenset(i for i, a in current.items()
                                      if a.role is Role.COORDINATOR)
        if recovery is not None:
            # The trust recovery key reads every section holding a version wrapped for it, so
            # the share alone holds what IG can open with it (the key stays offline).
            self.publics[recovery[0]] = recovery[1]

    def sections(self, groups: dict[frozenset[str], list[Change]]) -> list[Section]:
        """Changes grouped by who may read them, each group with its readers' keys."""
        return [([(r, self.publics[r]) for r in sorted(readers) if r in self.publics],
                 [changes.to_wire(c) for c in items]) for readers, items in groups.items()]

    def build(self, rows: list[tuple[int, Queued]]) -> dict[int, tuple[frozenset[str], Change]]:
        """Each outbox entry (by its place) as a change and its readers; an entry with nothing
        left to send (its record erased or gone since) is left out."""
        held = _Held.load(self.conn, list({q.record_id for _, q in rows}))
        out: dict[int, tuple[frozenset[str], Change]] = {}
        for seq, q in rows:
            if q.op == "erase":
                out[seq] = self._erasure(q)
                continue
            rec = held.records.get(q.record_id)
            if rec is None or rec.erased_at is not None or rec.author_id != self.user_id:
                continue  # erased since: nothing of it may leave this computer
            item = (self._version(q, rec, held) if q.op in {"version", "wrap"}
                    else self._sharing(q, rec) if q.op == "reader" and q.reader_id else None)
            if item is not None:
                out[seq] = item
        return out

    def _erasure(self, q: Queued) -> tuple[frozenset[str], Change]:
        reading = self.conn.scalar(select(_E.hlc).where(_E.person_id == q.record_id))
        # Every supporter of the person hears of it too (a handover or shared support): the
        # peer who registered them, and whoever read this user's records about them.
        mine = records.about(self.conn, q.record_id, author_id=self.user_id)
        told = set(self.coordinators)
        registered = self.conn.scalar(select(_R.author_id).where(_R.id == q.record_id))
        if registered is not None and registered != self.user_id:
            told.add(registered)
        clocks = table(ReaderClockRow).c
        told |= set(self.conn.scalars(select(clocks.reader_id).where(
            clocks.record_id.in_(mine or [""]))))
        return frozenset(r for r in told if r in self.publics), ErasureChange(
            q.record_id, tuple(records.about(self.conn, q.record_id, author_id=self.user_id)),
            reading or clock.zero(self.device_id))

    def _version(self, q: Queued, rec: Any, held: _Held) -> tuple[frozenset[str], Change] | None:
        me = self.user_id
        ver = held.versions.get((q.record_id, q.vid or ""))
        if ver is None:
            return None
        ks = held.keys.get((q.record_id, ver.version), [])
        if q.op == "version":
            # Whoever holds its key, and whoever it is shared with now (so a deletion reaches
            # the coordinator too).
            readers = {k.reader_id for k in ks if k.reader_id != me} | held.sharing[rec.id]
        else:
            # A key given to one more reader (sharing, or a version from another device after
            # sharing reached it): she gets the whole version, since the version itself may
            # have gone out before she could read it.
            if not any(k.reader_id == q.reader_id for k in ks):
                return None
            readers = {q.reader_id or ""}
        return frozenset(readers), VersionChange(
            rec.id, Kind(rec.kind), me, rec.person_id, rec.created_at, ver.vid, ver.hlc,
            ver.device_id, parse_parents(ver.parents), ver.saved_at, ver.tombstone, ver.suite,
            ver.ciphertext, ver.private_ciphertext, tuple(ks))

    def _sharing(self, q: Queued, rec: Any) -> tuple[frozenset[str], Change]:
        reader = q.reader_id or ""
        switched = records.reader_clock(self.conn, rec.id, reader)
        if switched is None:  # shared before sync existed
            active = records.is_reader(self.conn, rec.id, reader)
            reading = records.tick(self.conn, now=self.now, device_id=self.device_id)
        else:
            reading, active = switched
        # The reader is told too: a peer a person's support was handed or shared with learns
        # she supports them (and, when a cover ends, that she no longer does).
        return frozenset({reader}), SharingChange(rec.id, reader, active, reading)


@dataclass
class _Held:
    """What the vault holds of a batch's records, read in a few statements."""

    records: dict[str, Any]
    versions: dict[tuple[str, str], Any]
    keys: dict[tuple[str, int], list[Wrap]]
    sharing: dict[str, set[str]]

    @classmethod
    def load(cls, conn: Connection, rids: list[str]) -> _Held:
        held = {r.id: r for r in conn.execute(select(
            _R.id, _R.kind, _R.author_id, _R.person_id, _R.created_at, _R.erased_at)
            .where(_R.id.in_(rids)))}
        versions = {(v.record_id, v.vid): v for v in conn.execute(select(
            _V.record_id, _V.version, _V.vid, _V.hlc, _V.device_id, _V.parents, _V.saved_at,
            _V.tombstone, _V.suite, _V.ciphertext, _V.private_ciphertext)
            .where(_V.record_id.in_(rids)))}
        keys: dict[tuple[str, int], list[Wrap]] = defaultdict(list)
        for rid, number, reader, suite, wrapped in conn.execute(select(
                _W.record_id, _W.version, _W.reader_id, _W.suite, _W.wrapped)
                .where(_W.record_id.in_(rids))):
            keys[(rid, number)].append(Wrap(reader, suite, wrapped))
        sharing: dict[str, set[str]] = defaultdict(set)
        for rid, reader in conn.execute(select(_RD.record_id, _RD.reader_id)
                                        .where(_RD.record_id.in_(rids))):
            sharing[rid].add(reader)
        return cls(held, versions, keys, sharing)


def everything(conn: Connection, user_id: str, device_id: str) -> Iterable[Queued]:
    """What a snapshot of this device's stream holds: every version this device wrote for the
    user, every key given to another reader, every sharing switch and every erasure."""
    me = user_id
    for rid, vid in conn.execute(select(_V.record_id, _V.vid)
                                 .join(table(RecordRow), _R.id == _V.record_id)
                                 .where(_R.author_id == me, _R.erased_at.is_(None),
                                        _V.device_id == device_id).order_by(_V.hlc)):
        yield Queued("version", rid, vid)
    for rid, vid, reader in conn.execute(
            select(_W.record_id, _V.vid, _W.reader_id)
            .join(table(VersionRow), (_V.record_id == _W.record_id) & (_V.version == _W.version))
            .join(table(RecordRow), _R.id == _W.record_id)
            .where(_R.author_id == me, _W.reader_id != me, _V.device_id != device_id)):
        yield Queued("wrap", rid, vid, reader)
    clocks = table(ReaderClockRow).c
    for rid, reader in conn.execute(select(clocks.record_id, clocks.reader_id)
                                    .join(table(RecordRow), _R.id == clocks.record_id)
                                    .where(_R.author_id == me)):
        yield Queued("reader", rid, reader_id=reader)
    for person in conn.scalars(select(_E.person_id).where(_E.author_id == me)):
        yield Queued("erase", person)
