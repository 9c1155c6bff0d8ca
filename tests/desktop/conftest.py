"""The real-desktop lane: the app as its users start it, in a desktop session (see TESTING.md).

`make test` sets PEERDESK_DESKTOP_LANE=required, so a machine without the session's parts (or
without the frozen build) fails instead of skipping: this lane is what proves the app opens.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.desktop import ROOT, App, DesktopSession, desktop_session, missing_parts

REQUIRED = os.environ.get("PEERDESK_DESKTOP_LANE") == "required"
FROZEN = ROOT / "dist" / "PeerDesk" / "PeerDesk"
AMIRA = ("Amira", "amira demo passphrase")
GRACE = ("Grace", "grace demo passphrase")  # the demo's Peer Worker Coordinator


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "desktop" in item.path.parts:
            item.add_marker(pytest.mark.desktop)


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"{reason} (PEERDESK_DESKTOP_LANE=required)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def desktop() -> Iterator[DesktopSession]:
    missing = missing_parts()
    if missing:
        _unavailable("a desktop session needs these Debian packages: " + " ".join(missing))
    with desktop_session() as session:
        yield session


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built-in demo, made once (real accounts at full key-derivation strength)."""
    folder = tmp_path_factory.mktemp("demo") / "data"
    subprocess.run([sys.executable, "-m", "peerdesk.cli", "--data-dir", str(folder), "demo"],
                   check=True, capture_output=True, env=_clean_env())
    return folder


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    shutil.copytree(demo_template, folder, ignore=shutil.ignore_patterns("*.lock"))
    return folder


@pytest.fixture(scope="session")
def frozen_app() -> Path:
    if not FROZEN.exists():
        _unavailable(f"no frozen build at {FROZEN} (make package)")
    return FROZEN


def open_app(desktop: DesktopSession, data_dir: Path) -> App:
    """`python main.py` on this data folder, at its sign-in page."""
    app = desktop.launch([sys.executable, "main.py", "--data-dir", str(data_dir)])
    desktop.wait_window(app)
    desktop.wait_for(app.proc.pid, name="Passphrase", role="password text")
    return app


def sign_in(desktop: DesktopSession, app: App, who: tuple[str, str]) -> None:
    """From the sign-in page, with the keyboard: choose the account, type, Enter."""
    pid = app.proc.pid
    name, passphrase = who
    desktop.key("shift+Tab")  # from the passphrase back to the accounts list
    desktop.type(name[0].lower())  # the list's type-ahead picks the account
    desktop.key("Tab")
    desktop.type(passphrase)
    desktop.key("Return")
    desktop.wait_for(pid, contains=f"Signed in as {name}")


def show_section(desktop: DesktopSession, pid: int, section: str) -> None:
    """Choose a section in the desk's list by typing its name there.

    Type-ahead forgets what was typed after a short pause between keys; on a loaded machine
    the app can take that long over one key, and the search starts again mid-word. A user
    then types the name again, and so does this."""
    for attempt in range(3):
        desktop.grab_focus(pid, "Sections", role="list")
        desktop.type(section)
        try:
            desktop.wait_for(pid, name=section, role="heading", timeout=10.0)
            return
        except RuntimeError:
            if attempt == 2:
                raise
            time.sleep(1.0)  # longer than the type-ahead's pause, so the next try starts fresh


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("PEERDESK_", "QT_"))}
