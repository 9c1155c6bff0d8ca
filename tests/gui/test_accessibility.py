"""Every focusable control on every screen has an accessible name or a label that names it;
every label lets a screen reader hear what it shows; no text box keeps Tab.

(The same, as a screen reader hears it over AT-SPI, is in tests/desktop/test_screen_reader.py.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

from peerdesk.domain import Kind
from tests.conftest import PASSPHRASE
from tests.gui.conftest import WAIT_MS, settle, sign_in
from ui import theme
from ui.widgets.common import plain
from ui.windows.shell import ShellWindow


def unnamed_controls(top: QWidget) -> list[str]:
    widgets = [top, *top.findChildren(QWidget)]
    buddies = {id(label.buddy()) for label in top.findChildren(QLabel) if label.buddy()}
    missing = []
    for w in widgets:
        if not w.isVisible() or not w.isEnabled():
            continue
        if not w.focusPolicy() & Qt.FocusPolicy.TabFocus or w.focusProxy() is not None:
            continue
        if isinstance(w.parentWidget(), QAbstractSpinBox | QComboBox):
            continue  # the line edit inside a date or combo box: the outer widget is named
        if w.accessibleName().strip() or id(w) in buddies:
            continue
        if isinstance(w, QAbstractButton) and w.text().replace("&", "").strip():
            continue
        if isinstance(w, QTabBar) and all(w.tabText(i) for i in range(w.count())):
            continue
        missing.append(f"{type(w).__name__} {w.objectName()!r} in {type(w.parentWidget()).__name__}")
    return missing


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text).split()).lower()


def unheard_labels(top: QWidget) -> list[str]:
    """Labels whose accessible name hides what they show (a fixed "Sync status" over the
    status), and titles that are not heard as headings."""
    out = []
    for label in top.findChildren(QLabel):
        if not label.isVisible():
            continue
        shown, name = _words(plain(label.text())), label.accessibleName()
        if name and shown and shown not in _words(name) \
                and shown not in _words(label.accessibleDescription()):
            out.append(f"label {name!r} hides {shown[:40]!r}")
        iface = QAccessible.queryAccessibleInterface(label)
        if label.property("role") in ("heading", "subheading") and (
                iface is None or iface.role() != QAccessible.Role.Heading):
            out.append(f"title {label.text()!r} is not a heading")
    return out


def tab_traps(top: QWidget) -> list[str]:
    """Text boxes that take Tab as text, and lists and tables whose cells Tab walks through
    (round and round: a keyboard user never reaches the buttons after a table)."""
    return [f"{type(w).__name__} {w.accessibleName()!r} keeps Tab"
            for w in top.findChildren(QPlainTextEdit) + top.findChildren(QTextEdit)
            if w.isVisible() and not w.isReadOnly() and not w.tabChangesFocus()] + [
        f"{type(v).__name__} {v.accessibleName()!r} keeps Tab"
        for v in top.findChildren(QAbstractItemView)
        if v.isVisible() and v.tabKeyNavigation()]


def test_every_screen_names_its_controls(qtbot, make_shell, prepared_dir: Path, data_dir: Path,
                                         tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seen: dict[str, list[str]] = {}

    def check(name: str, top: QWidget) -> None:
        settle(qtbot)
        seen[name] = unnamed_controls(top) + unheard_labels(top) + tab_traps(top)

    first_run: ShellWindow = make_shell(tmp_path / "empty")
    check("first run", first_run)
    first_run.close()

    (prepared_dir / "demo.json").write_text(json.dumps(
        {"accounts": [{"name": "Amira", "role": "peer", "passphrase": PASSPHRASE}]}))
    shell: ShellWindow = make_shell(prepared_dir)
    qtbot.waitUntil(lambda: shell.signin.accounts.count() > 0, timeout=WAIT_MS)
    assert shell.signin.demo is not None and shell.signin.demo.box.isVisible()  # demo.json only
    check("sign-in", shell)
    qtbot.mouseClick(shell.signin.create_button, Qt.MouseButton.LeftButton)
    check("create account", shell)
    qtbot.mouseClick(shell.account_page.back_button, Qt.MouseButton.LeftButton)
    sign_in(qtbot, shell)
    page = shell.desk_page
    for section in ("Today", "People I support", "Diary", "Reflections", "Plans",
                    "Shared with supervision"):
        page.show_section(section)
        check(section, shell)
    qtbot.keyClicks(page.search, "tea")
    qtbot.waitUntil(lambda: page.pages.currentWidget() is page.search_page, timeout=WAIT_MS)
    check("search", shell)
    page.search.clear()
    for kind in Kind:
        editor = page.new_record(kind)
        check(f"{kind.value} editor", shell)
        if kind is Kind.CRISIS_PLAN:
            assert editor.person_box is not None
            editor.person_box.setCurrentIndex(editor.person_box.findText("Not about one person"))
            editor.form.section_edits["helps"].setPlainText("Tea")
            editor.save_button.click()
            qtbot.waitUntil(lambda e=editor: e.record is not None, timeout=WAIT_MS)
            editor.copy_button.click()
            check("plan copy dialog", page.dialogs[-1])
            page.dialogs[-1].reject()
            editor.versions_button.click()
            qtbot.waitUntil(lambda: bool(page.dialogs), timeout=WAIT_MS)
            check("versions dialog", page.dialogs[-1])
            page.dialogs[-1].reject()
        page.close_editor(editor)
    app = QApplication.instance()
    theme.apply(app, large_text=True, high_contrast=True)
    page.show_section("Today")
    check("today, large high-contrast", shell)
    theme.apply(app)
    shell.lock()
    sign_in(qtbot, shell, "Grace")  # the coordinator's own pages
    page = shell.desk_page
    for section in ("Fidelity and engagement", "Resource pack", "Supervision inbox",
                    "Group supervision"):
        page.show_section(section)
        check(section, shell)
    assert len(seen) >= 22
    assert {k: v for k, v in seen.items() if v} == {}


def test_keyboard_only_sign_in_and_lock(qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    shell: ShellWindow = make_shell(prepared_dir)
    page = shell.signin
    qtbot.waitUntil(lambda: page.accounts.count() > 0, timeout=WAIT_MS)
    page.accounts.setFocus()
    qtbot.keyClick(page.accounts, Qt.Key.Key_Down)
    qtbot.keyClick(page.accounts, Qt.Key.Key_Up)
    qtbot.keyClick(page.accounts, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is page.passphrase
    qtbot.keyClicks(page.passphrase, PASSPHRASE)
    qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shell.desk_page is not None, timeout=WAIT_MS)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert shell.desk_page is None


def test_display_can_change_before_sign_in(qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    shell: ShellWindow = make_shell(prepared_dir)
    qtbot.waitUntil(lambda: shell.signin.accounts.count() > 0, timeout=WAIT_MS)
    shell.signin.display_actions()[1].trigger()  # High contrast
    app = QApplication.instance()
    assert app.property("peerdesk_high_contrast") is True
    assert app.palette().window().color().name() == theme.HIGH_CONTRAST.window
    assert shell.prefs.display().high_contrast  # remembered for this computer's sign-in
    theme.apply(app)


def test_the_display_menu_shows_the_display_in_use(qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """Its choices are made when it first opens, ticked as this computer's display is."""
    app = QApplication.instance()
    theme.apply(app, high_contrast=True)  # as the app starts after someone chose it here
    try:
        shell: ShellWindow = make_shell(prepared_dir)
        qtbot.waitUntil(lambda: shell.signin.accounts.count() > 0, timeout=WAIT_MS)
        menu = shell.signin.display_menu
        assert menu.actions() == []  # not made for a start that never opens it
        menu.popup(shell.signin.display_button.mapToGlobal(QPoint(0, 0)))
        qtbot.waitUntil(menu.isVisible, timeout=WAIT_MS)
        shown = {action.text(): action.isChecked() for action in menu.actions()}
        menu.close()
        assert shown == {"Larger text": False, "High contrast": True}
    finally:
        theme.apply(app)


