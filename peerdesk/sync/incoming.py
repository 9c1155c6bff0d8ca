"""Changes from one verified, decrypted changeset, applied to the vault through the records
module, in the caller's transaction. Idempotent: applying a change twice changes nothing the
second time. Every check a signed-but-wrong change must fail is here or in ``changes``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, select

from peerdesk.store import records
from peerdesk.store.models import AccountRow, table
from peerdesk.store.records import NewRecord, NewVersion, Wrap
from peerdesk.sync import format as fmt
from peerdesk.sync import state
from peerdesk.sync.changes import (
    Change,
    ErasureChange,
    KeyChange,
    SharingChange,
    VersionChange,
)

_ACCOUNTS = table(AccountRow)


class Apply:
    """One author's changes, for one signed-in user, in one transaction (``all`` may be
    called for several slices of them in turn)."""

    def __init__(self, conn: Connection, user_id: str, author_id: str, now: datetime) -> None:
        self.conn, self.user_id, self.author, self.now = conn, user_id, author_id, now
        self.touched: set[str] = set()
        # Every record whose reading here may now differ (a version, a key, who it is shared
        # with, an erasure): what an open desk reads again, rather than everything.
        self.changed: set[str] = set()
        self._erased: set[str] | None = None
        # What is held of the records expected (known, highest number, versions held): kept
        # up to date as versions are added, so slices after the first read nothing again.
        self._held: tuple[dict[str, tuple[str, str, str | None, bool]], dict[str, int],
                          set[tuple[str, str]]] | None = None
        self._held_for: set[str] = set()

    def expect(self, items: Sequence[Change]) -> None:
        """Reads at once what is held of the records among ``items`` (a step to be applied in
        slices), rather than a slice at a time."""
        ids = {c.record_id for c in items if isinstance(c, VersionChange)}
        self._held, self._held_for = records.versions_held(self.conn, list(ids)), ids

    def all(self, items: Sequence[Change]) -> int:
        """Returns how many versions were new here."""
        versions = [c for c in items if isinstance(c, VersionChange)]
        added = self._versions(versions) if versions else 0
        for change in items:
            match change:
                case KeyChange():
                    self._key(change.record_id, change.vid, change.key, change)
                case SharingChange():
                    self._sharing(change)
                case ErasureChange():
                    self._erasure(change)
        records.refresh(self.conn, self.touched)
        self.changed |= self.touched
        self.touched.clear()
        return added

    def _versions(self, items: list[VersionChange]) -> int:
        conn, author = self.conn, self.author
        known, top, held = self._held_of({c.record_id for c in items})
        if self._erased is None:  # only an erasure among these changes adds to it
            self._erased = records.erased_people(conn, author)
        erased_people = self._erased
        new_records: list[NewRecord] = []
        new_versions: list[tuple[NewVersion, int, list[Wrap]]] = []
        for c in items:
            if c.author_id != author:
                raise fmt.Tampered("it carries a version written by someone else")
            if c.record_id in erased_people or c.person_id in erased_people:
                continue  # the person withdrew: dropped unread
            record = known.get(c.record_id)
            if record is not None:
                if record != (author, c.kind.value, c.person_id, record[3]):
                    raise fmt.Tampered("it tries to change someone else's record")
                if record[3]:
                    continue  # erased here
            else:
                new_records.append(NewRecord(c.record_id, c.kind, author, c.person_id,
                                             c.created_at))
                known[c.record_id] = (author, c.kind.value, c.person_id, False)
            if (c.record_id, c.vid) in held:
                for key in c.keys:  # a version held already may bring readers it lacks
                    self._key(c.record_id, c.vid, key, KeyChange(c.record_id, c.vid, key))
                continue
            top[c.record_id] = number = top.get(c.record_id, 0) + 1
            held.add((c.record_id, c.vid))
            new_versions.append((NewVersion(
                c.record_id, c.vid, c.hlc, c.device_id, c.parents, author, c.saved_at, c.suite,
                tombstone=c.tombstone, ciphertext=c.ciphertext,
                private_ciphertext=c.private_ciphertext),
                number, list(c.keys)))
            self.touched.add(c.record_id)
            self.changed.add(c.record_id)
        # A record new here is written with its shown version worked out: no refresh.
        self.touched -= records.add_versions(conn, new_records, new_versions)
        return len(new_versions)

    def _held_of(self, ids: set[str]) -> tuple[dict[str, tuple[str, str, str | None, bool]],
                                                dict[str, int], set[tuple[str, str]]]:
        if self._held is None or not ids <= self._held_for:
            self._held, self._held_for = records.versions_held(self.conn, list(ids)), ids
        return self._held

    def _key(self, record_id: str, vid: str, key: Wrap, change: Change) -> None:
        rec = records.state(self.conn, record_id)
        if rec is not None and rec.author_id != self.author:
            raise fmt.Tampered("it tries to share someone else's record")
        number = records.number_of(self.conn, record_id, vid)
        if rec is None or number is None:
            # The version comes from another device's folder: applied when it arrives.
            state.wait_for_version(self.conn, self.user_id, self.author, record_id, change)
            return
        if rec.erased_at is None and records.add_wrap(
                self.conn, record_id, number, key):
            self.touched.add(record_id)

    def _sharing(self, change: SharingChange) -> None:
        conn = self.conn
        rec = records.state(conn, change.record_id)
        if rec is None:
            state.wait_for_version(conn, self.user_id, self.author, change.record_id, change)
            return
        if rec.author_id != self.author:
            raise fmt.Tampered("it tries to share someone else's record")
        switched = records.reader_clock(conn, change.record_id, change.reader_id)
        if switched is not None and switched[0] >= change.hlc:
            return  # the newest switch wins, whichever device made it
        records.set_reader_clock(conn, change.record_id, change.reader_id, on=change.on,
                                 hlc=change.hlc)
        known_account = conn.scalar(select(_ACCOUNTS.c.id).where(
            _ACCOUNTS.c.id == change.reader_id)) is not None
        if not change.on or (rec.erased_at is None and known_account):
            records.set_reader(conn, change.record_id, change.reader_id, on=change.on,
                               since=self.now)
            self.changed.add(change.record_id)

    def _erasure(self, change: ErasureChange) -> None:
        conn = self.conn
        self._erased, self._held = None, None
        ids = records.about(conn, change.person_id, author_id=self.author,
                            also=change.record_ids)
        records.erase(conn, ids, now=self.now)
        self.changed.update(ids)
        state.drop_waiting(conn, ids)
        records.remember_erased(conn, change.person_id, author_id=self.author, hlc=change.hlc,
                                queue_for=None)
