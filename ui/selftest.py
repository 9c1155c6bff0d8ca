"""``PeerDesk --self-test``: the core self-test plus what only Qt can prove in a built app
(a plan PDF, the sign-in window), and the start-up probe used by bench/startup.py."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the self-test chain loads only for --self-test, never at start-up
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QWidget

    from peerdesk.selftest import SelfTest
    from ui.windows.shell import ShellWindow

# Qt's classes are imported in the functions that use them: the app imports this module at
# every start (special_mode), and PySide builds each class on its first import.

QUIT_AFTER_SHOW_ENV = "PEERDESK_QUIT_AFTER_SHOW"
READY_MARK = "peerdesk-ready"
READY_TIMEOUT_MS = 30_000


def choose_platform() -> str:
    """Headless Linux (CI, a build box) gets Qt's offscreen platform; anywhere with a screen
    keeps the real one, so the self-test also proves its platform plugin is bundled."""
    if (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return os.environ.get("QT_QPA_PLATFORM", "default")


def plan_pdf(test: SelfTest) -> str:
    from peerdesk.domain import Kind
    from ui.plan_document import write_pdf

    plan = test.saved[Kind.CRISIS_PLAN]
    test.export_dir.mkdir(exist_ok=True)
    path = write_pdf(test.export_dir / "crisis-plan.pdf", plan, person="Self-test",
                     large_print=True)
    data = path.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    if not data.startswith(b"%PDF-") or pages < 1:
        raise AssertionError(f"{path.name} is not a PDF with pages")
    return f"large-print crisis plan, {pages} pages, {len(data) // 1024} KiB"


def _ready(window: QWidget) -> bool:
    """The first screen a person can act on: sign-in, or creating the first account."""
    from PySide6.QtWidgets import QWidget

    for name in ("signin", "account_page"):
        page = getattr(window, name, None)
        if isinstance(page, QWidget) and page.isVisible():
            return True
    return False


def when_ready(window: QWidget, then: Callable[[], None], *,
               failed: Callable[[], bool] = lambda: False) -> QTimer:
    """Call ``then`` once the window shows its first usable screen (checked every 10 ms)."""
    from PySide6.QtCore import QTimer

    timer = QTimer(window, interval=10)

    def poll() -> None:
        if _ready(window) or failed():
            timer.stop()
            then()

    timer.timeout.connect(poll)
    timer.start()
    return timer


def ready_mark() -> None:
    """The line bench/startup.py reads: wall-clock time, and CPU time used by the process."""
    if sys.stdout is not None:
        print(f"{READY_MARK} {time.time():.6f} {time.process_time():.6f}", flush=True)


def quit_after_show(window: ShellWindow) -> None:
    """For bench/startup.py: mark the moment sign-in is first painted on screen, then quit."""
    from PySide6.QtCore import QCoreApplication, QTimer

    app = QCoreApplication.instance()
    assert app is not None

    def ready() -> None:
        ready_mark()
        QTimer.singleShot(0, window.close)
        QTimer.singleShot(0, app.quit)

    window.first_painted.connect(ready)
    QTimer.singleShot(READY_TIMEOUT_MS, app.quit)


def signin_window(test: SelfTest) -> str:
    from PySide6.QtCore import QEventLoop, QTimer

    from ui.tasks import TaskRunner
    from ui.windows.shell import ShellWindow

    failures: list[str] = []
    runner = TaskRunner()
    window = ShellWindow(test.data_dir, policy=test.policy, runner=runner)
    window.start_failed.connect(failures.append)
    loop = QEventLoop()
    t0 = time.perf_counter()
    when_ready(window, loop.quit, failed=lambda: bool(failures))
    QTimer.singleShot(READY_TIMEOUT_MS, loop.quit)
    window.show()
    loop.exec()
    shown = _ready(window)
    window.close()
    runner.stop()
    if failures:
        raise AssertionError(failures[0])
    if not shown:
        raise AssertionError(f"not on screen after {READY_TIMEOUT_MS // 1000} s")
    return f"on screen {time.perf_counter() - t0:.2f} s after the window was created"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    choose_platform()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "PeerDesk"])
    assert isinstance(app, QApplication)
    from peerdesk.selftest import SelfTest

    test = SelfTest(keep="--keep" in args)
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    def qt_step(_: SelfTest) -> str:
        return f"PySide6 {pyside_version}, Qt {qVersion()}, platform {app.platformName()}"

    return test.run(extra=[("qt", qt_step), ("plan pdf", plan_pdf)],
                    after_close=[("sign-in window", signin_window)])


def special_mode(argv: Sequence[str]) -> int | None:
    """The modes of the app's executable that are not the app: its exit code, or None."""
    if "--self-test" in argv:
        return main(argv)
    if argv[:1] == ["--check-policy"]:
        from peerdesk.selftest import check_policy

        return check_policy(argv[1] if len(argv) > 1 else None)
    if argv[:1] == ["--cli"]:
        from peerdesk.cli import main as cli

        return cli(list(argv[1:]))
    return None
