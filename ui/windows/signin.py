"""First run, sign-in and new accounts. Nothing here shows record content."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from peerdesk.domain import Role
from peerdesk.errors import InvalidInput
from peerdesk.services import check_passphrase
from ui.widgets.banner import MessageBanner
from ui.widgets.common import field_label, heading, muted


def _centered(inner: QWidget, width: int = 640) -> QVBoxLayout:
    inner.setMaximumWidth(width)
    return QVBoxLayout(inner)


class SignInPage(QWidget):
    unlock_requested = Signal(str, str)
    create_requested = Signal()
    cancel_requested = Signal()
    display_changed = Signal(bool, bool)  # large text, high contrast

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        box = QWidget()
        layout = _centered(box)
        outer.addWidget(box, 3)
        outer.addStretch(1)
        layout.addStretch(1)
        title = QHBoxLayout()
        title.addWidget(heading("PeerDesk"), 1)
        self.display_button = QPushButton("Display")
        self.display_button.setAccessibleName("Display settings: larger text and high contrast")
        menu = QMenu(self.display_button)
        self.large_action = menu.addAction("Larger text")
        self.contrast_action = menu.addAction("High contrast")
        for action in (self.large_action, self.contrast_action):
            action.setCheckable(True)
            action.toggled.connect(self._display_toggled)
        self.display_button.setMenu(menu)
        title.addWidget(self.display_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(title)
        self.team = muted("")
        layout.addWidget(self.team)
        layout.addWidget(muted("Choose your name, type your passphrase and press Enter."))
        self.banner = MessageBanner()
        layout.addWidget(self.banner)
        self.accounts = QListWidget()
        self.accounts.setMaximumHeight(180)
        layout.addWidget(field_label("Accounts on this computer", self.accounts))
        layout.addWidget(self.accounts)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        layout.addWidget(field_label("&Passphrase", self.passphrase))
        layout.addWidget(self.passphrase)
        buttons = QHBoxLayout()
        self.unlock_button = QPushButton("Unlock")
        self.unlock_button.setDefault(True)
        self.create_button = QPushButton("Create account")
        buttons.addWidget(self.unlock_button)
        buttons.addStretch(1)
        buttons.addWidget(self.create_button)
        layout.addLayout(buttons)
        busy = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # moving while the key is derived and records decrypted
        self.progress.setAccessibleName("Unlocking")
        self.progress.setTextVisible(False)
        self.busy_label = QLabel("Unlocking: checking your passphrase and opening your records…")
        self.cancel_button = QPushButton("Cancel")
        busy.addWidget(self.busy_label)
        busy.addWidget(self.progress, 1)
        busy.addWidget(self.cancel_button)
        layout.addLayout(busy)
        self.demo = QGroupBox("Demo data: made-up people, for trying PeerDesk out")
        self.demo_label = QLabel()
        self.demo_label.setWordWrap(True)
        self.demo_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.demo_fill = QPushButton("Fill in the demo passphrase")
        demo_layout = QVBoxLayout(self.demo)
        demo_layout.addWidget(self.demo_label)
        demo_layout.addWidget(self.demo_fill)
        self.demo.hide()
        layout.addWidget(self.demo)
        layout.addStretch(2)
        self._demo: dict[str, str] = {}
        self._wait = 0
        self._countdown = QTimer(self, interval=1000)
        self._countdown.timeout.connect(self._tick)

        self.unlock_button.clicked.connect(self._unlock)
        self.passphrase.returnPressed.connect(self._unlock)
        self.accounts.itemActivated.connect(lambda _i: self.passphrase.setFocus())
        self.create_button.clicked.connect(self.create_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.demo_fill.clicked.connect(self._fill_demo)
        self.set_busy(False)

    def set_accounts(self, names: Sequence[str], *, team: str | None,
                     demo: dict[str, str] | None = None, select: str | None = None) -> None:
        self.accounts.clear()
        self.accounts.addItems(list(names))
        self.team.setText(f"Team: {team}" if team else "")
        self._demo = demo or {}
        if self._demo:
            self.demo_label.setText("Sign in as any of these (demo only):\n" + "\n".join(
                f"  {n}: {p}" for n, p in self._demo.items()))
        self.demo.setVisible(bool(self._demo))
        if names:
            row = list(names).index(select) if select is not None and select in names else 0
            self.accounts.setCurrentRow(row)
        self.passphrase.clear()

    def show_display(self, *, large_text: bool, high_contrast: bool) -> None:
        for action, on in ((self.large_action, large_text), (self.contrast_action, high_contrast)):
            action.blockSignals(True)
            action.setChecked(on)
            action.blockSignals(False)

    def _display_toggled(self) -> None:
        self.display_changed.emit(self.large_action.isChecked(), self.contrast_action.isChecked())

    def selected(self) -> str | None:
        item = self.accounts.currentItem()
        return item.text() if item else None

    def _unlock(self) -> None:
        name = self.selected()
        if self._wait > 0 or not self.unlock_button.isEnabled():
            return
        if name is None:
            self.banner.show_problem("Choose your name from the list first.")
            return
        if not self.passphrase.text():
            self.banner.show_problem("Type your passphrase first.")
            return
        self.unlock_requested.emit(name, self.passphrase.text())

    def _fill_demo(self) -> None:
        name = self.selected()
        if name in self._demo:
            self.passphrase.setText(self._demo[name])
            self.passphrase.setFocus()

    def set_busy(self, busy: bool) -> None:
        for shown in (self.progress, self.busy_label, self.cancel_button):
            shown.setVisible(busy)
        for usable in (self.accounts, self.passphrase, self.create_button, self.demo_fill):
            usable.setEnabled(not busy)
        self.unlock_button.setEnabled(not busy and self._wait == 0)
        if busy:
            self.banner.hide()

    def wait(self, seconds: int, message: str) -> None:
        """The back-off after repeated wrong passphrases, counted down on screen."""
        self._wait = seconds
        self._message = message.split(" Try again")[0]
        self.unlock_button.setEnabled(False)
        self._tick(first=True)
        self._countdown.start()

    def _tick(self, first: bool = False) -> None:
        if not first:
            self._wait -= 1
        if self._wait <= 0:
            self._wait = 0
            self._countdown.stop()
            self.unlock_button.setEnabled(True)
            self.banner.show_info("You can try again now.")
            return
        self.banner.show_problem(f"{self._message} You can try again in {self._wait} seconds.")

    def reset(self) -> None:
        self.passphrase.clear()
        self.set_busy(False)
        self.passphrase.setFocus()


class AccountPage(QWidget):
    """Create an account; on first run, also name the team and the share for this device."""

    submitted = Signal(dict)
    back_requested = Signal()

    def __init__(self, *, first_run: bool, min_length: int = 12, team: str = "",
                 share: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first_run = first_run
        self.min_length = min_length
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        box = QWidget()
        layout = _centered(box, 680)
        outer.addWidget(box, 3)
        outer.addStretch(1)
        layout.addStretch(1)
        layout.addWidget(heading("Set up PeerDesk on this computer" if first_run
                                 else "Create an account"))
        layout.addWidget(muted(
            "Everything you write is encrypted with a key that only your passphrase opens. "
            "Nobody, including IT, can reset it for you, so choose one you will remember: three "
            "or four unrelated words work well."))
        self.banner = MessageBanner()
        layout.addWidget(self.banner)
        self.team = QLineEdit()
        self.share = QLineEdit()
        self.share.setPlaceholderText(r"for example \\trust-fs01\peerdesk\team-north")
        # Trust IT may have set both in the machine policy.
        self.team.setText(team)
        self.share.setText(share)
        if first_run:
            layout.addWidget(field_label("Team name", self.team))
            layout.addWidget(self.team)
            layout.addWidget(field_label("Share location (optional)", self.share,
                                         description="The trust network folder used to keep "
                                         "the team's encrypted records in step. Leave empty to "
                                         "work on this computer only."))
            layout.addWidget(muted("Leave empty to work on this computer only; IT can add it "
                                   "later."))
            layout.addWidget(self.share)
        self.name = QLineEdit()
        layout.addWidget(field_label("Your name", self.name,
                                     description="Shown on the sign-in screen of this computer"))
        layout.addWidget(self.name)
        self.role = QComboBox()
        for role in (Role.PEER, Role.COORDINATOR, Role.ADMIN):
            self.role.addItem(role.label, role.value)
        layout.addWidget(field_label("Your role", self.role))
        layout.addWidget(self.role)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        layout.addWidget(field_label(f"Passphrase (at least {min_length} characters)",
                                     self.passphrase))
        layout.addWidget(self.passphrase)
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        layout.addWidget(field_label("The same passphrase again", self.confirm))
        layout.addWidget(self.confirm)
        buttons = QHBoxLayout()
        self.submit_button = QPushButton("Set up and sign in" if first_run
                                         else "Create account and sign in")
        self.submit_button.setDefault(True)
        self.back_button = QPushButton("Back to sign-in")
        self.back_button.setVisible(not first_run)
        buttons.addWidget(self.submit_button)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        layout.addLayout(buttons)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName("Creating the account")
        self.progress.hide()
        layout.addWidget(self.progress)
        layout.addStretch(2)
        self.submit_button.clicked.connect(self._submit)
        self.confirm.returnPressed.connect(self._submit)
        self.back_button.clicked.connect(self.back_requested)

    def _submit(self) -> None:
        if self.first_run and not self.team.text().strip():
            self.banner.show_problem("Give the team a name, for example 'Team North'.")
            return
        if not self.name.text().strip():
            self.banner.show_problem("Type your name, for example your first name.")
            return
        try:
            check_passphrase(self.passphrase.text(), min_length=self.min_length)
        except InvalidInput as exc:
            self.banner.show_problem(str(exc))
            return
        if self.passphrase.text() != self.confirm.text():
            self.banner.show_problem("The two passphrases are not the same. Type them again.")
            self.confirm.clear()
            return
        values: dict[str, Any] = {"team": self.team.text().strip(),
                                  "share": self.share.text().strip(),
                                  "name": self.name.text().strip(),
                                  "role": self.role.currentData(),
                                  "passphrase": self.passphrase.text()}
        self.submitted.emit(values)

    def set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.submit_button.setEnabled(not busy)
        if busy:
            self.banner.hide()

    def wipe(self) -> None:
        for edit in (self.passphrase, self.confirm):
            edit.clear()
