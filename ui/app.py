"""Starts the desktop app: python main.py [--data-dir DIR]."""

from __future__ import annotations

import argparse
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
from ui.tasks import TaskRunner
from ui.windows.shell import ShellWindow

EXIT_START_FAILED = 3


def main(argv: list[str] | None = None) -> int:
    # Imported here, after the core modules above (which need no Qt) and everything they
    # import: once loaded, PySide reads the source of each module imported after it (its
    # __feature__ check), some 10 ms of a start for nothing.
    from PySide6.QtWidgets import QApplication, QMessageBox

    argv = sys.argv[1:] if argv is None else argv
    special = selftest.special_mode(argv)  # --self-test, --check-policy FILE, --cli ...
    if special is not None:
        return special
    parser = argparse.ArgumentParser(prog="peerdesk-app", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="the data folder (default: this user's PeerDesk folder)")
    parser.add_argument("--quit-after-show", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    qt_messages.route_to_logging()
    data_dir: Path = args.data_dir or default_data_dir()
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
        QMessageBox.critical(None, "PeerDesk", str(exc))
        return EXIT_START_FAILED

    runner = TaskRunner()  # the two lanes every window's work runs on
    window = ShellWindow(data_dir, policy=policy, runner=runner, early=early)
    failed: list[str] = []

    def start_failed(text: str) -> None:
        failed.append(text)
        QMessageBox.critical(window, "PeerDesk", text)
        window.close()

    window.start_failed.connect(start_failed)
    window.show()
    if args.quit_after_show or os.environ.get(selftest.QUIT_AFTER_SHOW_ENV):
        selftest.quit_after_show(window)  # bench/startup.py
    code = app.exec()
    runner.stop()
    return EXIT_START_FAILED if failed else code
