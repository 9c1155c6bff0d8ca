"""Papers the person keeps, beside their plans: the wallet-sized crisis card, "what to expect
from peer support", and the ending letter ("who's in your corner now"). The wording is the
team's, in resources/letters/*.json; the person's own words go in unchanged. ``make`` is the
one door for every kind of copy, in the app and on the command line: it reads what the copy
needs, checks consent and writes the audit entry."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from string import Formatter
from typing import Any

from peerdesk import dates
from peerdesk.catalogue import spec
from peerdesk.domain import PLAN_KINDS, Kind, Record
from peerdesk.errors import InvalidInput, NotAllowed, NotFound
from peerdesk.exports import Block, Card, Document, Heading, Items, Panel, Para, Picture
from peerdesk.paths import resource_dir
from peerdesk.services import consent, copies, resources
from peerdesk.services.desk import Desk

FORMATS: dict[str, str] = {
    "standard": "Standard copy",
    "large-print": "Large print",
    "easy-read": "Easy Read",
    "crisis-card": "Crisis card (wallet size)",
    "what-to-expect": "What to expect from peer support",
    "ending-letter": "Ending letter: who's in your corner now",
}
PLAN_FORMATS = ("standard", "large-print", "easy-read")  # any plan, for anyone it may go to
CARD_CONTACTS = 3


@cache
def letter(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (resource_dir() / "letters" / f"{name}.json").read_text(encoding="utf-8"))
    return data


def fill(text: str, values: dict[str, str]) -> str:
    """A template line with its {names} filled in; a name the team mistyped stays as it is."""
    names = {name for _, name, _, _ in Formatter().parse(text) if name}
    return text.format_map({n: values.get(n, "{" + n + "}") for n in names})


def _fill_all(lines: Sequence[str], values: dict[str, str]) -> tuple[str, ...]:
    return tuple(fill(str(line), values) for line in lines)


# -- the crisis card ------------------------------------------------------------------------

def _section(plan: Record, section_id: str) -> str:
    return str((plan.fields.get("sections") or {}).get(section_id, "")).strip()


def card_contacts(plan: Record) -> tuple[str, ...]:
    """The three people the person chose for their card, one a line, in their words."""
    lines = [line.strip() for line in _section(plan, "card_contacts").splitlines()]
    return tuple(line for line in lines if line)[:CARD_CONTACTS]


def crisis_card(plan: Record, *, person: str,
                numbers: Sequence[tuple[str, str]]) -> Card:
    t = letter("crisis_card")
    values = {"person": person or "me"}
    contacts = list(card_contacts(plan))
    contacts += [str(t["contacts_blank"])] * (CARD_CONTACTS - len(contacts))
    helps = copies.one_idea_a_line(_section(plan, "helps"))
    return Card(
        str(t["title"]),
        cover=Panel(fill(t["cover"][0], values), _fill_all(t["cover"][1:], values), big=True),
        inside_left=Panel(str(t["contacts_heading"]), tuple(contacts)),
        inside_right=Panel(str(t["helps_heading"]), helps, more=str(t["helps_more"])),
        back=Panel(str(t["numbers_heading"]), tuple(f"{who}: {number}" for who, number in numbers)),
        instructions=tuple(str(i) for i in t.get("instructions", ())))


# -- what to expect -------------------------------------------------------------------------

def what_to_expect(*, person: str, peer: str, team: str) -> Document:
    t = letter("what_to_expect")
    values = {"person": person or "there", "peer": peer, "team": team or "the peer support team",
              "length": str(t.get("length", ""))}
    blocks: list[Block] = [Heading(str(t["title"]))]
    for part in t["sections"]:
        blocks.append(Picture(str(part.get("picture", "")), str(part.get("alt", "")),
                              _fill_all([part["heading"], *part["lines"]], values)))
    blocks.append(Picture("star", "A star", _fill_all(t.get("end", ()), values)))
    return Document(str(t["title"]), tuple(blocks), size=14.0,
                    footer=f"{t['title']} · {team or 'PeerDesk'} · {dates.day(dates.today())}")


# -- the ending letter ----------------------------------------------------------------------

def resources_used(diaries: Sequence[Record], pack: Sequence[Record]) -> list[Record]:
    """Resource pack entries linked in the person's diaries, in the order first used."""
    used: dict[str, Record] = {}
    for diary in sorted(diaries, key=lambda d: str(d.fields.get("when") or d.saved_at)):
        if diary.kind is Kind.DIARY and not diary.deleted:
            for entry in resources.linked(diary, pack):
                used.setdefault(entry.id, entry)
    return list(used.values())


def _resource_line(entry: Record) -> str:
    f = entry.fields
    parts = [str(f.get(k, "")).strip() for k in ("what_happens", "opening_times", "contact")]
    return f"{f.get('name', '')}: " + ". ".join(p.rstrip(".") for p in parts if p) + "."


