"""Errors are shown from this one place.

Cancelled is silent; an expected problem is a calm sentence in the nearest banner (or a small
message box when there is none); anything else is a bug and gets the crash dialog.
"""

from __future__ import annotations

import logging
import traceback
from typing import TYPE_CHECKING

from peerdesk.errors import Cancelled, PeerDeskError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

BUG_TEXT = ("Something went wrong inside PeerDesk. Everything you saved before this is safe, "
            "and what you were typing is kept as a draft where possible. Please tell your "
            "coordinator or trust IT, and include the details below.")


def message_for(exc: BaseException) -> str:
    if isinstance(exc, PeerDeskError):
        return str(exc)
    return BUG_TEXT


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    if isinstance(exc, Cancelled):
        return
    from PySide6.QtWidgets import QMessageBox  # built on first use, after sign-in is painted

    if isinstance(exc, PeerDeskError):
        banner = _find_banner(parent)
        if banner is not None:
            banner.show_problem(str(exc))
            return
        box = QMessageBox(QMessageBox.Icon.Warning, "PeerDesk", str(exc),
                          QMessageBox.StandardButton.Ok, parent)
        box.setAccessibleName("Problem")
        box.open()
        return
    # A bug: log the traceback (it never holds record text, only code), show a dialog.
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    log.error("Unexpected error:\n%s", details)
    box = QMessageBox(QMessageBox.Icon.Critical, "PeerDesk", BUG_TEXT,
                      QMessageBox.StandardButton.Ok, parent)
    box.setDetailedText(details)
    box.setAccessibleName("Unexpected problem")
    box.open()


def _find_banner(widget: QWidget | None):  # type: ignore[no-untyped-def]
    from ui.widgets.banner import MessageBanner
    while widget is not None:
        banner = getattr(widget, "banner", None)
        if isinstance(banner, MessageBanner):
            return banner
        widget = widget.parentWidget()
    return None
