"""Everything PeerDesk hands to people as a file or on paper, in one place: PDF (fpdf2, fonts
embedded, text shaped), HTML, JSON and CSV (every cell guarded against formulas), each
written atomically and owner-only. No Qt here: the command line uses it on servers, the app
on ward PCs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from peerdesk.exports.document import (
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
    right_to_left,
)
from peerdesk.exports.files import OWNER_ONLY, file_name, write_atomic, write_json
from peerdesk.exports.html import html_text
from peerdesk.exports.table import cell, csv_text, read_csv, write_csv

if TYPE_CHECKING:
    from peerdesk.exports.pdf import Rendered


# The PDF library (fpdf2, fontTools, HarfBuzz) loads on the first PDF, not at start-up.
def render(doc: Document | Card) -> Rendered:
    from peerdesk.exports import pdf

    return pdf.render_card(doc) if isinstance(doc, Card) else pdf.render(doc)


def pdf_bytes(doc: Document | Card) -> bytes:
    return render(doc).data


def write_pdf(path: Path, doc: Document | Card) -> Path:
    return write_atomic(path, pdf_bytes(doc))

__all__ = ["OWNER_ONLY", "Block", "Card", "Document", "Facts", "Heading", "Items", "Panel", "Para", "Picture",
           "Table", "cell", "csv_text", "file_name", "html_text", "pdf_bytes",
           "read_csv", "render", "right_to_left", "write_atomic", "write_csv", "write_json",
           "write_pdf"]
