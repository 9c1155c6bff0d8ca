"""The share's password in the desktop's real Secret Service (gnome-keyring), used by a sync
to a real Samba server; a locked or missing keyring gives one clear sentence."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from peerdesk.crypto import keystore
from tests.conftest import CliResult, find_marker, run_cli
from tests.helpers.desktop import DesktopSession
from tests.helpers.samba import SMB_PASSWORD, SMB_USER, Samba

pytestmark = pytest.mark.smb
ADMIN = ("Ida", "a long enough admin passphrase")
SESSION_CONF = Path("/usr/share/dbus-1/session.conf")


def session_cli(desktop: DesktopSession, data_dir: Path, *args: str,
                env: dict[str, str] | None = None) -> CliResult:
    """The command line run by a user signed in to this desktop (its bus, its keyring)."""
    keep = ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "HOME", "DISPLAY")
    session = {k: desktop.env[k] for k in keep}
    return run_cli(data_dir, "--user", ADMIN[0], *args, passphrase=ADMIN[1],
                   env=session | (env or {}))


def team(data: Path) -> None:
    assert run_cli(data, "init", "--team", "Team Keyring", passphrase=None).code == 0
    assert run_cli(data, "user", "add", ADMIN[0], "--role", "admin",
                   passphrase=ADMIN[1]).code == 0


def keyring_backend(desktop: DesktopSession, service: str, user: str) -> list[str]:
    """What a separate process in the session finds in the keyring: backend and password."""
    code = ("import keyring, sys; b = keyring.get_keyring(); "
            "print(type(b).__module__); print(b.get_password(sys.argv[1], sys.argv[2]))")
    proc = subprocess.run([sys.executable, "-c", code, service, user], env=desktop.env,
                          capture_output=True, text=True, timeout=60, check=True)
    return proc.stdout.splitlines()


def test_share_password_lives_in_the_session_keyring_and_a_sync_uses_it(
        desktop: DesktopSession, samba: Samba, tmp_path: Path) -> None:
    data = tmp_path / "admin"
    url = f"smb://127.0.0.1:{samba.port}/share/team-keyring"
    team(data)

    saved = session_cli(desktop, data, "share", "password", url, "--username", SMB_USER,
                        env={"PEERDESK_SHARE_PASSWORD": SMB_PASSWORD})
    assert saved.code == 0, saved.err
    assert "keyring" in saved.out
    backend, stored = keyring_backend(desktop, f"PeerDesk team share 127.0.0.1:{samba.port}",
                                      SMB_USER)
    assert backend == "keyring.backends.SecretService"
    assert stored == SMB_PASSWORD

    made = session_cli(desktop, data, "share", "init", url, "--team", "Team Keyring")
    assert made.code == 0, made.err
    diary = '{"when": "2026-03-02T10:30", "what_happened": "KEYRING-MARKER a quiet walk"}'
    added = run_cli(data, "--user", ADMIN[0], "record", "add", "--kind", "diary", "--file", "-",
                    passphrase=ADMIN[1], stdin=diary)
    assert added.code == 0, added.err
    synced = session_cli(desktop, data, "sync", "--json")
    assert synced.code == 0, synced.err
    assert '"pushed": 1' in synced.out
    assert list((samba.root / "team-keyring" / "devices").iterdir())
    assert find_marker(samba.root, "KEYRING-MARKER") == []


def test_a_locked_keyring_is_one_sentence_not_a_wait(desktop: DesktopSession, samba: Samba,
                                                      tmp_path: Path) -> None:
    data = tmp_path / "admin"
    url = f"smb://127.0.0.1:{samba.port}/share/team-locked"
    team(data)
    assert session_cli(desktop, data, "share", "password", url, "--username", SMB_USER,
                       env={"PEERDESK_SHARE_PASSWORD": SMB_PASSWORD}).code == 0
    assert session_cli(desktop, data, "share", "init", url, "--team", "Team Keyring").code == 0
    desktop.lock_keyring()  # as when the user locks it, or login did not unlock it
    try:
        locked = session_cli(desktop, data, "sync")
    finally:
        desktop.unlock_keyring()
    assert locked.code != 0
    assert locked.err.strip().splitlines() == [
        "peerdesk: The keyring on this computer is locked, so PeerDesk cannot read the team "
        "share's password. Unlock it (signing out and in again does) and sync again."]
    unlocked = session_cli(desktop, data, "sync")  # and once it is unlocked, it syncs
    assert unlocked.code == 0, unlocked.err


def test_no_keyring_on_the_bus_is_one_clear_sentence(desktop: DesktopSession,
                                                     tmp_path: Path) -> None:
    data = tmp_path / "admin"
    team(data)
    # A session bus that can start no service: no gnome-keyring, no KWallet on this desktop.
    config = tmp_path / "bus.conf"
    config.write_text(SESSION_CONF.read_text(encoding="utf-8").replace(
        "<standard_session_servicedirs />", ""), encoding="utf-8")
    bus = subprocess.Popen(["dbus-daemon", f"--config-file={config}", "--nofork",
                            "--print-address=1"], stdout=subprocess.PIPE, text=True)
    try:
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        result = session_cli(desktop, data, "share", "password", "smb://127.0.0.1:9/share/x",
                             "--username", SMB_USER,
                             env={"DBUS_SESSION_BUS_ADDRESS": address,
                                  "PEERDESK_SHARE_PASSWORD": SMB_PASSWORD})
    finally:
        bus.terminate()
        bus.wait(5)
        assert bus.stdout is not None
        bus.stdout.close()
    assert result.code != 0
    assert result.err.strip().splitlines() == ["peerdesk: " + keystore.NO_KEYRING]
