"""Two peers on two computers and a coordinator on a third, through a real share folder:
sharing, the inbox, comments back to the peer, a session with actions carried forward."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from peerdesk.domain import Kind
from peerdesk.errors import NotFound, NotSharedWithYou
from peerdesk.services import fidelity, supervision
from peerdesk.store.models import WrapRow
from tests.conftest import find_marker
from tests.helpers.team import Team, make_team


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    t = make_team(tmp_path)
    t.join("t1", "Tom", "peer")
    yield t
    t.close()


def test_share_inbox_comment_session(team: Team, tmp_path: Path) -> None:
    amira, tom, grace = team.desks["a1"], team.desks["t1"], team.desks["office"]
    jo = amira.add(Kind.PERSON, {"label": "MARKER-Jo", "local_id": "MARKER-RX123"})
    secret = amira.add(Kind.DIARY, {"when": "2026-03-02T10:00", "contact_type": "informal",
                                    "what_happened": "MARKER-unshared"}, person_id=jo.id)
    shared = amira.add(Kind.DIARY, {"when": "2026-03-03T10:00",
                                    "contact_type": "first_ward_contact",
                                    "what_happened": "Listened on the ward."}, person_id=jo.id)
    amira.share(shared.id, "Grace")
    bring = tom.add(Kind.REFLECTION, {"when": "2026-03-04", "boundary_area": "keeping_well",
                                      "how_it_felt": "Tired.", "bring_to_supervision": True,
                                      "keeping_myself_well": "MARKER-private-wellbeing"})
    tom.share(bring.id, "Grace")
    team.sync_all()

    # The inbox: Tom's "bring to supervision" first, then Amira's diary under her name.
    authors = {a.id: a.name for a in team.vaults["office"].accounts()}
    box = supervision.inbox(grace.records(), authors, grace.user.id)
    assert [i.record.id for i in box.bring] == [bring.id]
    assert [(p, [i.record.id for i in items]) for p, items in box.by_peer] == [
        ("Amira", [shared.id])]
    assert "keeping_myself_well" not in box.bring[0].record.fields

    # The unshared diary never reaches Grace: no key for her, and no readable byte anywhere.
    with pytest.raises((NotFound, NotSharedWithYou)):
        grace.get(secret.id)
    with team.vaults["office"].store.transaction() as s:
        assert s.query(WrapRow).filter_by(record_id=secret.id, reader_id=grace.user.id).count() == 0
    for marker in ("MARKER-unshared", "MARKER-Jo", "MARKER-RX123", "MARKER-private-wellbeing"):
        assert find_marker(tmp_path, marker) == []

    # Grace comments; Amira sees it on both her computers after a sync, Tom does not.
    note = supervision.comment(grace, shared.id, "Lovely first contact: you let Jo lead.")
    team.sync_all()
    for desk in (amira, team.desks["a2"]):
        [seen] = supervision.comments_on(desk.records(), shared.id)
        assert seen.id == note.id and seen.author_id == grace.user.id
    assert supervision.comments_on(tom.records(), shared.id) == []
    with pytest.raises((NotFound, NotSharedWithYou)):
        tom.get(note.id)

    # A session: the agenda is what peers chose to bring; actions carry to the next one.
    first = supervision.start_session(grace, date(2026, 3, 10), ["Amira", "Tom"])
    assert first.fields["agenda"] == [bring.id]
    supervision.add_action(grace, first.id, "Ask the ward about break space", "Tom",
                           date(2026, 3, 24))
    done = supervision.add_action(grace, first.id, "Share the lone-working policy", "Grace",
                                  None)
    grace.update(done.id, dict(done.fields) | {"done": True})
    second = supervision.start_session(grace, date(2026, 3, 24), ["Tom"])
    assert second.fields.get("agenda") is None  # nothing new to bring
    view = supervision.session(grace.records(), second.id)
    assert [a.fields["text"] for a in view.carried] == ["Ask the ward about break space"]
    team.sync_all()
    assert [a.fields["owner"] for a in supervision.open_actions(tom.records())] == ["Tom"]
    assert supervision.attendance(grace.records(), authors) == {
        amira.user.id: 1, tom.user.id: 2}
    grace.update(second.id, dict(grace.get(second.id).fields) | {
        "themes": ["own_wellbeing", "lone_working"]})
    grace.update(first.id, dict(grace.get(first.id).fields) | {"themes": ["own_wellbeing"]})
    assert supervision.theme_counts(grace.records()) == [
        ("My own wellbeing: triggers, vicarious trauma, self-care", 2),
        ("Lone working and safety in the community", 1)]
    assert supervision.theme_counts(grace.records(), start=date(2026, 3, 20)) == [
        ("Lone working and safety in the community", 1),
        ("My own wellbeing: triggers, vicarious trauma, self-care", 1)]
    rep = fidelity.report(grace.records(), authors=authors,
                          supervision=supervision.attendance(grace.records(), authors))
    assert rep.team.supervision_attended == 3


def test_aliases_and_scrub() -> None:
    assert [supervision.alias(i) for i in (0, 1, 25, 26)] == [
        "Person A", "Person B", "Person Z", "Person AA"]
    text = "Met jo (RX12345, 943 476 5919) on 3/4/1980; jo.b@example.org"
    assert supervision.scrub(text, ["Jo"]) == (
        "Met [someone] ([removed], [removed]) on [removed]; [removed]")


def test_team_figures_reach_the_coordinator_without_names_or_words(team: Team) -> None:
    amira, tom, grace = team.desks["a1"], team.desks["t1"], team.desks["office"]
    for desk, label in ((amira, "MARKER-Jo"), (tom, "MARKER-Ray")):
        person = desk.add(Kind.PERSON, {"label": label, "local_id": "MARKER-RX9",
                                        "discharged_on": "2026-03-10",
                                        "transition_summary": "MARKER-summary"})
        for when, contact in (("2026-03-01", "first_ward_contact"),
                              ("2026-03-13", "first_post_discharge")):
            desk.add(Kind.DIARY, {"when": f"{when}T10:00", "contact_type": contact,
                                  "what_happened": "MARKER-words", "strengths": "MARKER-s"},
                     person_id=person.id)
        assert fidelity.publish(desk) == 1
        assert fidelity.publish(desk) == 0  # nothing changed, nothing new written
    team.sync_all()
    rep = fidelity.for_desk(grace, period=fidelity.Period(date(2026, 3, 1), date(2026, 3, 31)))
    assert (rep.team.people, rep.team.sessions) == (2, 4)
    assert rep.team.components["engaged"] == 2 and rep.team.components["met_on_ward"] == 2
    assert rep.team.days_to_first_post_discharge == (3, 3)
    assert [p.name for p in rep.peers] == ["Amira", "Tom"]
    # What Grace can read of the summaries: dates and choices, never a name or a word.
    summaries = [r for r in grace.records() if r.kind is Kind.SUMMARY]
    assert len(summaries) == 2
    assert not any("MARKER" in str(r.fields) for r in summaries)
    # Erasing the person erases their summary on Grace's computer too.
    [jo] = [r for r in amira.records(Kind.PERSON)]
    amira.erase_person(jo.id)
    team.sync_all()
    assert len([r for r in grace.records() if r.kind is Kind.SUMMARY]) == 1


def test_wellbeing_checkin_is_in_no_report_export_or_shared_file(team: Team,
                                                                 tmp_path: Path) -> None:
    from peerdesk.errors import NotAllowed

    amira, grace = team.desks["a1"], team.desks["office"]
    person = amira.add(Kind.PERSON, {"label": "Dev"})
    amira.add(Kind.DIARY, {"when": "2026-03-01T10:00", "contact_type": "first_ward_contact"},
              person_id=person.id)
    check = amira.add(Kind.CHECKIN, {"when": "2026-03-02", "how_i_am": "hard",
                                     "what_helps": "MARKER-wellbeing"})
    with pytest.raises(NotAllowed):
        amira.share(check.id, "Grace")
    fidelity.publish(amira)
    team.sync_all()
    # On her other computer she reads it; nobody else can.
    assert team.desks["a2"].get(check.id).fields["what_helps"] == "MARKER-wellbeing"
    with pytest.raises((NotFound, NotSharedWithYou)):
        grace.get(check.id)
    assert not any(r.kind is Kind.CHECKIN for r in grace.records())
    outputs = []
    for desk in (amira, grace):
        rep = fidelity.for_desk(desk)
        outputs += [rep.csv(suppress=True), rep.csv(suppress=False),
                    str(rep.as_json(suppress=False))]
    outputs += [str(r.fields) for r in grace.records()]
    assert not any("MARKER" in text or "wellbeing_checkin" in text for text in outputs)
    assert find_marker(tmp_path, "MARKER-wellbeing") == []  # no file holds it readable
