"""Where the main window sits: inside the space the taskbar leaves, where each person left it."""

from __future__ import annotations

from PySide6 import QtCore
from PySide6.QtCore import QByteArray, QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

DEFAULT = QSize(1280, 860)  # on a large monitor; a ward screen's 1366×728 gets all of it
# A title bar and borders the window manager adds around the window, before it has said how
# big they are (it tells Qt only once the window is on screen).
FRAME_ALLOWANCE = QSize(16, 40)


def available(window: QWidget) -> QRect:
    """The screen less its taskbars and docks: what the window may cover."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fits(window: QWidget) -> bool:
    if window.isMaximized() or window.isFullScreen():
        return True  # the window manager keeps a maximised window to the available area
    if window.isVisible():
        return available(window).contains(window.frameGeometry())
    side, top = FRAME_ALLOWANCE.width() // 2, FRAME_ALLOWANCE.height() - FRAME_ALLOWANCE.width() // 2
    return available(window).contains(window.geometry().adjusted(-side, -top, side, side))


def _unmaximised(window: QWidget) -> QtCore.Qt.WindowState:
    # Named only when a state changes: the window states are Qt.* enums, and naming one makes
    # PySide build its whole Qt namespace, which a restored window is painted without.
    return window.windowState() & ~(QtCore.Qt.WindowState.WindowMaximized
                                    | QtCore.Qt.WindowState.WindowFullScreen)


def place(window: QWidget, saved: QByteArray | None = None) -> None:
    """Where `saved` (from QWidget.saveGeometry) puts the window, if that is on this screen;
    otherwise the default size, centred, or maximised where the default does not fit."""
    if saved is not None and window.restoreGeometry(saved) and fits(window):
        return
    area = available(window)
    if (DEFAULT.width() + FRAME_ALLOWANCE.width() > area.width()
            or DEFAULT.height() + FRAME_ALLOWANCE.height() > area.height()):
        # Maximising is the window manager's job; with none (a kiosk-style X session) the
        # request is ignored, so the window is first given the free area less a frame's room.
        window.setGeometry(area.adjusted(FRAME_ALLOWANCE.width() // 2, FRAME_ALLOWANCE.height()
                                         - FRAME_ALLOWANCE.width() // 2,
                                         -(FRAME_ALLOWANCE.width() // 2),
                                         -(FRAME_ALLOWANCE.width() // 2)))
        window.setWindowState(_unmaximised(window) | QtCore.Qt.WindowState.WindowMaximized)
        return
    if window.isMaximized() or window.isFullScreen():  # as saved on a larger screen
        window.setWindowState(_unmaximised(window))
    window.resize(DEFAULT)
    frame = QRect(area.topLeft(), DEFAULT + FRAME_ALLOWANCE)
    frame.moveCenter(area.center())
    window.move(frame.topLeft())
