"""The merge decision per record: heads decide; a deletion never beats an edit it did not see;
nothing is dropped."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from peerdesk.domain.merge import VersionNode, decide, join_parents, parse_parents


def node(vid: str, *parents: str, tomb: bool = False) -> VersionNode:
    return VersionNode(0, vid, vid, parents, tomb, datetime(2026, 1, 1))


def test_merge_rules() -> None:
    assert decide([node("a"), node("b", "a")]).winner.vid == "b"
    both = decide([node("a"), node("b", "a"), node("c", "a")])
    assert both.conflict and both.winner.vid == "c" and {h.vid for h in both.heads} == {"b", "c"}
    edit_wins = decide([node("a"), node("z", "a", tomb=True), node("b", "a")])
    assert edit_wins.winner.vid == "b" and edit_wins.conflict and not edit_wins.deleted
    deleted = decide([node("a"), node("b", "a", tomb=True)])
    assert deleted.deleted and not deleted.conflict
    resolved = decide([node("a"), node("b", "a"), node("c", "a"), node("d", "b", "c")])
    assert resolved.winner.vid == "d" and not resolved.conflict


def test_one_version_is_the_record() -> None:
    out = decide([node("a")])
    assert (out.winner.vid, out.heads, out.conflict, out.deleted) == ("a", (node("a"),), False,
                                                                       False)


def test_a_deletion_that_saw_every_head_settles_a_conflict() -> None:
    out = decide([node("a"), node("b", "a"), node("c", "a"), node("z", "b", "c", tomb=True)])
    assert out.deleted and not out.conflict and out.winner.vid == "z"


def test_concurrent_deletions_alone_are_a_deletion_not_a_conflict() -> None:
    out = decide([node("a"), node("y", "a", tomb=True), node("z", "a", tomb=True)])
    assert out.deleted and not out.conflict and out.winner.vid == "z"


def test_the_order_versions_arrive_in_does_not_matter() -> None:
    nodes = [node("a"), node("b", "a"), node("c", "a"), node("d", "c")]
    assert decide(nodes) == decide(list(reversed(nodes)))


def test_parents_round_trip_as_stored() -> None:
    assert parse_parents("") == ()
    assert parse_parents(join_parents(["a", "b"])) == ("a", "b")


@given(st.lists(st.booleans(), min_size=1, max_size=8), st.data())
def test_every_head_is_kept_and_a_live_edit_is_shown(tombs: list[bool],
                                                     data: st.DataObject) -> None:
    # Version i was saved over some earlier versions: any graph a team can make.
    nodes = [node(f"v{i}", *data.draw(st.sets(st.sampled_from([f"v{j}" for j in range(i)]))
                                       if i else st.just(set())), tomb=tomb)
             for i, tomb in enumerate(tombs)]
    out = decide(nodes)
    named = {p for n in nodes for p in n.parents}
    assert {h.vid for h in out.heads} == {n.vid for n in nodes if n.vid not in named}
    assert out.winner in out.heads
    live = [h for h in out.heads if not h.tombstone]
    assert out.deleted == (not live)
    assert out.conflict == (len(out.heads) > 1 and bool(live))
    if live:
        assert not out.winner.tombstone and out.winner.hlc == max(h.hlc for h in live)
