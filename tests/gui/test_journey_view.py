"""The People page shows the selected person's support journey, read from their diaries."""

from __future__ import annotations

from pathlib import Path

from peerdesk.domain import Kind
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in as open_desk
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.gui.conftest import WAIT_MS, settle, sign_in


def test_people_page_shows_the_journey(qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    with Vault(prepared_dir, kdf_params=LIGHT_KDF) as vault:
        desk = open_desk(vault, "Amira", PASSPHRASE)
        person = desk.add(Kind.PERSON, {"label": "Jo", "discharged_on": "2026-03-20",
                                        "admission_ward": "Willow ward"})
        desk.add(Kind.DIARY, {"when": "2026-03-01T10:00", "contact_type": "first_ward_contact"},
                 person_id=person.id)
        desk.add(Kind.DIARY, {"when": "2026-03-24T10:00",
                              "contact_type": "first_post_discharge"}, person_id=person.id)
        desk.lock()
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    assert page is not None
    page.show_section("People I support")
    people = page.people_page
    assert "Select a person" in people.journey.hint.text()
    people.view.selectRow(0)
    settle(qtbot)
    qtbot.waitUntil(lambda: people.journey.table.rowCount() > 0, timeout=WAIT_MS)
    texts = " | ".join(people.journey.texts())
    assert "Willow ward" in texts
    assert "1 Mar 2026" in texts and "4 days after discharge" in texts
