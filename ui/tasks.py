"""Background work: every vault call runs on one worker thread, results come back as signals.

    tasks.start(lambda: desk.records(), on_success=self.show_records, on_error=self.show_error)

SQLite and key derivation never run on the UI thread. One thread for all vault access (as Anki
does for its collection) keeps calls in order: a draft queued before a lock is saved before the
keys are dropped.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from peerdesk.errors import Cancelled
from peerdesk.progress import CancelToken

Callback = Callable[[Any], None]
__all__ = ["CancelToken", "Task", "busy", "set_inline", "start", "stop", "wait_idle"]


class Task:
    """One job. Plain Python, and only ever released on the UI thread: the job and its
    callbacks may hold Qt objects, which must not be destroyed from the worker."""

    _ids = itertools.count(1)

    def __init__(self, fn: Callable[[], Any], on_success: Callback | None,
                 on_error: Callback | None, token: CancelToken) -> None:
        self.id = next(self._ids)
        self.fn: Callable[[], Any] | None = fn
        self.on_success, self.on_error = on_success, on_error
        self.token = token
        self.result: tuple[bool, Any] | None = None
        self.done = False

    def cancel(self) -> None:
        self.token.cancel()

    def deliver(self) -> None:
        assert self.result is not None
        ok, value = self.result
        self.fn, self.result, self.done = None, None, True
        if ok:
            if not self.token.is_set() and self.on_success is not None:
                self.on_success(value)
            return
        if isinstance(value, Cancelled) or self.token.is_set():
            return
        if self.on_error is not None:
            self.on_error(value)
        else:
            from ui.errors import show_error
            show_error(None, value)


class _Relay(QObject):
    """Lives in the UI thread; a signal emitted by the worker is queued to it."""

    finished = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.finished.connect(self._deliver)

    @Slot(int)
    def _deliver(self, task_id: int) -> None:
        task = _live.pop(task_id, None)
        if task is not None:
            task.deliver()


class _VaultThread(QThread):
    """One long-lived thread runs every vault job in order.

    Not a QThreadPool: a pooled runnable gets a fresh Python thread state each run, which
    forgets thread-local state between jobs (the data folder's file lock keeps its owner in
    one), so a lock taken in one job could not be released in the next.
    """

    def __init__(self, relay: _Relay) -> None:
        super().__init__()
        self.setObjectName("PeerDesk vault")
        self._relay = relay
        self.jobs: queue.Queue[Task | None] = queue.Queue()
        self._idle = threading.Condition()
        self._pending = 0

    def submit(self, task: Task) -> None:
        with self._idle:
            self._pending += 1
        self.jobs.put(task)

    def run(self) -> None:
        while True:
            task = self.jobs.get()
            if task is None:
                return
            fn = task.fn
            assert fn is not None
            try:
                task.result = (True, fn())
            except BaseException as exc:  # delivered to the UI thread, which decides
                task.result = (False, exc)
            task_id = task.id
            # Drop every reference here before telling the UI thread, so the last one is
            # always released there.
            del task, fn
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()
            self._relay.finished.emit(task_id)

    def wait_idle(self, msecs: int) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=msecs / 1000)


_live: dict[int, Task] = {}
_relay: _Relay | None = None
_thread: _VaultThread | None = None
_inline = False


def vault_thread() -> _VaultThread:
    """The single thread that touches the vault (created on first use, from the UI thread)."""
    global _thread, _relay
    if _thread is None:
        _relay = _Relay()
        _thread = _VaultThread(_relay)
        _thread.start()
    return _thread


def set_inline(inline: bool) -> None:
    """Tests of models and widgets: run jobs at once on the calling thread."""
    global _inline
    _inline = inline


def start(fn: Callable[[], Any], *, on_success: Callback | None = None,
          on_error: Callback | None = None, token: CancelToken | None = None) -> Task:
    task = Task(fn, on_success, on_error, token or CancelToken())
    if _inline:
        try:
            task.result = (True, fn())
        except BaseException as exc:
            task.result = (False, exc)
        task.deliver()
        return task
    _live[task.id] = task
    vault_thread().submit(task)
    return task


def busy() -> bool:
    return bool(_live)


def wait_idle(msecs: int = 30_000) -> bool:
    """Blocks until queued jobs have run (shutdown and tests; never in a handler). Their
    callbacks run when the event loop next turns."""
    return _thread is None or _thread.wait_idle(msecs)


def stop(msecs: int = 30_000) -> None:
    """At exit: finish what is queued, then end the thread."""
    global _thread
    if _thread is not None:
        _thread.jobs.put(None)
        _thread.wait(msecs)
        _thread = None
