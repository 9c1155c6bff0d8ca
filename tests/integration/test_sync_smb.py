"""The core scenario against a real Samba server, started by the test on loopback.

`make test` installs Debian's samba first; where smbd cannot be installed or started (no root
to add the SMB user, no samba package) the test is skipped and says why.
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest

from peerdesk.crypto import keystore
from peerdesk.services import sync
from peerdesk.sync.share import ShareReadOnly, SmbShare
from tests.conftest import find_marker
from tests.helpers.memory_keyring import MemoryKeyring
from tests.helpers.team import diary, make_team

pytestmark = pytest.mark.smb

SMB_USER, SMB_PASSWORD = "peerdesk-test", "a share password 42"


@dataclass
class Samba:
    port: int
    root: Path  # the shared folder, as the server's disk sees it


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def samba(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Samba]:
    smbd, smbpasswd = shutil.which("smbd", path="/usr/sbin:/usr/bin:/sbin"), \
        shutil.which("smbpasswd", path="/usr/bin:/usr/sbin")
    if not smbd or not smbpasswd:
        pytest.skip("Samba is not installed (Debian: apt-get install samba; make test does it)")
    if os.geteuid() != 0:
        pytest.skip("Starting a private Samba server needs root (to add its SMB user)")
    base = tmp_path_factory.mktemp("samba")
    for sub in ("share", "private", "lock", "state", "cache", "pid", "log"):
        (base / sub).mkdir()
    port = _free_port()
    conf = base / "smb.conf"
    conf.write_text(f"""[global]
  workgroup = WORKGROUP
  server role = standalone server
  smb ports = {port}
  interfaces = lo
  bind interfaces only = yes
  disable netbios = yes
  pid directory = {base}/pid
  lock directory = {base}/lock
  state directory = {base}/state
  cache directory = {base}/cache
  private dir = {base}/private
  passdb backend = tdbsam:{base}/private/passdb.tdb
  log file = {base}/log/smbd.log
  load printers = no
  printcap name = /dev/null
  disable spoolss = yes
  server min protocol = SMB2_10
[share]
  path = {base}/share
  read only = no
  force user = {getpass.getuser()}
[readonly]
  path = {base}/share
  read only = yes
  force user = {getpass.getuser()}
""")
    if _run("id", SMB_USER).returncode != 0:
        made = _run("useradd", "-M", "-s", "/usr/sbin/nologin", SMB_USER)
        if made.returncode != 0:
            pytest.skip(f"Could not add the SMB test user: {made.stderr.strip()}")
    added = _run(smbpasswd, "-c", str(conf), "-s", "-a", SMB_USER,
                 stdin=f"{SMB_PASSWORD}\n{SMB_PASSWORD}\n")
    if added.returncode != 0:
        pytest.skip(f"Could not set the SMB password: {added.stderr.strip()}")
    started = _run(smbd, "-s", str(conf), "-D")
    if started.returncode != 0:
        pytest.skip(f"smbd did not start: {started.stderr.strip()}")
    pid_file = base / "pid" / "smbd.pid"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    else:
        pytest.skip("smbd started but does not answer on loopback")
    try:
        yield Samba(port, base / "share")
    finally:
        if pid_file.exists():
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, signal.SIGTERM)
            for _ in range(50):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_three_devices_through_a_real_samba_share(samba: Samba, memory_keyring: MemoryKeyring,
                                                   tmp_path: Path) -> None:
    # IT saves the share's password in each computer's keyring once; share init makes the
    # team's folder.
    keystore.save_share_credentials("127.0.0.1", samba.port, SMB_USER, SMB_PASSWORD)
    url = f"smb://127.0.0.1:{samba.port}/share/team-north"

    team = make_team(tmp_path, location=url)
    try:
        a1, a2, grace = team.desks["a1"], team.desks["a2"], team.desks["office"]
        # Offline on both of Amira's devices, then a conflicting edit.
        one = a1.add("diary", diary("SMB-MARKER ward"))
        two = a2.add("diary", diary("SMB-MARKER café"))
        a2.share(two.id, "Grace")
        team.sync("a1", "a2", "a1")
        a1.update(two.id, diary("SMB-MARKER edited on the ward"))
        a2.update(two.id, diary("SMB-MARKER edited on the laptop"))
        team.sync("a1", "a2", "a1", "office")
        for desk in (a1, a2):
            shown = desk.get(two.id).fields["what_happened"]
            assert shown in {"SMB-MARKER edited on the ward", "SMB-MARKER edited on the laptop"}
            assert {r.fields["what_happened"] for r in desk.records()} == {"SMB-MARKER ward", shown}
            assert [c.record_id for c in sync.conflicts(desk)] == [two.id]
        assert a1.get(two.id).fields == a2.get(two.id).fields
        assert [r.id for r in grace.shared_with_me()] == [two.id]
        sync.resolve_conflict(a1, two.id, diary("SMB-MARKER both"))
        a1.delete(one.id)
        team.sync("a1", "a2", "office")
        assert {r.fields["what_happened"] for r in a2.records()} == {"SMB-MARKER both"}
        assert grace.get(two.id).fields["what_happened"] == "SMB-MARKER both"

        share = SmbShare(url, credentials=keystore.share_credentials)
        report = sync.run_sync(a2, share=share)
        assert (report.pulled, report.pushed) == (0, 0) and share.ops <= 8
        assert find_marker(samba.root, "SMB-MARKER") == []
        assert list((samba.root / "team-north" / "devices").iterdir())
    finally:
        team.close()


def test_an_smb_share_that_does_not_answer_is_offline(memory_keyring: MemoryKeyring) -> None:
    keystore.save_share_credentials("127.0.0.1", 9, SMB_USER, SMB_PASSWORD)
    assert not sync.reachable("smb://127.0.0.1:9/share/none", timeout=3)


def test_a_read_only_smb_share_sends_nothing_and_loses_nothing(
        samba: Samba, memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    keystore.save_share_credentials("127.0.0.1", samba.port, SMB_USER, SMB_PASSWORD)
    team = make_team(tmp_path, location=f"smb://127.0.0.1:{samba.port}/share/team-south")
    try:
        a1 = team.desks["a1"]
        a1.add("diary", diary("kept while the share is read-only"))
        read_only = SmbShare(f"smb://127.0.0.1:{samba.port}/readonly/team-south",
                             credentials=keystore.share_credentials)
        with pytest.raises(ShareReadOnly, match="read-only"):
            sync.run_sync(a1, share=read_only)
        assert sync.sync_status(team.vaults["a1"], a1.user.id).waiting == 1
        assert sync.run_sync(a1).pushed == 1
    finally:
        team.close()
