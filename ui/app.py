"""Starts the desktop app: python main.py [--data-dir DIR]."""

from __future__ import annotations

import getopt
import logging
import os
import sys
from pathlib import Path

from peerdesk.config import Policy, load_policy
from peerdesk.errors import PeerDeskError
from peerdesk.paths import default_data_dir
from peerdesk.startup import EarlyGlimpse
from ui import selftest  # needs no Qt: the modes that are not the app (--self-test, --cli)

EXIT_START_FAILED = 3
EXIT_USAGE = 2
USAGE = ("Usage: peerdesk-app [--data-dir FOLDER] (FOLDER: where this computer keeps PeerDesk's "
         "data; by default this user's PeerDesk folder).")


def arguments(argv: list[str]) -> tuple[Path | None, bool] | None:
    """The data folder given (None: the default) and whether to quit once shown; None for
    --help. With getopt, not argparse: argparse looks up its messages' translations on
    disk at every start, some 3 ms before sign-in is painted."""
    options, rest = getopt.getopt(argv, "h", ["data-dir=", "quit-after-show", "help"])
    if rest:
        raise getopt.GetoptError(f"{rest[0]!r} is not an option here")
    data_dir: Path | None = None
    quit_after_show = False  # bench/startup.py: mark the first paint, then quit
    for option, value in options:
        if option in ("-h", "--help"):
            return None
        if option == "--data-dir":
            if not value.strip():
                raise getopt.GetoptError("--data-dir needs a folder")
            data_dir = Path(value)
        else:
            quit_after_show = True
    return data_dir, quit_after_show


def _import_qt() -> None:
    """Qt's Python modules, with their symbols bound as they are first called. Python loads an
    extension module with RTLD_NOW, looking up at once every Qt function QtCore, QtGui and
    QtWidgets wrap, most of which a run never calls: some 2 ms before sign-in can be painted.
    Lazy binding is the C default and Python's documented use of sys.setdlopenflags; Qt's
    own libraries are linked to bind at load and still do. Not on Windows (no such flags),
    and nothing to do once PySide is loaded (a test process, say). The frozen build's PySide6
    start-up hook (installers/hooks) leaves Qt for this to load."""
    if "PySide6.QtWidgets" in sys.modules or not hasattr(sys, "setdlopenflags"):
        return
    flags = sys.getdlopenflags()
    sys.setdlopenflags((flags & ~os.RTLD_NOW) | os.RTLD_LAZY)
    try:
        import PySide6.QtWidgets  # noqa: F401  (QtCore and QtGui with it)
    finally:
        sys.setdlopenflags(flags)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    special = selftest.special_mode(argv)  # --self-test, --check-policy FILE, --cli ...
    if special is not None:
        return special
    try:
        given = arguments(argv)
    except getopt.GetoptError as exc:
        print(f"peerdesk-app: {exc}. {USAGE}", file=sys.stderr)
        return EXIT_USAGE
    if given is None:
        print(USAGE)
        return 0
    data_dir_arg, quit_after_show = given
    logging.basicConfig(level=logging.WARNING)
    data_dir = data_dir_arg or default_data_dir()
    early = EarlyGlimpse(data_dir)  # the account names, read while Qt starts
    try:
        policy: Policy | str = load_policy()
    except PeerDeskError as exc:
        policy = str(exc)  # said once Qt can show it

    # Qt after the core modules above (which need no Qt) and the work they do: once loaded,
    # PySide reads the source of each module imported after it (its __feature__ check),
    # some 10 ms of a start for nothing.
    _import_qt()
    from PySide6.QtWidgets import QApplication

    from ui import qt_messages, theme
    from ui.prefs import Prefs
    from ui.windows.shell import ShellWindow

    qt_messages.route_to_logging()
    app = QApplication.instance() or theme.application(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("PeerDesk")
    app.setDesktopFileName("peerdesk")
    display = Prefs(data_dir).display()
    theme.apply(app, large_text=display.large_text, high_contrast=display.high_contrast)
    if isinstance(policy, str):
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(None, "PeerDesk", policy)
        return EXIT_START_FAILED

    window = ShellWindow(data_dir, policy=policy, early=early)  # it runs the app's two lanes
    failed: list[str] = []

    def start_failed(text: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        failed.append(text)
        QMessageBox.critical(window, "PeerDesk", text)
        window.close()

    window.start_failed.connect(start_failed)
    window.show()
    if quit_after_show or os.environ.get(selftest.QUIT_AFTER_SHOW_ENV):
        selftest.quit_after_show(window)  # bench/startup.py
    code = app.exec()
    window.shutdown()  # done already if it was closed; not if the app was told to quit
    return EXIT_START_FAILED if failed else code
