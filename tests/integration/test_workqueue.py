"""Today's work queue, against a queue worked out by hand from dates around discharges."""

from __future__ import annotations

from datetime import date

import pytest

from peerdesk.domain import Kind
from peerdesk.errors import InvalidInput
from peerdesk.services import Desk
from peerdesk.services.workqueue import ItemKind, close, last_follow_up, queue

TODAY = date(2026, 3, 20)  # a Friday
WINDOW = 7  # the team's target for a first meeting after discharge, from the policy


def _person(peer: Desk, label: str, **facts: str) -> str:
    return peer.add(Kind.PERSON, {"label": label, **facts}).id


def _diary(peer: Desk, person_id: str, when: str, **fields: str) -> str:
    return peer.add(Kind.DIARY, {"when": when, **fields}, person_id=person_id).id


def _dataset(peer: Desk) -> dict[str, str]:
    ids = {}
    ids["jo"] = _person(peer, "Jo", discharged_on="2026-03-18")  # first meeting due 25 Mar
    ids["sam"] = _person(peer, "Sam", discharged_on="2026-03-14")  # due tomorrow, 21 Mar
    ids["kit"] = _person(peer, "Kit", discharged_on="2026-03-10")  # due 17 Mar: 3 days late
    # Kit's first post-discharge meeting was before this discharge (an earlier admission).
    _diary(peer, ids["kit"], "2026-03-09T10:00", contact_type="first_post_discharge")
    ids["lee"] = _person(peer, "Lee", discharged_on="2026-03-12")  # met on the 15th: nothing
    _diary(peer, ids["lee"], "2026-03-15T14:00", contact_type="first_post_discharge")
    _person(peer, "Ria", discharged_on="2026-03-25")  # not discharged yet: nothing
    ids["ola"] = _person(peer, "Ola", planned_end="2026-04-01")  # ends in 12 days
    _person(peer, "Max", planned_end="2026-03-22", ended_on="2026-03-19")  # ended: nothing
    _person(peer, "Ana", planned_end="2026-04-10")  # 21 days away: not yet
    ids["jo_diary"] = _diary(peer, ids["jo"], "2026-03-16T11:00", contact_type="plan_work",
                             follow_up="Start the discharge plan together on Thursday",
                             follow_up_by="2026-03-19")  # 1 day late
    _diary(peer, ids["sam"], "2026-03-13T10:00", follow_up="Ring the allotment group")  # no date
    _diary(peer, ids["sam"], "2026-03-12T10:00", follow_up_by="2026-03-20")  # no words: nothing
    gone = _diary(peer, ids["ola"], "2026-03-02T10:00", follow_up="Gone", follow_up_by="2026-03-21")
    peer.delete(gone)
    ids["jo_plan"] = peer.add(Kind.DISCHARGE_PLAN, {"sections": {}, "review_on": "2026-03-30"},
                              person_id=ids["jo"]).id
    peer.add(Kind.CRISIS_PLAN, {"sections": {}, "review_on": "2026-05-01"}, person_id=ids["sam"])
    return ids


def test_the_queue_matches_the_one_worked_out_by_hand(peer: Desk) -> None:
    ids = _dataset(peer)
    items = queue(peer.records(), today=TODAY, first_meeting_days=WINDOW)
    assert [(i.what, i.record_id, i.due.isoformat()) for i in items] == [
        (ItemKind.FIRST_MEETING, ids["kit"], "2026-03-17"),
        (ItemKind.FOLLOW_UP, ids["jo_diary"], "2026-03-19"),
        (ItemKind.FIRST_MEETING, ids["sam"], "2026-03-21"),
        (ItemKind.FIRST_MEETING, ids["jo"], "2026-03-25"),
        (ItemKind.REVIEW, ids["jo_plan"], "2026-03-30"),
        (ItemKind.ENDING, ids["ola"], "2026-04-01"),
    ]
    assert [i.when_text(TODAY) for i in items] == [
        "3 days late (was due 17 Mar 2026)", "1 day late (was due 19 Mar 2026)",
        "Due tomorrow", "Due in 5 days (25 Mar 2026)", "Due in 10 days (30 Mar 2026)",
        "Due in 12 days (1 Apr 2026)"]
    # Flagged before it lapses: the last two days of the window, and after it.
    assert [i.flagged(TODAY) for i in items] == [True, True, True, False, False, False]
    assert items[1].detail == "Start the discharge plan together on Thursday"
    # A tighter team target (72 hours) moves the first meetings forward.
    tight = queue(peer.records(), today=TODAY, first_meeting_days=3)
    assert [i.due.isoformat() for i in tight if i.what is ItemKind.FIRST_MEETING] == [
        "2026-03-13", "2026-03-17", "2026-03-21"]


