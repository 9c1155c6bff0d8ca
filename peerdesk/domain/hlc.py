"""Hybrid logical clock readings: wall time in ms plus a counter, so order survives wrong clocks.

A reading is written as one string that sorts in time order: 12 hex digits of milliseconds,
4 of counter, a dot, and the device id as the tie-break. A device that has seen a reading from
the future (a clock a day fast) carries on from it, so what it saves next still sorts after
what it has seen, whatever its own clock says. The device's own last reading is kept by the
store (``peerdesk.store.records``); everything here is arithmetic.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

MAX_COUNTER = 0xFFFF
# Clocks a day or two wrong are ordinary; a year ahead is a broken clock (or an attack).
MAX_AHEAD_MS = 90 * 24 * 3600 * 1000
PATTERN = re.compile(r"[0-9a-f]{16}\.[0-9a-f-]{1,36}\Z")
# Readings beyond this (the year 10000 and on) are refused, so a clock never runs out of digits.
LIMIT_MS = 253_402_300_800_000

Stamp = tuple[int, int]  # (milliseconds, counter): what orders two readings


def wall_ms(at: datetime) -> int:
    return int(at.replace(tzinfo=UTC).timestamp() * 1000)


def encode(ms: int, counter: int, device_id: str) -> str:
    return f"{ms:012x}{counter:04x}.{device_id}"


def decode(reading: str) -> Stamp:
    return int(reading[:12], 16), int(reading[12:16], 16)


def sane(reading: str) -> bool:
    return (isinstance(reading, str) and bool(PATTERN.fullmatch(reading))
            and decode(reading)[0] < LIMIT_MS)


def advance(last: Stamp, wall: int) -> Stamp:
    """The stamp after ``last`` at wall time ``wall``: the wall time if it moved on, else one
    more on the counter (and the next millisecond when the counter is full)."""
    ms, counter = last
    if wall > ms:
        return wall, 0
    if counter >= MAX_COUNTER:
        return ms + 1, 0
    return ms, counter + 1


def next_reading(last: str | None, *, now: datetime, device_id: str,
                 after: str | None = None) -> tuple[str, bool]:
    """The reading for something saved now on this device, after the device's ``last`` and
    after ``after`` (the newest version it is saved over). Returns the reading and whether it
    becomes the device's clock: one pushed far ahead by a broken clock elsewhere orders its
    own version after it, but must not drag this device's clock along."""
    base = decode(last) if last else (0, 0)
    if after is not None:
        base = max(base, decode(after))
    wall = wall_ms(now)
    ms, counter = advance(base, wall)
    return encode(ms, counter, device_id), ms <= wall + MAX_AHEAD_MS


def observed(last: str | None, remote: str, *, now: datetime, device_id: str) -> str | None:
    """The device's clock after seeing ``remote`` from elsewhere, or None if it stays as it is
    (the remote reading is older, or absurdly far ahead: a broken clock must not drag every
    device's clock to the year 9999; its versions still sort by their own readings)."""
    seen = decode(remote)
    if seen[0] > wall_ms(now) + MAX_AHEAD_MS:
        return None
    if seen > (decode(last) if last else (0, 0)):
        return encode(*seen, device_id)
    return None


def zero(device_id: str) -> str:
    """The reading before every other: for entries from before clocks were kept."""
    return encode(0, 0, device_id)
