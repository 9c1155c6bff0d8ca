"""Emit a desktop's lock signal, as the screen saver or logind does, from a process that owns
the sender's well-known name (apps filter these signals by sender).

    python -m tests.helpers.dbus_signal session|system SERVICE PATH INTERFACE MEMBER [true|false]
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtDBus import QDBusConnection, QDBusMessage


def main(argv: list[str]) -> int:
    which, service, path, interface, member, *args = argv
    app = QCoreApplication([])
    bus = QDBusConnection.sessionBus() if which == "session" else QDBusConnection.systemBus()
    if not bus.isConnected() or not bus.registerService(service):
        print(f"cannot own {service} on the {which} bus", file=sys.stderr)
        return 1
    message = QDBusMessage.createSignal(path, interface, member)
    if args:
        message.setArguments([args[0] == "true"])
    sent = bus.send(message)
    QTimer.singleShot(300, app.quit)  # let the bus carry it before the name goes away
    app.exec()
    return 0 if sent else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
