"""Helpers that keep labels, buddies and accessible names together."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from ui.announce import announce

if TYPE_CHECKING:
    from PySide6.QtWidgets import QPlainTextEdit, QTableWidget

# The classes only some pages use are imported where they are used: PySide builds a class, and
# each of its enum types, on its first import, and sign-in is painted before any of these.


class Heading(QLabel):
    """A page or section title: a screen reader hears it as a heading (see ui/accessible.py)."""

    def __init__(self, text: str, *, level: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.level = level


class StateLabel(QLabel):
    """A label whose text is a state that changes (saving, sync, counts, suggestions).

    Its accessible name is what it is *and* what it says now ("Sync status: Synced just now"):
    a fixed name would hide the changing text from a screen-reader user. `say` also announces
    the new text, for changes someone should hear without going to look."""

    def __init__(self, what: str, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.what = what
        self.setText(text)

    def setText(self, text: str) -> None:  # Qt's own calls bypass this; ours all go through it
        super().setText(text)
        heard = plain(text)
        if heard and not heard.startswith(self.what):
            heard = f"{self.what}: {heard}"
        if heard != self.accessibleName():
            self.setAccessibleName(heard)

    def clear(self) -> None:
        self.setText("")

    def say(self, text: str, *, urgent: bool = False) -> None:
        """Show `text` and announce it as it is named ("Session: Saved.")."""
        self.setText(text)
        if text:
            announce(self, self.accessibleName(), urgent=urgent)


class PassphraseEdit(QLineEdit):
    """A passphrase field. Qt's accessibility events for a line edit carry the characters typed,
    even in password mode; ui/accessible.py gives this class an interface that keeps them off
    the accessibility bus."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEchoMode(QLineEdit.EchoMode.Password)


def plain(text: str) -> str:
    """What a label's rich text says, without its markup, on one line."""
    from PySide6.QtGui import Qt as QtText  # QtGui's side of the Qt namespace, built on use

    if QtText.mightBeRichText(text):
        from PySide6.QtGui import QTextDocumentFragment

        text = QTextDocumentFragment.fromHtml(text).toPlainText()
    return " ".join(text.split())


def heading(text: str, *, role: str = "heading") -> QLabel:
    label = Heading(text, level=1 if role == "heading" else 2)
    label.setProperty("role", role)
    label.setWordWrap(True)
    return label


def muted(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "muted")
    label.setWordWrap(True)
    return label


def state_label(what: str, text: str = "", *, role: str | None = "muted") -> StateLabel:
    label = StateLabel(what, text)
    if role:
        label.setProperty("role", role)
    label.setWordWrap(True)
    return label


def nothing_found(query: str) -> str:
    """The line a filter or search shows when no row matches, with what to try next."""
    shown = query if len(query) <= 40 else query[:39] + "…"
    return (f"Nothing found for \u201c{shown}\u201d. Try fewer letters, or one word of a name: "
            "capitals and accents do not matter.")


def long_text() -> QPlainTextEdit:
    """A box for paragraphs. Tab moves on to the next control, as in a form on the web: a
    keyboard user is never stuck inside a text box."""
    from PySide6.QtWidgets import QPlainTextEdit

    edit = QPlainTextEdit()
    edit.setTabChangesFocus(True)
    return edit


def clearable(edit: QLineEdit, name: str) -> QLineEdit:
    """Give a line edit Qt's clear button, named: Qt leaves the button without a name, so a
    screen reader would say only "button"."""
    from PySide6.QtGui import QAction

    edit.setClearButtonEnabled(True)
    action = edit.findChild(QAction, "_q_qlineeditclearaction")
    if action is not None:
        action.setText(name)
    return edit


def field_label(text: str, buddy: QWidget, *, description: str = "") -> QLabel:
    """A visible label that is the widget's buddy and its accessible name. The description
    goes before any the widget gives itself (a date field says how to type a date)."""
    label = QLabel(text)
    label.setProperty("role", "field")
    label.setWordWrap(True)
    label.setBuddy(buddy)
    buddy.setAccessibleName(text.replace("&", ""))
    if description:
        own = buddy.accessibleDescription()
        buddy.setAccessibleDescription(f"{description} {own}" if own else description)
    return label


def named(widget: QWidget, name: str, description: str = "") -> QWidget:
    widget.setAccessibleName(name)
    if description:
        widget.setAccessibleDescription(description)
    return widget


def row_table(headers: list[str], name: str) -> QTableWidget:
    """A read-only table where one whole row is chosen at a time."""
    from PySide6.QtWidgets import QAbstractItemView, QTableWidget

    table = QTableWidget(0, len(headers))
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)  # Tab leaves the table (Qt's walks its cells, round and
    # round, so the buttons after it were out of a keyboard user's reach); arrows move inside
    table.verticalHeader().setVisible(False)
    return table
