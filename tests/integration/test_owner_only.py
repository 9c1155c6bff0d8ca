"""What PeerDesk leaves on disk is its owner's alone (0600 files, a 0700 folder it makes), on
Linux; and a command whose reader goes away (``peerdesk … | head``) stops quietly."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from peerdesk.services.desk import sign_in
from peerdesk.services.vault import Vault
from peerdesk.store.db import DB_NAME, LOCK_NAME
from tests.conftest import LIGHT_KDF, PASSPHRASE

pytestmark = pytest.mark.skipif(os.name != "posix", reason="modes are POSIX's; Windows uses ACLs")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_data_folder_and_its_database_are_the_owners_alone(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    old = os.umask(0o022)  # the usual umask: everything readable by everyone
    try:
        data = tmp_path / "new-folder"
        with Vault(data, kdf_params=LIGHT_KDF) as vault:
            vault.create_account("Amira", "peer", PASSPHRASE)
            desk = sign_in(vault, "Amira", PASSPHRASE)
            desk.add("person", {"label": "Jo"})
            draft_on_disk = [data / DB_NAME, data / f"{DB_NAME}-wal", data / f"{DB_NAME}-shm",
                             data / LOCK_NAME]
            # While open: the database, its write-ahead log and shared memory, and the lock.
            assert {p.name: oct(mode(p)) for p in draft_on_disk if p.exists()} == {
                p.name: "0o600" for p in draft_on_disk if p.exists()}
            assert (data / f"{DB_NAME}-wal").exists()
        assert mode(data) == 0o700
    finally:
        os.umask(old)


def test_a_database_an_older_peerdesk_made_0644_is_tightened_on_open(data_dir: Path) -> None:
    Vault(data_dir, kdf_params=LIGHT_KDF).close()
    db = data_dir / DB_NAME
    db.chmod(0o644)
    with Vault(data_dir, kdf_params=LIGHT_KDF):
        assert mode(db) == 0o600


def test_copies_are_the_owners_alone(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("init", "--team", "Team North").code == 0
    assert cli("user", "add", "Amira").code == 0
    assert cli("user", "add", "Grace", "--role", "coordinator").code == 0
    person = cli("--user", "Amira", "person", "add", "--label", "Jo").out.strip()
    plan = cli("--user", "Amira", "record", "add", "--kind", "crisis_plan", "--person", person,
               "--file", "-", stdin='{"sections": {"helps": "Tea and a walk"}}').out.strip()
    out = tmp_path / "copies"
    assert cli("--user", "Amira", "plan", "export", plan, "--out", str(out / "p.pdf")).code == 0
    assert cli("--user", "Amira", "sar", person, "--out", str(out / "sar")).code == 0
    assert cli("--user", "Grace", "audit", "export", "--out", str(out / "a.csv")).code == 0
    made = [p for p in out.rglob("*")]
    assert made and all(mode(p) == (0o700 if p.is_dir() else 0o600) for p in made), \
        {str(p): oct(mode(p)) for p in made}


def test_a_reader_that_goes_away_gets_no_error(data_dir: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "peerdesk.cli", "--data-dir", str(data_dir), "record", "schema",
         "--kind", "crisis_plan"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `| head` exiting before PeerDesk writes
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 0
    assert err == b""  # no "Broken pipe.", no "Exception ignored"
