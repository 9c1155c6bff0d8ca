"""A small PDF writer for plain text (headings and paragraphs), so the Qt-free command line can
hand over a readable PDF. The app lays out richer PDFs with Qt (ui/plan_document.py).

Standard Helvetica with WinAnsi encoding: no font is embedded, so characters outside
Windows-1252 are shown as "?" (the JSON beside the PDF keeps every character)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

PAGE_W, PAGE_H, MARGIN = 595, 842, 56  # A4 in points
BODY, HEADING = (10, 13), (13, 18)  # (size, leading)
WRAP = {BODY: 100, HEADING: 72}  # characters per line, roughly, at each size


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _lines(blocks: Iterable[tuple[str, str]]) -> list[tuple[str, tuple[int, int], str]]:
    """(font, (size, leading), text) per printed line."""
    out: list[tuple[str, tuple[int, int], str]] = []
    for style, text in blocks:
        font, size = ("F2", HEADING) if style == "h" else ("F1", BODY)
        if style == "h" and out:
            out.append(("F1", BODY, ""))
        for paragraph in text.split("\n") or [""]:
            wrapped = textwrap.wrap(paragraph, WRAP[size], replace_whitespace=False,
                                    drop_whitespace=True) or [""]
            out += [(font, size, line) for line in wrapped]
    return out


def write(blocks: Iterable[tuple[str, str]], *, title: str) -> bytes:
    """``blocks`` are ("h", heading) or ("p", paragraph) pairs, in order."""
    pages: list[list[bytes]] = [[]]
    y = PAGE_H - MARGIN
    for font, (size, leading), text in _lines(blocks):
        if y - leading < MARGIN:
            pages.append([])
            y = PAGE_H - MARGIN
        y -= leading
        pages[-1].append(b"BT /%s %d Tf %d %d Td (%s) Tj ET" % (
            font.encode(), size, MARGIN, y, _escape(text)))
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # pages, filled in below
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Title (%s) /Producer (PeerDesk) >>" % _escape(title),
    ]
    kids = []
    for number, content in enumerate(pages, start=1):
        footer = b"BT /F1 8 Tf %d %d Td (Page %d of %d) Tj ET" % (
            MARGIN, MARGIN // 2, number, len(pages))
        stream = b"\n".join([*content, footer])
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>" % (
                           PAGE_W, PAGE_H, len(objects)))
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)
