"""The peer's own wellbeing: "I need some support" reaches the coordinator's computer through
the share as the fact and the day only; the check-ins' trend and the staying-well plan stay
hers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from peerdesk.domain import Kind
from peerdesk.errors import InvalidInput, NotAllowed, NotFound, NotSharedWithYou
from peerdesk.services import Desk
from peerdesk.services.wellbeing import ask_for_conversation, asks_for_me, trend
from peerdesk.services.workqueue import ItemKind, close, queue
from tests.conftest import find_marker
from tests.helpers.team import Team, make_team


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    t = make_team(tmp_path)
    yield t
    t.close()


def test_i_need_support_reaches_the_coordinator_with_no_words(team: Team,
                                                              tmp_path: Path) -> None:
    amira, grace = team.desks["a1"], team.desks["office"]
    amira.add(Kind.CHECKIN, {"when": "2026-03-02", "how_i_am": "need_support",
                             "what_helps": "MARKER-words", "next_step": "MARKER-step"})
    plan = amira.add(Kind.STAYING_WELL, {"sections": {"at_work": "MARKER-plan"}})
    asked, told = ask_for_conversation(amira, on=date(2026, 3, 2))
    assert told == ["Grace"]
    team.sync_all()
    [seen] = [r for r in grace.records() if r.kind is Kind.SUPPORT_ASK]
    assert dict(seen.fields) == {"when": "2026-03-02"} and seen.author_id == amira.user.id
    assert asks_for_me(grace.records(), me=grace.user.id, today=date(2026, 3, 5)) == [seen]
    assert asks_for_me(grace.records(), me=grace.user.id, today=date(2026, 4, 5)) == []
    # Nothing else of hers: not the check-in, not the plan, not a word, on screen or on disk.
    assert not [r for r in grace.records() if r.kind in (Kind.CHECKIN, Kind.STAYING_WELL)]
    with pytest.raises((NotFound, NotSharedWithYou)):
        grace.get(plan.id)
    with pytest.raises(NotAllowed):
        amira.share(plan.id, "Grace")
    assert "MARKER" not in str([r.fields for r in grace.records()])
    assert find_marker(tmp_path, "MARKER") == []
    # On Grace's Today until she marks it done.
    [item] = queue(grace.records(), today=date(2026, 3, 3), first_meeting_days=7,
                   author_id=grace.user.id)
    assert item.what is ItemKind.CONVERSATION and item.from_id == amira.user.id
    assert item.due == date(2026, 3, 4) and "nothing she wrote" in item.detail
    close(grace, item, done=True)
    assert queue(grace.records(), today=date(2026, 3, 3), first_meeting_days=7,
                 author_id=grace.user.id) == []
    # Amira's own Today does not list her own request.
    assert queue(amira.records(), today=date(2026, 3, 3), first_meeting_days=7,
                 author_id=amira.user.id) == []
    del asked


def test_only_a_peer_asks_and_only_when_there_is_a_coordinator(peer: Desk) -> None:
    with pytest.raises(InvalidInput, match="no coordinator on this computer"):
        ask_for_conversation(peer)


def test_her_trend_is_one_point_a_day_from_her_own_check_ins(peer: Desk) -> None:
    for when, how in (("2026-03-01", "well"), ("2026-03-08", "okay"), ("2026-03-08", "hard"),
                      ("2026-03-15", "need_support"), ("2026-03-22", "okay")):
        peer.add(Kind.CHECKIN, {"when": when, "how_i_am": how})
    peer.add(Kind.CHECKIN, {"when": "2026-03-29"})  # no rating: not a point
    points = trend(peer.records(), author_id=peer.user.id)
    assert [(p.when.isoformat(), p.level, p.label) for p in points] == [
        ("2026-03-01", 4, "Doing well"), ("2026-03-08", 2, "Finding things hard"),
        ("2026-03-15", 1, "I need some support"), ("2026-03-22", 3, "Okay")]
    assert trend(peer.records(), author_id="someone else") == []
