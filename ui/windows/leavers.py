"""A peer who leaves the team: her leaver's checklist (peerdesk/services/leavers.py), opened
from Team members. It shows, item by item, what is done and what remains, read again from the
data after every step; an administrator marks her last day and, at the end, removes her
account. When her laptop is gone, whoever holds the information governance duty finds her
people on the team share and hands each over with the trust recovery key, a written reason and
the person's agreement. The title names nobody; a lock closes it and wipes what it showed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from peerdesk import dates
from peerdesk.domain import Account
from peerdesk.errors import PeerDeskError
from peerdesk.services import leavers
from peerdesk.services.governance import MIN_REASON
from ui.widgets.banner import MessageBanner
from ui.widgets.common import (
    PassphraseEdit,
    field_label,
    heading,
    long_text,
    muted,
    row_table,
)
from ui.widgets.dates import DateEdit
from ui.windows.dialogs import LockableDialog
from ui.windows.team_page import Run, then_refresh

RunIo = Callable[[Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None]],
                 None]
HEADERS = ["", "Step", "What is done, what remains"]


@dataclass(frozen=True)
class LeaverJobs:
    """What the dialog asks of the core, each for this one leaver."""

    checklist: Callable[[], leavers.Checklist]
    mark: Callable[[date | None], Any] | None  # an administrator's
    remove: Callable[[], Any] | None  # an administrator's
    # (key file, passphrase, reason) -> her people on the share
    find: Callable[[Path, str, str], list[leavers.Found]] | None
    # (person, peer id, who agreed, agreed on, diaries, key file, passphrase, reason)
    hand_over: Callable[[str, str, str, date, bool, Path, str, str], leavers.Handed] | None


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class LeaverDialog(LockableDialog):
    def __init__(self, account: Account, peers: Sequence[tuple[str, str]], jobs: LeaverJobs, *,
                 run: Run, run_io: RunIo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("PeerDesk — leaving the team")
        self.setModal(False)
        self.setMinimumWidth(860)
        self.account, self.jobs, self._run, self._run_io = account, jobs, run, run_io
        self.found: leavers.Checklist | None = None
        # Names of her people found on the share, for this window only (never kept on disk).
        self.labels: dict[str, str] = {}
        self.busy = False
        layout = QVBoxLayout(self)
        layout.addWidget(heading(f"{account.name} is leaving the team"))
        layout.addWidget(muted(
            "Her checklist is read from the data each time: each person she supports is done "
            "when another peer who is staying supports them; removing her account deletes "
            "none of her records."))
        self.banner = MessageBanner()
        layout.addWidget(self.banner)

        row = QHBoxLayout()
        self.last_day = DateEdit()
        self.last_day.setDate(_qdate(dates.today()))
        row.addWidget(field_label("Her last day", self.last_day))
        row.addWidget(self.last_day)
        self.mark_button = QPushButton("Mark as leaving")
        self.mark_button.setAccessibleDescription(
            "Signed with your key; every computer shows it after your next sync")
        self.mark_button.clicked.connect(self._mark)
        row.addWidget(self.mark_button)
        row.addStretch(1)
        layout.addLayout(row)

        self.table = row_table(HEADERS, "Her leaver's checklist")
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._changed)
        self.table.setMinimumHeight(self.fontMetrics().lineSpacing() * 10)
        layout.addWidget(self.table, 1)

        layout.addWidget(heading("Her laptop is gone: hand over from the team share",
                                 role="subheading"))
        layout.addWidget(muted(
            "With the information governance duty, the trust recovery key and a reason. Each "
            "record is logged before its keys are touched; she, the coordinators and the new "
            "peer are told. Only the person record, the support journey and the plans move "
            "(and the diaries, if the person agreed); her reflections never do."))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.to = QComboBox()
        for account_id, name in peers:
            self.to.addItem(name, account_id)
        form.addRow(field_label("To", self.to, description="A peer who is staying"), self.to)
        self.agreed_by = QLineEdit()
        self.agreed_by.setPlaceholderText("For example: Jo, on the phone to me")
        form.addRow(field_label("Who agreed", self.agreed_by,
                                description="Who agreed, and how: the person's agreement"),
                    self.agreed_by)
        self.diaries = QCheckBox("The person agreed that the session diaries about them move "
                                 "too")
        form.addRow("", self.diaries)
        key_row = QHBoxLayout()
        self.key_file = QLineEdit()
        self.key_file.setPlaceholderText("trust-recovery.pem")
        choose = QPushButton("Choose…")
        choose.setAccessibleName("Choose the recovery key file")
        choose.clicked.connect(self._choose_key)
        key_row.addWidget(self.key_file, 1)
        key_row.addWidget(choose)
        form.addRow(field_label("Recovery key file", self.key_file), key_row)
        self.passphrase = PassphraseEdit()
        form.addRow(field_label("Its passphrase", self.passphrase), self.passphrase)
        self.reason = long_text()
        self.reason.setFixedHeight(self.fontMetrics().lineSpacing() * 2 + 16)
        form.addRow(field_label("Why", self.reason,
                                description="Shown to her and to the Caldicott Guardian"),
                    self.reason)
        layout.addLayout(form)

        buttons = QHBoxLayout()
        self.find_button = QPushButton("Find her people on the team share")
        self.find_button.clicked.connect(self._find)
        self.hand_button = QPushButton("Hand over the chosen person")
        self.hand_button.clicked.connect(self._hand_over)
        self.remove_button = QPushButton("Remove her account…")
        self.remove_button.clicked.connect(self._remove)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        for b in (self.find_button, self.hand_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        for edit in (self.agreed_by, self.key_file, self.passphrase):
            edit.textChanged.connect(self._changed)
        self.reason.textChanged.connect(self._changed)
        self.resize(1000, max(740, self.sizeHint().height()))
        self.refresh()

    # -- the checklist ------------------------------------------------------------------------

    def refresh(self) -> None:
        self._run(self.jobs.checklist, self.show_checklist)

    def show_checklist(self, found: leavers.Checklist) -> None:
        chosen = self.chosen()
        self.found = found
        self.table.setRowCount(len(found.items))
        for row, item in enumerate(found.items):
            detail = item.detail  # the command line's next steps are buttons here
            title = (f"{self.labels[item.subject]} ({item.subject[:8]})"
                     if item.subject in self.labels else item.title)
            for col, text in enumerate(("Done" if item.done else "To do", title, detail)):
                self.table.setItem(row, col, QTableWidgetItem(text))
            if chosen is not None and item.subject == chosen:
                self.table.selectRow(row)
        self.table.resizeRowsToContents()
        if found.leaving_on is not None:
            self.last_day.setDate(_qdate(found.leaving_on))
        self._changed()

    def chosen(self) -> str | None:
        """The person chosen in the checklist, if the row is one of her people."""
        rows = self.table.selectionModel().selectedRows()
        if self.found is None or not rows or rows[0].row() >= len(self.found.items):
            return None
        item = self.found.items[rows[0].row()]
        return item.subject or None

    def _reason(self) -> str:
        return " ".join(self.reason.toPlainText().split())

    def _changed(self) -> None:
        found, idle = self.found, not self.busy
        removed = found is not None and found.items[-1].done
        self.mark_button.setVisible(self.jobs.mark is not None)
        self.mark_button.setEnabled(idle and not removed)
        self.remove_button.setVisible(self.jobs.remove is not None)
        self.remove_button.setEnabled(idle and found is not None and not removed)
        key_ready = idle and len(self._reason()) >= MIN_REASON and all(
            e.text().strip() for e in (self.key_file, self.passphrase))
        self.find_button.setEnabled(self.jobs.find is not None and key_ready)
        item = next((i for i in (found.items if found else ())
                     if i.subject and i.subject == self.chosen()), None)
        self.hand_button.setEnabled(
            self.jobs.hand_over is not None and key_ready and item is not None
            and not item.done and self.to.count() > 0 and bool(self.agreed_by.text().strip()))

    def _choose_key(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "The trust recovery key file", "",
                                              "Key files (*.pem *.key);;All files (*)")
        if path:
            self.key_file.setText(path)

    # -- steps --------------------------------------------------------------------------------

    def _then_refresh(self, sentence: str) -> Callable[[Any], None]:
        return then_refresh(self.banner.show_done, self.refresh, sentence)

    def _mark(self) -> None:
        if self.jobs.mark is None:
            return
        mark, day = self.jobs.mark, self.last_day.date().toPython()
        assert isinstance(day, date)
        self._run(lambda: mark(day), self._then_refresh(
            f"{self.account.name} is marked as leaving; her last day is {dates.day(day)}. "
            "Sync to tell the other computers."))

    def _remove(self) -> None:
        if self.jobs.remove is None or self.found is None:
            return
        remove = self.jobs.remove
        left = sum(not i.done for i in self.found.items if i.step == leavers.PERSON)
        warning = (f" {left} of her people are not handed over yet: they will have no peer "
                   "until someone takes them on." if left else "")
        answer = QMessageBox.question(
            self, "Remove from the team",
            f"Remove {self.account.name} from the team? Her computers stop syncing and every "
            f"computer refuses what they write after it. Her records stay.{warning}")
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._run(remove, self._then_refresh(
            f"{self.account.name} was removed from the team. Sync to tell the other "
            "computers."))

    def _io(self, job: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self.busy = True
        self._changed()
        self.banner.show_done("Working: this reads the team share and can take a while.")

        def finished(value: Any) -> None:
            self.busy = False
            self.passphrase.clear()  # asked again for the next step
            done(value)

        def failed(exc: BaseException) -> None:
            self.busy = False
            self.passphrase.clear()
            self._changed()
            if isinstance(exc, PeerDeskError):
                self.banner.show_problem(f"Nothing was opened or moved. {exc}")
            else:
                raise exc

        self._run_io(job, finished, failed)

    def _find(self) -> None:
        if self.jobs.find is None:
            return
        find, key = self.jobs.find, Path(self.key_file.text().strip())
        secret, reason = self.passphrase.text(), self._reason()

        def shown(people: list[leavers.Found]) -> None:
            self.labels = {p.id: p.label for p in people if p.label}
            names = ", ".join(p.label or p.id[:8] for p in people)
            self.banner.show_done(
                f"Found {len(people)} people she registered on the team share: {names}. "
                "Each person record was logged before it was opened." if people else
                "None of her person records on the team share opens with the recovery key.")
            self.refresh()

        self._io(lambda: find(key, secret, reason), shown)

    def _hand_over(self) -> None:
        person = self.chosen()
        if self.jobs.hand_over is None or person is None:
            return
        hand_over, key = self.jobs.hand_over, Path(self.key_file.text().strip())
        to, agreed_by = str(self.to.currentData()), self.agreed_by.text().strip()
        diaries, secret, reason = self.diaries.isChecked(), self.passphrase.text(), self._reason()
        today = dates.today()

        def shown(done: leavers.Handed) -> None:
            self.agreed_by.clear()
            self.diaries.setChecked(False)
            self.banner.show_done(
                f"Handed over to {done.to}: {done.records} records ({done.versions} versions) "
                f"reach {done.to} after your next sync and theirs. It is logged, and she, the "
                "coordinators and the new peer are told.")
            self.refresh()

        self._io(lambda: hand_over(person, to, agreed_by, today, diaries, key, secret, reason),
                 shown)

    def wipe(self) -> None:
        self.found = None
        self.labels = {}
        self.table.setRowCount(0)
        for edit in (self.agreed_by, self.passphrase, self.key_file):
            edit.clear()
        self.reason.clear()
        self.banner.clear()
