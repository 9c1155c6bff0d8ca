"""Date and date-time fields that are typed like text and left with one Tab.

Qt's date edits use Tab to walk their own sections (day, month, year, hour, minute), so a
keyboard user pressed Tab five times to get past a date and time, and a field showing "Not
set" kept Tab altogether. Here Tab and Shift+Tab leave the field, as in any other box; within
it, typing fills one part after the other (a space or a colon moves on), Left and Right move
the cursor, Ctrl+Left and Ctrl+Right jump between the parts, Up and Down change the part under
the cursor, and Alt+Down opens the calendar.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, QDateTime, QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDateEdit, QDateTimeEdit, QWidget

DATE_FORMAT = "d MMM yyyy"
DATETIME_FORMAT = "d MMM yyyy  HH:mm"
HOW = "Type the date, for example 12 Mar 2026"


class _TabLeaves:
    """Tab and Shift+Tab move focus on, before Qt's date edit can use them to change section
    (a plain mixin, placed before the Qt class)."""

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            plain = not event.modifiers() & (Qt.KeyboardModifier.ControlModifier
                                             | Qt.KeyboardModifier.AltModifier)
            if plain and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
                back = event.key() == Qt.Key.Key_Backtab \
                    or bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                QWidget.focusNextPrevChild(self, not back)  # type: ignore[arg-type]
                return True
        return super().event(event)  # type: ignore[misc, no-any-return]

    def keyPressEvent(self, event: QKeyEvent) -> None:
        edit: QDateTimeEdit = self  # type: ignore[assignment]
        text = event.text()
        if text.isalnum() and edit.specialValueText() \
                and edit.dateTime() == edit.minimumDateTime():
            # "Not set" takes no typing: start from today, with the first part selected.
            edit.setDate(QDate.currentDate())
            edit.setCurrentSectionIndex(0)
            edit.setSelectedSection(edit.currentSection())
        if self._advanced and text and not text.isalnum() and text.isprintable():
            # Qt moved on by itself when the part was complete ("12"); the separator typed
            # next would skip a whole part ("12 Mar" would land in the year).
            self._advanced = False
            event.accept()
            return
        before = edit.currentSectionIndex()
        super().keyPressEvent(event)  # type: ignore[misc]
        self._advanced = text.isalnum() and edit.currentSectionIndex() != before

    _advanced = False


class DateEdit(_TabLeaves, QDateEdit):
    def __init__(self, date: QDate | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat(DATE_FORMAT)
        self.setAccessibleDescription(HOW + ".")
        if date is not None:
            self.setDate(date)


class DateTimeEdit(_TabLeaves, QDateTimeEdit):
    def __init__(self, when: QDateTime | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat(DATETIME_FORMAT)
        self.setAccessibleDescription(HOW + " 14:30.")
        if when is not None:
            self.setDateTime(when)
