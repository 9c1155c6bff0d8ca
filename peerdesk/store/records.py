"""The one writer of records: their versions, the wrapped keys, who reads them, erasure, and
the outbox that tells the share. Local saves and sync's apply both come through here.

Every statement is Core, run on the connection of the caller's transaction (one user action or
one changeset is one transaction): built once from the models, so a save pays for no ORM flush.
Nothing here encrypts or decrypts; callers hand in sealed bytes and wrapped keys.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.sqlite import insert as upsert
from sqlalchemy.orm import aliased

from peerdesk.domain import Kind
from peerdesk.domain import hlc as clock
from peerdesk.domain.merge import Outcome, VersionNode, decide, join_parents, parse_parents
from peerdesk.store import settings
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
    table,
)

_CHUNK = 500
CLOCK_KEY = "hlc"  # the setting that holds this device's last clock reading


_RECORDS, _VERSIONS, _WRAPS = table(RecordRow), table(VersionRow), table(WrapRow)
_READERS, _CLOCKS, _OUTBOX = table(ReaderRow), table(ReaderClockRow), table(OutboxRow)
_ERASED, _DRAFTS = table(ErasedPersonRow), table(DraftRow)


@dataclass(frozen=True)
class NewRecord:
    id: str
    kind: Kind
    author_id: str
    person_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class NewVersion:
    """One version as it is stored: sealed already (``ciphertext`` is None for a deletion)."""

    record_id: str
    vid: str
    hlc: str
    device_id: str
    parents: tuple[str, ...]
    author_id: str
    saved_at: datetime
    suite: str
    tombstone: bool = False
    ciphertext: bytes | None = None
    private_ciphertext: bytes | None = None


@dataclass(frozen=True)
class Wrap:
    """One version's content key, wrapped for one reader."""

    reader_id: str
    suite: str
    wrapped: bytes


@dataclass(frozen=True)
class RecordState:
    """What may be known of a record before unlock (plaintext columns)."""

    id: str
    kind: str
    author_id: str
    person_id: str | None
    head_version: int
    deleted_at: datetime | None
    erased_at: datetime | None


@dataclass(frozen=True)
class Queued:
    """One outbox entry: a local change not yet on the share (ids only; content is read
    from the vault when it is sent)."""

    op: str  # version | wrap | reader | erase
    record_id: str
    vid: str | None = None
    reader_id: str | None = None


# -- statements, built once --------------------------------------------------------------------

_STATE = select(_RECORDS.c.id, _RECORDS.c.kind, _RECORDS.c.author_id, _RECORDS.c.person_id,
                _RECORDS.c.head_version, _RECORDS.c.deleted_at, _RECORDS.c.erased_at
                ).where(_RECORDS.c.id == bindparam("record_id"))
_RECORD_COLUMNS = ("id", "kind", "author_id", "person_id", "head_version", "created_at",
                   "updated_at", "conflict")
_INSERT_RECORD = insert(_RECORDS)
# A record about a person is inserted only if she is a live person whom the author supports:
# the author of the person record, or a peer the person's support was handed or shared with
# (a reader of the person record, which nothing else gives; peerdesk/services/handover.py).
# The check and the insert in one statement.
_PERSON = aliased(RecordRow)
_SUPPORTER = aliased(ReaderRow)
_INSERT_RECORD_ABOUT = insert(_RECORDS).from_select(
    list(_RECORD_COLUMNS),
    select(*(bindparam(c, type_=_RECORDS.c[c].type) for c in _RECORD_COLUMNS))
    .where(exists().where(
        _PERSON.id == bindparam("person_id"),
        (_PERSON.author_id == bindparam("author_id"))
        | exists().where(_SUPPORTER.record_id == _PERSON.id,
                         _SUPPORTER.reader_id == bindparam("author_id")),
        _PERSON.kind == literal(Kind.PERSON.value),
        _PERSON.erased_at.is_(None), _PERSON.deleted_at.is_(None))))
_INSERT_VERSION = insert(_VERSIONS)
_INSERT_WRAP = insert(_WRAPS)
_INSERT_OUTBOX = insert(_OUTBOX)
_NUMBERS = select(func.max(_VERSIONS.c.version), func.max(_VERSIONS.c.hlc)).where(
    _VERSIONS.c.record_id == bindparam("record_id"))
