"""A handover made from the team share, taken in by the new peer's computer.

When a leaver's laptop is gone, a coordinator or administrator hands her people over from her
own computer with the trust recovery key (``leavers.hand_over_from_share``). Her computer
never holds the leaver's keys, and it must not be able to put words in the leaver's mouth, so
what it sends the new peer is keys only: a *release*, sealed for the new peer (HPKE) and
carried in the coordinator's break-glass audit entry, which reaches the new peer as an audit
notice (docs/sync-protocol.md, "Audit notices"). It names, for each version that moves, the
leaver's signed file on the share and the section that holds it, that section's key, and the
version's content key wrapped for the new peer.

The new peer's computer then reads those files itself, checks the leaver's signature on each
(and, once she is removed, that each lies before her cut-off), opens the named sections with
the keys given and takes in only the versions the release names that are the leaver's, about
that person, of a kind that moves: as they were signed. A release that names anything else
moves nothing, and says why in one sentence.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy import select

from peerdesk import audit, dates
from peerdesk.crypto import envelope
from peerdesk.domain import Kind, Role
from peerdesk.errors import DecryptionFailed
from peerdesk.lanes import INLINE, Lanes
from peerdesk.services import governance, handover, saving
from peerdesk.services.desk import Desk
from peerdesk.store import records, settings
from peerdesk.store.models import AuditReceivedRow, AuditRow
from peerdesk.store.records import Wrap
from peerdesk.sync import certs, changes, incoming
from peerdesk.sync import format as fmt
from peerdesk.sync.changes import VersionChange
from peerdesk.sync.share import FileTooLarge, Share, ShareUnavailable

HANDOVER_TO, RELEASE = "handover-to", "release"
MAX_VERSIONS = 20_000
_ID = re.compile(fmt.UUID + r"\Z")


def _context(person_id: str, reader_id: str) -> bytes:
    return f"peerdesk/leaver-handover/v1|{person_id}|{reader_id}".encode()


@dataclass(frozen=True)
class Section:
    device: str
    file: str
    part: str
    index: int
    key: bytes


@dataclass(frozen=True)
class Release:
    """What a handover from the share gives the new peer: keys, and where to find what
    they open."""

    leaver: str
    person: str
    to: str
    by: str
    agreed_by: str
    agreed_on: str
    moves: tuple[str, ...]
    sections: tuple[Section, ...]
    versions: tuple[tuple[str, str, int, bytes], ...]  # (record, vid, section number, wrap)


def seal(release: Release, public: bytes) -> str:
    body = {"v": 1, "leaver": release.leaver, "person": release.person, "to": release.to,
            "by": release.by, "agreed_by": release.agreed_by, "agreed_on": release.agreed_on,
            "moves": list(release.moves),
            "sections": [[s.device, s.file, s.part, s.index, fmt.b64(s.key)]
                         for s in release.sections],
            "versions": [[r, v, n, fmt.b64(w)] for r, v, n, w in release.versions]}
    blob = envelope.seal_to(public, fmt.canonical(body),
                            context=_context(release.person, release.to))
    return base64.b64encode(blob).decode()


def open_(sealed: str, desk: Desk, person_id: str) -> Release:
    """Raises Tampered (a release this user's keys open but that does not hold together) or
    DecryptionFailed (not hers)."""
    failure = "A handover from the team share failed its integrity check."
    try:
        blob = base64.b64decode(sealed, validate=True)
    except (ValueError, binascii.Error):
        raise fmt.Tampered("its release is damaged") from None
    plain = envelope.open_sealed(desk.keys.receive_key, blob,
                                 context=_context(person_id, desk.user.id), failure=failure)
    body = fmt.load(plain)
    if not isinstance(body, dict) or body.get("v") != 1:
        raise fmt.Tampered("its release is damaged")
    ids = {k: fmt.field(body, k, str) for k in ("leaver", "person", "to", "by")}
    if not all(_ID.match(i) for i in ids.values()):
        raise fmt.Tampered("its release names something that is not an id")
    moves = fmt.field(body, "moves", list)
    if not all(m in (handover.PERSON, handover.JOURNEY, handover.PLANS, handover.DIARIES)
               for m in moves):
        raise fmt.Tampered("its release moves something unknown")
    sections = [_section_ref(item) for item in fmt.field(body, "sections", list)]
    listed = fmt.field(body, "versions", list)
    if len(listed) > MAX_VERSIONS:
        raise fmt.Tampered("its release is too long")
    versions = [_version_ref(item, len(sections)) for item in listed]
    return Release(ids["leaver"], ids["person"], ids["to"], ids["by"],
                   fmt.field(body, "agreed_by", str)[:500], fmt.field(body, "agreed_on", str)[:10],
                   tuple(moves), tuple(sections), tuple(versions))


def _section_ref(item: Any) -> Section:
    if not (isinstance(item, list) and len(item) == 5 and all(
            isinstance(x, str) for x in (item[0], item[1], item[2], item[4]))
            and isinstance(item[3], int) and not isinstance(item[3], bool)):
        raise fmt.Tampered("its release names a section that is damaged")
    device, file, part, index, key = item
    if not fmt.DEVICE_NAME.match(device) or not (
            fmt.CHANGESET_NAME.match(file) or fmt.SNAPSHOT_NAME.match(file)) \
            or (part and not fmt.PART_NAME.match(part)) or not 0 <= index < 100_000:
        raise fmt.Tampered("its release names a file that is not a stream's")
    return Section(device, file, part, index, fmt.unb64(key))


def _version_ref(item: Any, sections: int) -> tuple[str, str, int, bytes]:
    if not (isinstance(item, list) and len(item) == 4 and isinstance(item[0], str)
            and isinstance(item[1], str) and isinstance(item[2], int)
            and not isinstance(item[2], bool) and 0 <= item[2] < sections
            and isinstance(item[3], str) and _ID.match(item[0]) and len(item[1]) <= 64):
        raise fmt.Tampered("its release names a version that is damaged")
    return item[0], item[1], item[2], fmt.unb64(item[3])


# -- on the new peer's computer ---------------------------------------------------------------

@dataclass(frozen=True)
class TakenIn:
    people: int = 0  # handovers taken in here now
    refused: tuple[str, ...] = ()  # one sentence each
    changed: frozenset[str] = frozenset()  # the records taken in (an open desk reads them)


def _taken_key(user_id: str) -> str:
    return f"leaver_handovers_taken/{user_id}"


def _fields(detail: str) -> dict[str, str]:
    return dict(p.split("=", 1) for p in detail.split("; ") if "=" in p)


def take_in(desk: Desk, share: Share, lanes: Lanes = INLINE) -> TakenIn:
    """After a sync on a peer's computer: every handover from the share for her that arrived
    as an audit notice and is not taken in yet. Reads the share only when there is one; its
    database steps go to ``lanes``."""
    if desk.user.role is not Role.PEER:
        return TakenIn()
    rows, standings = lanes.db(partial(_pending, desk))
    people, refused, changed = 0, [], set()
    for row in rows:
        try:
            changed |= fmt.boundary(partial(_take, desk, share, row, standings, lanes))
            people += 1
        except ShareUnavailable:
            break  # tried again at the next sync
        except (fmt.Tampered, DecryptionFailed, FileTooLarge) as exc:
            refused.append(f"A handover from the team share could not be taken in, and moved "
                           f"nothing: {exc}.")
            lanes.db(partial(_refused, desk, row))
        lanes.db(partial(_taken, desk, row))
    return TakenIn(people, tuple(refused), frozenset(changed))


def _pending(desk: Desk) -> tuple[list[Any], dict[str, certs.Standing]]:
    me = desk.user.id
    a = AuditReceivedRow.__table__.c
    with desk.vault.store.begin() as conn:
        done = set(json.loads(settings.get(conn, _taken_key(me)) or "[]"))
        rows = [r for r in conn.execute(select(a.device_id, a.seq, a.actor_id, a.record_id,
                                               a.record_author_id, a.detail).where(
            a.action == audit.BREAK_GLASS, a.detail.contains(f"{HANDOVER_TO}={me}"),
            a.detail.contains(f"; {RELEASE}=")).order_by(a.at, a.seq))
            if f"{r.device_id}:{r.seq}" not in done]
        return rows, (certs.standings(conn) if rows else {})


def _refused(desk: Desk, row: Any) -> None:
    me = desk.actor()
    with me.transaction() as conn:
        me.audit(conn, audit.HANDOVER_RECEIVED, row.record_id,
                 f"refused; from-share notice={row.device_id}:{row.seq}")


def _taken(desk: Desk, row: Any) -> None:
    key = _taken_key(desk.user.id)
    with desk.vault.store.begin() as conn:
        done = set(json.loads(settings.get(conn, key) or "[]"))
        settings.put(conn, key, json.dumps(sorted(done | {f"{row.device_id}:{row.seq}"})))


def _take(desk: Desk, share: Share, row: Any, standings: dict[str, certs.Standing],
          lanes: Lanes) -> set[str]:
    if row.actor_id not in governance.ig_holders(desk.vault):
        raise fmt.Tampered("whoever made it does not hold the information governance duty")
    release = open_(_fields(row.detail).get(RELEASE, ""), desk, row.record_id)
    if (release.to, release.person, release.leaver, release.by) != (
            desk.user.id, row.record_id, row.record_author_id, row.actor_id):
        raise fmt.Tampered("it names another person, peer or author than its notice")
    leaver = standings.get(release.leaver)
    if leaver is None or leaver.cert is None or leaver.problem:
        raise fmt.Tampered("its author's account does not hold here")
    team_id, cut = lanes.db(partial(_team_and_cut, desk, release.leaver))
    found = _versions(share, release, desk.user.id, team_id=team_id,
                      key=leaver.cert.verify_public, cut=cut)
    lanes.db(partial(_keep, desk, release, found, row))
    return {c.record_id for c in found.values()}


def _team_and_cut(desk: Desk, leaver_id: str) -> tuple[str, dict[str, int] | None]:
    with desk.vault.store.begin() as conn:
        return settings.get(conn, certs.TEAM_KEY) or "", certs.cut_offs(conn).get(leaver_id)


def _keep(desk: Desk, release: Release, found: dict[tuple[str, str], VersionChange],
          row: Any) -> None:
    me = desk.actor()
    with me.transaction() as conn:
        versions = sorted(found.values(), key=lambda c: c.hlc)
        incoming.Apply(conn, me.user.id, release.leaver, me.now()).all(versions)
        for rid in sorted({c.record_id for c in versions}):
            if not records.is_reader(conn, rid, me.user.id):
                records.set_reader(conn, rid, me.user.id, on=True, since=me.now())
        _agreement(desk, conn, release)
        me.audit(conn, audit.HANDOVER_RECEIVED, release.person,
                 f"arrangement=handover from={release.leaver} by={release.by} from-share "
                 f"notice={row.device_id}:{row.seq} records={len({c.record_id for c in versions})}")


def _agreement(desk: Desk, conn: Any, release: Release) -> None:
    """The person's agreement, as the release gives it, kept once in a record of the new
    peer's about them (sealed like any record, kept and erased with the person, in their
    subject access bundle). Written by her, it is no arrangement of the leaver's: it moves
    nothing (``handover.arrangements`` holds only those written by the peer they move from)."""
    me = desk.actor()
    if records.live_about(conn, release.person, me.user.id, [Kind.HANDOVER.value]):
        return
    names = {a.id: a.name for a in desk.vault.accounts()}
    try:
        agreed_on = date.fromisoformat(release.agreed_on)
    except ValueError:
        raise fmt.Tampered("its date of agreement is damaged") from None
    saving.add_in(me, conn, Kind.HANDOVER, {
        "person": release.person, "arrangement": handover.HANDOVER,
        "from_peer": names.get(release.leaver, ""), "to_peer": desk.user.name,
        "from_account": release.leaver, "to_account": me.user.id,
        "agreed_by": release.agreed_by, "agreed_on": agreed_on.isoformat(),
        "moves": list(release.moves), "starts": dates.today(desk.vault.clock()).isoformat(),
        "ends": None, "note": f"Handed over from the team share by "
                              f"{names.get(release.by, 'a coordinator')}: her computer was gone."},
        person_id=release.person)


def _versions(share: Share, release: Release, reader_id: str, *, team_id: str, key: bytes,
              cut: dict[str, int] | None) -> dict[tuple[str, str], VersionChange]:
    """The versions the release names, read from the leaver's signed files, each with the
    new peer's wrap added; raises Tampered if any is not what may move."""
    kinds = handover.moving_kinds(release.moves)
    wanted = {(r, v): (n, w) for r, v, n, w in release.versions}
    found: dict[tuple[str, str], VersionChange] = {}
    listed: dict[str, set[str]] = {}
    for section in release.sections:
        if section.device not in listed:
            listed[section.device] = {e.name for e in share.list(
                f"{fmt.DEVICES}/{section.device}")}
        if not {section.file, section.part or section.file} <= listed[section.device]:
            raise fmt.Tampered("the files it names are no longer on the team share (her "
                               "device folded them into a newer snapshot): hand the person "
                               "over again from the share")
    for number, section in enumerate(release.sections):
        for entry in _section(share, section, team_id=team_id, author=release.leaver, key=key,
                              cut=cut):
            change = changes.from_wire(entry)
            given = wanted.get((change.record_id, change.vid)) \
                if isinstance(change, VersionChange) else None
            if not isinstance(change, VersionChange) or given is None or given[0] != number:
                continue
            if change.author_id != release.leaver or change.kind not in kinds or (
                    change.record_id != release.person and change.person_id != release.person):
                raise fmt.Tampered("it gives keys to a record that does not move")
            found[(change.record_id, change.vid)] = replace(
                change, keys=(*change.keys, Wrap(reader_id, envelope.HPKE_SUITE, given[1])))
    if set(found) != set(wanted) or not any(k[0] == release.person for k in found):
        raise fmt.Tampered("the versions it names are not where it says")
    return found


