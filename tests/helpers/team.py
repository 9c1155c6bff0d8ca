"""A team on several devices (each its own data folder) around one share folder."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import keyring
import pytest

from peerdesk.clock import utcnow
from peerdesk.crypto import keystore
from peerdesk.services import Desk, Vault, membership, sync
from peerdesk.services.desk import sign_in
from peerdesk.store.db import DB_NAME
from peerdesk.sync.share import Share
from tests.conftest import LIGHT_KDF, PASSPHRASE, new_data_folder, run_cli
from tests.helpers.memory_keyring import MemoryKeyring
from tests.helpers.samba import SMB_PASSWORD, SMB_USER

Clock = Callable[[], datetime]


@dataclass
class Team:
    root: Path
    location: str
    vaults: dict[str, Vault] = field(default_factory=dict)
    desks: dict[str, Desk] = field(default_factory=dict)

    def device(self, name: str, *, clock: Clock = utcnow) -> Vault:
        vault = Vault(new_data_folder(self.root / name), kdf_params=LIGHT_KDF, clock=clock)
        self.vaults[name] = vault
        return vault

    def enrol(self, device: str, user: str, *, clock: Clock = utcnow) -> Desk:
        desk, _ = sync.enrol(self.device(device, clock=clock), self.location, user, PASSPHRASE)
        self.desks[device] = desk
        return desk

    def join(self, device: str, user: str, role: str) -> Desk:
        """Ida adds an account at the office and publishes it; its owner enrols on `device`."""
        office = self.vaults["office"]
        office.create_account(user, role, PASSPHRASE)
        ida = sign_in(office, "Ida", PASSPHRASE)
        membership.approve(ida, user)
        sync.init_share(ida, self.location)  # publishes the new account
        ida.lock()
        return self.enrol(device, user)

    def grant_ig(self, user: str, *, grant: bool = True) -> None:
        """Ida, at the office, gives ``user`` the information governance duty (or takes it
        away) and publishes the certificate."""
        ida = sign_in(self.vaults["office"], "Ida", PASSPHRASE)
        (membership.grant_ig if grant else membership.revoke_ig)(ida, user)
        sync.run_sync(ida)
        ida.lock()

    def sync(self, *names: str, share: Share | None = None) -> list[sync.SyncReport]:
        return [sync.run_sync(self.desks[n], share=share) for n in names]

    def sync_all(self, rounds: int = 2) -> None:
        """Enough rounds that everything reaches everyone."""
        for _ in range(rounds):
            self.sync(*self.desks)

    def close(self) -> None:
        for vault in self.vaults.values():
            vault.close()


def make_team(root: Path, *, location: str | None = None,
              clocks: dict[str, Clock] | None = None) -> Team:
    """Ida (admin) sets up the share from the coordinator's PC, where Grace works; Amira
    signs in on two devices of her own, a1 and a2, with only her passphrase."""
    clocks = clocks or {}
    share_dir = root / "share"  # share init makes it
    team = Team(root, location or str(share_dir))
    office = team.device("office", clock=clocks.get("office", utcnow))
    for name, role in (("Ida", "admin"), ("Amira", "peer"), ("Grace", "coordinator")):
        office.create_account(name, role, PASSPHRASE)
    ida = sign_in(office, "Ida", PASSPHRASE)
    for name in ("Amira", "Grace"):  # added at a computer with an administrator: she approves
        membership.approve(ida, name)
    sync.init_share(ida, team.location, team_name="Team North")
    ida.lock()
    team.desks["office"] = sign_in(office, "Grace", PASSPHRASE)
    team.enrol("a1", "Amira", clock=clocks.get("a1", utcnow))
    team.enrol("a2", "Amira", clock=clocks.get("a2", utcnow))
    return team



def cli_team(root: Path, accounts: tuple[tuple[str, str], ...],
             devices: tuple[tuple[str, str], ...]) -> Path:
    """A team made through the command line, as IT makes one: at `root`/office the first of
    `accounts` (an administrator) and the rest are added, she approves them and makes
    `root`/share the team share; then each (folder, name) of `devices` joins it. `root`."""
    office, share = root / "office", root / "share"
    assert run_cli(office, "init").code == 0
    for name, role in accounts:
        assert run_cli(office, "user", "add", name, "--role", role).code == 0
    admin = accounts[0][0]
    for name, _ in accounts[1:]:
        assert run_cli(office, "--user", admin, "user", "approve", name).code == 0
    made = run_cli(office, "--user", admin, "share", "init", str(share))
    assert made.code == 0, made.err
    for folder, name in devices:
        joined = run_cli(root / folder, "--user", name, "sync", "--share", str(share))
        assert joined.code == 0, joined.err
    return root


def copy_team(built: Path, to: Path, *, share: str = "share") -> None:
    """Copies every folder of a team built once (data folders and the share folder under
    `built`, none of them open) to `to`, file times kept, and points each copied data folder
    at the copied share through the app's own setting: a test gets a team of its own without
    paying for its key derivation again."""
    for folder in built.iterdir():
        shutil.copytree(folder, to / folder.name)
    for folder in to.iterdir():
        if (folder / DB_NAME).exists():
            with Vault(folder) as vault:
                sync.set_share_location(vault, str(to / share))


def team_on(request: pytest.FixtureRequest, tmp_path: Path) -> Team:
    """``make_team`` on a share folder, or on the real Samba server when the fixture's
    parameter is "samba" (its password in a keyring of the test's own)."""
    if request.param == "folder":
        return make_team(tmp_path)
    samba = request.getfixturevalue("samba")
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    request.addfinalizer(lambda: keyring.set_keyring(previous))
    keystore.save_share_credentials("127.0.0.1", samba.port, SMB_USER, SMB_PASSWORD)
    return make_team(tmp_path, location=f"smb://127.0.0.1:{samba.port}/share/{tmp_path.name}")


def diary(text: str, when: str = "2026-03-14T10:30") -> dict[str, str]:
    return {"when": when, "what_happened": text}
