"""Sign-in answers while the desk's code loads after it is painted: keys typed meanwhile show as
they are typed, Enter waits for the loading and then unlocks, and a lock or a close during the
loading is safe. Each case runs in a fresh process (this one has the desk's code loaded long
since), and a key is posted as each desk module starts loading: without a turn of the event
loop between two imports, no key would show until all of them had loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE
from ui.deskload import DESK, DESK_MODULES

ROOT = Path(__file__).resolve().parents[2]

LOADING = '''
import json, sys, threading, time
from pathlib import Path
from PySide6.QtCore import QEvent, QEventLoop, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication
from peerdesk.config import Policy
from peerdesk.services import Vault
from ui.deskload import DESK_MODULES
from ui.tasks import TaskRunner
from ui.windows.shell import ShellWindow

case, data, passphrase = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
app = QApplication([])
runner = TaskRunner()
shell = ShellWindow(data, policy=Policy(), runner=runner)
field = shell.signin.passphrase
seen = []  # each desk module as it starts loading, with what the field showed then
out = {}


def key(text):
    code = Qt.Key.Key_Return if text == "\\n" else Qt.Key(ord(text.upper()))
    QApplication.postEvent(field, QKeyEvent(QEvent.Type.KeyPress, code,
                                            Qt.KeyboardModifier.NoModifier, text))


def as_loading_starts(n):
    if case == "type" and n <= len(passphrase):
        key(passphrase[n - 1])  # one key per module: each shows before the next loads
    elif case in ("enter", "lock", "close") and n == 1:
        for text in passphrase + "\\n":
            key(text)
    if case == "lock" and n == 20:
        QTimer.singleShot(0, shell.lock)
    if case == "close" and n == 20:
        QTimer.singleShot(0, shell.close)


class Watch:
    def find_spec(self, name, path=None, target=None):
        if (name in DESK_MODULES and name not in sys.modules
                and threading.current_thread() is threading.main_thread()):
            seen.append((name, field.text(), field.isEnabled()))
            as_loading_starts(len(seen))
        return None


def until(cond, settle_ms=0):
    loop, deadline = QEventLoop(), time.monotonic() + 60
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: (cond() or time.monotonic() > deadline) and loop.quit())
    timer.start()
    loop.exec()
    timer.stop()
    if settle_ms:
        QTimer.singleShot(settle_ms, loop.quit)
        loop.exec()


sys.meta_path.insert(0, Watch())
painted = []
shell.first_painted.connect(lambda: painted.append(True))
shell.show()
until(lambda: painted)
shell.signin.accounts.setCurrentRow(0)
# Open, with the desk's code loaded (or closed meanwhile: no vault then).
until(lambda: shell.vault is not None or (case == "close" and not shell.isVisible()),
      settle_ms=300)
out["typed"] = field.text()
if case == "type":
    key("\\n")
if case in ("type", "enter"):
    until(lambda: shell.desk_page is not None)
else:  # time for an unlock that should not have gone ahead to open the desk
    until(lambda: True, settle_ms=1000)
out["seen"] = seen
out["desk"] = shell.desk.user.name if shell.desk is not None else None
out["signin"] = shell.signin.isVisible() and field.isEnabled()
shell.close()
runner.stop()
with Vault(data) as vault:  # the data folder was let go
    out["reopened"] = [a.name for a in vault.accounts()]
print("RESULT " + json.dumps(out))
'''


def run(case: str, data: Path) -> dict:  # type: ignore[type-arg]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")}
    env |= {"QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-c", LOADING, case, str(data), PASSPHRASE],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, proc.stdout[-2000:] + proc.stderr[-3000:]
    return json.loads(lines[0].removeprefix("RESULT "))  # type: ignore[no-any-return]


def test_keys_typed_while_the_desk_loads_show_as_typed_and_enter_then_unlocks(
        prepared_dir: Path) -> None:
    out = run("type", prepared_dir)
    shown = [text for _name, text, _enabled in out["seen"]]
    assert len(shown) > len(PASSPHRASE), "the desk loads in many steps"
    assert shown[0] == ""
    # Every key posted as a module started loading was in the field before the next one did.
    assert all(PASSPHRASE.startswith(text) for text in shown)
    assert out["seen"][-1][0] == DESK and out["seen"][-1][1] == PASSPHRASE
    assert out["typed"] == PASSPHRASE
    assert out["desk"] == "Amira"
    assert out["reopened"] == ["Amira", "Grace"]


def test_enter_pressed_while_the_desk_loads_waits_for_it_then_unlocks(
        prepared_dir: Path) -> None:
    out = run("enter", prepared_dir)
    # The page took her Enter while loading went on (it shows it is unlocking)...
    assert any(not enabled for _name, _text, enabled in out["seen"])
    assert out["seen"][-1][0] == DESK
    # ...and the unlock went ahead once the desk's code was in.
    assert out["desk"] == "Amira"


@pytest.mark.parametrize("case", ["lock", "close"])
def test_a_lock_or_close_while_the_desk_loads_unlocks_nothing_and_lets_the_folder_go(
        prepared_dir: Path, case: str) -> None:
    out = run(case, prepared_dir)
    assert len(out["seen"]) >= 20
    assert out["desk"] is None
    if case == "lock":
        assert out["signin"] is True  # back on sign-in, ready for her passphrase again
    assert out["reopened"] == ["Amira", "Grace"]


def test_every_module_the_desk_loads_has_its_own_step() -> None:
    """The desk's modules of PeerDesk's own not in DESK_MODULES would load with whatever step
    first needs them, and that step would stall the window longer: add them, each after the
    modules it imports. Loaded before: what the app has by the time the vault is open (the
    lanes, the session watch, the services' core)."""
    code = ("import json, sys, ui.app, ui.windows.shell, ui.session_watch, ui.tasks\n"
            "from peerdesk.services import Vault\n"
            "before = set(sys.modules)\n"
            "import ui.windows.desk\n"
            "print(json.dumps([m for m in sys.modules if m not in before]))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)
    loaded = json.loads(proc.stdout)
    missing = [m for m in loaded if m.startswith(("peerdesk.", "ui.")) and m not in DESK_MODULES]
    assert missing == [], f"add to ui.deskload.DESK_MODULES: {missing}"


def test_code_loaded_quietly_is_not_collected_meanwhile_and_is_frozen_after(
        qapp: object) -> None:
    """The vault's and the desk's code are loaded quietly (ui.collector): the UI-thread
    collector walks none of it while it loads, nor afterwards."""
    import gc

    from ui.collector import UiThreadCollector

    collected: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collected.append(info["generation"])

    gc.callbacks.append(seen)
    frozen = gc.get_freeze_count()
    checker = UiThreadCollector()
    try:
        with UiThreadCollector.quiet():
            made = [[n] for n in range(50_000)]  # as a module's code does: things that stay
            checker.check()  # its timer's turn, past every threshold
            assert collected == []
        assert gc.get_freeze_count() >= frozen + len(made)
    finally:
        checker.stop()
        gc.callbacks.remove(seen)
        gc.unfreeze()  # as the desk's lock does
