"""The ward screen, seen as its users see it: 1366×768 less a 40 px taskbar, with normal and
larger text, high contrast, and at 200 % (QT_SCALE_FACTOR=2, as the operating system's display
scaling sets it). Today, the diary editor, the coordinator's inbox and the fidelity figures:
the window fits the work area, and nothing a screen reader can reach lies outside it.

Screenshots go to a temporary folder; `make screenshots` sets PEERDESK_SCREENSHOTS to keep
them in docs/screenshots/ward/.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.desktop.conftest import AMIRA, show_section
from tests.helpers.desktop import SCREEN, App, DesktopSession, desktop_session

GRACE = ("Grace", "grace demo passphrase")
MODES: dict[str, tuple[dict[str, bool], dict[str, str]]] = {
    "normal": ({}, {}),
    "larger-text": ({"large_text": True}, {}),
    "high-contrast": ({"high_contrast": True}, {}),
    "200-percent": ({}, {"QT_SCALE_FACTOR": "2"}),
}


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PEERDESK_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _clipped(objects: list[dict[str, Any]]) -> dict[str, tuple[int, int, int, int]]:
    """What shows of each object: Qt cuts every widget to its parent's rectangle (a scroll
    area's page is larger than its viewport), so each object to all of its ancestors'."""
    shown: dict[str, tuple[int, int, int, int]] = {}
    for o in objects:  # parents come before their children
        if "extents" not in o:
            continue
        x, y, w, h = o["extents"]
        parent = shown.get(o["path"].rsplit(".", 1)[0])
        if parent is not None:
            px, py, pw, ph = parent
            right, bottom = min(x + w, px + pw), min(y + h, py + ph)
            x, y = max(x, px), max(y, py)
            w, h = max(0, right - x), max(0, bottom - y)
        shown[o["path"]] = (x, y, w, h)
    return shown


def _outside(objects: list[dict[str, Any]], area: tuple[int, int, int, int]) -> list[str]:
    """Objects a user could see or reach that lie partly past the work area: cut off by the
    screen's edge or hidden under the taskbar."""
    ax, ay, aw, ah = area
    names = {o["path"]: f"{o['role']} {o['name']!r}" for o in objects}
    return [f"{names[path]} at {rect}" for path, rect in _clipped(objects).items()
            if rect[2] and rect[3] and names[path].split(" ")[0] != "application"
            and (rect[0] < ax or rect[1] < ay or rect[0] + rect[2] > ax + aw
                 or rect[1] + rect[3] > ay + ah)]


class Ward:
    """One start of the app in one display mode, photographed screen by screen."""

    def __init__(self, desktop: DesktopSession, app: App, mode: str, shots: Path) -> None:
        self.desktop, self.app, self.mode, self.shots = desktop, app, mode, shots
        self.pid = app.proc.pid
        self.problems: list[str] = []

    def sign_in(self, who: tuple[str, str], *, choose_below: int = 0) -> None:
        self.desktop.wait_for(self.pid, name="Passphrase", role="password text")
        if choose_below:  # from the passphrase box back to the list of accounts
            self.desktop.key("shift+Tab", *["Down"] * choose_below, "Tab")
        self.desktop.type(who[1])
        self.desktop.key("Return")
        self.desktop.wait_for(self.pid, name="Start something new", role="push button")

    def look(self, screen: str) -> None:
        time.sleep(0.6)  # the last paint
        self.desktop.screenshot(self.shots / f"{screen}-{self.mode}.png")
        frame = self.desktop.frame_geometry(self.app.window)
        area = self.desktop.work_area()
        if not (area[0] <= frame[0] and area[1] <= frame[1]
                and frame[0] + frame[2] <= area[0] + area[2]
                and frame[1] + frame[3] <= area[1] + area[3]):
            self.problems.append(f"{screen}: the window {frame} is not inside {area}")
        cut = _outside(self.desktop.tree(self.pid), area)
        if cut:
            self.problems.append(f"{screen}: past the screen's free area: {cut[:5]}")


@pytest.mark.parametrize("mode", MODES)
def test_every_screen_on_the_ward_screen(desktop: DesktopSession, demo: Path, tmp_path: Path,
                                         mode: str) -> None:
    if mode == "200-percent" and not os.environ.get("PEERDESK_SCREENSHOTS"):
        # Under QT_SCALE_FACTOR=2 the AT-SPI registry sometimes stops listing the app for
        # 20 s after sign-in (3 runs in 5 here), which would make the lane flaky; `make
        # screenshots` still runs this mode, and tests/gui/test_ward_screen.py checks 200 %
        # offscreen on every run.
        pytest.skip("200 % runs with make screenshots: AT-SPI loses the app intermittently")
    display, env = MODES[mode]
    if display:  # chosen on this computer before: the sign-in page and everyone follow it
        (demo / "display.json").write_text(json.dumps({"device": display}), encoding="utf-8")
    app = desktop.launch([sys.executable, "main.py", "--data-dir", str(demo)], env=env)
    ward = Ward(desktop, app, mode, _shots(tmp_path))
    try:
        desktop.wait_window(app)
        ward.sign_in(AMIRA)
        ward.look("today")
        desktop.key("ctrl+n")
        desktop.wait_for(app.proc.pid, name="What happened")
        ward.look("diary-editor")
        desktop.key("ctrl+w", "ctrl+l")

        ward.sign_in(GRACE, choose_below=1)  # Grace is listed after Amira
        # Sections chosen by name in the list, as show_section does (it types again if the
        # list's type-ahead lost the word): by arrow keys, one Up of two was now and then not
        # seen when the machine was busy building the page the first one chose.
        show_section(desktop, app.proc.pid, "Supervision inbox")
        desktop.wait_for(app.proc.pid, name="Shared with you, by peer")
        ward.look("inbox")
        show_section(desktop, app.proc.pid, "Fidelity and engagement")
        desktop.wait_for(app.proc.pid, contains="against the parts of the ENRICH way of working")
        ward.look("fidelity")
        desktop.key("alt+F4")
        deadline = time.monotonic() + 20
        while app.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        app.stop()
    assert app.stderr() == ""
    assert not ward.problems, "\n".join(ward.problems)


def test_with_no_window_manager_the_window_covers_the_screen(demo: Path, tmp_path: Path) -> None:
    # A kiosk-style ward PC can run X with no window manager: nothing then maximises the
    # window, so the app must size itself to the screen rather than open as a small box.
    with desktop_session(window_manager=False) as bare:
        app = bare.launch([sys.executable, "main.py", "--data-dir", str(demo)])
        try:
            window = bare.wait_window(app)
            bare.wait_for(app.proc.pid, name="Passphrase", role="password text")
            time.sleep(0.3)  # the last paint
            bare.screenshot(tmp_path / "no-window-manager.png")
            x, y, width, height = bare.window_geometry(window)
            assert x >= 0 and y >= 0, (x, y)
            assert x + width <= SCREEN[0] and y + height <= SCREEN[1], (x, y, width, height)
            # All but the room a title bar and borders would take: not a 200×100 box.
            assert width >= SCREEN[0] - 40 and height >= SCREEN[1] - 60, (width, height)
        finally:
            app.stop()
        assert app.stderr() == ""
