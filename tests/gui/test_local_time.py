"""Times on screen are UK local time: a record saved at noon UTC in July shows 13:00 (BST),
one saved at noon UTC in January shows 12:00 (GMT). Stored times stay UTC."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from peerdesk import dates
from peerdesk.config import Policy, load_policy
from peerdesk.domain import Kind
from peerdesk.errors import InvalidInput
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in as unlock
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.gui.conftest import WAIT_MS, sign_in

SUMMER = datetime(2026, 7, 14, 12, 0)  # UTC
WINTER = datetime(2026, 1, 14, 12, 0)


def _saved_at(prepared_dir: Path, when: datetime, label: str) -> str:
    with Vault(prepared_dir, kdf_params=LIGHT_KDF, clock=lambda: when) as vault:
        amira = unlock(vault, "Amira", PASSPHRASE)
        person = amira.add(Kind.PERSON, {"label": label})
        assert person.saved_at == when  # stored as UTC
        amira.lock()
    return person.id


def test_times_on_screen_follow_bst_in_summer(qtbot, make_shell,  # type: ignore[no-untyped-def]
                                              prepared_dir: Path) -> None:
    summer = _saved_at(prepared_dir, SUMMER, "Summer")
    winter = _saved_at(prepared_dir, WINTER, "Winter")
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    assert page is not None
    shown = {}
    for rid in (summer, winter):
        record = page.rows[rid].record
        page.open_record(record)
        qtbot.waitUntil(lambda rid=rid: page.editor_for(rid) is not None, timeout=WAIT_MS)
        editor = page.editor_for(rid)
        assert editor is not None
        shown[rid] = editor.status.text()
        page.close_editor(editor)
    assert shown[summer].endswith("14 Jul 2026, 13:00"), shown[summer]
    assert shown[winter].endswith("14 Jan 2026, 12:00"), shown[winter]
    # A list's "When" (here the search's, over everything) sorts and shows the same local
    # time; the people list's "Support started" is a date of its own, not the save time.
    model = page.search_model
    texts = {model.data(model.index(r, 0), Qt.ItemDataRole.DisplayRole)  # "when"
             for r in range(model.rowCount())}
    assert "14 Jul 2026, 13:00" in texts and "14 Jan 2026, 12:00" in texts
    people = page.people_model
    assert {people.data(people.index(r, 2), Qt.ItemDataRole.DisplayRole)
            for r in range(people.rowCount())} == {"Not set"}


def test_the_policy_sets_the_zone_and_paper_uses_it() -> None:
    dates.use_zone("Europe/London")
    assert dates.moment(SUMMER) == "14 July 2026, 13:00"
    assert dates.short_moment(WINTER) == "14 Jan 2026, 12:00"
    # Just after midnight in summer is already tomorrow in the UK, still today in UTC.
    assert dates.today(datetime(2026, 7, 14, 23, 30)).isoformat() == "2026-07-15"
    assert dates.to_utc(datetime(2026, 7, 14, 13, 0)) == SUMMER
    Policy(time_zone="Europe/Warsaw")  # a valid zone is accepted…
    try:
        dates.use_zone("Europe/Warsaw")
        assert dates.short_moment(SUMMER) == "14 Jul 2026, 14:00"
    finally:
        dates.use_zone(dates.DEFAULT_ZONE)


def test_a_zone_named_by_the_policy_file_is_checked_as_it_is_read(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text('{"time_zone": "Europe/Atlantis"}', encoding="utf-8")
    with pytest.raises(InvalidInput, match="'time_zone': 'Europe/Atlantis' is not a time zone"):
        load_policy(policy)
    try:
        policy.write_text('{"time_zone": "Europe/Warsaw"}', encoding="utf-8")
        load_policy(policy)
        assert dates.short_moment(SUMMER) == "14 Jul 2026, 14:00"
        policy.write_text("{}", encoding="utf-8")  # no zone set: the UK's, loaded when used
        load_policy(policy)
        assert dates.short_moment(SUMMER) == "14 Jul 2026, 13:00"
    finally:
        dates.use_zone(dates.DEFAULT_ZONE)
