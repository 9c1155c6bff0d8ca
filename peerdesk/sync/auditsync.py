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

from peerdesk import audit
from peerdesk.store import settings
from peerdesk.sync import auditheads, certs, heads
from peerdesk.sync import format as fmt
from peerdesk.sync.run import Run
from peerdesk.sync.share import FileTooLarge, Share

ANCHOR_KEY = "audit_anchor"  # the head this device last published: {"count", "hash", "name"}
ON_SHARE = "this computer's signed audit head on the team share"
PUBLISHED = "the audit head this computer last published"


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


def anchor(ctx: Run, *, team_id: str, user_id: str, sign: Callable[[bytes], bytes]) -> None:
    found = auditheads.listed(ctx.share.list(auditheads.FOLDER),
                              partial(ctx.odd_entry, auditheads.FOLDER))
    own = found.get(ctx.device_id, [])
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
    written = auditheads.name(ctx.device_id, user_id, now.count)
    ctx.share.write(f"{auditheads.FOLDER}/{written}", auditheads.build(
        team_id=team_id, device_id=ctx.device_id, author_id=user_id, count=now.count,
        hash_=now.hash, sign=sign))
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
