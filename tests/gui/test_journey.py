"""First run to a plan the person can take home, through the real widgets."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QPlainTextEdit, QWidget

from peerdesk import audit
from peerdesk.domain import Kind
from tests.gui.conftest import WAIT_MS, settle, sign_in
from ui.windows.editor import RecordEditor
from ui.windows.shell import ShellWindow

PASS = "kettle harbour violet seven"


def _choose(box: QComboBox, label: str) -> None:
    index = box.findText(label)
    assert index >= 0, label
    box.setCurrentIndex(index)


def _tick(qtbot, box: QWidget) -> None:  # type: ignore[no-untyped-def]
    # On the box itself, not the middle of a full-width row (which is not part of the button).
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def _save_and_close(qtbot, shell: ShellWindow, editor: RecordEditor) -> None:  # type: ignore[no-untyped-def]
    page = shell.desk_page
    assert page is not None
    qtbot.mouseClick(editor.save_close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor not in page.editors, timeout=WAIT_MS)


def _new(qtbot, shell: ShellWindow, section: str, kind: Kind) -> RecordEditor:  # type: ignore[no-untyped-def]
    page = shell.desk_page
    assert page is not None
    page.show_section(section)
    list_page = page.pages.currentWidget()
    qtbot.mouseClick(list_page.new_buttons[kind], Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    # A new person's form opens once her certificate is read (a leaving peer is told instead).
    qtbot.waitUntil(lambda: isinstance(page.tabs.currentWidget(), RecordEditor), timeout=WAIT_MS)
    editor = page.tabs.currentWidget()
    assert isinstance(editor, RecordEditor) and editor.kind is kind
    return editor


def test_first_run_to_plan_copy_and_back_after_lock(qtbot, make_shell, data_dir: Path,
                                                    tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shell = make_shell(data_dir)
    # First run: set up the device and the first account.
    setup = shell.account_page
    assert setup is not None and setup.isVisible() and setup.first_run
    qtbot.keyClicks(setup.team, "Team North")
    qtbot.keyClicks(setup.share, r"\\trust-fs01\peerdesk\north")
    qtbot.keyClicks(setup.name, "Amira")
    qtbot.keyClicks(setup.passphrase, PASS)
    qtbot.keyClicks(setup.confirm, "not the same passphrase")
    qtbot.mouseClick(setup.submit_button, Qt.MouseButton.LeftButton)
    assert "not the same" in setup.banner.text()
    setup.confirm.clear()
    qtbot.keyClicks(setup.confirm, PASS)
    qtbot.mouseClick(setup.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shell.desk_page is not None, timeout=WAIT_MS)
    assert shell.windowTitle() == "PeerDesk"

    # Someone to support.
    person = _new(qtbot, shell, "People I support", Kind.PERSON)
    qtbot.keyClicks(person.form.widget_for("label"), "Jo")
    _save_and_close(qtbot, shell, person)

    # A diary with tags, and a gentle language hint along the way.
    diary = _new(qtbot, shell, "Diary", Kind.DIARY)
    assert diary.person_box is not None
    _choose(diary.person_box, "Jo")
    _choose(diary.form.widget_for("contact_type"), "Everyday activity together")  # type: ignore[arg-type]
    happened = diary.form.widget_for("what_happened")
    qtbot.keyClicks(happened, "Walked to the cafe. Jo said the patient lounge is loud at night.")
    qtbot.waitUntil(lambda: "patient" in diary.hint_texts(), timeout=WAIT_MS)
    assert happened.toPlainText().endswith("loud at night.")  # never replaced # type: ignore[attr-defined]
    tags = [w for w in diary.form.widgets_for("peer_brought") if isinstance(w, QCheckBox)]
    wanted = {"Practical support", "Time, warmth and being there"}
    for box in tags:
        if box.text() in wanted:
            _tick(qtbot, box)
    _save_and_close(qtbot, shell, diary)

    # A reflection, with prompts for the boundary area and a private part.
    reflection = _new(qtbot, shell, "Reflections", Kind.REFLECTION)
    _choose(reflection.form.widget_for("boundary_area"), "Contact outside the role")  # type: ignore[arg-type]
    assert reflection.prompts is not None and "agreed hours" in reflection.prompts.text()
    qtbot.keyClicks(reflection.form.widget_for("what_happened"), "Asked for my number.")
    qtbot.keyClicks(reflection.form.widget_for("keeping_myself_well"), "A swim after work.")
    _tick(qtbot, reflection.form.widget_for("bring_to_supervision"))
    _save_and_close(qtbot, shell, reflection)

    # A crisis plan in the person's words, and their own copy as a large-print PDF.
    plan = _new(qtbot, shell, "Plans", Kind.CRISIS_PLAN)
    assert plan.person_box is not None
    _choose(plan.person_box, "Jo")
    qtbot.keyClicks(plan.form.section_edits["helps"], "Someone sitting with me; my radio.")
    qtbot.keyClicks(plan.form.section_edits["contacts"], "My sister first.")
    qtbot.mouseClick(plan.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: plan.record is not None, timeout=WAIT_MS)
    assert plan.copy_button is not None and plan.copy_button.isEnabled()
    page = shell.desk_page
    assert page is not None
    qtbot.mouseClick(plan.copy_button, Qt.MouseButton.LeftButton)
    dialog = page.dialogs[-1]
    pdf = tmp_path / "out" / "crisis plan.pdf"
    choice = dialog.format  # type: ignore[attr-defined]
    choice.setFocus()
    qtbot.keyClick(choice, Qt.Key.Key_Down)  # "Large print", from the keyboard
    assert choice.currentData() == "large-print"
    dialog.path.setText(str(pdf))  # type: ignore[attr-defined]
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    # The copy is made off the UI thread; the banner says when it is saved.
    qtbot.waitUntil(lambda: "Saved" in dialog.banner.text(), timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 2000
    if shutil.which("pdftotext"):  # poppler-utils, where installed: the words are in the PDF
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "This plan belongs to Jo." in text and "Someone sitting with me" in text
        assert "My sister" in text
    # The copy that left PeerDesk is in the audit trail: which plan, how, and no content.
    assert shell.vault is not None and plan.record is not None
    vault, plan_id = shell.vault, plan.record.id

    def exports() -> list[audit.AuditEntry]:
        with vault.store.transaction() as s:
            return [e for e in audit.entries(s, record_id=plan_id) if e.action == audit.EXPORT]

    qtbot.waitUntil(lambda: bool(exports()), timeout=WAIT_MS)
    assert [e.detail for e in exports()] == ["pdf; large-print"]
    dialog.reject()
    _save_and_close(qtbot, shell, plan)

    # Lock: the desk goes; unlock: everything is still there.
    qtbot.mouseClick(page.lock_button, Qt.MouseButton.LeftButton)
    assert shell.desk_page is None and shell.signin.isVisible()
    settle(qtbot)
    sign_in(qtbot, shell, "Amira", PASS)
    page = shell.desk_page
    assert page is not None
    kinds = sorted(r.record.kind.value for r in page.rows.values())
    assert kinds == ["crisis_plan", "diary", "person", "reflection"]
    assert page.diary_model.rowCount() == 1 and page.diary_model.rows()[0].person == "Jo"
    page.show_section("Diary")
    page.diary_page.view.activated.emit(page.diary_model.index(0, 0))
    qtbot.waitUntil(lambda: bool(page.editors), timeout=WAIT_MS)
    diary = page.editors[-1]
    ticked = {w.text() for w in diary.form.widgets_for("peer_brought")
              if isinstance(w, QCheckBox) and w.isChecked()}
    assert ticked == wanted
    text = diary.form.widget_for("what_happened")
    assert isinstance(text, QPlainTextEdit) and "loud at night" in text.toPlainText()
    plan_row = page.plans_model.rows()[0]
    assert plan_row.record.fields["sections"]["helps"] == "Someone sitting with me; my radio."
    assert "shared_with" not in plan_row.record.fields  # who may see it: the ledger alone
    reflection_row = page.reflection_model.rows()[0]
    assert reflection_row.record.fields["keeping_myself_well"] == "A swim after work."
    assert reflection_row.record.fields["bring_to_supervision"] is True
    assert page.shared_model.rowCount() == 1  # marked to bring to supervision
