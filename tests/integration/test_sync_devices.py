"""Three devices, one share folder: Amira on a ward PC (a1) and a laptop (a2), Grace the
coordinator on the office PC. Every case of issue 4, through the services the app uses."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from peerdesk.clock import utcnow
from peerdesk.domain import hlc
from peerdesk.errors import Cancelled, NotAllowed, NotFound, NotSharedWithYou, WrongPassphrase
from peerdesk.services import membership, sync
from peerdesk.services.desk import sign_in
from peerdesk.services.vault import Vault
from peerdesk.store.models import VersionRow, WrapRow
from peerdesk.sync.engine import NotATeamShare
from peerdesk.sync.share import FolderShare, ShareFull, ShareReadOnly, ShareUnavailable
from tests.conftest import LIGHT_KDF, PASSPHRASE, find_marker
from tests.helpers.shares import FailingShare
from tests.helpers.team import Team, diary, make_team


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    t = make_team(tmp_path)
    yield t
    t.close()


def texts(records: list) -> set[str]:  # type: ignore[type-arg]
    return {r.fields.get("what_happened", r.fields.get("label")) for r in records}


def test_offline_edits_on_both_devices_all_arrive(team: Team) -> None:
    a1, a2, grace = team.desks["a1"], team.desks["a2"], team.desks["office"]
    one = a1.add("diary", diary("ward: walked to the garden"))
    two = a2.add("diary", diary("café: talked about college"))
    a2.share(two.id, "Grace")
    assert sync.sync_status(team.vaults["a2"], a2.user.id).waiting == 3
    team.sync_all()
    assert texts(a1.records()) == texts(a2.records()) == {"ward: walked to the garden",
                                                          "café: talked about college"}
    assert [r.id for r in grace.shared_with_me()] == [two.id]
    with pytest.raises(NotFound):  # not even its id reached her computer
        grace.get(one.id)
    assert sync.sync_status(team.vaults["a2"], a2.user.id).waiting == 0


def test_conflicting_edits_are_kept_then_resolved(team: Team) -> None:
    a1, a2 = team.desks["a1"], team.desks["a2"]
    rec = a1.add("diary", diary("first"))
    team.sync("a1", "a2")
    a1.update(rec.id, diary("edited on the ward PC"))
    a2.update(rec.id, diary("edited on the laptop"))
    reports = team.sync("a1", "a2", "a1")
    assert reports[-1].conflicts == 1
    for desk in (a1, a2):
        (conflict,) = sync.conflicts(desk)
        assert conflict.record_id == rec.id
        assert {v.fields["what_happened"] for v in conflict.versions} == {
            "edited on the ward PC", "edited on the laptop"}
    # Both devices show the same version while the conflict stands.
    assert a1.get(rec.id).fields == a2.get(rec.id).fields

    sync.resolve_conflict(a2, rec.id, diary("edited on the ward PC and on the laptop"))
    team.sync("a2", "a1")
    for desk in (a1, a2):
        assert sync.conflicts(desk) == []
        assert desk.get(rec.id).fields["what_happened"] == "edited on the ward PC and on the laptop"
        assert {r.fields["what_happened"] for r in desk.history(rec.id)} >= {
            "first", "edited on the ward PC", "edited on the laptop"}


def test_delete_against_edit_keeps_the_edit_until_the_user_decides(team: Team) -> None:
    a1, a2 = team.desks["a1"], team.desks["a2"]
    rec = a1.add("diary", diary("to be argued about"))
    team.sync("a1", "a2")
    a1.delete(rec.id)
    a2.update(rec.id, diary("still needed"))
    team.sync("a1", "a2", "a1")
    for desk in (a1, a2):
        assert desk.get(rec.id).fields["what_happened"] == "still needed"
        assert not desk.get(rec.id).deleted
        assert [c.record_id for c in sync.conflicts(desk)] == [rec.id]
    sync.resolve_conflict(a1, rec.id, None)
    team.sync("a1", "a2")
    for desk in (a1, a2):
        assert desk.records() == [] and sync.conflicts(desk) == []
        assert desk.get(rec.id).deleted


def test_erase_reaches_every_device_and_leaves_nothing_readable(team: Team) -> None:
    a1, a2, grace = team.desks["a1"], team.desks["a2"], team.desks["office"]
    person = a1.add("person", {"label": "R. ERASE-ME"})
    shared = a1.add("diary", diary("ERASE-ME shared"), person_id=person.id)
    a1.share(shared.id, "Grace")
    team.sync_all()
    assert texts(grace.records()) == {"ERASE-ME shared"}
    # The laptop, offline, writes one more about the person before the erase reaches it.
    late = a2.add("diary", diary("ERASE-ME written offline"), person_id=person.id)

    assert a1.erase_person(person.id) == 2
    team.sync("a1", "office", "a2", "a1", "office")
    for desk in (a1, a2, grace):
        for rid in (person.id, shared.id, late.id):
            with pytest.raises((NotFound, NotSharedWithYou)):
                desk.get(rid)
        assert desk.records() == []
    for name in ("a1", "a2", "office"):
        with team.vaults[name].store.transaction() as s:
            for rid in (person.id, shared.id, late.id):
                assert s.query(WrapRow).filter_by(record_id=rid).count() == 0
                assert all(v.ciphertext is None for v in
                           s.query(VersionRow).filter_by(record_id=rid))
    assert find_marker(Path(team.location), "written offline") == []


def test_sharing_and_unsharing_propagate(team: Team) -> None:
    a1, a2, grace = team.desks["a1"], team.desks["a2"], team.desks["office"]
    rec = a1.add("diary", diary("v1"))
    a1.share(rec.id, "Grace")
    team.sync("a1", "a2", "office")
    assert grace.get(rec.id).fields["what_happened"] == "v1"
    # The laptop learnt of the sharing from the share: its edit reaches Grace too.
    a2.update(rec.id, diary("v2 from the laptop"))
    team.sync("a2", "office")
    assert grace.get(rec.id).fields["what_happened"] == "v2 from the laptop"
    a2.unshare(rec.id, "Grace")
    team.sync("a2", "a1")
    a1.update(rec.id, diary("v3 after unsharing"))
    team.sync("a1", "office")
    assert grace.get(rec.id).fields["what_happened"] == "v2 from the laptop"
    assert a1.get(rec.id).readers == ()


def test_sharing_on_one_device_covers_an_edit_made_offline_on_the_other(team: Team) -> None:
    a1, a2, grace = team.desks["a1"], team.desks["a2"], team.desks["office"]
    rec = a1.add("diary", diary("v1"))
    team.sync("a1", "a2")
    a1.share(rec.id, "Grace")
    a2.update(rec.id, diary("v2, laptop, offline"))
    team.sync("a1", "a2", "a1", "office")
    assert grace.get(rec.id).fields["what_happened"] == "v2, laptop, offline"


def test_a_device_whose_clock_is_a_day_wrong_still_orders_edits(tmp_path: Path) -> None:
    slow = lambda: utcnow() - timedelta(days=1)  # noqa: E731
    fast = lambda: utcnow() + timedelta(days=1)  # noqa: E731
    team = make_team(tmp_path, clocks={"a1": slow, "a2": fast})
    try:
        a1, a2 = team.desks["a1"], team.desks["a2"]
        rec = a2.add("diary", diary("written on the fast laptop"))
        team.sync("a2", "a1")
        # Written later, on a clock a day behind; still the newest, and no conflict.
        a1.update(rec.id, diary("corrected on the slow ward PC"))
        team.sync("a1", "a2")
        for desk in (a1, a2):
            assert desk.get(rec.id).fields["what_happened"] == "corrected on the slow ward PC"
            assert sync.conflicts(desk) == []
        a2.update(rec.id, diary("and again on the laptop"))
        team.sync("a2", "a1")
        assert a1.get(rec.id).fields["what_happened"] == "and again on the laptop"
    finally:
        team.close()


def test_a_new_device_signs_in_with_only_the_passphrase(team: Team) -> None:
    a1 = team.desks["a1"]
    a1.add("diary", diary("from before the new laptop"))
    team.sync("a1")
    fresh = team.device("a3")
    with pytest.raises(WrongPassphrase):
        sync.enrol(fresh, team.location, "Amira", "not the passphrase at all")
    desk, report = sync.enrol(fresh, team.location, "Amira", PASSPHRASE)
    assert texts(desk.records()) == {"from before the new laptop"}
    assert report.pulled == 1


def test_a_sync_with_nothing_new_costs_a_handful_of_file_operations(team: Team) -> None:
    team.desks["a1"].add("diary", diary("something"))
    team.sync_all()
    share = FolderShare(team.location)
    report = sync.run_sync(team.desks["a2"], share=share)
    assert (report.pulled, report.pushed) == (0, 0)
    assert share.ops <= 8  # manifest, accounts, devices, one listing per device


def test_a_missing_or_empty_share_is_offline_not_everything_deleted(team: Team) -> None:
    a1 = team.desks["a1"]
    a1.add("diary", diary("kept"))
    team.sync("a1")
    a1.add("diary", diary("waiting"))
    moved = Path(team.location).with_name("unplugged")
    shutil.move(team.location, moved)
    with pytest.raises(ShareUnavailable):
        sync.run_sync(a1)
    status = sync.sync_status(team.vaults["a1"], a1.user.id)
    assert status.text(utcnow()) == "Offline — 1 change waiting"
    Path(team.location).mkdir()  # mounted, but empty
    with pytest.raises(NotATeamShare):
        sync.run_sync(a1)
    assert texts(a1.records()) == {"kept", "waiting"}
    shutil.rmtree(team.location)
    shutil.move(moved, team.location)
    assert sync.run_sync(a1).pushed == 1
    assert sync.sync_status(team.vaults["a1"], a1.user.id).text(utcnow()) == "Synced just now"


@pytest.mark.parametrize(("failure", "error"), [("read-only", ShareReadOnly), ("full", ShareFull)])
def test_a_read_only_or_full_share_leaves_local_data_untouched(team: Team, failure: str,
                                                                error: type) -> None:
    a1 = team.desks["a1"]
    a1.add("diary", diary("must not be lost"))
    with pytest.raises(error):
        sync.run_sync(a1, share=FailingShare(Path(team.location), fail_writes=failure))
    assert texts(a1.records()) == {"must not be lost"}
    assert sync.sync_status(team.vaults["a1"], a1.user.id).waiting == 1
    assert sync.run_sync(a1).pushed == 1
    team.sync("a2")
    assert texts(team.desks["a2"].records()) == {"must not be lost"}


@pytest.mark.parametrize("after", [1, 3, 5, 6, 7])
def test_the_share_vanishing_mid_sync_loses_nothing(team: Team, after: int) -> None:
    a1, a2 = team.desks["a1"], team.desks["a2"]
    a2.add("diary", diary("from the laptop"))
    team.sync("a2")
    a1.add("diary", diary("from the ward"))
    with pytest.raises(ShareUnavailable):
        sync.run_sync(a1, share=FailingShare(Path(team.location), vanish_after=after))
    assert "from the ward" in texts(a1.records())
    team.sync("a1", "a2")
    assert texts(a1.records()) == texts(a2.records()) == {"from the ward", "from the laptop"}


def test_a_write_the_share_did_not_keep_is_not_marked_sent(team: Team) -> None:
    a1 = team.desks["a1"]
    a1.add("diary", diary("read back before marked"))
    with pytest.raises(ShareUnavailable, match="did not keep"):
        sync.run_sync(a1, share=FailingShare(Path(team.location), corrupt_read_back=True))
    assert sync.sync_status(team.vaults["a1"], a1.user.id).waiting == 1
    team.sync("a1", "a2")
    assert texts(team.desks["a2"].records()) == {"read back before marked"}
    assert all(not r.problems for r in team.sync("a2"))


def test_no_record_text_reaches_the_share(team: Team) -> None:
    a1, a2 = team.desks["a1"], team.desks["a2"]
    person = a1.add("person", {"label": "MARKER-person-label", "what_matters": "MARKER-matters"})
    rec = a1.add("diary", {**diary("MARKER-diary-ünïcödé"), "strengths": "MARKER-strengths"},
                 person_id=person.id)
    a1.share(rec.id, "Grace")
    a2.add("reflection", {"when": "2026-03-14", "boundary_area": "relationships",
                          "what_happened": "MARKER-reflection",
                          "keeping_myself_well": "MARKER-private"})
    team.sync_all()
    assert texts(team.desks["office"].records()) == {"MARKER-diary-ünïcödé"}
    for marker in ("MARKER", "ünïcödé", "person-label"):
        assert find_marker(Path(team.location), marker) == []


def test_a_second_team_cannot_take_over_the_share(team: Team, tmp_path: Path) -> None:
    other = Vault(tmp_path / "other", kdf_params=LIGHT_KDF)
    try:
        other.create_account("Mallory", "admin", PASSPHRASE)
        with pytest.raises(Exception, match="already a team share"):
            sync.init_share(sign_in(other, "Mallory", PASSPHRASE), team.location)
    finally:
        other.close()


def test_a_deletion_reaches_the_coordinator_it_was_shared_with(team: Team) -> None:
    a1, grace = team.desks["a1"], team.desks["office"]
    rec = a1.add("diary", diary("shared, then deleted"))
    a1.share(rec.id, "Grace")
    team.sync("a1", "office")
    assert [r.id for r in grace.records()] == [rec.id]
    a1.delete(rec.id)
    team.sync("a1", "office")
    assert grace.records() == []
    assert grace.get(rec.id).deleted


class StopAfter:
    """A cancel token the user presses after a number of progress steps."""

    def __init__(self, steps: int) -> None:
        self.steps, self.seen = steps, 0

    def progress(self, done: int, total: int, text: str) -> None:
        self.seen += 1

    def is_set(self) -> bool:
        return self.seen >= self.steps


def test_a_long_first_sync_reports_progress_and_can_be_stopped(team: Team) -> None:
    a1 = team.desks["a1"]
    for i in range(3):
        a1.add("diary", diary(f"batch {i}"))
        team.sync("a1")  # three changesets
    fresh = team.device("a3")
    sync.join_share(fresh, team.location)
    desk = sign_in(fresh, "Amira", PASSPHRASE)
    stop = StopAfter(2)
    with pytest.raises(Cancelled):
        sync.run_sync(desk, progress=stop.progress, cancel=stop)
    assert 0 < len(desk.records()) < 3  # what was received is kept, consistently
    seen: list[tuple[int, int]] = []
    sync.run_sync(desk, progress=lambda done, total, text: seen.append((done, total)))
    assert len(desk.records()) == 3
    assert seen[-1][0] == seen[-1][1]


def test_a_broken_clock_far_ahead_does_not_drag_the_others_along(tmp_path: Path) -> None:
    broken = lambda: utcnow() + timedelta(days=400)  # noqa: E731
    team = make_team(tmp_path, clocks={"a2": broken})
    try:
        a1, a2 = team.desks["a1"], team.desks["a2"]
        rec = a2.add("diary", diary("from the broken laptop"))
        team.sync("a2", "a1")
        a1.update(rec.id, diary("corrected on the ward"))
        other = a1.add("diary", diary("unrelated"))
        team.sync("a1", "a2")
        for desk in (a1, a2):
            assert desk.get(rec.id).fields["what_happened"] == "corrected on the ward"
            assert sync.conflicts(desk) == []
        with team.vaults["a1"].store.transaction() as s:
            reading = s.query(VersionRow).filter_by(record_id=other.id).one().hlc
        ahead = hlc.decode(reading)[0] - hlc.wall_ms(utcnow())
        assert ahead < 60_000  # this device's own clock stayed its own
    finally:
        team.close()


def test_a_conflict_can_be_merged_by_hand(team: Team) -> None:
    a1, a2 = team.desks["a1"], team.desks["a2"]
    rec = a1.add("diary", diary("first"))
    team.sync("a1", "a2")
    a1.update(rec.id, {**diary("ward text"), "follow_up": "call Tuesday"})
    a2.update(rec.id, diary("laptop text"))
    team.sync("a1", "a2", "a1")
    assert sync.conflict_count(a1) == 1
    (conflict,) = sync.conflicts(a1)
    merged = sync.merged_fields(conflict)
    assert "ward text" in merged["what_happened"] and "laptop text" in merged["what_happened"]
    assert merged["follow_up"] == "call Tuesday"
    sync.resolve_conflict(a1, rec.id, merged)
    team.sync("a1", "a2")
    assert sync.conflict_count(a1) == sync.conflict_count(a2) == 0
    assert a2.get(rec.id).fields == merged


def test_sharing_a_version_already_on_the_share_reaches_the_coordinator(team: Team) -> None:
    a1, a2, grace = team.desks["a1"], team.desks["a2"], team.desks["office"]
    rec = a1.add("diary", diary("v1, synced before sharing"))
    team.sync("a1", "a2", "office")
    a2.update(rec.id, diary("v2, laptop, synced before the sharing reached it"))
    team.sync("a2")
    a1.share(rec.id, "Grace")  # a1 has not seen v2 yet
    team.sync("a1", "office")
    assert grace.get(rec.id).fields["what_happened"] == \
        "v2, laptop, synced before the sharing reached it"
    assert [r.fields["what_happened"] for r in grace.history(rec.id)] == [
        "v1, synced before sharing", "v2, laptop, synced before the sharing reached it"]


def test_an_account_not_yet_approved_is_told_why_nothing_synced(team: Team) -> None:
    office = team.vaults["office"]
    office.create_account("Tom", "coordinator", PASSPHRASE)  # added here; nobody approved it
    tom = sign_in(office, "Tom", PASSPHRASE)
    assert (tom.user.role.value, tom.user.status) == ("peer", "pending")
    tom.add("diary", diary("Met Kwame at the allotment."))
    with pytest.raises(NotAllowed, match="waiting for an administrator to approve it"):
        sync.run_sync(tom)
    status = sync.sync_status(office, tom.user.id).text(utcnow())
    assert status.startswith("Sync failed — Your account is waiting for an administrator")
    tom.lock()
    ida = sign_in(office, "Ida", PASSPHRASE)
    sync.run_sync(ida)  # a routine sync signs nothing: Tom is still not on the share
    assert not (Path(team.location) / "accounts" / f"{tom.user.id}.json").exists()
    membership.approve(ida, "Tom", "peer")
    sync.run_sync(ida)  # now his certificate goes out
    ida.lock()
    tom = sign_in(office, "Tom", PASSPHRASE)
    assert (tom.user.role.value, tom.user.status) == ("peer", "active")
    assert sync.run_sync(tom).pushed == 1
    assert sync.sync_status(office, tom.user.id).text(utcnow()) == "Synced just now"
    tom.lock()


def test_a_sync_says_which_records_it_changed_here(team: Team) -> None:
    """What an open desk reads again after a sync: the records the sync changed here (a new
    version, an erasure, a sharing), and nothing when nothing arrived."""
    a1 = team.desks["a1"]
    person = a1.add("person", {"label": "R."})
    about = a1.add("diary", diary("about R."), person_id=person.id)
    other = a1.add("diary", diary("about nobody"))
    team.sync("a1", "a2")
    new = a1.add("diary", diary("written on the ward PC"))
    team.sync("a1")
    [report] = team.sync("a2")
    assert report.pulled == 1 and report.changed == {new.id}

    a1.erase_person(person.id)
    team.sync("a1")
    [report] = team.sync("a2")
    assert report.changed == {person.id, about.id}

    a1.share(other.id, "Grace")
    team.sync("a1")
    [grace] = team.sync("office")
    [laptop] = team.sync("a2")
    assert other.id in grace.changed and other.id in laptop.changed
    [again] = team.sync("a2")
    assert again.changed == frozenset()
