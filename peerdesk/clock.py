"""Time, in one place, so tests can move it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    # Naive UTC: SQLite stores no zone, and every time PeerDesk writes is UTC.
    return datetime.now(UTC).replace(tzinfo=None)
