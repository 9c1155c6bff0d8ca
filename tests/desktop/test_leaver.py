"""A leaver's checklist with the keyboard alone, heard through AT-SPI as a screen reader hears
it: Ida, the team's administrator, chooses Amira on Team members, opens "Leaving…", hears the
window's heading, every field by its label and the checklist as a table, marks Amira as
leaving (her last day today, as the date field offers), and hears that announced. The command
line then reads the same checklist from the data folder."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from peerdesk import dates
from tests.conftest import run_cli
from tests.desktop.conftest import open_app, show_section, sign_in
from tests.desktop.test_screen_reader import announced, heard, unheard
from tests.helpers.desktop import DesktopSession

IDA = ("Ida", "ida demo passphrase")  # the demo's administrator


def marked(tree: list[dict[str, Any]]) -> str:
    """What the checklist says of its first step, as heard: the cell before the step's."""
    cells = heard(tree, "table cell")
    return cells[cells.index("Marked as leaving") - 1]


def test_an_administrator_marks_a_leaver_with_the_keyboard_and_hears_her_checklist(
        desktop: DesktopSession, demo: Path) -> None:
    app = open_app(desktop, demo)
    pid = app.proc.pid
    try:
        sign_in(desktop, app, IDA)
        show_section(desktop, pid, "Team members")
        desktop.grab_focus(pid, "Team members", role="table")
        # Down and back up to the first member, by name: the arrow keys choose the row (the
        # cell that has focus when the table is reached is not chosen until she moves).
        desktop.key("Down", "ctrl+Home")
        amira = desktop.focused(pid)
        assert amira["name"] == "Amira" and "selected" in amira["states"], amira
        desktop.tab_to(pid, "Leaving…", limit=40)
        assert "her people handed over" in desktop.focused(pid)["description"]
        desktop.key("Return")

        desktop.wait_for(pid, name="Amira is leaving the team", role="heading")
        desktop.wait_for(pid, name="Marked as leaving", role="table cell")
        time.sleep(0.3)
        tree = desktop.tree(pid)
        assert unheard(tree) == []
        assert "Her laptop is gone: hand over from the team share" in heard(tree, "heading")
        assert "Her leaver's checklist" in heard(tree, "table")
        assert any(o["relations"].get("labelled by") == ["Her last day"] for o in tree), \
            "the date field is heard by its label"
        assert marked(tree) == "To do"

        desktop.tab_to(pid, "Mark as leaving")
        assert "every computer shows it" in desktop.focused(pid)["description"]
        with desktop.listening(pid) as events:
            desktop.key("Return")
            desktop.wait_for(pid, contains="Amira is marked as leaving", role="label")
            deadline = time.monotonic() + 10
            while marked(desktop.tree(pid)) != "Done" and time.monotonic() < deadline:
                time.sleep(0.2)
        assert marked(desktop.tree(pid)) == "Done"  # the checklist, read again from the data
        said = [a for a in announced(events) if "Amira is marked as leaving" in a]
        assert said and said[0].startswith("Done:"), announced(events)
        assert "Sync to tell the other computers" in said[0]
        desktop.key("Escape")  # the window closes, back to Team members
        deadline = time.monotonic() + 10
        while "Amira is leaving the team" in heard(desktop.tree(pid), "heading"):
            assert time.monotonic() < deadline, "Escape did not close her checklist"
            time.sleep(0.2)
        assert desktop.focused(pid)["name"] == "Leaving…"  # focus back where she left it
    finally:
        app.stop()
    assert app.stderr() == ""

    # Signed and kept: the command line reads the same checklist from the data folder.
    found = run_cli(demo, "--user", IDA[0], "user", "leaver-checklist", "Amira", "--json",
                    passphrase=IDA[1])
    assert found.code == 0, found.err
    checklist = json.loads(found.out)
    assert checklist["leaving"] == dates.today().isoformat()
    assert any(i["done"] for i in checklist["items"])
