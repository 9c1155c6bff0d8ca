"""Recovery from the team share, for someone who holds the information governance (IG) duty:
the care records a lost or leaver's computer sent to the share, or everything the team holds
about one person (a subject access request), opened with the trust recovery key file, its
passphrase and a written reason (peerdesk.services.igrecovery). The page is in the desk's
sections only when her signed certificate carries the duty; the service checks it again.

The work runs on the I/O lane (the share, the key file's passphrase), its database steps on
the database lane. The worker never calls into Qt: it leaves how far it is in a plain holder,
which a timer on the UI thread reads into the progress bar."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from peerdesk.domain import Record
from peerdesk.errors import Cancelled, PeerDeskError
from peerdesk.progress import Progress
from peerdesk.services.governance import MIN_REASON
from peerdesk.services.igrecovery import Computer
from ui.errors import show_error
from ui.widgets.common import PassphraseEdit, field_label, heading, long_text, muted, state_label
from ui.widgets.versions import version_html

# (device or person id, key file, passphrase, reason, progress) -> records opened
OpenDevice = Callable[[str, Path, str, str, Progress], list[Record]]
# (person id, key file, passphrase, reason, folder, progress) -> (records, versions, files)
TeamSar = Callable[[str, Path, str, str, Path, Progress], tuple[int, int, list[Path]]]
RunIo = Callable[[Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None]],
                 None]
DEVICE, PERSON = "device", "person"


@dataclass
class _Progress:
    """How far the job is: written by the worker, read by the UI thread's timer."""

    done: int = 0
    total: int = 0
    text: str = ""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def __call__(self, done: int, total: int, text: str) -> None:
        with self._lock:
            self.done, self.total, self.text = done, total, text

    def read(self) -> tuple[int, int, str]:
        with self._lock:
            return self.done, self.total, self.text


