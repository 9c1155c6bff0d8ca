"""What a screen-reader user hears, asked of the running app over AT-SPI as Orca asks it.

On every screen a peer and a coordinator use: every control that can be used has a name that
says what it is (a combo box is named by its value, so it needs a label it is labelled by, the
way Orca finds one); labels that show a state say the state; titles are headings. Saves, errors,
the safety prompt, sync outcomes and presentation steps are announced; a passphrase never
reaches the accessibility bus.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.desktop.conftest import AMIRA, GRACE, open_app, show_section, sign_in
from tests.helpers.desktop import DesktopSession

Tree = list[dict[str, Any]]
# What can be used, as a screen reader sees it: anything focusable, and these roles.
USABLE = {"push button", "toggle button", "check box", "radio button", "combo box", "text",
          "password text", "spin button", "list", "list item", "table", "table cell", "tree",
          "tree table", "page tab", "menu item", "check menu item", "radio menu item", "link",
          "slider"}
# The labels that show a state, by what they are; each must also say what it shows now.
STATE_LABELS = ("Sync status", "Saving status", "Language suggestions", "Who can read this",
                "Questions that may help", "Search results")


def unheard(tree: Tree) -> list[str]:
    """Every way a screen has of hiding something from a screen-reader user, in words."""
    problems = []
    for o in tree:
        usable = o["role"] in USABLE or "focusable" in o["states"]
        if usable and not o["name"].strip():
            problems.append(f"unnamed {o['role']} at {o['path']}")
        if o["role"] == "combo box" and "labelled by" not in o["relations"]:
            problems.append(f"combo box {o['name']!r} has no label, only its value")
        if o["role"] == "label" and o["name"].strip() in STATE_LABELS:
            problems.append(f"{o['name']!r} is heard without what it shows")
    return problems


def heard(tree: Tree, role: str) -> list[str]:
    return [o["name"] for o in tree if o["role"] == role]


def state(tree: Tree, what: str) -> str:
    """The one label that says `what` is, with what it says now."""
    found = [n for n in heard(tree, "label") if n.startswith(f"{what}: ")]
    assert len(found) == 1, (what, heard(tree, "label"))
    return found[0].removeprefix(f"{what}: ")


def check_screen(desktop: DesktopSession, pid: int, screen: str, headings: set[str],
                 seen: dict[str, Tree]) -> Tree:
    time.sleep(0.3)  # the page's last layout pass
    tree = desktop.tree(pid)
    assert unheard(tree) == [], screen
    assert headings <= set(heard(tree, "heading")), (screen, heard(tree, "heading"))
    seen[screen] = tree
    return tree


def announced(events: list[dict[str, Any]]) -> list[str]:
    return [str(e["data"]) for e in events if e["type"] == "object:announcement"]


def test_a_peer_hears_every_screen(desktop: DesktopSession, demo: Path) -> None:
    app = open_app(desktop, demo)
    pid = app.proc.pid
    seen: dict[str, Tree] = {}
    try:
        signin = check_screen(desktop, pid, "sign-in", {"PeerDesk"}, seen)
        assert next(o for o in signin if o["role"] == "password text")["name"] == "Passphrase"

        # A wrong passphrase: the field stays silent as it is typed, the error is announced.
        typed = "not her passphrase at all"
        with desktop.listening(pid) as events:
            desktop.type(typed)
            desktop.key("Return")
            desktop.wait_for(pid, contains="passphrase is not right", role="label")
        assert any("Problem: That passphrase is not right" in a for a in announced(events))
        on_bus = [e for e in events if e["type"].startswith("object:text-changed")
                  and e["role"] == "password text"]
        assert on_bus == []  # Qt sends each character here unless the field is kept off it
        field = desktop.wait_for(pid, name="Passphrase", role="password text")
        assert "text" not in field  # and its text cannot be read back

        sign_in(desktop, app, AMIRA)
        today = check_screen(desktop, pid, "Today", {"Today", "Drafts to finish",
                                                    "Recent entries"}, seen)
        assert state(today, "Sync status")

        # The diary editor: its state labels say their state, saving and the safety prompt
        # are announced.
        desktop.key("ctrl+n")
        desktop.wait_for(pid, name="What happened", role="text")
        diary = check_screen(desktop, pid, "diary", {"Session diary", "Language"}, seen)
        assert state(diary, "Saving status") == "New: not saved yet"
        assert state(diary, "Language suggestions") == "No suggestions right now."
        assert state(diary, "Who can read this") == "Only you can read this."
        desktop.tab_to(pid, "What happened")
        with desktop.listening(pid) as events:
            desktop.type("Jo said she felt suicidal last night; the patient was non-compliant")
            desktop.wait_for(pid, contains="Safety:", role="label")
        safety = [a for a in announced(events) if a.startswith("Safety:")]
        assert safety and "tell the nurse in charge" in safety[0]
        time.sleep(0.5)  # the suggestions follow the typing
        diary = desktop.tree(pid)
        assert "Instead of" in state(diary, "Language suggestions")
        with desktop.listening(pid) as events:
            desktop.key("ctrl+s")
            desktop.wait_for(pid, contains="Saving status: Saved: version 1", role="label")
        assert "Done: Saved (version 1)." in announced(events)
        diary = check_screen(desktop, pid, "diary, saved", set(), seen)
        assert state(diary, "Who can read this") == "Only you can read this."
        desktop.key("ctrl+w")

        # A reflection: its questions follow the boundary area chosen.
        show_section(desktop, pid, "Reflections")
        desktop.grab_focus(pid, "New boundary reflection", role="push button")
        desktop.key("Return")
        reflection = check_screen(desktop, pid, "reflection", {"Boundary reflection"}, seen)
        assert state(reflection, "Questions that may help").startswith("Choose a boundary area")
        desktop.key("Tab")  # from the date to the boundary area
        assert desktop.focused(pid)["role"] == "combo box"
        desktop.key("Down")
        desktop.wait_for(pid, contains="Questions that may help: ", role="label")
        check_screen(desktop, pid, "reflection, area chosen", set(), seen)
        desktop.key("ctrl+w")

        show_section(desktop, pid, "Plans")
        desktop.grab_focus(pid, "New crisis plan", role="push button")
        desktop.key("Return")
        check_screen(desktop, pid, "crisis plan", {"My crisis plan"}, seen)
        desktop.key("ctrl+w")

        desktop.key("ctrl+f")
        desktop.type("garden")
        desktop.wait_for(pid, name="Search results", role="heading")
        search = check_screen(desktop, pid, "search", {"Search results"}, seen)
        assert state(search, "Search results").endswith(" shown")

        # "Sync now": its outcome is announced (the demo's share is a folder, so it syncs).
        desktop.grab_focus(pid, "Sync now", role="push button")
        with desktop.listening(pid) as events:
            desktop.key("space")
            deadline = time.monotonic() + 20
            while not any(a.startswith("Sync status: ") for a in announced(events)) \
                    and time.monotonic() < deadline:
                time.sleep(0.2)
        assert any(a.startswith("Sync status: Synced") for a in announced(events))
    finally:
        app.stop()
    assert app.stderr() == ""
    assert len(seen) == 8


def test_a_coordinator_hears_every_screen(desktop: DesktopSession, demo: Path) -> None:
    app = open_app(desktop, demo)
    pid = app.proc.pid
    seen: dict[str, Tree] = {}
    try:
        sign_in(desktop, app, GRACE)
        show_section(desktop, pid, "Supervision inbox")
        check_screen(desktop, pid, "inbox", {"Supervision inbox", "Comments"}, seen)

        # A comment added is announced.
        desktop.grab_focus(pid, "Your comment", role="text")
        with desktop.listening(pid) as events:
            desktop.type("Thank you for bringing this.")
            desktop.key("Tab")
            desktop.key("Return")  # on "Add comment"
            desktop.wait_for(pid, contains="Comment added for", role="label")
        assert any(a.startswith("Comment added for") for a in announced(events))

        show_section(desktop, pid, "Group supervision")
        check_screen(desktop, pid, "group supervision", {"Group supervision", "Actions"}, seen)
        desktop.grab_focus(pid, "Save session", role="push button")
        with desktop.listening(pid) as events:
            desktop.key("Return")
            desktop.wait_for(pid, name="Session: Saved.", role="label")
        assert "Session: Saved." in announced(events)

        # Presentation mode: each item is announced as it comes up.
        desktop.grab_focus(pid, "Present on a shared screen", role="push button")
        with desktop.listening(pid) as events:
            desktop.key("Return")
            desktop.wait_for(pid, contains="Presentation: Item 1 of ", role="label")
            time.sleep(0.3)
        assert any(a.startswith("Item 1 of ") for a in announced(events))
        check_screen(desktop, pid, "presentation", set(), seen)
        with desktop.listening(pid) as events:
            desktop.key("Right")
            desktop.wait_for(pid, contains="Presentation: Item 2 of ", role="label")
        assert any(a.startswith("Item 2 of ") for a in announced(events))
        assert any(h for h in heard(desktop.tree(pid), "heading") if " brought: " in h)
        desktop.key("Escape")  # leaving asks for the passphrase
        desktop.wait_for(pid, name="Your passphrase, to leave", role="password text")
        with desktop.listening(pid) as events:
            desktop.type("not the passphrase")
            desktop.key("Return")
            desktop.wait_for(pid, contains="did not match", role="label")
        assert any("That passphrase did not match" in a for a in announced(events))
        assert not [e for e in events if e["type"].startswith("object:text-changed")
                    and e["role"] == "password text"]
        desktop.type(GRACE[1])
        desktop.key("Return")
        desktop.wait_for(pid, name="Group supervision", role="heading")

        show_section(desktop, pid, "Fidelity and engagement")
        check_screen(desktop, pid, "fidelity", {"Fidelity and engagement", "The figures"}, seen)
    finally:
        app.stop()
    assert app.stderr() == ""
    assert len(seen) == 4


