"""The moment a window's first usable screen is painted: start-up work that can wait (the
vault's code) starts after it, and bench/startup.py stops its clock there."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class _FirstPaint(QObject):
    def __init__(self, window: QWidget, then: Callable[[], None],
                 ready: Callable[[], bool]) -> None:
        super().__init__(window)  # gone with the window, which also uninstalls it
        self._window, self._then, self._ready = window, then, ready
        self._done = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (not self._done and event.type() == QEvent.Type.Paint
                and isinstance(watched, QWidget) and watched.window() is self._window
                and self._ready()):
            self.fire()
        return False

    def fire(self) -> None:
        if self._done:
            return
        self._done = True
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._then()


def on_first_paint(window: QWidget, then: Callable[[], None], *,
                   ready: Callable[[], bool] = lambda: True,
                   at_latest_ms: int | None = None) -> None:
    """Call ``then`` once, on the UI thread, as soon as a widget of ``window`` starts being
    painted while ``ready()`` holds (before that paint: ``then`` should queue its work with
    ``QTimer.singleShot(0, …)`` to let the paint finish first). With ``at_latest_ms``, ``then``
    is called by then even if nothing was painted (a window never shown, a screen that
    never asks)."""
    app = QCoreApplication.instance()
    assert app is not None
    watch = _FirstPaint(window, then, ready)
    app.installEventFilter(watch)
    if at_latest_ms is not None:
        QTimer.singleShot(at_latest_ms, watch, watch.fire)
