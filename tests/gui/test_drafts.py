"""Nothing typed is lost: autosaved drafts survive a crash, and a lock keeps open editors."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from peerdesk.domain import Kind
from tests.gui.conftest import WAIT_MS, settle, sign_in
from ui.windows.shell import ShellWindow

WORDS = "Jo talked about the allotment and wants to go back on Tuesday"


def _crash(qtbot, shell: ShellWindow) -> None:  # type: ignore[no-untyped-def]
    """Drop the window as a crash would: no lock, no save, no close event."""
    vault = shell.vault
    assert vault is not None
    shell.vault = None
    shell.runner.db.start(vault.close)  # only so this process can open the folder again
    shell.runner.wait_idle()
    shell.idle_timer.stop()
    shell.hide()
    shell.deleteLater()
    settle(qtbot)


def test_typing_then_a_crash_gets_the_draft_back(qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    editor = page.new_record(Kind.DIARY)
    qtbot.keyClicks(editor.form.widget_for("what_happened"), WORDS)
    # Autosave runs a moment after typing stops, with no button pressed.
    qtbot.waitUntil(lambda: "Draft kept" in editor.status.text(), timeout=WAIT_MS)
    _crash(qtbot, shell)

    again = make_shell(prepared_dir)
    sign_in(qtbot, again)
    page = again.desk_page
    assert "unfinished draft" in page.banner.text()
    assert page.drafts_model.rowCount() == 1
    qtbot.mouseClick(page.today.open_draft, Qt.MouseButton.LeftButton)
    editor = page.editors[-1]
    assert editor.kind is Kind.DIARY
    assert editor.form.widget_for("what_happened").toPlainText() == WORDS
    # Saving it turns the draft into a record and the draft goes.
    qtbot.mouseClick(editor.save_close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.editors, timeout=WAIT_MS)
    assert page.drafts_model.rowCount() == 0
    assert [r.record.fields["what_happened"] for r in page.diary_model.rows()] == [WORDS]
    # The banner says how things stand now: no draft is left, so it has gone.
    assert not page.banner.isVisible()
    assert "unfinished draft" not in page.banner.text()


def test_lock_keeps_an_open_editor_as_a_draft(qtbot, make_shell, prepared_dir: Path,
                                              monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from ui.windows import editor as editor_module
    monkeypatch.setattr(editor_module, "AUTOSAVE_MS", 60_000)  # the lock must do it, not autosave
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    editor = shell.desk_page.new_record(Kind.CRISIS_PLAN)
    qtbot.keyClicks(editor.form.section_edits["helps"], "A cup of tea")
    qtbot.keyClick(shell, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert shell.desk_page is None
    assert "kept as a draft" in shell.signin.banner.text()
    settle(qtbot)
    sign_in(qtbot, shell)
    draft = shell.desk_page.drafts_model.drafts()[0]
    assert draft.kind is Kind.CRISIS_PLAN and draft.fields["sections"] == {"helps": "A cup of tea"}


def test_closing_an_editor_with_changes_keeps_a_draft(qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    editor = page.new_record(Kind.REFLECTION)
    qtbot.keyClicks(editor.form.widget_for("what_happened"), "A hard shift")
    qtbot.mouseClick(editor.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.drafts_model.rowCount() == 1, timeout=WAIT_MS)
    assert "draft" in page.banner.text()
