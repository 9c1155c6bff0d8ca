"""A leaver's checklist in the app: Ida, an administrator holding the information governance
duty, opens Amira's checklist from Team members after Amira left and her laptop did not come
back, finds her people on the team share and hands Jo to Tom with the recovery key, then
removes Amira's account. A real folder share, real keys, real files."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from peerdesk.config import Policy
from peerdesk.domain import Kind
from peerdesk.services import membership, sync
from peerdesk.services.desk import sign_in as services_sign_in
from tests.conftest import PASSPHRASE
from tests.gui.conftest import WAIT_MS, on_team_members
from tests.gui.test_accessibility import tab_traps
from tests.helpers.recovery import KEY_PASSPHRASE, TrustKey, trust_key
from tests.helpers.team import make_team
from ui.windows.leavers import LeaverDialog

REASON = "Amira has left and her laptop was not returned; her people need a peer."
LAST_DAY = date.today() + timedelta(days=7)


@pytest.fixture
def gone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, TrustKey, str, str]:
    """The office's data folder after Amira's laptop sent Jo (a person record and a crisis
    plan) and Sam, and was never returned; Ida marked her as leaving and holds the IG duty."""
    trust = trust_key(tmp_path)
    monkeypatch.setenv("PEERDESK_POLICY", str(trust.policy))
    team = make_team(tmp_path / "team")
    try:
        team.join("t1", "Tom", "peer")
        a1 = team.desks["a1"]
        jo = a1.add(Kind.PERSON, {"label": "Jo"})
        a1.add(Kind.CRISIS_PLAN, {"sections": {"contacts": "My sister first."}},
               person_id=jo.id)
        sam = a1.add(Kind.PERSON, {"label": "Sam"})
        team.sync("a1", "office")
        team.grant_ig("Ida")
        ida = services_sign_in(team.vaults["office"], "Ida", PASSPHRASE)
        membership.mark_leaving(ida, "Amira", LAST_DAY)
        sync.run_sync(ida)
        ida.lock()
    finally:
        team.close()
    return tmp_path / "team" / "office", trust, jo.id, sam.id


def test_a_leavers_checklist_hands_her_people_over_from_the_share(  # type: ignore[no-untyped-def]
        qtbot, make_shell, gone, monkeypatch) -> None:
    office, trust, jo, sam = gone
    policy = Policy(recovery_public_key=trust.key.public_key().public_bytes_raw().hex())
    shell = make_shell(office, policy=policy)
    page = on_team_members(qtbot, shell)
    desk = shell.desk_page
    assert desk is not None
    qtbot.waitUntil(lambda: "Amira" in [a.name for a in page.shown], timeout=WAIT_MS)
    page.table.selectRow([a.name for a in page.shown].index("Amira"))
    assert page.leaving_button.isVisible() and page.leaving_button.isEnabled()
    qtbot.mouseClick(page.leaving_button, Qt.MouseButton.LeftButton)
    dialog = next(d for d in desk.dialogs if isinstance(d, LeaverDialog))
    assert "Amira" not in dialog.windowTitle()
    qtbot.waitUntil(lambda: dialog.found is not None, timeout=WAIT_MS)
    # Tab goes on from each table to the controls after it, as a keyboard user expects.
    assert tab_traps(page) == [] and tab_traps(dialog) == []

    def cells(col: int) -> list[str]:
        return [dialog.table.item(r, col).text() for r in range(dialog.table.rowCount())]

    # Read from the data: her mark (with its day), nobody of hers on this computer yet.
    assert cells(1)[0] == "Marked as leaving" and cells(0)[0] == "Done"
    assert dialog.last_day.date().toPython() == LAST_DAY
    assert cells(1)[1] == "Her people" and cells(0)[1] == "To do"
    assert cells(1)[-1] == "Her account removed" and cells(0)[-1] == "To do"
    assert not dialog.find_button.isEnabled()  # no key, no reason yet

    dialog.key_file.setText(str(trust.file))
    dialog.passphrase.setText(KEY_PASSPHRASE)
    dialog.reason.setPlainText(REASON)
    assert dialog.find_button.isEnabled()
    qtbot.mouseClick(dialog.find_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.table.rowCount() == 6, timeout=WAIT_MS)
    assert "Found 2 people" in dialog.banner.text() and "Jo" in dialog.banner.text()
    assert dialog.passphrase.text() == ""  # asked again for the next step
    assert [(i.subject, i.done) for i in dialog.found.items if i.subject] == [
        (jo, False), (sam, False)]

    # Jo, with her agreement, to Tom.
    dialog.table.selectRow(1)
    assert dialog.chosen() == jo
    assert not dialog.hand_button.isEnabled()  # no agreement, no passphrase
    dialog.agreed_by.setText("Jo, on the phone to Ida")
    dialog.passphrase.setText(KEY_PASSPHRASE)
    dialog.to.setCurrentIndex(dialog.to.findText("Tom"))
    assert dialog.hand_button.isEnabled()
    qtbot.mouseClick(dialog.hand_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.found is not None
                    and dialog.found.items[1].done, timeout=WAIT_MS)
    assert "Handed over to Tom: 2 records" in dialog.banner.text()
    assert cells(0)[1:3] == ["Done", "To do"] and "Tom" in cells(2)[1]
    assert cells(1)[1:3] == [f"Jo ({jo[:8]})", f"Sam ({sam[:8]})"]  # names from the share
    assert dialog.width() <= 1366 and dialog.height() <= 768
    shots = os.environ.get("PEERDESK_SCREENSHOTS")
    if shots:
        dialog.grab().save(str(Path(shots) / "49-leaver-checklist.png"))

    # Removal, asked first; the last item is then done, read again from her certificate.
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.found is not None and dialog.found.items[-1].done,
                    timeout=WAIT_MS)
    assert cells(0)[-1] == "Done" and not dialog.remove_button.isEnabled()
    assert "Amira was removed from the team. Sync to tell" in dialog.banner.text()

    # At lock, the checklist and what was typed leave the screen.
    desk.lock_requested.emit()
    qtbot.waitUntil(lambda: shell.desk_page is None, timeout=WAIT_MS)
    assert dialog.table.rowCount() == 0 or not dialog.isVisible()