_READER_KEYS = (select(_READERS.c.reader_id, AccountRow.receive_public)
                .join(AccountRow, AccountRow.id == _READERS.c.reader_id)
                .where(_READERS.c.record_id == bindparam("record_id")))
_REFRESH = update(_RECORDS).where(_RECORDS.c.id == bindparam("rid"))
_CLOCK = settings.getter(CLOCK_KEY)
_SET_CLOCK = settings.setter(CLOCK_KEY)
_ADVANCE_CLOCK = settings.advancer(CLOCK_KEY)


# -- reading ------------------------------------------------------------------------------------

def state(conn: Connection, record_id: str) -> RecordState | None:
    row = conn.execute(_STATE, {"record_id": record_id}).first()
    return None if row is None else RecordState(*row)


def nodes(conn: Connection, record_ids: Sequence[str]) -> dict[str, list[VersionNode]]:
    found: dict[str, list[VersionNode]] = defaultdict(list)
    v = _VERSIONS.c
    for i in range(0, len(record_ids), _CHUNK):
        for rid, number, vid, reading, parents, tomb, saved in conn.execute(
                select(v.record_id, v.version, v.vid, v.hlc, v.parents, v.tombstone, v.saved_at)
                .where(v.record_id.in_(record_ids[i:i + _CHUNK]))):
            found[rid].append(VersionNode(number, vid, reading, parse_parents(parents), tomb,
                                          saved))
    return found


def outcome(conn: Connection, record_id: str) -> Outcome:
    return decide(nodes(conn, [record_id])[record_id])


def numbering(conn: Connection, record_id: str) -> tuple[int, str | None]:
    """The next local version number of a record, and its newest clock reading (a new
    version always sorts after every version this device holds, whatever any clock says)."""
    top, newest = conn.execute(_NUMBERS, {"record_id": record_id}).one()
    return int(top or 0) + 1, newest


def reader_keys(conn: Connection, record_id: str) -> list[tuple[str, bytes]]:
    """Who besides the author reads new versions, with the key to wrap for."""
    return [(r, k) for r, k in conn.execute(_READER_KEYS, {"record_id": record_id})]


def readers(conn: Connection, record_id: str) -> tuple[str, ...]:
    return tuple(conn.scalars(select(_READERS.c.reader_id)
                              .where(_READERS.c.record_id == record_id)))


def wraps_for_reader(conn: Connection, reader_id: str) -> list[tuple[str, int, str, bytes]]:
    """Every (record, local number, vid, wrapped key) held for one reader."""
    w, v = _WRAPS.c, _VERSIONS.c
    return [(r, n, vid, wrapped) for r, n, vid, wrapped in conn.execute(
        select(w.record_id, w.version, v.vid, w.wrapped)
        .join(_VERSIONS, (v.record_id == w.record_id) & (v.version == w.version))
        .where(w.reader_id == reader_id))]


def vid_of(conn: Connection, record_id: str, number: int) -> str | None:
    return conn.scalar(select(_VERSIONS.c.vid).where(_VERSIONS.c.record_id == record_id,
                                                     _VERSIONS.c.version == number))


def wrap_of(conn: Connection, record_id: str, number: int, reader_id: str) -> Wrap | None:
    row = conn.execute(select(_WRAPS.c.suite, _WRAPS.c.wrapped).where(
        _WRAPS.c.record_id == record_id, _WRAPS.c.version == number,
        _WRAPS.c.reader_id == reader_id)).first()
    return None if row is None else Wrap(reader_id, row.suite, row.wrapped)


# -- the device's clock -------------------------------------------------------------------------

def tick(conn: Connection, *, now: datetime, device_id: str, after: str | None = None) -> str:
    """The next clock reading for something saved on this device, kept in the same
    transaction. ``after``: a reading it must sort after (the newest version it replaces)."""
    if conn.dialect.insert_returning:
        # Usually the wall clock has moved on: then the reading is the wall time, and one
        # statement both keeps it and says whether the stored clock was already later
        # (readings of one device compare as their strings do).
        wall = clock.encode(clock.wall_ms(now), 0, device_id)
        if after is None or after < wall:
            stored = conn.execute(_ADVANCE_CLOCK, {"value": wall}).scalar()
            if stored == wall:
                return wall
            reading, keep = clock.next_reading(stored, now=now, device_id=device_id,
                                               after=after)
            if keep:
                conn.execute(_SET_CLOCK, {"value": reading})
            return reading
    reading, keep = clock.next_reading(conn.execute(_CLOCK).scalar(), now=now,
                                       device_id=device_id, after=after)
    if keep:
        conn.execute(_SET_CLOCK, {"value": reading})
    return reading


