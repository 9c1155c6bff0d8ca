"""The hybrid logical clock: readings sort in time order, never go backwards, move past what
was seen elsewhere, and are not dragged along by a broken clock."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from peerdesk.domain import hlc

DEVICE = str(uuid.uuid4())
OTHER = str(uuid.uuid4())
NOW = datetime(2026, 3, 2, 10, 30)


@given(st.integers(0, 2**47), st.integers(0, 0xFFFF), st.integers(0, 2**47), st.integers(0, 0xFFFF))
def test_clock_readings_sort_as_they_compare(ms1: int, c1: int, ms2: int, c2: int) -> None:
    a, b = hlc.encode(ms1, c1, DEVICE), hlc.encode(ms2, c2, DEVICE)
    assert hlc.decode(a) == (ms1, c1)
    assert (a < b) == ((ms1, c1) < (ms2, c2))
    assert hlc.PATTERN.match(a)


def test_the_first_reading_is_the_wall_time() -> None:
    reading, kept = hlc.next_reading(None, now=NOW, device_id=DEVICE)
    assert hlc.decode(reading) == (hlc.wall_ms(NOW), 0) and kept
    assert reading.endswith("." + DEVICE)


def test_a_clock_that_stands_still_or_goes_back_counts_on() -> None:
    first, _ = hlc.next_reading(None, now=NOW, device_id=DEVICE)
    same, _ = hlc.next_reading(first, now=NOW, device_id=DEVICE)
    back, _ = hlc.next_reading(same, now=NOW - timedelta(hours=1), device_id=DEVICE)
    assert first < same < back
    assert hlc.decode(back) == (hlc.wall_ms(NOW), 2)


def test_a_full_counter_moves_to_the_next_millisecond() -> None:
    assert hlc.advance((5, hlc.MAX_COUNTER), 5) == (6, 0)
    assert hlc.advance((5, 3), 9) == (9, 0)


def test_a_new_version_sorts_after_what_it_was_saved_over() -> None:
    ahead = hlc.encode(hlc.wall_ms(NOW) + 60_000, 7, OTHER)  # another device, a minute fast
    reading, kept = hlc.next_reading(None, now=NOW, device_id=DEVICE, after=ahead)
    assert reading > ahead and kept


def test_a_reading_far_ahead_orders_its_version_but_is_not_kept() -> None:
    broken = hlc.encode(hlc.wall_ms(NOW + timedelta(days=400)), 0, OTHER)
    reading, kept = hlc.next_reading(None, now=NOW, device_id=DEVICE, after=broken)
    assert reading > broken and not kept


def test_observing_moves_the_clock_past_what_was_seen_only() -> None:
    mine = hlc.encode(hlc.wall_ms(NOW), 3, DEVICE)
    later = hlc.encode(hlc.wall_ms(NOW) + 5, 0, OTHER)
    assert hlc.observed(mine, later, now=NOW, device_id=DEVICE) == hlc.encode(
        hlc.wall_ms(NOW) + 5, 0, DEVICE)
    assert hlc.observed(later, mine, now=NOW, device_id=DEVICE) is None  # older: no change
    broken = hlc.encode(hlc.wall_ms(NOW + timedelta(days=400)), 0, OTHER)
    assert hlc.observed(mine, broken, now=NOW, device_id=DEVICE) is None


@given(st.lists(st.integers(-10_000, 10_000), min_size=1, max_size=30))
def test_readings_never_go_backwards_whatever_the_wall_clock_does(steps: list[int]) -> None:
    last: str | None = None
    for ms in steps:
        reading, _ = hlc.next_reading(last, now=NOW + timedelta(milliseconds=ms),
                                      device_id=DEVICE)
        assert last is None or reading > last
        last = reading


def test_damaged_readings_are_not_sane() -> None:
    assert hlc.sane(hlc.encode(1, 0, DEVICE))
    assert not hlc.sane("not a reading")
    assert not hlc.sane(hlc.encode(hlc.LIMIT_MS, 0, DEVICE))
    assert hlc.zero(DEVICE) < hlc.encode(1, 0, DEVICE)
