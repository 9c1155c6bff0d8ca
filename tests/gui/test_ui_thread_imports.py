"""Qt's libraries and the window classes are loaded on the UI thread, never first on a worker:
Qt's modules are not safe to load from another thread, and doing so crashed an unlock now and
then (the desk's code, imported for the first time on the database lane)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]

UNLOCK = '''
import sys, threading, time
off_thread = []

class Watch:
    def find_spec(self, name, path=None, target=None):
        if (name.startswith(("PySide6.", "ui.")) and name not in sys.modules
                and threading.current_thread() is not threading.main_thread()):
            off_thread.append(name)
        return None

sys.meta_path.insert(0, Watch())
from pathlib import Path
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication
from peerdesk.config import Policy
from peerdesk.crypto.kdf import KdfParams
from peerdesk.services import Vault
from ui.tasks import TaskRunner
from ui.windows.shell import ShellWindow

KDF = KdfParams(salt=bytes(16), memory_kib=8 * 1024, iterations=1, lanes=1)
data = Path({data!r})
with Vault(data, kdf_params=KDF) as vault:
    vault.create_account("Amira", "peer", {passphrase!r})
app = QApplication([])
runner = TaskRunner()
shell = ShellWindow(data, policy=Policy(), kdf_params=KDF, runner=runner)
shell.show()

def until(cond):
    loop, deadline = QEventLoop(), time.monotonic() + 60
    timer = QTimer(interval=20)
    timer.timeout.connect(lambda: (cond() or time.monotonic() > deadline) and loop.quit())
    timer.start()
    loop.exec()

until(lambda: shell.vault is not None)
shell.unlock("Amira", {passphrase!r})
until(lambda: shell.desk_page is not None)
print("desk", shell.desk_page is not None, "off the UI thread:", sorted(off_thread))
shell.lock()
runner.stop()
'''


def test_an_unlock_loads_no_qt_module_or_window_code_on_a_worker(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")}
    env |= {"QT_QPA_PLATFORM": "offscreen"}
    code = UNLOCK.format(data=str(tmp_path / "data"), passphrase=PASSPHRASE)
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "desk True off the UI thread: []" in proc.stdout, proc.stdout + proc.stderr[-2000:]
