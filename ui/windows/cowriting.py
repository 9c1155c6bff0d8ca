"""Writing a plan together: one plan, full screen, large text, one section at a time, with
nothing else on it (no other person's name, no menus, no lists). The person reads and writes
her sections, says which are in her own words, and agrees this version; her copy is offered at
the end. Leaving needs the peer's passphrase, as presentation mode does; locking still works.

The window writes into the plan's editor as she types, so drafts, saving and the lock all go
the way they go for any editor.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from peerdesk import dates
from peerdesk.domain import Record
from ui import theme
from ui.announce import announce
from ui.widgets.common import Heading, state_label
from ui.windows.dialogs import GuardedWindow
from ui.windows.editor import RecordEditor

COWRITE_PT = 20


class CoWritingWindow(GuardedWindow):
    copy_requested = Signal()

    def __init__(self, editor: RecordEditor, *,
                 check_passphrase: Callable[[str, Callable[[bool], None]], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.sections = list(editor.kind_spec.by_name["sections"].sections)
        self.index = 0
        self.setWindowTitle("PeerDesk: writing together")  # never a name in a title bar
        self.setModal(True)
        # Large text, and a tick box to match it (Qt draws the box at its small default).
        self.setStyleSheet(f"QWidget {{ font-size: {COWRITE_PT}pt; }} "
                           "QCheckBox::indicator { width: 26px; height: 26px; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 28, 40, 28)
        layout.setSpacing(14)
        self.position = state_label("Writing together", role=None)
        self.position.setStyleSheet(f"font-size: {COWRITE_PT - 4}pt; "
                                    f"color: {theme.colours().muted};")
        self.title = Heading("")
        self.title.setStyleSheet(f"font-size: {COWRITE_PT + 6}pt; font-weight: bold;")
        self.title.setWordWrap(True)
        self.prompt = QLabel()
        self.prompt.setWordWrap(True)
        self.prompt.setTextFormat(Qt.TextFormat.PlainText)
        self.text = QPlainTextEdit()
        self.text.setTabChangesFocus(True)
        self.mine = QCheckBox("These are my own words")
        self.mine.setAccessibleDescription(
            "Untick if your peer worker wrote this part as a note; your copy says whose words "
            "each part is.")
        self.end_text = QLabel()
        self.end_text.setWordWrap(True)
        self.end_text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.agree = QPushButton("I agree this version")
        self.copy = QPushButton("Make my copy…")
        self.copy.setAccessibleDescription("Print it, or save it where you choose")
        for w in (self.position, self.title, self.prompt):
            layout.addWidget(w)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.mine)
        layout.addWidget(self.end_text, 1)
        ends = QHBoxLayout()
        ends.addWidget(self.agree)
        ends.addWidget(self.copy)
        ends.addStretch(1)
        layout.addLayout(ends)
        self.status = state_label("Agreement", role=None)
        layout.addWidget(self.status)
        nav = QHBoxLayout()
        self.back = QPushButton("Previous")
        self.next = QPushButton("Next")
        self.leave = QPushButton("Leave…")
        self.leave.setAccessibleDescription("Your peer worker's passphrase is needed to leave")
        nav.addWidget(self.back)
        nav.addWidget(self.next)
        nav.addStretch(1)
        nav.addWidget(self.leave)
        layout.addLayout(nav)
        layout.addWidget(self.add_guard(
            check_passphrase, label="Peer worker's passphrase, to leave",
            refused="That passphrase did not match. Writing together goes on."))

        self.text.textChanged.connect(self._text_changed)
        self.mine.toggled.connect(self._mine_changed)
        self.back.clicked.connect(lambda: self.go(self.index - 1))
        self.next.clicked.connect(lambda: self.go(self.index + 1))
        self.agree.clicked.connect(self._agree)
        self.copy.clicked.connect(self.copy_requested)
        self.leave.clicked.connect(self.guard.ask)
        QShortcut(QKeySequence("Alt+Right"), self).activated.connect(self.next.click)
        QShortcut(QKeySequence("Alt+Left"), self).activated.connect(self.back.click)
        editor.saved.connect(self._saved)
        self._loading = False
        self.go(0)

    # -- pages: one per section, then the end ----------------------------------------------

    def _edit(self, index: int) -> QPlainTextEdit:
        return self.editor.form.section_edits[self.sections[index].id]

    def _notes(self) -> set[str]:
        return set(self.editor.form.values().get("peer_notes") or ())

    def go(self, index: int) -> None:
        self.index = max(0, min(index, len(self.sections)))  # len(sections): the end page
        at_end = self.index == len(self.sections)
        for w in (self.prompt, self.text, self.mine):
            w.setVisible(not at_end)
        for shown in (self.end_text, self.agree):
            shown.setVisible(at_end)
        self.copy.setVisible(at_end and self._agreed_now())
        self.back.setEnabled(self.index > 0)
        self.next.setEnabled(not at_end)
        if at_end:
            self.position.setText("The end")
            self.title.setText("Read it through together")
            self.end_text.setText(self._summary())
        else:
            section = self.sections[self.index]
            self.position.setText(f"Part {self.index + 1} of {len(self.sections)}")
            self.title.setText(section.title)
            self.prompt.setText(section.prompt)
            self._loading = True
            self.text.setPlainText(self._edit(self.index).toPlainText())
            self.mine.setChecked(section.id not in self._notes())
            self._loading = False
            self.text.moveCursor(QTextCursor.MoveOperation.End)  # carry on where it ends
            self.text.setFocus()
        announce(self.position, f"{self.position.text()}: {self.title.text()}")

    def _summary(self) -> str:
        written = [s for s in self.sections if self.editor.form.section_edits[s.id]
                   .toPlainText().strip()]
        notes = self._notes()
        mine = [s.title for s in written if s.id not in notes]
        theirs = [s.title for s in written if s.id in notes]
        lines = [f"{len(written)} of {len(self.sections)} parts have words in them."]
        if mine:
            lines.append("In your own words: " + "; ".join(mine) + ".")
        if theirs:
            lines.append("Written by your peer worker as a note: " + "; ".join(theirs) + ".")
        lines.append("If this is how you want it, say so below: your plan will show the day "
                     "you agreed it, and which version.")
        return "\n\n".join(lines)

    def _text_changed(self) -> None:
        if self._loading or self.index >= len(self.sections):
            return
        edit = self._edit(self.index)
        if edit.toPlainText() != self.text.toPlainText():
            edit.setPlainText(self.text.toPlainText())  # the editor drafts and saves it

    def _mine_changed(self, mine: bool) -> None:
        if self._loading or self.index >= len(self.sections):
            return
        notes = self._notes()
        sid = self.sections[self.index].id
        notes = notes - {sid} if mine else notes | {sid}
        self.editor.form.set_values({"peer_notes": sorted(notes)})
        self.editor.mark_changed()

    # -- agreeing ---------------------------------------------------------------------------

    def _agreed_now(self) -> bool:
        record = self.editor.record
        return (record is not None and not self.editor.dirty
                and str(record.fields.get("agreed_version", "")) == str(record.version))

    def _agree(self) -> None:
        version = (self.editor.record.version if self.editor.record else 0) + 1
        self.editor.form.set_values({"agreed_on": dates.today().isoformat(),
                                     "agreed_version": str(version)})
        self.editor.mark_changed()
        self.agree.setEnabled(False)
        self.status.say("Saving…")
        self.editor.save_requested.emit(self.editor, False)

    def _saved(self, record: Record) -> None:
        self.agree.setEnabled(True)
        if str(record.fields.get("agreed_version", "")) == str(record.version):
            self.status.say(f"Agreed on {dates.day(dates.today())}: version {record.version}. "
                            "Your copy can be made now.")
        self.go(self.index)

    # -- leaving ----------------------------------------------------------------------------

    def wipe(self) -> None:
        self._loading = True
        self.text.clear()
        self.title.clear()
        self.prompt.clear()
        self.end_text.clear()
        self.close_wiped()
