"""The team share on the desk: a status line, "Sync now", background sync, and conflicts.

Share I/O never runs on the UI thread, nor on the database lane. Whether the share answers is
a task on the I/O lane with a timeout (an SMB path or a dead mapped drive can hang for
minutes); only then does the sync run, on the I/O lane too, handing its database steps to the
database lane and reporting progress by signal (ui/tasks.py).
"""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from peerdesk import dates
from peerdesk.clock import utcnow
from peerdesk.domain import Record
from peerdesk.errors import (
    AccessProblem,
    Cancelled,
    EnvironmentProblem,
    InvalidInput,
    PeerDeskError,
)
from peerdesk.progress import CancelToken
from peerdesk.services import Desk, sync
from ui.tasks import TaskRunner
from ui.widgets.common import state_label
from ui.widgets.versions import version_html

log = logging.getLogger(__name__)

BACKGROUND_MS = 5 * 60_000  # poll the share, as KeePassXC does, rather than trust SMB notifications
STATUS_MS = 30_000
REACH_TIMEOUT_S = 5.0
REACH_WAIT_S = REACH_TIMEOUT_S + 2  # a probe that hangs past this is as good as not there


class SyncBar(QWidget):
    synced = Signal(object)  # a SyncReport, after something arrived: the desk reloads
    message = Signal(str)  # problems worth a banner (set-aside files, rollbacks)
    _progressed = Signal(int, int, str)

    def __init__(self, desk: Desk, *, runner: TaskRunner, location: str | None = None,
                 background_ms: int = BACKGROUND_MS, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.desk = desk
        self.location = location or None
        self._running = False
        self._attempt = 0
        self._token: CancelToken | None = None
        self._asked = False  # "Sync now" was pressed: its outcome is announced
        self._heard: tuple[str, int] | None = None  # the state last shown (or announced)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = state_label("Sync status", "Checking the team share…", role=None)
        self.label.setWordWrap(True)  # on a narrow window, a second line rather than cut off
        # The label takes the free width itself: beside a stretch, a wrapping label is given
        # its narrowest width and broke "Synced 2 min ago — 1 change waiting" in two.
        layout.addWidget(self.label, 1)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(140)
        self.progress.setAccessibleName("Sync progress")
        self.progress.hide()
        layout.addWidget(self.progress)
        self.sync_button = QPushButton("Sync now")
        self.sync_button.setAccessibleDescription("Send and receive changes through the team share")
        self.sync_button.clicked.connect(self._sync_by_hand)
        layout.addWidget(self.sync_button)
        self.conflicts_button = QPushButton("Conflicts")
        self.conflicts_button.setAccessibleDescription(
            "Records saved differently on two of your computers: choose or merge")
        self.conflicts_button.clicked.connect(self.open_conflicts)
        self.conflicts_button.hide()
        layout.addWidget(self.conflicts_button)

        self._progressed.connect(self._show_progress)
        self.background = QTimer(self, interval=background_ms)
        self.background.timeout.connect(self.sync_now)
        self.status_timer = QTimer(self, interval=STATUS_MS)
        self.status_timer.timeout.connect(self.refresh_status)
        self.background.start()
        self.status_timer.start()
        self.refresh_status()
        # The first sync, once the desk is on screen (a member timer: it dies with the widget).
        self.first_sync = QTimer(self, singleShot=True, interval=1500)
        self.first_sync.timeout.connect(self.sync_now)
        self.first_sync.start()

    # -- status ---------------------------------------------------------------------------

    def _live_desk(self) -> Desk | None:
        desk = self.desk
        return None if desk is None or desk.locked else desk

    def refresh_status(self) -> None:
        desk = self._live_desk()
        if desk is None or self._running:
            return

        def job() -> tuple[str, str, int]:
            status = sync.sync_status(desk.vault, desk.user.id)
            return status.state, status.text(utcnow()), sync.conflict_count(desk)

        self.runner.db.start(job, on_success=self._show_status, on_error=self._quiet)

    def _show_status(self, result: tuple[str, str, int]) -> None:
        if not shiboken6.isValid(self.conflicts_button):
            return  # the window closed while the status was being read
        state, text, conflicts = result
        self.conflicts_button.setText(f"Conflicts ({conflicts})")
        self.conflicts_button.setVisible(conflicts > 0)
        self._tell(state, text, conflicts)

    def _tell(self, state: str, text: str, conflicts: int = 0) -> None:
        """Show the status; announce it when the person asked for this sync, or when the
        state changed (went offline, failed, came back, a conflict arrived). The minutes
        ticking on ("Synced 3 min ago") stay on the line, unannounced."""
        heard = ("offline" if state == "unreachable" else state, conflicts)
        if self._asked or (self._heard is not None and heard != self._heard):
            self.label.say(text + (f". Conflicts to resolve: {conflicts}" if conflicts else ""))
        else:
            self.label.setText(text)
        self._heard, self._asked = heard, False

    def _quiet(self, exc: BaseException) -> None:
        """Background work never opens a dialog: a calm line here, details in the log."""
        if isinstance(exc, (AccessProblem, Cancelled)) or self._live_desk() is None:
            return  # locked meanwhile: nothing to say
        if isinstance(exc, PeerDeskError):
            self._tell("failed", f"Sync failed — {exc}")
        else:
            log.error("Sync status failed", exc_info=exc)
            self._tell("failed", "Sync failed — PeerDesk will try again later")

    # -- syncing --------------------------------------------------------------------------

    def _sync_by_hand(self) -> None:
        if self._live_desk() is not None and not self._running:
            self._asked = True
            self.sync_now()

    def sync_now(self) -> None:
        desk = self._live_desk()
        if desk is None or self._running:
            return
        self._running = True
        self._attempt += 1
        attempt = self._attempt
        self.sync_button.setEnabled(False)
        self.label.setText("Looking for the team share…")
        location = self.location
        self.runner.db.start(lambda: sync.share_location(desk.vault, location),
                             on_success=lambda where: self._start_probe(where, attempt),
                             on_error=self._no_location)

    def _start_probe(self, location: str, attempt: int) -> None:
        # On the I/O lane, given up on after a while: a share that hangs holds one I/O
        # thread, never the database lane that saving and reading need.
        self.runner.io.start(lambda: sync.probe(location, timeout=REACH_TIMEOUT_S),
                             timeout=REACH_WAIT_S,
                             on_success=lambda _answered: self._after_reach(True, attempt),
                             on_error=lambda _exc: self._after_reach(False, attempt))

    def _no_location(self, exc: BaseException) -> None:
        self._finish()
        if isinstance(exc, InvalidInput):
            self.refresh_status()  # no share set up: the status line says so
        else:
            self._quiet(exc)

    def _after_reach(self, answered: bool, attempt: int) -> None:
        desk = self._live_desk()
        if attempt != self._attempt or desk is None:
            self._finish()
            return
        if not answered:  # an error, or no answer in time: as good as not there
            self._finish()
            self.runner.db.start(lambda: sync.sync_status(desk.vault, desk.user.id).waiting,
                                 on_success=self._unreachable, on_error=self._quiet)
            return
        self.label.setText("Syncing…")
        self.progress.setRange(0, 0)
        self.progress.show()
        token = self._token = CancelToken()
        location, lanes = self.location, self.runner.lanes

        def progress(done: int, total: int, text: str) -> None:
            with suppress(RuntimeError):  # the window closed mid-sync; the sync goes on
                self._progressed.emit(done, total, text)

        def job() -> sync.SyncReport:
            return sync.run_sync(desk, location=location, lanes=lanes, progress=progress,
                                 cancel=token)

        self.runner.io.start(job, on_success=self._synced, on_error=self._failed, token=token)

    def _unreachable(self, waiting: int) -> None:
        self._tell("offline", f"Offline — {waiting} {'change' if waiting == 1 else 'changes'} "
                   "waiting" if waiting else "Share not reachable")

    @Slot(int, int, str)
    def _show_progress(self, done: int, total: int, text: str) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        self.label.setText(text + "…")

    def _synced(self, report: sync.SyncReport) -> None:
        self._finish()
        if report.problems or report.new_fingerprint:
            self.message.emit("\n".join(report.summary().splitlines()[1:]))
        if report.pulled or report.changed:
            self.synced.emit(report)
        self.refresh_status()

    def _failed(self, exc: BaseException) -> None:
        self._finish()
        if isinstance(exc, EnvironmentProblem):
            # Offline, read-only, full: calm, and retried at the next turn of the timer.
            self.refresh_status()
            return
        self._quiet(exc)
        self.refresh_status()

    def _finish(self) -> None:
        self._running = False
        self._token = None
        self.progress.hide()
        self.sync_button.setEnabled(True)

    def stop(self) -> None:
        """On lock: no more background work for this desk."""
        self.background.stop()
        self.status_timer.stop()
        if self._token is not None:
            self._token.cancel()
        self.desk = None  # type: ignore[assignment]

    # -- conflicts ------------------------------------------------------------------------

    def open_conflicts(self) -> None:
        desk = self._live_desk()
        if desk is None:
            return
        self.runner.db.start(lambda: sync.conflicts(desk), on_success=self._show_conflicts,
                             on_error=self._quiet)

    def _show_conflicts(self, found: list[sync.Conflict]) -> None:
        desk = self._live_desk()
        if desk is None:
            return
        dialog = ConflictsDialog(found, parent=self)
        dialog.resolved.connect(self._resolve)
        dialog.open()

    def _resolve(self, record_id: str, fields: object) -> None:
        desk = self._live_desk()
        if desk is None:
            return
        chosen = fields if isinstance(fields, dict) else None
        self.runner.db.start(lambda: sync.resolve_conflict(desk, record_id, chosen),
                             on_success=lambda _: self._resolved(), on_error=self._quiet)

    def _resolved(self) -> None:
        self.refresh_status()
        self.synced.emit(None)


class ConflictsDialog(QDialog):
    """Each record saved differently on two computers; every version side by side, and a
    choice: keep one, keep both texts (merged, to edit later), or delete."""

    resolved = Signal(str, object)  # record id, fields (a dict) or None for "delete"

    def __init__(self, conflicts: list[sync.Conflict], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Conflicts")
        self.setAccessibleName("Conflicts to resolve")
        self.conflicts = conflicts
        layout = QVBoxLayout(self)
        intro = QLabel("These records were changed on two of your computers before they could "
                       "sync. Nothing has been lost: choose which version to keep, or keep both "
                       "texts.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        split = QSplitter()
        self.list = QListWidget()
        self.list.setAccessibleName("Records in conflict")
        self.list.setWordWrap(True)
        self.list.setMinimumWidth(200)
        for c in conflicts:
            first = c.versions[0] if c.versions else None
            when = f" · {dates.short_moment(first.saved_at)}" if first else ""
            self.list.addItem(f"{c.kind.label}{when}")
        split.addWidget(self.list)
        self.versions = QWidget()
        self.versions_layout = QHBoxLayout(self.versions)
        split.addWidget(self.versions)
        split.setStretchFactor(1, 1)
        layout.addWidget(split, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.list.currentRowChanged.connect(self._show)
        self.resize(900, 560)
        if conflicts:
            self.list.setCurrentRow(0)
        else:
            self.versions_layout.addWidget(QLabel("There are no conflicts."))

    def _clear(self) -> None:
        while self.versions_layout.count():
            item = self.versions_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()

    def _show(self, row: int) -> None:
        self._clear()
        if not 0 <= row < len(self.conflicts):
            return
        conflict = self.conflicts[row]
        for index, version in enumerate(conflict.versions):
            box = QWidget()
            column = QVBoxLayout(box)
            column.addWidget(QLabel("Shown now" if index == 0 else "The other version"))
            # Differences are marked against the version shown next to it.
            other = conflict.versions[1 if index == 0 else 0] if len(conflict.versions) > 1 \
                else None
            text = QTextBrowser()
            text.setHtml(version_html(version, other))
            text.setAccessibleName(f"Version saved {dates.moment(version.saved_at)}")
            column.addWidget(text, 1)
            keep = QPushButton("Delete the record" if version.deleted else "Keep this version")
            keep.clicked.connect(self._choose(conflict, version))
            column.addWidget(keep)
            self.versions_layout.addWidget(box, 1)
        if sum(not v.deleted for v in conflict.versions) > 1:
            both = QPushButton("Keep both texts")
            both.setAccessibleDescription("Puts the other version's text below this one's, "
                                          "marked, for you to tidy in the editor")
            both.clicked.connect(lambda: self._done(conflict.record_id,
                                                    sync.merged_fields(conflict)))
            self.versions_layout.addWidget(both, 0, Qt.AlignmentFlag.AlignBottom)

    def _choose(self, conflict: sync.Conflict, version: Record) -> Any:
        return lambda: self._done(conflict.record_id,
                                  None if version.deleted else dict(version.fields))

    def _done(self, record_id: str, fields: dict[str, Any] | None) -> None:
        self.resolved.emit(record_id, fields)
        row = self.list.currentRow()
        self.conflicts.pop(row)
        self.list.takeItem(row)
        if not self.conflicts:
            self.accept()
