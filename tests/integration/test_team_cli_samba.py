"""The team's changes through the command line on a real Samba server: each CLI child process
finds the SMB password in a real Secret Service keyring (gnome-keyring, unlocked as at login,
in a session bus of its own), saved there once with `share password`, as IT does on a ward PC.
Three data folders and one share: the root hands over and is removed, the new root approves a
new member, a fourth computer enrols and agrees; a passphrase change travels."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CliResult, run_cli
from tests.helpers.desktop import DesktopSession, desktop_session, missing_parts
from tests.helpers.samba import SMB_PASSWORD, SMB_USER, Samba

pytestmark = [pytest.mark.smb, pytest.mark.desktop, pytest.mark.slow]
NEW = "walrus jigsaw toffee lantern"


@pytest.fixture
def keyring_session() -> Iterator[DesktopSession]:
    if missing_parts():
        pytest.skip(f"no desktop session on this machine (missing: {', '.join(missing_parts())})")
    with desktop_session(window_manager=False) as session:
        yield session


def test_a_team_changes_on_samba_with_the_password_in_the_keyring(
        samba: Samba, keyring_session: DesktopSession, tmp_path: Path) -> None:
    env = {k: v for k, v in keyring_session.env.items()
           if k in {"HOME", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "XDG_DATA_HOME",
                    "DBUS_SESSION_BUS_ADDRESS"}}
    location = f"smb://{SMB_USER}@127.0.0.1:{samba.port}/share/team-{uuid.uuid4().hex[:8]}"
    office, sam, amira = tmp_path / "office", tmp_path / "sam", tmp_path / "amira"

    def cli(folder: Path, *args: str, passphrase: str | None = None,
            extra: dict[str, str] | None = None) -> CliResult:
        if passphrase is None:
            return run_cli(folder, *args, env=env | (extra or {}))
        return run_cli(folder, *args, env=env | (extra or {}), passphrase=passphrase)

    def ok(folder: Path, *args: str, passphrase: str | None = None,
           extra: dict[str, str] | None = None) -> str:
        done = cli(folder, *args, passphrase=passphrase, extra=extra)
        assert done.code == 0, done.err
        return done.out

    def users(folder: Path) -> dict[str, tuple[str, str, bool]]:
        return {a["name"]: (a["role"], a["status"], a["root"])
                for a in json.loads(ok(folder, "user", "list", "--json"))}

    # Once per computer user: the password goes into the keyring, not into any file.
    ok(tmp_path / "it", "share", "password", location, "--username", SMB_USER,
       extra={"PEERDESK_SHARE_PASSWORD": SMB_PASSWORD})
    ok(office, "init")
    for name, role in (("Ida", "admin"), ("Sam", "admin"), ("Amira", "peer")):
        ok(office, "user", "add", name, "--role", role)
    for name in ("Sam", "Amira"):
        ok(office, "--user", "Ida", "user", "approve", name)
    ok(office, "--user", "Ida", "share", "init", location)
    ok(sam, "--user", "Sam", "sync", "--share", location)
    ok(amira, "--user", "Amira", "sync", "--share", location)

    ok(office, "--user", "Ida", "user", "hand-over-root", "Sam")
    ok(office, "--user", "Ida", "sync")
    assert "'Sam' is now the team's root administrator" in ok(sam, "--user", "Sam", "sync")
    ok(sam, "--user", "Sam", "user", "remove", "Ida", "--yes")
    ok(sam, "user", "add", "Nell", "--role", "coordinator")
    ok(sam, "--user", "Sam", "user", "approve", "Nell")
    ok(sam, "--user", "Sam", "sync")

    ok(amira, "--user", "Amira", "user", "passwd", extra={"PEERDESK_NEW_PASSPHRASE": NEW})
    ok(amira, "--user", "Amira", "sync", passphrase=NEW)
    assert users(amira)["Ida"][1] == "removed" and users(amira)["Sam"][2]
    stopped = cli(office, "--user", "Ida", "sync")
    assert stopped.code == 3 and "removed" in stopped.err

    tablet = tmp_path / "tablet"
    joined = ok(tablet, "--user", "Nell", "sync", "--share", location)
    assert "failed its checks" not in joined
    assert users(tablet) == {"Ida": ("admin", "removed", False),
                             "Sam": ("admin", "active", True),
                             "Amira": ("peer", "active", False),
                             "Nell": ("coordinator", "active", False)}
    laptop = tmp_path / "laptop"
    old = cli(laptop, "--user", "Amira", "sync", "--share", location)
    assert old.code == 3
    ok(laptop, "--user", "Amira", "sync", "--share", location, passphrase=NEW)
    assert not (samba.root / location.rsplit("/", 1)[1] / "quarantine").exists()
