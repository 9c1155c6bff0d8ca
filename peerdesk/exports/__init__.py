"""Everything PeerDesk hands to people as a file or on paper, in one place: PDF (fpdf2, fonts
embedded, text shaped), HTML, JSON and CSV (every cell guarded against formulas), each
written atomically and owner-only. No Qt here: the command line uses it on servers, the app
on ward PCs."""

from peerdesk.exports.document import (
    Block,
    Document,
    Facts,
    Heading,
    Items,
    Para,
    Picture,
    Table,
    right_to_left,
)
from peerdesk.exports.files import OWNER_ONLY, file_name, write_atomic, write_json
from peerdesk.exports.html import html_text
from peerdesk.exports.pdf import Rendered, pdf_bytes, render, write_pdf
from peerdesk.exports.table import cell, csv_text, read_csv, write_csv

__all__ = ["OWNER_ONLY", "Block", "Document", "Facts", "Heading", "Items", "Para", "Picture",
           "Rendered", "Table", "cell", "csv_text", "file_name", "html_text", "pdf_bytes",
           "read_csv", "render", "right_to_left", "write_atomic", "write_csv", "write_json",
           "write_pdf"]
