"""A real Samba server on loopback, started by the tests that need one (see DESIGN.md).

`make test` installs Debian's samba first; where smbd cannot be installed or started (no root
to add the SMB user, no samba package) the tests that use it are skipped and say why.
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

import pytest

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


@pytest.fixture(scope="session")
def samba(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Samba]:
    """One smbd for the whole run, with a writable [share] and a [readonly] view of it."""
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