def observe(conn: Connection, remote: str, *, now: datetime, device_id: str) -> None:
    """Move this device's clock past a reading seen from elsewhere (see domain.hlc)."""
    moved = clock.observed(conn.execute(_CLOCK).scalar(), remote, now=now, device_id=device_id)
    if moved is not None:
        conn.execute(_SET_CLOCK, {"value": moved})


# -- writing ------------------------------------------------------------------------------------

def create(conn: Connection, record: NewRecord) -> bool:
    """A new record at version 1. One about a person is made only if the person is a live
    person record the author supports (hers, or handed or shared with her); False if not
    (nothing is written)."""
    row = {"id": record.id, "kind": record.kind.value, "author_id": record.author_id,
           "person_id": record.person_id, "head_version": 1, "created_at": record.created_at,
           "updated_at": record.created_at, "conflict": False}
    if record.person_id is None:
        conn.execute(_INSERT_RECORD, row)
        return True
    return conn.execute(_INSERT_RECORD_ABOUT, row).rowcount == 1


def _version_row(version: NewVersion, number: int) -> dict[str, Any]:
    return {"record_id": version.record_id, "version": number, "vid": version.vid,
            "hlc": version.hlc, "device_id": version.device_id,
            "parents": join_parents(version.parents), "author_id": version.author_id,
            "saved_at": version.saved_at, "suite": version.suite,
            "tombstone": version.tombstone, "ciphertext": version.ciphertext,
            "private_ciphertext": version.private_ciphertext}


def _wrap_rows(record_id: str, number: int, wraps: Iterable[Wrap]) -> list[dict[str, Any]]:
    return [{"record_id": record_id, "version": number, "reader_id": w.reader_id,
             "suite": w.suite, "wrapped": w.wrapped} for w in wraps]


def save_version(conn: Connection, version: NewVersion, wraps: Sequence[Wrap], *,
                 number: int, queue_for: str, first: bool = False) -> None:
    """A version saved on this device: stored with its wraps, queued for the share, and the
    record's shown version worked out again (``first``: the record was just created, so
    version 1 is all there is)."""
    conn.execute(_INSERT_VERSION, _version_row(version, number))
    if wraps:
        rows = _wrap_rows(version.record_id, number, wraps)
        conn.execute(_INSERT_WRAP, rows[0] if len(rows) == 1 else rows)
    queue(conn, queue_for, Queued("version", version.record_id, vid=version.vid))
    if not first:
        refresh(conn, [version.record_id])


def add_wrap(conn: Connection, record_id: str, number: int, wrap: Wrap) -> bool:
    """One more reader of one version; False if she already had its key."""
    if wrap_of(conn, record_id, number, wrap.reader_id) is not None:
        return False
    conn.execute(_INSERT_WRAP, _wrap_rows(record_id, number, [wrap]))
    return True


def give_key(conn: Connection, record_id: str, number: int, vid: str, *, owner_id: str,
             reader_id: str, rewrap: Callable[[str, bytes], tuple[str, bytes]]) -> bool:
    """One more reader of one of the owner's versions, queued for the share: ``rewrap`` makes
    the reader's (suite, wrapped) from the owner's. False if there is nothing to do (she
    already has it, or the owner holds no key of her own to give)."""
    own = wrap_of(conn, record_id, number, owner_id)
    if own is None or wrap_of(conn, record_id, number, reader_id) is not None:
        return False
    conn.execute(_INSERT_WRAP, _wrap_rows(record_id, number,
                                          [Wrap(reader_id, *rewrap(own.suite, own.wrapped))]))
    queue(conn, owner_id, Queued("wrap", record_id, vid=vid, reader_id=reader_id))
    return True


def queue(conn: Connection, user_id: str, *items: Queued) -> None:
    rows = [{"user_id": user_id, "op": q.op, "record_id": q.record_id, "vid": q.vid,
             "reader_id": q.reader_id} for q in items]
    conn.execute(_INSERT_OUTBOX, rows[0] if len(rows) == 1 else rows)


def is_queued(conn: Connection, item: Queued) -> bool:
    o = _OUTBOX.c
    return conn.scalar(select(o.seq).where(o.op == item.op, o.record_id == item.record_id,
                                           o.vid == item.vid).limit(1)) is not None


