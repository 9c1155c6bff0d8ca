"""The small widgets behind keyboard use and what a screen reader is told, one by one.

The real thing, with real key presses and a real AT-SPI client, is in tests/desktop/.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QApplication,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui import accessible, keyboard
from ui.widgets.common import PassphraseEdit, heading, state_label
from ui.widgets.dates import DateEdit, DateTimeEdit

NOT_SET = QDate(2000, 1, 1)


def _row(qtbot, *widgets: QWidget) -> QWidget:  # type: ignore[no-untyped-def]
    """The widgets in an active window (keep it: the widgets go with it)."""
    window = QWidget()
    layout = QVBoxLayout(window)
    for w in widgets:
        layout.addWidget(w)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    return window


def test_a_date_and_time_is_typed_in_one_go_and_one_tab_leaves_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    when = DateTimeEdit(QDateTime(QDate(2026, 11, 16), QTime(9, 5)))
    after = QLineEdit()
    _window = _row(qtbot, when, after)
    when.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClicks(when, "12 mar 2026 14:30")
    assert when.dateTime() == QDateTime(QDate(2026, 3, 12), QTime(14, 30))
    qtbot.keyClick(when, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is after
    qtbot.keyClick(after, Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is when


def test_a_date_not_set_takes_typing_and_lets_tab_go(qtbot) -> None:  # type: ignore[no-untyped-def]
    review = DateEdit()
    review.setMinimumDate(NOT_SET)
    review.setSpecialValueText("Not set")
    review.setDate(NOT_SET)
    after = QLineEdit()
    _window = _row(qtbot, review, after)
    review.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(review, Qt.Key.Key_Tab)  # Qt's own date edit keeps Tab while "Not set"
    assert QApplication.focusWidget() is after
    review.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClicks(review, "3 feb 2027")
    assert review.date() == QDate(2027, 2, 3)


def test_enter_presses_the_focused_button(qtbot) -> None:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    keyboard.install(app)
    button = QPushButton("Save session")
    pressed: list[bool] = []
    button.clicked.connect(lambda: pressed.append(True))
    _window = _row(qtbot, QLineEdit(), button)
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Return)
    qtbot.keyClick(button, Qt.Key.Key_Enter)
    assert pressed == [True, True]


def test_focus_is_scrolled_into_view_however_it_arrives(qtbot) -> None:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    keyboard.install(app)
    form = QWidget()
    column = QVBoxLayout(form)
    fields = [QLineEdit() for _ in range(40)]
    for f in fields:
        column.addWidget(f)
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(form)
    area.setFixedHeight(200)
    _window = _row(qtbot, area)
    for field in (fields[-1], fields[0], fields[25]):
        field.setFocus()  # as when Tab wraps round from outside the area
        top = field.mapTo(area.viewport(), field.rect().topLeft()).y()
        assert top >= 0 and top + field.height() <= area.viewport().height()


def test_titles_are_headings_and_passphrases_stay_off_the_bus(qtbot) -> None:  # type: ignore[no-untyped-def]
    accessible.install()
    title = heading("Group supervision")
    passphrase = PassphraseEdit()
    passphrase.setAccessibleName("Passphrase")
    _window = _row(qtbot, title, passphrase)
    iface = QAccessible.queryAccessibleInterface(title)
    assert iface.role() == QAccessible.Role.Heading
    assert iface.text(QAccessible.Text.Name) == "Group supervision"
    field = QAccessible.queryAccessibleInterface(passphrase)
    assert field.role() == QAccessible.Role.EditableText
    assert field.state().passwordEdit and field.state().editable
    assert field.text(QAccessible.Text.Name) == "Passphrase"
    # No text interface: the bridge drops the text events Qt fills with what is typed.
    assert field.textInterface() is None


def test_a_state_label_is_heard_with_what_it_shows(qtbot) -> None:  # type: ignore[no-untyped-def]
    status = state_label("Sync status")
    assert status.accessibleName() == ""  # nothing shown, nothing to hear
    status.setText("Offline — 2 changes waiting")
    assert status.accessibleName() == "Sync status: Offline — 2 changes waiting"
    status.setText("<p>Instead of “<b>patient</b>”, you might write: <i>person</i></p>")
    assert status.accessibleName() == ("Sync status: Instead of “patient”, you might write: "
                                       "person")
    prompts = state_label("Questions that may help")
    prompts.setText("Questions that may help: what did you notice?")
    assert prompts.accessibleName() == "Questions that may help: what did you notice?"
