"""A sync run's audit step: this device's audit trail checked against the head it last
published, then anchored again on the team share when it grew.

A head is written only when something other than syncing was recorded since the last one, so
a sync with nothing new costs one listing of ``audit/`` and opens nothing. A head is read only
when it is not the one this device last wrote (say, another computer's restored copy wrote it
or this device forgot). A trail that no longer holds what its head names is reported, and no
head is written over the evidence."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Connection
from sqlalchemy.dialects.sqlite import insert as upsert

from peerdesk import audit
from peerdesk.crypto.keys import UserKeys
from peerdesk.domain import Role
from peerdesk.store import settings
from peerdesk.store.models import AuditReceivedRow, table
from peerdesk.sync import auditheads, auditnotices, certs, heads
from peerdesk.sync import format as fmt
from peerdesk.sync.run import Run
from peerdesk.sync.share import FileTooLarge, Share

ANCHOR_KEY = "audit_anchor"  # the head this device last published: {"count", "hash", "name"}
ON_SHARE = "this computer's signed audit head on the team share"
PUBLISHED = "the audit head this computer last published"
_RECEIVED = table(AuditReceivedRow)


@dataclass(frozen=True)
class Published:
    name: str
    anchor: audit.Anchor


def stored(conn: Connection) -> Published | None:
    text = settings.get(conn, ANCHOR_KEY)
    if not text:
        return None
    data = json.loads(text)
    return Published(str(data["name"]), audit.Anchor(int(data["count"]),
                                                     bytes.fromhex(data["hash"])))


def _store(conn: Connection, published: Published) -> None:
    settings.put(conn, ANCHOR_KEY, json.dumps({
        "name": published.name, "count": published.anchor.count,
        "hash": published.anchor.hash.hex()}, sort_keys=True))


def read_head(share: Share, item: heads.Listed, *, team_id: str,
              keys: dict[str, bytes]) -> auditheads.AuditHead:
    """Raises Tampered, NewerFormat or FileTooLarge."""
    data = share.read(f"{auditheads.FOLDER}/{item.entry.name}", max_size=auditheads.MAX_SIZE)
    return fmt.boundary(lambda: auditheads.parse(data, item, team_id=team_id,
                                                 verify_key=keys.get))


def anchor(ctx: Run, *, team_id: str, user_id: str, keys: UserKeys) -> None:
    rest, notices = auditnotices.split(ctx.share.list(auditheads.FOLDER))
    found = auditheads.listed(rest, partial(ctx.odd_entry, auditheads.FOLDER))
    own = found.get(ctx.device_id, [])
    _receive(ctx, {d: n for d, n in notices.items() if d != ctx.device_id},
             team_id=team_id, user_id=user_id, keys=keys)
    last = ctx.db(stored)
    # What the trail here must still hold: the head this device last wrote, and the newest
    # head on the share for this device when it is another one.
    anchors: list[tuple[audit.Anchor, str]] = []
    if last is not None:
        anchors.append((last.anchor, PUBLISHED))
    anchored = last is not None and bool(own) and own[0].entry.name == last.name
    kept: set[str] = set()  # a newer PeerDesk's head: left where it is
    if own and not anchored:
        head = _newest_valid(ctx, own, team_id, kept)
        if head is not None:
            anchors.append((audit.Anchor(head.count, head.hash), ON_SHARE))
            anchored = True

    def check(conn: Connection) -> tuple[list[str], audit.Anchor, bool]:
        problems = [p for a, where in anchors if (p := audit.anchor_problem(conn, a, where))]
        base = max((a.count for a, _ in anchors), default=0)
        return problems, audit.newest(conn), audit.grew_since(conn, base)
    problems, now, grew = ctx.db(check)
    for problem in problems:
        ctx.report(f"audit-cut:{ctx.device_id}:{now.count}:{now.hash.hex()}",
                   f"{problem} Nothing was published over it; tell your administrator.")
    if problems or now.count == 0 or (anchored and not grew):
        return
    _publish_notices(ctx, team_id=team_id, user_id=user_id, sign=keys.sign)
    written = auditheads.name(ctx.device_id, user_id, now.count)
    ctx.share.write(f"{auditheads.FOLDER}/{written}", auditheads.build(
        team_id=team_id, device_id=ctx.device_id, author_id=user_id, count=now.count,
        hash_=now.hash, sign=keys.sign))
    ctx.db(partial(_store, published=Published(written, now)))
    for item in own:
        if item.entry.name != written and item.entry.name not in kept:
            ctx.share.remove(f"{auditheads.FOLDER}/{item.entry.name}")


def _newest_valid(ctx: Run, own: list[heads.Listed], team_id: str,
                  kept: set[str]) -> auditheads.AuditHead | None:
    keys = ctx.db(certs.trusted_keys)
    for item in own:
        try:
            return read_head(ctx.share, item, team_id=team_id, keys=keys)
        except FileTooLarge:
            ctx.quarantine(auditheads.FOLDER, item.entry.name,
                           "it is far too large to be an audit head", item.entry.size)
        except fmt.NewerFormat as exc:
            ctx.newer(auditheads.FOLDER, item.entry.name, exc)
            kept.add(item.entry.name)
        except fmt.Tampered as exc:
            ctx.quarantine(auditheads.FOLDER, item.entry.name, str(exc), item.entry.size)
    return None


# -- notices: entries the author and the coordinators need, sealed for them -------------------

NOTICES_PUBLISHED = "audit_notices_published"  # the last entry published as a notice


def _seen_key(user_id: str) -> str:
    return f"audit_notices_seen/{user_id}"  # {device id: last notice read}, for this user


def _publish_notices(ctx: Run, *, team_id: str, user_id: str,
                     sign: Callable[[bytes], bytes]) -> None:
    def todo(conn: Connection) -> tuple[list[audit.Notable], dict[str, certs.Standing]]:
        after = int(settings.get(conn, NOTICES_PUBLISHED) or 0)
        return audit.notable_since(conn, after), certs.standings(conn)
    entries, standings = ctx.db(todo)
    coordinators = [(i, s.cert.receive_public) for i, s in sorted(standings.items())
                    if s.cert is not None and not s.problem and s.cert.role is Role.COORDINATOR
                    and s.account.status == certs.ACTIVE]
    for entry in entries:
        author = standings.get(entry.record_author_id)
        readers = dict(coordinators)
        if author is not None and author.cert is not None and not author.problem:
            readers[entry.record_author_id] = author.cert.receive_public
        # A handover made from the share (peerdesk/services/fromshare.py): the new peer too.
        to = standings.get(_named(entry.detail).get("handover-to", ""))
        if to is not None and to.cert is not None and not to.problem:
            readers[to.account.id] = to.cert.receive_public
        ctx.share.write(
            f"{auditheads.FOLDER}/{auditnotices.name(ctx.device_id, user_id, entry.seq)}",
            auditnotices.build(entry, team_id=team_id, device_id=ctx.device_id,
                               author_id=user_id, readers=sorted(readers.items()), sign=sign))
        ctx.db(partial(settings.put, key=NOTICES_PUBLISHED, value=str(entry.seq)))


def _named(detail: str) -> dict[str, str]:
    return dict(p.split("=", 1) for p in detail.split("; ") if "=" in p)


def _open(data: bytes, item: heads.Listed, *, team_id: str, user_id: str, keys: UserKeys,
          trusted: dict[str, bytes]) -> auditnotices.Notice | None:
    signed = auditnotices.parse(data, item, team_id=team_id, verify_key=trusted.get)
    return auditnotices.open_(signed, item, team_id=team_id, reader_id=user_id, keys=keys,
                              actor_key=trusted.get)


def _receive(ctx: Run, notices: dict[str, list[heads.Listed]], *, team_id: str, user_id: str,
             keys: UserKeys) -> None:
    """Notices from other devices this user has not looked at: each read once, kept here when
    it is for her."""
    seen: dict[str, int] = ctx.db(lambda conn: json.loads(
        settings.get(conn, _seen_key(user_id)) or "{}"))
    new = {d: [n for n in items if n.seq > seen.get(d, 0)] for d, items in notices.items()}
    if not any(new.values()):
        return
    trusted = ctx.db(certs.trusted_keys)
    for device, items in sorted(new.items()):
        for item in items:
            try:
                data = ctx.share.read(f"{auditheads.FOLDER}/{item.entry.name}",
                                      max_size=auditnotices.MAX_SIZE)
                notice = fmt.boundary(partial(_open, data, item, team_id=team_id,
                                              user_id=user_id, keys=keys, trusted=trusted))
            except fmt.NewerFormat as exc:
                ctx.newer(auditheads.FOLDER, item.entry.name, exc)
                break  # this device's later notices wait for it
            except FileTooLarge:
                ctx.quarantine(auditheads.FOLDER, item.entry.name,
                               "it is far too large to be an audit notice", item.entry.size)
                notice = None
            except fmt.Tampered as exc:
                ctx.quarantine(auditheads.FOLDER, item.entry.name, str(exc), item.entry.size)
                notice = None
            seen[device] = item.seq

            def keep(conn: Connection, found: auditnotices.Notice | None = notice) -> None:
                if found is not None:
                    conn.execute(upsert(_RECEIVED).values(
                        device_id=found.device, seq=found.seq, at=found.at,
                        actor_id=found.actor_id, action=found.action,
                        record_id=found.record_id, record_author_id=found.record_author_id,
                        kind=found.kind, detail=found.detail).on_conflict_do_nothing())
                settings.put(conn, _seen_key(user_id), json.dumps(seen, sort_keys=True))
            ctx.db(keep)
