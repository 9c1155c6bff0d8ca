"""Requests to do non-peer tasks reach the coordinator as a count per ward: the ward, the month
and the kinds of task, never a name or any other words."""

from __future__ import annotations

from datetime import date

from peerdesk.domain import Kind
from peerdesk.services import Desk, fidelity
from peerdesk.services.fidelity import Period, requests_by_ward


def _asked(peer: Desk, when: str, ward: str, asked: list[str], **extra: object) -> None:
    peer.add(Kind.REFLECTION, {"when": when, "boundary_area": "non_peer_tasks", "ward": ward,
                               "asked_to_do": asked, "what_happened": "MARKER-words Jo",
                               "keeping_myself_well": "MARKER-private", **extra})


def test_the_coordinator_counts_requests_per_ward_without_names_or_words(
        peer: Desk, coordinator: Desk) -> None:
    _asked(peer, "2026-03-02", "Willow ward", ["observations", "escorting"])
    _asked(peer, "2026-03-09", "  willow   Ward ", ["observations"])  # the same ward
    _asked(peer, "2026-03-20", "Cedar ward", ["reporting_back"])
    _asked(peer, "2026-01-15", "Cedar ward", ["covering_staff"])  # outside March
    peer.add(Kind.REFLECTION, {"when": "2026-03-03", "boundary_area": "gifts_and_money",
                               "ward": "Rowan ward", "what_happened": "MARKER-gift"})
    assert fidelity.publish(peer) == 1  # one summary about no person: the team's own figures
    assert fidelity.publish(peer) == 0
    march = Period(date(2026, 3, 1), date(2026, 3, 31))
    wards = requests_by_ward(coordinator.records(), coordinator.user.id, period=march)
    assert [(w.ward, w.count, dict(w.asked)) for w in wards] == [
        ("Willow ward", 2, {"observations": 2, "escorting": 1}),
        ("Cedar ward", 1, {"reporting_back": 1})]
    assert sum(w.count for w in requests_by_ward(coordinator.records(),
                                                 coordinator.user.id)) == 4
    # All the coordinator can read of it: months, ward names and task ids.
    [summary] = [r for r in coordinator.records() if r.kind is Kind.SUMMARY]
    assert summary.person_id is None
    assert "MARKER" not in str(summary.fields) and "Jo" not in str(summary.fields)
    assert not [r for r in coordinator.records() if r.kind is Kind.REFLECTION]
    # The peer sees the same count from her own reflections.
    assert [w.count for w in requests_by_ward(peer.records(), peer.user.id, period=march)] == [2, 1]


def test_a_changed_reflection_changes_the_count_and_a_deleted_one_leaves_it(
        peer: Desk, coordinator: Desk) -> None:
    _asked(peer, "2026-03-02", "Willow ward", ["observations"])
    fidelity.publish(peer)
    [reflection] = peer.records(Kind.REFLECTION)
    peer.update(reflection.id, dict(reflection.fields) | {"ward": "Cedar ward"})
    assert fidelity.publish(peer) == 1
    assert [w.ward for w in requests_by_ward(coordinator.records(),
                                             coordinator.user.id)] == ["Cedar ward"]
    peer.delete(reflection.id)
    fidelity.publish(peer)
    assert requests_by_ward(coordinator.records(), coordinator.user.id) == []
