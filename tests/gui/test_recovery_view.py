"""Recovery from the team share in the app: Grace, a coordinator to whom the administrator gave
the information governance duty, opens what Amira's lost laptop sent to the team share, and
makes one subject access bundle about Jo from the whole team. Ida, an administrator without
the duty, never sees the section. A real folder share, real keys, real files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from peerdesk.config import Policy
from peerdesk.domain import Kind
from tests.gui.conftest import WAIT_MS, settle, sign_in
from tests.helpers.recovery import KEY_PASSPHRASE, TrustKey, trust_key
from tests.helpers.team import make_team
from ui.windows.desk import IG_NAV
from ui.windows.recovery import RecoveryPage

REASON = "Amira's laptop was stolen; Jo's crisis plan is needed by the crisis team today."


@pytest.fixture
def lost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, TrustKey, str, str]:
    """The office's data folder after Amira's laptop sent Jo's record and plan and was lost;
    Ida gave Grace the IG duty. Returns the folder, the key, the laptop's and Jo's ids."""
    trust = trust_key(tmp_path)
    monkeypatch.setenv("PEERDESK_POLICY", str(trust.policy))
    team = make_team(tmp_path / "team")
    try:
        a1 = team.desks["a1"]
        jo = a1.add(Kind.PERSON, {"label": "Jo"})
        a1.add(Kind.CRISIS_PLAN, {"sections": {"contacts": "My sister first."}},
               person_id=jo.id)
        team.sync("a1", "office")
        device = team.vaults["a1"].device_id
        team.grant_ig("Grace")
    finally:
        team.close()
    return tmp_path / "team" / "office", trust, device, jo.id


def _fill(qtbot, page: RecoveryPage, target: str, trust: TrustKey,  # type: ignore[no-untyped-def]
          passphrase: str = KEY_PASSPHRASE, reason: str = REASON) -> None:
    page.target.setText(target)
    page.key_file.setText(str(trust.file))
    page.passphrase.setText(passphrase)
    page.reason.setPlainText(reason)


def test_ig_opens_a_lost_laptop_and_makes_a_team_bundle_in_the_app(  # type: ignore[no-untyped-def]
        qtbot, make_shell, lost, tmp_path: Path) -> None:
    office, trust, device, jo = lost
    policy = Policy(recovery_public_key=trust.key.public_key().public_bytes_raw().hex())
    shell = make_shell(office, policy=policy)
    shell.resize(1366, 768)

    # An administrator without the duty: no such section.
    sign_in(qtbot, shell, "Ida")
    settle(qtbot)
    assert shell.desk_page is not None and IG_NAV not in shell.desk_page.nav_items
    shell.desk_page.switch_user_requested.emit()
    qtbot.waitUntil(lambda: shell.desk_page is None, timeout=WAIT_MS)

    sign_in(qtbot, shell, "Grace")
    desk = shell.desk_page
    qtbot.waitUntil(lambda: IG_NAV in desk.nav_items, timeout=WAIT_MS)
    desk.show_section(IG_NAV)
    page = desk.pages.currentWidget()
    assert isinstance(page, RecoveryPage)

    # The lost laptop is found on the share by whose it was, not by its id.
    qtbot.mouseClick(page.find_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.computers.count() > 1, timeout=WAIT_MS)
    assert page.status.text().startswith("Found ")
    at = page.computers.findData(device)
    assert page.computers.itemText(at).startswith("Amira: computer ")
    page.computers.setCurrentIndex(at)
    assert page.target.text() == device

    # Nothing starts without a reason long enough to mean something.
    _fill(qtbot, page, device, trust, reason="stolen")
    assert not page.go.isEnabled() and "more characters of reason" in page.reason_hint.text()
    page.reason.setPlainText(REASON)
    assert page.go.isEnabled() and page.go.text() == "Open with the recovery key"

    # A wrong passphrase: one sentence, nothing opened.
    page.passphrase.setText("not the passphrase at all")
    qtbot.mouseClick(page.go, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.busy, timeout=WAIT_MS)
    assert page.status.text().startswith("Nothing was opened.")
    assert not page.result.isVisible() and page.passphrase.text() == ""

    page.passphrase.setText(KEY_PASSPHRASE)
    qtbot.mouseClick(page.go, Qt.MouseButton.LeftButton)
    assert page.busy and page.progress_bar.isVisible()
    qtbot.waitUntil(lambda: not page.busy, timeout=WAIT_MS)
    assert page.status.text().startswith("Opened 2 records that computer sent to the team share")
    shown = page.result.toPlainText()
    assert "Crisis plan by Amira" in shown and "My sister first." in shown
    assert "Jo" not in shell.windowTitle() and page.passphrase.text() == ""
    shots = os.environ.get("PEERDESK_SCREENSHOTS")
    if shots:
        shell.grab().save(str(Path(shots) / "47-recovery-from-share.png"))

    # One bundle about Jo from the whole team, written owner-only into the export folder.
    page.person_choice.setChecked(True)
    assert page.go.text() == "Make the bundle"
    _fill(qtbot, page, jo, trust)
    qtbot.mouseClick(page.go, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.busy, timeout=WAIT_MS)
    assert page.status.text().startswith("Saved 2 records (2 versions) about this person"), \
        page.status.text()
    (folder,) = (tmp_path / "exports").glob("subject-access-team-*")
    written = {p.name: p for p in folder.iterdir()}
    assert set(written) == {"subject-access.json", "subject-access.html", "subject-access.pdf"}
    assert all(p.stat().st_mode & 0o077 == 0 for p in written.values())
    assert "My sister first." in json.dumps(json.loads(written["subject-access.json"].read_text()))
    if shots:
        shell.grab().save(str(Path(shots) / "48-team-subject-access.png"))

    # At lock, what was opened leaves the screen.
    desk.lock_requested.emit()
    qtbot.waitUntil(lambda: shell.desk_page is None, timeout=WAIT_MS)
    assert page.result.toPlainText() == "" and page.target.text() == ""