def queued(conn: Connection, user_id: str) -> list[tuple[int, Queued]]:
    """This user's outbox, oldest first, with each entry's place in it."""
    o = _OUTBOX.c
    return [(seq, Queued(op, rid, vid, reader)) for seq, op, rid, vid, reader in conn.execute(
        select(o.seq, o.op, o.record_id, o.vid, o.reader_id)
        .where(o.user_id == user_id).order_by(o.seq))]


def unqueue(conn: Connection, seqs: Sequence[int]) -> None:
    """Entries now on the share (read back and compared)."""
    for i in range(0, len(seqs), _CHUNK):
        conn.execute(delete(_OUTBOX).where(_OUTBOX.c.seq.in_(seqs[i:i + _CHUNK])))


def switch_reader(conn: Connection, record_id: str, reader_id: str, *, on: bool, hlc: str,
                  since: datetime, queue_for: str) -> None:
    """Sharing switched on or off here for one reader, at clock reading ``hlc``; the switch
    goes to the share."""
    set_reader_clock(conn, record_id, reader_id, on=on, hlc=hlc)
    set_reader(conn, record_id, reader_id, on=on, since=since)
    queue(conn, queue_for, Queued("reader", record_id, reader_id=reader_id))


def set_reader_clock(conn: Connection, record_id: str, reader_id: str, *, on: bool,
                     hlc: str) -> None:
    """When sharing with a reader was last switched, and which way: the newest switch wins."""
    conn.execute(upsert(_CLOCKS).values(record_id=record_id, reader_id=reader_id, hlc=hlc,
                                        active=on).on_conflict_do_update(
        index_elements=[_CLOCKS.c.record_id, _CLOCKS.c.reader_id],
        set_={"hlc": hlc, "active": on}))


def set_reader(conn: Connection, record_id: str, reader_id: str, *, on: bool,
               since: datetime) -> None:
    """Whether ``reader_id`` receives new versions of the record."""
    r = _READERS.c
    if on:
        conn.execute(upsert(_READERS).values(record_id=record_id, reader_id=reader_id,
                                             since=since).on_conflict_do_nothing())
    else:
        conn.execute(delete(_READERS).where(r.record_id == record_id, r.reader_id == reader_id))


def refresh(conn: Connection, record_ids: Iterable[str]) -> int:
    """Work out each record's shown version, deletion and conflict from its versions (the
    merge decision). Returns how many are in conflict afterwards."""
    ids = list(dict.fromkeys(record_ids))
    changes, conflicts = [], 0
    for rid, found in nodes(conn, ids).items():
        out = decide(found)
        conflicts += out.conflict
        changes.append({"rid": rid, "head_version": out.winner.version,
                        "conflict": out.conflict,
                        "deleted_at": out.winner.saved_at if out.deleted else None,
                        "updated_at": max(n.saved_at for n in found)})
    if changes:
        conn.execute(_REFRESH, changes)
    return conflicts


def add_versions(conn: Connection, new: Sequence[NewRecord],
                 versions: Sequence[tuple[NewVersion, int, Sequence[Wrap]]]) -> set[str]:
    """Records and versions that arrived from the share, in bulk (a first sync brings
    thousands): each version with the local number it gets here and its wraps. Not queued:
    they are on the share already. A new record's every version is among ``versions``, so
    its shown version, deletion and conflict are worked out here (the merge decision) and
    written with it; returns those records' ids. The caller refreshes the others it
    touched."""
    found: dict[str, list[VersionNode]] = defaultdict(list)
    for v, n, _ in versions:
        found[v.record_id].append(VersionNode(n, v.vid, v.hlc, v.parents, v.tombstone,
                                              v.saved_at))
    rows = []
    for r in new:
        head = found.get(r.id)
        out = decide(head) if head else None
        rows.append({
            "id": r.id, "kind": r.kind.value, "author_id": r.author_id,
            "person_id": r.person_id, "head_version": out.winner.version if out else 1,
            "created_at": r.created_at,
            "updated_at": max(n.saved_at for n in head) if head else r.created_at,
            "deleted_at": out.winner.saved_at if out and out.deleted else None,
            "erased_at": None, "conflict": out.conflict if out else False})
    _bulk(conn, _RECORDS, rows)
    _bulk(conn, _VERSIONS, [_version_row(v, n) for v, n, _ in versions])
    _bulk(conn, _WRAPS, [w for v, n, ws in versions for w in _wrap_rows(v.record_id, n, ws)])
    return {r.id for r in new if r.id in found}


