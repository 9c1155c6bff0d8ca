"""Compaction: a device folds its changesets into a snapshot; nobody loses a version, and
erased records leave the share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from peerdesk.services import sync
from peerdesk.sync import engine
from peerdesk.sync import format as fmt
from tests.helpers.shares import RecordingShare
from tests.helpers.team import Team, diary, make_team


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    t = make_team(tmp_path)
    yield t
    t.close()


def entries_on_share(team: Team, device: str) -> list[dict]:  # type: ignore[type-arg]
    """Everything Amira can decrypt from every file on the share (she reads all her sections)."""
    desk = team.desks[device]
    out = []
    for path in (Path(team.location) / "devices").rglob("*.pdk"):
        kind = ("snapshot" if path.name.endswith(".snap.pdk") else
                "part" if path.name.endswith(".part.pdk") else "changeset")
        signed, _ = fmt.parse_doc(path.read_bytes(), kind)
        header = fmt.read_header(signed)
        if header.author_id == desk.user.id:
            out += fmt.open_sections(signed, header, desk.user.id, desk.keys)
    return out


def test_late_readers_and_new_devices_get_every_version_after_compaction(
        team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "COMPACT_AFTER", 3)
    a1 = team.desks["a1"]
    rec = a1.add("diary", diary("v1"))
    team.sync("a1", "a2")  # a2 has read changeset 1, then goes away
    for i in range(2, 6):
        a1.update(rec.id, diary(f"v{i}"))
        a1.add("diary", diary(f"other {i}"))
        team.sync("a1")
    folder = Path(team.location) / "devices" / team.vaults["a1"].device_id
    names = sorted(p.name for p in folder.iterdir())
    assert any(n.endswith(".snap.pdk") for n in names)
    assert len(names) < 5
    team.sync("a2")
    fresh, _ = sync.enrol(team.device("a3"), team.location, "Amira", "a long enough passphrase")
    for desk in (team.desks["a2"], fresh):
        assert [r.fields["what_happened"] for r in desk.history(rec.id)] == [
            f"v{i}" for i in range(1, 6)]
        assert len(desk.records()) == 5
    # And the chain goes on after the snapshot.
    a1.update(rec.id, diary("v6"))
    team.sync("a1", "a2")
    (report,) = team.sync("a2")
    assert report.problems == ()
    assert team.desks["a2"].get(rec.id).fields["what_happened"] == "v6"


def test_erasure_takes_the_ciphertext_off_the_share(team: Team) -> None:
    a1, a2 = team.desks["a1"], team.desks["a2"]
    person = a1.add("person", {"label": "withdrawn"})
    about = a1.add("diary", diary("about them"), person_id=person.id)
    a1.share(about.id, "Grace")
    team.sync_all()
    a2.update(about.id, diary("edited on the laptop"))
    keep = a2.add("diary", diary("not about them"))
    team.sync_all()
    erased = {person.id, about.id}
    assert {e["r"] for e in entries_on_share(team, "a1") if e["t"] == "v"} >= erased
    a1.erase_person(person.id)
    team.sync("a1", "a2", "office")
    left = [e for e in entries_on_share(team, "a1") if e["t"] == "v" and e["r"] in erased]
    assert left == []
    assert keep.id in {e["r"] for e in entries_on_share(team, "a1") if e["t"] == "v"}
    # The erasure itself is still there, for devices that have not synced since.
    assert any(e["t"] == "e" and e["p"] == person.id for e in entries_on_share(team, "a1"))


def own_files(team: Team, device: str) -> dict[str, int]:
    """The files in a device's folder, each with the time it was last written."""
    folder = Path(team.location) / "devices" / team.vaults[device].device_id
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


