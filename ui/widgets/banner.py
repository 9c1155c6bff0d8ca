"""An inline message that does not block (after KeePassXC's MessageWidget).

It stays until dismissed or replaced: a message that vanishes after a few seconds is gone
before a screen-reader user or a slow reader gets to it. Each message is also announced
(problems and the safety prompt urgently)."""

from __future__ import annotations

from typing import Any

from PySide6 import QtCore
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from ui.announce import announce

# A word as well as a colour, so the meaning survives without colour; the symbol is for the
# eye only (a screen reader would read "warning sign").
_SYMBOL = {"info": "ℹ", "problem": "⚠", "done": "✓", "safety": "⚠"}
_WORD = {"info": "Note:", "problem": "Problem:", "done": "Done:", "safety": "Safety:"}


class MessageBanner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setProperty("kind", "info")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        layout.addWidget(self.label, 1)
        self.action = QPushButton()
        self.action.hide()
        layout.addWidget(self.action)
        self.close_button = QPushButton("Dismiss")
        self.close_button.setAccessibleName("Dismiss message")
        self.close_button.clicked.connect(self.hide)
        layout.addWidget(self.close_button)
        self._slot: Any = None
        self.hide()

    def _show(self, kind: str, text: str, *, say: bool = True) -> None:
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        heard = f"{_WORD[kind]} {text}"
        # Set here, not when made: banners are made hidden, one on the sign-in page, which is
        # painted before PySide builds its Qt namespace (see ui/first_paint.py).
        self.label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setText(f"<b>{_SYMBOL[kind]} {_WORD[kind]}</b> {_escape(text)}")
        self.label.setAccessibleName(heard)
        self.show()
        if say:
            announce(self.label, heard, urgent=kind in ("problem", "safety"))

    def show_info(self, text: str) -> None:
        self.action.hide()
        self._show("info", text)

    def show_done(self, text: str) -> None:
        self.action.hide()
        self._show("done", text)

    def show_problem(self, text: str, *, say: bool = True) -> None:
        """`say=False` for a message that only counts on from one already announced."""
        self.action.hide()
        self._show("problem", text, say=say)

    def show_safety(self, text: str) -> None:
        self.action.hide()
        self._show("safety", text)

    def set_action(self, text: str, slot: object) -> None:
        if self._slot is not None:
            self.action.clicked.disconnect(self._slot)
        self._slot = slot
        self.action.setText(text)
        self.action.clicked.connect(slot)
        self.action.show()

    def clear(self) -> None:
        self.label.clear()
        self.label.setAccessibleName("")
        self.hide()

    def text(self) -> str:
        return self.label.text()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
