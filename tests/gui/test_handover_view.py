"""Handing over a person's support in the app: Amira, on a shared ward PC, hands Jo to Tom with
Jo's agreement; Tom signs in, finds Jo, and carries on her crisis plan as his own."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPainter, QPixmap

from peerdesk.domain import Kind
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in as open_desk
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.gui.conftest import WAIT_MS, settle, sign_in
from ui.windows.handover import HandoverDialog

PLAN = {"sections": {"signs": "I stop answering the phone.", "helps": "A walk."}}


def _screenshot(shell, dialog, name: str) -> None:  # type: ignore[no-untyped-def]
    """The window at 1366x768 with the dialog over it, as a person sees it (docs/ui.md shows
    them: PEERDESK_SCREENSHOTS=docs/screenshots makes them again)."""
    where = os.environ.get("PEERDESK_SCREENSHOTS")
    if not where:
        return
    screen = shell.grab()
    if dialog is not None:
        painter = QPainter(screen)
        shot: QPixmap = dialog.grab()
        painter.drawPixmap(QPoint((screen.width() - shot.width()) // 2,
                                  max(0, (screen.height() - shot.height()) // 2)), shot)
        painter.end()
    screen.save(str(Path(where) / name))


def _jo_open(qtbot, make_shell, prepared_dir: Path, *, plan: bool = False):  # type: ignore[no-untyped-def]
    """Amira (with Tom on the same ward PC) signed in, Jo's record open; and Jo's plan."""
    with Vault(prepared_dir, kdf_params=LIGHT_KDF) as vault:
        vault.create_account("Tom", "peer", PASSPHRASE)
        amira = open_desk(vault, "Amira", PASSPHRASE)
        jo = amira.add(Kind.PERSON, {"label": "Jo"})
        made = amira.add(Kind.CRISIS_PLAN, PLAN, person_id=jo.id) if plan else None
        amira.add(Kind.REFLECTION, {"when": "2026-03-14",
                                    "boundary_area": "sharing_lived_experience",
                                    "what_happened": "AMIRA-ONLY reflection"})
        amira.lock()
    shell = make_shell(prepared_dir)
    shell.resize(1366, 768)
    sign_in(qtbot, shell)
    page = shell.desk_page
    assert page is not None
    editor = _open(qtbot, page, jo)
    return shell, page, editor, jo, made


def _open(qtbot, page, record):  # type: ignore[no-untyped-def]
    page.open_record(record)
    qtbot.waitUntil(lambda: page.editor_for(record.id) is not None, timeout=WAIT_MS)
    return page.editor_for(record.id)


def _dialog(qtbot, page, editor) -> HandoverDialog:  # type: ignore[no-untyped-def]
    assert editor.handover_button is not None
    qtbot.mouseClick(editor.handover_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(isinstance(d, HandoverDialog) for d in page.dialogs),
                    timeout=WAIT_MS)
    return next(d for d in page.dialogs if isinstance(d, HandoverDialog))


def test_amira_hands_jo_to_tom_and_tom_carries_on_her_plan(  # type: ignore[no-untyped-def]
        qtbot, make_shell, prepared_dir: Path) -> None:
    shell, page, editor, _jo, plan = _jo_open(qtbot, make_shell, prepared_dir, plan=True)
    assert editor.handover_button is not None
    assert editor.handover_button.accessibleDescription()
    dialog = _dialog(qtbot, page, editor)
    # Nobody's name in the title; nothing moves until someone says who agreed.
    assert "Jo" not in dialog.windowTitle()
    assert [dialog.to.itemText(i) for i in range(dialog.to.count())] == ["Tom"]
    assert not dialog.go_button.isEnabled()
    assert "Not the session diaries" in dialog.moves.text()
    assert not dialog.ends.isVisible()
    qtbot.keyClicks(dialog.agreed_by, "Jo, in person on the ward")
    dialog.diaries.setChecked(True)
    assert dialog.go_button.isEnabled() and "The session diaries about them" in dialog.moves.text()
    _screenshot(shell, dialog, "44-hand-over-support.png")
    cover = dialog.choice.button(2)
    assert cover is not None
    cover.setChecked(True)
    assert dialog.ends.isVisible() and dialog.go_button.text() == "Arrange cover"
    _screenshot(shell, dialog, "45-arrange-cover.png")
    first = dialog.choice.button(0)
    assert first is not None
    first.setChecked(True)
    qtbot.mouseClick(dialog.go_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Handed over to Tom" in dialog.banner.text(), timeout=WAIT_MS)
    assert not dialog.go_button.isEnabled()
    settle(qtbot)
    shell.lock()
    settle(qtbot)

    # Tom, on the same computer: Jo is among the people he supports, her plan is there to read,
    # and he carries it on as his own (Amira's versions stay hers).
    sign_in(qtbot, shell, "Tom")
    page = shell.desk_page
    assert page is not None
    qtbot.waitUntil(lambda: page.people_model.rowCount() == 1, timeout=WAIT_MS)
    editor = _open(qtbot, page, plan)
    assert editor is not None and editor.continue_button is not None
    qtbot.waitUntil(lambda: "Handed over from Amira" in editor.banner.text(), timeout=WAIT_MS)
    _screenshot(shell, None, "46-handed-over-plan.png")
    qtbot.mouseClick(editor.continue_button, Qt.MouseButton.LeftButton)
    desk = page.desk
    assert desk is not None
    qtbot.waitUntil(lambda: any(
        r.author_id == desk.user.id for r in desk.records(Kind.CRISIS_PLAN)), timeout=WAIT_MS)
    mine = next(r for r in desk.records(Kind.CRISIS_PLAN) if r.author_id == desk.user.id)
    qtbot.waitUntil(lambda: page.editor_for(mine.id) is not None, timeout=WAIT_MS)
    carried = page.editor_for(mine.id)
    assert carried is not None and carried.continue_button is None  # his, to edit
    assert mine.fields["sections"]["signs"] == "I stop answering the phone."
    assert all("AMIRA-ONLY" not in str(r.fields) for r in desk.records())


def test_amira_arranges_cover_and_ends_it_early_in_the_app(  # type: ignore[no-untyped-def]
        qtbot, make_shell, prepared_dir: Path) -> None:
    from peerdesk.services import handover

    _shell, page, editor, jo, _plan = _jo_open(qtbot, make_shell, prepared_dir)
    dialog = _dialog(qtbot, page, editor)
    cover = dialog.choice.button(2)
    assert cover is not None
    cover.setChecked(True)
    qtbot.keyClicks(dialog.agreed_by, "Jo, by phone")
    qtbot.mouseClick(dialog.go_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Tom covers for you until" in dialog.banner.text(),
                    timeout=WAIT_MS)
    dialog.close()
    editor.close_button.click()
    settle(qtbot)
    editor = _open(qtbot, page, jo)
    qtbot.waitUntil(lambda: "Tom covers for you until" in editor.banner.text(), timeout=WAIT_MS)
    assert editor.banner.action.isVisible() and editor.banner.action.text() == "End it now"
    qtbot.mouseClick(editor.banner.action, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Ended: Tom receives nothing new" in editor.banner.text(),
                    timeout=WAIT_MS)
    desk = page.desk
    assert desk is not None
    assert handover.supporters(desk, jo.id) == ["Amira"]
