"""The Qt binding itself: a fault in it would end a long ward shift with an abort."""

from __future__ import annotations

import gc
import sys

from PySide6.QtWidgets import QPushButton


def test_calls_returning_nothing_keep_python_none_alive(qtbot) -> None:  # type: ignore[no-untyped-def]
    # A binding that drops a reference to None per call (PySide6 6.12.0 on Python 3.11)
    # takes the whole app down once the count reaches zero: after hours of status updates.
    button = QPushButton("Sync now")
    qtbot.addWidget(button)
    gc.collect()
    before = sys.getrefcount(None)
    for _ in range(100):
        button.setText("Sync now")
        button.setEnabled(True)
    gc.collect()
    assert sys.getrefcount(None) >= before - 10
