"""Hybrid logical clocks: wall time in ms plus a counter, so order survives wrong clocks.

A reading is written as one string that sorts in time order: 12 hex digits of milliseconds,
4 of counter, a dot, and the device id as the tie-break. A device that has seen a reading from
the future (a clock a day fast) carries on from it, so what it saves next still sorts after
what it has seen, whatever its own clock says.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from peerdesk.store.db import HEADS
from peerdesk.store.models import Setting

_KEY = "hlc"
_MAX_COUNTER = 0xFFFF
# Clocks a day or two wrong are ordinary; a year ahead is a broken clock (or an attack).
MAX_AHEAD_MS = 90 * 24 * 3600 * 1000
# Built once: tick() runs inside every save.
_READ = select(Setting.value).where(Setting.key == _KEY)
_WRITE = sqlite_insert(Setting).values(key=_KEY, value=bindparam("reading")).on_conflict_do_update(
    index_elements=[Setting.key], set_={"value": bindparam("reading")})
PATTERN = re.compile(r"^[0-9a-f]{16}\.[0-9a-f-]{1,36}$")
# Readings beyond this (the year 10000 and on) are refused, so a clock never runs out of digits.
LIMIT_MS = 253_402_300_800_000


def wall_ms(at: datetime) -> int:
    return int(at.replace(tzinfo=UTC).timestamp() * 1000)


def encode(ms: int, counter: int, device_id: str) -> str:
    return f"{ms:012x}{counter:04x}.{device_id}"


def sane(reading: str) -> bool:
    return bool(PATTERN.match(reading)) and decode(reading)[0] < LIMIT_MS


def decode(reading: str) -> tuple[int, int]:
    return int(reading[:12], 16), int(reading[12:16], 16)


def _advance(last: tuple[int, int], wall: int) -> tuple[int, int]:
    ms, counter = last
    if wall > ms:
        return wall, 0
    if counter >= _MAX_COUNTER:
        return ms + 1, 0
    return ms, counter + 1


def tick(s: Session, *, now: datetime, device_id: str, after: str | None = None) -> str:
    """The next reading for something saved on this device; kept in the same transaction.
    ``after``: a reading the new one must sort after (the newest version it is saved over)."""
    value = _stored(s)
    last = decode(value) if value else (0, 0)
    wall = wall_ms(now)
    if after is not None:
        last = max(last, decode(after))
    ms, counter = _advance(last, wall)
    reading = encode(ms, counter, device_id)
    if ms <= wall + MAX_AHEAD_MS:
        # A reading pushed far ahead by a broken clock elsewhere orders this one version
        # after it, but does not become this device's clock.
        _store(s, reading)
    return reading


def observe(s: Session, remote: str, *, device_id: str, now: datetime) -> None:
    """Move this device's clock past a reading seen from elsewhere, unless that reading is
    absurdly far ahead (a broken clock must not drag every device's clock to the year 9999;
    its versions still sort by their own readings)."""
    value = _stored(s)
    last = decode(value) if value else (0, 0)
    seen = decode(remote)
    if seen[0] > wall_ms(now) + MAX_AHEAD_MS:
        return
    if seen > last:
        _store(s, encode(*seen, device_id))


def _stored(s: Session) -> str | None:
    """This device's last reading: from the store's heads when known (tick runs in every
    save), else from the settings table."""
    heads = s.info.get(HEADS)
    if heads is not None and "hlc" in heads:
        value: str | None = heads["hlc"]
        return value
    value = s.connection().execute(_READ).scalar()
    if heads is not None:
        heads["hlc"] = value
    return value


def _store(s: Session, reading: str) -> None:
    s.connection().execute(_WRITE, {"reading": reading})
    heads = s.info.get(HEADS)
    if heads is not None:
        heads["hlc"] = reading
