"""PeerDesk with the keyboard alone, with real key presses on a real desktop.

Tab never gets stuck (long text boxes and date fields pass it on after one press), the control
with focus is always on screen (scrolled into view however focus got there), Enter presses the
focused button, and a date and time is typed in one go.
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

from tests.conftest import run_cli
from tests.desktop.conftest import AMIRA, GRACE, open_app, show_section, sign_in
from tests.helpers.desktop import SCREEN, TASKBAR, App, DesktopSession

Stop = dict[str, Any]


def stuck(stops: list[Stop]) -> list[str]:
    """Presses of Tab that left focus where it was."""
    return [f"{b['role']} {b['name']!r}" for a, b in pairwise(stops)
            if a.get("path") == b.get("path")]


def out_of_sight(stops: list[Stop]) -> list[str]:
    """Focused controls not in sight: scrolled (even partly) above or below what their
    containers show, or under the taskbar. Its whole height must show (all the area's, if
    taller), and most of its width (an item may run under a list's right edge)."""
    hidden = []
    for s in stops:
        x, y, w, h = s["extents"]
        cx, cy, cw, ch = s["clip"]
        rows = (cy <= y and y + h <= cy + ch) or (h > ch and y <= cy and y + h >= cy + ch)
        columns = min(x + w, cx + cw) - max(x, cx) >= min(w, cw) / 2
        on_screen = y >= 0 and y + min(h, ch) <= SCREEN[1] - TASKBAR
        if not (rows and columns and on_screen):
            hidden.append(f"{s['role']} {s['name']!r} at {s['extents']} (shown: {s['clip']})")
    return hidden


def open_diary(desktop: DesktopSession, demo: Path) -> App:
    """Amira signed in, with a new diary open (Ctrl+N)."""
    app = open_app(desktop, demo)
    sign_in(desktop, app, AMIRA)
    desktop.key("ctrl+n")
    desktop.wait_for(app.proc.pid, name="What happened", role="text")
    return app


def test_tab_goes_round_a_diary_and_a_plan_and_never_sticks_or_hides(
        desktop: DesktopSession, demo: Path) -> None:
    app = open_diary(desktop, demo)
    pid = app.proc.pid
    try:
        # Twice round the whole window: through every field of the diary (long text boxes,
        # a date and time, lists of choices), its buttons, the sync line, the top bar and back.
        stops = desktop.tab_walk(pid, presses=70)
        names = [s["name"] for s in stops]
        assert names.count("What happened") >= 2, names  # it went all the way round
        assert stuck(stops) == []
        assert out_of_sight(stops) == []
        desktop.key("ctrl+w")

        show_section(desktop, pid, "Plans")
        desktop.grab_focus(pid, "New crisis plan", role="push button")
        desktop.key("Return")  # Enter presses a focused button
        desktop.wait_for(pid, name="My crisis plan", role="heading")
        # The plan is taller than the window: going backwards from its first field wraps
        # round the window into its last fields, which must be scrolled to.
        stops = desktop.tab_walk(pid, presses=45, back=True)
        assert "Review date" in [s["name"] for s in stops]
        assert stuck(stops) == []
        assert out_of_sight(stops) == []
    finally:
        app.stop()
    assert app.stderr() == ""


def test_supervision_notes_and_inbox_comments_pass_tab_on(desktop: DesktopSession,
                                                         demo: Path) -> None:
    app = open_app(desktop, demo)
    pid = app.proc.pid
    try:
        sign_in(desktop, app, GRACE)
        for section, box in (("Supervision inbox", "Your comment"),
                             ("Group supervision", "Notes")):
            show_section(desktop, pid, section)
            desktop.grab_focus(pid, box, role="text")
            desktop.type("We talked it through.")
            stops = desktop.tab_walk(pid, presses=1)
            assert stops[0]["name"] != box, f"Tab stayed in {box}"
            assert out_of_sight(stops) == []
            left = desktop.wait_for(pid, name=box, role="text")
            assert "\t" not in left.get("text", "")
            stops = desktop.tab_walk(pid, presses=1, back=True)
            assert stops[0]["name"] == box  # and Shift+Tab comes back
        # The whole supervision page, round and back: nothing keeps Tab.
        stops = desktop.tab_walk(pid, presses=40)
        assert stuck(stops) == []
        assert out_of_sight(stops) == []
    finally:
        app.stop()
    assert app.stderr() == ""


def test_a_date_and_time_is_typed_and_enter_saves(desktop: DesktopSession, demo: Path) -> None:
    app = open_diary(desktop, demo)
    pid = app.proc.pid
    try:
        assert desktop.focused(pid)["name"] == "When (needed)"  # the editor opens on it
        desktop.type("3 feb 2026 9:05")
        stops = desktop.tab_walk(pid, presses=1)  # one Tab leaves the date and time
        assert stops[0]["relations"].get("labelled by") == ["Where"]
        desktop.tab_to(pid, "What happened")
        desktop.type("Typed the date and time in one go")
        desktop.tab_to(pid, "Save")
        desktop.key("Return")
        desktop.wait_for(pid, contains="Saving status: Saved: version 1")
    finally:
        app.stop()
    listed = run_cli(demo, "--user", AMIRA[0], "record", "list", "--json", passphrase=AMIRA[1])
    saved = [r for r in json.loads(listed.out)
             if "Typed the date" in json.dumps(r, ensure_ascii=False)]
    assert len(saved) == 1 and saved[0]["fields"]["when"] == "2026-02-03T09:05"
