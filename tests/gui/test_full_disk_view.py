"""On a full disk the app still opens, signs in and shows the desk, with a banner that says why
nothing can be saved (a real 2 MB tmpfs, filled)."""

from __future__ import annotations

import os
from pathlib import Path

from peerdesk.config import Policy
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in as sign_in_core
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.gui.conftest import settle, sign_in
from tests.integration.test_full_disk import fill, small_disk  # noqa: F401 (the fixture)


def test_the_desk_opens_on_a_full_disk_and_says_saving_waits(  # type: ignore[no-untyped-def]
        qtbot, make_shell, small_disk: Path) -> None:  # noqa: F811
    data = small_disk / "data"
    with Vault(data, kdf_params=LIGHT_KDF, policy=Policy()) as vault:
        vault.set_team("Team North")
        vault.create_account("Amira", "peer", PASSPHRASE)
        desk = sign_in_core(vault, "Amira", PASSPHRASE)
        robin = desk.add("person", {"label": "Robin"})
        desk.add("crisis_plan", {"sections": {"helps": "A walk, then tea"}}, person_id=robin.id)
    filler = fill(small_disk)
    shell = make_shell(data)
    sign_in(qtbot, shell)
    settle(qtbot)
    page = shell.desk_page
    assert page is not None
    assert page.banner.isVisible()
    assert "PeerDesk can't save on this computer right now: the disk is full" in \
        page.banner.text()
    shots = os.environ.get("PEERDESK_SCREENSHOTS")
    if shots:
        shell.resize(1366, 768)
        settle(qtbot)
        shell.grab().save(str(Path(shots) / "full-disk-desk.png"))
    shell.close()
    settle(qtbot)
    filler.unlink()
