"""The rule that says which role a member held where she wrote something."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from peerdesk.domain import Kind, Role, hlc
from peerdesk.domain.roles import History
from peerdesk.sync import format as fmt
from peerdesk.sync import roles

DEV = "d1"
DEMOTED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _reading(at: datetime) -> str:
    return hlc.encode(hlc.wall_ms(at), 0, DEV)


BEFORE, AFTER = _reading(datetime(2026, 2, 1, tzinfo=UTC)), _reading(datetime(2026, 4, 1,
                                                                             tzinfo=UTC))


def _demoted() -> History:
    return History(Role.COORDINATOR).changed(Role.PEER, cut={DEV: 5}, at=DEMOTED_AT)


def test_a_coordinator_made_a_peer_keeps_what_she_wrote_before() -> None:
    h = _demoted()
    # Taken in before the change where it was made: by place, whatever the clock says.
    assert h.may_write(Kind.COMMENT, device_id=DEV, seq=5, reading=AFTER)
    # Reached that computer only afterwards (a snapshot, sent again): by time.
    assert h.may_write(Kind.COMMENT, device_id=DEV, seq=9, reading=BEFORE)
    assert h.may_write(Kind.COVER, device_id="other", seq=1, reading=BEFORE)
    # Written after, by both: refused. Her own deletion and what a peer writes are not.
    assert not h.may_write(Kind.COMMENT, device_id=DEV, seq=6, reading=AFTER)
    assert not h.may_write(Kind.SUPERVISION, device_id="other", seq=1, reading=AFTER)
    assert h.may_write(Kind.COMMENT, device_id=DEV, seq=6, reading=AFTER, tombstone=True)
    assert h.may_write(Kind.DIARY, device_id=DEV, seq=6, reading=AFTER)


def test_a_peer_never_writes_a_coordinators_kinds_until_promoted() -> None:
    assert not History(Role.PEER).may_write(Kind.COVER, device_id=DEV, seq=1, reading=BEFORE)
    assert not History(Role.ADMIN).may_write(Kind.COMMENT, device_id=DEV, seq=1,
                                             reading=BEFORE)
    promoted = History(Role.PEER).changed(Role.COORDINATOR, cut={DEV: 3}, at=DEMOTED_AT)
    assert not promoted.may_write(Kind.COMMENT, device_id=DEV, seq=3, reading=BEFORE)
    assert promoted.may_write(Kind.COMMENT, device_id=DEV, seq=4, reading=AFTER)


def test_cut_offs_never_go_back_and_an_unchanged_role_adds_nothing() -> None:
    h = _demoted()
    assert h.changed(Role.PEER, cut={DEV: 9}, at=DEMOTED_AT) is h
    again = h.changed(Role.COORDINATOR, cut={DEV: 2, "d2": 4}, at=datetime(2026, 5, 1,
                                                                            tzinfo=UTC))
    assert [(p.role, p.until) for p in again.periods] == [
        (Role.COORDINATOR, {DEV: 5}), (Role.PEER, {DEV: 5, "d2": 4})]
    # Coordinator again: what she writes from now on is hers to write.
    assert again.may_write(Kind.COMMENT, device_id=DEV, seq=6, reading=_reading(
        datetime(2026, 6, 1, tzinfo=UTC)))
    # Between the two changes she was a peer, by place and by time.
    assert not again.may_write(Kind.COMMENT, device_id="d2", seq=4, reading=AFTER)


def test_a_role_she_gave_herself_is_no_earlier_role_and_a_damaged_list_is_refused() -> None:
    waiting = {"id": "a", "issuer": "a", "role": "coordinator"}
    assert roles.after_change(waiting, Role.COORDINATOR, Role.PEER, cut={DEV: 2},
                              at=DEMOTED_AT) == []
    approved = {"id": "a", "issuer": "ida", "role": "coordinator"}
    listed = roles.after_change(approved, Role.COORDINATOR, Role.PEER, cut={DEV: 2},
                                at=DEMOTED_AT)
    assert roles.read({"roles": listed}) == History(Role.COORDINATOR).changed(
        Role.PEER, cut={DEV: 2}, at=DEMOTED_AT).periods
    for bad in ([{"role": "boss", "until": {}, "ended": DEMOTED_AT.isoformat()}],
                [{"role": "peer", "until": {DEV: -1}, "ended": DEMOTED_AT.isoformat()}],
                [{"role": "peer", "until": {DEV: 1}}], "peer", [["peer"]]):
        with pytest.raises(fmt.Tampered):
            roles.read({"roles": bad})
