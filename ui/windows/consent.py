"""The plan's consent panel: who the person agreed can see their plan, recorded and withdrawn
here (each change a new version and an audit entry, through peerdesk/services/consent.py)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from peerdesk import dates
from peerdesk.catalogue import spec
from peerdesk.domain import Record
from peerdesk.domain.consent import ACTIVE, TO_CONFIRM, ledger
from peerdesk.services import consent
from ui.widgets.banner import MessageBanner
from ui.widgets.common import field_label, heading, muted
from ui.widgets.dates import DateEdit
from ui.windows.dialogs import LockableDialog

NOT_SET = QDate(2000, 1, 1)


class ConsentDialog(LockableDialog):
    """Non-modal, like the other dialogs: a lock closes it."""

    add_requested = Signal(dict)  # keyword arguments for consent.add_consent
    withdraw_requested = Signal(str)  # a consent id
    confirm_requested = Signal(str, dict)  # a consent id "to confirm"; role, scope, purpose

    def __init__(self, record: Record, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("PeerDesk — who can see this plan")
        self.setModal(False)
        self.setMinimumWidth(620)
        self.record: Record | None = record
        field = spec(record.kind).by_name["consents"]
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Who can see this plan"))
        layout.addWidget(muted(
            "Only people the person has agreed to. A copy for anyone else is refused. "
            "If someone is at serious risk, staff may still have to share what keeps people "
            "safe; tell the person this."))
        self.banner = MessageBanner()
        layout.addWidget(self.banner)
        self.entries = QListWidget()
        layout.addWidget(field_label("Agreed so far", self.entries,
                                     description="Each person the plan owner agreed to, and "
                                                 "whether that agreement stands today"))
        layout.addWidget(self.entries)
        self.withdraw_button = QPushButton("The person withdraws this agreement")
        self.withdraw_button.clicked.connect(self._withdraw)
        self.confirm_button = QPushButton("The person confirms this one")
        self.confirm_button.setAccessibleDescription(
            "For someone named in the plan but not yet confirmed: records the person's "
            "agreement today, with the part in their life and the sections chosen below")
        self.confirm_button.clicked.connect(self._confirm)
        row = QHBoxLayout()
        row.addWidget(self.withdraw_button)
        row.addWidget(self.confirm_button)
        row.addStretch(1)
        layout.addLayout(row)

        layout.addWidget(heading("Record a new agreement", role="subheading"))
        self.recipient = QLineEdit()
        layout.addWidget(field_label("Who (a name, a team or a role)", self.recipient))
        layout.addWidget(self.recipient)
        self.role = QComboBox()
        for c in field.choices:
            self.role.addItem(c.label, c.id)
        layout.addWidget(field_label("Their part in the person's life or care", self.role))
        layout.addWidget(self.role)
        self.sections = QListWidget()
        for s in field.sections:
            item = QListWidgetItem(s.title)
            item.setData(Qt.ItemDataRole.UserRole, s.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.sections.addItem(item)
        layout.addWidget(field_label("Only these sections (none ticked: the whole plan)",
                                     self.sections))
        layout.addWidget(self.sections)
        self.purpose = QLineEdit()
        layout.addWidget(field_label("Why, in the person's words", self.purpose))
        layout.addWidget(self.purpose)
        self.expires = DateEdit()
        self.expires.setMinimumDate(NOT_SET)
        self.expires.setSpecialValueText("No end date")
        self.expires.setDate(NOT_SET)
        layout.addWidget(field_label("Until", self.expires))
        layout.addWidget(self.expires)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Record the person's agreement")
        self.add_button.clicked.connect(self._add)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.show_record(record)

    def show_record(self, record: Record) -> None:
        self.record = record
        self.entries.clear()
        today = dates.today()
        for c in ledger(record.fields):
            part = "whole plan" if c.whole_plan else f"{len(c.scope)} sections"
            state = {ACTIVE: "agreed"}.get(c.state(today), c.state(today))
            if c.state(today) == TO_CONFIRM:
                text = (f"{c.recipient}: named in the plan — to confirm with the person; no "
                        "copy until then")
            else:
                text = (f"{c.recipient} ({consent.role_label(c.role)}): {part}, since "
                        f"{dates.short_day(c.given_on)} — {state}")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, c.id)
            self.entries.addItem(item)
        if not self.entries.count():
            self.entries.addItem("Nobody yet: only the person and you.")

    def _add(self) -> None:
        recipient = self.recipient.text().strip()
        if not recipient:
            self.banner.show_problem("Say who the person agreed can see the plan.")
            return
        scope = [self.sections.item(i).data(Qt.ItemDataRole.UserRole)
                 for i in range(self.sections.count())
                 if self.sections.item(i).checkState() == Qt.CheckState.Checked]
        expires = self.expires.date()
        kwargs: dict[str, Any] = {
            "recipient": recipient, "role": self.role.currentData(), "scope": scope,
            "purpose": self.purpose.text().strip(),
            "expires_on": None if expires == NOT_SET else expires.toPython()}
        self.add_requested.emit(kwargs)
        self.recipient.clear()
        self.purpose.clear()

    def _confirm(self) -> None:
        item = self.entries.currentItem()
        consent_id = item.data(Qt.ItemDataRole.UserRole) if item else None
        waiting = {c.id for c in consent.to_confirm(self.record.fields, dates.today())} \
            if self.record else set()
        if consent_id not in waiting:
            self.banner.show_problem("Choose someone marked 'to confirm with the person'.")
            return
        scope = [self.sections.item(i).data(Qt.ItemDataRole.UserRole)
                 for i in range(self.sections.count())
                 if self.sections.item(i).checkState() == Qt.CheckState.Checked]
        self.confirm_requested.emit(str(consent_id), {
            "role": self.role.currentData(), "scope": scope,
            "purpose": self.purpose.text().strip()})
        self.purpose.clear()

    def _withdraw(self) -> None:
        item = self.entries.currentItem()
        consent_id = item.data(Qt.ItemDataRole.UserRole) if item else None
        if not consent_id:
            self.banner.show_problem("Choose the agreement the person is withdrawing.")
            return
        self.withdraw_requested.emit(str(consent_id))

    def wipe(self) -> None:
        self.record = None
        self.entries.clear()
        self.recipient.clear()
        self.purpose.clear()
