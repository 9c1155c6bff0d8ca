"""Small non-modal dialogs: a plan copy for the person, and versions side by side.
Non-modal on purpose: a lock closes them without waiting for anyone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
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

from peerdesk import dates
from peerdesk.catalogue import spec
from peerdesk.domain import Record
from peerdesk.domain.consent import active as active_consents
from peerdesk.errors import NotAllowed
from peerdesk.services import consent
from ui import plan_document
from ui.widgets.banner import MessageBanner
from ui.widgets.common import field_label, heading, muted
from ui.widgets.versions import version_html


class LockableDialog(QDialog):
    def wipe(self) -> None:
        """Overridden by dialogs that show record text."""


class PlanCopyDialog(LockableDialog):
    """A copy for the person: PDF to a place they choose, or print; large print if wanted."""

    exported = Signal(str)  # how: "pdf", "pdf, large print", "print"…; for the audit trail

    def __init__(self, record: Record, *, person: str, default_dir: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("PeerDesk — a copy for the person")
        self.setModal(False)
        self.record: Record | None = record
        self.person = person
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("A copy for the person"))
        layout.addWidget(muted(
            "The copy is not encrypted. Save it straight to the person's own device or memory "
            "stick, or print it, and don't leave it on this computer."))
        self.banner = MessageBanner()
        layout.addWidget(self.banner)
        # Who the copy is for: the person, or someone on the plan's consent ledger today.
        self.recipient = QComboBox()
        self.recipient.addItem("The person (their own copy, the whole plan)", None)
        for c in active_consents(record.fields, dates.today()):
            self.recipient.addItem(f"{c.recipient} ({consent.role_label(c.role)})", c.id)
        layout.addWidget(field_label("Who is this copy for?", self.recipient,
                                     description="Only people the person agreed can see it"))
        layout.addWidget(self.recipient)
        self.large = QCheckBox("Large print")
        self.large.setAccessibleDescription("Bigger text and headings, for easier reading")
        layout.addWidget(self.large)
        self.path = QLineEdit(str(default_dir / f"{spec(record.kind).title}.pdf"))
        layout.addWidget(field_label("Save the PDF as", self.path))
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        browse = QPushButton("Choose where…")
        browse.clicked.connect(self._browse)
        row.addWidget(browse)
        layout.addLayout(row)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save PDF")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save_pdf)
        self.print_button = QPushButton("Print…")
        self.print_button.clicked.connect(self._print)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        for b in (self.save_button, self.print_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)

    def _browse(self) -> None:
        dialog = QFileDialog(self, "Save the plan as", self.path.text(), "PDF (*.pdf)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("pdf")
        dialog.fileSelected.connect(self.path.setText)
        dialog.open()

    def _copy(self) -> consent.PlanCopy | None:
        """The consent check the command line makes too; a refusal is shown, not written."""
        if self.record is None:
            return None
        try:
            return consent.copy_for(self.record, self.recipient.currentData(), on=dates.today())
        except NotAllowed as exc:
            self.banner.show_problem(str(exc))
            return None

    def save_pdf(self) -> Path | None:
        copy = self._copy()
        if self.record is None or copy is None:
            return None
        path = Path(self.path.text().strip()).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            plan_document.write_pdf(path, copy.record, person=self.person,
                                    large_print=self.large.isChecked(), copy=copy)
        except OSError as exc:
            self.banner.show_problem(f"The PDF could not be saved there: {exc.strerror}.")
            return None
        if not path.exists() or path.stat().st_size == 0:
            self.banner.show_problem("The PDF could not be written there. Choose another place.")
            return None
        self.banner.show_done(f"Saved {path.name}. Remember to remove it from this computer "
                              "once the person has it.")
        self.exported.emit(consent.export_detail(copy, self._how("pdf")))
        return path

    def _how(self, medium: str) -> str:
        return f"{medium}, large print" if self.large.isChecked() else medium

    def _print(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)

        def go() -> None:
            copy = self._copy()
            if copy is not None:
                plan_document.print_plan(printer, copy.record, person=self.person,
                                         large_print=self.large.isChecked(), copy=copy)
                self.exported.emit(consent.export_detail(copy, self._how("print")))
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
