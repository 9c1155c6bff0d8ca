"""The coordinator's inbox, a group supervision session, and presentation mode."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from peerdesk.domain import Kind
from peerdesk.services import Vault, supervision
from peerdesk.services.desk import sign_in as open_desk
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.gui.conftest import WAIT_MS, on_section, settle, sign_in
from ui.windows.supervision import InboxPage, PresentationWindow, SupervisionPage

IDENTIFIERS = ("Jo", "Marguerite", "RX12345", "943 476 5919")


def _fill(data_dir: Path) -> dict[str, str]:
    with Vault(data_dir, kdf_params=LIGHT_KDF) as vault:
        amira = open_desk(vault, "Amira", PASSPHRASE)
        jo = amira.add(Kind.PERSON, {"label": "Jo", "local_id": "RX12345"})
        mar = amira.add(Kind.PERSON, {"label": "Marguerite"})
        diary = amira.add(Kind.DIARY, {
            "when": "2026-03-03T10:00", "contact_type": "first_ward_contact",
            "what_happened": "Met Jo (RX12345) on Willow ward.",
            "lived_experience": "Told Jo how my first week felt; her number is 943 476 5919.",
            "peer_brought": ["lived_experience"]}, person_id=jo.id)
        other = amira.add(Kind.DIARY, {"when": "2026-03-04T10:00", "contact_type": "accompanied",
                                       "what_happened": "Marguerite came to the allotment."},
                          person_id=mar.id)
        refl = amira.add(Kind.REFLECTION, {
            "when": "2026-03-05", "boundary_area": "contact_outside_role",
            "how_it_felt": "Marguerite asked for my number; I felt torn.",
            "next_time": "Talk about contact in the first meeting.",
            "bring_to_supervision": True, "keeping_myself_well": "A swim."})
        for rid in (diary.id, other.id, refl.id):
            amira.share(rid, "Grace")
        amira.lock()
        grace = open_desk(vault, "Grace", PASSPHRASE)
        # Bring the two diaries as well: every kind of agenda item goes on screen.
        supervision.start_session(grace, __import__("datetime").date(2026, 3, 10), ["Amira"],
                                  agenda=[refl.id, diary.id, other.id])
        grace.lock()
    return {"diary": diary.id, "reflection": refl.id}


def _all_text(window: QWidget) -> str:
    assert isinstance(window, PresentationWindow)
    return " | ".join(window.texts())


def test_inbox_comment_then_session_and_presentation(qtbot, make_shell, prepared_dir: Path,  # type: ignore[no-untyped-def]
                                                      tmp_path: Path) -> None:
    ids = _fill(prepared_dir)
    shell = make_shell(prepared_dir)
    inbox = on_section(qtbot, shell, "Supervision inbox", InboxPage, "Grace")
    page = shell.desk_page
    assert page is not None
    top = inbox.tree.topLevelItem(0)
    assert top is not None and top.text(0).startswith("Brought to supervision (1)")
    assert inbox.current_id() == ids["reflection"]
    assert "A swim" not in inbox.detail.toPlainText()  # private: never shared
    qtbot.keyClicks(inbox.comment_box, "Thank you for bringing this.")
    qtbot.mouseClick(inbox.comment_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: inbox.comments.count() == 1, timeout=WAIT_MS)
    assert "Thank you for bringing this." in inbox.comments.item(0).text()

    page.show_section("Group supervision")
    settle(qtbot)
    sup = page.pages.currentWidget()
    assert isinstance(sup, SupervisionPage)
    assert sup.view is not None and sup.agenda.count() == 3
    assert "Person A" in sup.agenda.item(1).text() and "Jo" not in sup.agenda.item(1).text()
    qtbot.keyClicks(sup.action_text, "Ask the ward about a quiet room")
    sup.action_owner.setCurrentText("Amira")
    qtbot.mouseClick(sup.add_action_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sup.action_list.count() == 1, timeout=WAIT_MS)
    sup.themes.item(0).setCheckState(Qt.CheckState.Checked)
    qtbot.keyClicks(sup.notes, "Talked about contact outside the role.")
    qtbot.mouseClick(sup.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sup.saved_note.text() == "Saved.", timeout=WAIT_MS)
    pdf = sup.export_pdf(tmp_path / "session.pdf")
    assert pdf is not None and pdf.read_bytes().startswith(b"%PDF")
    assert not any(name in sup.html() for name in IDENTIFIERS)

    # Presentation mode: every item, every widget, no name or identifier of a person.
    assert sup.view is not None
    window = page.present(sup.view)
    qtbot.waitUntil(window.isVisible, timeout=WAIT_MS)
    window.body.ensurePolished()
    assert window.body.font().pointSize() >= 24
    seen = []
    for _ in range(3):
        seen.append(_all_text(window))
        window.next.click()
    assert "Item 3 of 3" in seen[-1] and any("Person A" in s for s in seen)
    for text in seen:
        for name in IDENTIFIERS:
            assert name not in text, (name, text)
    # Escape does not leave; a wrong passphrase does not either; hers does.
    window.reject()
    assert window.isVisible() and window.unlock_row.isVisible()
    qtbot.keyClicks(window.passphrase, "not her passphrase at all")
    window.confirm.click()
    qtbot.waitUntil(lambda: "did not match" in window.refusal.text(), timeout=WAIT_MS)
    assert window.isVisible()
    qtbot.keyClicks(window.passphrase, PASSPHRASE)
    window.confirm.click()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
    QApplication.processEvents()


def test_peer_sees_the_comment(qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ids = _fill(prepared_dir)
    with Vault(prepared_dir, kdf_params=LIGHT_KDF) as vault:
        grace = open_desk(vault, "Grace", PASSPHRASE)
        supervision.comment(grace, ids["diary"], "Good use of your own story.")
        grace.lock()
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell, "Amira")
    page = shell.desk_page
    assert page is not None
    page.show_section("Shared with supervision")
    settle(qtbot)
    model = page.shared_model
    texts = [model.data(model.index(r, 3)) for r in range(model.rowCount())]
    assert "Good use of your own story." in texts
    assert "Supervision inbox" not in page.nav_items  # a peer has no inbox


def _six_alike(data_dir: Path) -> None:
    """Six diaries of one meeting type about three people: the case that read as six copies."""
    with Vault(data_dir, kdf_params=LIGHT_KDF) as vault:
        amira = open_desk(vault, "Amira", PASSPHRASE)
        people = [amira.add(Kind.PERSON, {"label": name}) for name in ("Jo", "Marguerite", "Dev")]
        for day in range(6):
            diary = amira.add(Kind.DIARY, {
                "when": f"2026-03-0{day + 1}T10:00", "contact_type": "discharge_meeting",
                "what_happened": "Care-planning meeting."}, person_id=people[day % 3].id)
            amira.share(diary.id, "Grace")
        amira.lock()


def _grace_at(qtbot, make_shell, data_dir: Path, section: str):  # type: ignore[no-untyped-def]
    """Grace's desk showing section: (the desk, the section's page)."""
    shell = make_shell(data_dir)
    sign_in(qtbot, shell, "Grace")
    page = shell.desk_page
    page.show_section(section)
    settle(qtbot)
    return page, page.pages.currentWidget()


def _inbox(qtbot, make_shell, data_dir: Path) -> InboxPage:  # type: ignore[no-untyped-def]
    _desk, inbox = _grace_at(qtbot, make_shell, data_dir, "Supervision inbox")
    assert isinstance(inbox, InboxPage)
    return inbox


def test_inbox_titles_tell_items_apart_without_names(qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    _six_alike(prepared_dir)
    inbox = _inbox(qtbot, make_shell, prepared_dir)
    group = inbox.tree.topLevelItem(0)
    assert group is not None and group.text(0) == "Shared by Amira (6)"
    titles = [group.child(i).text(0) for i in range(group.childCount())]
    assert len(set(titles)) == 6, titles
    assert titles[0] == ("6 Mar 2026 · Person C\n"
                         "Discharge or care-planning meeting (at the person's invitation)")
    # The same person keeps one alias: 1 and 4 March are both about Jo.
    assert titles[-1].startswith("1 Mar 2026 · Person A") and titles[2].startswith("4 Mar 2026 · Person A")
    for title in titles:
        assert not any(name in title for name in ("Jo", "Marguerite", "Dev"))
    assert "Shared by Amira · about Person C" in inbox.detail.toPlainText()


def test_inbox_reading_pane_has_the_room_and_the_keyboard_moves_between_items(
        qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    _six_alike(prepared_dir)
    inbox = _inbox(qtbot, make_shell, prepared_dir)
    inbox.window().resize(1366, 700)
    settle(qtbot)
    # The reading pane is taller than the comments and the comment box together.
    assert inbox.detail.height() > inbox.comments.height() + inbox.comment_box.height() + \
        inbox.no_comments.height()
    assert inbox.position.text() == "Item 1 of 6"
    first = inbox.current_id()
    inbox.comment_box.setFocus()
    qtbot.keyClick(inbox.comment_box, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: inbox.position.text() == "Item 2 of 6", timeout=WAIT_MS)
    assert inbox.current_id() != first
    assert inbox.comment_box.hasFocus()  # still writing where she was
    qtbot.keyClick(inbox.comment_box, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: inbox.current_id() == first, timeout=WAIT_MS)
    assert not inbox.previous_button.isEnabled()
    for _ in range(7):  # past the last stays on the last
        inbox.next_button.click()
    assert inbox.position.text() == "Item 6 of 6" and not inbox.next_button.isEnabled()


def test_enter_on_a_wrong_leave_passphrase_keeps_the_item(qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    _fill(prepared_dir)
    page, sup = _grace_at(qtbot, make_shell, prepared_dir, "Group supervision")
    assert isinstance(sup, SupervisionPage) and sup.view is not None
    window = page.present(sup.view)
    qtbot.waitUntil(window.isVisible, timeout=WAIT_MS)
    window.next.click()
    window.next.click()
    assert window.position.text() == "Item 3 of 3"
    window.leave.click()
    qtbot.waitUntil(window.passphrase.hasFocus, timeout=WAIT_MS)
    qtbot.keyClicks(window.passphrase, "not her passphrase at all")
    qtbot.keyClick(window.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "did not match" in window.refusal.text(), timeout=WAIT_MS)
    settle(qtbot)
    assert window.position.text() == "Item 3 of 3"
    assert window.isVisible()
    qtbot.keyClicks(window.passphrase, PASSPHRASE)
    qtbot.keyClick(window.passphrase, Qt.Key.Key_Enter)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