def test_done_and_not_needed_take_items_off_and_a_new_date_brings_one_back(peer: Desk) -> None:
    ids = _dataset(peer)
    items = {i.record_id + i.what: i for i in queue(peer.records(), today=TODAY,
                                                   first_meeting_days=WINDOW)}
    with pytest.raises(InvalidInput, match="Say why it is not needed"):
        close(peer, items[ids["sam"] + ItemKind.FIRST_MEETING], done=False, reason="  ")
    close(peer, items[ids["sam"] + ItemKind.FIRST_MEETING], done=False,
          reason="Readmitted on 19 March")
    close(peer, items[ids["jo_diary"] + ItemKind.FOLLOW_UP], done=True)
    left = queue(peer.records(), today=TODAY, first_meeting_days=WINDOW)
    assert [(i.what, i.record_id) for i in left] == [
        (ItemKind.FIRST_MEETING, ids["kit"]), (ItemKind.FIRST_MEETING, ids["jo"]),
        (ItemKind.REVIEW, ids["jo_plan"]), (ItemKind.ENDING, ids["ola"])]
    # Writing the first post-discharge diary does Jo's item; a new discharge date for Sam (after
    # the readmission) brings a new first meeting back.
    _diary(peer, ids["jo"], "2026-03-20T09:30", contact_type="first_post_discharge")
    sam = peer.get(ids["sam"])
    peer.update(ids["sam"], {**sam.fields, "discharged_on": "2026-03-19"})
    again = queue(peer.records(), today=TODAY, first_meeting_days=WINDOW)
    assert [(i.what, i.record_id, i.due.isoformat()) for i in again] == [
        (ItemKind.FIRST_MEETING, ids["kit"], "2026-03-17"),
        (ItemKind.FIRST_MEETING, ids["sam"], "2026-03-26"),
        (ItemKind.REVIEW, ids["jo_plan"], "2026-03-30"),
        (ItemKind.ENDING, ids["ola"], "2026-04-01")]
    # The outcome is the peer's own: it names the item and the reason, nobody else reads it.
    [outcome] = [r for r in peer.records() if r.kind is Kind.OUTCOME
                 and r.fields["outcome"] == "not_needed"]
    assert outcome.fields["reason"] == "Readmitted on 19 March" and outcome.readers == ()


def test_the_last_follow_up_is_the_newest_diary_that_agreed_one(peer: Desk) -> None:
    ids = _dataset(peer)
    _diary(peer, ids["jo"], "2026-03-17T10:00", what_happened="A walk, nothing agreed")
    last = last_follow_up(peer.records(), ids["jo"])
    assert last is not None and last.id == ids["jo_diary"]
    assert last_follow_up(peer.records(), ids["ola"]) is None  # its only one was deleted