def ending_letter(person: Record, *, peer: str, team: str, contacts: Sequence[str],
                  used: Sequence[Record], numbers: Sequence[tuple[str, str]]) -> Document:
    t = letter("ending_letter")
    ended = person.fields.get("ended_on") or person.fields.get("planned_end")
    values = {"person": str(person.fields.get("label", "")), "peer": peer,
              "team": team or "the peer support team",
              "ended": f" on {dates.day(str(ended))}" if ended else ""}
    blocks: list[Block] = [Heading(str(t["title"])),
                           Para("\n".join(_fill_all(t["opening"], values)))]
    summary = str(person.fields.get("transition_summary") or "").strip()
    blocks += [Heading(str(t["summary_heading"]), 2),
               Para(summary) if summary else Para("\n\n\n", "quote")]
    blocks.append(Heading(str(t["contacts_heading"]), 2))
    blocks.append(Items(tuple(contacts)) if contacts else Para(str(t["contacts_empty"])))
    blocks.append(Heading(str(t["resources_heading"]), 2))
    blocks.append(Items(tuple(_resource_line(e) for e in used)) if used
                  else Para(str(t["resources_empty"])))
    blocks.append(Heading(str(t["numbers_heading"]), 2))
    blocks.append(Items(tuple(f"{who}: {number}" for who, number in numbers)))
    blocks.append(Para("\n".join(_fill_all(t["closing"], values))))
    return Document(str(t["title"]), tuple(blocks), size=13.0,
                    footer=f"{t['title']} · {dates.day(dates.today())}")


# -- the one door -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Made:
    """A copy ready to save or print, already checked and audited."""

    doc: Document | Card
    fmt: str
    title: str  # for the file name: the plan's or the paper's title
    person: str  # the person's chosen name, for the file name; "" for someone else's copy
    recipient: str
    copy: consent.PlanCopy | None = None  # what the consent check let through, for a plan


def _person_of(desk: Desk, record: Record) -> Record:
    if record.kind is Kind.PERSON:
        return record
    if not record.person_id:
        raise InvalidInput("This record is not about a person.")
    return desk.get(record.person_id)


def _newest_crisis_plan(desk: Desk, person: Record) -> Record:
    plans = [p for p in desk.records(Kind.CRISIS_PLAN, person_id=person.id) if not p.deleted]
    if not plans:
        raise NotFound("There is no crisis plan for this person yet: the card is made from it.")
    return max(plans, key=lambda p: p.saved_at)


def make(desk: Desk, record_id: str, fmt: str, recipient: str | None = None, *,
         how: str) -> Made:
    """The copy ``fmt`` of a plan (or, for the person's papers, of the plan's or person's
    record), for ``recipient`` (None: the person). The audit entry says how and which copy."""
    if fmt not in FORMATS:
        raise InvalidInput(f"There is no copy called {fmt!r}: choose one of "
                           + ", ".join(FORMATS) + ".")
    record = desk.get(record_id)
    numbers = desk.vault.policy.crisis_numbers
    detail = f"{how}; {fmt}"
    if fmt in PLAN_FORMATS:
        if record.kind not in PLAN_KINDS:
            raise InvalidInput(f"The {FORMATS[fmt].lower()} is made from a plan.")
        copy = consent.export_plan(desk, record_id, recipient, how=detail)
        name = _label(desk, copy.record) if copy.for_the_person else ""
        doc = (copies.easy_read_document(copy, person=name) if fmt == "easy-read" else
               copies.plan_document(copy, person=name, large_print=fmt == "large-print"))
        title = spec(record.kind).title + (" (Easy Read)" if fmt == "easy-read" else "")
        return Made(doc, fmt, title, name, copy.recipient, copy)
    if recipient is not None and recipient.strip().casefold() not in (
            consent.FOR_THE_PERSON, "person", "self"):
        raise NotAllowed(f"The {FORMATS[fmt].lower()} is for the person themselves.")
    person = _person_of(desk, record)
    name = str(person.fields.get("label", ""))
    team = desk.vault.team or ""
    if fmt == "crisis-card":
        plan = record if record.kind is Kind.CRISIS_PLAN else _newest_crisis_plan(desk, person)
        copy = consent.export_plan(desk, plan.id, None, how=detail)
        return Made(crisis_card(copy.record, person=name, numbers=numbers), fmt,
                    "My crisis card", name, copy.recipient, copy)
    desk.note_export(person.id, detail)
    if fmt == "what-to-expect":
        doc = what_to_expect(person=name, peer=desk.user.name, team=team)
        return Made(doc, fmt, str(letter("what_to_expect")["title"]), name,
                    consent.FOR_THE_PERSON)
    about = desk.records(person_id=person.id)
    plans = [p for p in about if p.kind is Kind.CRISIS_PLAN and not p.deleted]
    contacts = card_contacts(max(plans, key=lambda p: p.saved_at)) if plans else ()
    used = resources_used(about, desk.records(Kind.RESOURCE))
    doc = ending_letter(person, peer=desk.user.name, team=team, contacts=contacts, used=used,
                        numbers=numbers)
    return Made(doc, fmt, str(letter("ending_letter")["title"]), name, consent.FOR_THE_PERSON)


def _label(desk: Desk, record: Record) -> str:
    if not record.person_id:
        return ""
    return str(desk.get(record.person_id).fields.get("label", ""))


__all__ = ["FORMATS", "PLAN_FORMATS", "Made", "card_contacts", "crisis_card", "ending_letter",
           "fill", "letter", "make", "resources_used", "what_to_expect"]
