"""Supervision: the coordinator's inbox of shared items, comments back to the peer, group
supervision sessions with their agenda and actions, and neutral aliases for a shared screen."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from peerdesk.domain import Kind, Record, Role
from peerdesk.errors import InvalidInput, NotAllowed
from peerdesk.services import saving, sharing

if TYPE_CHECKING:
    from peerdesk.services.desk import Desk

SUPERVISED = frozenset({Kind.DIARY, Kind.REFLECTION})


# -- comments -------------------------------------------------------------------------------

def comment(desk: Desk, record_id: str, text: str) -> Record:
    """The coordinator's comment on an item shared with her, encrypted for her and the peer
    who shared it, and nobody else."""
    if desk.user.role is not Role.COORDINATOR:
        raise NotAllowed("Comments on shared items come from a Peer Worker Coordinator.")
    item = desk.get(record_id)  # NotSharedWithYou if it was never shared with her
    if item.author_id == desk.user.id or item.kind not in SUPERVISED:
        raise InvalidInput("Comments are for diaries and reflections a peer shared with you.")
    me = desk.actor()
    with me.transaction() as conn:  # the comment and its one other reader, together
        saved = saving.add_in(me, conn, Kind.COMMENT, {"about": record_id, "text": text})
        sharing.give(me, conn, saved.id, item.author_id)
    return saved


def comments_on(records: Iterable[Record], record_id: str) -> list[Record]:
    return sorted((r for r in records if r.kind is Kind.COMMENT and not r.deleted
                   and r.fields.get("about") == record_id), key=lambda r: r.saved_at)


# -- the inbox ------------------------------------------------------------------------------

@dataclass(frozen=True)
class InboxItem:
    record: Record
    peer: str
    bring: bool  # the peer marked it "bring to supervision"
    comments: tuple[Record, ...]
    alias: str = ""  # Person A, B …: the person it is about, never their name; "" if no one

    @property
    def when(self) -> str:
        return str(self.record.fields.get("when") or self.record.saved_at.isoformat())


@dataclass(frozen=True)
class Inbox:
    bring: tuple[InboxItem, ...]  # first: what peers asked to bring, newest first
    by_peer: tuple[tuple[str, tuple[InboxItem, ...]], ...]  # the rest, per peer, newest first

    def items(self) -> list[InboxItem]:
        return [*self.bring, *(i for _, items in self.by_peer for i in items)]


def inbox(records: Sequence[Record], authors: Mapping[str, str], me: str) -> Inbox:
    items = [InboxItem(r, authors.get(r.author_id, "A peer"),
                       bool(r.fields.get("bring_to_supervision")),
                       tuple(comments_on(records, r.id)))
             for r in records
             if r.kind in SUPERVISED and r.author_id != me and not r.deleted]
    # The same alias for the same person throughout the inbox, given oldest first, so a new
    # item does not re-letter the people already there.
    aliases: dict[str, str] = {}
    for i in sorted(items, key=lambda i: i.when):
        pid = i.record.person_id
        if pid and pid not in aliases:
            aliases[pid] = alias(len(aliases))
    items = [replace(i, alias=aliases.get(i.record.person_id or "", "")) for i in items]
    items.sort(key=lambda i: i.when, reverse=True)
    groups: dict[str, list[InboxItem]] = {}
    for i in items:
        if not i.bring:
            groups.setdefault(i.peer, []).append(i)
    return Inbox(tuple(i for i in items if i.bring),
                 tuple((peer, tuple(g)) for peer, g in sorted(groups.items())))


# -- sessions and actions -------------------------------------------------------------------

@dataclass(frozen=True)
class GroupSession:
    """One group supervision session, as its screen shows it."""

    record: Record
    agenda: tuple[Record, ...]  # items peers chose to bring, readable here
    actions: tuple[Record, ...]  # agreed at this session
    carried: tuple[Record, ...]  # open from earlier sessions

    @property
    def when(self) -> str:
        return str(self.record.fields.get("when", ""))


def discussed(records: Iterable[Record]) -> set[str]:
    return {rid for r in records if r.kind is Kind.SUPERVISION and not r.deleted
            for rid in r.fields.get("agenda", ())}


def proposed_agenda(records: Sequence[Record], me: str) -> list[str]:
    """Items peers chose to bring that no session has discussed yet, oldest first."""
    done = discussed(records)
    bring = [r for r in records if r.kind in SUPERVISED and r.author_id != me and not r.deleted
             and r.fields.get("bring_to_supervision") and r.id not in done]
    return [r.id for r in sorted(bring, key=lambda r: str(r.fields.get("when", "")))]


def start_session(desk: Desk, when: date, attendees: Sequence[str], *,
                  agenda: Sequence[str] | None = None) -> Record:
    if desk.user.role is not Role.COORDINATOR:
        raise NotAllowed("Group supervision sessions are run by a Peer Worker Coordinator.")
    records = desk.records()
    items = list(agenda) if agenda is not None else proposed_agenda(records, desk.user.id)
    return desk.add(Kind.SUPERVISION, {"when": when.isoformat(), "attendees": list(attendees),
                                       "agenda": items})


def add_action(desk: Desk, session_id: str, text: str, owner: str, due: date | None) -> Record:
    """An agreed action; when the owner is a peer with an account, she can read it too."""
    match = [a for a in desk.vault.accounts() if a.name == owner and a.id != desk.user.id]
    me = desk.actor()
    with me.transaction() as conn:
        saved = saving.add_in(me, conn, Kind.ACTION, {
            "text": text, "owner": owner, "session": session_id,
            "due": due.isoformat() if due else None})
        if match:
            sharing.give(me, conn, saved.id, match[0].id)
    return saved


def open_actions(records: Iterable[Record]) -> list[Record]:
    return sorted((r for r in records if r.kind is Kind.ACTION and not r.deleted
                   and not r.fields.get("done")),
                  key=lambda r: (str(r.fields.get("due") or "9999"), r.saved_at))


def session(records: Sequence[Record], session_id: str) -> GroupSession:
    by_id = {r.id: r for r in records}
    rec = by_id[session_id]
    actions = [r for r in records if r.kind is Kind.ACTION and not r.deleted
               and r.fields.get("session") == session_id]
    sessions = {r.id: str(r.fields.get("when", "")) for r in records
                if r.kind is Kind.SUPERVISION}
    carried = [a for a in open_actions(records)
               if sessions.get(str(a.fields.get("session")), "9999")
               < str(rec.fields.get("when", ""))]
    return GroupSession(rec, tuple(by_id[i] for i in rec.fields.get("agenda", ()) if i in by_id),
                   tuple(sorted(actions, key=lambda r: r.saved_at)), tuple(carried))


def sessions(records: Iterable[Record]) -> list[Record]:
    return sorted((r for r in records if r.kind is Kind.SUPERVISION and not r.deleted),
                  key=lambda r: str(r.fields.get("when", "")), reverse=True)


def attendance(records: Iterable[Record], authors: Mapping[str, str]) -> dict[str, int]:
    """Group supervision sessions attended, per peer account id (attendees are names)."""
    by_name = {name: aid for aid, name in authors.items()}
    out: dict[str, int] = {}
    for s in sessions(records):
        for name in set(s.fields.get("attendees", ())):
            if name in by_name:
                out[by_name[name]] = out.get(by_name[name], 0) + 1
    return out


# -- a screen others can see ---------------------------------------------------------------

def alias(index: int) -> str:
    """Person A, Person B … Person Z, Person AA …: neutral, and the same within one sitting."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = string.ascii_uppercase[rem] + letters
    return f"Person {letters}"


