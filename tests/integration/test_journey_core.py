"""The support journey is read from diaries and plans; only a few facts live on the person."""

from __future__ import annotations

from peerdesk.domain import Kind
from peerdesk.services import Desk
from peerdesk.services.journey import PlanUse, build, journeys


def _diary(peer: Desk, person_id: str, when: str, contact: str, **extra: object) -> None:
    peer.add(Kind.DIARY, {"when": when, "contact_type": contact, **extra}, person_id=person_id)


def test_journey_from_diaries_plans_and_person_facts(peer: Desk) -> None:
    person = peer.add(Kind.PERSON, {
        "label": "Jo", "admission_ward": "Willow", "discharged_on": "2026-03-20",
        "discharge_meeting": "invited", "plans_offered": ["recovery_plan"],
        "plans_declined": ["crisis_plan"], "planned_end": "2026-07-20"})
    _diary(peer, person.id, "2026-03-01T10:00", "first_ward_contact",
           ending="Talked about how support ends after four months.")
    _diary(peer, person.id, "2026-03-05T10:00", "did_not_meet")
    _diary(peer, person.id, "2026-03-10T10:00", "discharge_meeting", strengths="Humour")
    _diary(peer, person.id, "2026-03-27T11:00", "first_post_discharge",
           signposting="Allotment group")
    peer.add(Kind.DISCHARGE_PLAN, {"sections": {"goals": "Go home."}}, person_id=person.id)
    records = peer.records()
    j = build(person.id, records, person=next(r for r in records if r.id == person.id))
    assert j.first_ward_contact == "2026-03-01"
    assert j.discharge_meeting == "invited" and j.discharge_meeting_attended == "2026-03-10"
    assert j.plans == {"discharge_plan": PlanUse.USED, "crisis_plan": PlanUse.DECLINED,
                       "recovery_plan": PlanUse.OFFERED}
    assert j.ending_discussed == "2026-03-01" and j.ending_discussed_at_first_meeting
    assert j.sessions == 3 and j.did_not_meet == 1 and j.engaged
    assert j.days_to_first_post_discharge == 7
    assert j.met_on_ward_before_discharge and j.strengths_noted and j.signposted
    assert not j.accompanied
    labels = [s.label for s in j.steps()]
    assert any("7 days after discharge" in label for label in labels)
    assert any("3 sessions" in label for label in labels)
    assert not any("patient" in label.lower() for label in labels)


def test_coordinator_journeys_without_the_person_record(peer: Desk, coordinator: Desk) -> None:
    person = peer.add(Kind.PERSON, {"label": "Dev", "discharged_on": "2026-03-20"})
    diary = peer.add(Kind.DIARY, {"when": "2026-03-22T10:00",
                                  "contact_type": "first_post_discharge"}, person_id=person.id)
    peer.share(diary.id, "Grace")
    [j] = journeys(coordinator.records())
    # The discharge date lives on the person record, which is never shared: unknown, not 0.
    assert j.first_post_discharge == "2026-03-22" and j.days_to_first_post_discharge is None
    assert j.author_id == peer.user.id
