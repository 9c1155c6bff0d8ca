"""The person's own copy of a plan: HTML laid out by QTextDocument, to PDF or a printer."""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QFont, QPagedPaintDevice, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from peerdesk.catalogue import spec
from peerdesk.domain import Record
from peerdesk.domain.consent import active as active_consents
from peerdesk.services import consent

NORMAL_PT = 12
LARGE_PT = 18


def _nice_date(value: object) -> str:
    try:
        d = date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return f"{d.day} {d:%B %Y}"


def plan_html(record: Record, *, person: str = "", large_print: bool = False,
              copy: consent.PlanCopy | None = None) -> str:
    """``copy`` (from the consent service's export) says who the copy is for; without it,
    the person's own copy with the ledger as it stands today."""
    kind_spec = spec(record.kind)
    size = LARGE_PT if large_print else NORMAL_PT
    f = record.fields
    sections = f.get("sections") or {}
    parts = [f"<h1 style='font-size:{size + 10}pt'>{escape(kind_spec.title)}</h1>"]
    if person:
        parts.append(f"<p style='font-size:{size + 2}pt'><b>This plan belongs to "
                     f"{escape(person)}.</b></p>")
    if kind_spec.intro:
        parts.append(f"<p><i>{escape(kind_spec.intro)}</i></p>")
    facts = []
    if copy is not None:
        facts.append(f"<b>{escape(consent.agreement_line(copy))}</b>")
    elif f.get("agreed_on"):
        facts.append(f"<b>Agreed on:</b> {_nice_date(f['agreed_on'])}")
    if f.get("review_on"):
        facts.append(f"<b>To look at again on:</b> {_nice_date(f['review_on'])}")
    if copy is not None:
        facts += [escape(line) for line in consent.who_can_see_lines(copy)]
    else:
        # Who can see this (Caldicott 8): the consent ledger as it stands today.
        shared = [f"{c.recipient} ({consent.role_label(c.role)})"
                  for c in active_consents(f, date.today())] or list(f.get("shared_with") or [])
        facts.append("<b>Who can see this, by your choice:</b> "
                     + (escape(", ".join(shared)) if shared else "nobody else yet"))
    parts.append("<table cellpadding='6' style='border: 1px solid #000; margin: 6px 0' "
                 "width='100%'><tr><td>" + "<br>".join(facts) + "</td></tr></table>")
    notes = set(f.get("peer_notes") or ())
    for section in kind_spec.by_name["sections"].sections:
        text = str(sections.get(section.id, "")).strip()
        if not text:
            continue
        paragraphs = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n") if p.strip())
        whose = "peer worker note" if section.id in notes else "in my words"
        parts.append(f"<h2 style='font-size:{size + 4}pt'>{escape(section.title)}</h2>"
                     f"<p><i>({whose})</i></p>{paragraphs}")
    parts.append(f"<p style='margin-top:18px'><i>Version {record.version}. This is your plan: you "
                 "can change it, or withdraw it, at any time.</i></p>")
    return (f"<html><body style='font-size:{size}pt'>" + "".join(parts) + "</body></html>")


def document(record: Record, *, person: str = "", large_print: bool = False,
             copy: consent.PlanCopy | None = None) -> QTextDocument:
    doc = QTextDocument()
    font = QFont("DejaVu Sans")
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setPointSize(LARGE_PT if large_print else NORMAL_PT)
    doc.setDefaultFont(font)
    doc.setHtml(plan_html(record, person=person, large_print=large_print, copy=copy))
    return doc


def _layout(device: QPagedPaintDevice) -> None:
    # Small device margins: QTextDocument.print_ adds its own 2 cm around the text.
    device.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait,
                                     QMarginsF(6, 6, 6, 6), QPageLayout.Unit.Millimeter))


def write_pdf(path: Path, record: Record, *, person: str = "", large_print: bool = False,
              copy: consent.PlanCopy | None = None) -> Path:
    writer = QPdfWriter(str(path))
    writer.setTitle(spec(record.kind).title)  # no name in the metadata
    writer.setCreator("PeerDesk")
    writer.setResolution(300)
    _layout(writer)
    doc = document(record, person=person, large_print=large_print, copy=copy)
    # With no page size of its own, print_ scales points to the device, paginates, and numbers pages.
    doc.print_(writer)
    return path


def print_plan(printer: QPagedPaintDevice, record: Record, *, person: str = "",
               large_print: bool = False, copy: consent.PlanCopy | None = None) -> None:
    doc = document(record, person=person, large_print=large_print, copy=copy)
    doc.print_(printer)
