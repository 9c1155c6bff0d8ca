"""Saving a record: a new one, a new version over the one shown, a deletion, a conflict
settled. Each is one transaction: the version, its wraps, the outbox entry and the audit
entry commit together or not at all."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from peerdesk import audit, dates
from peerdesk.catalogue import spec
from peerdesk.crypto import aead
from peerdesk.crypto.payload import seal_version, wraps_for
from peerdesk.domain import PLAN_KINDS, Kind, Record, Role
from peerdesk.domain import consent as consent_rules
from peerdesk.domain.records import COORDINATOR_KINDS
from peerdesk.errors import NotAllowed, NotFound
from peerdesk.services.actor import Actor
from peerdesk.services.reading import fields_of
from peerdesk.store import records
from peerdesk.store.records import NewRecord, NewVersion, Wrap
from peerdesk.sync import certs


def add(me: Actor, kind: Kind | str, fields: Mapping[str, Any], *,
        person_id: str | None = None) -> Record:
    with me.transaction() as conn:
        return add_in(me, conn, kind, fields, person_id=person_id)


def add_in(me: Actor, conn: Connection, kind: Kind | str, fields: Mapping[str, Any], *,
           person_id: str | None = None) -> Record:
    """``add`` inside a transaction the caller holds."""
    kind = Kind(kind)
    _coordinator_only(me, conn, kind, "add")
    if kind is Kind.PERSON:
        refuse_registering(conn, me.user.id)
    clean = spec(kind).validate(fields)
    now, record_id = me.now(), str(uuid.uuid4())
    about = None if kind is Kind.PERSON else person_id
    if not records.create(conn, NewRecord(record_id, kind, me.user.id, about, now)):
        # Not a live person she supports: find out which, for the sentence.
        person = records.state(conn, str(about))
        if person is not None and person.erased_at is None and person.author_id != me.user.id \
                and person.kind == Kind.PERSON.value:
            raise NotAllowed("You do not support this person now: their support was not "
                             "handed over or shared with you, or the cover has ended.")
        me.own(conn, str(about), expect=Kind.PERSON)
        raise NotFound("There is no such person on this computer.")
    _write(me, conn, record_id, kind, clean, now, number=1, parents=(), first=True)
    me.audit(conn, audit.SAVE, record_id, "version=1")
    return Record(record_id, kind, me.user.id, person_id, 1, now, clean)


def refuse_registering(conn: Connection, account_id: str) -> None:
    """A peer marked as leaving registers no one new, as her newest signed certificate on this
    computer says (a mark that arrived by sync since she signed in counts). Everything she must
    still do before she goes stays open: handing over, writing up her sessions with the people
    she still supports. Raises NotAllowed with one sentence."""
    mine = certs.standings(conn).get(account_id)
    day = mine.last_day if mine is not None else None
    if day is not None:
        raise NotAllowed(f"You are marked as leaving the team (last day {dates.day(day)}), so you "
                         "cannot register someone new; you can still hand over the people you "
                         "support and write up your sessions with them.")


def _coordinator_only(me: Actor, conn: Connection, kind: Kind, doing: str) -> None:
    """Comments, group supervision sessions and their actions, and cover are a coordinator's
    to write; every device refuses them by sync from anyone who was not one when she wrote
    them (``peerdesk.domain.roles``). Deleting one of her own stays open to her. The role is her
    certificate's as it is now: a change that arrived by sync since she signed in counts."""
    if kind not in COORDINATOR_KINDS:
        return
    now = certs.standings(conn).get(me.user.id)
    if me.user.role is not Role.COORDINATOR or now is None or now.problem \
            or now.account.role is not Role.COORDINATOR:
        raise NotAllowed(f"Only a Peer Worker Coordinator can {doing} a {kind.label.lower()}.")


def update(me: Actor, record_id: str, fields: Mapping[str, Any], *,
           consent_change: str | None = None) -> Record:
    """A new version over the one shown. If the record is in conflict, the other heads stay
    in conflict: only resolve_conflict() settles it. A plan's consent ledger is kept as it
    is, unless the consent service changes it (``consent_change`` says how)."""
    with me.transaction() as conn:
        return update_in(me, conn, record_id, fields, consent_change=consent_change)


