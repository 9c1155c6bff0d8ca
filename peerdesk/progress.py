"""Long jobs report how far they are and can be stopped: one token and one sink for all of
them (sync, enrolment, loading at sign-in), from the command line or the app alike."""

from __future__ import annotations

import threading
from collections.abc import Callable

from peerdesk.errors import Cancelled

# (done, total, what is happening): called from whichever thread runs the job.
Progress = Callable[[int, int, str], None]


def no_progress(done: int, total: int, text: str) -> None:
    """A sink for jobs nobody is watching."""


class CancelToken:
    """Set by whoever asked for the job (the UI thread, a signal handler); checked by the job
    between steps, so it stops where what it has done so far is consistent."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def check(self, message: str = "Stopped.") -> None:
        """Raise Cancelled (shown as nothing) if the job was asked to stop."""
        if self._event.is_set():
            raise Cancelled(message)
