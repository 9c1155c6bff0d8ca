"""Keyboard use that Qt widgets do not give by themselves, for every window of the app.

- Focus is always in view: a control that gets focus inside a scrolled area is scrolled to,
  however focus got there (Qt only does this when Tab moves within the area, not when focus
  wraps into it from outside, so a field could have focus off-screen).
- Enter presses the focused push button, as Space does. Qt does this only inside dialogs
  (its "auto default" buttons); a keyboard user expects it everywhere.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QPushButton, QScrollArea, QWidget

MARGIN = 24  # px kept around the control, so its label above is usually in view too


def install(app: QApplication) -> None:
    """Once per application (later calls do nothing)."""
    if app.property("peerdesk_keyboard"):
        return
    app.setProperty("peerdesk_keyboard", True)
    app.focusChanged.connect(_focus_changed)


def _focus_changed(_old: QWidget | None, new: QWidget | None) -> None:
    if new is None:
        return
    if isinstance(new, QPushButton) and not new.autoDefault():
        new.setAutoDefault(True)  # Return and Enter then click it while it has focus
    scroll_into_view(new)


def scroll_into_view(widget: QWidget) -> None:
    """The whole control where it fits, its top-left corner where it does not; innermost
    scrolled area first, then each one around it. (Qt's own ensureWidgetVisible shows only a
    text box's cursor, which can leave most of the box below the edge.)"""
    parent = widget.parentWidget()
    while parent is not None:
        inner = parent.widget() if isinstance(parent, QScrollArea) else None
        if isinstance(parent, QScrollArea) and inner is not None and inner.isAncestorOf(widget):
            _show(parent, inner, widget)
        parent = parent.parentWidget()


def _show(area: QScrollArea, inner: QWidget, widget: QWidget) -> None:
    corner = widget.mapTo(inner, QPoint(0, 0))
    view = area.viewport().size()

    def span(start: int, length: int, room: int) -> tuple[int, int]:
        if length + 2 * MARGIN <= room:
            return start + length // 2, length // 2 + MARGIN  # the middle, with room round it
        return start, MARGIN

    x, x_margin = span(corner.x(), widget.width(), view.width())
    y, y_margin = span(corner.y(), widget.height(), view.height())
    area.ensureVisible(x, y, x_margin, y_margin)
