"""Compaction: a device folds its changesets into a snapshot; nobody loses a version, and
erased records leave the share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from peerdesk.services import sync
from peerdesk.sync import engine
from peerdesk.sync import format as fmt
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
        kind = "snapshot" if path.name.endswith(".snap.pdk") else "changeset"
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
