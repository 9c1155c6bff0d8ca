"""A peer who leaves the team: her leaver's checklist, computed from the data each time.

An administrator marks her as leaving (``membership.mark_leaving``: her certificate carries
her last day, so every device sees it). The checklist then says, item by item, what is done
and what remains, from what this computer holds; nothing is ticked by hand, so it cannot
say something is done that is not:

1. marked as leaving (her certificate says so);
2. each person she registered: supported by another active peer who is not leaving (a
   reader of the person record: a handover, ``handover.hand_over``, on her computer, or
   from the team share with the trust recovery key when her laptop is gone);
3. what retention requires kept: her care records, with the first date any may be
   reviewed; removing her account deletes none of them;
4. what retention allows disposed of now (by their author, ``retention.dispose``);
5. her account removed (``membership.remove``: signed, published, her streams cut off).

Each step can be run again: one already done changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from peerdesk import dates
from peerdesk.crypto import payload
from peerdesk.crypto.recovery import RecoveryKey
from peerdesk.domain import Account, Kind, Role
from peerdesk.errors import InvalidInput, NotAllowed, NotFound
from peerdesk.lanes import INLINE, Lanes
from peerdesk.services import fromshare, governance, handover, igrecovery, retention
from peerdesk.services.desk import Desk
from peerdesk.store import records, settings
from peerdesk.store.models import RecordRow
from peerdesk.sync import certs
from peerdesk.sync import format as fmt
from peerdesk.sync.changes import VersionChange
from peerdesk.sync.share import Share

if TYPE_CHECKING:
    from peerdesk.services.vault import Vault

MARKED, PERSON, KEPT, DISPOSE, REMOVED = "marked", "person", "kept", "dispose", "removed"


@dataclass(frozen=True)
class Item:
    """One line of the checklist."""

    step: str  # MARKED, PERSON, KEPT, DISPOSE or REMOVED
    title: str
    done: bool
    detail: str  # what was done, or what remains, in one or two sentences
    next: str = ""  # the command that does what remains (empty when done)
    subject: str = ""  # the person's id, for a PERSON item


@dataclass(frozen=True)
class Checklist:
    account: Account
    leaving_on: date | None
    items: tuple[Item, ...]

    @property
    def remaining(self) -> int:
        return sum(not i.done for i in self.items)


def leaving_on(cert: certs.Cert | None) -> date | None:
    return certs.leaving(cert) if cert is not None else None


def leaving_days(vault: Vault) -> dict[str, date]:
    """Every member marked as leaving and not yet removed, with her last day, by id."""
    with vault.store.begin() as conn:
        found = certs.standings(conn)
    return {i: day for i, s in found.items()
            if s.account.status == certs.ACTIVE and (day := s.last_day) is not None}


def _standing(desk: Desk, name_or_id: str) -> certs.Standing:
    with desk.vault.store.begin() as conn:
        found = certs.standings(conn)
    target = next((s for s in found.values() if name_or_id in {s.account.id, s.account.name}),
                  None)
    if target is None:
        raise NotFound(f"There is no account called {name_or_id!r} on this computer.")
    if desk.user.role not in governance.STAFF and target.account.id != desk.user.id:
        raise NotAllowed("A leaver's checklist is for a Peer Worker Coordinator or an "
                         "administrator, or for the leaver herself.")
    return target


def checklist(desk: Desk, name_or_id: str, *, today: date | None = None) -> Checklist:
    """What is done and what remains for one member leaving the team, as this computer's
    data says."""
    target = _standing(desk, name_or_id)
    her = target.account
    today = today or dates.today(desk.vault.clock())
    day = leaving_on(target.cert)
    removed = her.status == certs.REMOVED
    items = [_marked(her, day, removed)]
    items += _people(desk, her)
    items += _retention(desk, her, today)
    items.append(Item(REMOVED, "Her account removed", removed,
                      "Removed from the team: every device refuses what she writes after it."
                      if removed else
                      "Not yet. Remove her account once her people are handed over: every "
                      "device learns it at the next sync, and what she wrote stays.",
                      "" if removed else f"peerdesk user remove {_quoted(her.name)} --yes"))
    return Checklist(her, day, tuple(items))


def _quoted(name: str) -> str:
    return name if name.replace("-", "").replace("_", "").isalnum() else repr(name)


def _marked(her: Account, day: date | None, removed: bool) -> Item:
    if day is not None:
        return Item(MARKED, "Marked as leaving", True,
                    f"Her last day is {dates.day(day)}, as her signed certificate says.")
    if removed:
        return Item(MARKED, "Marked as leaving", True,
                    "Removed from the team without a leaving date.")
    return Item(MARKED, "Marked as leaving", False,
                "Not marked: an administrator marks her with her last day.",
                f"peerdesk user leaving {_quoted(her.name)} --on YYYY-MM-DD")


def _people(desk: Desk, her: Account) -> list[Item]:
    """One item per person she registered that this computer knows of: her person records
    held here, and those found on the team share with the recovery key (``people_on_share``)."""
    on_leave = set(leaving_days(desk.vault))
    active_peers = {a.id: a.name for a in desk.vault.accounts()
                    if a.active and a.role is Role.PEER and a.id not in on_leave
                    and a.id != her.id}
    labels: dict[str, str] = {}
    if desk.user.id == her.id:
        labels = {p.id: str(p.fields.get("label") or "") for p in desk.records(Kind.PERSON)}
    r = RecordRow.__table__.c
    with desk.vault.store.begin() as conn:
        ids = list(conn.scalars(select(r.id).where(
            r.kind == Kind.PERSON.value, r.author_id == her.id, r.erased_at.is_(None))
            .order_by(r.created_at, r.id)))
        supported = {pid: [active_peers[i] for i in records.readers(conn, pid)
                           if i in active_peers] for pid in ids}
        on_share = [i for i in json.loads(settings.get(conn, _people_key(her.id)) or "[]")
                    if i not in supported]
    given = fromshare.people_given(desk, her.id)
    for pid in on_share:
        supported[pid] = [active_peers[given[pid]]] if given.get(pid) in active_peers else []
    if not supported:
        if desk.user.id == her.id:
            return [Item(PERSON, "Her people", True,
                         "You have registered no one on this computer.")]
        return [Item(PERSON, "Her people", False,
                     "None of her person records is on this computer: they are on her own "
                     "computer, or on the team share, where the trust recovery key opens them.",
                     f"peerdesk user leaver-people {_quoted(her.name)} --recovery-key FILE "
                     "--reason TEXT")]
    out = []
    for pid, peers in supported.items():
        name = f"{labels[pid]} ({pid[:8]})" if labels.get(pid) else f"Person {pid[:8]}"
        if peers:
            how = " from the team share" if pid in on_share else ""
            out.append(Item(PERSON, name, True, f"Supported by {', '.join(peers)}{how}.",
                            subject=pid))
        elif pid in on_share:
            out.append(Item(PERSON, name, False,
                            "Not handed over yet: choose a peer, and record the person's "
                            "agreement. Her laptop is not needed: the trust recovery key "
                            "opens her records on the team share.",
                            f"peerdesk user leaver-hand-over {_quoted(her.name)} {pid} --to PEER "
                            "--agreed-by 'WHO, HOW' --recovery-key FILE --reason TEXT",
                            subject=pid))
        else:
            out.append(Item(PERSON, name, False,
                            "Not handed over yet: choose a peer, and record the person's "
                            "agreement.",
                            f"peerdesk --user {_quoted(her.name)} person hand-over {pid} "
                            "--to PEER --agreed-by 'WHO, HOW'", subject=pid))
    return out


def _retention(desk: Desk, her: Account, today: date) -> list[Item]:
    everyone = desk.user.id != her.id
    held = [d for d in retention.schedule(desk, everyone=everyone) if d.author == her.name]
    where = ""
    if not any(d.record_class == retention.CARE for d in held):
        held += _care_on_share(desk, her)  # as found with the recovery key, if it was
        where = " on the team share"
    care = [d for d in held if d.record_class == retention.CARE]
    due = [d for d in held if d.due_on <= today]
    if care:
        first = min(d.due_on for d in care)
        kept = (f"{sum(d.records for d in care)} care records about {len(care)} people are "
                f"kept{where}, the first until {dates.day(first)}; removing her account "
                "deletes none of them.")
    else:
        kept = "None of her care records is on this computer."
    staff = [d for d in held if d.record_class == retention.STAFF]
    if staff:
        kept += (f" {len(staff)} staff records of hers (reflections, supervision notes) follow "
                 "the trust's staff-record period.")
    items = [Item(KEPT, "Kept as retention requires", True, kept)]
    if due:
        items.append(Item(DISPOSE, "Due for disposal", False,
                          f"{len(due)} of hers may be disposed of now (retention has ended): "
                          + ", ".join(d.subject_id[:8] for d in due) + ".",
                          f"peerdesk --user {_quoted(her.name)} dispose ID --authorised-by REF"))
    else:
        later = min((d.due_on for d in held), default=None)
        items.append(Item(DISPOSE, "Due for disposal", True,
                          "Nothing of hers is due for disposal"
                          + (f"; the first review is on {dates.day(later)}." if later else ".")))
    return items


# -- her laptop never comes back: her people handed over from the team share ------------------

@dataclass(frozen=True)
class Found:
    """One person she registered, as the team share holds them."""

    id: str
    label: str
    handed_to: str  # the peer's name, if handed over from this computer already


def _people_key(leaver_id: str) -> str:
    return f"leaver_people/{leaver_id}"  # the ids of her people found on the share (no names)


def _care_key(leaver_id: str) -> str:
    # Per person found on the share: how many of her care records, and their last activity
    # (metadata only, for her checklist's retention items).
    return f"leaver_care/{leaver_id}"


def _care_on_share(desk: Desk, her: Account) -> list[retention.Due]:
    with desk.vault.store.begin() as conn:
        found = json.loads(settings.get(conn, _care_key(her.id)) or "{}")
    years = desk.vault.policy.retention_care_years
    out = []
    for pid, (count, last) in sorted(found.items()):
        at = datetime.fromisoformat(last)
        out.append(retention.Due(pid, Kind.PERSON.value, retention.CARE, her.name, count, at,
                                 retention.add_years(at.date(), years)))
    return out


def _hers(ready: igrecovery.Ready, leaver_id: str, key: RecoveryKey,
          ) -> list[tuple[VersionChange, igrecovery.Origin]]:
    """Every version she sent to the share that the recovery key's sections hold, from every
    device folder (her lost laptop's among them); nothing opened."""
    devices = sorted(e.name for e in ready.share.list(fmt.DEVICES)
                     if e.kind == "dir" and fmt.DEVICE_NAME.fullmatch(e.name))
    return [(v, o) for d in devices for v, o in igrecovery.read_with_origins(ready, d, key)
            if v.author_id == leaver_id and v.ciphertext is not None
            and any(w.reader_id == ready.reader for w in v.keys)]


def _leaver(desk: Desk, name_or_id: str) -> Account:
    her = _standing(desk, name_or_id).account
    if her.role is not Role.PEER or her.status not in (certs.ACTIVE, certs.REMOVED):
        raise InvalidInput(f"{her.name} supports no one: only a peer's people are handed over.")
    return her


def people_on_share(desk: Desk, name_or_id: str, *, recovery_key: RecoveryKey, reason: str,
                    share: Share | None = None, lanes: Lanes = INLINE) -> list[Found]:
    """The people she registered, from the team share with the trust recovery key: each
    person record is opened (break-glass, audited before it is opened, told to her and the
    coordinators) so the coordinator knows whom to ask for their agreement. Long (share I/O).
    Their ids are kept here for her checklist; their names are not. Database steps go to
    ``lanes``."""
    her = lanes.db(partial(_leaver, desk, name_or_id))
    ready, reason = igrecovery.prepare(desk, recovery_key, reason, share, "her people's records",
                                       lanes)
    newest: dict[str, tuple[VersionChange, igrecovery.Origin]] = {}
    versions = _hers(ready, her.id, recovery_key)
    for v, o in versions:
        if v.kind is Kind.PERSON and (v.record_id not in newest
                                      or v.hlc > newest[v.record_id][0].hlc):
            newest[v.record_id] = (v, o)
    given = lanes.db(partial(fromshare.people_given, desk, her.id))
    names = {a.id: a.name for a in lanes.db(desk.vault.accounts)}
    out = []
    for v, o in sorted(newest.values(), key=lambda p: p[0].hlc):
        if v.tombstone:
            continue
        igrecovery.note_opening(desk, ready, v, o.device, recovery_key, reason, lanes=lanes)
        label = str(igrecovery.open_record(v, ready.reader, recovery_key).fields.get("label")
                    or "")
        out.append(Found(v.record_id, label, names.get(given.get(v.record_id, ""), "")))
    care: dict[str, list[Any]] = {}
    for v, _o in versions:
        pid = v.record_id if v.kind is Kind.PERSON else v.person_id
        if pid in newest and v.kind in retention.CARE_KINDS:
            count, last = care.get(pid, [set(), v.saved_at])
            count.add(v.record_id)
            care[pid] = [count, max(last, v.saved_at)]
    lanes.db(partial(_keep_people, desk, her.id, [f.id for f in out], {
        pid: [len(ids), last.isoformat()] for pid, (ids, last) in care.items()
        if pid in {f.id for f in out}}))
    return out


def _keep_people(desk: Desk, leaver_id: str, ids: list[str],
                 care: dict[str, list[Any]]) -> None:
    with desk.vault.store.begin() as conn:
        settings.put(conn, _people_key(leaver_id), json.dumps(ids))
        settings.put(conn, _care_key(leaver_id), json.dumps(care, sort_keys=True))


@dataclass(frozen=True)
class Handed:
    person_id: str
    to: str
    records: int
    versions: int


def hand_over_from_share(desk: Desk, name_or_id: str, person_id: str, to: str, *,
                         agreed_by: str, recovery_key: RecoveryKey, reason: str,
                         agreed_on: date | None = None, diaries: bool = False,
                         share: Share | None = None, lanes: Lanes = INLINE) -> Handed:
    """Her laptop is gone: one of her people handed over to ``to`` from this (a coordinator's
    or administrator's) computer, with the person's agreement, through the trust recovery
    key. Break-glass: a reason, one audit entry per record before its keys are touched, told
    to her, the coordinators and the new peer. What moves is what ``handover.hand_over``
    moves, as keys only (``fromshare``): the new peer's computer reads the leaver's own signed
    files. Long (share I/O): run it off the UI thread, its database steps on ``lanes``. Run
    again, it gives the keys again."""
    today = dates.today(desk.vault.clock())
    agreed_on = agreed_on or today
    handover.check(handover.HANDOVER, agreed_by, agreed_on, None, today)
    her = lanes.db(partial(_leaver, desk, name_or_id))
    target = lanes.db(partial(desk.vault.account, to))
    if target.id == her.id or target.role is not Role.PEER or not target.active \
            or target.id in lanes.db(partial(leaving_days, desk.vault)):
        raise InvalidInput(f"{target.name} cannot take on her people: choose another peer "
                           "support worker whose account is active and who is not leaving.")
    ready, reason = igrecovery.prepare(desk, recovery_key, reason, share, "her records", lanes)
    public = ready.publics.get(target.id)
    if public is None:
        raise NotFound(f"{target.name}'s account is not on this computer yet: sync, then try "
                       "again.")
    moves = handover.moves_for(diaries=diaries)
    kinds = handover.moving_kinds(moves)
    moving = [(v, o) for v, o in _hers(ready, her.id, recovery_key)
              if v.kind in kinds and (v.record_id == person_id or v.person_id == person_id)]
    if not any(v.record_id == person_id and v.kind is Kind.PERSON for v, _ in moving):
        raise NotFound("None of her person records on the team share has that id (or it "
                       "was written before the trust recovery key was set).")
    given: list[tuple[VersionChange, igrecovery.Origin, bytes]] = []
    extra = f"; {fromshare.HANDOVER_TO}={target.id}"
    for rid in sorted({v.record_id for v, _ in moving}):
        mine = [(v, o) for v, o in moving if v.record_id == rid]
        newest = max(mine, key=lambda p: p[0].hlc)
        # Written before any of this record's keys is touched.
        igrecovery.note_opening(desk, ready, newest[0], newest[1].device, recovery_key,
                                reason, extra=extra, lanes=lanes)
        for v, o in mine:
            wrap = next(w for w in v.keys if w.reader_id == ready.reader)
            given.append((v, o, payload.rewrap_with_key(
                recovery_key, ready.reader, v.record_id, v.vid, wrap.wrapped, target.id,
                public)))
    # Each release rides on one more break-glass entry for the person record: it reaches the
    # new peer (and, unreadable to them, her and the coordinators) at this computer's next
    # sync, as an audit notice. A notice has a size limit, so a long history goes in several,
    # each with the person record.
    person = [g for g in given if g[0].record_id == person_id]
    rest = [g for g in given if g[0].record_id != person_id]
    for start in range(0, max(len(rest), 1), RELEASE_VERSIONS):
        part = person + rest[start:start + RELEASE_VERSIONS]
        release = _release(her.id, person_id, target.id, desk.user.id, agreed_by.strip(),
                           agreed_on, moves, part)
        igrecovery.note_opening(desk, ready, person[0][0], person[0][1].device, recovery_key,
                                reason, extra=f"{extra}; {fromshare.RELEASE}="
                                              f"{fromshare.seal(release, public)}", lanes=lanes)
    return Handed(person_id, target.name, len({v.record_id for v, _ in moving}), len(given))


RELEASE_VERSIONS = 300  # versions per release: a notice stays well under its size limit


def _release(leaver: str, person: str, to: str, by: str, agreed_by: str, agreed_on: date,
             moves: list[str], given: list[tuple[VersionChange, igrecovery.Origin, bytes]],
             ) -> fromshare.Release:
    sections: dict[tuple[str, str, str, int], int] = {}
    refs: list[fromshare.Section] = []
    versions = []
    for v, o, wrapped in given:
        where = (o.device, o.file, o.part, o.index)
        if where not in sections:
            sections[where] = len(refs)
            refs.append(fromshare.Section(o.device, o.file, o.part, o.index, o.key))
        versions.append((v.record_id, v.vid, sections[where], wrapped))
    return fromshare.Release(leaver, person, to, by, agreed_by, agreed_on.isoformat(),
                             tuple(moves), tuple(refs), tuple(versions))
