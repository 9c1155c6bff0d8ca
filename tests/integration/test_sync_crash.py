"""kill -9 in the middle of a real `peerdesk sync`, again and again: the next sync finishes the
job, and the other device ends with every record exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from peerdesk.domain import Kind
from peerdesk.services.desk import sign_in
from tests.conftest import PASSPHRASE
from tests.helpers.team import diary, make_team

pytestmark = pytest.mark.slow

RECORDS = 4500  # three changesets


def test_kill_9_during_sync_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    team = make_team(tmp_path)
    try:
        a1 = team.desks["a1"]
        person = a1.add(Kind.PERSON, {"label": "someone"})
        for i in range(RECORDS):
            a1.add(Kind.DIARY, diary(f"record {i}"), person_id=person.id)
        team.vaults["a1"].close()  # the CLI, in another process, takes the data folder
        env = {k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")}
        env["PEERDESK_PASSPHRASE"] = PASSPHRASE
        folder = Path(team.location) / "devices" / team.vaults["a1"].device_id
        for delay in (0.0, 0.05, 0.2):
            before = len(list(folder.glob("*.pdk"))) if folder.exists() else 0
            child = subprocess.Popen(
                [sys.executable, "-m", "peerdesk.cli", "--data-dir", str(tmp_path / "a1"),
                 "--user", "Amira", "sync"], env=env, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, cwd=Path(__file__).parents[2])
            # Wait for the next changeset to land on the share, then a little more, and kill:
            # between the rename, the read-back and the commit that marks it sent.
            deadline = time.monotonic() + 60
            while child.poll() is None and time.monotonic() < deadline:
                if folder.exists() and len(list(folder.glob("*.pdk"))) > before:
                    break
                time.sleep(0.002)
            time.sleep(delay)
            child.kill()  # SIGKILL: no clean-up of any kind
            child.wait()
            team.sync("a2")  # meanwhile, the laptop reads whatever made it
        a1 = team.desks["a1"] = sign_in(team.device("a1"), "Amira", PASSPHRASE)
        team.sync("a1", "a2", "a1", "a2")
        a2 = team.desks["a2"]
        texts = sorted(r.fields["what_happened"] for r in a2.records(Kind.DIARY))
        assert texts == sorted(f"record {i}" for i in range(RECORDS))
        assert all(len(a2.history(r.id)) == 1 for r in a2.records(Kind.DIARY)[:50])
        (report,) = team.sync("a2")
        assert report.problems == () and report.pulled == 0
    finally:
        team.close()
