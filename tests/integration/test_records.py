"""Records through the services: versions, history, delete, sharing, privacy, drafts, erase."""

from __future__ import annotations

import pytest

from peerdesk.domain import Kind
from peerdesk.errors import InvalidInput, NotAllowed, NotFound, NotSharedWithYou
from peerdesk.services import Desk, Vault
from peerdesk.services.desk import sign_in
from tests.conftest import PASSPHRASE

DIARY = {"when": "2026-03-02T10:30", "setting": "everyday_activity",
         "contact_type": "everyday_activity", "what_happened": "Walked to the café together.",
         "peer_brought": ["lived_experience", "being_there"]}


def test_every_save_is_a_new_version_and_history_reads_back(peer: Desk) -> None:
    person = peer.add(Kind.PERSON, {"label": "Jo"})
    diary = peer.add(Kind.DIARY, DIARY, person_id=person.id)
    updated = peer.update(diary.id, DIARY | {"what_happened": "Walked and talked about music."})
    assert updated.version == 2
    assert peer.get(diary.id).fields["what_happened"] == "Walked and talked about music."
    assert peer.get(diary.id, version=1).fields["what_happened"] == "Walked to the café together."
    assert [v.fields["what_happened"] for v in peer.history(diary.id)] == [
        "Walked to the café together.", "Walked and talked about music."]
    assert [r.id for r in peer.records(Kind.DIARY, person_id=person.id)] == [diary.id]


def test_delete_leaves_a_tombstone_and_keeps_history(peer: Desk) -> None:
    diary = peer.add(Kind.DIARY, DIARY)
    peer.delete(diary.id)
    assert peer.records(Kind.DIARY) == []
    assert [r.deleted for r in peer.records(Kind.DIARY, include_deleted=True)] == [True]
    history = peer.history(diary.id)
    assert [(v.version, v.deleted) for v in history] == [(1, False), (2, True)]
    with pytest.raises(InvalidInput, match="deleted"):
        peer.update(diary.id, DIARY)


def test_diary_about_an_unknown_person_is_refused(peer: Desk) -> None:
    with pytest.raises(NotFound):
        peer.add(Kind.DIARY, DIARY, person_id="no-such-person")


def test_another_account_cannot_read_until_shared(vault: Vault, peer: Desk,
                                                  coordinator: Desk) -> None:
    diary = peer.add(Kind.DIARY, DIARY)
    with pytest.raises(NotSharedWithYou, match="not been shared with you"):
        coordinator.get(diary.id)
    assert coordinator.records() == []
    peer.share(diary.id, "Grace")
    assert coordinator.get(diary.id).fields["what_happened"] == DIARY["what_happened"]
    assert [r.id for r in coordinator.shared_with_me()] == [diary.id]
    with pytest.raises(NotAllowed):
        coordinator.update(diary.id, DIARY)


def test_unshare_applies_from_the_next_version(peer: Desk, coordinator: Desk) -> None:
    diary = peer.add(Kind.DIARY, DIARY)
    peer.share(diary.id, "Grace")
    peer.update(diary.id, DIARY | {"what_happened": "second"})
    assert coordinator.get(diary.id).fields["what_happened"] == "second"
    peer.unshare(diary.id, "Grace")
    peer.update(diary.id, DIARY | {"what_happened": "third, after unsharing"})
    seen = coordinator.get(diary.id)
    assert (seen.version, seen.fields["what_happened"]) == (2, "second")
    assert [v.version for v in coordinator.history(diary.id)] == [1, 2] or \
        [v.version for v in coordinator.history(diary.id)] == [2]


def test_sharing_starts_from_the_current_version_not_earlier_drafts(peer: Desk,
                                                                    coordinator: Desk) -> None:
    diary = peer.add(Kind.DIARY, DIARY | {"what_happened": "first thoughts"})
    peer.update(diary.id, DIARY)
    peer.share(diary.id, "Grace")
    assert [v.version for v in coordinator.history(diary.id)] == [2]


