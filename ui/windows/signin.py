"""First run, sign-in and new accounts. Nothing here shows record content."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QProgressBar

from peerdesk.errors import InvalidInput
from ui.announce import announce
from ui.widgets.banner import MessageBanner
from ui.widgets.common import PassphraseEdit, field_label, heading, muted, state_label
from ui.widgets.reflow import Fill, scrolling

SHARE_EXAMPLE = r"for example \\trust-fs01\peerdesk\team-north"


def _column(page: QWidget, width: int = 640) -> QVBoxLayout:
    """The page's one centred column, no wider than reads well; the page scrolls when the
    window is smaller than the column (200 % on a ward screen)."""
    frame = QVBoxLayout(page)
    frame.setContentsMargins(0, 0, 0, 0)
    inner = Fill()
    frame.addWidget(scrolling(inner))
    outer = QHBoxLayout(inner)
    outer.addStretch(1)
    box = QWidget()
    box.setMaximumWidth(width)
    outer.addWidget(box, 3)
    outer.addStretch(1)
    layout = QVBoxLayout(box)
    layout.addStretch(1)
    return layout


def _add_field(layout: QVBoxLayout, label: str, widget: QWidget, description: str = "") -> None:
    layout.addWidget(field_label(label, widget, description=description))
    layout.addWidget(widget)


def _progress_bar(name: str) -> QProgressBar:
    """A bar that moves while there is no telling how long is left, named for a screen reader.
    Made when first needed: PySide builds a Qt class the first time Python names it, and
    sign-in is painted without one."""
    from PySide6.QtWidgets import QProgressBar

    bar = QProgressBar()
    bar.setRange(0, 0)
    bar.setAccessibleName(name)
    return bar


class Unlocking:
    """The row shown while she waits for her records to open: what is happening, a moving
    bar, and Cancel, which keeps its place in the Tab order after `after`."""

    def __init__(self, row: QHBoxLayout, after: QWidget) -> None:
        self.label = QLabel("Unlocking: checking your passphrase and opening your records…")
        self.label.setWordWrap(True)  # a line of its own was cut off beside the bar and Cancel
        self.progress = _progress_bar("Unlocking")  # moving while the key is derived
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel unlocking")
        row.addWidget(self.label)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        QWidget.setTabOrder(after, self.cancel_button)

    def show(self, shown: bool) -> None:
        for widget in (self.label, self.progress, self.cancel_button):
            widget.setVisible(shown)


class Demo:
    """The demo's passphrases, shown only on a computer holding the built-in demo."""

    def __init__(self, place: QVBoxLayout) -> None:
        from PySide6.QtWidgets import QGroupBox

        self.box = QGroupBox("Demo data: made-up people, for trying PeerDesk out")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fill = QPushButton("Fill in the demo passphrase")
        inner = QVBoxLayout(self.box)
        inner.addWidget(self.label)
        inner.addWidget(self.fill)
        place.addWidget(self.box)


def _buttons(layout: QVBoxLayout, first: QPushButton, last: QPushButton) -> None:
    """The page's action first (and default), the way out at the far end."""
    first.setDefault(True)
    row = QHBoxLayout()
    row.addWidget(first)
    row.addStretch(1)
    row.addWidget(last)
    layout.addLayout(row)