def test_a_risk_in_a_diary_stays_on_today_until_the_clinical_record_has_it(
        peer: Desk, coordinator: Desk) -> None:
    person = _person(peer, "Jo")
    risky = _diary(peer, person, "2026-03-19T15:00", what_happened="She thinks about ending it.")
    _diary(peer, person, "2026-03-19T16:00", what_happened="Killing time at the café.")
    _diary(peer, person, "2026-02-01T10:00", what_happened="Said she wanted to die.")  # older
    [item] = queue(peer.records(), today=TODAY, first_meeting_days=WINDOW)
    assert item.what is ItemKind.SAFETY and item.record_id == risky
    assert "“thinks about ending it”" in item.detail and item.flagged(TODAY)
    # "Not yet" keeps it there; "staff wrote it" takes it off.
    fields = dict(peer.get(risky).fields)
    peer.update(risky, fields | {"safety_action": ["told_nurse_in_charge"],
                                 "clinical_record": "not_yet"})
    assert [i.record_id for i in queue(peer.records(), today=TODAY,
                                       first_meeting_days=WINDOW)] == [risky]
    peer.update(risky, fields | {"safety_action": ["told_nurse_in_charge", "person_knew"],
                                 "safety_note": "Told Sue, the nurse in charge, at 15:20.",
                                 "clinical_record": "by_staff"})
    assert queue(peer.records(), today=TODAY, first_meeting_days=WINDOW) == []
    # What the peer did reaches the coordinator only in a diary shared with her.
    assert not [r for r in coordinator.records() if r.kind is Kind.DIARY]
    peer.share(risky, "Grace")
    [seen] = [r for r in coordinator.records() if r.kind is Kind.DIARY]
    assert seen.fields["safety_action"] == ["told_nurse_in_charge", "person_knew"]
    assert seen.fields["clinical_record"] == "by_staff"
    # A coordinator's Today holds her own work, not the peers' shared diaries.
    assert queue(coordinator.records(), today=TODAY, first_meeting_days=WINDOW,
                 author_id=coordinator.user.id) == []


def test_only_the_newest_follow_up_about_a_person_stays_on_today(peer: Desk) -> None:
    person = _person(peer, "Jo")
    _diary(peer, person, "2026-03-02T10:00", follow_up="Ring the housing office",
           follow_up_by="2026-03-05")
    newer = _diary(peer, person, "2026-03-09T10:00", follow_up="Go to the allotment together",
                   follow_up_by="2026-03-24")
    [item] = queue(peer.records(), today=TODAY, first_meeting_days=WINDOW)
    assert item.record_id == newer and item.detail == "Go to the allotment together"
    # A diary that agreed nothing does not replace it.
    _diary(peer, person, "2026-03-16T10:00", what_happened="A walk.")
    assert [i.record_id for i in queue(peer.records(), today=TODAY,
                                       first_meeting_days=WINDOW)] == [newer]


def test_a_save_works_out_only_what_it_touches_and_the_queue_stays_the_same(
        peer: Desk) -> None:
    """The desk keeps one queue and tells it of each save: each answer must be the queue
    worked out from scratch, and a save must not work out the whole vault again."""
    from peerdesk.services.workqueue import Queue

    ids = _dataset(peer)
    for n in range(200):  # a vault with years of diaries about the same people
        _diary(peer, ids["sam"], f"2026-01-{1 + n % 28:02d}T10:00", what_happened=f"walk {n}")
    first = peer.records()
    kept = Queue(today=TODAY, first_meeting_days=WINDOW)
    kept.load(first)
    assert kept.items() == queue(peer.records(), today=TODAY, first_meeting_days=WINDOW)

    def saved(record_id: str) -> int:
        before = kept.worked_out
        kept.put(peer.get(record_id))
        answer = kept.items()
        assert answer == queue(peer.records(), today=TODAY, first_meeting_days=WINDOW)
        return kept.worked_out - before

    # Jo is met after discharge: her first-meeting item goes, and only she is worked out.
    met = _diary(peer, ids["jo"], "2026-03-19T10:00", contact_type="first_post_discharge")
    assert saved(met) <= 2
    assert not any(i.what is ItemKind.FIRST_MEETING and i.record_id == ids["jo"]
                   for i in kept.items())
    # A newer follow-up replaces Jo's older one; the plan's review moves out of the window.
    newer = _diary(peer, ids["jo"], "2026-03-19T12:00", follow_up="Bus pass",
                   follow_up_by="2026-03-24")
    assert saved(newer) <= 2
    peer.update(ids["jo_plan"], {"sections": {}, "review_on": "2026-06-01"})
    assert saved(ids["jo_plan"]) <= 1
    # Marked done, and deleted: each leaves the queue without reading the rest again.
    done = close(peer, kept.items()[0], done=True, on=TODAY)
    assert saved(done.id) <= 1
    peer.delete(newer)
    before = kept.worked_out
    kept.drop(newer)
    assert kept.items() == queue(peer.records(), today=TODAY, first_meeting_days=WINDOW)
    assert kept.worked_out - before <= 1
    # A batch still loading from before these saves does not undo them.
    kept.load(first)
    assert kept.items() == queue(peer.records(), today=TODAY, first_meeting_days=WINDOW)