def test_large_text_is_remembered_per_user(qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    shell: ShellWindow = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    shell.desk_page.large_action.trigger()
    app = QApplication.instance()
    assert shell.desk_page.font().pointSize() == theme.LARGE_PT  # the text she reads
    shell.lock()
    theme.apply(app)  # as if another person had signed in with normal text
    settle(qtbot)
    assert shell.signin.passphrase.font().pointSize() == theme.NORMAL_PT
    sign_in(qtbot, shell)
    assert shell.desk_page.font().pointSize() == theme.LARGE_PT
    assert shell.desk_page.large_action.isChecked()
    theme.apply(app)


def test_tab_order_follows_the_form_then_the_buttons(qtbot) -> None:  # type: ignore[no-untyped-def]
    from ui.windows.editor import RecordEditor
    editor = RecordEditor(Kind.DIARY, people=[("p1", "Jo")])
    qtbot.addWidget(editor)
    editor.show()
    order: list[str] = []
    widget: QWidget = editor.person_box
    for _ in range(500):
        if widget.isVisible() and widget.isEnabled() and widget.focusPolicy() & Qt.FocusPolicy.TabFocus \
                and not isinstance(widget.parentWidget(), QAbstractSpinBox):
            order.append(widget.accessibleName() or getattr(widget, "text", lambda: "")())
        widget = widget.nextInFocusChain()
        if widget is editor.person_box:
            break
    labels = [f.label for f in editor.kind_spec.fields]
    named = [n.removesuffix(" (needed)") for n in order if n.removesuffix(" (needed)") in labels]
    expected = [lbl for lbl in labels if lbl in named]
    assert named[: len(expected)] == expected  # fields in the order they are shown
    assert order[0] == "Person this is about"
    assert order.index("&Save") > order.index("Preparing for the ending of support")
