"""The author's view of who else opened her records on this computer: reads, copies and
break-glass openings with the recovery key, with the reason given (opened with her own key)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget

from peerdesk import dates
from peerdesk.domain import Kind
from peerdesk.services import auditcheck, governance
from ui.widgets.common import field_label, heading, muted
from ui.windows.dialogs import LockableDialog

ACTIONS = {"read": "opened", "export": "made a copy of",
           "break-glass": "opened in an emergency, with the trust's own key,"}


def event_text(e: governance.AccessEvent) -> str:
    try:
        what = Kind(e.kind).label.lower()
    except ValueError:
        what = e.kind
    whose = f"{e.author}'s" if e.author else "your"
    line = (f"{dates.short_moment(e.at)} — {e.who} ({governance.role_label(e.role)}) "
            f"{ACTIONS.get(e.action, e.action)} {whose} {what}"
            + (" on another computer" if e.elsewhere else ""))
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
            "Everyone other than you who opened or copied one of your records, on this "
            "computer or on another that synced with the team share, newest first. A "
            "coordinator can open a record you did not share only in an emergency, with the "
            "trust's own key: she must give a reason, and the person at the trust who looks "
            "after the use of confidential information (the Caldicott Guardian) sees it too. "
            "Coordinators also see every such opening in the team."))
        self.events = QListWidget()
        self.events.setWordWrap(True)
        for e in events:
            self.events.addItem(event_text(e))
        if not events:
            self.events.addItem("Nobody else has opened your records, on this computer or on "
                                "any other that has synced with the team share.")
        layout.addWidget(field_label("What happened", self.events))
        layout.addWidget(self.events)
        # What `audit verify` says about this computer's trail, once it has been checked.
        self.audit_check = QLabel("Checking this computer's audit trail…")
        self.audit_check.setWordWrap(True)
        self.audit_check.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.audit_check.setAccessibleName("The audit trail's check")
        layout.addWidget(self.audit_check)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        layout.addWidget(close)

    def show_check(self, result: auditcheck.AuditCheck) -> None:
        self.audit_check.setText(" ".join([*result.problems, result.checked]))
        if result.problems:
            self.audit_check.setStyleSheet("font-weight: bold")

    def wipe(self) -> None:
        self.events.clear()
        self.audit_check.clear()
