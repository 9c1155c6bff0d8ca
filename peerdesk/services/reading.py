"""Reading what a signed-in user may read: lists, one record, its history, a check of every
version. Decrypted in memory only, into frozen ``Record`` snapshots."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from sys import intern
from typing import Any

from sqlalchemy import Connection, and_, func, select
from sqlalchemy.orm import aliased

from peerdesk import audit, dates
from peerdesk.crypto.payload import SealedVersion, open_version
from peerdesk.domain import Kind, Record
from peerdesk.errors import DecryptionFailed, NotFound, NotSharedWithYou, PeerDeskError
from peerdesk.services.actor import Actor
from peerdesk.store import records
from peerdesk.store.models import ReaderRow, RecordRow, VersionRow, WrapRow
from peerdesk.store.records import RecordState


@dataclass(frozen=True)
class CheckProblem:
    record_id: str
    version: int
    problem: str


def _readable(me: Actor, *, kind: Kind | None = None, person_id: str | None = None,
              include_deleted: bool = False, ids: Sequence[str] | None = None) -> Any:
    """The newest version (by clock) of each record that this user holds a key for. A
    version's clock always sorts after everything it was saved over, so for the author this
    is the version the merge shows."""
    mine = me.user.id
    newest_query = (select(VersionRow.record_id, func.max(VersionRow.hlc).label("hlc"))
                    .join(WrapRow, and_(WrapRow.record_id == VersionRow.record_id,
                                        WrapRow.version == VersionRow.version,
                                        WrapRow.reader_id == mine)))
    if ids is not None:  # only these records: their versions only, by the primary key
        newest_query = newest_query.where(VersionRow.record_id.in_(ids))
    newest = newest_query.group_by(VersionRow.record_id).subquery()
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
                      w.reader_id == mine))
        .where(RecordRow.erased_at.is_(None))
    )
    if ids is not None:
        query = query.where(RecordRow.id.in_(ids))
    if kind is not None:
        query = query.where(RecordRow.kind == kind.value)
    if person_id is not None:
        query = query.where(RecordRow.person_id == person_id)
    if not include_deleted:
        query = query.where(RecordRow.deleted_at.is_(None))
    return query


def records_of(me: Actor, kind: Kind | str | None = None, *, person_id: str | None = None,
               include_deleted: bool = False, ids: Sequence[str] | None = None) -> list[Record]:
    """Everything this user may read (``ids``: of these records only), decrypted in memory.
    A damaged record raises."""
    kind = Kind(kind) if kind else None
    with me.vault.store.transaction() as s:
        rows = s.execute(_readable(me, kind=kind, person_id=person_id,
                                   include_deleted=include_deleted, ids=ids)).all()
    out = []
    for (rid, k, author, person, deleted_at, version, saved_at, ct, pct, suite,
         wrapped, vid) in rows:
        fields = open_version(me.keys, me.user.id, SealedVersion(rid, k, author, vid, ct, pct),
                              suite, wrapped)
        out.append(Record(rid, Kind(k), intern(author), person and intern(person), version,
                          saved_at, _shared_words(fields), deleted=deleted_at is not None))
    out.sort(key=lambda r: r.saved_at, reverse=True)
    return out


def record_ids(me: Actor) -> list[str]:
    """Every record that is neither deleted nor erased, people first, then the newest
    change first, without
    decrypting or even reading a version: what unlock reads in batches, in that order.
    (Some may hold no version this user can read: reading them gives nothing.)"""
    with me.vault.store.transaction() as s:
        return list(s.scalars(
            select(RecordRow.id).where(RecordRow.erased_at.is_(None),
                                       RecordRow.deleted_at.is_(None))
            .order_by((RecordRow.kind == Kind.PERSON.value).desc(),
                      RecordRow.updated_at.desc())))


SHORT = 64  # a value this short is likely a choice, a tag or a date: kept once in memory


def _shared_words(value: Any) -> Any:
    """The same fields, with names and short values held once however many records have
    them (a field's name, a choice, a tag, an account id): a vault of 100,000 records holds
    each of them 100,000 times otherwise."""
    if isinstance(value, dict):
        return {intern(k): _shared_words(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shared_words(v) for v in value]
    if isinstance(value, str) and len(value) <= SHORT:
        return intern(value)
    return value


def get(me: Actor, record_id: str, *, version: int | None = None) -> Record:
    with me.vault.store.transaction() as s:
        row = s.get(RecordRow, record_id)
        if row is None:
            raise NotFound("There is no record with that id on this computer.")
        if row.erased_at is not None:
            raise NotFound(
                f"This record was erased on {dates.day(row.erased_at)} at the person's request.")
        wrap_query = select(WrapRow).where(WrapRow.record_id == record_id,
                                           WrapRow.reader_id == me.user.id)
        if version is not None:
            wrap_query = wrap_query.where(WrapRow.version == version)
        wrap = s.scalar(wrap_query.join(VersionRow, and_(
            VersionRow.record_id == WrapRow.record_id, VersionRow.version == WrapRow.version))
            .order_by(VersionRow.hlc.desc()).limit(1))
        if wrap is None:
            if version is not None and row.author_id == me.user.id:
                raise NotFound(f"This record has no readable version {version}.")
            raise NotSharedWithYou("This record has not been shared with you.")
        ver = s.get(VersionRow, (record_id, wrap.version))
        if ver is None or ver.ciphertext is None:
            raise DecryptionFailed("Its encrypted content is missing.")
        fields = open_version(me.keys, me.user.id, SealedVersion(
            record_id, row.kind, row.author_id, ver.vid, ver.ciphertext,
            ver.private_ciphertext), wrap.suite, wrap.wrapped)
        record = Record(record_id, Kind(row.kind), row.author_id, row.person_id,
                        wrap.version, ver.saved_at, fields, deleted=row.deleted_at is not None,
                        readers=records.readers(s.connection(), record_id))
    me.audit_read(audit.READ, record_id, f"version={record.version}")
    return record


def history(me: Actor, record_id: str) -> list[Record]:
    """Every version this user can read, oldest first, with deletions as empty versions."""
    with me.vault.store.transaction() as s:
        row = s.get(RecordRow, record_id)
        if row is None or row.erased_at is not None:
            raise NotFound("There is no record with that id on this computer.")
        mine = row.author_id == me.user.id
        wraps = {w.version: w for w in s.scalars(select(WrapRow).where(
            WrapRow.record_id == record_id, WrapRow.reader_id == me.user.id))}
        if not wraps and not mine:
            raise NotSharedWithYou("This record has not been shared with you.")
        out = []
        kind = Kind(row.kind)
        for ver in s.scalars(select(VersionRow).where(VersionRow.record_id == record_id)
                             .order_by(VersionRow.hlc)):
            base = (record_id, kind, row.author_id, row.person_id, ver.version, ver.saved_at)
            if ver.tombstone:
                if mine:
                    out.append(Record(*base, {}, deleted=True))
                continue
            wrap = wraps.get(ver.version)
            if wrap is None or ver.ciphertext is None:
                continue
            out.append(Record(*base, open_version(me.keys, me.user.id, SealedVersion(
                record_id, kind, row.author_id, ver.vid, ver.ciphertext,
                ver.private_ciphertext), wrap.suite, wrap.wrapped)))
    me.audit_read(audit.READ, record_id, "history")
    return out


def fields_of(me: Actor, conn: Connection, row: RecordState,
              versions: list[int]) -> list[dict[str, Any]]:
    """The fields of some of this user's versions of a record (tombstones skipped)."""
    out = []
    v = VersionRow.__table__.c
    for number in versions:
        ver = conn.execute(select(v.vid, v.ciphertext, v.private_ciphertext).where(
            v.record_id == row.id, v.version == number)).first()
        wrap = records.wrap_of(conn, row.id, number, me.user.id)
        if ver is None or ver.ciphertext is None or wrap is None:
            continue
        out.append(open_version(me.keys, me.user.id, SealedVersion(
            row.id, row.kind, row.author_id, ver.vid, ver.ciphertext, ver.private_ciphertext),
            wrap.suite, wrap.wrapped))
    return out


def shared_by_me(me: Actor) -> dict[str, tuple[str, ...]]:
    """Which of my records are shared for supervision, and with whom (account ids): what
    the desktop's "Shared with supervision" list shows, without decrypting anything."""
    with me.vault.store.transaction() as s:
        rows = s.execute(
            select(ReaderRow.record_id, ReaderRow.reader_id)
            .join(RecordRow, RecordRow.id == ReaderRow.record_id)
            .where(RecordRow.author_id == me.user.id, RecordRow.erased_at.is_(None))
        ).all()
    shared: dict[str, list[str]] = {}
    for record_id, reader_id in rows:
        shared.setdefault(record_id, []).append(reader_id)
    return {k: tuple(v) for k, v in shared.items()}


def check(me: Actor) -> list[CheckProblem]:
    """Open every version this user may read; report each one that fails."""
    problems = []
    with me.vault.store.transaction() as s:
        rows = s.execute(
            select(RecordRow.id, RecordRow.kind, RecordRow.author_id, VersionRow.version,
                   VersionRow.ciphertext, VersionRow.private_ciphertext, WrapRow.suite,
                   WrapRow.wrapped, VersionRow.vid)
            .join(WrapRow, WrapRow.record_id == RecordRow.id)
            .join(VersionRow, and_(VersionRow.record_id == WrapRow.record_id,
                                   VersionRow.version == WrapRow.version))
            .where(WrapRow.reader_id == me.user.id, RecordRow.erased_at.is_(None))
        ).all()
    for rid, kind, author, version, ct, pct, suite, wrapped, vid in rows:
        try:
            if ct is None:
                raise DecryptionFailed("Its encrypted content is missing.")
            open_version(me.keys, me.user.id, SealedVersion(rid, kind, author, vid, ct, pct),
                         suite, wrapped)
        except PeerDeskError as exc:
            problems.append(CheckProblem(rid, version, str(exc)))
    return problems


def note(me: Actor, action: str, record_id: str | None, detail: str = "") -> None:
    """An information-governance event for the audit trail (ids and reasons, no record
    text): a refused export, a subject access bundle, a break-glass opening."""
    with me.vault.store.transaction() as s:
        me.audit(s.connection(), action, record_id, detail)


def note_export(me: Actor, record_id: str, how: str) -> None:
    """A copy left PeerDesk (a PDF or a print): the audit trail says so, without content."""
    with me.vault.store.transaction() as s:
        conn = s.connection()
        if records.state(conn, record_id) is None:
            raise NotFound("There is no record with that id on this computer.")
        me.audit(conn, audit.EXPORT, record_id, how)
