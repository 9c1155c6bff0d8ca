"""Qt's own messages go through Python logging, like every other line the app writes.

Qt prints warnings straight to stderr; routed here they get a level and a logger name
("qt.<category>"), and the few that are known to be harmless and beyond a user's reach are kept
at debug level, so a warning in the log always means something.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

# (category, text fragment): messages Qt prints in normal use that ask nothing of anyone.
HARMLESS = (
    # Every AT-SPI client (Orca, Accerciser, pyatspi) asks each app for an optional private
    # bus; Qt's bridge does not offer one, says so on each request, and the client carries on.
    ("qt.accessibility.atspi", "does not implement \"GetApplicationBusAddress\""),
    # The bridge drops a text event from a widget with no text interface and says so: the
    # passphrase field has none on purpose (ui/accessible.py), and a selectable label's text
    # control sends text events although a label has none.
    ("qt.accessibility.atspi", "Received text event for invalid interface"),
)
LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _handle(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    category = context.category or "qt"
    level = LEVELS.get(kind, logging.WARNING)
    if any(category == c and fragment in message for c, fragment in HARMLESS):
        level = logging.DEBUG
    name = category if category.startswith("qt") else f"qt.{category}"
    logging.getLogger(name).log(level, "%s", message)


def route_to_logging() -> None:
    qInstallMessageHandler(_handle)
