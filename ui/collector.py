"""Python's cycle collector, run on the UI thread only.

Left automatic, the collector runs on whichever thread happens to allocate past a threshold.
When that is a worker (the database lane decrypting a vault allocates a great deal) and the
garbage it finds includes a cycle holding a Qt wrapper (a closed dialog and the lambdas
connected to its buttons), shiboken destroys the wrapper on the worker while the UI thread
changes the same table of wrappers: the app crashed that way, at random, in the database
thread. While a task runner with worker threads exists, automatic collection is off and the
three generations are collected here, on the UI thread, when their counts pass the same
thresholds (as Anki, OpenCue and GitFourchette do). Reference counting, which frees almost
everything, is untouched.

Code being imported (the vault's on the database lane, the desk's after sign-in is painted)
allocates hundreds of thousands of objects that live as long as the app: collecting them as
they come held the UI thread 30-70 ms at a time while sign-in was on screen. Such work runs
``quiet()``: nothing is collected meanwhile, and what it allocated is frozen out of later
collections (``gc.freeze``) until the desk's lock thaws everything (ui.windows.desk.thaw).

The check runs often, so each young collection stays as small as an automatic one would be
(a worker holds the interpreter lock whichever thread collects). A full collection walks
every object, a long walk with a large vault open (0.8 s for two million objects here): as
Python itself does, one is done only once the heap has grown by a quarter since the last
(Python counts the oldest generation, which cannot be asked for cheaply; the interpreter's
count of allocated blocks stands in for it).
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

from PySide6.QtCore import QObject, QTimer

CHECK_MS = 100


class UiThreadCollector(QObject):
    _alive: ClassVar[int] = 0
    _quiet: ClassVar[int] = 0
    _quiet_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    @contextmanager
    def quiet(cls) -> Iterator[None]:
        """No collection while this runs (on any thread); what it allocated is frozen after.
        Freezing destroys nothing, so it is as safe on a worker as on the UI thread."""
        with cls._quiet_lock:
            cls._quiet += 1
        try:
            yield
        finally:
            gc.freeze()
            with cls._quiet_lock:
                cls._quiet -= 1

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self._blocks_after_full = sys.getallocatedblocks()
        if UiThreadCollector._alive == 0:
            gc.disable()
        UiThreadCollector._alive += 1
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(CHECK_MS)

    def check(self) -> None:
        if UiThreadCollector._quiet:
            return
        young, middle, old = gc.get_count()
        first, second, third = self.thresholds
        if young <= first:
            return
        if middle < second:
            gc.collect(0)
        elif old < third or not self._old_grown():
            gc.collect(1)
        else:
            gc.collect(2)
            self._blocks_after_full = sys.getallocatedblocks()

    def _old_grown(self) -> bool:
        return sys.getallocatedblocks() > self._blocks_after_full * 5 // 4

    def stop(self, *, automatic_again: bool = True) -> None:
        """The runner is closing: automatic collection again once no collector is left, if no
        worker is still running."""
        if self._timer.isActive():
            self._timer.stop()
            UiThreadCollector._alive -= 1
            if UiThreadCollector._alive == 0 and automatic_again:
                gc.enable()
