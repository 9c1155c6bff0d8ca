"""Editors built from the catalogue: hints beside the text, one safety prompt, versions."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit

from peerdesk.catalogue import spec
from peerdesk.domain import FieldType, Kind
from peerdesk.services.desk import sign_in as open_desk
from tests.gui.conftest import WAIT_MS, sign_in
from ui import language
from ui.windows.editor import RecordEditor


def test_every_field_of_every_kind_has_an_editor(qtbot) -> None:  # type: ignore[no-untyped-def]
    for kind in Kind:
        editor = RecordEditor(kind)
        qtbot.addWidget(editor)
        values = editor.values()
        # The consent ledger is changed through its own service, never the form; a hidden
        # field is kept only so older versions read (a plan's old "shared with").
        # A diary's resource entries are a picker of the pack, owned by the editor.
        picked = {"resources"} if kind is Kind.DIARY else set()
        assert set(values) == {f.name for f in spec(kind).fields
                               if f.type is not FieldType.CONSENTS and not f.hidden} | picked
        # Hidden: a plan's old "shared with", a diary's picked entries, which proposal a
        # pack entry came from, which plan a plan continues after a handover, and a handover's
        # person and accounts (ids, set by the handover service); nothing else escapes the form.
        assert not {f.name for f in spec(kind).fields if f.hidden} - {
            "shared_with", "resources", "proposal", "continues", "person", "from_account",
            "to_account"}
        for f in spec(kind).fields:
            if f.type is FieldType.SECTIONS:
                assert set(editor.form.section_edits) == {s.id for s in f.sections}


def test_language_hints_suggest_and_never_replace(qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = RecordEditor(Kind.DIARY, escalation_text="Tell the nurse in charge.")
    qtbot.addWidget(editor)
    text = "He was non-compliant and presented as withdrawn; patiently we talked."
    box = editor.form.widget_for("what_happened")
    assert isinstance(box, QPlainTextEdit)
    qtbot.keyClicks(box, text)
    qtbot.waitUntil(lambda: "non-compliant" in editor.hint_texts(), timeout=WAIT_MS)
    assert "presented as" in editor.hint_texts() and "patiently" not in editor.hint_texts()
    assert box.toPlainText() == text
    assert not editor.safety.isVisible()


def test_risk_prompts_once_with_the_policy_text(qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = RecordEditor(Kind.DIARY, escalation_text="Tell the nurse in charge now.")
    qtbot.addWidget(editor)
    editor.show()
    box = editor.form.widget_for("what_happened")
    qtbot.keyClicks(box, "Jo said she has been thinking about self-harm.")
    qtbot.waitUntil(lambda: editor.safety.isVisible(), timeout=WAIT_MS)
    assert "nurse in charge" in editor.safety.text()
    qtbot.mouseClick(editor.safety.close_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(box, " Also mentioned an overdose last year.")
    qtbot.wait(500)
    assert not editor.safety.isVisible()  # once per diary, never nagging
    from datetime import datetime

    from peerdesk.domain import Record
    saved = Record("r", Kind.DIARY, "a", None, 1, datetime(2026, 1, 1),
                   {"when": "2026-01-01T10:00", "what_happened": box.toPlainText()})
    reopened = RecordEditor(Kind.DIARY, record=saved, escalation_text="Tell the nurse.")
    qtbot.addWidget(reopened)
    reopened.show()
    qtbot.keyClicks(reopened.form.widget_for("what_happened"), " More self-harm talk.")
    qtbot.wait(500)
    assert not reopened.safety.isVisible()  # prompted when it was first written
    assert language.mentions_risk("talked about gardening") is False


def test_versions_side_by_side_mark_changes(qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    editor = page.new_record(Kind.RECOVERY_PLAN)
    editor.person_box.setCurrentIndex(editor.person_box.findText("Not about one person"))
    editor.form.section_edits["toolbox"].setPlainText("Gardening")
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.record is not None, timeout=WAIT_MS)
    editor.form.section_edits["toolbox"].setPlainText("Gardening and soul music")
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.record.version == 2, timeout=WAIT_MS)
    editor.versions_button.click()
    qtbot.waitUntil(lambda: bool(page.dialogs), timeout=WAIT_MS)
    dialog = page.dialogs[-1]
    left, right = dialog.left.toPlainText(), dialog.right.toPlainText()
    assert "Version 1" in left and "Version 2" in right
    assert "[changed]" in left and "soul music" in right and "soul music" not in left


def test_sharing_for_supervision_shows_who_can_read(qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    editor = page.new_record(Kind.REFLECTION)
    editor.form.widget_for("boundary_area").setCurrentIndex(1)
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.record is not None, timeout=WAIT_MS)
    action = editor.share_button.menu().actions()[0]
    assert action.text() == "Share with Grace"
    action.trigger()
    qtbot.waitUntil(lambda: "Grace" in editor.shared_label.text(), timeout=WAIT_MS)
    assert "private" in editor.shared_label.text()
    assert [r.record.id for r in page.shared_model.rows()] == [editor.record.id]
    shell.lock()
    sign_in(qtbot, shell)  # still listed after unlock: sharing is read from the vault
    page = shell.desk_page
    assert len(page.shared_model.rows()) == 1
    page.open_record(page.shared_model.rows()[0].record)
    qtbot.waitUntil(lambda: bool(page.editors), timeout=WAIT_MS)
    editor = page.editors[-1]
    stop = editor.share_button.menu().actions()[0]
    assert stop.text() == "Stop sharing with Grace"
    stop.trigger()
    qtbot.waitUntil(lambda: "Only you" in editor.shared_label.text(), timeout=WAIT_MS)
    assert page.shared_model.rowCount() == 0


def test_a_person_withdrawing_erases_them_and_their_plans(qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from peerdesk.services import Vault
    from tests.conftest import LIGHT_KDF, PASSPHRASE
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    person = page.new_record(Kind.PERSON)
    person.form.widget_for("label").setText("Jo")
    person.save_button.click()
    qtbot.waitUntil(lambda: person.record is not None, timeout=WAIT_MS)
    plan = page.new_record(Kind.CRISIS_PLAN)
    plan.person_box.setCurrentIndex(plan.person_box.findText("Jo"))
    plan.form.section_edits["helps"].setPlainText("Tea")
    plan.save_button.click()
    qtbot.waitUntil(lambda: plan.record is not None, timeout=WAIT_MS)
    assert page.plans_model.rowCount() == 1
    page.delete(person)  # as after confirming "Erase everything"
    qtbot.waitUntil(lambda: "Erased 2 records" in page.banner.text(), timeout=WAIT_MS)
    assert page.plans_model.rowCount() == 0 and page.people_model.rowCount() == 0
    assert page.editors == []
    shell.close()
    with Vault(prepared_dir, kdf_params=LIGHT_KDF) as vault:
        assert open_desk(vault, "Amira", PASSPHRASE).records() == []


def test_a_missing_field_is_a_sentence_in_the_editor(qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    editor = shell.desk_page.new_record(Kind.REFLECTION)
    qtbot.keyClicks(editor.form.widget_for("what_happened"), "Something happened")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.banner.isVisible(), timeout=WAIT_MS)
    assert "Problem:" in editor.banner.text() and "Boundary area is needed" in editor.banner.text()
    assert editor.record is None and editor.dirty  # nothing lost; the text is still there
    assert editor.form.widget_for("what_happened").toPlainText() == "Something happened"