def _section(share: Share, s: Section, *, team_id: str, author: str, key: bytes,
             cut: dict[str, int] | None) -> list[dict[str, Any]]:
    """One section of the leaver's signed file, opened with the key the release gives."""
    kind = "snapshot" if fmt.SNAPSHOT_NAME.match(s.file) else "changeset"
    data = share.read(f"{fmt.DEVICES}/{s.device}/{s.file}", max_size=fmt.MAX_FILE)
    signed, sig = fmt.parse_doc(data, kind)
    h = fmt.read_header(signed)
    if (h.device_id, h.team_id, h.author_id) != (s.device, team_id, author):
        raise fmt.Tampered(f"{s.file} is not the leaver's file on that device")
    fmt.check_signature(kind, signed, sig, key)
    if cut is not None and h.seq > cut.get(s.device, 0):
        raise fmt.Tampered(f"{s.file} was written after her account was removed")
    if not s.part:
        return fmt.open_section(signed, h, s.index, s.key)
    part = next((p for p in fmt.read_parts(signed, h) if p.name == s.part), None) \
        if kind == "snapshot" else None
    if part is None:
        raise fmt.Tampered(f"{s.part} is not a part of {s.file}")
    raw = share.read(f"{fmt.DEVICES}/{s.device}/{s.part}", max_size=fmt.MAX_FILE)
    if fmt.digest(raw) != part.digest:
        raise fmt.Tampered(f"a part of {s.file} is not the one it names")
    return fmt.open_section(fmt.parse_doc(raw, "part")[0], h, s.index, s.key)