class RecoveryPage(QWidget):
    open_requested = Signal(object)  # pages share the desk's signals; this one opens nothing

    def __init__(self, *, open_device: OpenDevice, team_sar: TeamSar, run_io: RunIo,
                 names: Callable[[], dict[str, str]], out_dir: Callable[[], Path],
                 computers: Callable[[], list[Computer]] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._open_device, self._team_sar, self._run_io, self._names = (
            open_device, team_sar, run_io, names)
        self._out_dir, self._computers = out_dir, computers
        self._progress: _Progress | None = None
        self.busy = self._finding = False
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Recovery from the team share"))
        layout.addWidget(muted(
            "Your account holds the information governance duty. With the trust recovery key "
            "file, its passphrase and a written reason you can open the care records a lost or "
            "a leaver's computer sent to the team share, or gather everything the team holds "
            "about one person for a subject access request. Each record is logged before it is "
            "opened, and its author and the coordinators are told, with your reason, at your "
            "next sync."))

        choice = QHBoxLayout()
        self.mode = QButtonGroup(self)
        self.device_choice = QRadioButton("Records a computer sent (lost, or a leaver's)")
        self.person_choice = QRadioButton("Everything about one person (subject access)")
        for i, button in enumerate((self.device_choice, self.person_choice)):
            self.mode.addButton(button, i)
            choice.addWidget(button)
        choice.addStretch(1)
        self.device_choice.setChecked(True)
        layout.addLayout(choice)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        found_row = QHBoxLayout()
        self.computers = QComboBox()
        self.computers.addItem("Press Find them to list the team's computers", "")
        self.computers.currentIndexChanged.connect(self._computer_chosen)
        self.find_button = QPushButton("Find them")
        self.find_button.setAccessibleName("Find the computers on the team share")
        self.find_button.setAccessibleDescription(
            "Lists every computer that sent anything to the team share, with who synced from "
            "it; nothing is opened")
        self.find_button.clicked.connect(self._find)
        found_row.addWidget(self.computers, 1)
        found_row.addWidget(self.find_button)
        self.computers_label = field_label("Which computer", self.computers,
                                           description="The computers on the team share")
        form.addRow(self.computers_label, found_row)
        self.target = QLineEdit()
        self.target_label = field_label("Computer's id", self.target)
        form.addRow(self.target_label, self.target)
        key_row = QHBoxLayout()
        self.key_file = QLineEdit()
        self.key_file.setPlaceholderText("trust-recovery.pem")
        self.choose_key = QPushButton("Choose…")
        self.choose_key.setAccessibleName("Choose the recovery key file")
        self.choose_key.clicked.connect(self._choose_key)
        key_row.addWidget(self.key_file, 1)
        key_row.addWidget(self.choose_key)
        form.addRow(field_label("Recovery key file", self.key_file,
                                description="The file IG keeps offline"), key_row)
        self.passphrase = PassphraseEdit()
        form.addRow(field_label("Its passphrase", self.passphrase), self.passphrase)
        self.reason = long_text()
        self.reason.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 16)
        form.addRow(field_label(
            "Why you need them", self.reason,
            description="Shown to their author and to the Caldicott Guardian"), self.reason)
        layout.addLayout(form)
        self.reason_hint = muted("")
        layout.addWidget(self.reason_hint)

        row = QHBoxLayout()
        self.go = QPushButton()
        self.go.clicked.connect(self._start)
        row.addWidget(self.go)
        self.progress_bar = QProgressBar()
        self.progress_bar.setAccessibleName("Recovery under way")
        self.progress_bar.hide()
        row.addWidget(self.progress_bar, 3)
        row.addStretch(1)
        layout.addLayout(row)
        self.status = state_label("Recovery", role=None)
        layout.addWidget(self.status)
        self.result = QTextBrowser()
        self.result.setAccessibleName("Records opened")
        self.result.setOpenLinks(False)
        self.result.hide()
        layout.addWidget(self.result, 1)
        layout.addStretch(0)  # the form stays together while nothing is shown below it

        self._timer = QTimer(self, interval=150)
        self._timer.timeout.connect(self._show_progress)
        self.mode.idToggled.connect(lambda _i, _on: self._changed())
        for edit in (self.target, self.key_file, self.passphrase):
            edit.textChanged.connect(self._changed)
        self.reason.textChanged.connect(self._changed)
        self._changed()

    # -- the form ---------------------------------------------------------------------------

    @property
    def what(self) -> str:
        return DEVICE if self.device_choice.isChecked() else PERSON

    def _reason_text(self) -> str:
        return " ".join(self.reason.toPlainText().split())

    def _changed(self) -> None:
        device = self.what == DEVICE
        for w in (self.computers_label, self.computers, self.find_button):
            w.setVisible(device and self._computers is not None)
        self.target_label.setText("Computer's id" if device else "Person's id")
        self.target.setAccessibleName(self.target_label.text())
        self.target.setAccessibleDescription(
            "Its folder name under devices on the team share" if device else
            "The id on the person's record, or in the subject access request")
        self.go.setText("Open with the recovery key" if device else "Make the bundle")
        short = MIN_REASON - len(self._reason_text())
        self.reason_hint.setText(
            f"Write at least {short} more characters of reason." if short > 0 else "")
        # Not switched off while a job runs (a press then does nothing): a button switched off
        # under the keyboard's focus would send the focus elsewhere.
        self.go.setEnabled(short <= 0 and all(
            e.text().strip() for e in (self.target, self.key_file, self.passphrase)))

    def _find(self) -> None:
        if self._computers is None or self.busy or self._finding:
            return
        computers = self._computers
        self._finding = True
        self.status.say("Looking for the team's computers on the share…")

        def found(listed: list[Computer]) -> None:
            self._finding = False
            self.computers.blockSignals(True)
            self.computers.clear()
            self.computers.addItem(("Choose the computer" if len(listed) == 1 else
                                    f"Choose one of {len(listed)} computers") if listed else
                                   "No computer has sent anything to the team share yet", "")
            for c in listed:
                self.computers.addItem(
                    f"{', '.join(c.authors)}: computer {c.device_id[:8]} ({c.files} "
                    f"{'file' if c.files == 1 else 'files'} on the share)",
                    c.device_id)
            self.computers.blockSignals(False)
            many = "computer" if len(listed) == 1 else "computers"
            self.status.say(f"Found {len(listed)} {many} on the team share. Choose the one "
                            "that is lost or was a leaver's." if listed else
                            "No computer has sent anything to the team share yet.")

        def failed(exc: BaseException) -> None:
            self._finding = False
            self._failed(exc)

        self._run_io(computers, found, failed)

    def _computer_chosen(self, _index: int) -> None:
        chosen = self.computers.currentData()
        if chosen:
            self.target.setText(str(chosen))

    def _choose_key(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "The trust recovery key file", "",
                                              "Key files (*.pem *.key);;All files (*)")
        if path:
            self.key_file.setText(path)

    # -- the job ----------------------------------------------------------------------------

    def _start(self) -> None:
        if self.busy or not self.go.isEnabled():
            return
        target, key = self.target.text().strip(), Path(self.key_file.text().strip())
        secret, reason, what = self.passphrase.text(), self._reason_text(), self.what
        progress = self._progress = _Progress()
        self.busy = True
        self._changed()
        self.result.clear()
        self.result.hide()
        self.status.say("Working: this reads the team share and can take a while.")
        self.progress_bar.setRange(0, 0)
        self.progress_bar.show()
        self._timer.start()
        if what == DEVICE:
            self._run_io(lambda: self._open_device(target, key, secret, reason, progress),
                         self._opened, self._failed)
        else:
            out = self._out_dir()
            self._run_io(lambda: self._team_sar(target, key, secret, reason, out, progress),
                         self._bundled, self._failed)

    def _show_progress(self) -> None:
        if self._progress is None:
            return
        done, total, text = self._progress.read()
        if total:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(done)
        if text:
            self.progress_bar.setFormat(f"{text} (%v of %m)" if total else text)
            self.progress_bar.setAccessibleDescription(text)

    def _finish(self) -> None:
        self.busy = False
        self._timer.stop()
        self._progress = None
        self.progress_bar.hide()
        self.passphrase.clear()  # asked again for the next opening
        self._changed()

    def _opened(self, records: Sequence[Record]) -> None:
        self._finish()
        names = self._names()
        many = "record" if len(records) == 1 else "records"
        self.status.say(
            f"Opened {len(records)} {many} that computer sent to the team share. Each was "
            "logged before it was opened; their author and the coordinators are told, with "
            "your reason, at your next sync.")
        parts = []
        for r in records:
            author = names.get(r.author_id, "someone no longer on this computer")
            parts.append(f"<h2>{escape(r.kind.label)} by {escape(author)}</h2>"
                         + version_html(r, None, title="Newest version on the team share"))
        self.result.setHtml("".join(parts))
        self.result.show()

    def _bundled(self, made: tuple[int, int, list[Path]]) -> None:
        self._finish()
        records, versions, paths = made
        folder = paths[0].parent if paths else ""
        self.status.say(
            f"Saved {records} records ({versions} versions) about this person from the whole "
            f"team in {folder} (PDF, web page and JSON). It is not encrypted: check it "
            "(serious-harm test, third parties), hand it over, then remove it from this "
            "computer.")

    def _failed(self, exc: BaseException) -> None:
        self._finish()
        if isinstance(exc, Cancelled):
            self.status.clear()
        elif isinstance(exc, PeerDeskError):
            self.status.say(f"Nothing was opened. {exc}", urgent=True)
        else:
            self.status.clear()
            show_error(self, exc)

    def wipe(self) -> None:
        """At lock: what was opened, the passphrase and the reason leave the screen."""
        self._timer.stop()
        self._progress = None
        for edit in (self.target, self.passphrase):
            edit.clear()
        self.computers.clear()
        self.reason.clear()
        self.result.clear()
        self.result.hide()
        self.status.clear()
