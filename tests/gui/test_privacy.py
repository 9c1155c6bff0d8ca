"""After a lock nothing decrypted is left in any widget or item model; titles never carry it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)
from shiboken6 import Shiboken

from peerdesk.domain import Kind
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in as open_desk
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.gui.conftest import WAIT_MS, settle, sign_in

# Distinctive words that can only come from decrypted records.
SECRETS = {"label": "Quillanova", "diary": "Marzipanorama", "plan": "Tangerlorn",
           "reflection": "Vexillumbra", "private": "Ombrapluvia"}


@pytest.fixture
def private_dir(data_dir: Path) -> Path:
    with Vault(data_dir, kdf_params=LIGHT_KDF) as vault:
        vault.create_account("Amira", "peer", PASSPHRASE)
        vault.create_account("Grace", "coordinator", PASSPHRASE)
        desk = open_desk(vault, "Amira", PASSPHRASE)
        person = desk.add(Kind.PERSON, {"label": SECRETS["label"], "pronouns": "they/them"})
        diary = desk.add(Kind.DIARY, {"when": "2026-11-01T10:00",
                                      "what_happened": f"Walk with {SECRETS['diary']}",
                                      "peer_brought": ["hope"]}, person_id=person.id)
        desk.update(diary.id, {"when": "2026-11-01T10:00",
                               "what_happened": f"Walk and tea with {SECRETS['diary']}"})
        desk.add(Kind.CRISIS_PLAN, {"sections": {"helps": SECRETS["plan"]},
                                    "review_on": "2026-11-25"}, person_id=person.id)
        desk.add(Kind.REFLECTION, {"when": "2026-11-02", "boundary_area": "keeping_well",
                                   "what_happened": SECRETS["reflection"],
                                   "keeping_myself_well": SECRETS["private"]})
        desk.lock()
    return data_dir


def widget_strings(w: QWidget) -> Iterator[str]:
    yield from (w.windowTitle(), w.toolTip(), w.statusTip(), w.whatsThis(),
                w.accessibleName(), w.accessibleDescription())
    if isinstance(w, QLabel):
        yield w.text()
    if isinstance(w, QLineEdit):
        yield from (w.text(), w.placeholderText())
    if isinstance(w, QPlainTextEdit):
        yield w.toPlainText()
    if isinstance(w, QTextEdit):
        yield w.toPlainText()
    if isinstance(w, QAbstractButton):
        yield w.text()
    if isinstance(w, QComboBox):
        yield from (w.itemText(i) for i in range(w.count()))
    if isinstance(w, QGroupBox):
        yield w.title()
    if isinstance(w, QTabBar):
        yield from (w.tabText(i) for i in range(w.count()))


ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
         Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.EditRole)


def model_strings(model: QAbstractItemModel, parent: QModelIndex | None = None) -> Iterator[str]:
    parent = parent or QModelIndex()
    try:
        columns = max(1, model.columnCount(parent))
    except TypeError:  # list models keep columnCount private
        columns = 1
    for row in range(model.rowCount(parent)):
        for column in range(columns):
            index = model.index(row, column, parent)
            for role in ROLES:
                yield str(model.data(index, role))
            if column == 0 and model.rowCount(index) > 0:
                yield from model_strings(model, index)


def all_models() -> list[QAbstractItemModel]:
    models: dict[int, QAbstractItemModel] = {}
    for w in QApplication.allWidgets():
        if isinstance(w, QAbstractItemView | QComboBox) and w.model() is not None:
            models[id(w.model())] = w.model()
        for m in w.findChildren(QAbstractItemModel):
            models[id(m)] = m
    gc.collect()
    for obj in gc.get_objects():  # models no widget points at any more, still alive in Python
        if isinstance(obj, QAbstractItemModel):
            models[id(obj)] = obj
    return [m for m in models.values() if Shiboken.isValid(m)]  # skip those already deleted


def leaks() -> list[str]:
    found = []
    for w in QApplication.allWidgets():
        for text in widget_strings(w):
            found += [f"{type(w).__name__}: {s}" for s in SECRETS.values() if s in (text or "")]
    for m in all_models():
        for text in model_strings(m):
            found += [f"{type(m).__name__}: {s}" for s in SECRETS.values() if s in text]
    clip = QGuiApplication.clipboard().text()
    found += [f"clipboard: {s}" for s in SECRETS.values() if s in clip]
    return found


def test_after_lock_no_widget_or_model_holds_record_text(qtbot, make_shell, private_dir: Path) -> None:  # type: ignore[no-untyped-def]
    shell = make_shell(private_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    # Show the text in as many places as possible: lists, search, editors, versions, a copy dialog.
    for name in ("Today", "People I support", "Diary", "Reflections", "Plans",
                 "Shared with supervision"):
        page.show_section(name)
    page.people_page.view.selectRow(0)
    qtbot.keyClicks(page.search, SECRETS["diary"][:6])
    qtbot.waitUntil(lambda: page.pages.currentWidget() is page.search_page, timeout=WAIT_MS)
    for row in list(page.rows.values()):
        page.open_record(row.record)
    qtbot.waitUntil(lambda: len(page.editors) == 4, timeout=WAIT_MS)
    diary = next(e for e in page.editors if e.kind is Kind.DIARY)
    qtbot.mouseClick(diary.versions_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(page.dialogs), timeout=WAIT_MS)
    plan = next(e for e in page.editors if e.kind is Kind.CRISIS_PLAN)
    qtbot.mouseClick(plan.copy_button, Qt.MouseButton.LeftButton)
    new = page.new_record(Kind.DIARY)
    qtbot.keyClicks(new.form.widget_for("what_happened"), f"Unsaved {SECRETS['diary']}")
    text = diary.form.widget_for("what_happened")
    text.selectAll()
    text.copy()  # a peer copies record text
    assert leaks(), "the test must first see the text on screen"
    for w in QApplication.allWidgets():
        assert all(s not in w.windowTitle() for s in SECRETS.values())

    qtbot.keyClick(page.search, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot)
    assert shell.desk_page is None
    assert leaks() == []


def test_clipboard_cleared_after_policy_delay(qtbot, make_shell, private_dir: Path) -> None:  # type: ignore[no-untyped-def]
    shell = make_shell(private_dir)
    shell._clipboard_timer.setInterval(200)
    sign_in(qtbot, shell)
    page = shell.desk_page
    page.open_record(next(r.record for r in page.rows.values() if r.record.kind is Kind.DIARY))
    qtbot.waitUntil(lambda: bool(page.editors), timeout=WAIT_MS)
    text = page.editors[0].form.widget_for("what_happened")
    shell.activateWindow()
    qtbot.waitUntil(shell.isActiveWindow, timeout=WAIT_MS)
    text.setFocus()
    text.selectAll()
    text.copy()
    assert SECRETS["diary"] in QGuiApplication.clipboard().text()
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == "", timeout=WAIT_MS)
    assert shell.desk_page is not None  # cleared without locking


def test_idle_auto_lock(qtbot, make_shell, private_dir: Path) -> None:  # type: ignore[no-untyped-def]
    shell = make_shell(private_dir)
    shell.idle_timer.setInterval(300)
    sign_in(qtbot, shell)
    qtbot.waitUntil(lambda: shell.desk_page is None, timeout=WAIT_MS)
    assert "without use" in shell.signin.banner.text()
    assert leaks() == []


def test_the_desk_locks_when_the_platform_suspends_the_app(qtbot, make_shell, private_dir: Path) -> None:  # type: ignore[no-untyped-def]
    shell = make_shell(private_dir)
    sign_in(qtbot, shell)
    assert shell.desk_page is not None
    app = QApplication.instance()
    app.applicationStateChanged.emit(Qt.ApplicationState.ApplicationInactive)
    assert shell.desk_page is not None  # another window in front: still hers
    app.applicationStateChanged.emit(Qt.ApplicationState.ApplicationSuspended)
    qtbot.waitUntil(lambda: shell.desk_page is None, timeout=WAIT_MS)
    assert leaks() == []


def test_typing_keeps_the_desk_open_and_the_countdown_starts_when_she_stops(
        qtbot, make_shell, private_dir: Path) -> None:  # type: ignore[no-untyped-def]
    shell = make_shell(private_dir)
    shell.idle_timer.setInterval(800)
    sign_in(qtbot, shell)
    page = shell.desk_page
    page.search.setFocus()
    for ch in "allotment group":  # a key every 150 ms for over two seconds
        qtbot.keyClick(page.search, ch)
        qtbot.wait(150)
        assert shell.desk_page is page
    qtbot.mouseClick(page.search, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shell.desk_page is None, timeout=WAIT_MS)
    assert "without use" in shell.signin.banner.text()


def test_lock_during_unlock_cancels_it(qtbot, make_shell, private_dir: Path) -> None:  # type: ignore[no-untyped-def]
    shell = make_shell(private_dir)
    qtbot.waitUntil(lambda: shell.signin.accounts.count() > 0, timeout=WAIT_MS)
    shell.signin.accounts.setCurrentRow(0)
    shell.signin.passphrase.setText(PASSPHRASE)
    shell.signin.unlock_button.click()
    assert shell.signin.unlocking is not None and shell.signin.unlocking.progress.isVisible()
    shell.lock()
    settle(qtbot)
    qtbot.wait(200)
    settle(qtbot)
    assert shell.desk_page is None and not shell.signin.unlocking.progress.isVisible()
    assert leaks() == []


def test_wrong_passphrase_is_a_clear_sentence_then_waits(qtbot, make_shell, private_dir: Path) -> None:  # type: ignore[no-untyped-def]
    shell = make_shell(private_dir)
    page = shell.signin
    qtbot.waitUntil(lambda: page.accounts.count() > 0, timeout=WAIT_MS)
    for attempt in range(5):
        qtbot.waitUntil(lambda: page.unlock_button.isEnabled(), timeout=WAIT_MS)
        page.passphrase.setText("not the right one at all")
        page.unlock_button.click()
        qtbot.waitUntil(lambda: page.unlocking is not None
                        and not page.unlocking.progress.isVisible(), timeout=WAIT_MS)
        if attempt == 0:
            assert "passphrase is not right" in page.banner.text()
    qtbot.waitUntil(lambda: "try again in" in page.banner.text(), timeout=WAIT_MS)
    assert not page.unlock_button.isEnabled()


def test_second_window_on_the_same_folder_is_told_plainly(qtbot, private_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from ui.windows.shell import ShellWindow
    with Vault(private_dir, kdf_params=LIGHT_KDF):
        shell = ShellWindow(private_dir, kdf_params=LIGHT_KDF)
        qtbot.addWidget(shell)
        with qtbot.waitSignal(shell.start_failed, timeout=WAIT_MS) as failed:
            pass
        assert "already open" in failed.args[0]
        assert "already open" in shell.banner.text()
