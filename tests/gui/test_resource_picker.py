"""The diary links resource pack entries from a picker (not free text, so a typo cannot drop
one from "used"), and makes a one-page handout of the entries ticked."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from peerdesk.domain import Kind
from peerdesk.services import Vault, resources
from peerdesk.services.desk import sign_in as open_desk
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.gui.conftest import WAIT_MS, sign_in


def _tick(picker, name: str) -> None:  # type: ignore[no-untyped-def]
    item = next(picker.item(i) for i in range(picker.count()) if picker.item(i).text() == name)
    item.setCheckState(Qt.CheckState.Checked)


def test_the_diary_picks_entries_and_makes_a_handout(qtbot, make_shell, prepared_dir: Path,
                                                     tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with Vault(prepared_dir, kdf_params=LIGHT_KDF) as vault:
        grace = open_desk(vault, "Grace", PASSPHRASE)
        ids = {name: resources.save(grace, {"name": name, "opening_times": when}).id
               for name, when in (("Allotment group", "Tuesdays 10-12"),
                                  ("Library reading group", "First Thursday"),
                                  ("Riverside café", "Weekdays"))}
        grace.lock()
        amira = open_desk(vault, "Amira", PASSPHRASE)
        jo = amira.add(Kind.PERSON, {"label": "Jo"})
        amira.lock()
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    editor = page.new_diary_for(jo.id)
    picker = editor.resource_picker
    assert [picker.item(i).text() for i in range(picker.count())] == [
        "Allotment group", "Library reading group", "Riverside café"]
    # Nothing ticked: the handout says so and makes nothing.
    qtbot.mouseClick(editor.handout_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "at least one" in editor.banner.text(), timeout=WAIT_MS)
    _tick(picker, "Allotment group")
    _tick(picker, "Riverside café")
    assert editor.dirty
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.record is not None, timeout=WAIT_MS)
    assert editor.record.fields["resources"] == [ids["Allotment group"], ids["Riverside café"]]
    qtbot.mouseClick(editor.handout_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Handout saved" in editor.banner.text(), timeout=WAIT_MS)
    [pdf] = (tmp_path / "exports").glob("places-and-groups-*.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    # Opened again, the same entries are ticked.
    record = editor.record
    editor.close_button.click()
    qtbot.waitUntil(lambda: editor not in page.editors, timeout=WAIT_MS)
    page.open_record(record)
    qtbot.waitUntil(lambda: bool(page.editors) and page.editors[-1].record_id == record.id,
                    timeout=WAIT_MS)
    again = page.editors[-1]
    assert again.chosen_resources() == [ids["Allotment group"], ids["Riverside café"]]
    assert again.values()["resources"] == [ids["Allotment group"], ids["Riverside café"]]


def test_a_proposal_reaches_the_coordinator_who_adds_it_to_the_pack(
        qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from peerdesk.services.workqueue import ItemKind

    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    page.show_section("Resource pack")
    pack_page = page.pages.currentWidget()
    assert not pack_page.new_button.isVisible() and pack_page.propose_button.isVisible()
    qtbot.mouseClick(pack_page.propose_button, Qt.MouseButton.LeftButton)
    editor = page.editors[-1]
    assert editor.kind is Kind.PROPOSAL
    qtbot.keyClicks(editor.form.widget_for("name"), "Men's shed")
    qtbot.keyClicks(editor.form.widget_for("why"), "Something practical, with others.")
    qtbot.mouseClick(editor.save_close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.editors, timeout=WAIT_MS)

    shell.lock()
    sign_in(qtbot, shell, "Grace")
    grace = shell.desk_page
    [item] = grace.work_model.items()
    assert item.what is ItemKind.PROPOSAL
    assert grace.work_model.text_rows()[0][1:3] == ("Proposed for the resource pack", "Amira")
    grace.today.work_view.selectRow(0)
    qtbot.mouseClick(grace.today.open_item, Qt.MouseButton.LeftButton)
    entry = grace.editors[-1]
    assert entry.kind is Kind.RESOURCE and entry.form.widget_for("name").text() == "Men's shed"
    assert "Proposed by Amira: Something practical, with others." in entry.banner.text()
    qtbot.mouseClick(entry.save_close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: grace.work_model.rowCount() == 0, timeout=WAIT_MS)
    assert [r.record.fields["name"] for r in grace.rows.values()
            if r.record.kind is Kind.RESOURCE] == ["Men's shed"]
