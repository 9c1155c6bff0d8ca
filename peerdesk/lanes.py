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


class Inline:
    """Everything on the calling thread, in order: the command line and tests."""

    def db(self, step: Callable[[], T]) -> T:
        return step()


INLINE: Lanes = Inline()
