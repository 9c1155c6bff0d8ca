"""Cover when the coordinator is away: she names another coordinator for a set period; every
peer sees the grant, and while it runs what a peer shares for supervision is shared with the
cover too. When the period ends the cover stops receiving new versions, on its own.

What the cover could read stays readable on her computer (as with any unsharing), and the
audit trail says which items were shared with her and when.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from peerdesk import dates
from peerdesk.domain import Kind, Record, Role
from peerdesk.errors import InvalidInput, NotAllowed
from peerdesk.services import saving, sharing

if TYPE_CHECKING:
    from peerdesk.services.desk import Desk


def grant(desk: Desk, cover: str, starts: date, ends: date, *, note: str = "") -> Record:
    if desk.user.role is not Role.COORDINATOR:
        raise NotAllowed("Cover is arranged by the Peer Worker Coordinator.")
    account = desk.vault.account(cover)
    if account.role is not Role.COORDINATOR or not account.active or account.id == desk.user.id:
        raise InvalidInput(f"{account.name} cannot cover: cover is another Peer Worker "
                           "Coordinator's account.")
    if ends < starts:
        raise InvalidInput("The cover has to end on or after the day it starts.")
    everyone = [a.id for a in desk.vault.accounts()
                if a.id != desk.user.id and a.role is not Role.ADMIN and a.active]
    me = desk.actor()
    with me.transaction() as conn:
        saved = saving.add_in(me, conn, Kind.COVER, {
            "cover": account.name, "starts": starts.isoformat(), "ends": ends.isoformat(),
            "note": note})
        for other in everyone:
            sharing.give(me, conn, saved.id, other)  # every peer sees who is covering
    return saved


def end(desk: Desk, grant_id: str, *, today: date | None = None) -> Record:
    """End a cover early: it ended yesterday."""
    today = today or dates.today(desk.vault.clock())
    record = desk.get(grant_id)
    return desk.update(grant_id, dict(record.fields) | {
        "ends": min(date.fromisoformat(record.fields["ends"]),
                    today - timedelta(days=1)).isoformat()})


def grants(records: Iterable[Record]) -> list[Record]:
    return sorted((r for r in records if r.kind is Kind.COVER and not r.deleted),
                  key=lambda r: str(r.fields.get("starts", "")))


def is_active(grant_record: Record, today: date) -> bool:
    f = grant_record.fields
    return date.fromisoformat(f["starts"]) <= today <= date.fromisoformat(f["ends"])


def active(records: Iterable[Record], today: date) -> list[Record]:
    return [g for g in grants(records) if is_active(g, today)]


def notice(records: Iterable[Record], authors: dict[str, str], today: date) -> str:
    """The sentence peers see while a cover runs."""
    now = active(records, today)
    if not now:
        return ""
    g = now[0]
    away = authors.get(g.author_id, "Your coordinator")
    return (f"{away} is away until {dates.day_month(str(g.fields['ends']))}: "
            f"{g.fields['cover']} is covering, and can read what you share for supervision "
            "until then.")


def apply(desk: Desk, *, today: date | None = None) -> tuple[int, int]:
    """On a peer's computer: share with a cover what is shared with the coordinator she
    covers, while the cover runs; stop when it has ended. Returns (shared, stopped)."""
    if desk.user.role is not Role.PEER:
        return 0, 0
    today = today or dates.today(desk.vault.clock())
    everything = desk.records(Kind.COVER)
    members = desk.vault.accounts()
    accounts = {a.name: a.id for a in members}
    # A grant shares something only while both its author and the cover it names are
    # coordinators, as their certificates say now: one naming a peer (written by a changed
    # PeerDesk) or a coordinator since made a peer confers nothing, and what it shared stops.
    coordinators = {a.id for a in members if a.role is Role.COORDINATOR and a.active}
    running: dict[str, set[str]] = {}  # cover account id -> coordinators she covers
    named: set[str] = set()
    for g in grants(everything):
        cover_id = accounts.get(str(g.fields.get("cover")))
        if cover_id is None:
            continue
        named.add(cover_id)
        if is_active(g, today) and {cover_id, g.author_id} <= coordinators:
            running.setdefault(cover_id, set()).add(g.author_id)
    shared = stopped = 0
    for record_id, readers in desk.shared_by_me().items():
        for cover_id in named:
            covered = running.get(cover_id, set())
            if covered & set(readers) and cover_id not in readers:
                desk.share(record_id, cover_id)
                shared += 1
            elif not covered and cover_id in readers and len(readers) > 1:
                desk.unshare(record_id, cover_id)
                stopped += 1
    return shared, stopped
