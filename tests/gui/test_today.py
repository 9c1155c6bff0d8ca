"""Today is a work queue: what is due opens the right editor, and leaves when done or not
needed; the last follow-up agreed comes back at the top of the next diary about the person."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt

from peerdesk import dates
from peerdesk.domain import Kind
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in as open_desk
from peerdesk.services.workqueue import ItemKind
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.gui.conftest import WAIT_MS, settle, sign_in

FOLLOW_UP = "Start the discharge plan together on Thursday"


def _day(offset: int) -> str:
    return (dates.today() + timedelta(days=offset)).isoformat()


def _prepare(data_dir: Path) -> dict[str, str]:
    with Vault(data_dir, kdf_params=LIGHT_KDF) as vault:
        desk = open_desk(vault, "Amira", PASSPHRASE)
        jo = desk.add(Kind.PERSON, {"label": "Jo", "discharged_on": _day(-6)})  # due tomorrow
        sam = desk.add(Kind.PERSON, {"label": "Sam", "planned_end": _day(10)})
        desk.add(Kind.DIARY, {"when": f"{_day(-9)}T10:00", "contact_type": "plan_work",
                              "follow_up": "Bring the leaflet"}, person_id=jo.id)
        desk.add(Kind.DIARY, {"when": f"{_day(-8)}T10:00", "contact_type": "plan_work",
                              "follow_up": FOLLOW_UP, "follow_up_by": _day(-1)},
                 person_id=jo.id)
        plan = desk.add(Kind.CRISIS_PLAN, {"sections": {}, "review_on": _day(3)},
                        person_id=sam.id)
        desk.lock()
    return {"jo": jo.id, "sam": sam.id, "plan": plan.id}


def test_today_lists_the_work_and_each_item_opens_its_editor(
        qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ids = _prepare(prepared_dir)
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    today = page.today
    rows = page.work_model.text_rows()
    assert [(r[1], r[2]) for r in rows] == [
        ("Follow-up agreed", "Jo"), ("First meeting after discharge", "Jo"),
        ("Plan review", "Sam"), ("Peer support ends", "Sam")]
    assert rows[0][0].startswith("1 day late") and rows[0][3] == FOLLOW_UP
    assert rows[1][0] == "Due tomorrow"
    assert "4 things to do" in today.work_hint.text()

    # The follow-up opens a new diary about Jo, with what was agreed last time on top.
    today.work_view.selectRow(0)
    qtbot.mouseClick(today.open_item, Qt.MouseButton.LeftButton)
    editor = page.editors[-1]
    assert editor.kind is Kind.DIARY and editor.record is None
    assert editor.person_id() == ids["jo"]
    assert editor.carried.isVisible()
    assert FOLLOW_UP in editor.carried.text() and "Bring the leaflet" not in editor.carried.text()
    # Another person: their own last follow-up, here none.
    editor.person_box.setCurrentIndex(editor.person_box.findData(ids["sam"]))
    assert not editor.carried.isVisible()
    editor.close_button.click()
    settle(qtbot)

    # The first meeting opens a diary already saying what kind of contact it is.
    page.show_section("Today")
    today.work_view.selectRow(1)
    qtbot.mouseClick(today.open_item, Qt.MouseButton.LeftButton)
    editor = page.editors[-1]
    assert editor.form.values().get("contact_type") == "first_post_discharge"
    editor.close_button.click()
    settle(qtbot)

    # The review opens the plan.
    page.show_section("Today")
    today.work_view.selectRow(2)
    qtbot.mouseClick(today.open_item, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(page.editors) and page.editors[-1].record_id == ids["plan"],
                    timeout=WAIT_MS)
    page.editors[-1].close_button.click()
    settle(qtbot)


def test_done_and_not_needed_with_a_reason_take_items_off_today(
        qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    _prepare(prepared_dir)
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    today = page.today
    today.work_view.selectRow(0)
    assert not today.not_needed.isEnabled()  # no reason yet
    qtbot.mouseClick(today.done_item, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.work_model.rowCount() == 3, timeout=WAIT_MS)
    assert "Marked done" in page.banner.text()

    today.work_view.selectRow(0)
    assert page.work_model.items()[0].what is ItemKind.FIRST_MEETING
    qtbot.keyClicks(today.reason, "Readmitted yesterday")
    assert today.not_needed.isEnabled()
    qtbot.mouseClick(today.not_needed, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.work_model.rowCount() == 2, timeout=WAIT_MS)
    assert [i.what for i in page.work_model.items()] == [ItemKind.REVIEW, ItemKind.ENDING]
    assert today.reason.text() == ""
    # Bookkeeping never shows in the lists.
    assert not [r for r in page.recent_model.rows() if r.record.kind is Kind.OUTCOME]
    assert not [r for r in page.search_model.rows() if r.record.kind is Kind.OUTCOME]

    # Locked and signed in again: the outcomes were saved, the items stay off.
    shell.lock()
    sign_in(qtbot, shell)
    again = shell.desk_page
    assert [i.what for i in again.work_model.items()] == [ItemKind.REVIEW, ItemKind.ENDING]


def test_everyday_risk_words_prompt_and_what_the_peer_did_takes_it_off_today(
        qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ids = _prepare(prepared_dir)
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    editor = page.new_diary_for(ids["sam"])
    assert not editor.form.shows("safety_action")  # most diaries need none of it
    box = editor.form.widget_for("what_happened")
    qtbot.keyClicks(box, "We walked to the park. She thinks about ending it.")
    qtbot.waitUntil(editor.safety.isVisible, timeout=WAIT_MS)
    assert "nurse in charge" in editor.safety.text()  # the policy's escalation route
    assert "whether it is in the clinical record" in editor.safety.text()
    assert editor.form.shows("safety_action") and editor.form.shows("clinical_record")
    qtbot.mouseClick(editor.safety.action, Qt.MouseButton.LeftButton)
    told = editor.form.widgets_for("safety_action")[1]
    assert editor.focusWidget() is told and told.text() == "Told the nurse in charge or the duty worker"
    told.setChecked(True)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.record is not None, timeout=WAIT_MS)
    # Saved without saying the clinical record has it: Today keeps it, bold, first.
    qtbot.waitUntil(lambda: any(i.what is ItemKind.SAFETY for i in page.work_model.items()),
                    timeout=WAIT_MS)
    safety_row = next(r for r in page.work_model.text_rows()
                      if r[1].startswith("A risk noted"))
    assert safety_row[2] == "Sam" and "thinks about ending it" in safety_row[3]
    record_box = editor.form.widget_for("clinical_record")
    record_box.setCurrentIndex(record_box.findData("by_me"))
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not any(i.what is ItemKind.SAFETY
                                    for i in page.work_model.items()), timeout=WAIT_MS)


def test_what_i_did_shows_when_asked_for_and_when_a_diary_already_says(qtbot) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime

    from peerdesk.domain import Record
    from ui.windows.editor import RecordEditor

    editor = RecordEditor(Kind.DIARY)
    qtbot.addWidget(editor)
    editor.show()
    assert not editor.form.shows("safety_note")
    qtbot.mouseClick(editor.concern_button, Qt.MouseButton.LeftButton)
    assert editor.form.shows("safety_note") and editor.form.shows("clinical_record")
    said = Record("r", Kind.DIARY, "a", None, 1, datetime(2026, 1, 1),
                  {"when": "2026-01-01T10:00", "clinical_record": "by_staff"})
    reopened = RecordEditor(Kind.DIARY, record=said, read_only=True, author="Amira")
    qtbot.addWidget(reopened)
    reopened.show()
    assert reopened.form.shows("clinical_record")  # a coordinator reading a shared diary


def test_a_save_changes_its_own_row_and_today_without_working_everything_out_again(
        qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """A decade of diaries: after a save the diary shows in the lists and Jo's first meeting
    leaves Today, while the lists are not rebuilt and Today reads only what the save touched."""
    ids = _prepare(prepared_dir)
    with Vault(prepared_dir, kdf_params=LIGHT_KDF) as vault:
        desk = open_desk(vault, "Amira", PASSPHRASE)
        for n in range(120):
            desk.add(Kind.DIARY, {"when": f"{_day(-40 - n)}T10:00", "what_happened": f"walk {n}"},
                     person_id=ids["sam"])
        desk.lock()
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    assert page.diary_model.total() == 122
    resets: list[str] = []
    for name, model in (("diary", page.diary_model), ("search", page.search_model),
                        ("people", page.people_model)):
        model.modelReset.connect(lambda name=name: resets.append(name))
    before = page._queue.worked_out

    editor = page.new_diary_for(ids["jo"])
    contact = editor.form.widget_for("contact_type")
    contact.setCurrentIndex(contact.findData("first_post_discharge"))
    qtbot.keyClicks(editor.form.widget_for("what_happened"), "Met at the cafe after discharge")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.record is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not any(i.what is ItemKind.FIRST_MEETING
                                    for i in page.work_model.items()), timeout=WAIT_MS)
    settle(qtbot)
    assert page.diary_model.total() == 123
    assert any("Met at the cafe" in r.summary for r in page.diary_model.rows())
    assert resets == []  # each list changed one row
    assert page._queue.worked_out - before <= 2  # the diary and Jo, not 122 diaries
