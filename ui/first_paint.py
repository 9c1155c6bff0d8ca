"""The moment a page is first painted: start-up work that can wait (the vault's code) starts
after the sign-in page is, and bench/startup.py stops its clock there."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class _FirstPaint(QObject):
    def __init__(self, widget: QWidget, then: Callable[[bool], None]) -> None:
        super().__init__(widget)  # gone with the widget
        self._widget, self._then = widget, then
        self._done = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.fire(painted=True)
        return False

    def fire(self, *, painted: bool) -> None:
        if self._done:
            return
        self._done = True
        self._widget.removeEventFilter(self)
        self._then(painted)


def on_first_paint(widget: QWidget, then: Callable[[bool], None], *,
                   at_latest_ms: int | None = None) -> None:
    """Call ``then(True)`` once, as ``widget`` starts being painted for the first time (before
    that paint: work that should follow it is queued with ``QTimer.singleShot(0, …)``). With
    ``at_latest_ms``, ``then(False)`` by then if it was not painted (a window never shown).

    Only ``widget``'s own events are watched: an application-wide filter would have PySide
    wrap every object that gets an event, Qt's style among them, before the page is drawn."""
    watch = _FirstPaint(widget, then)
    widget.installEventFilter(watch)
    if at_latest_ms is not None:
        QTimer.singleShot(at_latest_ms, watch, lambda: watch.fire(painted=False))
