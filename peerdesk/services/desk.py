"""One signed-in user's view of the vault: what she may read, and what she does with it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, bindparam, delete, exists, func, insert, literal_column, select
from sqlalchemy.orm import Session, aliased

from peerdesk import audit
from peerdesk.catalogue import spec
from peerdesk.crypto import aead, envelope
from peerdesk.crypto.keys import UserKeys
from peerdesk.crypto.payload import open_fields, record_aad, seal_fields
from peerdesk.domain import PLAN_KINDS, Account, Kind, Record, Role
from peerdesk.domain import consent as consent_rules
from peerdesk.errors import (
    DecryptionFailed,
    InvalidInput,
    NotAllowed,
    NotFound,
    NotSharedWithYou,
    PeerDeskError,
)
from peerdesk.store.db import driver, driver_insert, driver_sql, stamp
from peerdesk.store.models import (
    AccountRow,
    DraftRow,
    ErasedPersonRow,
    OutboxRow,
    ReaderClockRow,
    ReaderRow,
    RecordRow,
    VersionRow,
    WrapRow,
)
from peerdesk.sync import hlc, merge

if TYPE_CHECKING:
    from peerdesk.services.vault import Vault

SHAREABLE = frozenset({Kind.DIARY, Kind.REFLECTION})

# Statements on the save path, compiled once and run on the driver (see store.db.driver_sql).
_RECORD_COLUMNS = ("id", "kind", "author_id", "person_id", "head_version", "created_at",
                   "updated_at", "conflict")
_INSERT_RECORD = driver_insert(RecordRow, _RECORD_COLUMNS)
# A record about a person, inserted only if she is a live person of the same author: the check
# and the insert in one statement.
_PERSON = aliased(RecordRow)
_INSERT_RECORD_ABOUT = driver_sql(insert(RecordRow).from_select(
    list(_RECORD_COLUMNS),
    select(*(bindparam(c, type_=RecordRow.__table__.c[c].type) for c in _RECORD_COLUMNS))
    .where(exists().where(_PERSON.id == bindparam("person_id"),
                          _PERSON.author_id == bindparam("author_id"),
                          _PERSON.kind == literal_column(f"'{Kind.PERSON.value}'"),
                          _PERSON.erased_at.is_(None), _PERSON.deleted_at.is_(None))),
))
_INSERT_VERSION = driver_insert(VersionRow, (
    "record_id", "version", "vid", "hlc", "device_id", "parents", "author_id", "saved_at",
    "suite", "tombstone", "ciphertext", "private_ciphertext"))
_INSERT_OUTBOX = driver_insert(OutboxRow, ("user_id", "op", "record_id", "vid"))
_INSERT_WRAPS = driver_insert(WrapRow, ("record_id", "version", "reader_id", "suite", "wrapped"))
_RECORD_STATE = select(
    RecordRow.id, RecordRow.kind, RecordRow.author_id, RecordRow.person_id,
    RecordRow.head_version, RecordRow.deleted_at, RecordRow.erased_at,
).where(RecordRow.id == bindparam("record_id"))
_READER_KEYS = (
    select(ReaderRow.reader_id, AccountRow.receive_public)
    .join(AccountRow, AccountRow.id == ReaderRow.reader_id)
    .where(ReaderRow.record_id == bindparam("record_id"))
)


@dataclass(frozen=True)
class Draft:
    id: str
    kind: Kind
    record_id: str | None
    person_id: str | None
    updated_at: datetime
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class CheckProblem:
    record_id: str
    version: int
    problem: str


class Desk:
    def __init__(self, vault: Vault, user: Account, keys: UserKeys) -> None:
        self.vault = vault
        self.user = user
        self._keys: UserKeys | None = keys

    # -- session --------------------------------------------------------------------------

    @property
    def keys(self) -> UserKeys:
        if self._keys is None:
            raise NotAllowed("PeerDesk is locked. Sign in again to continue.")
        return self._keys

    @property
    def locked(self) -> bool:
        return self._keys is None

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        """Every action of a signed-in user; refused once she has locked."""
        if self._keys is None:
            raise NotAllowed("PeerDesk is locked. Sign in again to continue.")
        with self.vault.store.transaction() as s:
            yield s

    def lock(self) -> None:
        if self._keys is None:
            return
        with self._transaction() as s:
            self._audit(s, audit.LOCK)
        # Python cannot wipe memory; dropping the only reference is the best available.
        self._keys = None

    def _audit(self, s: Session, action: str, record_id: str | None = None,
               detail: str = "") -> None:
        audit.append(s, at=self.vault.clock(), actor_id=self.user.id, action=action,
                     record_id=record_id, detail=detail, sign=self.keys.sign)

    # -- writing --------------------------------------------------------------------------

    def add(self, kind: Kind | str, fields: Mapping[str, Any], *,
            person_id: str | None = None) -> Record:
        kind = Kind(kind)
        clean = spec(kind).validate(fields)
        now, record_id = self.vault.clock(), str(uuid.uuid4())
        with self._transaction() as s:
            about = None if kind is Kind.PERSON else person_id
            at = stamp(now)
            row = {"id": record_id, "kind": kind.value, "author_id": self.user.id,
                   "person_id": about, "head_version": 1, "created_at": at, "updated_at": at,
                   "conflict": False}
            if about is None:
                driver(s).execute(_INSERT_RECORD, row)
            elif driver(s).execute(_INSERT_RECORD_ABOUT, row).rowcount != 1:
                # Not a live person of hers: find out which, for the sentence.
                self._own_live(s, about, expect=Kind.PERSON)
                raise NotFound("There is no such person on this computer.")
            self._write_version(s, record_id, kind, 1, clean, now, parents=(), new=True)
            self._audit(s, audit.SAVE, record_id, "version=1")
        return Record(record_id, kind, self.user.id, person_id, 1, now, clean)

    def update(self, record_id: str, fields: Mapping[str, Any], *,
               consent_change: str | None = None) -> Record:
        """A new version over the one shown. If the record is in conflict, the other heads
        stay in conflict: only resolve_conflict() settles it. A plan's consent ledger is kept
        as it is, unless the consent service changes it (``consent_change`` says how)."""
        now = self.vault.clock()
        with self._transaction() as s:
            row = self._own_live(s, record_id)
            kind = Kind(row.kind)
            clean = spec(kind).validate(fields)
            shown = merge.outcome(s, record_id).winner
            if kind in PLAN_KINDS:
                clean = consent_rules.keep_ledger(
                    self._fields_of(s, row, [shown.version]), clean,
                    changing=consent_change is not None)
            version = self._next_version(s, record_id)
            self._write_version(s, record_id, kind, version, clean, now, parents=(shown.vid,))
            merge.refresh(s, [record_id])
            if consent_change is not None:
                self._audit(s, audit.CONSENT, record_id, f"version={version} {consent_change}")
            else:
                self._audit(s, audit.SAVE, record_id, f"version={version}")
            return Record(record_id, kind, self.user.id, row.person_id, version, now,
                          clean, readers=self._readers(s, record_id))

    def delete(self, record_id: str) -> None:
        """A tombstone version; earlier versions stay in the history."""
        now = self.vault.clock()
        with self._transaction() as s:
            self._own_live(s, record_id)
            version = self._tombstone(s, record_id, now)
            self._audit(s, audit.DELETE, record_id, f"version={version}")

    def resolve_conflict(self, record_id: str, fields: Mapping[str, Any] | None) -> Record | None:
        """Settle a conflict with the version the user chose or merged (``fields``), or by
        deleting (``None``). Every concurrent version stays in the history."""
        now = self.vault.clock()
        with self._transaction() as s:
            row = self._own_live(s, record_id)
            heads = tuple(h.vid for h in merge.outcome(s, record_id).heads)
            if fields is None:
                version = self._tombstone(s, record_id, now, parents=heads)
                self._audit(s, audit.DELETE, record_id, f"version={version} resolved")
                return None
            kind = Kind(row.kind)
            clean = spec(kind).validate(fields)
            if kind in PLAN_KINDS:
                # Every head's ledger, merged: a withdrawal on any device is never lost.
                versions = [h.version for h in merge.outcome(s, record_id).heads]
                clean = consent_rules.merge_ledgers(self._fields_of(s, row, versions), clean)
            version = self._next_version(s, record_id)
            self._write_version(s, record_id, kind, version, clean, now, parents=heads)
            merge.refresh(s, [record_id])
            self._audit(s, audit.SAVE, record_id, f"version={version} resolved")
            return Record(record_id, kind, self.user.id, row.person_id, version, now, clean,
                          readers=self._readers(s, record_id))

    @staticmethod
    def _newest_reading(s: Session, record_id: str) -> str | None:
        # A new version always sorts after every version of the record this device holds,
        # whatever any clock says.
        return s.scalar(select(func.max(VersionRow.hlc)).where(VersionRow.record_id == record_id))

    @staticmethod
    def _next_version(s: Session, record_id: str) -> int:
        # Versions are numbered on this device in the order they arrive; vids name them globally.
        return int(s.scalar(select(func.max(VersionRow.version))
                            .where(VersionRow.record_id == record_id)) or 0) + 1

    def _tombstone(self, s: Session, record_id: str, now: datetime, *,
                   parents: tuple[str, ...] | None = None) -> int:
        # Deleting what the user sees: every head, so a deletion settles a conflict too.
        heads = parents if parents is not None else tuple(
            h.vid for h in merge.outcome(s, record_id).heads)
        version = self._next_version(s, record_id)
        reading = hlc.tick(s, now=now, device_id=self.vault.device_id,
                           after=self._newest_reading(s, record_id))
        s.add(VersionRow(record_id=record_id, version=version, vid=reading, hlc=reading,
                         device_id=self.vault.device_id, parents=" ".join(heads),
                         author_id=self.user.id, saved_at=now, suite=aead.SUITE,
                         tombstone=True))
        s.add(OutboxRow(user_id=self.user.id, op="version", record_id=record_id, vid=reading))
        s.flush()
        merge.refresh(s, [record_id])
        return version

    def _write_version(self, s: Session, record_id: str, kind: Kind, version: int,
                       fields: Mapping[str, Any], now: datetime, *,
                       parents: tuple[str, ...], new: bool = False) -> None:
        keys = self.keys
        kind_spec = spec(kind)
        shared = {k: v for k, v in fields.items() if not kind_spec.by_name[k].private}
        private = {k: v for k, v in fields.items() if kind_spec.by_name[k].private}
        content_key = aead.new_key()
        # The vid is the version's name on every device: encryption binds it, not the number.
        vid = hlc.tick(s, now=now, device_id=self.vault.device_id,
                       after=None if new else self._newest_reading(s, record_id))
        # Run on the driver: this is every save, and an ORM flush of the same rows costs about
        # three times as much as Core, which costs several times what SQLite itself does.
        conn = driver(s)
        conn.execute(_INSERT_VERSION, {
            "record_id": record_id, "version": version, "vid": vid, "hlc": vid,
            "device_id": self.vault.device_id, "parents": " ".join(parents),
            "author_id": self.user.id, "saved_at": stamp(now), "suite": aead.SUITE,
            "tombstone": False,
            "ciphertext": seal_fields(content_key, shared,
                                      aad=record_aad(record_id, kind, vid, self.user.id)),
            "private_ciphertext": seal_fields(
                keys.vault, private,
                aad=record_aad(record_id, kind, vid, self.user.id, private=True),
            ) if private else None,
        })
        conn.execute(_INSERT_OUTBOX, {"user_id": self.user.id, "op": "version",
                                      "record_id": record_id, "vid": vid})
        readers: list[tuple[str, bytes]] = [] if new else [
            (r.reader_id, r.receive_public)
            for r in s.connection().execute(_READER_KEYS, {"record_id": record_id})]
        recovery = self.vault.policy.recovery_reader_id
        if recovery is not None:
            # The trust's recovery key (machine policy) can open every version: IG holds its
            # private half offline, for a lost passphrase or a leaver's records.
            assert self.vault.policy.recovery_key is not None
            readers.append((recovery, self.vault.policy.recovery_key))
        wraps = [{"record_id": record_id, "version": version, "reader_id": self.user.id,
                  "suite": envelope.OWNER_SUITE,
                  "wrapped": envelope.wrap_for_owner(
                      keys.vault, content_key,
                      context=envelope.wrap_context(record_id, vid, self.user.id))}]
        wraps += [{"record_id": record_id, "version": version, "reader_id": reader_id,
                   "suite": envelope.HPKE_SUITE,
                   "wrapped": envelope.wrap_for_reader(
                       public, content_key,
                       context=envelope.wrap_context(record_id, vid, reader_id))}
                  for reader_id, public in readers]
        conn.executemany(_INSERT_WRAPS, wraps)

    # -- reading --------------------------------------------------------------------------

    def _decrypt(self, kind: Kind, record_id: str, author_id: str, vid: str,
                 ciphertext: bytes, private_ct: bytes | None, suite: str,
                 wrapped: bytes) -> dict[str, Any]:
        keys = self.keys
        content_key = envelope.unwrap(
            suite, wrapped, vault=keys.vault, receive_key=keys.receive_key,
            context=envelope.wrap_context(record_id, vid, self.user.id))
        fields = open_fields(content_key, ciphertext,
                             aad=record_aad(record_id, kind, vid, author_id))
        if private_ct is not None and author_id == self.user.id:
            fields |= open_fields(keys.vault, private_ct,
                                  aad=record_aad(record_id, kind, vid, author_id, private=True))
        return fields

    def _readable(self, record_ids: list[str] | None = None, *, kind: Kind | None = None,
                  person_id: str | None = None, include_deleted: bool = False) -> Any:
        """The newest version (by clock) of each record that this user holds a key for. A
        version's clock always sorts after everything it was saved over, so for the author
        this is the version the merge shows."""
        me = self.user.id
        newest = (select(VersionRow.record_id, func.max(VersionRow.hlc).label("hlc"))
                  .join(WrapRow, and_(WrapRow.record_id == VersionRow.record_id,
                                      WrapRow.version == VersionRow.version,
                                      WrapRow.reader_id == me))
                  .group_by(VersionRow.record_id).subquery())
        w = aliased(WrapRow)
        query = (
            select(RecordRow.id, RecordRow.kind, RecordRow.author_id, RecordRow.person_id,
                   RecordRow.deleted_at, VersionRow.version, VersionRow.saved_at,
                   VersionRow.ciphertext, VersionRow.private_ciphertext, w.suite, w.wrapped,
                   VersionRow.vid)
            .join(newest, newest.c.record_id == RecordRow.id)
            .join(VersionRow, and_(VersionRow.record_id == RecordRow.id,
                                   VersionRow.hlc == newest.c.hlc))
            .join(w, and_(w.record_id == RecordRow.id, w.version == VersionRow.version,
                          w.reader_id == me))
            .where(RecordRow.erased_at.is_(None))
        )
        if record_ids is not None:
            query = query.where(RecordRow.id.in_(record_ids))
        if kind is not None:
            query = query.where(RecordRow.kind == kind.value)
        if person_id is not None:
            query = query.where(RecordRow.person_id == person_id)
        if not include_deleted:
            query = query.where(RecordRow.deleted_at.is_(None))
        return query

    def records(self, kind: Kind | str | None = None, *, person_id: str | None = None,
             include_deleted: bool = False) -> list[Record]:
        """Everything this user may read, decrypted in memory. A damaged record raises."""
        kind = Kind(kind) if kind else None
        with self._transaction() as s:
            rows = s.execute(self._readable(kind=kind, person_id=person_id,
                                            include_deleted=include_deleted)).all()
        records = []
        for (rid, k, author, person, deleted_at, version, saved_at, ct, pct, suite,
             wrapped, vid) in rows:
            kind_ = Kind(k)
            fields = self._decrypt(kind_, rid, author, vid, ct, pct, suite, wrapped)
            records.append(Record(rid, kind_, author, person, version, saved_at, fields,
                                  deleted=deleted_at is not None))
        records.sort(key=lambda r: r.saved_at, reverse=True)
        return records

    def get(self, record_id: str, *, version: int | None = None) -> Record:
        with self._transaction() as s:
            row = s.get(RecordRow, record_id)
            if row is None:
                raise NotFound("There is no record with that id on this computer.")
            if row.erased_at is not None:
                raise NotFound(
                    f"This record was erased on {row.erased_at:%d %B %Y} at the person's request.")
            wrap_query = select(WrapRow).where(WrapRow.record_id == record_id,
                                               WrapRow.reader_id == self.user.id)
            if version is not None:
                wrap_query = wrap_query.where(WrapRow.version == version)
            wrap = s.scalar(wrap_query.join(VersionRow, and_(
                VersionRow.record_id == WrapRow.record_id, VersionRow.version == WrapRow.version))
                .order_by(VersionRow.hlc.desc()).limit(1))
            if wrap is None:
                if version is not None and row.author_id == self.user.id:
                    raise NotFound(f"This record has no readable version {version}.")
                raise NotSharedWithYou("This record has not been shared with you.")
            ver = s.get(VersionRow, (record_id, wrap.version))
            assert ver is not None and ver.ciphertext is not None
            fields = self._decrypt(Kind(row.kind), record_id, row.author_id, ver.vid,
                                   ver.ciphertext, ver.private_ciphertext, wrap.suite,
                                   wrap.wrapped)
            self._audit(s, audit.READ, record_id, f"version={wrap.version}")
            return Record(record_id, Kind(row.kind), row.author_id, row.person_id, wrap.version,
                          ver.saved_at, fields, deleted=row.deleted_at is not None,
                          readers=self._readers(s, record_id))

    def history(self, record_id: str) -> list[Record]:
        """Every version this user can read, oldest first, with deletions as empty versions."""
        with self._transaction() as s:
            row = s.get(RecordRow, record_id)
            if row is None or row.erased_at is not None:
                raise NotFound("There is no record with that id on this computer.")
            mine = row.author_id == self.user.id
            wraps = {w.version: w for w in s.scalars(select(WrapRow).where(
                WrapRow.record_id == record_id, WrapRow.reader_id == self.user.id))}
            if not wraps and not mine:
                raise NotSharedWithYou("This record has not been shared with you.")
            out = []
            for ver in s.scalars(select(VersionRow).where(VersionRow.record_id == record_id)
                                 .order_by(VersionRow.hlc)):
                kind = Kind(row.kind)
                base = (record_id, kind, row.author_id, row.person_id, ver.version, ver.saved_at)
                if ver.tombstone:
                    if mine:
                        out.append(Record(*base, {}, deleted=True))
                    continue
                wrap = wraps.get(ver.version)
                if wrap is None or ver.ciphertext is None:
                    continue
                out.append(Record(*base, self._decrypt(
                    kind, record_id, row.author_id, ver.vid, ver.ciphertext,
                    ver.private_ciphertext, wrap.suite, wrap.wrapped)))
            self._audit(s, audit.READ, record_id, "history")
            return out

    # -- sharing for supervision ----------------------------------------------------------

    @staticmethod
    def _readers(s: Session, record_id: str) -> tuple[str, ...]:
        return tuple(s.scalars(select(ReaderRow.reader_id).where(ReaderRow.record_id == record_id)))

    def share(self, record_id: str, with_account: str) -> None:
        """From the version as it is now: the coordinator can read it and every later version."""
        with self._transaction() as s:
            row = self._own_live(s, record_id)
            if Kind(row.kind) not in SHAREABLE:
                raise NotAllowed("Only diaries and reflections can be shared for supervision. "
                                 "A plan belongs to the person, who chooses who sees it.")
            target = self.vault._row(s, with_account)
            if Role(target.role) is not Role.COORDINATOR:
                raise NotAllowed(f"{target.name} is not a Peer Worker Coordinator; records are "
                                 "shared for supervision with a coordinator.")
            self._add_reader(s, record_id, row.head_version, target)

    def _add_reader(self, s: Session, record_id: str, head_version: int,
                    target: AccountRow) -> None:
        """One more account reads this record from its current version on (the share is
        told, and the sharing audited). Callers check who may be given what."""
        if s.get(ReaderRow, (record_id, target.id)):
            return
        s.add(ReaderRow(record_id=record_id, reader_id=target.id, since=self.vault.clock()))
        self._switch_reader(s, record_id, target.id, active=True)
        head = s.get(VersionRow, (record_id, head_version))
        assert head is not None
        self.wrap_for(s, head, target.id, target.receive_public)
        # If the version already went to the share, it was sealed for the readers of that
        # time: send it again, now for them too (receivers skip a vid they hold).
        if s.scalar(select(OutboxRow.seq).where(
                OutboxRow.op == "version", OutboxRow.record_id == record_id,
                OutboxRow.vid == head.vid).limit(1)) is None:
            s.add(OutboxRow(user_id=self.user.id, op="version", record_id=record_id,
                            vid=head.vid))
        self._audit(s, audit.SHARE, record_id, f"with={target.id}")

    def wrap_for(self, s: Session, ver: VersionRow, reader_id: str, public: bytes) -> None:
        """Give one more reader the key of one of this user's versions (and tell the share)."""
        merge.add_reader_wrap(s, self.keys, self.user.id, ver, reader_id, public)

    def _switch_reader(self, s: Session, record_id: str, reader_id: str, *, active: bool) -> None:
        reading = hlc.tick(s, now=self.vault.clock(), device_id=self.vault.device_id)
        s.merge(ReaderClockRow(record_id=record_id, reader_id=reader_id, hlc=reading,
                               active=active))
        s.add(OutboxRow(user_id=self.user.id, op="reader", record_id=record_id,
                        reader_id=reader_id))

    def unshare(self, record_id: str, with_account: str) -> None:
        """From the next version on. What the coordinator could already read stays readable to
        her: it may be on her computer already."""
        with self._transaction() as s:
            self._own_live(s, record_id)
            target = self.vault._row(s, with_account)
            reader = s.get(ReaderRow, (record_id, target.id))
            if reader is None:
                raise InvalidInput(f"This record is not shared with {target.name}.")
            s.delete(reader)
            self._switch_reader(s, record_id, target.id, active=False)
            self._audit(s, audit.UNSHARE, record_id, f"with={target.id}")

    def shared_with_me(self) -> list[Record]:
        return [r for r in self.records() if r.author_id != self.user.id]

    def shared_by_me(self) -> dict[str, tuple[str, ...]]:
        """Which of my records are shared for supervision, and with whom (account ids): what
        the desktop's "Shared with supervision" list shows, without decrypting anything."""
        with self._transaction() as s:
            rows = s.execute(
                select(ReaderRow.record_id, ReaderRow.reader_id)
                .join(RecordRow, RecordRow.id == ReaderRow.record_id)
                .where(RecordRow.author_id == self.user.id, RecordRow.erased_at.is_(None))
            ).all()
        shared: dict[str, list[str]] = {}
        for record_id, reader_id in rows:
            shared.setdefault(record_id, []).append(reader_id)
        return {k: tuple(v) for k, v in shared.items()}

    # -- erasure --------------------------------------------------------------------------

    def erase_person(self, person_id: str) -> int:
        """The person withdraws: destroy every content key of every version of every record
        about them, and the ciphertext with it. Returns how many records were erased."""
        return self._erase(person_id, expect=Kind.PERSON)

    def erase_record(self, record_id: str) -> int:
        """Disposal of one record about no person (a reflection whose retention has ended):
        the same destruction as erase_person, carried to other devices the same way."""
        return self._erase(record_id, expect=None)

    def _erase(self, person_id: str, *, expect: Kind | None) -> int:
        now = self.vault.clock()
        with self._transaction() as s:
            # Deleted records too: a tombstone keeps the history, which this destroys.
            row = self._own_live(s, person_id, expect=expect, deleted_ok=True)
            if expect is None and (row.kind == Kind.PERSON.value or row.person_id is not None):
                raise InvalidInput("A record about a person is erased with the person.")
            ids = list(s.scalars(select(RecordRow.id).where(
                (RecordRow.id == person_id) | (RecordRow.person_id == person_id))))
            merge.erase_records(s, ids, now=now)
            s.execute(delete(DraftRow).where((DraftRow.person_id == person_id)
                                             | DraftRow.record_id.in_(ids)))
            # Remembered, so versions about this person that arrive later are dropped unread;
            # and queued, so every other device that syncs erases them too.
            reading = hlc.tick(s, now=now, device_id=self.vault.device_id)
            s.merge(ErasedPersonRow(person_id=person_id, author_id=self.user.id, hlc=reading))
            s.add(OutboxRow(user_id=self.user.id, op="erase", record_id=person_id))
            self._audit(s, audit.ERASE, person_id, f"records={len(ids)}")
        # Old page images may still sit in the write-ahead log until it is checkpointed.
        self.vault.store.checkpoint()
        return len(ids)

    # -- drafts ---------------------------------------------------------------------------

    def _draft_aad(self, draft_id: str) -> bytes:
        return f"peerdesk/draft/v1|{draft_id}|{self.user.id}".encode()

    def save_draft(self, kind: Kind | str, fields: Mapping[str, Any], *,
                   draft_id: str | None = None, record_id: str | None = None,
                   person_id: str | None = None) -> str:
        draft_id = draft_id or str(uuid.uuid4())
        sealed = seal_fields(self.keys.vault, dict(fields), aad=self._draft_aad(draft_id))
        with self._transaction() as s:
            s.merge(DraftRow(id=draft_id, owner_id=self.user.id, record_id=record_id,
                             person_id=person_id, kind=Kind(kind).value,
                             updated_at=self.vault.clock(), ciphertext=sealed))
        return draft_id

    def drafts(self) -> list[Draft]:
        with self._transaction() as s:
            rows = list(s.scalars(select(DraftRow).where(DraftRow.owner_id == self.user.id)
                                  .order_by(DraftRow.updated_at.desc())))
        return [Draft(r.id, Kind(r.kind), r.record_id, r.person_id, r.updated_at,
                      open_fields(self.keys.vault, r.ciphertext, aad=self._draft_aad(r.id)))
                for r in rows]

    def discard_draft(self, draft_id: str) -> None:
        with self._transaction() as s:
            s.execute(delete(DraftRow).where(DraftRow.id == draft_id,
                                             DraftRow.owner_id == self.user.id))

    # -- integrity ------------------------------------------------------------------------

    def note_export(self, record_id: str, how: str) -> None:
        """A copy left PeerDesk (a PDF or a print): the audit trail says so, without content."""
        with self._transaction() as s:
            if s.get(RecordRow, record_id) is None:
                raise NotFound("There is no record with that id on this computer.")
            self._audit(s, audit.EXPORT, record_id, how)

    def note(self, action: str, record_id: str | None, detail: str = "") -> None:
        """An information-governance event for the audit trail (ids and reasons, no record
        text): a refused export, a subject access bundle, a break-glass opening."""
        with self._transaction() as s:
            self._audit(s, action, record_id, detail)

    def check(self) -> list[CheckProblem]:
        """Open every version this user may read; report each one that fails."""
        problems = []
        with self._transaction() as s:
            rows = s.execute(
                select(RecordRow.id, RecordRow.kind, RecordRow.author_id, VersionRow.version,
                       VersionRow.ciphertext, VersionRow.private_ciphertext, WrapRow.suite,
                       WrapRow.wrapped, VersionRow.vid)
                .join(WrapRow, WrapRow.record_id == RecordRow.id)
                .join(VersionRow, and_(VersionRow.record_id == WrapRow.record_id,
                                       VersionRow.version == WrapRow.version))
                .where(WrapRow.reader_id == self.user.id, RecordRow.erased_at.is_(None))
            ).all()
        for rid, kind, author, version, ct, pct, suite, wrapped, vid in rows:
            try:
                if ct is None:
                    raise DecryptionFailed("Its encrypted content is missing.")
                self._decrypt(Kind(kind), rid, author, vid, ct, pct, suite, wrapped)
            except PeerDeskError as exc:
                problems.append(CheckProblem(rid, version, str(exc)))
        return problems

    # -- helpers --------------------------------------------------------------------------

    def _fields_of(self, s: Session, row: Any, versions: list[int]) -> list[dict[str, Any]]:
        """The fields of some of this user's versions of a record (tombstones skipped)."""
        out = []
        for number in versions:
            ver = s.get(VersionRow, (row.id, number))
            wrap = s.get(WrapRow, (row.id, number, self.user.id))
            if ver is None or ver.ciphertext is None or wrap is None:
                continue
            out.append(self._decrypt(Kind(row.kind), row.id, row.author_id, ver.vid,
                                     ver.ciphertext, ver.private_ciphertext, wrap.suite,
                                     wrap.wrapped))
        return out

    def _own_live(self, s: Session, record_id: str, *, expect: Kind | None = None,
                  deleted_ok: bool = False) -> Any:
        """The record's state row (id, kind, author, person, head version, deleted, erased)."""
        row = s.connection().execute(_RECORD_STATE, {"record_id": record_id}).first()
        if row is None or row.erased_at is not None:
            raise NotFound("There is no record with that id on this computer.")
        if row.author_id != self.user.id:
            raise NotAllowed("Only the person who wrote this record can change it.")
        if row.deleted_at is not None and not deleted_ok:
            raise InvalidInput("This record was deleted; its history is still readable.")
        if expect is not None and row.kind != expect.value:
            raise InvalidInput(f"That id is not a {expect.label.lower()}.")
        return row
