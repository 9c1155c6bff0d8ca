"""Small non-modal dialogs: a plan copy for the person, and versions side by side.
Non-modal on purpose: a lock closes them without waiting for anyone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from peerdesk import dates, exports
from peerdesk.catalogue import spec
from peerdesk.domain import Kind, Record
from peerdesk.domain.consent import active as active_consents
from peerdesk.errors import NotAllowed, PeerDeskError
from peerdesk.services import consent, copies, papers
from ui import copy_places, plan_document
from ui.widgets.banner import MessageBanner
from ui.widgets.common import field_label, heading, muted
from ui.widgets.leaving import Check, LeaveGuard, widget_texts
from ui.widgets.versions import version_html


class LockableDialog(QDialog):
    def wipe(self) -> None:
        """Overridden by dialogs that show record text."""


class GuardedWindow(LockableDialog):
    """A window others can see (group supervision's presentation, writing a plan together):
    leaving it, by its button, Escape or the close button, needs the signed-in user's
    passphrase. Locking closes it without asking."""

    left = Signal()

    def add_guard(self, check: Check, *, label: str, refused: str) -> LeaveGuard:
        self._may_close = False
        self.guard = LeaveGuard(check, self._leave, label=label, refused=refused)
        # The guard's parts, by the names the tests and the keyboard path know.
        self.unlock_row, self.passphrase = self.guard.unlock_row, self.guard.passphrase
        self.confirm, self.refusal = self.guard.confirm, self.guard.refusal
        return self.guard

    def _leave(self) -> None:
        self._may_close = True
        self.left.emit()
        self.accept()

    def done(self, result: int) -> None:  # Escape and the close button land here
        if self._may_close:
            super().done(result)
        else:
            self.guard.ask()

    def close_wiped(self) -> None:
        """After a wipe: close without the passphrase (the session is locking)."""
        self._may_close = True
        self.reject()

    def texts(self) -> list[str]:
        return widget_texts(self)


# (format, recipient or None, how) -> the copy, checked and audited by the core
Papers = Callable[[str, str | None, str], papers.Made]
Runner = Callable[[Callable[[], Any], Callable[[Any], None]], None]


def offered_formats(kind: Kind, *, with_desk: bool) -> list[str]:
    """A plan's copies, and (where the desk can read what they need) the person's papers;
    from a person's own record, their papers only."""
    papers_only = [f for f in papers.FORMATS if f not in papers.PLAN_FORMATS]
    if kind is Kind.PERSON:
        return papers_only if with_desk else []
    extra = [f for f in papers_only if f != "crisis-card" or kind is Kind.CRISIS_PLAN]
    return [*papers.PLAN_FORMATS, *(extra if with_desk else [])]


class PlanCopyDialog(LockableDialog):
    """Copies for the person: which copy (standard, large print, Easy Read, crisis card, what
    to expect, the ending letter), for whom (the person, or someone on the consent ledger),
    printed or saved where they choose. PeerDesk keeps no copy of its own."""

    exported = Signal(str)  # how: "pdf", "pdf; easy-read", "print"…; for the audit trail

    def __init__(self, record: Record, *, person: str, default_dir: Path | None,
                 papers_for: Papers | None = None, run: Runner | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("PeerDesk — a copy for the person")
        self.setModal(False)
        self.record: Record | None = record
        self.person = person
        self.papers_for, self.run = papers_for, run
        self.folder = copy_places.suggested_folder(default_dir)
        self.saved: Path | None = None
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("A copy for the person"))
        layout.addWidget(muted(
            "A copy is not encrypted. Print it, or save it straight to the person's own memory "
            "stick or device. PeerDesk keeps no copy; a file saved on this computer stays "
            "until someone deletes it."))
        self.banner = MessageBanner()
        layout.addWidget(self.banner)
        self.format = QComboBox()
        for fmt in offered_formats(record.kind, with_desk=papers_for is not None):
            self.format.addItem(papers.FORMATS[fmt], fmt)
        layout.addWidget(field_label("Which copy?", self.format,
                                     description="Easy Read has short sentences, large type "
                                                 "and pictures, with the person's own words"))
        layout.addWidget(self.format)
        # Who the copy is for: the person, or someone on the plan's consent ledger today.
        self.recipient = QComboBox()
        self.recipient.addItem("The person (their own copy, the whole plan)", None)
        for c in active_consents(record.fields, dates.today()):
            self.recipient.addItem(f"{c.recipient} ({consent.role_label(c.role)})", c.id)
        layout.addWidget(field_label("Who is this copy for?", self.recipient,
                                     description="Only people the person agreed can see it"))
        layout.addWidget(self.recipient)
        self.path = QLineEdit()
        self.path.setPlaceholderText("Plug in the person's memory stick, or choose where…")
        layout.addWidget(field_label("Save the PDF as", self.path,
                                     description="Named after the plan, the person and today"))
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        browse = QPushButton("Choose where…")
        browse.clicked.connect(self._browse)
        row.addWidget(browse)
        layout.addLayout(row)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save PDF")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self._save_clicked)
        self.print_button = QPushButton("Print…")
        self.print_button.clicked.connect(self._print)
        self.remove_button = QPushButton("Delete the saved file from this computer")
        self.remove_button.setAccessibleDescription(
            "Deletes it for good, without the Recycle Bin, once the person has their copy")
        self.remove_button.clicked.connect(self.remove_saved)
        self.remove_button.hide()
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        for b in (self.save_button, self.print_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.format.currentIndexChanged.connect(self._choice_changed)
        self.recipient.currentIndexChanged.connect(self._choice_changed)
        self._choice_changed()

    # -- choices --------------------------------------------------------------------------

    def fmt(self) -> str:
        return str(self.format.currentData())

    def _choice_changed(self) -> None:
        for_plan = self.fmt() in papers.PLAN_FORMATS
        if not for_plan:
            self.recipient.setCurrentIndex(0)  # the person's own papers
        self.recipient.setEnabled(for_plan)
        self.path.setText(str(self.folder / self._file_name()) if self.folder else "")

    def _file_name(self) -> str:
        assert self.record is not None
        title = (spec(self.record.kind).title if self.fmt() in papers.PLAN_FORMATS[:2]
                 else papers.FORMATS[self.fmt()] if self.fmt() != "easy-read"
                 else f"{spec(self.record.kind).title} (Easy Read)")
        who = self.person if self.recipient.currentData() is None else self.recipient.currentText()
        return exports.file_name(title, who, on=dates.today(), suffix="pdf")

    def _browse(self) -> None:
        start = self.path.text() or self._file_name()
        dialog = QFileDialog(self, "Save the copy as", start, "PDF (*.pdf)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("pdf")
        dialog.fileSelected.connect(self.path.setText)
        dialog.open()

    # -- making the copy ----------------------------------------------------------------

    def _how(self, medium: str) -> str:
        return medium if self.fmt() == "standard" else f"{medium}; {self.fmt()}"

    def _local(self, medium: str) -> papers.Made | None:
        """A plan copy made here from the plan already open: the consent check the command
        line makes too; a refusal is shown, not written. The desk page audits it."""
        if self.record is None:
            return None
        try:
            copy = consent.copy_for(self.record, self.recipient.currentData(), on=dates.today())
        except NotAllowed as exc:
            self.banner.show_problem(str(exc))
            return None
        name = self.person if copy.for_the_person else ""
        doc = (copies.easy_read_document(copy, person=name) if self.fmt() == "easy-read" else
               copies.plan_document(copy, person=name, large_print=self.fmt() == "large-print"))
        self.exported.emit(consent.export_detail(copy, self._how(medium)))
        return papers.Made(doc, self.fmt(), "", name, copy.recipient, copy)

    def _make(self, medium: str, then: Callable[[papers.Made], None],
              work: Callable[[papers.Made], object] | None = None) -> None:
        """``medium`` is "pdf" or "print"; the audit entry adds which copy it was. ``work``
        (drawing and writing the PDF) runs with the making, off the UI thread in the app;
        a failure in either is shown by the runner, and ``then`` is not called."""
        if self.papers_for is None or self.run is None:
            made = self._local(medium)
            if made is not None:
                try:
                    if work is not None:
                        work(made)
                except PeerDeskError as exc:
                    self.banner.show_problem(str(exc))
                    return
                then(made)
            return
        fmt, recipient, make = self.fmt(), self.recipient.currentData(), self.papers_for

        def job() -> papers.Made:
            made = make(fmt, recipient, medium)
            if work is not None:
                work(made)
            return made

        self.run(job, then)

    def _save_clicked(self) -> None:
        if not self.path.text().strip():
            self._browse()
            return
        self.save_pdf()

    def save_pdf(self) -> Path | None:
        """Writes the chosen copy; in the app the copy is made off the UI thread, so the file
        appears a moment later (and None is returned)."""
        path = Path(self.path.text().strip()).expanduser()
        done: list[Path] = []

        def written(_made: papers.Made) -> None:
            self.saved = path
            done.append(path)
            here = not copy_places.on_removable(path)
            self.remove_button.setVisible(here)
            self.banner.show_done(
                f"Saved {path.name} in {path.parent}."
                + (" Once the person has it, delete it from this computer with the button "
                   "below (or select the file and press Shift+Delete, so it skips the Recycle "
                   "Bin)." if here else ""))

        self._make("pdf", written, lambda made: exports.write_pdf(path, made.doc))
        return done[0] if done else None

    def remove_saved(self) -> None:
        if self.saved is None:
            return
        try:
            self.saved.unlink(missing_ok=True)
        except OSError as exc:
            self.banner.show_problem(f"{self.saved.name} could not be deleted: {exc.strerror}.")
            return
        self.banner.show_done(f"Deleted {self.saved.name} from this computer.")
        self.saved = None
        self.remove_button.hide()

    def _print(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)

        def go() -> None:
            def print_it(made: papers.Made) -> None:
                doc = made.doc
                if isinstance(doc, exports.Card):
                    self.banner.show_info("For the folded wallet card, save the PDF and print "
                                          "it at actual size; this prints its words on a page.")
                    doc = doc.as_document()
                plan_document.print_document(printer, doc)

            self._make("print", print_it)

        dialog.accepted.connect(go)
        dialog.show()

    def wipe(self) -> None:
        self.record = None
        self.person = ""


class VersionsDialog(LockableDialog):
    def __init__(self, history: Sequence[Record], *, parent: QWidget | None = None,
                 on_restore: Callable[[Record], None] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("PeerDesk — versions")
        self.setModal(False)
        self.resize(1100, 700)
        self.history = list(history)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Versions, side by side"))
        layout.addWidget(muted("Every save is kept. Parts that differ between the two versions "
                               "are marked [changed] and highlighted."))
        pick = QHBoxLayout()
        self.left_box, self.right_box = QComboBox(), QComboBox()
        for box in (self.left_box, self.right_box):
            for r in self.history:
                box.addItem(f"Version {r.version} ({dates.short_moment(r.saved_at)})", r.version)
        self.left_box.setCurrentIndex(max(0, len(self.history) - 2))
        self.right_box.setCurrentIndex(len(self.history) - 1)
        pick.addWidget(field_label("Left", self.left_box))
        pick.addWidget(self.left_box, 1)
        pick.addWidget(field_label("Right", self.right_box))
        pick.addWidget(self.right_box, 1)
        layout.addLayout(pick)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.left, self.right = QTextBrowser(), QTextBrowser()
        self.left.setAccessibleName("Left version")
        self.right.setAccessibleName("Right version")
        split.addWidget(self.left)
        split.addWidget(self.right)
        layout.addWidget(split, 1)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        self.left_box.currentIndexChanged.connect(self.refresh)
        self.right_box.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        if not self.history:
            return
        a = self.history[self.left_box.currentIndex()]
        b = self.history[self.right_box.currentIndex()]
        self.left.setHtml(version_html(a, b))
        self.right.setHtml(version_html(b, a))

    def wipe(self) -> None:
        self.history = []
        self.left.clear()
        self.right.clear()
        self.left_box.clear()
        self.right_box.clear()