def update_in(me: Actor, conn: Connection, record_id: str, fields: Mapping[str, Any], *,
              consent_change: str | None = None) -> Record:
    """``update`` inside a transaction the caller holds."""
    now = me.now()
    row = me.own(conn, record_id)
    kind = Kind(row.kind)
    _coordinator_only(me, conn, kind, "change")
    clean = spec(kind).validate(fields)
    shown = records.outcome(conn, record_id).winner
    if kind in PLAN_KINDS:
        before = fields_of(me, conn, row, [shown.version])
        clean = consent_rules.keep_ledger(before, clean, changing=consent_change is not None)
        # Which plan this one continues (after a handover) is set once and kept: a form that
        # does not show it never drops it.
        clean = {k: v for k, v in clean.items() if k != "continues"} | (
            {"continues": before[0]["continues"]} if before and before[0].get("continues")
            else {})
    version = _write(me, conn, record_id, kind, clean, now, parents=(shown.vid,))
    if consent_change is not None:
        me.audit(conn, audit.CONSENT, record_id, f"version={version} {consent_change}")
    else:
        me.audit(conn, audit.SAVE, record_id, f"version={version}")
    return Record(record_id, kind, me.user.id, row.person_id, version, now, clean,
                  readers=records.readers(conn, record_id))


def delete(me: Actor, record_id: str) -> None:
    """A tombstone version; earlier versions stay in the history."""
    now = me.now()
    with me.transaction() as conn:
        me.own(conn, record_id)
        version = tombstone(me, conn, record_id, now)
        me.audit(conn, audit.DELETE, record_id, f"version={version}")


def resolve_conflict(me: Actor, record_id: str,
                     fields: Mapping[str, Any] | None) -> Record | None:
    """Settle a conflict with the version the user chose or merged (``fields``), or by
    deleting (``None``). Every concurrent version stays in the history."""
    now = me.now()
    with me.transaction() as conn:
        row = me.own(conn, record_id)
        heads = records.outcome(conn, record_id).heads
        parents = tuple(h.vid for h in heads)
        if fields is None:
            version = tombstone(me, conn, record_id, now, parents=parents)
            me.audit(conn, audit.DELETE, record_id, f"version={version} resolved")
            return None
        kind = Kind(row.kind)
        _coordinator_only(me, conn, kind, "change")
        clean = spec(kind).validate(fields)
        if kind in PLAN_KINDS:
            # Every head's ledger, merged: a withdrawal on any device is never lost.
            clean = consent_rules.merge_ledgers(
                fields_of(me, conn, row, [h.version for h in heads]), clean)
        version = _write(me, conn, record_id, kind, clean, now, parents=parents)
        me.audit(conn, audit.SAVE, record_id, f"version={version} resolved")
        return Record(record_id, kind, me.user.id, row.person_id, version, now, clean,
                      readers=records.readers(conn, record_id))


def tombstone(me: Actor, conn: Connection, record_id: str, now: datetime, *,
              parents: tuple[str, ...] | None = None) -> int:
    """A deletion of what the user sees: every head, so a deletion settles a conflict too."""
    if parents is None:
        parents = tuple(h.vid for h in records.outcome(conn, record_id).heads)
    number, newest = records.numbering(conn, record_id)
    reading = records.tick(conn, now=now, device_id=me.device_id, after=newest)
    records.save_version(conn, NewVersion(
        record_id, reading, reading, me.device_id, parents, me.user.id, now, aead.SUITE,
        tombstone=True), (), number=number, queue_for=me.user.id)
    return number


def _write(me: Actor, conn: Connection, record_id: str, kind: Kind,
           fields: Mapping[str, Any], now: datetime, *, parents: tuple[str, ...],
           number: int | None = None, first: bool = False) -> int:
    """Seal and store one version for its author, whoever reads the record, and the trust's
    recovery key. Returns its local number."""
    kind_spec = spec(kind)
    shared = {k: v for k, v in fields.items() if not kind_spec.by_name[k].private}
    private = {k: v for k, v in fields.items() if kind_spec.by_name[k].private}
    newest = None
    if number is None:
        number, newest = records.numbering(conn, record_id)
    # The vid is the version's name on every device: encryption binds it, not the number.
    vid = records.tick(conn, now=now, device_id=me.device_id, after=newest)
    sealed, content_key = seal_version(me.keys, record_id, kind, vid, me.user.id, shared,
                                       private)
    readers = [] if first else records.reader_keys(conn, record_id)
    if readers:
        # Only a member whose certificate holds now gets the key to a new version: never one
        # removed from the team, whatever the sharing says.
        current = certs.active(conn)
        readers = [(r, k) for r, k in readers if r in current]
    policy = me.vault.policy
    if policy.recovery_reader_id is not None and policy.recovery_key is not None:
        # The trust's recovery key (machine policy) can open every version: IG holds its
        # private half offline, for a lost passphrase or a leaver's records.
        readers.append((policy.recovery_reader_id, policy.recovery_key))
    wraps = [Wrap(*w) for w in wraps_for(me.keys, record_id, vid, me.user.id, content_key,
                                         readers)]
    records.save_version(conn, NewVersion(
        record_id, vid, vid, me.device_id, parents, me.user.id, now, aead.SUITE,
        ciphertext=sealed.ciphertext, private_ciphertext=sealed.private_ciphertext),
        wraps, number=number, queue_for=me.user.id, first=first)
    return number