_Convert = Callable[[Any], Any]
_BULK: dict[str, tuple[str, Callable[[dict[str, Any]], tuple[Any, ...]],
                       list[tuple[int, _Convert]]]] = {}


def _bulk(conn: Connection, table_: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Rows inserted in one driver call: the statement compiled once per table, and each
    column type's own conversion (a date to SQLite's text) applied here, so SQLAlchemy does
    no work per row."""
    if not rows:
        return
    if table_.name not in _BULK:
        keys = [c.key for c in table_.columns]
        converts = [(i, f) for i, c in enumerate(table_.columns)
                    if (f := c.type.bind_processor(conn.dialect)) is not None]
        _BULK[table_.name] = (
            str(insert(table_).compile(dialect=conn.dialect, column_keys=keys)),
            itemgetter(*keys), converts)
    sql, values, converts = _BULK[table_.name]

    def converted(row: dict[str, Any]) -> tuple[Any, ...]:
        out = list(values(row))
        for i, convert in converts:
            if out[i] is not None:
                out[i] = convert(out[i])
        return tuple(out)
    conn.exec_driver_sql(sql, [converted(row) for row in rows])


def about(conn: Connection, subject_id: str, *, author_id: str | None = None,
          also: Sequence[str] = ()) -> list[str]:
    """The ids of a person's record and every record about them (or of one record), with
    ``also`` besides; only ``author_id``'s when given."""
    r = _RECORDS.c
    query = select(r.id).where((r.id == subject_id) | (r.person_id == subject_id)
                               | r.id.in_(list(also)))
    if author_id is not None:
        query = query.where(r.author_id == author_id)
    return list(conn.scalars(query))


def erase(conn: Connection, ids: Sequence[str], *, now: datetime) -> None:
    """Destroy every wrapped key and every ciphertext of these records: unreadable for good.
    Their drafts and sharing go, and nothing of them may still go out to the share."""
    for i in range(0, len(ids), _CHUNK):
        chunk = list(ids[i:i + _CHUNK])
        conn.execute(delete(_WRAPS).where(_WRAPS.c.record_id.in_(chunk)))
        conn.execute(update(_VERSIONS).where(_VERSIONS.c.record_id.in_(chunk))
                     .values(ciphertext=None, private_ciphertext=None))
        conn.execute(delete(_READERS).where(_READERS.c.record_id.in_(chunk)))
        conn.execute(delete(_DRAFTS).where(_DRAFTS.c.record_id.in_(chunk)))
        conn.execute(delete(_OUTBOX).where(_OUTBOX.c.record_id.in_(chunk),
                                           _OUTBOX.c.op != "erase"))
        conn.execute(update(_RECORDS).where(_RECORDS.c.id.in_(chunk),
                                            _RECORDS.c.erased_at.is_(None)).values(erased_at=now))


def remember_erased(conn: Connection, person_id: str, *, author_id: str, hlc: str,
                    queue_for: str | None) -> None:
    """A person who withdrew (or one record disposed of): versions about them that arrive
    later are dropped unread. With ``queue_for`` the erasure was made here and goes out."""
    stmt = upsert(_ERASED).values(person_id=person_id, author_id=author_id, hlc=hlc)
    if queue_for is None:
        conn.execute(stmt.on_conflict_do_nothing())
        return
    conn.execute(stmt.on_conflict_do_update(index_elements=[_ERASED.c.person_id],
                                            set_={"author_id": author_id, "hlc": hlc}))
    queue(conn, queue_for, Queued("erase", person_id))


def erased_people(conn: Connection, author_id: str) -> set[str]:
    return set(conn.scalars(select(_ERASED.c.person_id).where(_ERASED.c.author_id == author_id)))


