"""Documents as PDF, with fpdf2: fonts embedded and subset, text shaped by HarfBuzz (joined
Arabic and Urdu letters, Indic conjuncts, Vietnamese stacked accents), right-to-left
paragraphs aligned right, real text that can be searched, copied and read aloud.

What the PDF carries for assistive technology, as far as fpdf2 goes: the document language
(/Lang), a title shown instead of the file name, bookmarks for every heading, alternative
text on every picture (tagged as Figure), and Unicode text throughout. fpdf2 does not tag
headings and paragraphs in a structure tree, so this is not PDF/UA; the HTML copy beside it
is the fully structured one."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fpdf import FPDF, ViewerPreferences
from fpdf.bidi import BidiParagraph
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace

from peerdesk.exports import fonts
from peerdesk.exports.document import (
    HEADING_SCALE,
    Block,
    Card,
    Document,
    Facts,
    Heading,
    Items,
    Panel,
    Para,
    Picture,
    Table,
    picture_path,
    right_to_left,
)

# fpdf2 logs the letters a font lacks: record text has no place in a log.
logging.getLogger("fpdf").setLevel(logging.ERROR)


def _join_boundary_neutrals(split: Any) -> Any:
    """fpdf2 keeps boundary-neutral characters (ZWNJ, ZWJ: Persian and Urdu type them inside
    words) at the paragraph's level, so in an English line a Persian word with a ZWNJ split
    into two right-to-left runs printed in the wrong order. Unicode's bidi algorithm (UAX #9,
    section 5.2) gives a retained one the level of the character before it; so do we."""

    def split_fragments(self: BidiParagraph) -> Any:
        previous = None
        for c in self.characters:
            if c.original_bidi_class == "BN" and previous is not None:
                c.embedding_level = previous.embedding_level
            elif c.original_bidi_class != "BN":
                previous = c
        return split(self)

    return split_fragments


if not getattr(BidiParagraph, "_peerdesk_bn", False):
    BidiParagraph.split_bidi_fragments = _join_boundary_neutrals(  # type: ignore[method-assign]
        BidiParagraph.split_bidi_fragments)
    BidiParagraph._peerdesk_bn = True  # type: ignore[attr-defined]

MARGIN = 18.0  # mm
LINE = 0.5  # mm per point of type, for line heights of about 1.4
GREY = (70, 70, 70)
PICTURE = 26.0  # mm, the Easy Read picture slot


class _Pdf(FPDF):
    def __init__(self, doc: Document, *, more_text: str = "") -> None:
        super().__init__(orientation="L" if doc.landscape else "P", unit="mm", format="A4")
        self.doc = doc
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        self.set_title(doc.title)
        self.set_lang(doc.lang)
        self.set_creator("PeerDesk")
        self.set_producer("PeerDesk")
        if doc.meta.get("subject"):
            self.set_subject(doc.meta["subject"])
        self.viewer_preferences = ViewerPreferences(display_doc_title=True)
        text = "\n".join([doc.title, doc.footer, doc.text(), more_text])
        _add_fonts(self, text)
        self.set_text_shaping(use_shaping_engine=True)

    def footer(self) -> None:
        self.set_y(-MARGIN + 4)
        self.set_font(fonts.MAIN.family, size=8)
        self.set_text_color(*GREY)
        parts = [p for p in (self.doc.footer, f"Page {self.page_no()} of {{nb}}") if p]
        self.cell(0, 5, "   ·   ".join(parts), align=Align.C)
        self.set_text_color(0, 0, 0)


def _add_fonts(pdf: FPDF, text: str) -> None:
    folder = fonts.font_dir()
    pdf.add_font(fonts.MAIN.family, "", str(folder / fonts.MAIN.regular))
    if fonts.MAIN.bold is None:  # the bundled main face always has its bold
        raise FileNotFoundError("The bundled bold font is missing from this installation.")
    pdf.add_font(fonts.MAIN.family, "B", str(folder / fonts.MAIN.bold))
    extra = fonts.needed(text)
    for face in extra:
        pdf.add_font(face.family, "", str(folder / face.regular))
        if face.bold:
            pdf.add_font(face.family, "B", str(folder / face.bold))
    # exact_match=False: bold text in a script with no bold face prints regular, not blank.
    pdf.set_fallback_fonts([f.family for f in extra], exact_match=False)


@dataclass(frozen=True)
class Rendered:
    data: bytes
    pages: int
    missing: int  # characters no bundled font has (printed as empty boxes)


def render(doc: Document) -> Rendered:
    pdf = _Pdf(doc)
    pdf.add_page()
    for block in doc.blocks:
        _block(pdf, doc, block)
    data = bytes(pdf.output())
    missing = sum(len(f.missing_glyphs) for f in pdf.fonts.values()
                  if hasattr(f, "missing_glyphs"))
    return Rendered(data, pdf.pages_count, missing)


# -- drawing the blocks -------------------------------------------------------------------

@contextmanager
def _style(pdf: FPDF, size: float, *, bold: bool = False, grey: bool = False) -> Iterator[None]:
    pdf.set_font(fonts.MAIN.family, "B" if bold else "", size)
    if grey:
        pdf.set_text_color(*GREY)
    try:
        yield
    finally:
        pdf.set_text_color(0, 0, 0)


def _lines(pdf: FPDF, text: str, size: float, *, indent: float = 0.0,
           width: float = 0.0) -> None:
    """Each line of ``text`` as a paragraph, aligned to its own reading direction."""
    x0 = pdf.l_margin + indent
    w = width or pdf.epw - indent
    for line in text.split("\n"):
        pdf.set_x(x0)
        align = Align.R if right_to_left(line) else Align.L
        pdf.multi_cell(w, size * LINE, line or " ", align=align, new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)


def _room(pdf: FPDF, height: float) -> None:
    """A new page unless ``height`` mm fit on this one (keeps a heading with what follows)."""
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()


def _block(pdf: FPDF, doc: Document, block: Block) -> None:
    size = doc.size
    match block:
        case Heading(text=text, level=level):
            big = size * HEADING_SCALE.get(level, 1.0)
            _room(pdf, big * LINE * 2 + size * LINE * 3)
            pdf.ln(size * 0.35 if level > 1 else 0)
            pdf.start_section(text.split("\n")[0][:120], level=max(level - 1, 0), strict=False)
            with _style(pdf, big, bold=True):
                _lines(pdf, text, big)
            pdf.ln(size * 0.15)
        case Para(text=text, style=style):
            small = style == "note"
            with _style(pdf, size * 0.85 if small else size, bold=style == "strong", grey=small):
                _lines(pdf, text, size * 0.85 if small else size,
                       indent=6.0 if style == "quote" else 0.0)
            pdf.ln(size * 0.2)
        case Facts(lines=lines):
            _facts(pdf, lines, size)
        case Items(items=items):
            with _style(pdf, size):
                for item in items:
                    _lines(pdf, ("• " if not right_to_left(item) else "") + item, size,
                           indent=4.0)
            pdf.ln(size * 0.2)
        case Table(header=header, rows=rows):
            _table(pdf, header, rows, size)
        case Picture():
            _picture(pdf, doc, block)


def _facts(pdf: FPDF, lines: Sequence[str], size: float) -> None:
    """Lines in a box (the box only when they fit on one page)."""
    with _style(pdf, size):
        pdf.ln(size * 0.1)
        top, page = pdf.get_y(), pdf.page
        for line in lines:
            _lines(pdf, line, size, indent=3.0, width=pdf.epw - 6.0)
        if pdf.page == page:
            pdf.rect(pdf.l_margin, top - 1.5, pdf.epw, pdf.get_y() - top + 3.0)
        pdf.ln(size * 0.4)


def _table(pdf: FPDF, header: Sequence[str], rows: Sequence[Sequence[str]], size: float) -> None:
    with _style(pdf, size), pdf.table(
            headings_style=FontFace(emphasis="BOLD"), text_align="LEFT",
            line_height=size * LINE, padding=1.2) as table:
        for values in (header, *rows):
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(size * 0.4)


def _picture(pdf: FPDF, doc: Document, block: Picture) -> None:
    size = doc.size
    text_x = pdf.l_margin + PICTURE + 6.0
    text_w = pdf.epw - PICTURE - 6.0
    with _style(pdf, size):
        lines = 0
        for line in (*block.lines, *block.quoted):
            wrapped = pdf.multi_cell(text_w, size * LINE, line, dry_run=True, output="LINES")
            lines += len(wrapped) if isinstance(wrapped, list) else 1
    height = max(PICTURE, (lines + 1) * size * LINE)
    _room(pdf, min(height, pdf.eph))
    top = pdf.get_y()
    path = picture_path(block.icon)
    if path.exists():
        pdf.image(str(path), x=pdf.l_margin, y=top, w=PICTURE, h=PICTURE, alt_text=block.alt)
    else:  # an empty slot the team can fill with a drawing of their own
        pdf.rect(pdf.l_margin, top, PICTURE, PICTURE)
    pdf.set_y(top)
    with _style(pdf, size, bold=True):
        for line in block.lines[:1]:
            _lines(pdf, line, size, indent=PICTURE + 6.0, width=text_w)
    with _style(pdf, size):
        for line in block.lines[1:]:
            _lines(pdf, line, size, indent=PICTURE + 6.0, width=text_w)
        top_of_words, page = pdf.get_y(), pdf.page
        for line in block.quoted:
            _lines(pdf, line, size, indent=PICTURE + 9.0, width=text_w - 3.0)
        if block.quoted and pdf.page == page:
            # A bar beside the person's own words, set apart from the explanations.
            with pdf.local_context(draw_color=(90, 140, 190), line_width=1.2):
                pdf.line(text_x + 0.8, top_of_words + 0.8, text_x + 0.8, pdf.get_y() - 0.8)
    pdf.set_y(max(pdf.get_y(), top + PICTURE) + size * 0.5)


# -- a folded wallet card --------------------------------------------------------------------

CARD_W, CARD_H = 85.6, 54.0  # a bank card, in mm
CARD_PAD = 3.0


def render_card(card: Card) -> Rendered:
    """Four faces on one side of A4, as a strip two cards wide and two high. The top row is
    printed upside down: folded back across the middle it comes out upright on the back, and
    folded again down the middle the card opens like a book (cover, inside left and right,
    back). Fold the sheet, then fold the strip: see the instructions printed underneath."""
    doc = Document(card.title, (), size=8.0, lang=card.lang)
    pdf = _Pdf(doc, more_text=card.text() + "\n".join(card.instructions))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    x0 = (pdf.w - 2 * CARD_W) / 2
    y0 = 30.0
    with _style(pdf, 14, bold=True):
        pdf.cell(0, 8, card.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    # Bottom row, upright: the back (left) and the cover (right).
    _face(pdf, card.back, x0, y0 + CARD_H)
    _face(pdf, card.cover, x0 + CARD_W, y0 + CARD_H)
    # Top row, upside down: inside right above the back, inside left above the cover.
    for panel, x in ((card.inside_right, x0), (card.inside_left, x0 + CARD_W)):
        with pdf.rotation(180, x=x + CARD_W / 2, y=y0 + CARD_H / 2):
            _face(pdf, panel, x, y0)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.3)
    with pdf.local_context(dash_pattern={"dash": 2.0, "gap": 1.5}):
        pdf.rect(x0, y0, 2 * CARD_W, 2 * CARD_H)  # cut
    with pdf.local_context(dash_pattern={"dash": 0.4, "gap": 1.2}):
        pdf.line(x0, y0 + CARD_H, x0 + 2 * CARD_W, y0 + CARD_H)  # first fold
        pdf.line(x0 + CARD_W, y0, x0 + CARD_W, y0 + 2 * CARD_H)  # second fold
    pdf.set_xy(pdf.l_margin, y0 + 2 * CARD_H + 8)
    with _style(pdf, 11):
        for number, step in enumerate(card.instructions, start=1):
            _lines(pdf, f"{number}. {step}", 11)
    data = bytes(pdf.output())
    missing = sum(len(f.missing_glyphs) for f in pdf.fonts.values()
                  if hasattr(f, "missing_glyphs"))
    return Rendered(data, pdf.pages_count, missing)


def _face(pdf: FPDF, panel: Panel, x: float, y: float) -> None:
    """One face, its lines shrunk to fit (down to 6.5 pt); lines that still do not fit are
    left off and ``panel.more`` says where they are."""
    width = CARD_W - 2 * CARD_PAD
    room = CARD_H - 2 * CARD_PAD
    for size in ((10.0, 9.0, 8.0) if panel.big else (8.5, 8.0, 7.5, 7.0, 6.5)):
        lines = _fit(pdf, panel, size, width, room)
        if len(lines) == len(panel.lines):
            break
    pdf.set_xy(x + CARD_PAD, y + CARD_PAD)
    with _style(pdf, size + 1.5, bold=True):
        pdf.multi_cell(width, (size + 1.5) * LINE, panel.heading,
                       align=Align.R if right_to_left(panel.heading) else Align.L,
                       new_x=XPos.LEFT, new_y=YPos.NEXT)
    shown = list(lines)
    if len(lines) < len(panel.lines) and panel.more:
        shown.append(panel.more)
    with _style(pdf, size):
        for line in shown:
            pdf.set_x(x + CARD_PAD)
            pdf.multi_cell(width, size * LINE, line,
                           align=Align.R if right_to_left(line) else Align.L,
                           new_x=XPos.LEFT, new_y=YPos.NEXT)


def _fit(pdf: FPDF, panel: Panel, size: float, width: float, room: float) -> tuple[str, ...]:
    """The panel's lines that fit under its heading at ``size``, keeping a line for "more"."""
    with _style(pdf, size + 1.5, bold=True):
        used = _height(pdf, panel.heading, size + 1.5, width)
    kept: list[str] = []
    with _style(pdf, size):
        more = _height(pdf, panel.more, size, width) if panel.more else 0.0
        for index, line in enumerate(panel.lines):
            h = _height(pdf, line, size, width)
            last = index == len(panel.lines) - 1
            if used + h + (0.0 if last else more) > room:
                break
            kept.append(line)
            used += h
    return tuple(kept)


def _height(pdf: FPDF, text: str, size: float, width: float) -> float:
    wrapped = pdf.multi_cell(width, size * LINE, text or " ", dry_run=True, output="LINES")
    return (len(wrapped) if isinstance(wrapped, list) else 1) * size * LINE
