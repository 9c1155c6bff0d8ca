"""Recovery from the team share on the real desktop, heard through AT-SPI: Grace, given the
information governance duty by the administrator (through the command line), finds the
computer by whose it was, types the key file, its passphrase and a reason, and hears what was
opened announced. Nothing on the page is unnamed, and the key's passphrase never reaches the
accessibility bus."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.conftest import PASSPHRASE, run_cli
from tests.desktop.conftest import show_section, sign_in
from tests.desktop.test_screen_reader import announced, unheard
from tests.helpers.desktop import DesktopSession
from tests.helpers.recovery import KEY_PASSPHRASE, trust_key

REASON = "Amira's laptop was stolen; Jo's diary is needed for her review today."
DIARY = {"when": "2026-03-02T10:30", "what_happened": "Went to the allotment group."}


def test_ig_recovers_from_the_share_with_the_keyboard_and_hears_the_result(
        desktop: DesktopSession, tmp_path: Path) -> None:
    trust = trust_key(tmp_path)
    office, env = tmp_path / "office", trust.env
    assert run_cli(office, "init", env=env).code == 0
    for name, role in (("Ida", "admin"), ("Amira", "peer"), ("Grace", "coordinator")):
        assert run_cli(office, "user", "add", name, "--role", role, env=env).code == 0
    for name in ("Amira", "Grace"):
        assert run_cli(office, "--user", "Ida", "user", "approve", name, env=env).code == 0
    assert run_cli(office, "--user", "Ida", "share", "init", str(tmp_path / "share"),
                   env=env).code == 0
    added = run_cli(office, "--user", "Amira", "record", "add", "--kind", "diary", "--file",
                    "-", stdin=json.dumps(DIARY), env=env)
    assert added.code == 0, added.err
    assert run_cli(office, "--user", "Amira", "sync", env=env).code == 0
    assert run_cli(office, "--user", "Ida", "user", "grant-ig", "Grace", env=env).code == 0

    app = desktop.launch([sys.executable, "main.py", "--data-dir", str(office)],
                         env={"PEERDESK_POLICY": str(trust.policy)})
    pid = app.proc.pid
    try:
        desktop.wait_window(app)
        desktop.wait_for(pid, name="Passphrase", role="password text")
        sign_in(desktop, app, ("Grace", PASSPHRASE))
        show_section(desktop, pid, "Recovery from the team share")
        assert unheard(desktop.tree(pid)) == []

        desktop.grab_focus(pid, "Find the computers on the team share", role="push button")
        with desktop.listening(pid) as events:
            desktop.key("Return")
            desktop.wait_for(pid, contains="Recovery: Found 1 computer on", role="label")
        assert any(a.startswith("Recovery: Found 1 computer on") for a in announced(events))
        desktop.key("shift+Tab")  # back to the list of computers
        desktop.key("Down")  # the one found: Amira's
        desktop.wait_for(pid, contains="Amira: computer ", role="combo box")
        desktop.tab_to(pid, "Recovery key file")
        desktop.type(str(trust.file))
        desktop.tab_to(pid, "Its passphrase")
        with desktop.listening(pid) as typed:
            desktop.type(KEY_PASSPHRASE)
        assert not [e for e in typed if e["type"].startswith("object:text-changed")
                    and e["role"] == "password text"]
        desktop.tab_to(pid, "Why you need them")
        desktop.type(REASON)
        desktop.tab_to(pid, "Open with the recovery key")
        with desktop.listening(pid) as events:
            desktop.key("Return")
            desktop.wait_for(pid, contains="Recovery: Opened 1 record that computer sent",
                             role="label", timeout=60.0)
        said = [a for a in announced(events) if a.startswith("Recovery: Opened 1 record")]
        assert said and "told, with your reason, at your next sync" in said[0]
        shown = desktop.wait_for(pid, name="Records opened")
        assert "Went to the allotment group." in shown.get("text", ""), shown
        assert unheard(desktop.tree(pid)) == []
    finally:
        app.stop()
    assert app.stderr() == ""
