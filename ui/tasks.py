"""Background work in two lanes; results come back to the UI thread.

    runner.db.start(lambda: desk.records(), on_success=self.show_records, on_error=...)
    runner.io.start(lambda: sync.run_sync(desk, lanes=runner.lanes), timeout=None, ...)

The **database lane** is one long-lived thread that runs every short job touching the data
file, in the order given (as Anki does for its collection): a draft queued before a lock is
saved before the keys are dropped. The **I/O lane** runs what is slow and needs no database:
the team share and key derivation. A job there that has database steps hands each to the
database lane through ``runner.lanes`` and waits for it, so the database lane is never held by
a share that is slow or does not answer, and saving goes on meanwhile. An I/O job may be given
a timeout, after which its caller is told and its result, if it ever comes, is dropped.

One runner is made by the app (or a test) and passed to the windows that need it.

A worker never calls into Qt: it puts what finished on a queue and writes one byte to a socket
the UI thread watches (QSocketNotifier). Every call into PySide from a worker thread (emitting a
signal, asking for the current QThread) goes through shiboken's table of wrappers, which the UI
thread changes all the time; the database thread crashed there now and then. For the same
reason Python's cycle collector runs only on the UI thread while a runner has workers
(``ui.collector``).
"""

from __future__ import annotations

import contextlib
import itertools
import queue
import socket
import sys
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QSocketNotifier, QThread, QTimer

from peerdesk.errors import Cancelled, TimedOut
from peerdesk.progress import CancelToken
from ui.collector import UiThreadCollector

Callback = Callable[[Any], None]
SWITCH_INTERVAL_S = 0.0005
T = TypeVar("T")
__all__ = ["CancelToken", "Lane", "Task", "TaskRunner", "TimedOut"]


class Task:
    """One job. Plain Python, and only ever released on the UI thread: the job and its
    callbacks may hold Qt objects, which must not be destroyed from a worker."""

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

    def run(self) -> None:
        fn = self.fn
        if fn is None:
            return
        try:
            self.result = (True, fn())
        except BaseException as exc:  # noqa: BLE001 - delivered to the UI thread, which decides
            self.result = (False, exc)

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


class _Call:
    """A database step from a job on the I/O lane, waited for there (``TaskRunner.lanes``)."""

    def __init__(self, step: Callable[[], Any]) -> None:
        self.step = step
        self.future: Future[Any] = Future()

    def run(self) -> None:
        try:
            self.future.set_result(self.step())
        except BaseException as exc:  # noqa: BLE001 - raised again in the waiting job
            self.future.set_exception(exc)


class Lane:
    """Where a runner's jobs of one kind run; ``start`` is called from the UI thread."""

    def __init__(self, runner: TaskRunner, name: str) -> None:
        self.runner, self.name = runner, name

    def start(self, fn: Callable[[], Any], *, on_success: Callback | None = None,
              on_error: Callback | None = None, token: CancelToken | None = None,
              timeout: float | None = None) -> Task:
        """Run ``fn`` here; its result goes to ``on_success`` (or its error to ``on_error``)
        on the UI thread. With ``timeout`` (seconds), ``on_error`` gets TimedOut if no answer
        came by then, and whatever comes later is dropped."""
        return self.runner._start(self, fn, on_success, on_error, token or CancelToken(),
                                  timeout)


class _DbThread(QThread):
    """The database lane: one long-lived thread, jobs in order.

    Not a QThreadPool: a pooled runnable gets a fresh Python thread state each run, which
    forgets thread-local state between jobs, so a lock taken in one job could not be released
    in the next.
    """

    def __init__(self, done: Callable[[Task], None]) -> None:
        super().__init__()
        self.setObjectName("PeerDesk database")
        self._done = done
        self.jobs: queue.Queue[Task | _Call | None] = queue.Queue()
        self.ident: int | None = None  # the Python thread it runs on, once started

    def run(self) -> None:
        self.ident = threading.get_ident()
        while True:
            job = self.jobs.get()
            if job is None:
                return
            job.run()
            if isinstance(job, Task):
                self._done(job)
            del job  # the last reference to a Task is dropped on the UI thread, not here


class _IoWorkers:
    """The I/O lane: daemon threads, one more whenever every one is busy (up to a limit), so a
    share that never answers holds one thread, not the lane, and never keeps the app from
    quitting."""

    def __init__(self, done: Callable[[Task], None], most: int) -> None:
        self._done, self._most = done, most
        self.jobs: queue.Queue[Task] = queue.Queue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0

    def submit(self, task: Task) -> None:
        with self._lock:
            if self._idle == 0 and self._threads < self._most:
                self._threads += 1
                threading.Thread(target=self._work, name=f"PeerDesk I/O {self._threads}",
                                 daemon=True).start()
        self.jobs.put(task)

    def _work(self) -> None:
        while True:
            with self._lock:
                self._idle += 1
            task = self.jobs.get()
            with self._lock:
                self._idle -= 1
            task.run()
            self._done(task)
            del task


