"""Changeset entries: built from the outbox (ids only) on the way out, applied to the vault on
the way in, with every check a signed-but-wrong entry must fail."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from peerdesk.domain import Kind, Role
from peerdesk.store.models import (
    AccountRow,
    ErasedPersonRow,
    OutboxRow,
    PendingRow,
    ReaderClockRow,
    ReaderRow,
    RecordRow,
    VersionRow,
    WrapRow,
)
from peerdesk.sync import format as fmt
from peerdesk.sync import hlc, merge
from peerdesk.sync.merge import table
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

    def build(self, rows: list[OutboxRow]) -> dict[int, tuple[frozenset[str], dict[str, Any]]]:
        s, me = self.s, self.user_id
        rids = list({r.record_id for r in rows})
        records = {r.id: r for r in s.scalars(select(RecordRow).where(RecordRow.id.in_(rids)))}
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
        for row in rows:
            rec = records.get(row.record_id)
            if row.op == "erase":
                erased = s.get(ErasedPersonRow, row.record_id)
                ids = list(s.scalars(select(RecordRow.id).where(
                    RecordRow.author_id == me, (RecordRow.id == row.record_id)
                    | (RecordRow.person_id == row.record_id))))
                out[row.seq] = (frozenset(self.coordinators), {
                    "t": "e", "p": row.record_id, "ids": ids,
                    "hlc": erased.hlc if erased else hlc.encode(0, 0, self.device_id)})
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
                out[row.seq] = (frozenset(readers), {
                    "t": "v", "r": rec.id, "k": rec.kind, "a": me, "p": rec.person_id,
                    "c": iso(rec.created_at), "vid": ver.vid, "hlc": ver.hlc,
                    "dev": ver.device_id, "par": merge.parse_parents(ver.parents),
                    "at": iso(ver.saved_at), "tomb": ver.tombstone, "suite": ver.suite,
                    "ct": fmt.b64(ver.ciphertext) if ver.ciphertext is not None else None,
                    "pct": (fmt.b64(ver.private_ciphertext)
                            if ver.private_ciphertext is not None else None),
                    "w": [[w.reader_id, w.suite, fmt.b64(w.wrapped)] for w in ws]})
            elif row.op == "reader" and row.reader_id:
                clock_row = s.get(ReaderClockRow, (rec.id, row.reader_id))
                if clock_row is None:  # shared before sync existed
                    active = s.get(ReaderRow, (rec.id, row.reader_id)) is not None
                    reading = hlc.tick(s, now=self.clock(), device_id=self.device_id)
                else:
                    active, reading = clock_row.active, clock_row.hlc
                out[row.seq] = (frozenset(), {"t": "r", "r": rec.id, "rd": row.reader_id,
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
        merge.refresh(s, touched)
        return added

    def _pending(self, e: dict[str, Any]) -> None:
        self.s.add(PendingRow(user_id=self.user_id, author_id=self.author,
                              record_id=ident(e, "r"), entry=json.dumps(e)))

    def _versions(self, entries: list[dict[str, Any]], touched: set[str]) -> int:
        s, author = self.s, self.author
        rids = list({ident(e, "r") for e in entries})
        records: dict[str, tuple[str, str, str | None, bool]] = {}
        maxver: dict[str, int] = {}
        have: set[tuple[str, str]] = set()
        for i in range(0, len(rids), _CHUNK):
            chunk = rids[i:i + _CHUNK]
            for rid, a, k, p, erased in s.execute(
                    select(RecordRow.id, RecordRow.author_id, RecordRow.kind, RecordRow.person_id,
                           RecordRow.erased_at).where(RecordRow.id.in_(chunk))):
                records[rid] = (a, k, p, erased is not None)
            for rid, vid, number in s.execute(
                    select(VersionRow.record_id, VersionRow.vid, VersionRow.version)
                    .where(VersionRow.record_id.in_(chunk))):
                have.add((rid, vid))
                maxver[rid] = max(maxver.get(rid, 0), number)
        erased_people = set(s.scalars(select(ErasedPersonRow.person_id)
                                      .where(ErasedPersonRow.author_id == author)))
        new_records, new_versions, new_wraps = [], [], []
        added = 0
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
            known = records.get(rid)
            if known is not None:
                if known[0] != author or known[1] != kind.value or known[2] != person:
                    raise fmt.Tampered("it tries to change someone else's record")
                if known[3]:
                    continue
            else:
                when = parse_time(e.get("c"))
                new_records.append({"id": rid, "kind": kind.value, "author_id": author,
                                    "person_id": person, "head_version": 1, "created_at": when,
                                    "updated_at": when, "deleted_at": None, "erased_at": None,
                                    "conflict": False})
                records[rid] = (author, kind.value, person, False)
            reading = fmt.field(e, "hlc", str)
            if not hlc.sane(reading) or len(vid) > 64:
                raise fmt.Tampered("a version's clock reading is damaged")
            parents = fmt.field(e, "par", list)
            if not all(isinstance(p, str) and " " not in p for p in parents):
                raise fmt.Tampered("a version's parents are damaged")
            wraps = fmt.field(e, "w", list)
            version: int | None
            if (rid, vid) in have:
                version = None
            else:
                version = maxver[rid] = maxver.get(rid, 0) + 1
                have.add((rid, vid))
                ct, pct = e.get("ct"), e.get("pct")
                if ct is None and not e.get("tomb"):
                    raise fmt.Tampered("a version in it has no content")
                new_versions.append({
                    "record_id": rid, "version": version, "vid": vid, "hlc": reading,
                    "device_id": fmt.field(e, "dev", str)[:36], "parents": " ".join(parents),
                    "author_id": author, "saved_at": parse_time(e.get("at")),
                    "suite": fmt.field(e, "suite", str)[:32],
                    "tombstone": bool(e.get("tomb")),
                    "ciphertext": fmt.unb64(ct) if ct is not None else None,
                    "private_ciphertext": fmt.unb64(pct) if pct is not None else None})
                added += 1
                touched.add(rid)
            for w in wraps:
                if not (isinstance(w, list) and len(w) == 3 and isinstance(w[0], str)
                        and isinstance(w[1], str)):
                    raise fmt.Tampered("a wrapped key is damaged")
                if version is not None:
                    new_wraps.append({"record_id": rid, "version": version, "reader_id": w[0][:36],
                                      "suite": w[1][:64], "wrapped": fmt.unb64(w[2])})
                else:
                    self._wrap({"t": "w", "r": rid, "vid": vid, "rd": w[0], "s": w[1],
                                "x": w[2]}, touched)
        if new_records:
            s.execute(insert(table(RecordRow)), new_records)  # Core: executemany, no ORM
        if new_versions:
            s.execute(insert(table(VersionRow)), new_versions)
        if new_wraps:
            s.execute(insert(table(WrapRow)), new_wraps)
        return added

    def _wrap(self, e: dict[str, Any], touched: set[str]) -> None:
        s = self.s
        rid, vid, reader = ident(e, "r"), fmt.field(e, "vid", str), ident(e, "rd")
        rec = s.get(RecordRow, rid)
        if rec is not None and rec.author_id != self.author:
            raise fmt.Tampered("it tries to share someone else's record")
        ver = s.scalar(select(VersionRow).where(VersionRow.record_id == rid,
                                                VersionRow.vid == vid))
        if rec is None or ver is None:
            self._pending(e)
            return
        if rec.erased_at is not None or s.get(WrapRow, (rid, ver.version, reader)) is not None:
            return
        s.add(WrapRow(record_id=rid, version=ver.version, reader_id=reader,
                      suite=fmt.field(e, "s", str)[:64], wrapped=fmt.unb64(e.get("x"))))
        s.flush()
        touched.add(rid)

    def _reader(self, e: dict[str, Any]) -> None:
        s = self.s
        rid, reader = ident(e, "r"), ident(e, "rd")
        on, reading = fmt.field(e, "on", bool), fmt.field(e, "hlc", str)
        rec = s.get(RecordRow, rid)
        if rec is None:
            self._pending(e)
            return
        if rec.author_id != self.author:
            raise fmt.Tampered("it tries to share someone else's record")
        clock_row = s.get(ReaderClockRow, (rid, reader))
        if clock_row is not None and clock_row.hlc >= reading:
            return  # the newest switch wins, whichever device made it
        s.merge(ReaderClockRow(record_id=rid, reader_id=reader, hlc=reading, active=on))
        row = s.get(ReaderRow, (rid, reader))
        if on and row is None and rec.erased_at is None and s.get(AccountRow, reader) is not None:
            s.add(ReaderRow(record_id=rid, reader_id=reader, since=self.clock()))
        elif not on and row is not None:
            s.delete(row)
        s.flush()

    def _erase(self, e: dict[str, Any]) -> None:
        s = self.s
        person = ident(e, "p")
        listed = [str(i) for i in fmt.field(e, "ids", list) if isinstance(i, str)]
        ids = list(s.scalars(select(RecordRow.id).where(
            RecordRow.author_id == self.author,
            (RecordRow.id == person) | (RecordRow.person_id == person)
            | RecordRow.id.in_(listed))))
        merge.erase_records(s, ids, now=self.clock())
        s.execute(delete(PendingRow).where(PendingRow.record_id.in_(ids)))
        if s.get(ErasedPersonRow, person) is None:
            s.add(ErasedPersonRow(person_id=person, author_id=self.author,
                                  hlc=fmt.field(e, "hlc", str)))
        s.flush()
