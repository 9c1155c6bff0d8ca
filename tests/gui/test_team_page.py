"""Team members: an administrator approves a waiting account in the app, changes a role and
removes someone; each is a signed certificate the vault then obeys."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from PySide6.QtWidgets import QLabel, QMessageBox

from peerdesk.services import Vault, membership, sync
from peerdesk.services.desk import sign_in as services_sign_in
from peerdesk.store.db import DB_NAME
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.gui.conftest import WAIT_MS, on_team_members, settle, sign_in
from ui.windows.team_page import TeamPage


def _prepared(data_dir: Path) -> Path:
    with Vault(data_dir, kdf_params=LIGHT_KDF) as vault:
        vault.set_team("Team North")
        vault.create_account("Amira", "peer", PASSPHRASE)
        vault.create_account("Ida", "admin", PASSPHRASE)  # the first administrator: adopts Amira
        vault.create_account("Tom", "coordinator", PASSPHRASE)  # waits for Ida
    return data_dir


def _ida_on_team_members(qtbot, make_shell, data_dir: Path):  # type: ignore[no-untyped-def]
    """Ida signed in at 1366x768 on Team members, its three accounts shown."""
    shell = make_shell(data_dir)
    page = on_team_members(qtbot, shell)
    qtbot.waitUntil(lambda: len(page.shown) == 3, timeout=WAIT_MS)
    return shell, page


def _row(page: TeamPage, name: str) -> int:
    return [a.name for a in page.shown].index(name)


def test_an_administrator_approves_changes_and_removes_in_the_app(  # type: ignore[no-untyped-def]
        qtbot, make_shell, data_dir: Path, monkeypatch, tmp_path: Path) -> None:
    shell = make_shell(_prepared(data_dir))
    sign_in(qtbot, shell, "Ida")
    desk = shell.desk_page
    assert desk is not None and "Team members" in desk.nav_items
    desk.show_section("Team members")
    settle(qtbot)
    page = desk.pages.currentWidget()
    assert isinstance(page, TeamPage)
    qtbot.waitUntil(lambda: len(page.shown) == 3, timeout=WAIT_MS)
    assert page.table.item(_row(page, "Tom"), 2).text() == "Waiting for approval"
    # The role he asked for is shown, and approving starts from it.
    assert page.table.item(_row(page, "Tom"), 1).text() == "Asked for: Peer Worker Coordinator"
    assert "root administrator" in page.table.item(_row(page, "Ida"), 2).text()
    shots = os.environ.get("PEERDESK_SCREENSHOTS")
    if shots:
        shell.grab().save(str(Path(shots) / "team-members-waiting.png"))

    page.table.selectRow(_row(page, "Tom"))
    assert page.approve_button.isEnabled() and not page.role_button.isEnabled()
    assert page.remove_button.isEnabled()  # a waiting account can be turned down too
    assert page.role.currentData() == "coordinator"
    page.approve_button.click()
    qtbot.waitUntil(lambda: page.table.item(_row(page, "Tom"), 2).text() == "Member",
                    timeout=WAIT_MS)
    assert "Tom is approved as Peer Worker Coordinator" in page.note.text()
    assert shell.vault is not None
    tom = shell.vault.account("Tom")
    assert (tom.role.value, tom.status) == ("coordinator", "active")

    page.table.selectRow(_row(page, "Amira"))
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.remove_button.click()
    qtbot.waitUntil(lambda: page.table.item(_row(page, "Amira"), 2).text()
                    == "Removed from the team", timeout=WAIT_MS)
    assert shell.vault.account("Amira").status == "removed"
    page.table.selectRow(_row(page, "Ida"))  # herself: neither removed nor demoted here
    assert not page.remove_button.isEnabled() and not page.role_button.isEnabled()
    if shots:
        shell.grab().save(str(Path(shots) / "team-members-decided.png"))
    settle(qtbot)


def test_a_waiting_account_is_told_so_where_it_signs_in(  # type: ignore[no-untyped-def]
        qtbot, make_shell, data_dir: Path) -> None:
    shell = make_shell(_prepared(data_dir))
    sign_in(qtbot, shell, "Tom")
    desk = shell.desk_page
    assert desk is not None and "Team members" not in desk.nav_items
    names = [label.accessibleName() for label in desk.findChildren(QLabel)]
    assert "Signed in as Tom, waiting for an administrator to approve this account" in names
    settle(qtbot)


def test_the_root_administrator_hands_over_in_the_app(  # type: ignore[no-untyped-def]
        qtbot, make_shell, data_dir: Path, monkeypatch, tmp_path: Path) -> None:
    with Vault(data_dir, kdf_params=LIGHT_KDF) as vault:
        vault.set_team("Team North")
        vault.create_account("Ida", "admin", PASSPHRASE)
        vault.create_account("Sam", "admin", PASSPHRASE)
        vault.create_account("Nell", "coordinator", PASSPHRASE)
        ida = services_sign_in(vault, "Ida", PASSPHRASE)
        membership.approve(ida, "Sam")
        sync.init_share(ida, str(tmp_path / "share"), team_name="Team North")
        ida.lock()
    # A team from before keys/: Sam's certificate was signed when it carried his sealed keys.
    db = sqlite3.connect(data_dir / DB_NAME)
    kept = db.execute("SELECT keys_doc FROM accounts WHERE name='Sam'").fetchone()[0]
    db.execute("UPDATE accounts SET keys_doc=NULL WHERE name='Sam'")
    db.commit()
    with Vault(data_dir, kdf_params=LIGHT_KDF) as vault:
        membership.approve(services_sign_in(vault, "Ida", PASSPHRASE), "Sam")
    db.execute("UPDATE accounts SET keys_doc=? WHERE name='Sam'", (kept,))
    db.commit()
    db.close()
    shell, page = _ida_on_team_members(qtbot, make_shell, data_dir)
    assert page.table.item(_row(page, "Nell"), 1).text() == "Asked for: Peer Worker Coordinator"
    assert page.table.item(_row(page, "Ida"), 2).text() == "Member · root administrator"
    assert page.reissue_button.isVisible()
    assert "certificates for Sam still carry a copy" in page.old_copies.text()
    page.table.selectRow(_row(page, "Nell"))
    assert page.hand_over_button.isVisible() and not page.hand_over_button.isEnabled()
    assert not page.take_over_button.isVisible()
    shots = os.environ.get("PEERDESK_SCREENSHOTS")
    if shots:
        shell.grab().save(str(Path(shots) / "team-members-root.png"))

    page.reissue_button.click()
    qtbot.waitUntil(lambda: not page.reissue_button.isVisible(), timeout=WAIT_MS)
    assert "Issued again without the copy of sealed keys" in page.note.text()
    page.table.selectRow(_row(page, "Sam"))
    assert page.hand_over_button.isEnabled()
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.hand_over_button.click()
    qtbot.waitUntil(lambda: page.root is not None and page.shown[_row(page, "Sam")].id
                    == page.root, timeout=WAIT_MS)
    assert "Sam is now the team's root administrator" in page.note.text()
    assert page.table.item(_row(page, "Sam"), 2).text() == "Member · root administrator"
    assert page.table.item(_row(page, "Ida"), 2).text() == "Member"
    # Ida is an administrator still; she cannot remove Sam, the root now.
    page.table.selectRow(_row(page, "Sam"))
    assert not page.hand_over_button.isVisible() and not page.remove_button.isEnabled()
    assert not page.role_button.isEnabled() and page.take_over_button.isEnabled()
    if shots:
        shell.grab().save(str(Path(shots) / "team-members-handed-over.png"))
    settle(qtbot)


def test_an_administrator_gives_and_takes_away_the_ig_duty_in_the_app(  # type: ignore[no-untyped-def]
        qtbot, make_shell, data_dir: Path, monkeypatch, tmp_path: Path) -> None:
    from peerdesk.services import governance

    with Vault(_prepared(data_dir), kdf_params=LIGHT_KDF) as vault:
        membership.approve(services_sign_in(vault, "Ida", PASSPHRASE), "Tom")
    shell, page = _ida_on_team_members(qtbot, make_shell, data_dir)
    page.table.selectRow(_row(page, "Amira"))  # a peer cannot hold it
    assert page.ig_button.isVisible() and not page.ig_button.isEnabled()
    page.table.selectRow(_row(page, "Tom"))
    assert page.ig_button.isEnabled() and page.ig_button.text() == "Give the IG duty"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.ig_button.click()
    qtbot.waitUntil(lambda: "information governance" in page.table.item(_row(page, "Tom"), 1)
                    .text(), timeout=WAIT_MS)
    assert page.table.item(_row(page, "Tom"), 1).text() == \
        "Peer Worker Coordinator · information governance"
    assert "Tom now holds the information governance duty" in page.note.text()
    assert shell.vault is not None
    tom = shell.vault.account("Tom")
    assert governance.holds_ig_duty(shell.vault, tom.id)
    shots = os.environ.get("PEERDESK_SCREENSHOTS")
    if shots:
        shell.grab().save(str(Path(shots) / "50-team-members-ig-duty.png"))
    assert page.ig_button.text() == "Take away the IG duty"
    page.ig_button.click()
    qtbot.waitUntil(lambda: page.table.item(_row(page, "Tom"), 1).text()
                    == "Peer Worker Coordinator", timeout=WAIT_MS)
    assert not governance.holds_ig_duty(shell.vault, tom.id)
    settle(qtbot)