class SignInPage(QWidget):
    unlock_requested = Signal(str, str)
    create_requested = Signal()
    cancel_requested = Signal()
    display_changed = Signal(bool, bool)  # large text, high contrast

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = _column(self)
        title = QHBoxLayout()
        title.addWidget(heading("PeerDesk"), 1)
        self.display_button = QPushButton("Display")
        self.display_button.setAccessibleName("Display settings: larger text and high contrast")
        self.display_menu = QMenu(self.display_button)
        self.display_menu.aboutToShow.connect(self.display_actions)  # its choices: when opened
        self.display_button.setMenu(self.display_menu)
        self._display = (False, False)  # large text, high contrast
        self._display_actions: tuple[QAction, QAction] | None = None
        top = QVBoxLayout()  # the button stays at the top when the heading wraps
        top.addWidget(self.display_button)
        top.addStretch(1)
        title.addLayout(top)
        layout.addLayout(title)
        self.team = muted("")
        layout.addWidget(self.team)
        layout.addWidget(muted("Choose your name, type your passphrase and press Enter."))
        self.banner = MessageBanner()
        layout.addWidget(self.banner)
        self.accounts = QListWidget()
        self.accounts.setMaximumHeight(180)
        _add_field(layout, "Accounts on this computer", self.accounts)
        self.passphrase = PassphraseEdit()
        _add_field(layout, "&Passphrase", self.passphrase)
        self.unlock_button = QPushButton("Unlock")
        self.create_button = QPushButton("Create account")
        _buttons(layout, self.unlock_button, self.create_button)
        # Made the first time they are needed (most starts never show either): the row
        # shown while unlocking, and the demo's passphrases.
        self._unlocking_row = QHBoxLayout()
        layout.addLayout(self._unlocking_row)
        self.unlocking: Unlocking | None = None
        self._demo_place = QVBoxLayout()
        layout.addLayout(self._demo_place)
        self.demo: Demo | None = None
        layout.addStretch(2)
        self._demo: dict[str, str] = {}
        self._wait = 0
        self._countdown = QTimer(self, interval=1000)
        self._countdown.timeout.connect(self._tick)

        self.unlock_button.clicked.connect(self._unlock)
        self.passphrase.returnPressed.connect(self._unlock)
        self.accounts.itemActivated.connect(lambda _i: self.passphrase.setFocus())
        self.create_button.clicked.connect(self.create_requested)
        self.set_busy(False)

    def set_accounts(self, names: Sequence[str], *, team: str | None,
                     demo: dict[str, str] | None = None, select: str | None = None) -> None:
        self.accounts.clear()
        self.accounts.addItems(list(names))
        self.team.setText(f"Team: {team}" if team else "")
        self._demo = demo or {}
        if self._demo:
            self._demo_box().label.setText("Sign in as any of these (demo only):\n" + "\n".join(
                f"  {n}: {p}" for n, p in self._demo.items()))
        if self.demo is not None:
            self.demo.box.setVisible(bool(self._demo))
        if names:
            row = list(names).index(select) if select is not None and select in names else 0
            self.accounts.setCurrentRow(row)
        self.passphrase.clear()

    def display_actions(self) -> tuple[QAction, QAction]:
        """The display menu's two choices, made the first time it opens: most starts never
        open it, and PySide builds the action class the first time Python names it."""
        if self._display_actions is None:
            large = self.display_menu.addAction("Larger text")
            contrast = self.display_menu.addAction("High contrast")
            for action, on in zip((large, contrast), self._display, strict=True):
                action.setCheckable(True)
                action.setChecked(on)
                action.toggled.connect(self._display_toggled)
            self._display_actions = (large, contrast)
        return self._display_actions

    def show_display(self, *, large_text: bool, high_contrast: bool) -> None:
        self._display = (large_text, high_contrast)
        for action, on in zip(self._display_actions or (), self._display, strict=False):
            action.blockSignals(True)
            action.setChecked(on)
            action.blockSignals(False)

    def _display_toggled(self) -> None:
        large, contrast = self.display_actions()
        self.display_changed.emit(large.isChecked(), contrast.isChecked())

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

    def _demo_box(self) -> Demo:
        if self.demo is None:
            self.demo = Demo(self._demo_place)
            self.demo.fill.clicked.connect(self._fill_demo)
        return self.demo

    def _unlocking(self) -> Unlocking:
        if self.unlocking is None:
            self.unlocking = Unlocking(self._unlocking_row, after=self.create_button)
            self.unlocking.cancel_button.clicked.connect(self.cancel_requested)
        return self.unlocking

    def set_busy(self, busy: bool) -> None:
        row = self._unlocking() if busy else self.unlocking
        if row is not None:
            row.show(busy)
        if busy and row is not None:
            # Focus goes to the one thing that can be done now, not wherever Qt moves it as
            # the fields are disabled (a screen reader would read each stop on the way).
            row.cancel_button.setFocus()
        usable: list[QWidget] = [self.accounts, self.passphrase, self.create_button]
        if self.demo is not None:
            usable.append(self.demo.fill)
        for widget in usable:
            widget.setEnabled(not busy)
        self.unlock_button.setEnabled(not busy and self._wait == 0)
        if busy and row is not None:
            self.banner.hide()
            announce(row.label, row.label.text())

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
        # Announced once; the countdown itself is for the eye (and read when visited).
        self.banner.show_problem(f"{self._message} You can try again in {self._wait} seconds.",
                                 say=first)

    def reset(self) -> None:
        self.passphrase.clear()
        self.set_busy(False)
        self.passphrase.setFocus()