def received(desk: Desk) -> dict[str, str]:
    """On the new peer's computer: per person handed over to her from the share, a line for
    lists and the person's record (from her audit trail)."""
    a = AuditRow.__table__.c
    names = {acc.id: acc.name for acc in desk.vault.accounts()}
    out: dict[str, str] = {}
    with desk.vault.store.begin() as conn:
        rows = conn.execute(select(a.record_id, a.at, a.detail).where(
            a.action == audit.HANDOVER_RECEIVED, a.actor_id == desk.user.id,
            a.detail.contains("from-share")).order_by(a.seq))
        for person, at, detail in rows:
            named = dict(p.split("=", 1) for p in detail.split() if "=" in p)
            if person and "from" in named and not detail.startswith("refused"):
                out[person] = (f"Handed over from {names.get(named['from'], 'a leaver')} on "
                               f"{dates.day(at)}, from the team share by "
                               f"{names.get(named.get('by', ''), 'a coordinator')}")
    return out


def people_given(desk: Desk, leaver_id: str) -> dict[str, str]:
    """On the computer that made them: each person of the leaver handed over from the share,
    with the id of the peer they went to (from this computer's audit trail)."""
    a = AuditRow.__table__.c
    out: dict[str, str] = {}
    with desk.vault.store.begin() as conn:
        rows = conn.execute(select(a.record_id, a.detail).where(
            a.action == audit.BREAK_GLASS, a.detail.contains(f"author={leaver_id}"),
            a.detail.contains(f"; {RELEASE}=")).order_by(a.seq))
        for record_id, detail in rows:
            named = _fields(detail)
            if named.get("author") == leaver_id and HANDOVER_TO in named and record_id:
                out[record_id] = named[HANDOVER_TO]
    return out


__all__ = ["Release", "Section", "TakenIn", "open_", "people_given", "seal", "take_in"]
