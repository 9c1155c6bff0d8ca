"""Dates and times as people read them: in the local time zone (Europe/London unless the
machine policy says otherwise), in one format family, on screen and on paper. Stored times
stay naive UTC (peerdesk/clock.py); they become local only here, at the edge.

    day(...)          14 July 2026          short_day(...)     14 Jul 2026
    moment(...)       14 July 2026, 13:05   short_moment(...)  14 Jul 2026, 13:05
    clock_time(...)   13:05                 month(...)         Jul 2026
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from peerdesk.errors import InvalidInput

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Europe/London"
# The zone is loaded when first needed: zoneinfo and the zone's data cost some 2 ms of a start
# that shows no date before sign-in. A zone the policy names is checked when it is read; that
# the default's data is there (a frozen build must carry it) is proven by the self-test.
_zone_name = DEFAULT_ZONE
_zone: ZoneInfo | None = None


def zone_named(name: str) -> ZoneInfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"{name!r} is not a time zone name like 'Europe/London'.") from None


def use_zone(name: str) -> None:
    """Set by the machine policy when PeerDesk starts; every client shows the same zone."""
    global _zone, _zone_name
    if name != _zone_name:
        _zone = zone_named(name)
        _zone_name = name


def zone() -> ZoneInfo:
    global _zone
    if _zone is None:
        _zone = zone_named(_zone_name)
    return _zone


def local(when: datetime) -> datetime:
    """A stored time (naive means UTC) in the local zone."""
    aware = when.replace(tzinfo=UTC) if when.tzinfo is None else when
    return aware.astimezone(zone())


def to_utc(when: datetime) -> datetime:
    """A time someone typed (naive means local wall-clock time) as stored: naive UTC."""
    aware = when.replace(tzinfo=zone()) if when.tzinfo is None else when
    return aware.astimezone(UTC).replace(tzinfo=None)


def _as_date(value: date | datetime | str | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return local(value).date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _as_moment(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return local(value)
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    # Text from a record's date-and-time field is already the wall-clock time it was written
    # in; an aware one (with an offset) is converted.
    return parsed.astimezone(zone()) if parsed.tzinfo else parsed


def _raw(value: object) -> str:
    return "" if value is None else str(value)


def day(value: date | datetime | str | None) -> str:
    d = _as_date(value)
    return f"{d.day} {d:%B %Y}" if d else _raw(value)


def short_day(value: date | datetime | str | None) -> str:
    d = _as_date(value)
    return f"{d.day} {d:%b %Y}" if d else _raw(value)


def clock_time(value: datetime | str | None) -> str:
    m = _as_moment(value)
    return f"{m:%H:%M}" if m else _raw(value)


def moment(value: datetime | str | None) -> str:
    m = _as_moment(value)
    return f"{m.day} {m:%B %Y}, {m:%H:%M}" if m else _raw(value)


def short_moment(value: datetime | str | None) -> str:
    m = _as_moment(value)
    return f"{m.day} {m:%b %Y}, {m:%H:%M}" if m else _raw(value)


def day_month(value: date | datetime | str | None) -> str:
    d = _as_date(value)
    return f"{d.day} {d:%B}" if d else _raw(value)


def month(value: date | datetime | str | None) -> str:
    d = _as_date(value)
    return f"{d:%b %Y}" if d else _raw(value)


def today(now: datetime | None = None) -> date:
    """Today's date where the computer is, from a stored-style UTC time (a vault's clock) or
    the system clock. Not the UTC date: just after midnight in summer it is still yesterday
    in UTC."""
    return local(now).date() if now is not None else datetime.now(zone()).date()
