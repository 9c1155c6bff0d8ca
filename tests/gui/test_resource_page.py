"""The resource pack page: search with no network, stale entries flagged, CSV in and out."""

from __future__ import annotations

from pathlib import Path

from peerdesk.services import Vault, resources
from peerdesk.services.desk import sign_in as open_desk
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.gui.conftest import WAIT_MS, on_section, settle
from ui.windows.resources_page import ResourcePackPage


def test_coordinator_imports_and_peer_searches(qtbot, make_shell, prepared_dir: Path,  # type: ignore[no-untyped-def]
                                               tmp_path: Path) -> None:
    source = tmp_path / "pack.csv"
    source.write_text("name,category,area,last_checked\nAllotment group,nature,Northside,"
                      "2026-03-01\nOld drop-in,peer_group,Southside,2020-01-01\n")
    shell = make_shell(prepared_dir)
    pack = on_section(qtbot, shell, "Resource pack", ResourcePackPage, "Grace")
    assert pack.import_button.isVisible()
    pack.import_file(source)
    qtbot.waitUntil(lambda: pack.table.rowCount() == 2, timeout=WAIT_MS)
    assert "Imported: 2 added, 0 updated." in pack.note.text()
    assert "Yes: over 6 months" in pack.texts()
    qtbot.keyClicks(pack.search, "north")
    assert pack.table.rowCount() == 1 and pack.texts()[0] == "Allotment group"
    out = pack.export_csv(tmp_path / "out.csv")
    assert "Old drop-in" in out.read_text()
    settle(qtbot)


def test_a_peer_has_the_pack_but_cannot_change_it(qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    with Vault(prepared_dir, kdf_params=LIGHT_KDF) as vault:
        grace = open_desk(vault, "Grace", PASSPHRASE)
        resources.save(grace, {"name": "Riverside café", "area": "Northside"})
        grace.lock()
    shell = make_shell(prepared_dir)
    pack = on_section(qtbot, shell, "Resource pack", ResourcePackPage)
    assert pack.texts()[0] == "Riverside café" and not pack.import_button.isVisible()
    assert not pack.new_button.isVisible() and pack.export_button.isVisible()