_IDENTIFIERS = [
    re.compile(r"\b\d[\d\s-]{5,}\d\b"),  # NHS numbers, phone numbers, hospital numbers
    re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b"),  # e-mail addresses
    re.compile(r"\b[A-Z]{1,3}\d{2,}[A-Z0-9]*\b"),  # ward or local references like RX12345
    re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"),  # dates of birth written by hand
]


def scrub(text: str, names: Iterable[str]) -> str:
    """Text for a shared screen: every known name of a person supported becomes [someone],
    anything that looks like an identifier becomes [removed]."""
    for pattern in _IDENTIFIERS:
        text = pattern.sub("[removed]", text)
    for name in sorted({n for n in names if n.strip()}, key=len, reverse=True):
        text = re.sub(rf"(?i)\b{re.escape(name)}\b", "[someone]", text)
    return text


def theme_counts(records: Iterable[Record], *, start: date | None = None,
                 end: date | None = None) -> list[tuple[str, int]]:
    """How often each theme came up in group supervision sessions in a period, most first."""
    from peerdesk.catalogue import spec

    labels = {c.id: c.label for c in spec(Kind.SUPERVISION).by_name["themes"].choices}
    counts: dict[str, int] = {}
    for s in sessions(records):
        when = date.fromisoformat(str(s.fields["when"])[:10])
        if (start is None or when >= start) and (end is None or when <= end):
            for theme in s.fields.get("themes", ()):
                counts[theme] = counts.get(theme, 0) + 1
    return sorted(((labels.get(t, t), n) for t, n in counts.items()), key=lambda x: (-x[1], x[0]))
