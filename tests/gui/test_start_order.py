"""Sign-in is on screen before the vault is open; a passphrase typed meanwhile waits for it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea

from peerdesk.startup import EarlyGlimpse, glimpse
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
        # The page scrolls (200 % text on a ward screen) without the scroll area taking a Tab
        # stop: set by number before the first paint (ui/widgets/reflow.py).
        area = shell.signin.findChild(QScrollArea)
        assert area is not None and area.focusPolicy() == Qt.FocusPolicy.NoFocus
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
    assert EarlyGlimpse(prepared_dir).wait(None) == (True, found)
    assert EarlyGlimpse(tmp_path / "nothing here").wait(None) == (True, None)
    assert glimpse(tmp_path / "nothing here") is None
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "peerdesk.sqlite3").write_bytes(b"not a database at all" * 100)
    assert glimpse(damaged) is None


def test_the_sign_in_window_loads_neither_the_orm_nor_the_self_test_chain() -> None:
    heavy = ["sqlalchemy", "alembic", "peerdesk.services", "peerdesk.selftest",
             "peerdesk.store.db", "peerdesk.store.models", "cryptography", "ui.windows.desk"]
    code = ("import sys; import ui.app, ui.windows.shell, ui.windows.signin; "
            f"print([m for m in {heavy!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True).stdout.strip()
    assert out == "[]"


# What the sign-in window must not wait for; each name also stands for its submodules.
NOT_AT_SIGN_IN = ["sqlalchemy", "alembic", "fpdf", "cryptography", "peerdesk.sync",
                  "peerdesk.services", "peerdesk.store.db", "peerdesk.store.models",
                  "peerdesk.store.migrate", "peerdesk.selftest", "ui.windows.desk"]
AT_FIRST_PAINT = """
import sys
import ui.selftest

def mark():
    loaded = sorted(m for m in sys.modules
                    if any(m == h or m.startswith(h + ".") for h in {heavy!r}))
    accounts = window[0].signin.accounts
    names = [accounts.item(i).text() for i in range(accounts.count())]
    print("painted", ui.selftest._ready(window[0]), names, loaded, flush=True)

window = []
real_quit_after_show = ui.selftest.quit_after_show
ui.selftest.quit_after_show = lambda w: (window.append(w), real_quit_after_show(w))
ui.selftest.ready_mark = mark
import ui.app
sys.exit(ui.app.main(["--data-dir", {data!r}, "--quit-after-show"]))
"""


def test_python_main_paints_sign_in_before_loading_the_orm_the_share_or_the_pdf_code(
        prepared_dir: Path, tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text("{}", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")}
    env |= {"QT_QPA_PLATFORM": "offscreen", "PEERDESK_POLICY": str(policy)}
    code = AT_FIRST_PAINT.format(heavy=NOT_AT_SIGN_IN, data=str(prepared_dir))
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [line for line in proc.stdout.splitlines() if line.startswith("painted")]
    assert lines == ["painted True ['Amira', 'Grace'] []"], proc.stdout + proc.stderr[-2000:]


def test_the_app_takes_its_data_folder_from_the_command_line_and_refuses_anything_else(
        tmp_path: Path) -> None:
    from ui.app import arguments

    folder = tmp_path / "ward pc"
    assert arguments([]) == (None, False)
    assert arguments(["--data-dir", str(folder)]) == (folder, False)
    assert arguments([f"--data-dir={folder}", "--quit-after-show"]) == (folder, True)
    assert arguments(["--help"]) is None and arguments(["-h"]) is None
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    for wrong, said in [(["--colour"], "option --colour not recognized"),
                        (["--data-dir"], "option --data-dir requires argument"),
                        (["--data-dir="], "--data-dir needs a folder"),
                        ([str(folder)], f"{str(folder)!r} is not an option here")]:
        proc = subprocess.run([sys.executable, "main.py", *wrong], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, (wrong, proc.stderr)
        assert proc.stderr.startswith(f"peerdesk-app: {said}. Usage: peerdesk-app [--data-dir"), \
            proc.stderr
        assert not folder.exists()  # nothing made for a command line that was refused


def test_a_policy_it_cannot_use_is_said_in_a_message_box_and_the_app_stops(
        qapp: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The policy is read before Qt is loaded; what is wrong with it still reaches her in a
    message box once Qt is up, and no window opens."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    import ui.app

    policy = tmp_path / "policy.json"
    policy.write_text('{"team": "North",}', encoding="utf-8")
    monkeypatch.setenv("PEERDESK_POLICY", str(policy))
    said: list[str] = []

    def answer() -> None:  # as she reads it and presses OK
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            said.append(box.text())
            box.accept()
        else:
            QTimer.singleShot(20, answer)

    QTimer.singleShot(0, answer)
    guard = QTimer(singleShot=True, interval=WAIT_MS)  # a window opened instead: end its loop
    guard.timeout.connect(QApplication.quit)
    guard.start()
    code = ui.app.main(["--data-dir", str(tmp_path / "data")])
    guard.stop()
    assert code == ui.app.EXIT_START_FAILED
    assert len(said) == 1 and "is not valid JSON (line 1" in said[0], said
    assert not [w for w in QApplication.topLevelWidgets()
                if w.isVisible() and type(w).__name__ == "ShellWindow"]
