"""What a screen reader is told about widgets whose own Qt accessibility says too much or
too little.

- A heading (ui.widgets.common.Heading) is a plain QLabel to Qt: here it gets the heading role,
  so screen-reader users can hear and move between the titles of a page.
- A passphrase field (PassphraseEdit): Qt's line edit sends every typed, pasted or deleted
  character in its accessibility text events, in password mode too (QWidgetLineControl builds
  the events from the real text; measured over AT-SPI in tests/desktop). Here it is an editable
  password field with no text interface, so the platform bridge drops those events (Qt logs
  that it did; ui/qt_messages.py keeps that line at debug level). A screen reader still hears
  its name, role and state.

Qt asks the factory once per widget, by class name, and keeps what it returns.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAccessible, QAccessibleInterface
from PySide6.QtWidgets import QAccessibleWidget

from ui.widgets.common import Heading, PassphraseEdit, plain

_installed = False


class _HeadingInterface(QAccessibleWidget):
    def __init__(self, label: Heading) -> None:
        super().__init__(label, QAccessible.Role.Heading)
        self._label = label

    def text(self, kind: QAccessible.Text) -> str:
        if kind == QAccessible.Text.Name and not self._label.accessibleName():
            return plain(self._label.text())
        return super().text(kind)


class _PassphraseInterface(QAccessibleWidget):
    def __init__(self, edit: PassphraseEdit) -> None:
        super().__init__(edit, QAccessible.Role.EditableText)

    def state(self) -> QAccessible.State:
        state = super().state()
        state.editable = True
        state.passwordEdit = True
        return state


def _factory(key: str, obj: QObject) -> QAccessibleInterface | None:
    if key == Heading.__name__ and isinstance(obj, Heading):
        return _HeadingInterface(obj)
    if key == PassphraseEdit.__name__ and isinstance(obj, PassphraseEdit):
        return _PassphraseInterface(obj)
    return None


def install() -> None:
    """Once per process, before the first window is built."""
    global _installed
    if not _installed:
        QAccessible.installFactory(_factory)
        _installed = True