class TaskRunner(QObject):
    """The app's two lanes. Made on the UI thread; ``inline`` runs every job at once on the
    calling thread (tests of models and widgets)."""

    def __init__(self, *, inline: bool = False, io_threads: int = 4,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.inline = inline
        self.db = Lane(self, "db")
        self.io = Lane(self, "io")
        self.lanes = _Lanes(self)
        # Finished task ids, and the byte that wakes the UI thread to take them.
        self._finished_ids: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._wake_in, self._wake_out = socket.socketpair()
        self._wake_in.setblocking(False)
        self._wake_out.setblocking(False)
        self._notifier = QSocketNotifier(self._wake_in.fileno(), QSocketNotifier.Type.Read,
                                         self)
        self._notifier.activated.connect(self._take_finished)
        weakref.finalize(self, _close_wake, self._notifier, self._wake_in, self._wake_out)
        self._live: dict[int, Task] = {}
        self._expired: dict[int, Task] = {}  # timed out: dropped here when the job ends
        self._pending = 0
        self._idle = threading.Condition()
        self._db: _DbThread | None = None
        self._stopped = False
        self._io = _IoWorkers(self._ran, io_threads)
        self._collector = None if inline else UiThreadCollector(self)
        if not inline:
            # The UI thread takes the interpreter lock back at every call from Qt into Python
            # (each cell painted, each event filtered), and each time waits until a busy
            # worker hands it over: 5 ms by default, so a table painted while a worker
            # decrypts waited hundreds of ms. Handed over every 0.5 ms, it waits little.
            sys.setswitchinterval(SWITCH_INTERVAL_S)

    # -- starting and finishing ------------------------------------------------------------

    def _start(self, lane: Lane, fn: Callable[[], Any], on_success: Callback | None,
               on_error: Callback | None, token: CancelToken, timeout: float | None) -> Task:
        task = Task(fn, on_success, on_error, token)
        if self.inline:
            task.run()
            task.deliver()
            return task
        self._live[task.id] = task
        with self._idle:
            self._pending += 1
        if timeout is not None:
            QTimer.singleShot(int(timeout * 1000), self, lambda: self._expire(task.id))
        if lane is self.db:
            if self._stopped:  # closing: dropped, never run
                self._live.pop(task.id, None)
                with self._idle:
                    self._pending -= 1
                return task
            self._db_thread().jobs.put(task)
        else:
            self._io.submit(task)
        return task

    def _db_thread(self) -> _DbThread:
        if self._stopped:
            # Closing: a job still running on the I/O lane (a sync) must not start a new
            # database thread while the interpreter and Qt shut down.
            raise Cancelled("PeerDesk is closing.")
        if self._db is None:
            self._db = _DbThread(self._ran)
            self._db.start()
        return self._db

    def _ran(self, task: Task) -> None:
        """On the worker that ran it: tell the UI thread, without calling into Qt."""
        task_id = task.id
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()
        self._finished_ids.put(task_id)
        # A full socket means a wake is waiting already; a closed one, that PeerDesk is quitting.
        with contextlib.suppress(OSError):
            self._wake_out.send(b"\0")

    def _take_finished(self) -> None:
        """On the UI thread, woken by a worker: deliver everything that has finished."""
        with contextlib.suppress(OSError):  # raised once drained
            while self._wake_in.recv(4096):
                pass
        while True:
            try:
                task_id = self._finished_ids.get_nowait()
            except queue.Empty:
                return
            task = self._live.pop(task_id, None)
            if task is not None:
                task.deliver()
            else:
                self._expired.pop(task_id, None)

    def _expire(self, task_id: int) -> None:
        task = self._live.pop(task_id, None)
        if task is None:
            return
        self._expired[task_id] = task
        task.token.cancel()  # if it looks, it stops; its answer is not wanted now
        if task.on_error is not None:
            task.on_error(TimedOut("It did not answer in time."))

    # -- for tests, shutdown and the lanes -------------------------------------------------

    def on_db_thread(self) -> bool:
        db = self._db
        return db is not None and db.ident == threading.get_ident()

    def busy(self) -> bool:
        return bool(self._live)

    def wait_idle(self, msecs: int = 30_000) -> bool:
        """Blocks until every started job has run (shutdown and tests; never in a handler).
        Their callbacks run when the event loop next turns. A job stuck on the share keeps
        this waiting until ``msecs``."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=msecs / 1000)

    def wait_db_idle(self, msecs: int = 30_000) -> bool:
        """Blocks until the database lane has run everything queued so far."""
        if self.inline or self._db is None:
            return True
        done = _Call(lambda: None)
        self._db.jobs.put(done)
        try:
            done.future.result(timeout=msecs / 1000)
        except TimeoutError:
            return False
        return True

    def stop(self, msecs: int = 30_000) -> None:
        """At exit: finish what the database lane has queued, then end its thread. Jobs on the
        I/O lane are abandoned (their threads are daemons)."""
        self._stopped = True
        if self._db is not None:
            self._db.jobs.put(None)
            self._db.wait(msecs)
            self._db = None
        if self._collector is not None:
            # A job left running on the I/O lane must not collect Qt wrappers on its thread:
            # automatic collection comes back only if none is.
            with self._idle:
                quiet = self._pending == 0
            self._collector.stop(automatic_again=quiet)


def _close_wake(notifier: QSocketNotifier, *ends: socket.socket) -> None:
    """When a runner goes: stop watching its wake-up socket, then close both ends."""
    with contextlib.suppress(RuntimeError):  # the notifier may be gone with its runner
        notifier.setEnabled(False)
    for end in ends:
        end.close()


class _Lanes:
    """The core's view of a runner (peerdesk.lanes.Lanes), for a job on the I/O lane."""

    def __init__(self, runner: TaskRunner) -> None:
        self._runner = runner

    def db(self, step: Callable[[], T]) -> T:
        runner = self._runner
        if runner.inline or runner.on_db_thread():
            return step()
        call = _Call(step)
        runner._db_thread().jobs.put(call)
        result: T = call.future.result()
        return result

    def waiting(self) -> bool:
        db = self._runner._db
        return db is not None and not db.jobs.empty()
