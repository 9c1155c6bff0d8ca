"""The peer's own wellbeing: her private check-ins, their trend, her staying-well plan, and
"I need some support", which tells the coordinators that she asked for a conversation and
nothing else (not what she wrote, not how she rated her week)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from peerdesk import dates
from peerdesk.domain import Kind, Record, Role
from peerdesk.errors import InvalidInput
from peerdesk.services import saving, sharing
from peerdesk.services.desk import Desk

# How I am doing, from the check-in's choices: higher is better.
LEVELS = {"need_support": 1, "hard": 2, "okay": 3, "well": 4}
RECENT_ASK_DAYS = 14  # a coordinator is told of requests this recent at sign-in


@dataclass(frozen=True)
class Point:
    when: date
    level: int  # 1 to 4
    label: str  # the check-in's choice, as she chose it


def trend(records: Iterable[Record], *, author_id: str, since: date | None = None) -> list[Point]:
    """Her own check-ins over time, oldest first (one a day: the last saved that day)."""
    from peerdesk.catalogue import spec

    labels = {c.id: c.label for c in spec(Kind.CHECKIN).by_name["how_i_am"].choices}
    by_day: dict[date, Record] = {}
    for r in records:
        if r.kind is not Kind.CHECKIN or r.deleted or r.author_id != author_id:
            continue
        how = r.fields.get("how_i_am")
        try:
            when = date.fromisoformat(str(r.fields.get("when")))
        except ValueError:
            continue
        if how in LEVELS and (since is None or when >= since) and (
                when not in by_day or r.saved_at >= by_day[when].saved_at):
            by_day[when] = r
    return [Point(d, LEVELS[str(r.fields["how_i_am"])], labels[str(r.fields["how_i_am"])])
            for d, r in sorted(by_day.items())]


def ask_for_conversation(desk: Desk, *, on: date | None = None) -> tuple[Record, list[str]]:
    """Tell every coordinator on the team (a cover is a coordinator too) that this peer asked
    for a conversation, on this day. Returns the record and the names told."""
    if desk.user.role is not Role.PEER:
        raise InvalidInput("Asking for a conversation is for a peer, to her coordinator.")
    coordinators = [a for a in desk.vault.accounts() if a.role is Role.COORDINATOR]
    if not coordinators:
        raise InvalidInput("There is no coordinator on this computer yet, so nobody can be "
                           "told. Talk to your coordinator, or another coordinator, directly.")
    day = on or dates.today(desk.vault.clock())
    me = desk.actor()
    with me.transaction() as conn:  # the request and who reads it, together
        saved = saving.add_in(me, conn, Kind.SUPPORT_ASK, {"when": day.isoformat()})
        for a in coordinators:
            sharing.give(me, conn, saved.id, a.id)
    return saved, [a.name for a in coordinators]


def asks_for_me(records: Iterable[Record], *, me: str, today: date,
                within_days: int = RECENT_ASK_DAYS) -> list[Record]:
    """Requests for a conversation other people sent this user, the last two weeks, newest
    first."""
    out = []
    for r in records:
        if r.kind is not Kind.SUPPORT_ASK or r.deleted or r.author_id == me:
            continue
        try:
            when = date.fromisoformat(str(r.fields.get("when")))
        except ValueError:
            continue
        if today - timedelta(days=within_days) <= when <= today:
            out.append(r)
    return sorted(out, key=lambda r: str(r.fields.get("when")), reverse=True)
