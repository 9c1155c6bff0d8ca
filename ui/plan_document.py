"""The person's copy of a plan in the app: the core's document (peerdesk/services/copies.py),
saved as PDF by the exports layer, and printed through Qt from the same document as HTML."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import (
    QFont,
    QFontDatabase,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QTextDocument,
)

from peerdesk import dates, exports
from peerdesk.domain import Record
from peerdesk.exports import fonts
from peerdesk.services import consent, copies


def _copy(record: Record, copy: consent.PlanCopy | None) -> consent.PlanCopy:
    # Without a copy from the consent check, the person's own copy as the ledger stands today.
    return copy or consent.copy_for(record, None, on=dates.today())


def document(record: Record, *, person: str = "", large_print: bool = False,
             copy: consent.PlanCopy | None = None) -> exports.Document:
    return copies.plan_document(_copy(record, copy), person=person, large_print=large_print)


def plan_html(record: Record, *, person: str = "", large_print: bool = False,
              copy: consent.PlanCopy | None = None) -> str:
    return exports.html_text(document(record, person=person, large_print=large_print,
                                      copy=copy))


def write_pdf(path: Path, record: Record, *, person: str = "", large_print: bool = False,
              copy: consent.PlanCopy | None = None) -> Path:
    return exports.write_pdf(path, document(record, person=person, large_print=large_print,
                                            copy=copy))


@cache
def _bundled_fonts() -> int:
    """The fonts the PDFs use, for Qt's printing too: a ward PC's own fonts may have no Urdu
    or Bengali letters, and Qt falls back to any font it knows. Loaded on the first print."""
    return sum(QFontDatabase.addApplicationFont(str(path)) >= 0
               for path in sorted(fonts.font_dir().glob("*.ttf")))


def print_document(printer: QPagedPaintDevice, doc: exports.Document) -> None:
    """Qt lays out the document's HTML for the printer (the PDF path does not need Qt)."""
    _bundled_fonts()
    printer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                      QPageLayout.Orientation.Portrait,
                                      QMarginsF(6, 6, 6, 6), QPageLayout.Unit.Millimeter))
    text = QTextDocument()
    font = QFont("Noto Sans")
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setPointSizeF(doc.size)
    text.setDefaultFont(font)
    text.setHtml(exports.html_text(doc))
    # With no page size of its own, print_ scales points to the device and paginates.
    text.print_(printer)


def print_plan(printer: QPagedPaintDevice, record: Record, *, person: str = "",
               large_print: bool = False, copy: consent.PlanCopy | None = None) -> None:
    print_document(printer, document(record, person=person, large_print=large_print, copy=copy))
