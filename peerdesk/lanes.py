"""Where work runs. The database lane is one thread for every short job that touches the
data file, in order; everything slow that needs no database (the share, key derivation) runs
elsewhere and hands its database steps to that lane. Core functions that mix the two take a
``Lanes`` and call ``lanes.db(step)`` for each database step; the command line and tests run
them inline, the app on its task runner (ui/tasks.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

T = TypeVar("T")


class Lanes(Protocol):
    def db(self, step: Callable[[], T]) -> T:
        """Run ``step`` on the database lane and wait for its result (or its error)."""
        ...

    def waiting(self) -> bool:
        """Whether another job waits for the database lane: a long step (a sync taking in
        thousands of changes) asks between slices of its work and ends early for it."""
        ...


class Inline:
    """Everything on the calling thread, in order: the command line and tests."""

    def db(self, step: Callable[[], T]) -> T:
        return step()

    def waiting(self) -> bool:
        return False


INLINE: Lanes = Inline()