def versions_held(conn: Connection, record_ids: Sequence[str]) -> tuple[
        dict[str, tuple[str, str, str | None, bool]], dict[str, int], set[tuple[str, str]]]:
    """For applying versions from the share: each known record's (author, kind, person,
    erased), the highest local version number, and the (record, vid) pairs held."""
    known: dict[str, tuple[str, str, str | None, bool]] = {}
    top: dict[str, int] = {}
    held: set[tuple[str, str]] = set()
    r, v = _RECORDS.c, _VERSIONS.c
    for i in range(0, len(record_ids), _CHUNK):
        chunk = list(record_ids[i:i + _CHUNK])
        for rid, author, kind, person, erased in conn.execute(
                select(r.id, r.author_id, r.kind, r.person_id, r.erased_at)
                .where(r.id.in_(chunk))):
            known[rid] = (author, kind, person, erased is not None)
        for rid, vid, number in conn.execute(
                select(v.record_id, v.vid, v.version).where(v.record_id.in_(chunk))):
            held.add((rid, vid))
            top[rid] = max(top.get(rid, 0), number)
    return known, top, held


def number_of(conn: Connection, record_id: str, vid: str) -> int | None:
    """The local number of the version called ``vid``, if it is here."""
    return conn.scalar(select(_VERSIONS.c.version).where(
        _VERSIONS.c.record_id == record_id, _VERSIONS.c.vid == vid))


def reader_clock(conn: Connection, record_id: str, reader_id: str) -> tuple[str, bool] | None:
    row = conn.execute(select(_CLOCKS.c.hlc, _CLOCKS.c.active).where(
        _CLOCKS.c.record_id == record_id, _CLOCKS.c.reader_id == reader_id)).first()
    return None if row is None else (row.hlc, row.active)


def is_reader(conn: Connection, record_id: str, reader_id: str) -> bool:
    return conn.scalar(select(_READERS.c.since).where(
        _READERS.c.record_id == record_id, _READERS.c.reader_id == reader_id)) is not None


def left_about_erased(conn: Connection, author_id: str) -> dict[str, list[str]]:
    """People erased here (an erasure of them was made or arrived) about whom ``author_id``
    still has live records: person id -> those records. Driven by the erasures, so a computer
    where nobody withdrew pays one small read at sign-in."""
    gone = list(conn.scalars(select(_ERASED.c.person_id)))
    if not gone:
        return {}
    r = _RECORDS.c
    found: dict[str, list[str]] = defaultdict(list)
    for i in range(0, len(gone), _CHUNK):
        chunk = gone[i:i + _CHUNK]
        for rid, pid in conn.execute(select(r.id, r.person_id).where(
                r.person_id.in_(chunk), r.author_id == author_id, r.erased_at.is_(None))):
            found[str(pid)].append(rid)
        for pid in conn.scalars(select(r.id).where(
                r.id.in_(chunk), r.author_id == author_id, r.kind == Kind.PERSON.value,
                r.erased_at.is_(None))):
            found[str(pid)].append(pid)
    return dict(found)


def live_about(conn: Connection, person_id: str, author_id: str,
               kinds: Iterable[str]) -> list[str]:
    """The ids of ``author_id``'s live records of some kinds about one person (the person
    record itself among them, if its kind is asked for)."""
    r = _RECORDS.c
    return list(conn.scalars(select(r.id).where(
        (r.id == person_id) | (r.person_id == person_id), r.author_id == author_id,
        r.kind.in_(list(kinds)), r.erased_at.is_(None), r.deleted_at.is_(None))))


def keys_to_give(conn: Connection, record_ids: Sequence[str], owner_id: str,
                 reader_id: str) -> list[tuple[str, int, str]]:
    """Every (record, local number, vid) of these records whose key the owner holds and the
    reader does not: what giving her the whole history still takes."""
    w, v = _WRAPS.c, _VERSIONS.c
    theirs = aliased(WrapRow)
    out: list[tuple[str, int, str]] = []
    for i in range(0, len(record_ids), _CHUNK):
        out += [(rid, n, vid) for rid, n, vid in conn.execute(
            select(w.record_id, w.version, v.vid)
            .join(_VERSIONS, (v.record_id == w.record_id) & (v.version == w.version))
            .where(w.record_id.in_(list(record_ids[i:i + _CHUNK])), w.reader_id == owner_id,
                   ~exists().where(theirs.record_id == w.record_id,
                                   theirs.version == w.version,
                                   theirs.reader_id == reader_id)))]
    return out


def read_by(conn: Connection, record_ids: Sequence[str], reader_id: str) -> set[str]:
    """Which of these records ``reader_id`` receives new versions of."""
    r = _READERS.c
    out: set[str] = set()
    for i in range(0, len(record_ids), _CHUNK):
        out |= set(conn.scalars(select(r.record_id).where(
            r.record_id.in_(list(record_ids[i:i + _CHUNK])), r.reader_id == reader_id)))
    return out
