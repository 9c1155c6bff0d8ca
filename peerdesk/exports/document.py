"""What a document says, apart from how it is drawn: headings, paragraphs, boxed facts, lists,
tables and picture rows. The same blocks become a PDF (exports/pdf.py) and HTML
(exports/html.py), so a printed copy and a saved one say the same thing."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from peerdesk.paths import resource_dir

HEADING_SCALE = {1: 1.7, 2: 1.3, 3: 1.12}  # heading sizes, as multiples of the body text


def picture_path(icon: str) -> Path:
    """An Easy Read picture: resources/pictures/<icon>.svg."""
    return resource_dir() / "pictures" / f"{icon}.svg"


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1 is the document's title; 2 a section; 3 a part of a section


@dataclass(frozen=True)
class Para:
    text: str  # may hold line breaks: each line is printed as its own line
    style: str = ""  # "", "strong", "note" (smaller, italic), "quote" (the person's words)


@dataclass(frozen=True)
class Facts:
    """A boxed panel of short lines: who a copy is for, when it was agreed, who can see it."""

    lines: tuple[str, ...]


@dataclass(frozen=True)
class Items:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Picture:
    """An Easy Read row: a picture on the left (resources/pictures/<icon>.svg), described by
    ``alt`` for a screen reader, and short lines beside it."""

    icon: str
    alt: str
    lines: tuple[str, ...]
    quoted: tuple[str, ...] = ()  # the person's own words, printed unchanged under the lines


Block = Heading | Para | Facts | Items | Table | Picture


@dataclass(frozen=True)
class Document:
    title: str  # the PDF title: never a person's name (it shows in file lists and print queues)
    blocks: tuple[Block, ...]
    size: float = 11.0  # body text in points: 11 standard, 16 large print, 16 Easy Read
    lang: str = "en-GB"
    landscape: bool = False
    footer: str = ""  # printed on every page, beside the page number
    meta: dict[str, str] = field(default_factory=dict)  # PDF subject / keywords

    def text(self) -> str:
        """Every word of the document, in order (for tests and the self-test)."""
        out: list[str] = []
        for b in self.blocks:
            match b:
                case Heading(text=t) | Para(text=t):
                    out.append(t)
                case Facts(lines=lines) | Items(items=lines):
                    out += lines
                case Table(header=h, rows=rows):
                    out += [" ".join(h), *(" ".join(r) for r in rows)]
                case Picture(lines=lines, quoted=quoted):
                    out += [*lines, *quoted]
        return "\n".join(out)


@dataclass(frozen=True)
class Panel:
    """One face of a folded card: a heading and short lines."""

    heading: str
    lines: tuple[str, ...]
    more: str = ""  # said instead of the lines that do not fit
    big: bool = False  # the cover: larger type


@dataclass(frozen=True)
class Card:
    """A wallet-sized card (85.6 x 54 mm when folded): four faces printed on one side of A4,
    cut out and folded twice. ``instructions`` are printed under it."""

    title: str
    cover: Panel
    inside_left: Panel
    inside_right: Panel
    back: Panel
    instructions: tuple[str, ...] = ()
    lang: str = "en-GB"

    def text(self) -> str:
        return "\n".join(line for p in (self.cover, self.inside_left, self.inside_right,
                                         self.back) for line in (p.heading, *p.lines, p.more))

    def as_document(self) -> Document:
        """The card's words as a plain page, for a printer driven through HTML."""
        blocks: list[Block] = []
        for p in (self.cover, self.inside_left, self.inside_right, self.back):
            blocks += [Heading(p.heading, 2), Para("\n".join(p.lines))]
        return Document(self.title, tuple(blocks), size=12.0, lang=self.lang)


def right_to_left(text: str) -> bool:
    """Whether a paragraph reads right to left: its first strong letter decides (Unicode
    bidi rules P2-P3), so an Arabic or Urdu paragraph that mentions a number or an English
    word still reads from the right."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False
