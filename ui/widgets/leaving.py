"""Leaving a full-screen view that others can see (presentation mode, writing a plan together)
needs the signed-in user's passphrase: one row that asks for it, and what is said when it
does not match."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ui.widgets.common import PassphraseEdit, field_label, state_label

Check = Callable[[str, Callable[[bool], None]], None]


class LeaveGuard(QWidget):
    def __init__(self, check: Check, left: Callable[[], None], *, label: str,
                 refused: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._check, self._left, self._refused = check, left, refused
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.unlock_row = QWidget()
        row = QHBoxLayout(self.unlock_row)
        self.passphrase = PassphraseEdit()
        row.addWidget(field_label(label, self.passphrase))
        row.addWidget(self.passphrase, 1)
        self.confirm = QPushButton("Leave")
        row.addWidget(self.confirm)
        self.unlock_row.hide()
        layout.addWidget(self.unlock_row)
        self.refusal = state_label("Leaving", role=None)
        layout.addWidget(self.refusal)
        self.confirm.clicked.connect(self.try_leave)
        self.confirm.setAutoDefault(False)
        # Enter in the box tries the passphrase and nothing else: left to travel on, it also
        # pressed the window's default button (Previous, jumping back to item 1).
        self.passphrase.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.passphrase and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            self.try_leave()
            return True
        return super().eventFilter(watched, event)

    def ask(self) -> None:
        self.unlock_row.show()
        self.passphrase.setFocus()

    def try_leave(self) -> None:
        text = self.passphrase.text()
        self.passphrase.clear()
        self.confirm.setEnabled(False)

        def answered(ok: bool) -> None:
            self.confirm.setEnabled(True)
            if ok:
                self._left()
            else:
                self.refusal.say(self._refused, urgent=True)

        self._check(text, answered)


def widget_texts(root: QWidget) -> list[str]:
    """Every text shown on any widget under ``root``: what a test looks through for names."""
    out = [root.windowTitle()]
    for w in root.findChildren(QWidget):
        for attr in ("text", "toPlainText", "toolTip", "accessibleName", "accessibleDescription",
                     "placeholderText", "windowTitle"):
            getter = getattr(w, attr, None)
            if callable(getter):
                value = getter()
                if isinstance(value, str) and value:
                    out.append(value)
    return out