class Builds:
    """Counts the share files sealed (every changeset, snapshot and part is built by
    format.build_changeset)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.kinds: list[str] = []
        real = fmt.build_changeset

        def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.kinds.append(kwargs.get("kind", "changeset"))
            return real(*args, **kwargs)
        monkeypatch.setattr(fmt, "build_changeset", counted)


@pytest.mark.parametrize("per_part", [None, 3], ids=["one file", "in parts"])
def test_a_second_compaction_with_nothing_new_writes_and_builds_nothing(
        team: Team, monkeypatch: pytest.MonkeyPatch, per_part: int | None) -> None:
    monkeypatch.setattr(engine, "COMPACT_AFTER", 3)
    if per_part:
        monkeypatch.setattr(fmt, "MAX_ENTRIES", per_part)
    a1 = team.desks["a1"]
    for i in range(4):
        a1.add("diary", diary(f"note {i}"))
        a1.add("diary", diary(f"more {i}"))
        team.sync("a1")
    files = own_files(team, "a1")
    snapshots = [n for n in files if n.endswith(".snap.pdk")]
    assert len(snapshots) == 1
    # Folded at the third sync (six changes: two parts of three); the fourth sync's changeset
    # is not enough to fold again.
    assert sum(n.endswith(".part.pdk") for n in files) == (2 if per_part else 0)
    assert sum(bool(fmt.CHANGESET_NAME.fullmatch(n)) for n in files) == 1
    builds = Builds(monkeypatch)
    share = RecordingShare(team.location)
    for _ in range(2):
        (report,) = team.sync("a1", share=share)
        assert (report.pushed, report.problems) == (0, ())
    assert builds.kinds == []
    assert share.of("write") == share.of("remove") == []
    assert own_files(team, "a1") == files
    # One new changeset is sent as itself: the snapshot's parts are not changesets to fold.
    a1.add("diary", diary("one more"))
    (report,) = team.sync("a1")
    assert (report.pushed, builds.kinds) == (1, ["changeset"])


def test_a_large_snapshot_is_written_in_parts_and_read_whole(
        team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "COMPACT_AFTER", 3)
    monkeypatch.setattr(fmt, "MAX_ENTRIES", 4)
    a1, a2 = team.desks["a1"], team.desks["a2"]
    rec = a1.add("diary", diary("v1"))
    a1.share(rec.id, "Grace")
    team.sync("a1", "a2")  # a2 has read changeset 1, then goes away
    for i in range(2, 6):
        a1.update(rec.id, diary(f"v{i}"))
        a1.add("diary", diary(f"other {i}"))
        a1.add("diary", diary(f"another {i}"))
        team.sync("a1")
    files = own_files(team, "a1")
    parts = [n for n in files if n.endswith(".part.pdk")]
    assert len(parts) >= 2
    # Folded at the third sync; the two after it wait as changesets on top of the snapshot.
    assert sorted(int(m.group(2)) for n in files if (m := fmt.CHANGESET_NAME.fullmatch(n))) \
        == [4, 5]
    (snapshot,) = [n for n in files if n.endswith(".snap.pdk")]
    folder = Path(team.location) / "devices" / team.vaults["a1"].device_id
    signed, _ = fmt.parse_doc((folder / snapshot).read_bytes(), "snapshot")
    assert signed["format"] == fmt.PADDED_FORMAT and signed["sections"] == []
    assert sorted(p["name"] for p in signed["parts"]) == sorted(parts)

    team.sync("a2", "office")
    fresh, _ = sync.enrol(team.device("a3"), team.location, "Amira", "a long enough passphrase")
    for desk in (a2, fresh):
        assert [r.fields["what_happened"] for r in desk.history(rec.id)] == [
            f"v{i}" for i in range(1, 6)]
        assert len(desk.records()) == 9
    assert team.desks["office"].get(rec.id).fields["what_happened"] == "v5"
    a1.update(rec.id, diary("v6"))
    team.sync("a1")
    (report,) = team.sync("a2")
    assert report.problems == ()
    assert a2.get(rec.id).fields["what_happened"] == "v6"


def test_a_part_gone_from_the_share_is_reported_then_written_again(
        team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "COMPACT_AFTER", 3)
    monkeypatch.setattr(fmt, "MAX_ENTRIES", 2)
    a1 = team.desks["a1"]
    for i in range(3):
        a1.add("diary", diary(f"note {i}"))
        a1.add("diary", diary(f"more {i}"))
        team.sync("a1")
    folder = Path(team.location) / "devices" / team.vaults["a1"].device_id
    part = sorted(folder.glob("*.part.pdk"))[1]
    part.unlink()
    (report,) = team.sync("a2")
    assert any("missing from the team share" in p for p in report.problems)
    assert len(team.desks["a2"].records()) < 6  # what came before the missing part, no more
    (report,) = team.sync("a1")
    assert any("being sent again" in p for p in report.problems)
    assert not part.exists() and len(list(folder.glob("*.part.pdk"))) == 3
    (report,) = team.sync("a2")
    assert report.problems == ()
    assert sorted(r.fields["what_happened"] for r in team.desks["a2"].records()) == sorted(
        f"{w} {i}" for w in ("note", "more") for i in range(3))
