"""The desktop's own lock reaches PeerDesk: the screen saver's ActiveChanged on the session bus
and logind's Lock for this session on the system bus each lock the app at once."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.desktop.conftest import AMIRA
from tests.helpers.desktop import App, DesktopSession

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


def signed_in(desktop: DesktopSession, app: App) -> int:
    """Amira signed in, as she would: her passphrase typed, then Return. The app's pid."""
    pid = app.proc.pid
    desktop.wait_window(app)
    desktop.wait_for(pid, name="Passphrase", role="password text")
    desktop.type(AMIRA[1])
    desktop.key("Return")
    desktop.wait_for(pid, contains="Signed in as Amira")
    return pid


@pytest.mark.parametrize("source", ["screen saver", "logind"])
def test_the_desktop_locking_locks_peerdesk(desktop: DesktopSession, demo: Path,
                                           system_bus: str, source: str) -> None:
    env = {"DBUS_SYSTEM_BUS_ADDRESS": system_bus, "XDG_SESSION_ID": SESSION_ID}
    app = desktop.launch([sys.executable, "main.py", "--data-dir", str(demo)], env=env)
    try:
        pid = signed_in(desktop, app)
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


def primary_selection(desktop: DesktopSession) -> str:
    """What a middle click in another program would paste."""
    out = subprocess.run([sys.executable, "-m", "tests.helpers.selection"], env=desktop.env,
                         capture_output=True, text=True, timeout=60, check=True)
    return str(json.loads(out.stdout))


def test_locking_empties_the_primary_selection(desktop: DesktopSession, demo: Path) -> None:
    app = desktop.launch([sys.executable, "main.py", "--data-dir", str(demo)])
    try:
        pid = signed_in(desktop, app)
        desktop.grab_focus(pid, "Search everything", role="text")
        desktop.type("allotment on Tuesday")
        desktop.key("ctrl+a")  # selected: X11 makes it the PRIMARY selection
        deadline = time.monotonic() + 10
        while primary_selection(desktop) != "allotment on Tuesday":
            assert time.monotonic() < deadline, "the selection never reached PRIMARY"
            time.sleep(0.2)
        desktop.key("ctrl+l")
        desktop.wait_for(pid, name="Passphrase", role="password text", timeout=10)
        assert primary_selection(desktop) == ""
    finally:
        app.stop()
    assert app.stderr() == ""
