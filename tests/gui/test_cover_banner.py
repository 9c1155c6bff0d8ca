"""Peers see who is covering while the coordinator is away."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from peerdesk.domain import Kind
from peerdesk.services import Vault, cover
from peerdesk.services.desk import sign_in as open_desk
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.gui.conftest import settle, sign_in


def test_peer_sees_the_cover_and_shares_reach_it(qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    with Vault(prepared_dir, kdf_params=LIGHT_KDF) as vault:
        vault.create_account("Sam", "coordinator", PASSPHRASE)
        amira = open_desk(vault, "Amira", PASSPHRASE)
        diary = amira.add(Kind.DIARY, {"when": "2026-03-01T10:00"})
        amira.share(diary.id, "Grace")
        amira.lock()
        grace = open_desk(vault, "Grace", PASSPHRASE)
        today = date.today()
        cover.grant(grace, "Sam", today - timedelta(days=1), today + timedelta(days=6))
        grace.lock()
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell, "Amira")
    page = shell.desk_page
    assert page is not None
    settle(qtbot)
    assert "Sam is covering" in page.banner.text()
    assert page.desk is not None
    assert set(page.desk.shared_by_me()[diary.id]) == {
        a.id for a in page.desk.vault.accounts() if a.name in ("Grace", "Sam")}


def test_coordinator_arranges_cover(qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    from tests.gui.conftest import WAIT_MS
    from ui.windows.supervision import SupervisionPage

    with Vault(prepared_dir, kdf_params=LIGHT_KDF) as vault:
        vault.create_account("Sam", "coordinator", PASSPHRASE)
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell, "Grace")
    page = shell.desk_page
    assert page is not None
    page.show_section("Group supervision")
    settle(qtbot)
    sup = page.pages.currentWidget()
    assert isinstance(sup, SupervisionPage) and sup.cover_who.currentText() == "Sam"
    qtbot.mouseClick(sup.cover_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Sam covers from" in sup.saved_note.text(), timeout=WAIT_MS)
    assert page.desk is not None
    assert [g.fields["cover"] for g in cover.grants(page.desk.records())] == ["Sam"]
