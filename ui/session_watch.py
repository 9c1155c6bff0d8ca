"""Lock when the screen locks or the session switches, where the platform can tell us.

Windows: WM_WTSSESSION_CHANGE after WTSRegisterSessionNotification.
Linux desktops: the freedesktop ScreenSaver ActiveChanged signal on the session bus.
Elsewhere the idle timer and Qt's application state are what we have.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import SLOT, QAbstractNativeEventFilter, QObject, Slot
from PySide6.QtWidgets import QApplication, QWidget

WM_WTSSESSION_CHANGE = 0x02B1
WTS_SESSION_LOCK = 0x7
WTS_CONSOLE_DISCONNECT = 0x2
WTS_REMOTE_DISCONNECT = 0x4
_keep: list[Any] = []


class _WindowsFilter(QAbstractNativeEventFilter):
    def __init__(self, on_lock: Callable[[], None]) -> None:
        super().__init__()
        self._on_lock = on_lock

    def nativeEventFilter(self, event_type: Any, message: Any) -> Any:
        if bytes(event_type) == b"windows_generic_MSG":
            from ctypes import wintypes
            msg = wintypes.MSG.from_address(int(message))
            if msg.message == WM_WTSSESSION_CHANGE and msg.wParam in (
                    WTS_SESSION_LOCK, WTS_CONSOLE_DISCONNECT, WTS_REMOTE_DISCONNECT):
                self._on_lock()
        return False, 0


class _ScreenSaver(QObject):
    def __init__(self, on_lock: Callable[[], None]) -> None:
        super().__init__()
        self._on_lock = on_lock

    @Slot(bool)
    def active_changed(self, active: bool) -> None:
        if active:
            self._on_lock()


def watch_session_lock(window: QWidget, on_lock: Callable[[], None]) -> None:
    app = QApplication.instance()
    if app is None:
        return
    if sys.platform == "win32":
        try:
            wtsapi = ctypes.WinDLL("wtsapi32")  # type: ignore[attr-defined]
            wtsapi.WTSRegisterSessionNotification(int(window.winId()), 0)
            native = _WindowsFilter(on_lock)
            app.installNativeEventFilter(native)
            _keep.append(native)
        except OSError:
            pass
        return
    try:
        from PySide6.QtDBus import QDBusConnection
    except ImportError:
        return
    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        return
    saver = _ScreenSaver(on_lock)
    for service, path in (("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver"),
                          ("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver")):
        bus.connect(service, path, service, "ActiveChanged", saver,
                    SLOT("active_changed(bool)").encode())
    _keep.append(saver)
