"""The author sees, in the app, a break-glass opening of her record, with the reason."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import x25519
from PySide6.QtCore import Qt

from peerdesk.config import Policy
from peerdesk.domain import Kind
from peerdesk.services import Vault
from peerdesk.services import governance as gov
from peerdesk.services.desk import sign_in as open_desk
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.gui.conftest import WAIT_MS, sign_in
from ui.windows.access import AccessDialog

REASON = "Jo is missing; the crisis team asked for the contacts in her crisis plan."


def test_break_glass_shows_in_the_authors_access_log(
        qtbot, make_shell, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    key = x25519.X25519PrivateKey.generate()
    policy = Policy(recovery_public_key=key.public_key().public_bytes_raw().hex())
    with Vault(data_dir, kdf_params=LIGHT_KDF, policy=policy) as vault:
        vault.set_team("Team North")
        vault.create_account("Amira", "peer", PASSPHRASE)
        vault.create_account("Grace", "coordinator", PASSPHRASE)
        amira = open_desk(vault, "Amira", PASSPHRASE)
        person = amira.add(Kind.PERSON, {"label": "Jo"})
        plan = amira.add(Kind.CRISIS_PLAN, {"sections": {"contacts": "My sister."}},
                         person_id=person.id)
        amira.lock()
        grace = open_desk(vault, "Grace", PASSPHRASE)
        gov.break_glass(grace, plan.id, recovery_key=key, reason=REASON)
        grace.lock()
    shell = make_shell(data_dir, policy=policy)
    sign_in(qtbot, shell)
    page = shell.desk_page
    assert page is not None
    assert page.access_button.accessibleName() == "Who opened my records"
    qtbot.mouseClick(page.access_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(isinstance(d, AccessDialog) for d in page.dialogs),
                    timeout=WAIT_MS)
    dialog = next(d for d in page.dialogs if isinstance(d, AccessDialog))
    text = dialog.events.item(0).text()
    assert "Grace (Peer Worker Coordinator)" in text and "opened in an emergency" in text
    assert "your crisis plan" in text and REASON in text
    # What `audit verify` says, where the access log is shown (read off the UI thread).
    qtbot.waitUntil(lambda: "Checked the" in dialog.audit_check.text(), timeout=WAIT_MS)
    assert dialog.audit_check.text().startswith("Checked the ")
    assert dialog.audit_check.text().endswith(
        "entries of this computer's audit trail, each against the one before it and its "
        "author's signature; there is no team share to anchor it, so removing its newest "
        "entries would not show.")
