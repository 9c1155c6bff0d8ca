"""Handing over a person's support, with their agreement: to another peer, together with her, or
for cover while the peer is away (peerdesk/services/handover.py does it in one step)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from peerdesk import dates
from peerdesk.domain import Record
from peerdesk.services import handover
from ui.widgets.banner import MessageBanner
from ui.widgets.common import field_label, heading, muted
from ui.widgets.dates import DateEdit
from ui.windows.dialogs import LockableDialog

_CHOICES = ((handover.HANDOVER, "Hand over their support",
             "The other peer supports them from now on."),
            (handover.JOINT, "Support them together",
             "You both support them, and each reads what the other writes about them."),
            (handover.COVER, "Cover while I am away",
             "Sickness or leave: it ends by itself after the last day."))


def _today() -> QDate:
    day = dates.today()
    return QDate(day.year, day.month, day.day)


class HandoverDialog(LockableDialog):
    """Non-modal, like the other dialogs: a lock closes it. Its title names nobody."""

    hand_over_requested = Signal(dict)  # keyword arguments for handover.hand_over

    def __init__(self, person: Record, peers: Sequence[tuple[str, str]], *,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("PeerDesk — hand over support")
        self.setModal(False)
        self.setMinimumWidth(640)
        self.person: Record | None = person
        label = str(person.fields.get("label", "")) or "this person"
        layout = QVBoxLayout(self)
        layout.addWidget(heading(f"Hand over {label}'s support"))
        layout.addWidget(muted(
            f"Support moves only when {label} agrees. Talk it through with them first: who "
            "the new peer is, what they will see, and that they can say no."))
        self.banner = MessageBanner()
        layout.addWidget(self.banner)

        self.choice = QButtonGroup(self)
        for i, (value, text, description) in enumerate(_CHOICES):
            button = QRadioButton(text)
            button.setProperty("arrangement", value)
            button.setAccessibleDescription(description)
            button.setToolTip(description)
            self.choice.addButton(button, i)
            layout.addWidget(button)
        first = self.choice.button(0)
        assert first is not None
        first.setChecked(True)
        self.choice.idToggled.connect(lambda _i, _on: self._update())

        self.to = QComboBox()
        for account_id, name in peers:
            self.to.addItem(name, account_id)
        layout.addWidget(field_label("To", self.to,
                                     description="Another peer support worker in the team"))
        layout.addWidget(self.to)
        self.agreed_by = QLineEdit()
        self.agreed_by.setPlaceholderText(f"For example: {label}, in person on the ward")
        self.agreed_by.textChanged.connect(lambda _t: self._update())
        layout.addWidget(field_label("Who agreed, and how", self.agreed_by,
                                     description="Recorded on each of their plans' consent "
                                                 "ledger, with the date"))
        layout.addWidget(self.agreed_by)
        row = QHBoxLayout()
        self.agreed_on = DateEdit()
        self.agreed_on.setDate(_today())
        self.agreed_on.setMaximumDate(_today())
        column = QVBoxLayout()
        column.addWidget(field_label("Agreed on", self.agreed_on))
        column.addWidget(self.agreed_on)
        row.addLayout(column)
        self.ends = DateEdit()
        self.ends.setMinimumDate(_today())
        self.ends.setDate(_today().addDays(14))
        column = QVBoxLayout()
        self.ends_label = field_label("Last day of cover", self.ends)
        column.addWidget(self.ends_label)
        column.addWidget(self.ends)
        row.addLayout(column)
        row.addStretch(1)
        layout.addLayout(row)
        self.diaries = QCheckBox(f"{label} agreed that the session diaries about them move too")
        self.diaries.toggled.connect(lambda _on: self._update())
        layout.addWidget(self.diaries)

        layout.addWidget(heading("What moves", role="subheading"))
        self.moves = QLabel()
        self.moves.setWordWrap(True)
        layout.addWidget(self.moves)
        layout.addWidget(heading("What stays yours", role="subheading"))
        layout.addWidget(muted(
            "Your boundary reflections, your wellbeing check-ins, your staying-well plan and "
            "anything marked private never move. The records you wrote stay yours: the new "
            "peer carries the plans on in their own name."))

        buttons = QHBoxLayout()
        self.go_button = QPushButton("Hand over")
        self.go_button.setDefault(True)
        self.go_button.clicked.connect(self._go)
        close = QPushButton("Cancel")
        close.clicked.connect(self.reject)
        buttons.addStretch(1)
        buttons.addWidget(close)
        buttons.addWidget(self.go_button)
        layout.addLayout(buttons)
        if not peers:
            self.banner.show_problem("There is no other peer support worker on this computer "
                                     "yet. Sync with the team share, then try again.")
        self._update()
        self.setMinimumHeight(self.sizeHint().height())
        self.adjustSize()

    def arrangement(self) -> str:
        button = self.choice.checkedButton()
        return str(button.property("arrangement")) if button else handover.HANDOVER

    def _update(self) -> None:
        arrangement = self.arrangement()
        cover = arrangement == handover.COVER
        self.ends.setVisible(cover)
        self.ends_label.setVisible(cover)
        self.go_button.setText({handover.HANDOVER: "Hand over",
                                handover.JOINT: "Share their support",
                                handover.COVER: "Arrange cover"}[arrangement])
        lines = ["• Their person record and support journey",
                 "• Their plans, with every earlier version"]
        lines.append("• The session diaries about them" if self.diaries.isChecked() else
                     "• Not the session diaries about them (they did not agree to that)")
        self.moves.setText("\n".join(lines))
        self.adjustSize()
        self.go_button.setEnabled(bool(self.agreed_by.text().strip()) and self.to.count() > 0)

    def _go(self) -> None:
        if not self.agreed_by.text().strip():
            self.banner.show_problem("Say who agreed, and how: support moves only with the "
                                     "person's agreement.")
            return
        cover = self.arrangement() == handover.COVER
        kwargs: dict[str, Any] = {
            "to": self.to.currentData(), "agreed_by": self.agreed_by.text().strip(),
            "agreed_on": self.agreed_on.date().toPython(),
            "arrangement": self.arrangement(), "diaries": self.diaries.isChecked(),
            "ends": self.ends.date().toPython() if cover else None}
        self.hand_over_requested.emit(kwargs)

    def show_done(self, record: Record) -> None:
        plan = handover.Arrangement.of(record)
        self.banner.show_done(
            f"{plan.sentence(plan.from_id)}. {plan.to_name} gets it at their next sync; the "
            "agreement is on each plan's consent ledger and in the audit trail.")
        self.go_button.setEnabled(False)
        self.setMinimumHeight(self.sizeHint().height())
        self.adjustSize()

    def wipe(self) -> None:
        self.person = None
        self.agreed_by.clear()
        self.moves.clear()
