"""A peer marked as leaving, in the app: Amira asks for a new person and is told at once, in
one sentence, why not; what she must still do before she goes (writing up a session with Jo)
works as before. A real team folder, her real signed certificate."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from peerdesk import dates
from peerdesk.domain import Kind
from peerdesk.services import membership, sync
from peerdesk.services.desk import sign_in as services_sign_in
from tests.conftest import PASSPHRASE
from tests.gui.conftest import WAIT_MS, settle, sign_in
from tests.helpers.team import diary, make_team

LAST_DAY = date.today() + timedelta(days=10)
REFUSED = (f"You are marked as leaving the team (last day {dates.day(LAST_DAY)}), so you "
           "cannot register someone new; you can still hand over the people you support and "
           "write up your sessions with them.")


@pytest.fixture
def leaving(tmp_path: Path) -> tuple[Path, str]:
    """Amira's laptop after she registered Jo and Ida marked her as leaving (synced)."""
    team = make_team(tmp_path / "team")
    try:
        jo = team.desks["a1"].add(Kind.PERSON, {"label": "Jo"})
        team.sync("a1", "office")
        ida = services_sign_in(team.vaults["office"], "Ida", PASSPHRASE)
        membership.mark_leaving(ida, "Amira", LAST_DAY)
        sync.run_sync(ida)
        ida.lock()
        team.sync("a1")
    finally:
        team.close()
    return tmp_path / "team" / "a1", jo.id


def test_a_leaving_peer_is_told_at_once_and_writes_up_her_sessions(  # type: ignore[no-untyped-def]
        qtbot, make_shell, leaving) -> None:
    laptop, jo = leaving
    shell = make_shell(laptop)
    shell.resize(1366, 768)
    sign_in(qtbot, shell)
    desk = shell.desk_page
    assert desk is not None
    desk.show_section("People I support")
    settle(qtbot)
    people = desk.people_page
    button = people.new_buttons[Kind.PERSON]
    assert button.isEnabled()  # reachable by keyboard and screen reader; it says why not
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: desk.banner.isVisible() and REFUSED in desk.banner.text(),
                    timeout=WAIT_MS)
    settle(qtbot)
    assert desk.editors == []  # no form to fill in that could not be saved
    shots = os.environ.get("PEERDESK_SCREENSHOTS")
    if shots:
        shell.grab().save(str(Path(shots) / "51-leaving-no-new-person.png"))

    # The same from New…, after the banner was closed.
    desk.banner.hide()
    [action] = [a for a in desk.new_button.menu().actions() if a.text() == "Person I support"]
    action.trigger()
    qtbot.waitUntil(lambda: desk.banner.isVisible() and REFUSED in desk.banner.text(),
                    timeout=WAIT_MS)
    settle(qtbot)
    assert desk.editors == []

    # A form opened before the mark arrived: saving says the same, and keeps what she typed.
    editor = desk.new_record(Kind.PERSON)
    editor.form.widget_for("label").setText("Ali")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: REFUSED in editor.banner.text(), timeout=WAIT_MS)
    assert editor.record is None and editor.form.widget_for("label").text() == "Ali"
    desk.close_editor(editor)

    # Writing up a session with Jo works as before.
    people.view.selectRow(0)
    written = desk.new_diary_for(jo)
    written.form.set_values(diary("Jo and I talked about who supports her next."))
    qtbot.mouseClick(written.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: written.record is not None, timeout=WAIT_MS)
    assert written.record.person_id == jo
