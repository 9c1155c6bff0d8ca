"""The person's copies of a plan, as documents (peerdesk/exports): the standard copy and large
print. The command line writes them with the exports layer; the app saves the same PDF and
prints the same document as HTML. What a copy may show is decided before this, by the
consent check (services/consent.py)."""

from __future__ import annotations

from peerdesk import dates
from peerdesk.catalogue import spec
from peerdesk.domain import Record
from peerdesk.exports import Block, Document, Facts, Heading, Para
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
