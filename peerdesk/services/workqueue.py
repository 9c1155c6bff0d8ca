"""Today as a work queue: what is due around a person's discharge, read from the records the
peer already writes, and what she marked done or not needed.

Eight kinds of item, each with the day it is due:
- the first meeting after discharge (the person's discharge date + the team's target from
  the policy), until a first post-discharge diary on or after that date exists;
- a follow-up agreed in a diary with a "by when";
- the planned end of peer support within two weeks, until the end date is recorded;
- a plan review within two weeks;
- a diary of the last four weeks that mentions a risk and does not yet say the clinical record
  has it (hazard H6);
- for a coordinator, a peer who asked for a conversation ("I need some support");
- someone named in a plan who is still to be confirmed on its consent ledger;
- for a coordinator, a peer's proposed resource pack entry not yet in the pack.
An item leaves the queue when its own work is recorded, or when the peer marks it done or not
needed (with a reason): an outcome record keyed by the item, so a new discharge date, end date
or review date makes a new item.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from peerdesk import dates, safety
from peerdesk.catalogue import spec
from peerdesk.domain import PLAN_KINDS, Kind, Record
from peerdesk.errors import InvalidInput
from peerdesk.services.consent import to_confirm
from peerdesk.services.desk import Desk
from peerdesk.services.resources import open_proposals

WITHIN_DAYS = 14  # endings and reviews come onto Today two weeks ahead
FLAG_DAYS = 2  # a first meeting or follow-up is flagged in its last two days, before it lapses
MAX_REASON = 2000


class ItemKind(StrEnum):
    FIRST_MEETING = "first_meeting"
    FOLLOW_UP = "follow_up"
    ENDING = "ending"
    REVIEW = "review"
    SAFETY = "safety"
    CONVERSATION = "conversation"
    CONSENT = "consent"
    PROPOSAL = "proposal"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    ItemKind.FIRST_MEETING: "First meeting after discharge",
    ItemKind.FOLLOW_UP: "Follow-up agreed",
    ItemKind.ENDING: "Peer support ends",
    ItemKind.REVIEW: "Plan review",
    ItemKind.SAFETY: "A risk noted: is it in the clinical record?",
    ItemKind.CONVERSATION: "Asked you for a conversation",
    ItemKind.CONSENT: "Who can see a plan: to confirm",
    ItemKind.PROPOSAL: "Proposed for the resource pack",
}
PROPOSAL_DAYS = 14  # a proposal is looked at within two weeks
CONFIRM_DAYS = 7  # a name moved onto a plan's ledger is confirmed at the next meeting
CONVERSATION_DAYS = 2  # a peer who asks for support hears back within two days
SAFETY_DAYS = 28  # diaries this recent are read for risk words; older ones were prompted then
RECORDED = frozenset({"by_me", "by_staff", "not_needed"})
# The diary's own words; the note of what the peer did is not read again for risk.
_DIARY_TEXTS = ("what_happened", "what_mattered", "strengths", "lived_experience",
                "signposting", "follow_up", "ending")


@dataclass(frozen=True)
class Item:
    key: str  # what it is about and the date it runs from; outcome records name it
    what: ItemKind
    record_id: str  # the record it comes from: person, diary or plan
    person_id: str | None
    due: date
    detail: str  # the follow-up's words, the plan's title, the discharge date
    from_id: str | None = None  # for a request for a conversation: the peer who asked

    def days_left(self, today: date) -> int:
        return (self.due - today).days

    def flagged(self, today: date) -> bool:
        """Needs doing now: due within FLAG_DAYS, or already passed."""
        return self.days_left(today) <= FLAG_DAYS

    def when_text(self, today: date) -> str:
        days = self.days_left(today)
        if days < 0:
            late = f"{-days} day{'' if days == -1 else 's'} late"
            return f"{late} (was due {dates.short_day(self.due)})"
        if days == 0:
            return "Due today"
        if days == 1:
            return "Due tomorrow"
        return f"Due in {days} days ({dates.short_day(self.due)})"


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def queue(records: Iterable[Record], *, today: date, first_meeting_days: int,
          author_id: str | None = None) -> list[Item]:
    """The open items, most pressing first. ``author_id``: only what this peer wrote (a
    coordinator reads diaries shared with her, but they are not her work)."""
    q = Queue(today=today, first_meeting_days=first_meeting_days, author_id=author_id)
    q.load(records)
    return q.items()


_OTHERS = frozenset({Kind.SUPPORT_ASK, Kind.RESOURCE, Kind.PROPOSAL})
_Key = tuple[str, datetime]


class Queue:
    """Today's queue, kept item by item: loaded once from every record (on a worker), then
    told of each record saved or removed. A save works out again only what that record
    touches: its own items, its person's, and (for a request or a pack entry) the few from
    others. ``worked_out`` counts the records and people whose items were worked out.

    Not thread-safe: one lane owns it (the desk's database lane)."""

    def __init__(self, *, today: date, first_meeting_days: int,
                 author_id: str | None = None) -> None:
        self.today = today
        self.first_meeting_days = first_meeting_days
        self.author_id = author_id
        self.worked_out = 0
        self._saved: set[str] = set()  # put() after loading began: loading must not undo it
        self._records: dict[str, Record] = {}  # every record read, not deleted
        self._own: dict[str, list[Item]] = {}  # a diary's risk item, a plan's items
        self._closed: dict[str, str] = {}  # outcome record id -> the item it closes
        self._people: dict[str, Record] = {}
        self._met: dict[str | None, dict[str, date]] = {}  # first post-discharge meetings
        self._follow: dict[str | None, dict[str, _Key]] = {}  # diaries agreeing a follow-up
        self._by_person: dict[str | None, list[Item]] = {}
        self._dirty: set[str | None] = set()  # people whose items are to be worked out
        self._others: list[Item] | None = None
        self._other_records: dict[str, Record] = {}

    def held(self) -> list[dict[str, Any]]:
        """What it keeps of every record: for the lock to let go of in steps on this lane."""
        return [self._records, self._other_records, self._people, self._own]

    # -- told what changed ---------------------------------------------------------------

    def load(self, records: Iterable[Record]) -> None:
        """Records read at unlock, in any number of batches. One saved since is kept."""
        for r in records:
            if r.id not in self._saved:
                self._put(r)

    def put(self, record: Record) -> None:
        """A record saved (or deleted: ``record.deleted``) on this computer."""
        self._saved.add(record.id)
        self._put(record)

    def drop(self, record_id: str) -> None:
        """A record gone (erased, or no longer readable)."""
        self._saved.add(record_id)
        old = self._records.pop(record_id, None)
        if old is not None:
            self._forget(old)

    def _put(self, record: Record) -> None:
        old = self._records.pop(record.id, None)
        if old is not None:
            self._forget(old)
        if record.deleted:
            return
        self._records[record.id] = record
        if record.kind in _OTHERS:
            self._other_records[record.id] = record
            self._others = None
        if self.author_id is not None and record.author_id != self.author_id:
            return
        if record.kind is Kind.OUTCOME:
            self._closed[record.id] = str(record.fields.get("item"))
        elif record.kind is Kind.PERSON:
            self._people[record.id] = record
            self._dirty.add(record.id)
        elif record.kind is Kind.DIARY:
            self._index_diary(record)
        elif record.kind in PLAN_KINDS:
            self.worked_out += 1
            items = _plan_items(record, self.today)
            if items:
                self._own[record.id] = items

    def _index_diary(self, d: Record) -> None:
        self.worked_out += 1
        found = _safety_item(d, self.today)
        if found is not None:  # most diaries have none: nothing kept for them
            self._own[d.id] = [found]
        when = _day(d.fields.get("when")) \
            if d.fields.get("contact_type") == "first_post_discharge" else None
        if when is not None:
            self._met.setdefault(d.person_id, {})[d.id] = when
            self._dirty.add(d.person_id)
        if str(d.fields.get("follow_up") or "").strip():
            self._follow.setdefault(d.person_id, {})[d.id] = (str(d.fields.get("when", "")),
                                                               d.saved_at)
            self._dirty.add(d.person_id)

    def _forget(self, old: Record) -> None:
        self._own.pop(old.id, None)
        self._closed.pop(old.id, None)
        if self._other_records.pop(old.id, None) is not None:
            self._others = None
        if self._people.pop(old.id, None) is not None:
            self._dirty.add(old.id)
        for index in (self._met, self._follow):
            found = index.get(old.person_id)
            if found is not None and found.pop(old.id, None) is not None:
                self._dirty.add(old.person_id)

    # -- what is open --------------------------------------------------------------------

    def items(self, today: date | None = None) -> list[Item]:
        """The open items, most pressing first. A new day works everything out again."""
        if today is not None and today != self.today:
            self.today = today
            everything = list(self._records.values())
            self._records.clear()
            self._own.clear()
            self._closed.clear()
            self._people.clear()
            self._met.clear()
            self._follow.clear()
            self._by_person.clear()
            self._other_records.clear()
            self._others = None
            for r in everything:
                self._put(r)
        for person_id in self._dirty:
            self.worked_out += 1
            self._by_person[person_id] = self._person_items(person_id)
        self._dirty.clear()
        if self._others is None:
            self._others = _from_others(list(self._other_records.values()), self.author_id)
        closed = set(self._closed.values())
        open_items = [i for group in (self._own, self._by_person) for items in group.values()
                      for i in items if i.key not in closed]
        open_items.extend(i for i in self._others if i.key not in closed)
        return sorted(open_items, key=lambda i: (i.due, _ORDER[i.what], i.key))

    def _person_items(self, person_id: str | None) -> list[Item]:
        out: list[Item] = []
        person = self._people.get(person_id or "")
        if person is not None:
            out.extend(_person_items(person, list(self._met.get(person_id, {}).values()),
                                     self.today, self.first_meeting_days))
        follows = self._follow.get(person_id)
        if follows:
            newest = self._records[max(follows, key=lambda rid: follows[rid])]
            out.extend(_follow_up_item(newest))
        return out


_ORDER = {k: n for n, k in enumerate(ItemKind)}


def _follow_up_item(diary: Record) -> list[Item]:
    """A follow-up with a date, from the newest diary about the person that agreed one (an
    older one was carried to the top of the next diary, and met or replaced there)."""
    by = _day(diary.fields.get("follow_up_by"))
    text = " ".join(str(diary.fields.get("follow_up") or "").split())
    if by is None or not text:
        return []
    return [Item(f"follow_up:{diary.id}:{by.isoformat()}", ItemKind.FOLLOW_UP,
                 diary.id, diary.person_id, by, text)]


def _plan_items(plan: Record, today: date) -> list[Item]:
    out = [Item(f"consent:{plan.id}:{c.id}", ItemKind.CONSENT, plan.id, plan.person_id,
                c.given_on + timedelta(days=CONFIRM_DAYS),
                f"{c.recipient}, named in “{spec(plan.kind).title}”: ask the person, then "
                "record it in 'Who can see this'") for c in to_confirm(plan.fields, today)]
    review = _day(plan.fields.get("review_on"))
    if review is not None and (review - today).days <= WITHIN_DAYS:
        out.append(Item(f"review:{plan.id}:{review.isoformat()}", ItemKind.REVIEW, plan.id,
                        plan.person_id, review, spec(plan.kind).title))
    return out


def _from_others(everything: Sequence[Record], me: str | None) -> list[Item]:
    """For a coordinator: a peer who asked for a conversation, a proposed pack entry."""
    out = []
    for ask in everything:
        when = _day(ask.fields.get("when")) if ask.kind is Kind.SUPPORT_ASK else None
        if when is not None and ask.author_id != me:
            out.append(Item(f"conversation:{ask.id}", ItemKind.CONVERSATION, ask.id, None,
                            when + timedelta(days=CONVERSATION_DAYS),
                            f"Asked on {dates.short_day(when)}: only that, nothing she wrote",
                            from_id=ask.author_id))
    for proposal in open_proposals(everything, me=me or ""):
        out.append(Item(f"proposal:{proposal.id}", ItemKind.PROPOSAL, proposal.id, None,
                        proposal.saved_at.date() + timedelta(days=PROPOSAL_DAYS),
                        f"“{proposal.fields.get('name', '')}”: open it to check it and add "
                        "it to the pack", from_id=proposal.author_id))
    return out


def _safety_item(diary: Record, today: date) -> Item | None:
    """H6: a diary that mentions a risk stays on Today until it says the clinical record has
    it (or that it is not needed): a private diary must not be the only place it is written."""
    # ISO dates sort as text: most of a decade's diaries are passed over without parsing one.
    raw = str(diary.fields.get("when") or "")[:10]
    if raw < (today - timedelta(days=SAFETY_DAYS)).isoformat() \
            or diary.fields.get("clinical_record") in RECORDED:
        return None
    when = _day(raw)
    if when is None:
        return None
    words = _risk_words(diary)
    if words is None:
        return None
    return Item(f"safety:{diary.id}", ItemKind.SAFETY, diary.id, diary.person_id, when,
                f"The diary mentions “{words}”. Say what you did, and whether it is in the "
                "clinical record")


# Risk words found per diary version (a version never changes); ids and the words found only,
# in memory, emptied by forget() when the app locks.
_RISK_SEEN: dict[tuple[str, int], str | None] = {}
_RISK_SEEN_MAX = 20_000


def _risk_words(diary: Record) -> str | None:
    key = (diary.id, diary.version)
    if key not in _RISK_SEEN:
        if len(_RISK_SEEN) >= _RISK_SEEN_MAX:
            _RISK_SEEN.clear()
        _RISK_SEEN[key] = safety.find_risk(
            "\n".join(str(diary.fields.get(k) or "") for k in _DIARY_TEXTS))
    return _RISK_SEEN[key]


def forget() -> None:
    """On lock: nothing read from a record stays in memory."""
    _RISK_SEEN.clear()


def _person_items(person: Record, met: Sequence[date], today: date,
                  first_meeting_days: int) -> list[Item]:
    """``met``: the days of first post-discharge meetings with this person."""
    f = person.fields
    if _day(f.get("ended_on")) is not None:
        return []
    out: list[Item] = []
    discharged = _day(f.get("discharged_on"))
    if (discharged is not None and discharged <= today
            and not any(day >= discharged for day in met)):
        out.append(Item(f"first_meeting:{person.id}:{discharged.isoformat()}",
                        ItemKind.FIRST_MEETING, person.id, person.id,
                        discharged + timedelta(days=first_meeting_days),
                        f"Discharged {dates.short_day(discharged.isoformat())}"))
    end = _day(f.get("planned_end"))
    if end is not None and (end - today).days <= WITHIN_DAYS:
        out.append(Item(f"ending:{person.id}:{end.isoformat()}", ItemKind.ENDING, person.id,
                        person.id, end, "Planned end of peer support"))
    return out


def close(desk: Desk, item: Item, *, done: bool, reason: str = "",
          on: date | None = None) -> Record:
    """Mark an item done, or not needed with the reason: it leaves Today on every device."""
    reason = " ".join(reason.split()) if not done else ""
    if not done and not reason:
        raise InvalidInput("Say why it is not needed: a few words are enough.")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"The reason is longer than {MAX_REASON:,} characters.")
    fields = {"item": item.key, "outcome": "done" if done else "not_needed",
              "reason": reason, "when": (on or dates.today()).isoformat()}
    return desk.add(Kind.OUTCOME, fields, person_id=item.person_id)


def last_follow_up(records: Iterable[Record], person_id: str, *,
                   author_id: str | None = None) -> Record | None:
    """The newest diary about this person that agreed a follow-up: shown at the top of the
    next diary about them."""
    with_follow_up = [r for r in records if r.kind is Kind.DIARY and not r.deleted
                      and r.person_id == person_id and str(r.fields.get("follow_up") or "").strip()
                      and (author_id is None or r.author_id == author_id)]
    return max(with_follow_up, key=lambda r: (str(r.fields.get("when", "")), r.saved_at),
               default=None)
