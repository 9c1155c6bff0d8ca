"""Adding a person and starting a plan as a peer expects: the tab shows her chosen name, a date
left unset stays unset, a plan started from her page is about her, and from New… it asks."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from peerdesk.domain import Kind
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in as open_desk
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.gui.conftest import WAIT_MS, settle, sign_in

NAME = "Zofia Wójcik-Nguyễn"


def tab_texts(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [page.tabs.tabText(i) for i in range(page.tabs.count())]


def test_a_new_person_tab_reads_right_then_shows_her_name(qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    editor = page.new_record(Kind.PERSON)
    assert tab_texts(page)[-1] == "New person I support"
    editor.form.widget_for("label").setText(NAME)  # an input method's text, not key presses
    start = editor.form.widget_for("support_started")
    assert start.text() == "Not set"
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.record is not None, timeout=WAIT_MS)
    assert tab_texts(page)[-1] == NAME
    assert "support_started" not in editor.record.fields  # left unset, saved unset
    assert start.text() == "Not set"
    # The list says so too, instead of showing when the record was made.
    people = page.people_model
    assert people.headerData(2, Qt.Orientation.Horizontal) == "Support started"
    assert people.data(people.index(0, 2), Qt.ItemDataRole.DisplayRole) == "Not set"
    # Opened again later, the tab has her name as well.
    page.close_editor(editor)
    page.open_record(people.rows()[0].record)
    qtbot.waitUntil(lambda: bool(page.editors), timeout=WAIT_MS)
    assert tab_texts(page)[-1] == NAME


def test_a_plan_is_about_the_person_in_view_and_new_asks(qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    with Vault(prepared_dir, kdf_params=LIGHT_KDF) as vault:
        desk = open_desk(vault, "Amira", PASSPHRASE)
        zofia = desk.add(Kind.PERSON, {"label": NAME})
        desk.add(Kind.PERSON, {"label": "Jo"})
        desk.lock()
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    # From her page (her record open in a tab): about her.
    page.open_record(page.rows[zofia.id].record)
    qtbot.waitUntil(lambda: bool(page.editors), timeout=WAIT_MS)
    plan = page.new_record(Kind.CRISIS_PLAN)
    assert plan.person_box is not None and plan.person_box.currentText() == NAME
    assert plan.person_id() == zofia.id and not plan.needs_person()
    page.close_editor(plan)

    # From Today with no one in view, New… asks rather than assuming "not about one person".
    page.close_editor(page.editors[0])
    page.show_section("Today")
    settle(qtbot)
    asked = page.new_record(Kind.CRISIS_PLAN)
    assert asked.person_box is not None
    assert asked.person_box.currentText() == "Choose who this is about…"
    assert asked.needs_person()
    asked.form.section_edits["helps"].setPlainText("Tea and a quiet room")
    qtbot.mouseClick(asked.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Choose who this is about" in asked.banner.text(), timeout=WAIT_MS)
    settle(qtbot)
    assert asked.record is None and asked.window().focusWidget() is asked.person_box
    asked.person_box.setCurrentIndex(asked.person_box.findText("Jo"))
    qtbot.mouseClick(asked.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: asked.record is not None, timeout=WAIT_MS)
    assert page.rows[asked.record.id].person == "Jo"
