"""Changeset entries: built from the outbox (ids only) on the way out, applied to the vault on
the way in, with every check a signed-but-wrong entry must fail."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from peerdesk.domain import Kind, Role
from peerdesk.domain import hlc as clock
from peerdesk.domain.merge import parse_parents
from peerdesk.store import records
from peerdesk.store.models import (
    AccountRow,
    ErasedPersonRow,
    PendingRow,
    ReaderClockRow,
    ReaderRow,
    RecordRow,
    VersionRow,
    WrapRow,
)
from peerdesk.store.records import NewRecord, NewVersion, Queued, Wrap
from peerdesk.sync import format as fmt
from peerdesk.sync.trust import ident, iso, parse_time

_CHUNK = 500


class EntryBuilder:
    """Outbox rows (ids only) to changeset entries (ciphertext and wrapped keys)."""

    def __init__(self, s: Session, user_id: str, device_id: str,
                 clock: Callable[[], datetime]) -> None:
        self.s, self.user_id, self.device_id, self.clock = s, user_id, device_id, clock
        self.coordinators = {r.id: r.receive_public for r in s.scalars(
            select(AccountRow).where(AccountRow.role == Role.COORDINATOR.value))}
        self.publics = {r.id: r.receive_public for r in s.scalars(select(AccountRow))}

    def sections(self, groups: dict[frozenset[str], list[dict[str, Any]]],
                 ) -> list[tuple[list[tuple[str, bytes]], list[dict[str, Any]]]]:
        return [([(r, self.publics[r]) for r in sorted(readers) if r in self.publics], entries)
                for readers, entries in groups.items()]

    def build(self, rows: list[tuple[int, Queued]],
              ) -> dict[int, tuple[frozenset[str], dict[str, Any]]]:
        s, me = self.s, self.user_id
        rids = list({r.record_id for _, r in rows})
        held = {r.id: r for r in s.scalars(select(RecordRow).where(RecordRow.id.in_(rids)))}
        versions = {(v.record_id, v.vid): v for v in s.scalars(
            select(VersionRow).where(VersionRow.record_id.in_(rids)))}
        wraps: dict[tuple[str, int], list[WrapRow]] = defaultdict(list)
        for w in s.scalars(select(WrapRow).where(WrapRow.record_id.in_(rids))):
            wraps[(w.record_id, w.version)].append(w)
        sharing: dict[str, set[str]] = defaultdict(set)
        for rid, reader in s.execute(select(ReaderRow.record_id, ReaderRow.reader_id)
                                     .where(ReaderRow.record_id.in_(rids))):
            sharing[rid].add(reader)
        out: dict[int, tuple[frozenset[str], dict[str, Any]]] = {}
        for seq, row in rows:
            rec = held.get(row.record_id)
            if row.op == "erase":
                erased = s.get(ErasedPersonRow, row.record_id)
                ids = records.about(s.connection(), row.record_id, author_id=me)
                out[seq] = (frozenset(self.coordinators), {
                    "t": "e", "p": row.record_id, "ids": ids,
                    "hlc": erased.hlc if erased else clock.zero(self.device_id)})
                continue
            if rec is None or rec.erased_at is not None or rec.author_id != me:
                continue  # erased since: nothing of it may leave this computer
            if row.op in {"version", "wrap"}:
                ver = versions.get((row.record_id, row.vid or ""))
                if ver is None:
                    continue
                ws = wraps.get((ver.record_id, ver.version), [])
                if row.op == "version":
                    # Whoever holds its key, and whoever it is shared with now (so a deletion
                    # reaches the coordinator too).
                    readers = {w.reader_id for w in ws if w.reader_id != me} | sharing[rec.id]
                else:
                    # A key given to one more reader (sharing, or a version from another
                    # device after sharing reached it): she gets the whole version, since the
                    # version itself may have gone out before she could read it.
                    if not any(w.reader_id == row.reader_id for w in ws):
                        continue
                    readers = {row.reader_id or ""}
                out[seq] = (frozenset(readers), {
                    "t": "v", "r": rec.id, "k": rec.kind, "a": me, "p": rec.person_id,
                    "c": iso(rec.created_at), "vid": ver.vid, "hlc": ver.hlc,
                    "dev": ver.device_id, "par": parse_parents(ver.parents),
                    "at": iso(ver.saved_at), "tomb": ver.tombstone, "suite": ver.suite,
                    "ct": fmt.b64(ver.ciphertext) if ver.ciphertext is not None else None,
                    "pct": (fmt.b64(ver.private_ciphertext)
                            if ver.private_ciphertext is not None else None),
                    "w": [[w.reader_id, w.suite, fmt.b64(w.wrapped)] for w in ws]})
            elif row.op == "reader" and row.reader_id:
                clock_row = s.get(ReaderClockRow, (rec.id, row.reader_id))
                if clock_row is None:  # shared before sync existed
                    active = s.get(ReaderRow, (rec.id, row.reader_id)) is not None
                    reading = records.tick(s.connection(), now=self.clock(),
                                           device_id=self.device_id)
                else:
                    active, reading = clock_row.active, clock_row.hlc
                out[seq] = (frozenset(), {"t": "r", "r": rec.id, "rd": row.reader_id,
                                              "on": active, "hlc": reading})
        return out


class Applier:
    """Entries from one verified, decrypted changeset, into the vault. Idempotent: applying
    the same entry twice changes nothing the second time."""

    def __init__(self, s: Session, user_id: str, author: str,
                 clock: Callable[[], datetime]) -> None:
        self.s, self.user_id, self.author, self.clock = s, user_id, author, clock

    def apply(self, entries: list[dict[str, Any]]) -> int:
        s = self.s
        for e in entries:
            if e.get("t") not in {"v", "w", "r", "e"}:
                raise fmt.Tampered("it holds an entry of an unknown type")
        versions = [e for e in entries if e["t"] == "v"]
        touched: set[str] = set()
        added = self._versions(versions, touched) if versions else 0
        for e in entries:
            if e["t"] == "w":
                self._wrap(e, touched)
            elif e["t"] == "r":
                self._reader(e)
            elif e["t"] == "e":
                self._erase(e)
        records.refresh(s.connection(), touched)
        return added

    def _pending(self, e: dict[str, Any]) -> None:
        self.s.add(PendingRow(user_id=self.user_id, author_id=self.author,
                              record_id=ident(e, "r"), entry=json.dumps(e)))

    def _versions(self, entries: list[dict[str, Any]], touched: set[str]) -> int:
        conn, author = self.s.connection(), self.author
        known, top, held = records.versions_held(conn, list({ident(e, "r") for e in entries}))
        erased_people = records.erased_people(conn, author)
        new_records: list[NewRecord] = []
        new_versions: list[tuple[NewVersion, int, list[Wrap]]] = []
        for e in entries:
            rid, vid = ident(e, "r"), fmt.field(e, "vid", str)
            if e.get("a") != author:
                raise fmt.Tampered("it carries a version written by someone else")
            try:
                kind = Kind(fmt.field(e, "k", str))
            except ValueError:
                raise fmt.Tampered("it holds a record of an unknown kind") from None
            person = e.get("p")
            if person is not None and not isinstance(person, str):
                raise fmt.Tampered("a record's person is damaged")
            if kind is Kind.PERSON:
                person = None
            if rid in erased_people or person in erased_people:
                continue  # the person withdrew: dropped unread
            record = known.get(rid)
            if record is not None:
                if record[0] != author or record[1] != kind.value or record[2] != person:
                    raise fmt.Tampered("it tries to change someone else's record")
                if record[3]:
                    continue
            else:
                new_records.append(NewRecord(rid, kind, author, person, parse_time(e.get("c"))))
                known[rid] = (author, kind.value, person, False)
            reading = fmt.field(e, "hlc", str)
            if not clock.sane(reading) or len(vid) > 64:
                raise fmt.Tampered("a version's clock reading is damaged")
            parents = fmt.field(e, "par", list)
            if not all(isinstance(p, str) and " " not in p for p in parents):
                raise fmt.Tampered("a version's parents are damaged")
            wraps = fmt.field(e, "w", list)
            if (rid, vid) in held:
                for w in wraps:
                    _check_wrap(w)
                    self._wrap({"t": "w", "r": rid, "vid": vid, "rd": w[0], "s": w[1],
                                "x": w[2]}, touched)
                continue
            top[rid] = number = top.get(rid, 0) + 1
            held.add((rid, vid))
            ct, pct = e.get("ct"), e.get("pct")
            if ct is None and not e.get("tomb"):
                raise fmt.Tampered("a version in it has no content")
            for w in wraps:
                _check_wrap(w)
            new_versions.append((NewVersion(
                rid, vid, reading, fmt.field(e, "dev", str)[:36], tuple(parents), author,
                parse_time(e.get("at")), fmt.field(e, "suite", str)[:32],
                tombstone=bool(e.get("tomb")),
                ciphertext=fmt.unb64(ct) if ct is not None else None,
                private_ciphertext=fmt.unb64(pct) if pct is not None else None),
                number, [Wrap(w[0][:36], w[1][:64], fmt.unb64(w[2])) for w in wraps]))
            touched.add(rid)
        records.add_versions(conn, new_records, new_versions)
        return len(new_versions)

    def _wrap(self, e: dict[str, Any], touched: set[str]) -> None:
        conn = self.s.connection()
        rid, vid, reader = ident(e, "r"), fmt.field(e, "vid", str), ident(e, "rd")
        rec = records.state(conn, rid)
        if rec is not None and rec.author_id != self.author:
            raise fmt.Tampered("it tries to share someone else's record")
        number = records.number_of(conn, rid, vid)
        if rec is None or number is None:
            self._pending(e)
            return
        if rec.erased_at is not None:
            return
        if records.add_wrap(conn, rid, number, Wrap(reader, fmt.field(e, "s", str)[:64],
                                                     fmt.unb64(e.get("x")))):
            touched.add(rid)

    def _reader(self, e: dict[str, Any]) -> None:
        conn = self.s.connection()
        rid, reader = ident(e, "r"), ident(e, "rd")
        on, reading = fmt.field(e, "on", bool), fmt.field(e, "hlc", str)
        rec = records.state(conn, rid)
        if rec is None:
            self._pending(e)
            return
        if rec.author_id != self.author:
            raise fmt.Tampered("it tries to share someone else's record")
        switched = records.reader_clock(conn, rid, reader)
        if switched is not None and switched[0] >= reading:
            return  # the newest switch wins, whichever device made it
        records.set_reader_clock(conn, rid, reader, on=on, hlc=reading)
        if not on or (rec.erased_at is None and self.s.get(AccountRow, reader) is not None):
            records.set_reader(conn, rid, reader, on=on, since=self.clock())

    def _erase(self, e: dict[str, Any]) -> None:
        conn = self.s.connection()
        person = ident(e, "p")
        listed = [str(i) for i in fmt.field(e, "ids", list) if isinstance(i, str)]
        ids = records.about(conn, person, author_id=self.author, also=listed)
        records.erase(conn, ids, now=self.clock())
        self.s.execute(delete(PendingRow).where(PendingRow.record_id.in_(ids)))
        records.remember_erased(conn, person, author_id=self.author,
                                hlc=fmt.field(e, "hlc", str), queue_for=None)


def _check_wrap(w: Any) -> None:
    if not (isinstance(w, list) and len(w) == 3 and isinstance(w[0], str)
            and isinstance(w[1], str)):
        raise fmt.Tampered("a wrapped key is damaged")
