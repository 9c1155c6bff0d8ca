"""A sync with nothing new costs what changed, not what the share holds: no changeset is
opened, and each folder is listed at most once, however many devices the team has."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from peerdesk.sync import engine
from peerdesk.sync.incoming import Apply
from tests.helpers.shares import RecordingShare
from tests.helpers.team import Team, diary, make_team


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    t = make_team(tmp_path)
    yield t
    t.close()


def test_a_sync_with_nothing_new_opens_no_changeset_and_lists_each_folder_once(
        team: Team) -> None:
    for n in range(3, 11):
        team.enrol(f"a{n}", "Amira")
    for name, desk in team.desks.items():
        desk.add("diary", diary(f"written on {name}"))
    team.sync_all()
    own = f"devices/{team.vaults['a1'].device_id}"
    assert len(list((Path(team.location) / "devices").iterdir())) == 11

    share = RecordingShare(team.location)
    (report,) = team.sync("a1", share=share)
    assert (report.pulled, report.pushed, report.problems) == (0, 0, ())
    assert [p for p in share.of("read") if p.startswith("devices/")] == []
    assert share.of("write") == share.of("remove") == share.of("move") == []
    listed = Counter(share.of("list"))
    assert {"accounts", "heads", "devices", own} <= set(listed)
    assert [f for f in listed if f.startswith("devices/")] == [own]  # no other device folder
    assert max(listed.values()) == 1
    assert share.ops == len(share.calls) <= 20
    assert len(team.desks["a1"].records()) == 10  # Amira's, from her ten devices


def test_after_a_change_only_the_folder_that_moved_is_listed_and_only_its_new_file_read(
        team: Team) -> None:
    for n in range(3, 6):
        team.enrol(f"a{n}", "Amira")
    team.sync_all()
    team.desks["a4"].add("diary", diary("new on a4"))
    team.sync("a4")
    share = RecordingShare(team.location)
    (report,) = team.sync("a1", share=share)
    assert report.pulled == 1
    folder = f"devices/{team.vaults['a4'].device_id}"
    devices_listed = [f for f in share.of("list") if f.startswith("devices/")]
    assert sorted(devices_listed) == sorted([folder, f"devices/{team.vaults['a1'].device_id}"])
    assert [p.rsplit("/", 1)[0] for p in share.of("read") if p.startswith("devices/")] == [
        folder]
    assert "new on a4" in {r.fields["what_happened"] for r in team.desks["a1"].records()}


def test_a_changeset_is_applied_in_steps_and_a_crash_between_steps_loses_nothing(
        team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "APPLY_STEP", 3)
    a1 = team.desks["a1"]
    person = a1.add("person", {"label": "Jo"})
    notes = [a1.add("diary", diary(f"note {n}"), person_id=person.id) for n in range(9)]
    a1.share(notes[4].id, "Grace")
    team.sync("a1")
    real, calls = Apply.all, []

    def crashes_on_the_third_step(self, items):  # type: ignore[no-untyped-def]
        calls.append(len(items))
        if len(calls) == 3:
            raise OSError("the computer was switched off")
        return real(self, items)

    monkeypatch.setattr(Apply, "all", crashes_on_the_third_step)
    with pytest.raises(OSError):
        team.sync("a2")
    assert calls == [3, 3, 3]  # one changeset, taken in steps of three
    assert 0 < len(team.desks["a2"].records()) < 10
    monkeypatch.setattr(Apply, "all", real)
    (report,) = team.sync("a2")
    assert report.problems == ()
    texts = sorted(r.fields.get("what_happened", r.fields.get("label"))
                   for r in team.desks["a2"].records())
    assert texts == sorted(["Jo", *(f"note {n}" for n in range(9))])
    (report,) = team.sync("office")
    assert team.desks["office"].get(notes[4].id).fields["what_happened"] == "note 4"