def test_sharing_rules(vault: Vault, peer: Desk, coordinator: Desk) -> None:
    vault.create_account("Tom", "peer", PASSPHRASE)
    diary = peer.add(Kind.DIARY, DIARY)
    with pytest.raises(NotAllowed, match="not a Peer Worker Coordinator"):
        peer.share(diary.id, "Tom")
    plan = peer.add(Kind.CRISIS_PLAN, {"sections": {"helps": "tea"}})
    with pytest.raises(NotAllowed, match="belongs to the person"):
        peer.share(plan.id, "Grace")


def test_private_fields_never_reach_the_coordinator(peer: Desk, coordinator: Desk) -> None:
    reflection = peer.add(Kind.REFLECTION, {
        "when": "2026-03-02", "boundary_area": "keeping_well", "what_happened": "tense week",
        "bring_to_supervision": True, "keeping_myself_well": "swim after work"})
    peer.share(reflection.id, "Grace")
    assert peer.get(reflection.id).fields["keeping_myself_well"] == "swim after work"
    seen = coordinator.get(reflection.id).fields
    assert seen["what_happened"] == "tense week" and "keeping_myself_well" not in seen


def test_drafts_round_trip_and_belong_to_their_owner(peer: Desk, coordinator: Desk) -> None:
    draft_id = peer.save_draft(Kind.DIARY, {"what_happened": "half a sentence"})
    peer.save_draft(Kind.DIARY, {"what_happened": "half a sentence, finished"}, draft_id=draft_id)
    [draft] = peer.drafts()
    assert draft.fields == {"what_happened": "half a sentence, finished"}
    assert coordinator.drafts() == []
    peer.discard_draft(draft_id)
    assert peer.drafts() == []


def test_erase_person_removes_everything_about_them(peer: Desk) -> None:
    jo = peer.add(Kind.PERSON, {"label": "Jo"})
    sam = peer.add(Kind.PERSON, {"label": "Sam"})
    diary = peer.add(Kind.DIARY, DIARY, person_id=jo.id)
    peer.add(Kind.CRISIS_PLAN, {"sections": {"helps": "tea"}}, person_id=jo.id)
    peer.add(Kind.DIARY, DIARY, person_id=sam.id)
    peer.save_draft(Kind.DIARY, {"what_happened": "about Jo"}, person_id=jo.id)
    assert peer.erase_person(jo.id) == 3
    with pytest.raises(NotFound, match="erased"):
        peer.get(diary.id)
    assert {r.fields.get("label") for r in peer.records(Kind.PERSON)} == {"Sam"}
    assert len(peer.records(Kind.DIARY)) == 1
    assert peer.drafts() == []
    assert peer.check() == []


def test_lock_drops_keys(peer: Desk) -> None:
    peer.lock()
    assert peer.locked
    with pytest.raises(NotAllowed, match="locked"):
        peer.records()


def test_a_record_can_only_be_about_a_live_person_of_ones_own(vault: Vault, peer: Desk) -> None:
    vault.create_account("Tom", "peer", PASSPHRASE)
    tom = sign_in(vault, "Tom", PASSPHRASE)
    toms_person = tom.add(Kind.PERSON, {"label": "Ray"})
    with pytest.raises(NotAllowed, match="You do not support this person"):
        peer.add(Kind.DIARY, DIARY, person_id=toms_person.id)
    gone = peer.add(Kind.PERSON, {"label": "Sam"})
    peer.delete(gone.id)
    with pytest.raises(InvalidInput, match="deleted"):
        peer.add(Kind.DIARY, DIARY, person_id=gone.id)
    erased = peer.add(Kind.PERSON, {"label": "Lena"})
    peer.erase_person(erased.id)
    with pytest.raises(NotFound):
        peer.add(Kind.DIARY, DIARY, person_id=erased.id)
    diary = peer.add(Kind.DIARY, DIARY)
    with pytest.raises(InvalidInput, match="not a person"):
        peer.add(Kind.DIARY, DIARY, person_id=diary.id)
    assert len(peer.records(Kind.DIARY)) == 1  # none of the refused ones was written
    jo = peer.add(Kind.PERSON, {"label": "Jo"})
    about_jo = peer.add(Kind.DIARY, DIARY, person_id=jo.id)
    assert peer.get(about_jo.id).person_id == jo.id
    assert [r.id for r in peer.records(Kind.DIARY, person_id=jo.id)] == [about_jo.id]
