"""An inline message that does not block (after KeePassXC's MessageWidget)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

# A word as well as a colour, so the meaning survives without colour.
_PREFIX = {"info": "ℹ Note:", "problem": "⚠ Problem:", "done": "✓ Done:", "safety": "⚠ Safety:"}


class MessageBanner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setProperty("kind", "info")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        self.action = QPushButton()
        self.action.hide()
        layout.addWidget(self.action)
        self.close_button = QPushButton("Dismiss")
        self.close_button.setAccessibleName("Dismiss message")
        self.close_button.clicked.connect(self.hide)
        layout.addWidget(self.close_button)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.hide)
        self._slot: Any = None
        self.hide()

    def _show(self, kind: str, text: str, *, hide_after_ms: int = 0) -> None:
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self.label.setText(f"<b>{_PREFIX[kind]}</b> {_escape(text)}")
        self.label.setAccessibleName(f"{_PREFIX[kind]} {text}")
        self._timer.stop()
        if hide_after_ms:
            self._timer.start(hide_after_ms)
        self.show()

    def show_info(self, text: str, *, hide_after_ms: int = 0) -> None:
        self.action.hide()
        self._show("info", text, hide_after_ms=hide_after_ms)

    def show_done(self, text: str) -> None:
        self.action.hide()
        self._show("done", text, hide_after_ms=6000)

    def show_problem(self, text: str) -> None:
        self.action.hide()
        self._show("problem", text)

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
