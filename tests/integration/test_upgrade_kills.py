"""An upgrade killed (SIGKILL) at random moments: after each kill the folder holds the old store
or the new one, never neither, at most one backup; and it opens, upgraded, with every record.

``PEERDESK_UPGRADE_KILLS`` sets how many kills (default 60)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from peerdesk.config import Policy
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in
from peerdesk.store import migrate
from peerdesk.store.db import DB_NAME
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.integration.test_upgrade import OLDEST, backups, build_oldest_store

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
KILLS = int(os.environ.get("PEERDESK_UPGRADE_KILLS", "60"))

# Imports everything first, says so, then opens (and so upgrades) the folder when told.
CHILD = """
import sys
from pathlib import Path
from peerdesk.config import Policy
from peerdesk.services import Vault
import alembic.command, alembic.script, peerdesk.store.migrations  # noqa
print("ready", flush=True)
sys.stdin.readline()
with Vault(Path(sys.argv[1]), policy=Policy()):
    pass
print("done", flush=True)
"""


def start(data_dir: Path) -> subprocess.Popen[str]:
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(data_dir)], text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    return child


def go(child: subprocess.Popen[str]) -> None:
    assert child.stdin is not None
    child.stdin.write("go\n")
    child.stdin.flush()


def close(child: subprocess.Popen[str]) -> None:
    for stream in (child.stdin, child.stdout):
        if stream is not None:
            stream.close()


def test_an_upgrade_killed_anywhere_leaves_a_folder_that_opens(tmp_path: Path) -> None:
    pristine = tmp_path / "pristine"
    ids = build_oldest_store(pristine)["ids"]
    # How long one whole upgrade takes here, so the kills land inside it.
    trial = tmp_path / "trial"
    shutil.copytree(pristine, trial)
    child = start(trial)
    began = time.monotonic()
    go(child)
    assert child.stdout is not None and child.stdout.readline().strip() == "done"
    took = time.monotonic() - began
    child.wait(timeout=60)
    close(child)

    rng = random.Random(14)
    outcomes = {"old": 0, "new": 0}
    for n in range(KILLS):
        data = tmp_path / f"kill-{n}"
        shutil.copytree(pristine, data)
        child = start(data)
        go(child)
        time.sleep(rng.uniform(0, took))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        close(child)
        # Never neither: the database is whole, at the old revision or the new one.
        found = migrate.file_revision(data / DB_NAME)
        assert found in {OLDEST, migrate.HEAD}, (n, found)
        outcomes["old" if found == OLDEST else "new"] += 1
        assert len(backups(data)) <= 1  # one copy, never one per try
        with Vault(data, kdf_params=LIGHT_KDF, policy=Policy()) as vault:
            desk = sign_in(vault, "Amira", PASSPHRASE)
            assert {r.id for r in desk.records()} == set(ids.values()), n
            assert desk.get(ids["diary"]).fields["what_happened"] == \
                "Walk to the allotment; tea after."
            assert vault.store.file_problems() == []
        assert migrate.file_revision(data / DB_NAME) == migrate.HEAD
        assert backups(data) == [] and not list(data.glob("*" + migrate.WORK_SUFFIX + "*"))
        shutil.rmtree(data)
    print(f"{KILLS} kills within a {took:.2f} s upgrade: {outcomes['old']} left the old "
          f"store, {outcomes['new']} the new one; every one opened")
