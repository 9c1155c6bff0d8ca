"""PeerDesk opens and is used on a real desktop: from source and as IT installs it (frozen).

Sign in, write a diary with the keyboard, lock, sign in again and find it, close the window as
a user does; nothing is written to stderr, and the diary is really saved.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

from tests.conftest import run_cli
from tests.desktop.conftest import AMIRA
from tests.helpers.desktop import App, DesktopSession


def journey(desktop: DesktopSession, app: App, data_dir: Path, *,
            screenshot: Path | None = None) -> None:
    pid = app.proc.pid
    desktop.wait_window(app)
    desktop.wait_for(pid, name="Passphrase", role="password text")
    name, passphrase = AMIRA
    desktop.type(passphrase)
    desktop.key("Return")
    desktop.wait_for(pid, name="Start something new", role="push button")

    words = "Walked to the community garden together; Jo chose the route"
    desktop.key("ctrl+n")
    desktop.wait_for(pid, name="What happened")
    desktop.tab_to(pid, "What happened")
    desktop.type(words)
    desktop.key("ctrl+s")
    desktop.wait_for(pid, contains="Saved")

    desktop.key("ctrl+l")  # lock: the sign-in page, nothing of hers on screen
    desktop.wait_for(pid, name="Passphrase", role="password text")
    assert not [o for o in desktop.tree(pid) if words in o["name"] + o.get("text", "")]
    desktop.type(passphrase)
    desktop.key("Return")
    desktop.wait_for(pid, contains=words)  # her diary, listed again after unlocking
    if screenshot is not None:
        time.sleep(0.3)  # the last paint
        desktop.screenshot(screenshot)

    desktop.key("alt+F4")  # closed as a user closes a window
    deadline = time.monotonic() + 20
    while app.alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not app.alive(), "the window closed but the app kept running"
    assert app.proc.returncode == 0
    assert app.stderr() == ""

    listed = run_cli(data_dir, "--user", name, "record", "list", "--json", passphrase=passphrase)
    assert listed.code == 0, listed.err
    assert words in json.dumps(json.loads(listed.out), ensure_ascii=False)


def test_python_main_opens_and_is_used(desktop: DesktopSession, demo: Path,
                                       tmp_path: Path) -> None:
    # The picture goes to a temporary folder; `make screenshots` keeps it in docs/.
    shots = Path(os.environ.get("PEERDESK_SCREENSHOTS") or tmp_path)
    app = desktop.launch([sys.executable, "main.py", "--data-dir", str(demo)])
    try:
        journey(desktop, app, demo, screenshot=shots / "signed-in-on-a-real-desktop.png")
    finally:
        app.stop()

    # The next start, as most are on a ward PC: no demo box, and the window goes where she
    # left it, so nothing before the first paint builds PySide's Qt namespace while the
    # window manager activates the window as it maps. That state change reached the app
    # before it could be converted: PySide printed a TypeError, the lock-on-suspend slot
    # was not called.
    (demo / "demo.json").unlink()
    again = desktop.launch([sys.executable, "main.py", "--data-dir", str(demo)])
    try:
        desktop.wait_window(again)
        desktop.wait_for(again.proc.pid, name="Passphrase", role="password text")
        time.sleep(1.0)  # the vault opens and the watches start
        desktop.key("alt+F4")
        deadline = time.monotonic() + 20
        while again.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert again.proc.returncode == 0
    finally:
        again.stop()
    assert again.stderr() == ""


def test_frozen_app_opens_as_it_does_from_the_menu(desktop: DesktopSession, demo: Path,
                                                   frozen_app: Path, tmp_path: Path) -> None:
    # As the desktop entry starts it: the bare executable, no arguments, no virtualenv, its
    # own data in the user's default folder.
    home = tmp_path / "home"
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / ".local/share"),
           "XDG_CONFIG_HOME": str(home / ".config"), "PATH": "/usr/bin:/bin"}
    data_dir = home / ".local/share/PeerDesk"  # platformdirs' user data folder on Linux
    shutil.copytree(demo, data_dir)
    clean = {k: v for k, v in desktop.env.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    app = desktop.launch([str(frozen_app)], env=clean | env, cwd=home)
    try:
        journey(desktop, app, data_dir)
    finally:
        app.stop()
