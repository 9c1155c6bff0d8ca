"""The desktop's own lock reaches PeerDesk: the screen saver's ActiveChanged on the session bus
and logind's Lock for this session on the system bus each lock the app at once."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.desktop.conftest import AMIRA
from tests.helpers.desktop import DesktopSession

SESSION_ID = "c7"  # logind's id for this login, which pam_systemd puts in XDG_SESSION_ID


@pytest.fixture
def system_bus(tmp_path: Path) -> Iterator[str]:
    """A second bus standing in for the system bus, where logind speaks."""
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert bus.stdout is not None
    try:
        yield bus.stdout.readline().strip()
    finally:
        bus.terminate()
        bus.wait(5)
        bus.stdout.close()


def emit(desktop: DesktopSession, env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "tests.helpers.dbus_signal", *args],
                   env=desktop.env | env, check=True, timeout=60)


@pytest.mark.parametrize("source", ["screen saver", "logind"])
def test_the_desktop_locking_locks_peerdesk(desktop: DesktopSession, demo: Path,
                                           system_bus: str, source: str) -> None:
    env = {"DBUS_SYSTEM_BUS_ADDRESS": system_bus, "XDG_SESSION_ID": SESSION_ID}
    app = desktop.launch([sys.executable, "main.py", "--data-dir", str(demo)], env=env)
    try:
        pid = app.proc.pid
        desktop.wait_window(app)
        desktop.wait_for(pid, name="Passphrase", role="password text")
        desktop.type(AMIRA[1])
        desktop.key("Return")
        desktop.wait_for(pid, contains="Signed in as Amira")
        if source == "screen saver":
            emit(desktop, env, "session", "org.freedesktop.ScreenSaver",
                 "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver", "ActiveChanged",
                 "true")
        else:
            emit(desktop, env, "system", "org.freedesktop.login1",
                 f"/org/freedesktop/login1/session/{SESSION_ID}",
                 "org.freedesktop.login1.Session", "Lock")
        desktop.wait_for(pid, name="Passphrase", role="password text", timeout=10)
        assert not [o for o in desktop.tree(pid) if "Signed in as" in o["name"]]
    finally:
        app.stop()
    assert app.stderr() == ""
