"""Who may see a plan has one source, the consent ledger: a name from the old free-text field
arrives on it "to confirm", is flagged on Today, and is confirmed in the plan's consent panel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from peerdesk.domain import Kind
from peerdesk.domain.consent import ledger
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in as open_desk
from peerdesk.services.workqueue import ItemKind
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.gui.conftest import WAIT_MS, sign_in
from ui.windows.consent import ConsentDialog


def test_a_named_person_is_confirmed_from_today_through_the_consent_panel(
        qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    with Vault(prepared_dir, kdf_params=LIGHT_KDF) as vault:
        desk = open_desk(vault, "Amira", PASSPHRASE)
        jo = desk.add(Kind.PERSON, {"label": "Jo"})
        plan = desk.add(Kind.CRISIS_PLAN, {"sections": {"signs": "Quiet."},
                                           "shared_with": ["My sister"]}, person_id=jo.id)
        desk.lock()
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)  # signing in moves the name onto the ledger
    page = shell.desk_page
    [item] = page.work_model.items()
    assert item.what is ItemKind.CONSENT and "My sister" in item.detail
    page.today.work_view.selectRow(0)
    qtbot.mouseClick(page.today.open_item, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(page.editors) and page.editors[-1].record_id == plan.id,
                    timeout=WAIT_MS)
    editor = page.editors[-1]
    assert editor.consent_button is not None
    qtbot.mouseClick(editor.consent_button, Qt.MouseButton.LeftButton)
    dialog = next(d for d in page.dialogs if isinstance(d, ConsentDialog))
    texts = [dialog.entries.item(i).text() for i in range(dialog.entries.count())]
    assert texts == ["My sister: named in the plan — to confirm with the person; no copy "
                     "until then"]
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert "Choose someone marked" in dialog.banner.text()  # nothing chosen yet
    dialog.entries.setCurrentRow(0)
    dialog.role.setCurrentIndex(dialog.role.findData("family_friend"))
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "agreed" in dialog.entries.item(0).text(), timeout=WAIT_MS)
    assert dialog.entries.item(0).text().startswith(
        "My sister (A named family member or friend): whole plan, since")
    qtbot.waitUntil(lambda: page.work_model.rowCount() == 0, timeout=WAIT_MS)
    [entry] = ledger(page.rows[plan.id].record.fields)
    assert not entry.to_confirm and entry.role == "family_friend"
