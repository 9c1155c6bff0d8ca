"""Signed device heads: a device that joins late can tell a stream was cut short or a device's
folder removed; a file from a newer PeerDesk stays where it is and is reported; a no-op sync
does not list a folder whose head has not moved. The first two on a share folder and on the
real Samba server."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from peerdesk.services import sync
from peerdesk.sync import format as fmt
from peerdesk.sync.share import FolderShare
from tests.conftest import PASSPHRASE
from tests.helpers.team import Team, diary, make_team, team_on


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    t = make_team(tmp_path)
    yield t
    t.close()


@pytest.fixture(params=["folder", pytest.param("samba", marks=pytest.mark.smb)])
def any_team(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Team, Path]]:
    """The team on a share folder or on the real Samba server, with where the share's files
    are on this computer's disk (for Samba, the folder the server shares)."""
    t = team_on(request, tmp_path)
    yield t, (Path(t.location) if request.param == "folder"
              else request.getfixturevalue("samba").root / tmp_path.name)
    t.close()


def folder(team: Team, device: str, root: Path | None = None) -> Path:
    return (root or Path(team.location)) / "devices" / team.vaults[device].device_id


def heads_of(team: Team, device: str, root: Path | None = None) -> list[Path]:
    return sorted(((root or Path(team.location)) / "heads").glob(
        f"{team.vaults[device].device_id}.*"))


def texts(desk) -> set[str]:  # type: ignore[no-untyped-def]
    return {r.fields.get("what_happened", "") for r in desk.records("diary")}


def test_each_push_leaves_one_signed_head_per_stream(team: Team) -> None:
    a1 = team.desks["a1"]
    for n in range(2):
        a1.add("diary", diary(f"note {n}"))
        team.sync("a1")
    (head,) = heads_of(team, "a1")
    assert head.name.endswith(".0000000002.json")
    doc = json.loads(head.read_bytes())["signed"]
    assert (doc["kind"], doc["seq"], doc["author"]) == ("head", 2, a1.user.id)
    newest = sorted(folder(team, "a1").glob("*.pdk"))[-1]
    assert doc["digest"] == fmt.digest(newest.read_bytes())


class Counting(FolderShare):
    def __init__(self, root: str) -> None:
        super().__init__(root)
        self.listed: list[str] = []

    def list(self, folder: str):  # type: ignore[no-untyped-def]
        self.listed.append(folder)
        return super().list(folder)


def test_a_folder_whose_head_has_not_moved_is_not_listed(team: Team) -> None:
    team.desks["a1"].add("diary", diary("from a1"))
    team.sync_all()
    share = Counting(team.location)
    sync.run_sync(team.desks["a2"], share=share)
    a1_folder = f"devices/{team.vaults['a1'].device_id}"
    assert a1_folder not in share.listed
    team.desks["a1"].add("diary", diary("again"))
    team.sync("a1")
    share.listed.clear()
    sync.run_sync(team.desks["a2"], share=share)
    assert share.listed.count(a1_folder) == 1
    assert texts(team.desks["a2"]) == {"from a1", "again"}


def test_a_late_device_reports_a_cut_short_stream_and_a_removed_folder(
        any_team: tuple[Team, Path]) -> None:
    team, root = any_team
    a1, a2 = team.desks["a1"], team.desks["a2"]
    a2.add("diary", diary("written on a2"))
    team.sync("a2", "a1")  # a1 has now read a2's change 1
    for text in ("first on a1", "second on a1"):
        a1.add("diary", diary(text))
        team.sync("a1")
    newest = sorted(folder(team, "a1", root).glob("*.pdk"))[-1]
    newest.unlink()  # the newest changeset removed
    shutil.rmtree(folder(team, "a2", root))  # and a whole device's folder

    desk, report = sync.enrol(team.device("late"), team.location, "Amira", PASSPHRASE)
    assert texts(desk) == {"first on a1"}
    assert any("Changes 2 to 2" in p and "signed head" in p for p in report.problems)
    assert any("its folder was removed" in p and "1 changes" in p for p in report.problems)

    # The removed folder's head goes too: a1's head still says it had read a2's change.
    for head in heads_of(team, "a2", root):
        head.unlink()
    desk, report = sync.enrol(team.device("later"), team.location, "Amira", PASSPHRASE)
    assert any("had received 1 changes from device" in p and "holds only 0" in p
               for p in report.problems), report.problems


def test_a_newer_format_file_stays_where_it_is_and_is_reported(
        any_team: tuple[Team, Path]) -> None:
    team, root = any_team
    a1 = team.desks["a1"]
    a1.add("diary", diary("readable"))
    team.sync("a1")
    (written,) = sorted(folder(team, "a1", root).glob("*.pdk"))
    doc = json.loads(written.read_bytes())
    doc["signed"] |= {"format": 99, "seq": 2, "future": "something new"}
    newer = written.parent / written.name.replace("0000000001", "0000000002")
    newer.write_bytes(json.dumps(doc).encode())
    before = sorted(p.name for p in root.rglob("*"))

    desk, report = sync.enrol(team.device("late"), team.location, "Amira", PASSPHRASE)
    assert texts(desk) == {"readable"}
    (told,) = [p for p in report.problems if "newer PeerDesk" in p]
    assert "update PeerDesk to read it" in told and newer.name in told
    assert report.quarantined == 0 and newer.exists()
    after = sorted(p.name for p in root.rglob("*"))
    assert set(before) <= set(after) and not (root / "quarantine").exists()
    again = sync.run_sync(desk)  # told once, and still left where it is
    assert not any("newer PeerDesk" in p for p in again.problems) and newer.exists()
