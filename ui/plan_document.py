"""The person's own copy of a plan: HTML laid out by QTextDocument, to PDF or a printer."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import QMarginsF, QSizeF
from PySide6.QtGui import QFont, QPagedPaintDevice, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from peerdesk.catalogue import spec
from peerdesk.domain import Record

NORMAL_PT = 12
LARGE_PT = 18


def plan_html(record: Record, *, person: str = "", large_print: bool = False) -> str:
    kind_spec = spec(record.kind)
    size = LARGE_PT if large_print else NORMAL_PT
    f = record.fields
    sections = f.get("sections") or {}
    parts = [
        f"<h1 style='font-size:{size + 10}pt'>{escape(kind_spec.title)}</h1>",
    ]
    if person:
        parts.append(f"<p style='font-size:{size + 2}pt'><b>This plan belongs to {escape(person)}.</b></p>")
    if kind_spec.intro:
        parts.append(f"<p><i>{escape(kind_spec.intro)}</i></p>")
    for section in kind_spec.by_name["sections"].sections:
        text = str(sections.get(section.id, "")).strip()
        if not text:
            continue
        paragraphs = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n") if p.strip())
        parts.append(f"<h2 style='font-size:{size + 4}pt'>{escape(section.title)}</h2>{paragraphs}")
    parts.append(f"<h2 style='font-size:{size + 4}pt'>About this copy</h2>")
    facts = []
    if f.get("agreed_on"):
        facts.append(f"Agreed on {escape(str(f['agreed_on']))}.")
    if f.get("review_on"):
        facts.append(f"To be looked at again on {escape(str(f['review_on']))}.")
    shared = f.get("shared_with") or []
    if shared:
        facts.append("Shared, by choice, with: " + escape(", ".join(shared)) + ".")
    else:
        facts.append("Not shared with anyone else yet.")
    facts.append(f"Version {record.version}. You can change this plan or withdraw it at any time.")
    parts.append("".join(f"<p>{fact}</p>" for fact in facts))
    return (f"<html><body style='font-size:{size}pt; line-height:140%'>"
            + "".join(parts) + "</body></html>")


def document(record: Record, *, person: str = "", large_print: bool = False) -> QTextDocument:
    doc = QTextDocument()
    font = QFont("DejaVu Sans")
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setPointSize(LARGE_PT if large_print else NORMAL_PT)
    doc.setDefaultFont(font)
    doc.setDocumentMargin(0)
    doc.setHtml(plan_html(record, person=person, large_print=large_print))
    return doc


def _layout(device: QPagedPaintDevice) -> None:
    device.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait,
                                     QMarginsF(20, 20, 20, 20), QPageLayout.Unit.Millimeter))


def write_pdf(path: Path, record: Record, *, person: str = "", large_print: bool = False) -> Path:
    writer = QPdfWriter(str(path))
    writer.setTitle(spec(record.kind).title)  # no name in the metadata
    writer.setCreator("PeerDesk")
    writer.setResolution(300)
    _layout(writer)
    doc = document(record, person=person, large_print=large_print)
    doc.setPageSize(QSizeF(writer.width(), writer.height()))
    # print_ lays the text out page by page in device units and adds page numbers.
    doc.print_(writer)
    return path


def print_plan(printer: QPagedPaintDevice, record: Record, *, person: str = "",
               large_print: bool = False) -> None:
    doc = document(record, person=person, large_print=large_print)
    doc.print_(printer)
