"""Prints what X11's PRIMARY selection holds (as JSON), read from a process of its own as a
middle click in another program would: ``python -m tests.helpers.selection``."""

from __future__ import annotations

import json
import sys

from PySide6.QtGui import QClipboard, QGuiApplication


def main() -> None:
    app = QGuiApplication([*sys.argv[:1], "-platform", "xcb"])
    clipboard = app.clipboard()
    print(json.dumps(clipboard.text(QClipboard.Mode.Selection)))


if __name__ == "__main__":
    main()
