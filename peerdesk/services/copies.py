"""The person's copies of a plan, as documents (peerdesk/exports): the standard copy, large
print and Easy Read. The command line writes them with the exports layer; the app saves the same PDF and
prints the same document as HTML. What a copy may show is decided before this, by the
consent check (services/consent.py)."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from peerdesk import dates
from peerdesk.catalogue import spec
from peerdesk.domain import Kind, Record
from peerdesk.exports import Block, Document, Facts, Heading, Para, Picture
from peerdesk.paths import resource_dir
from peerdesk.services import consent

NORMAL_PT = 12.0
LARGE_PT = 18.0


def sections(record: Record) -> list[tuple[str, str, str, bool]]:
    """(section id, title, the person's text, is a peer worker note) for every section with
    words in it, in the template's order."""
    notes = set(record.fields.get("peer_notes") or ())
    written = record.fields.get("sections") or {}
    out = []
    for section in spec(record.kind).by_name["sections"].sections:
        text = str(written.get(section.id, "")).strip()
        if text:
            out.append((section.id, section.title, text, section.id in notes))
    return out


def facts(copy: consent.PlanCopy) -> tuple[str, ...]:
    f = copy.record.fields
    lines = [consent.agreement_line(copy)]
    if f.get("review_on"):
        lines.append(f"To look at again on: {dates.day(str(f['review_on']))}")
    return (*lines, *(line.strip() for line in consent.who_can_see_lines(copy)))


def plan_document(copy: consent.PlanCopy, *, person: str = "",
                  large_print: bool = False) -> Document:
    """The standard copy (or large print): the plan's own headings, the person's words as
    they wrote them, and who can see it."""
    record = copy.record
    kind_spec = spec(record.kind)
    blocks: list[Block] = [Heading(kind_spec.title)]
    if person and copy.for_the_person:
        blocks.append(Para(f"This plan belongs to {person}.", "strong"))
    if kind_spec.intro:
        blocks.append(Para(kind_spec.intro, "note"))
    blocks.append(Facts(facts(copy)))
    for _sid, title, text, peer_note in sections(record):
        blocks += [Heading(title, 2),
                   Para("(peer worker note)" if peer_note else "(in my words)", "note"),
                   Para(text)]
    blocks.append(Para(f"Version {record.version}. This is your plan: you can change it, or "
                       "withdraw it, at any time.", "note"))
    return Document(kind_spec.title, tuple(blocks),
                    size=LARGE_PT if large_print else NORMAL_PT,
                    footer=footer(copy, large_print=large_print))


def footer(copy: consent.PlanCopy, *, large_print: bool = False, what: str = "") -> str:
    kind = what or ("large print copy" if large_print else "copy")
    return (f"{spec(copy.record.kind).title} · version {copy.record.version} · {kind} made "
            f"{dates.day(copy.on)}")


__all__ = ["LARGE_PT", "NORMAL_PT", "facts", "footer", "plan_document", "sections"]


# -- Easy Read ------------------------------------------------------------------------------

EASY_READ_PT = 16.0
# After a full stop, question or exclamation mark in any of the scripts people write in.
_SENTENCE_END = re.compile(r"(?<=[.!?۔؟।。！？])\s+")


@cache
def easy_read_template(kind: Kind) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (resource_dir() / "easy_read" / f"{kind.value}.json").read_text(encoding="utf-8"))
    return data


def one_idea_a_line(text: str) -> tuple[str, ...]:
    """The person's words, a sentence to a line: split only where they ended a line or a
    sentence, never a word changed, added or dropped."""
    out: list[str] = []
    for line in text.splitlines():
        out += [part.strip() for part in _SENTENCE_END.split(line.strip()) if part.strip()]
    return tuple(out)


def easy_read_document(copy: consent.PlanCopy, *, person: str = "") -> Document:
    """Easy Read: short sentences, one idea a line, large type, a picture for each part. The
    headings and explanations are the team's (resources/easy_read/); under each, the person's
    own words exactly as they wrote them."""
    record = copy.record
    template = easy_read_template(record.kind)
    title = str(template["title"])
    intro = list(template.get("intro", ()))
    if person and copy.for_the_person:
        intro.insert(0, f"This plan belongs to {person}.")
    blocks: list[Block] = [Heading(title), Picture("me", "A person", tuple(intro))]
    agreed = [consent.agreement_line(copy)]
    if copy.record.fields.get("review_on"):
        agreed.append(f"We will look at it again on {dates.day(str(record.fields['review_on']))}.")
    blocks.append(Picture("calendar", "A calendar", tuple(agreed)))
    blocks.append(Picture("shield", "A shield with a lock", _who_can_see_easy(copy)))
    parts: dict[str, Any] = template.get("sections", {})
    for sid, section_title, text, peer_note in sections(record):
        part = parts.get(sid, {})
        lines = tuple(part.get("lines") or (section_title,))
        if peer_note:
            lines = (*lines, "My peer worker wrote this part.")
        blocks.append(Picture(str(part.get("picture", "")), str(part.get("alt", "")), lines,
                              one_idea_a_line(text)))
    blocks.append(Picture("star", "A star", tuple(template.get("end", ()))))
    return Document(f"{title} (Easy Read)", tuple(blocks), size=EASY_READ_PT,
                    footer=footer(copy, what="Easy Read copy"))


def _who_can_see_easy(copy: consent.PlanCopy) -> tuple[str, ...]:
    if not copy.for_the_person and copy.consent is not None:
        return (f"This copy is for {copy.consent.recipient}.",
                "I said they can see it.")
    names = [c.recipient for c in copy.who_can_see]
    if not names:
        return ("Who can see my plan", "Only me and my peer worker.")
    return ("Who can see my plan", "Me and my peer worker.",
            *(f"{name} can see it too. I said yes." for name in names))


__all__ += ["EASY_READ_PT", "easy_read_document", "one_idea_a_line"]
