"""Starts the desktop app: python main.py [--data-dir DIR]."""

from __future__ import annotations

import getopt
import logging
import os
import sys
from pathlib import Path

from peerdesk.config import load_policy
from peerdesk.errors import PeerDeskError
from peerdesk.paths import default_data_dir
from peerdesk.startup import EarlyGlimpse
from ui import qt_messages, selftest, theme
from ui.prefs import Prefs
from ui.windows.shell import ShellWindow

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


def main(argv: list[str] | None = None) -> int:
    # Imported here, after the core modules above (which need no Qt) and everything they
    # import: once loaded, PySide reads the source of each module imported after it (its
    # __feature__ check), some 10 ms of a start for nothing.
    from PySide6.QtWidgets import QApplication

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
    qt_messages.route_to_logging()
    data_dir = data_dir_arg or default_data_dir()
    early = EarlyGlimpse(data_dir)  # the account names, read while Qt starts

    app = QApplication.instance() or theme.application(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("PeerDesk")
    app.setDesktopFileName("peerdesk")
    prefs = Prefs(data_dir)
    display = prefs.display()
    theme.apply(app, large_text=display.large_text, high_contrast=display.high_contrast)
    try:
        policy = load_policy()
    except PeerDeskError as exc:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(None, "PeerDesk", str(exc))
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
