"""Background work: every vault call runs on one worker thread, results come back as signals.

    tasks.start(lambda: desk.records(), on_success=self.show_records, on_error=self.show_error)

SQLite and key derivation never run on the UI thread. One thread for all vault access (as Anki
does for its collection) keeps calls in order: a draft queued before a lock is saved before the
keys are dropped.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from peerdesk.errors import Cancelled

Callback = Callable[[Any], None]


class CancelToken:
    """Set from the UI thread, checked by the job between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled("Stopped.")


class Task(QObject):
    """One job's delivery back to the UI thread; lives in the UI thread."""

    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, on_success: Callback | None, on_error: Callback | None,
                 token: CancelToken) -> None:
        super().__init__()
        self._on_success, self._on_error = on_success, on_error
        self.token = token
        self.done = False
        # Emitted from the worker, received here: Qt queues the call onto the UI thread.
        self.succeeded.connect(self._deliver_success)
        self.failed.connect(self._deliver_failure)

    def cancel(self) -> None:
        self.token.cancel()

    @Slot(object)
    def _deliver_success(self, value: object) -> None:
        self._finish()
        if not self.token.cancelled and self._on_success is not None:
            self._on_success(value)

    @Slot(object)
    def _deliver_failure(self, exc: object) -> None:
        self._finish()
        if isinstance(exc, Cancelled) or self.token.cancelled:
            return
        if self._on_error is not None:
            self._on_error(exc)
        else:
            from ui.errors import show_error
            show_error(None, exc)  # type: ignore[arg-type]

    def _finish(self) -> None:
        self.done = True
        _live.discard(self)


class _VaultThread(QThread):
    """One long-lived thread runs every vault job in order.

    Not a QThreadPool: a pooled runnable gets a fresh Python thread state each run, which
    forgets thread-local state between jobs (the data folder's file lock keeps its owner in
    one), so a lock taken in one job could not be released in the next.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("PeerDesk vault")
        self.jobs: queue.Queue[tuple[Task, Callable[[], Any]] | None] = queue.Queue()
        self._idle = threading.Condition()
        self._pending = 0

    def submit(self, task: Task, fn: Callable[[], Any]) -> None:
        with self._idle:
            self._pending += 1
        self.jobs.put((task, fn))

    def run(self) -> None:
        while True:
            item = self.jobs.get()
            if item is None:
                return
            task, fn = item
            try:
                value = fn()
            except BaseException as exc:  # delivered to the UI thread, which decides
                task.failed.emit(exc)
            else:
                task.succeeded.emit(value)
            finally:
                del item, task, fn
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def wait_idle(self, msecs: int) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=msecs / 1000)


_live: set[Task] = set()
_thread: _VaultThread | None = None
_inline = False


def vault_thread() -> _VaultThread:
    """The single thread that touches the vault."""
    global _thread
    if _thread is None:
        _thread = _VaultThread()
        _thread.start()
    return _thread


def set_inline(inline: bool) -> None:
    """Tests of models and widgets: run jobs at once on the calling thread."""
    global _inline
    _inline = inline


def start(fn: Callable[[], Any], *, on_success: Callback | None = None,
          on_error: Callback | None = None, token: CancelToken | None = None) -> Task:
    task = Task(on_success, on_error, token or CancelToken())
    if _inline:
        try:
            value = fn()
        except BaseException as exc:
            task._deliver_failure(exc)
        else:
            task._deliver_success(value)
        return task
    _live.add(task)
    vault_thread().submit(task, fn)
    return task


def busy() -> bool:
    return bool(_live)


def wait_idle(msecs: int = 30_000) -> bool:
    """Blocks until queued jobs finish (shutdown and tests only; never in a handler)."""
    return _thread is None or _thread.wait_idle(msecs)


def stop(msecs: int = 30_000) -> None:
    """At exit: finish what is queued, then end the thread."""
    global _thread
    if _thread is not None:
        _thread.jobs.put(None)
        _thread.wait(msecs)
        _thread = None