class AccountPage(QWidget):
    """Create an account; on first run, also name the team and the share for this device."""

    submitted = Signal(dict)
    back_requested = Signal()
    join_requested = Signal()

    def __init__(self, *, first_run: bool, min_length: int = 12, team: str = "",
                 share: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first_run = first_run
        self.min_length = min_length
        layout = _column(self, 680)
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
        self.share.setPlaceholderText(SHARE_EXAMPLE)
        # Trust IT may have set both in the machine policy; then they are not to be changed.
        self.team.setText(team)
        self.share.setText(share)
        self.team.setReadOnly(bool(team))
        self.share.setReadOnly(bool(share))
        if first_run:
            join = QHBoxLayout()
            join.addWidget(QLabel("Already have an account on another computer?"))
            self.join_button = QPushButton("Join from the team share")
            self.join_button.setAccessibleDescription(
                "Sign in on this computer with only your passphrase: your account and records "
                "come from the team share")
            self.join_button.clicked.connect(self.join_requested)
            join.addWidget(self.join_button)
            join.addStretch(1)
            layout.addLayout(join)
            _add_field(layout, "Team name", self.team)
            layout.addWidget(field_label("Share location (optional)", self.share,
                                         description="The trust network folder used to keep "
                                         "the team's encrypted records in step. Leave empty to "
                                         "work on this computer only."))
            layout.addWidget(muted("Leave empty to work on this computer only; IT can add it "
                                   "later."))
            layout.addWidget(self.share)
        self.name = QLineEdit()
        _add_field(layout, "Your name", self.name, "Shown on the sign-in screen of this computer")
        from PySide6.QtWidgets import QComboBox  # built on first use: sign-in has none

        self.role = QComboBox()
        from peerdesk.domain import Role  # only this page needs the domain's roles

        for role in (Role.PEER, Role.COORDINATOR, Role.ADMIN):
            self.role.addItem(role.label, role.value)
        _add_field(layout, "Your role", self.role)
        self.passphrase = PassphraseEdit()
        _add_field(layout, f"Passphrase (at least {min_length} characters)", self.passphrase)
        self.confirm = PassphraseEdit()
        _add_field(layout, "The same passphrase again", self.confirm)
        self.submit_button = QPushButton("Set up and sign in" if first_run
                                         else "Create account and sign in")
        self.back_button = QPushButton("Back to sign-in")
        self.back_button.setVisible(not first_run)
        _buttons(layout, self.submit_button, self.back_button)
        self.progress = _progress_bar("Creating the account")
        self.progress.setTextVisible(False)
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
            from peerdesk.services import check_passphrase  # the vault's rule, loaded by now

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


class JoinPage(QWidget):
    """A second computer: the account comes from the team share, unlocked by its passphrase,
    then the person's records (the first sync can take a while, so it shows progress)."""

    submitted = Signal(dict)
    back_requested = Signal()

    def __init__(self, *, share: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = _column(self, 680)
        layout.addWidget(heading("Join your team on this computer"))
        layout.addWidget(muted(
            "Your account was made on another computer. Type where the team share is, your "
            "name as it appears there, and your passphrase: everything you can read is brought "
            "here, still encrypted."))
        self.banner = MessageBanner()
        layout.addWidget(self.banner)
        self.share = QLineEdit(share)
        self.share.setReadOnly(bool(share))  # set by the trust in the machine policy
        self.share.setPlaceholderText(SHARE_EXAMPLE)
        _add_field(layout, "Share location", self.share)
        self.name = QLineEdit()
        _add_field(layout, "Your name", self.name)
        self.passphrase = PassphraseEdit()
        _add_field(layout, "Your passphrase", self.passphrase)
        self.submit_button = QPushButton("Join and sign in")
        self.back_button = QPushButton("Back")
        self.back_button.setAccessibleDescription("Back to setting up this computer")
        _buttons(layout, self.submit_button, self.back_button)
        self.progress_label = state_label("Progress of the first sync", role=None)
        self.progress_label.hide()
        layout.addWidget(self.progress_label)
        self.progress = _progress_bar("Bringing your records to this computer")
        self.progress.hide()
        layout.addWidget(self.progress)
        layout.addStretch(2)
        self.submit_button.clicked.connect(self._submit)
        self.passphrase.returnPressed.connect(self._submit)
        self.back_button.clicked.connect(self.back_requested)

    def _submit(self) -> None:
        for edit, problem in ((self.share, "Type where the team share is, as IT gave it to you."),
                              (self.name, "Type your name as it appears on the team share."),
                              (self.passphrase, "Type your passphrase.")):
            if not edit.text().strip():
                self.banner.show_problem(problem)
                edit.setFocus()
                return
        self.submitted.emit({"share": self.share.text().strip(), "name": self.name.text().strip(),
                             "passphrase": self.passphrase.text()})

    def show_progress(self, done: int, total: int, text: str) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        self.progress_label.setText(text + "…")

    def set_busy(self, busy: bool) -> None:
        for widget in (self.progress, self.progress_label):
            widget.setVisible(busy)
        self.progress.setRange(0, 0)
        self.progress_label.setText("Looking for the team share…")
        self.submit_button.setEnabled(not busy)
        self.back_button.setEnabled(not busy)
        if busy:
            self.banner.hide()

    def wipe(self) -> None:
        self.passphrase.clear()
