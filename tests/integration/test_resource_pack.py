"""The resource pack: kept by the coordinator, on every peer's computer after a sync,
searchable offline, stale entries flagged, CSV in and out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from peerdesk.domain import Kind
from peerdesk.errors import DiskFull, InvalidInput, NotAllowed
from peerdesk.services import Vault, fidelity, resources, sharing, sign_in
from tests.conftest import PASSPHRASE
from tests.helpers.team import Team, make_team

CSV = (
    "name,category,area,what_happens,opening_times,contact,accessibility,cost,last_checked\n"
    'Allotment group,"Gardening, nature and the outdoors",Northside,Shared plots,Tue 10-12,'
    "01632 960000,Step-free paths,Free,2026-03-01\n"
    "Library reading group,learning,Town centre,Monthly book chat,First Thu 6pm,library desk,"
    "Lift,Free,2025-06-01\n")


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    t = make_team(tmp_path)
    t.join("t1", "Tom", "peer")
    yield t
    t.close()


def test_pack_reaches_every_peer_and_is_searchable(team: Team, tmp_path: Path) -> None:
    amira, tom, grace = team.desks["a1"], team.desks["t1"], team.desks["office"]
    assert resources.import_csv(grace, CSV) == (2, 0)
    cafe = resources.save(grace, {"name": "Riverside café", "category": "food",
                                  "area": "Northside", "last_checked": "2026-02-10"})
    with pytest.raises(NotAllowed):
        resources.save(amira, {"name": "My own entry"})
    team.sync_all()
    for desk in (amira, team.desks["a2"], tom):
        pack = resources.entries(desk.records())
        assert [e.fields["name"] for e in pack] == ["Allotment group", "Library reading group",
                                                   "Riverside café"]
        assert [e.fields["name"] for e in resources.search(desk.records(), "northside")] == [
            "Allotment group", "Riverside café"]
        assert [e.fields["name"] for e in resources.search(desk.records(), "garden free")] == [
            "Allotment group"]
    today = date(2026, 3, 14)
    assert [resources.is_stale(e, today) for e in resources.entries(tom.records())] == [
        False, True, False]
    # A diary links entries by name; the coordinator's counts come from what she can read.
    person = amira.add(Kind.PERSON, {"label": "Jo"})
    amira.add(Kind.DIARY, {"when": "2026-03-10T10:00", "contact_type": "accompanied",
                           "resources": ["allotment group"]}, person_id=person.id)
    used = resources.usage(amira.records())
    assert used[cafe.id] == 0 and sorted(used.values()) == [0, 0, 1]
    # Grace cannot read the diary; the name-free summary carries which entries were used.
    fidelity.publish(amira)
    team.sync_all()
    assert sorted(resources.usage(fidelity.expand(grace.records(), grace.user.id)).values()) == [
        0, 0, 1]
    # Updating by CSV: same name updates; a bad row stops the whole import.
    assert resources.import_csv(grace, CSV.replace("2025-06-01", "2026-03-12")) == (0, 2)
    with pytest.raises(InvalidInput, match="Line 2"):
        resources.import_csv(grace, "name,category\nSomething,not a category\n")
    text = resources.to_csv(grace.records())
    assert text.splitlines()[0].startswith("name,category,area")
    assert "2026-03-12" in text and "Riverside café" in text


def test_an_entry_is_saved_with_its_readers_or_not_at_all(
        vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    """One transaction: the entry, every peer given it, and the draft it replaces."""
    for name in ("Amira", "Tom"):
        vault.create_account(name, "peer", PASSPHRASE)
    vault.create_account("Grace", "coordinator", PASSPHRASE)
    grace = sign_in(vault, "Grace", PASSPHRASE)
    draft = grace.save_draft(Kind.RESOURCE, {"name": "Allotment group"})
    given: list[str] = []
    real_give = sharing.give

    def give_then_fail(*args: Any) -> None:
        given.append(args[3])
        if len(given) == 2:
            raise DiskFull("The disk is full, so this was not saved.")
        real_give(*args)

    monkeypatch.setattr(sharing, "give", give_then_fail)
    with pytest.raises(DiskFull):
        resources.save(grace, {"name": "Allotment group"}, draft_id=draft)
    assert grace.records(Kind.RESOURCE) == []  # nothing half-given
    assert [d.id for d in grace.drafts()] == [draft]  # and the draft is kept
    monkeypatch.setattr(sharing, "give", real_give)
    saved = resources.save(grace, {"name": "Allotment group"}, draft_id=draft)
    peers = {a.id for a in vault.accounts() if a.name in ("Amira", "Tom")}
    assert set(saved.readers) == peers and grace.drafts() == []


def test_a_diary_links_entries_by_id_older_names_still_count_and_a_handout_is_made(
        peer, coordinator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    allotment = resources.save(coordinator, {"name": "Allotment group", "area": "Northside",
                                             "opening_times": "Tuesdays 10-12",
                                             "what_happens": "Shared plots; tea hut.",
                                             "contact": "01632 960 123", "cost": "Free"})
    cafe = resources.save(coordinator, {"name": "Riverside café", "cost": "Pay what you can"})
    person = peer.add(Kind.PERSON, {"label": "MARKER-Jo"})
    peer.add(Kind.DIARY, {"when": "2026-03-01T10:00", "resources": [allotment.id]},
             person_id=person.id)
    # Written before the picker: a name, with other capitals and spaces.
    old = peer.add(Kind.DIARY, {"when": "2026-02-01T10:00",
                                "resources": ["allotment  GROUP", "Gone group"]},
                   person_id=person.id)
    pack = resources.entries(peer.records())
    assert [e.id for e in resources.linked(old, pack)] == [allotment.id]
    assert resources.usage(peer.records()) == {allotment.id: 2, cafe.id: 0}
    doc = resources.handout([allotment, cafe], team="Team North", on=date(2026, 3, 2))
    text = doc.text()
    assert "Places and groups we talked about" in text and "Allotment group" in text
    assert "When: Tuesdays 10-12" in text and "Cost: Pay what you can" in text
    assert "MARKER" not in text and doc.title == "Places and groups we talked about"
    from peerdesk import exports
    pdf = exports.write_pdf(tmp_path / "handout.pdf", doc)
    assert pdf.read_bytes().startswith(b"%PDF")
    with pytest.raises(InvalidInput, match="at least one"):
        resources.handout([], on=date(2026, 3, 2))


def test_a_peer_proposes_an_entry_and_the_coordinator_adds_it(peer, coordinator) -> None:  # type: ignore[no-untyped-def]
    from peerdesk.services.workqueue import ItemKind, queue

    proposal = resources.propose(peer, {"name": "Men's shed", "area": "Southside",
                                        "what_happens": "Woodwork and a brew.",
                                        "why": "Two people asked about something practical."})
    assert [a for a in proposal.readers] == [coordinator.user.id]
    assert resources.entries(peer.records()) == []  # not in the pack until it is added
    [item] = queue(coordinator.records(), today=date.today(), first_meeting_days=7,
                   author_id=coordinator.user.id)
    assert item.what is ItemKind.PROPOSAL and item.from_id == peer.user.id
    assert "Men's shed" in item.detail
    fields = resources.from_proposal(coordinator.get(proposal.id))
    assert fields == {"name": "Men's shed", "area": "Southside",
                      "what_happens": "Woodwork and a brew.", "proposal": proposal.id}
    entry = resources.save(coordinator, fields | {"last_checked": "2026-03-01"})
    assert queue(coordinator.records(), today=date.today(), first_meeting_days=7,
                 author_id=coordinator.user.id) == []
    assert [e.id for e in resources.entries(peer.records())] == [entry.id]
    with pytest.raises(NotAllowed):
        resources.save(peer, {"name": "Not mine to add"})
