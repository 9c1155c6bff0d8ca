"""Giving a record another reader: sharing a diary or reflection for supervision (peer to
coordinator), or a coordinator's comment, action, cover or resource-pack entry to the people it
is for. Both are the same wraps; only who may be given what differs."""

from __future__ import annotations

from sqlalchemy import Connection, select

from peerdesk import audit
from peerdesk.crypto.payload import rewrapper
from peerdesk.domain import Kind, Role
from peerdesk.errors import InvalidInput, NotAllowed, NotFound
from peerdesk.services.actor import Actor
from peerdesk.store import records
from peerdesk.store.models import AccountRow, table
from peerdesk.store.records import Queued
from peerdesk.sync import certs

SHAREABLE = frozenset({Kind.DIARY, Kind.REFLECTION})
# A coordinator's own records that go to the people they are for.
GIVEN = frozenset({Kind.COMMENT, Kind.ACTION, Kind.SUMMARY, Kind.RESOURCE, Kind.COVER,
                   Kind.SUPPORT_ASK, Kind.PROPOSAL, Kind.HANDOVER})
_ACCOUNTS = table(AccountRow)


def _account(conn: Connection, name_or_id: str, *,
             current: bool = True) -> tuple[str, str, str, bytes]:
    """(id, name, role, public key) of an account on this computer, its role as its signed
    certificate says; refused unless that certificate holds (approved, not removed) when
    ``current``."""
    a = _ACCOUNTS.c
    row = conn.execute(select(a.id, a.name, a.receive_public).where(
        (a.name == name_or_id) | (a.id == name_or_id))).first()
    if row is None:
        raise NotFound(f"There is no account called {name_or_id!r} on this computer.")
    standing = certs.standings(conn)[row.id]
    if not current:
        return row.id, row.name, standing.account.role.value, row.receive_public
    if standing.problem:
        raise NotAllowed(standing.problem)
    if not standing.account.active:
        raise NotAllowed(f"{row.name}'s account is {_STATUS[standing.account.status]}, so "
                         "nothing can be shared with it.")
    return row.id, row.name, standing.account.role.value, row.receive_public


_STATUS = {certs.PENDING: "waiting for an administrator to approve it",
           certs.REMOVED: "removed from the team"}


def share(me: Actor, record_id: str, with_account: str) -> None:
    """From the version as it is now: the coordinator can read it and every later version."""
    with me.transaction() as conn:
        row = me.own(conn, record_id)
        if Kind(row.kind) not in SHAREABLE:
            raise NotAllowed("Only diaries and reflections can be shared for supervision. "
                             "A plan belongs to the person, who chooses who sees it.")
        target, name, role, public = _account(conn, with_account)
        if Role(role) is not Role.COORDINATOR:
            raise NotAllowed(f"{name} is not a Peer Worker Coordinator; records are "
                             "shared for supervision with a coordinator.")
        _add_reader(me, conn, record_id, row.head_version, target, public)


def give_reader(me: Actor, record_id: str, account_id: str) -> None:
    """Wrap one of the user's own records (a comment, an action) for one more account: the
    same path as sharing for supervision, which only goes the other way (peer to coordinator)."""
    with me.transaction() as conn:
        give(me, conn, record_id, account_id)


def give(me: Actor, conn: Connection, record_id: str, account_id: str) -> None:
    """``give_reader`` inside a transaction the caller holds."""
    row = me.own(conn, record_id)
    if Kind(row.kind) not in GIVEN:
        raise NotAllowed("Only comments, supervision actions, delivery figures, the "
                         "resource pack, a proposed entry and a request for a conversation "
                         "are given to another reader this way.")
    a = _ACCOUNTS.c
    found = conn.execute(select(a.id, a.receive_public).where(a.id == account_id)).first()
    if found is None:
        raise InvalidInput("There is no such account on this computer.")
    _account(conn, found.id)  # refused unless approved and not removed
    _add_reader(me, conn, record_id, row.head_version, found.id, found.receive_public)


def _add_reader(me: Actor, conn: Connection, record_id: str, head_version: int,
                reader_id: str, public: bytes) -> None:
    """One more account reads this record from its current version on (the share is told,
    and the sharing audited). Callers check who may be given what."""
    if records.is_reader(conn, record_id, reader_id):
        return
    now = me.now()
    records.switch_reader(conn, record_id, reader_id, on=True,
                          hlc=records.tick(conn, now=now, device_id=me.device_id),
                          since=now, queue_for=me.user.id)
    vid = wrap_version(me, conn, record_id, head_version, reader_id, public)
    # If the version already went to the share, it was sealed for the readers of that
    # time: send it again, now for them too (receivers skip a vid they hold).
    if vid is not None and not records.is_queued(conn, Queued("version", record_id, vid)):
        records.queue(conn, me.user.id, Queued("version", record_id, vid))
    me.audit(conn, audit.SHARE, record_id, f"with={reader_id}")


def wrap_version(me: Actor, conn: Connection, record_id: str, number: int, reader_id: str,
                 public: bytes) -> str | None:
    """Give one more reader the key of one of the user's versions, and queue it for the
    share. Returns the version's vid (None if it is gone)."""
    vid = records.vid_of(conn, record_id, number)
    if vid is not None:
        records.give_key(conn, record_id, number, vid, owner_id=me.user.id, reader_id=reader_id,
                         rewrap=rewrapper(me.keys, me.user.id, record_id, vid, reader_id, public))
    return vid


def unshare(me: Actor, record_id: str, with_account: str) -> None:
    """From the next version on. What the coordinator could already read stays readable to
    her: it may be on her computer already."""
    with me.transaction() as conn:
        me.own(conn, record_id)
        target, name, _role, _public = _account(conn, with_account, current=False)
        if not records.is_reader(conn, record_id, target):
            raise InvalidInput(f"This record is not shared with {name}.")
        now = me.now()
        records.switch_reader(conn, record_id, target, on=False,
                              hlc=records.tick(conn, now=now, device_id=me.device_id),
                              since=now, queue_for=me.user.id)
        me.audit(conn, audit.UNSHARE, record_id, f"with={target}")
