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

# Imports everything once, says so, then for each folder it is sent forks a child that opens
# (and so upgrades) it: a kill lands in an upgrade, not in Python's start-up (about 0.4 s a
# child). The child stays unreaped, so its process id is not reused, until it is told "reap".
ZYGOTE = """
import os, sys, traceback
from pathlib import Path
from peerdesk.config import Policy
from peerdesk.services import Vault
import alembic.command, alembic.script, peerdesk.store.migrations  # noqa
print("ready", flush=True)
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            with Vault(Path(line.strip()), policy=Policy()):
                pass
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    print(pid, flush=True)
    assert sys.stdin.readline().strip() == "reap"
    print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
"""


class Upgrader:
    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", ZYGOTE], text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self._line() == "ready"

    def _line(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def _say(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def begin(self, data_dir: Path) -> int:
        """A child process starts upgrading ``data_dir``; its process id."""
        self._say(str(data_dir))
        return int(self._line())

    def reap(self) -> int:
        """Waits for the child to end; its exit code (negative: the signal that ended it)."""
        self._say("reap")
        return int(self._line())

    def close(self) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        assert self.proc.wait(timeout=60) == 0
        self.proc.stdout.close()


def test_an_upgrade_killed_anywhere_leaves_a_folder_that_opens(tmp_path: Path) -> None:
    pristine = tmp_path / "pristine"
    ids = build_oldest_store(pristine)["ids"]
    # How long one whole upgrade takes here, so the kills land inside it.
    trial = tmp_path / "trial"
    shutil.copytree(pristine, trial)
    upgrader = Upgrader()
    began = time.monotonic()
    upgrader.begin(trial)
    assert upgrader.reap() == 0
    took = time.monotonic() - began
    assert migrate.file_revision(trial / DB_NAME) == migrate.HEAD

    rng = random.Random(14)
    outcomes = {"old": 0, "new": 0}
    for n in range(KILLS):
        data = tmp_path / f"kill-{n}"
        shutil.copytree(pristine, data)
        child = upgrader.begin(data)
        time.sleep(rng.uniform(0, took))
        os.kill(child, signal.SIGKILL)
        assert upgrader.reap() in {0, -signal.SIGKILL}, n
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
    upgrader.close()
    print(f"{KILLS} kills within a {took:.2f} s upgrade: {outcomes['old']} left the old "
          f"store, {outcomes['new']} the new one; every one opened")
