"""Changes carried in changesets: every kind goes to the wire and back unchanged, and a damaged
field is refused by name (format version 1's one-letter keys stay what they were)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peerdesk.domain import Kind, hlc
from peerdesk.store.records import Wrap
from peerdesk.sync import format as fmt
from peerdesk.sync.changes import (
    ErasureChange,
    KeyChange,
    SharingChange,
    VersionChange,
    from_wire,
    to_wire,
)

ids = st.uuids().map(str)
readings = st.builds(hlc.encode, st.integers(0, 2**44), st.integers(0, 0xFFFF), ids)
times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1))
keys = st.builds(Wrap, ids, st.sampled_from(["vault-aes256gcm", "hpke-x25519-hkdfsha256-aes256gcm"]),
                 st.binary(max_size=96))


@st.composite
def versions(draw: st.DrawFn) -> VersionChange:
    kind = draw(st.sampled_from(list(Kind)))
    tomb = draw(st.booleans())
    return VersionChange(
        draw(ids), kind, draw(ids), None if kind is Kind.PERSON else draw(st.none() | ids),
        draw(times), draw(readings), draw(readings), draw(ids),
        tuple(draw(st.lists(readings, max_size=3))), draw(times), tomb, "aes256gcm",
        None if tomb else draw(st.binary(min_size=1, max_size=64)),
        draw(st.none() | st.binary(max_size=64)), tuple(draw(st.lists(keys, max_size=3))))


changes = st.one_of(
    versions(),
    st.builds(KeyChange, ids, readings, keys),
    st.builds(SharingChange, ids, ids, st.booleans(), readings),
    st.builds(ErasureChange, ids, st.lists(ids, max_size=4).map(tuple), readings))


@given(changes)
def test_every_change_round_trips_through_the_wire(change: object) -> None:
    wire = to_wire(change)  # type: ignore[arg-type]
    assert from_wire(json.loads(fmt.canonical(wire))) == change


def version_wire() -> dict[str, object]:
    return to_wire(VersionChange(
        str(uuid.uuid4()), Kind.DIARY, "amira", None, datetime(2026, 3, 2), "v1",
        hlc.encode(1, 0, "d"), "d", (), datetime(2026, 3, 2), False, "aes256gcm", b"sealed",
        None, ()))


@pytest.mark.parametrize(("field", "value", "says"), [
    ("t", "x", "unknown type"),
    ("k", "poem", "unknown kind"),
    ("p", 7, "person is damaged"),
    ("hlc", "yesterday", "clock reading is damaged"),
    ("par", ["a b"], "parents are damaged"),
    ("ct", None, "has no content"),
    ("w", [["reader"]], "wrapped key is damaged"),
    ("c", "not a time", "time in it is damaged"),
    ("r", "x" * 37, "'r' is not an id"),
    ("ct", "not base64!", "binary field is damaged"),
])
def test_a_damaged_field_is_refused_by_name(field: str, value: object, says: str) -> None:
    with pytest.raises(fmt.Tampered, match=says):
        from_wire(version_wire() | {field: value})
