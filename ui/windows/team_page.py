"""Team members, for an administrator: who is in the team, in which role, who waits for
approval (and the role they asked for), who is the root administrator, who holds the
information governance duty. Approving, changing a role, giving or taking away the IG duty and
removing each sign a new account certificate; handing over or taking over the root
administrator's role signs a step of the team's succession (peerdesk.services.membership).
The team share learns it at her next sync."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from peerdesk.domain import Account, Role
from ui.widgets.common import field_label, heading, muted, row_table
from ui.widgets.reflow import FlowLayout

Run = Callable[[Callable[[], Any], Callable[[Any], None]], None]


def then_refresh(say: Callable[[str], None], refresh: Callable[[], None],
                 sentence: str) -> Callable[[Any], None]:
    """What a window does once a signed decision about a member is made (on the team page or
    in her leaver's checklist): it says what was done in one sentence, then reads the data
    again, so what it shows is what the certificates now say, never what it assumed."""
    def done(_value: Any) -> None:
        say(sentence)
        refresh()
    return done
HEADERS = ["Name", "Role", "Status"]
STATUS = {"active": "Member", "pending": "Waiting for approval",
          "removed": "Removed from the team", "altered": "Changed outside PeerDesk: refused"}


class TeamPage(QWidget):
    open_requested = Signal(object)  # pages share the desk's signals; this one opens nothing

    def __init__(self, *, accounts: Callable[[], list[Account]],
                 approve: Callable[[str, str | None], Account],
                 set_role: Callable[[str, str], Account], remove: Callable[[str], Account],
                 run: Run, me: str, root: Callable[[], str | None] = lambda: None,
                 hand_over: Callable[[str], Account] | None = None,
                 take_over: Callable[[], Account] | None = None,
                 carrying_keys: Callable[[], list[str]] = list,
                 reissue: Callable[[], list[str]] | None = None,
                 ig_holders: Callable[[], frozenset[str]] = frozenset,
                 set_ig: Callable[[str, bool], Account] | None = None,
                 leaving: Callable[[Account], Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._accounts, self._approve, self._set_role, self._remove = (
            accounts, approve, set_role, remove)
        self._root, self._hand_over, self._take_over = root, hand_over, take_over
        self._carrying_keys, self._reissue = carrying_keys, reissue
        self._run, self._me = run, me
        self._ig_holders, self._set_ig = ig_holders, set_ig
        self._leaving = leaving
        self.ig: frozenset[str] = frozenset()
        self.shown: list[Account] = []
        self.root: str | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Team members"))
        layout.addWidget(muted(
            "Someone added at this computer waits here until you approve them; only then can "
            "they sync or be shared with. Each decision is signed with your key and reaches "
            "every computer at your next sync."))
        self.table = row_table(HEADERS, "Team members")
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # The role can carry "· information governance": never cut short.
        self.table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._selected)
        layout.addWidget(self.table, 1)

        buttons = FlowLayout()
        self.role = QComboBox()
        # Heard by its label: on Linux a combo box's own name is its value ("Peer support
        # worker"), and a screen reader says what it is for from the label it is a buddy of.
        role_label = field_label("Role", self.role)
        for role in (Role.PEER, Role.COORDINATOR, Role.ADMIN):
            self.role.addItem(role.label, role.value)
        self.approve_button = QPushButton("Approve")
        self.approve_button.setAccessibleDescription(
            "Signs the selected person in to the team, in the role chosen beside it")
        self.approve_button.clicked.connect(self._approve_selected)
        self.role_button = QPushButton("Change role")
        self.role_button.clicked.connect(self._change_role)
        self.ig_button = QPushButton("Give the IG duty")
        self.ig_button.setAccessibleDescription(
            "Information governance: with the trust recovery key and a reason, the selected "
            "coordinator or administrator can open care records from the team share")
        self.ig_button.clicked.connect(self._toggle_ig)
        # Its text changes with the selection: room for the longer one from the start.
        metrics = self.ig_button.fontMetrics()
        self.ig_button.setMinimumWidth(self.ig_button.sizeHint().width() + metrics
                                       .horizontalAdvance("Take away ") - metrics
                                       .horizontalAdvance("Give "))
        self.leaving_button = QPushButton("Leaving…")
        self.leaving_button.setAccessibleDescription(
            "Her last day, and her leaver's checklist: her people handed over, what retention "
            "keeps, her account removed")
        self.leaving_button.clicked.connect(self._leaving_selected)
        self.remove_button = QPushButton("Remove from team…")
        self.remove_button.clicked.connect(self._remove_selected)
        self.hand_over_button = QPushButton("Make root administrator…")
        self.hand_over_button.setAccessibleDescription(
            "Hands your role as the team's root administrator to the selected administrator")
        self.hand_over_button.clicked.connect(self._hand_over_selected)
        self.take_over_button = QPushButton("Take over as root…")
        self.take_over_button.setAccessibleDescription(
            "When the root administrator is gone for good: you take her role and she is "
            "removed from the team")
        self.take_over_button.clicked.connect(self._take_over_root)
        for w in (role_label, self.role, self.approve_button, self.role_button, self.ig_button,
                  self.leaving_button, self.remove_button,
                  self.hand_over_button, self.take_over_button):
            buttons.addWidget(w)
        layout.addLayout(buttons)
        self.note = muted("")
        self.note.setAccessibleName("What happened")
        layout.addWidget(self.note)
        # Certificates from before keys/ still carry a copy of sealed keys, which an old
        # passphrase opens: said here, and issued again in one deliberate action.
        self.old_copies = muted("")
        self.old_copies.setAccessibleName("Certificates with an old copy of sealed keys")
        self.old_copies.setVisible(False)
        self.reissue_button = QPushButton("Issue them again")
        self.reissue_button.setVisible(False)
        self.reissue_button.clicked.connect(self._reissue_all)
        layout.addWidget(self.old_copies)
        row = QHBoxLayout()
        row.addWidget(self.reissue_button)
        row.addStretch(1)
        layout.addLayout(row)
        self._selected()

    # -- data --------------------------------------------------------------------------------

    def refresh(self) -> None:
        self._run(lambda: (self._accounts(), self._root(), self._carrying_keys(),
                           self._ig_holders()), self._show)

    def _show(self, found: tuple[list[Account], str | None, list[str], frozenset[str]]) -> None:
        accounts, self.root, carrying, self.ig = found
        self.old_copies.setText(
            f"The team share's certificates for {', '.join(carrying)} still carry a copy of "
            "their sealed keys from before: someone who can read the share and knows an old "
            "passphrase could open it. Issuing them again, as they are, leaves the copy out."
            if carrying else "")
        self.old_copies.setVisible(bool(carrying))
        self.reissue_button.setVisible(bool(carrying) and self._reissue is not None)
        chosen = self.current()
        self.shown = accounts
        self.table.setRowCount(len(accounts))
        for row, a in enumerate(accounts):
            role = a.role.label
            if a.status == "pending":  # no role until approved: the one asked for
                role = f"Asked for: {a.asked.label}" if a.asked else "—"
            if a.id in self.ig:
                role += " · information governance"
            status = STATUS.get(a.status, a.status)
            if a.id == self.root:
                status += " · root administrator"
            for col, text in enumerate((a.name, role, status)):
                self.table.setItem(row, col, QTableWidgetItem(text))
            if chosen is not None and a.id == chosen.id:
                self.table.selectRow(row)
        self._selected()

    def current(self) -> Account | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.shown):
            return None
        return self.shown[rows[0].row()]

    def _selected(self) -> None:
        a = self.current()
        self.approve_button.setEnabled(a is not None and a.status in {"pending", "altered"})
        self.role_button.setEnabled(a is not None and a.active and a.id != self._me
                                    and a.id != self.root)
        self.remove_button.setEnabled(a is not None and a.status != "removed"
                                      and a.id != self._me and a.id != self.root)
        self.leaving_button.setVisible(self._leaving is not None)
        self.leaving_button.setEnabled(a is not None and a.role is Role.PEER
                                       and a.status in {"active", "removed"})
        holds = a is not None and a.id in self.ig
        self.ig_button.setVisible(self._set_ig is not None)
        self.ig_button.setText("Take away the IG duty" if holds else "Give the IG duty")
        self.ig_button.setEnabled(a is not None and a.active and (
            holds or a.role in (Role.COORDINATOR, Role.ADMIN)))
        i_am_root = self.root == self._me
        self.hand_over_button.setVisible(i_am_root and self._hand_over is not None)
        self.hand_over_button.setEnabled(a is not None and a.active and a.id != self._me
                                         and a.role is Role.ADMIN)
        self.take_over_button.setVisible(not i_am_root and self.root is not None
                                         and self._take_over is not None)
        self.take_over_button.setEnabled(a is not None and a.id == self.root)
        if a is not None:
            self.role.setCurrentIndex(max(0, self.role.findData((a.asked or a.role).value)))

    def wipe(self) -> None:
        """At lock: names leave the screen with everything else."""
        self.shown = []
        self.table.setRowCount(0)
        self.note.clear()
        self.old_copies.clear()

    # -- decisions ---------------------------------------------------------------------------

    def _done(self, sentence: str) -> Callable[[Any], None]:
        return then_refresh(self.note.setText, self.refresh, sentence)

    def _approve_selected(self) -> None:
        a = self.current()
        if a is None:
            return
        role = str(self.role.currentData())
        self._run(lambda: self._approve(a.id, role),
                  self._done(f"{a.name} is approved as {Role(role).label}. Sync to tell the "
                             "other computers."))

    def _change_role(self) -> None:
        a = self.current()
        if a is None:
            return
        role = str(self.role.currentData())
        self._run(lambda: self._set_role(a.id, role),
                  self._done(f"{a.name} is now {Role(role).label}. Sync to tell the other "
                             "computers."))

    def _toggle_ig(self) -> None:
        a = self.current()
        if a is None or self._set_ig is None:
            return
        set_ig, grant = self._set_ig, a.id not in self.ig
        if grant:
            answer = QMessageBox.question(
                self, "Give the information governance duty",
                f"Give {a.name} the information governance duty? With the trust recovery key "
                "and a written reason she can then open the care records any computer sent to "
                "the team share. Each opening is logged and told to the records' author and "
                "the coordinators.")
            if answer != QMessageBox.StandardButton.Yes:
                return
        self._run(lambda: set_ig(a.id, grant),
                  self._done(f"{a.name} {'now holds' if grant else 'no longer holds'} the "
                             "information governance duty. Sync to tell the other computers."))

    def _leaving_selected(self) -> None:
        a = self.current()
        if a is not None and self._leaving is not None:
            self._leaving(a)

    def _remove_selected(self) -> None:
        a = self.current()
        if a is None:
            return
        answer = QMessageBox.question(
            self, "Remove from the team",
            f"Remove {a.name} from the team? Her computers stop syncing, nothing new is "
            "shared with her, and every computer shows that she was removed. What she could "
            "already read stays on her computers.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._run(lambda: self._remove(a.id),
                  self._done(f"{a.name} was removed from the team. Sync to tell the other "
                             "computers."))


    def _hand_over_selected(self) -> None:
        a = self.current()
        if a is None or self._hand_over is None:
            return
        hand_over = self._hand_over
        answer = QMessageBox.question(
            self, "Make root administrator",
            f"Hand your role as the team's root administrator to {a.name}? You stay an "
            f"administrator; {a.name} can then remove you, and only she can hand the role on.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._run(lambda: hand_over(a.id),
                  self._done(f"{a.name} is now the team's root administrator. Sync to tell "
                             "the other computers."))

    def _take_over_root(self) -> None:
        a = self.current()
        if a is None or self._take_over is None:
            return
        take_over = self._take_over
        answer = QMessageBox.question(
            self, "Take over as root administrator",
            f"Is {a.name} gone for good (a lost laptop, or she left without handing over)? "
            f"You become the team's root administrator and {a.name} is removed from the "
            "team. If she still has her key, her own hand-over would come first.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._run(take_over,
                  self._done(f"You are now the team's root administrator, and {a.name} was "
                             "removed. Sync to tell the other computers."))

    def _reissue_all(self) -> None:
        if self._reissue is None:
            return
        self._run(self._reissue,
                  self._done("Issued again without the copy of sealed keys. Sync to tell the "
                             "other computers."))
