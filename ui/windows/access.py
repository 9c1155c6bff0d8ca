"""The author's view of who else opened her records on this computer: reads, copies and
break-glass openings with the recovery key, with the reason given (opened with her own key)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QListWidget, QPushButton, QVBoxLayout, QWidget

from peerdesk import dates
from peerdesk.domain import Kind
from peerdesk.services import governance
from ui.widgets.common import field_label, heading, muted
from ui.windows.dialogs import LockableDialog

ACTIONS = {"read": "opened", "export": "made a copy of",
           "break-glass": "opened in an emergency, with the trust's own key,"}


def event_text(e: governance.AccessEvent) -> str:
    try:
        what = Kind(e.kind).label.lower()
    except ValueError:
        what = e.kind
    line = (f"{dates.short_moment(e.at)} — {e.who} ({governance.role_label(e.role)}) "
            f"{ACTIONS.get(e.action, e.action)} your {what}")
    return line + (f". Reason: {e.reason}" if e.reason else "")


class AccessDialog(LockableDialog):
    def __init__(self, events: Sequence[governance.AccessEvent], *,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("PeerDesk — who opened my records")
        self.setModal(False)
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Who else opened my records"))
        layout.addWidget(muted(
            "Everyone other than you who opened or copied one of your records on this "
            "computer, newest first. A coordinator can open a record you did not share only in "
            "an emergency, with the trust's own key: she must give a reason, and the person "
            "at the trust who looks after the use of confidential information (the Caldicott "
            "Guardian) sees it too."))
        self.events = QListWidget()
        self.events.setWordWrap(True)
        for e in events:
            self.events.addItem(event_text(e))
        if not events:
            self.events.addItem("Nobody else has opened your records on this computer.")
        layout.addWidget(field_label("What happened", self.events))
        layout.addWidget(self.events)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        layout.addWidget(close)

    def wipe(self) -> None:
        self.events.clear()
