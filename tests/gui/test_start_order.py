"""Sign-in is on screen before the vault is open; a passphrase typed meanwhile waits for it."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from PySide6.QtCore import Qt

from peerdesk.startup import glimpse
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.gui.conftest import WAIT_MS
from ui.tasks import TaskRunner
from ui.windows.shell import ShellWindow

ROOT = Path(__file__).resolve().parents[2]


def test_sign_in_shows_before_the_vault_opens_and_an_early_unlock_waits_for_it(
        qtbot, prepared_dir: Path, runner: TaskRunner, policy) -> None:  # type: ignore[no-untyped-def]
    gate = threading.Event()
    shell = ShellWindow(prepared_dir, policy=policy, kdf_params=LIGHT_KDF, runner=runner)
    qtbot.addWidget(shell)
    runner.db.start(gate.wait)  # the database lane is busy once the names are read
    shell.show()
    try:
        qtbot.waitUntil(lambda: shell.signin.isVisible() and shell.signin.accounts.count() == 2,
                        timeout=WAIT_MS)
        assert shell.vault is None
        assert [shell.signin.accounts.item(i).text() for i in range(2)] == ["Amira", "Grace"]
        shell.signin.accounts.setCurrentRow(0)
        qtbot.keyClicks(shell.signin.passphrase, PASSPHRASE)
        qtbot.keyClick(shell.signin.passphrase, Qt.Key.Key_Return)
        qtbot.wait(100)
        assert shell.desk_page is None and not shell.signin.passphrase.isEnabled()
    finally:
        gate.set()
    qtbot.waitUntil(lambda: shell.desk_page is not None, timeout=WAIT_MS)
    assert shell.desk is not None and shell.desk.user.name == "Amira"
    shell.close()


def test_the_first_glimpse_reads_names_and_team_and_gives_way_to_the_vault_otherwise(
        prepared_dir: Path, tmp_path: Path) -> None:
    found = glimpse(prepared_dir)
    assert found is not None and (found.names, found.team) == (["Amira", "Grace"], "Team North")
    assert glimpse(tmp_path / "nothing here") is None
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "peerdesk.sqlite3").write_bytes(b"not a database at all" * 100)
    assert glimpse(damaged) is None


def test_the_sign_in_window_loads_neither_the_orm_nor_the_self_test_chain() -> None:
    heavy = ["sqlalchemy", "alembic", "peerdesk.services", "peerdesk.selftest",
             "peerdesk.store", "cryptography", "ui.windows.desk"]
    code = ("import sys; import ui.app, ui.windows.shell, ui.windows.signin; "
            f"print([m for m in {heavy!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True).stdout.strip()
    assert out == "[]"
