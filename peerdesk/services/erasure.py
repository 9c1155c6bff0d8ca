"""Erasure: a person withdraws, or one staff record's retention has ended. Every wrapped key
and ciphertext is destroyed here, and the erasure goes to the share so every device does the
same."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete

from peerdesk import audit
from peerdesk.domain import Kind
from peerdesk.errors import InvalidInput
from peerdesk.services.actor import Actor
from peerdesk.store import records
from peerdesk.store.models import DraftRow, table

_DRAFTS = table(DraftRow)


def erase_person(me: Actor, person_id: str) -> int:
    """The person withdraws: destroy every content key of every version of every record
    about them, and the ciphertext with it. Returns how many records were erased."""
    return _erase(me, person_id, expect=Kind.PERSON)


def erase_record(me: Actor, record_id: str) -> int:
    """Disposal of one record about no person (a reflection whose retention has ended):
    the same destruction as erase_person, carried to other devices the same way."""
    return _erase(me, record_id, expect=None)


def _erase(me: Actor, subject_id: str, *, expect: Kind | None) -> int:
    now = me.now()
    with me.transaction() as conn:
        if expect is Kind.PERSON and _supports(conn, me, subject_id):
            # A person whose support was handed or shared with her: everything about them
            # here goes; her erasure tells the peer who registered them, whose computer
            # follows (``follow``), so one withdrawal reaches every supporter.
            ids = records.about(conn, subject_id)
            records.erase(conn, ids, now=now)
            conn.execute(delete(_DRAFTS).where(_DRAFTS.c.person_id == subject_id))
            _tell(me, conn, subject_id, now)
            me.audit(conn, audit.ERASE, subject_id, f"records={len(ids)} supporter")
            return len(ids)
        # Deleted records too: a tombstone keeps the history, which this destroys.
        row = me.own(conn, subject_id, expect=expect, deleted_ok=True)
        if expect is None and (row.kind == Kind.PERSON.value or row.person_id is not None):
            raise InvalidInput("A record about a person is erased with the person.")
        ids = records.about(conn, subject_id)
        records.erase(conn, ids, now=now)
        conn.execute(delete(_DRAFTS).where(_DRAFTS.c.person_id == subject_id))
        # Remembered, so versions about this person that arrive later are dropped unread;
        # and queued, so every other device that syncs erases them too.
        records.remember_erased(conn, subject_id, author_id=me.user.id,
                                hlc=records.tick(conn, now=now, device_id=me.device_id),
                                queue_for=me.user.id)
        me.audit(conn, audit.ERASE, subject_id, f"records={len(ids)}")
    # Old page images may still sit in the write-ahead log until it is checkpointed; a copy
    # taken before an upgrade would still hold them all.
    me.vault.store.checkpoint()
    me.vault.store.drop_copies()
    return len(ids)


def _supports(conn: Connection, me: Actor, person_id: str) -> bool:
    """She supports this person without having registered them (a handover, shared support
    or cover)."""
    row = records.state(conn, person_id)
    return (row is not None and row.kind == Kind.PERSON.value and row.author_id != me.user.id
            and row.erased_at is None and records.is_reader(conn, person_id, me.user.id))


def _tell(me: Actor, conn: Connection, person_id: str, now: datetime) -> None:
    """Remember and queue this user's erasure of a person, so it goes to the share (and is in
    every snapshot of her stream). A record of theirs still arriving is dropped unread; one
    already here stays erased."""
    records.remember_erased(conn, person_id, author_id=me.user.id,
                            hlc=records.tick(conn, now=now, device_id=me.device_id),
                            queue_for=me.user.id)


def follow(me: Actor) -> int:
    """A person erased on this computer by another of their supporters (they withdrew): this
    user's own records about them are erased too, here and, through the share, everywhere.
    Run at sign-in. Returns how many records were erased."""
    now = me.now()
    erased = 0
    with me.transaction() as conn:
        for person_id, ids in records.left_about_erased(conn, me.user.id).items():
            person = records.state(conn, person_id)
            if person is not None and person.author_id == me.user.id:
                ids = records.about(conn, person_id)  # hers: everything about them here
            records.erase(conn, ids, now=now)
            conn.execute(delete(_DRAFTS).where(_DRAFTS.c.person_id == person_id))
            _tell(me, conn, person_id, now)
            me.audit(conn, audit.ERASE, person_id, f"records={len(ids)} followed")
            erased += len(ids)
    if erased:
        me.vault.store.checkpoint()
        me.vault.store.drop_copies()
    return erased
