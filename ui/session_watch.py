"""Lock when the screen locks or the session switches, where the platform can tell us.

Windows: WM_WTSSESSION_CHANGE after WTSRegisterSessionNotification.
Linux desktops: the freedesktop/GNOME ScreenSaver ActiveChanged signal on the session bus, and
logind's Lock signal for this session on the system bus.
Anything that cannot be subscribed leaves the idle timer and Qt's application state, which
always work: one line in the log says so, and the app starts regardless.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import SLOT, QAbstractNativeEventFilter, QObject, Slot
from PySide6.QtWidgets import QApplication, QWidget

log = logging.getLogger(__name__)

WM_WTSSESSION_CHANGE = 0x02B1
WTS_SESSION_LOCK = 0x7
WTS_CONSOLE_DISCONNECT = 0x2
WTS_REMOTE_DISCONNECT = 0x4
SCREEN_SAVERS = (("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver"),
                 ("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver"))
LOGIND = "org.freedesktop.login1"
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


class _Receiver(QObject):
    """The object D-Bus signals are delivered to (QtDBus needs a QObject and a slot signature)."""

    def __init__(self, on_lock: Callable[[], None]) -> None:
        super().__init__()
        self._on_lock = on_lock

    @Slot(bool)
    def active_changed(self, active: bool) -> None:
        if active:
            self._on_lock()

    @Slot()
    def locked(self) -> None:
        self._on_lock()


def logind_session_path(session_id: str) -> str:
    """logind's object path for a session id, escaped as sd-bus does (bus_label_escape)."""
    escaped = "".join(
        c if c.isascii() and (c.isalpha() or (i > 0 and c.isdigit())) else f"_{ord(c):02x}"
        for i, c in enumerate(session_id))
    return f"/org/freedesktop/login1/session/{escaped or '_'}"


def _connect(bus: Any, service: str, path: str, interface: str, name: str, receiver: QObject,
             signature: str) -> bool:
    # The stubs say the slot is bytes, but PySide6 refuses bytes with ValueError at run time:
    # SLOT() returns the str it wants. (Passing bytes here once stopped the app opening.)
    return bool(bus.connect(service, path, interface, name, receiver, SLOT(signature)))


def watch_session_lock(window: QWidget, on_lock: Callable[[], None]) -> list[str]:
    """Subscribe to every lock signal this platform offers; return what was subscribed.

    Never raises: a desktop without a bus, or a binding that refuses a call, costs only the
    early lock, and the idle timer still locks.
    """
    try:
        watched = _subscribe(window, on_lock)
    except Exception as exc:  # noqa: BLE001 - a failure here must never stop the app opening
        log.warning("Session lock signals unavailable (%s); locking on idle only.", exc)
        return []
    if not watched:
        log.info("No session lock signal on this desktop; locking on idle only.")
    return watched


def _subscribe(window: QWidget, on_lock: Callable[[], None]) -> list[str]:
    app = QApplication.instance()
    if app is None:
        return []
    if sys.platform == "win32":
        wtsapi = ctypes.WinDLL("wtsapi32")  # type: ignore[attr-defined]
        if not wtsapi.WTSRegisterSessionNotification(int(window.winId()), 0):
            return []
        native = _WindowsFilter(on_lock)
        app.installNativeEventFilter(native)
        _keep.append(native)
        return ["WTS session change"]
    try:
        from PySide6.QtDBus import QDBusConnection
    except ImportError:
        return []
    receiver = _Receiver(on_lock)
    watched: list[str] = []
    session = QDBusConnection.sessionBus()
    if session.isConnected():
        for service, path in SCREEN_SAVERS:
            if _connect(session, service, path, service, "ActiveChanged", receiver,
                        "active_changed(bool)"):
                watched.append(service)
    session_id = os.environ.get("XDG_SESSION_ID", "")
    system = QDBusConnection.systemBus()
    if session_id and system.isConnected() and _connect(
            system, LOGIND, logind_session_path(session_id), f"{LOGIND}.Session", "Lock",
            receiver, "locked()"):
        watched.append(LOGIND)
    if watched:
        _keep.append(receiver)
    return watched
