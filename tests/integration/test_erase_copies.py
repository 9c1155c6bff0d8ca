"""Erasure reaches every copy PeerDesk made: a copy in backups/ taken before an upgrade goes
when someone is erased, here or on another device through sync; restoring it is then not
possible, and what is left to restore (the store itself) reads nothing of the person."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from peerdesk.config import Policy
from peerdesk.errors import NotFound
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in
from peerdesk.store import migrate
from peerdesk.store.db import DB_NAME
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.helpers.team import Team, diary, make_team


def copies(data_dir: Path) -> list[Path]:
    folder = data_dir / migrate.BACKUP_DIR
    return sorted(folder.iterdir()) if folder.is_dir() else []


def texts_in(db: Path, restore_to: Path) -> set[str]:
    """Put ``db`` back as the data folder's store (as someone restoring a backup would) and
    read everything Amira can."""
    restore_to.mkdir()
    shutil.copyfile(db, restore_to / DB_NAME)
    with Vault(restore_to, kdf_params=LIGHT_KDF, policy=Policy()) as vault:
        desk = sign_in(vault, "Amira", PASSPHRASE)
        return {str(r.fields.get("what_happened") or r.fields.get("label"))
                for r in desk.records()}


def test_erasing_a_person_removes_the_copies_that_held_them(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Vault(data, kdf_params=LIGHT_KDF, policy=Policy()) as vault:
        vault.create_account("Amira", "peer", PASSPHRASE)
        desk = sign_in(vault, "Amira", PASSPHRASE)
        robin = desk.add("person", {"label": "Robin"})
        for n in range(20):
            desk.add("diary", diary(f"ERASE-ME walk {n}"), person_id=robin.id)
        desk.add("diary", diary("another person's day"))
        vault.store.checkpoint()
        # A copy as an upgrade takes it (one that was interrupted, so it is still there).
        copy = migrate.backup(data / DB_NAME, migrate.HEAD)
        assert "ERASE-ME walk 3" in texts_in(copy, tmp_path / "before")  # it does hold them
        assert desk.erase_person(robin.id) == 21
        assert copies(data) == []  # no copy left that could be restored
        with pytest.raises(NotFound):
            desk.get(robin.id)
    restored = texts_in(data / DB_NAME, tmp_path / "after")
    assert restored == {"another person's day"}


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    t = make_team(tmp_path)
    yield t
    t.close()


def test_an_erasure_arriving_by_sync_removes_the_copies_too(team: Team) -> None:
    a1, a2 = team.desks["a1"], team.desks["a2"]
    robin = a1.add("person", {"label": "Robin"})
    a1.add("diary", diary("ERASE-ME on the ward"), person_id=robin.id)
    team.sync("a1", "a2")
    a2_data = team.vaults["a2"].store.data_dir
    migrate.backup(a2_data / DB_NAME, migrate.HEAD)
    assert len(copies(a2_data)) == 1
    a1.erase_person(robin.id)
    team.sync("a1", "a2")
    assert copies(a2_data) == []
    assert all("ERASE-ME" not in str(r.fields) for r in a2.records())
