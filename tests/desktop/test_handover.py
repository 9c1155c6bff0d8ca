"""Handing over a person's support with the keyboard alone, heard through AT-SPI as a screen
reader hears it: Amira opens a person from People I support, presses "Hand over support…",
hears each choice and what it does, says who agreed and that the person agreed to their
diaries moving too, and hears the result announced. The handover is then on Tom's side of the
data folder, as the command line shows."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.conftest import run_cli
from tests.desktop.conftest import AMIRA, open_app, show_section, sign_in
from tests.desktop.test_screen_reader import announced, heard, unheard
from tests.helpers.desktop import DesktopSession

AGREED = "In person at the allotment group, with her sister there"


def test_a_peer_hands_over_support_with_the_keyboard_and_hears_each_step(
        desktop: DesktopSession, demo: Path) -> None:
    app = open_app(desktop, demo)
    pid = app.proc.pid
    try:
        sign_in(desktop, app, AMIRA)
        show_section(desktop, pid, "People I support")
        desktop.grab_focus(pid, "People I support", role="table")
        desktop.key("ctrl+Home")  # the first person, by name
        desktop.key("Return")  # opens their record
        desktop.wait_for(pid, name="Hand over support…", role="push button")
        desktop.tab_to(pid, "Hand over support…", limit=60)
        assert "another peer takes on their support" in desktop.focused(pid)["description"]
        desktop.key("Return")

        # The dialog: a heading naming the person, the three arrangements heard with what
        # each does, every field named by its label, nothing unnamed.
        heading = desktop.wait_for(pid, contains="'s support", role="heading")
        person = heading["name"].removeprefix("Hand over ").removesuffix("'s support")
        time.sleep(0.3)
        tree = desktop.tree(pid)
        assert unheard(tree) == []
        radios = {o["name"]: o for o in tree if o["role"] == "radio button"}
        assert set(radios) == {"Hand over their support", "Support them together",
                               "Cover while I am away"}
        assert "checked" in radios["Hand over their support"]["states"]
        assert radios["Cover while I am away"]["description"].startswith("Sickness or leave")
        to = [o for o in tree if o["role"] == "combo box"
              and o["relations"].get("labelled by") == ["To"]]
        assert [o["name"] for o in to] == ["Tom"]  # the one other peer, heard by its label
        assert {"What moves", "What stays yours"} <= set(heard(tree, "heading"))
        go = next(o for o in tree if o["role"] == "push button" and o["name"] == "Hand over")
        assert "enabled" not in go["states"]  # nothing moves until someone says who agreed

        # Walked with Tab: who agreed, then the person's agreement about their diaries.
        desktop.tab_to(pid, "Who agreed, and how")
        desktop.type(AGREED)
        diaries = f"{person} agreed that the session diaries about them move too"
        desktop.tab_to(pid, diaries)
        assert desktop.focused(pid)["role"] == "check box"
        desktop.key("space")
        desktop.wait_for(pid, contains="• The session diaries about them", role="label")
        assert "checked" in desktop.wait_for(pid, name=diaries, role="check box")["states"]

        desktop.tab_to(pid, "Hand over")
        with desktop.listening(pid) as events:
            desktop.key("Return")
            desktop.wait_for(pid, contains="Tom gets it at their next sync", role="label")
        said = [a for a in announced(events) if "Tom gets it at their next sync" in a]
        assert said and said[0].startswith("Done:"), announced(events)
        assert "consent ledger" in said[0]
    finally:
        app.stop()
    assert app.stderr() == ""

    # It happened, as the command line sees it afterwards.
    listed = run_cli(demo, "--user", AMIRA[0], "person", "list", "--json",
                     passphrase=AMIRA[1])
    assert listed.code == 0, listed.err
    assert "Tom" in json.dumps(json.loads(listed.out))
