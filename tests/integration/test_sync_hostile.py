"""Anyone who can write to the share drops files meant to stop the team's sync for good: each
is set aside (or, with a name PeerDesk never writes, left alone) and reported once, and every
sync after it still brings the team's changes in. Against the folder share and a real Samba
server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from peerdesk.crypto import aead, keystore, payload
from peerdesk.errors import DecryptionFailed
from peerdesk.sync import format as fmt
from tests.helpers.memory_keyring import MemoryKeyring
from tests.helpers.samba import SMB_PASSWORD, SMB_USER, Samba
from tests.helpers.team import Team, diary, make_team


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    t = make_team(tmp_path)
    yield t
    t.close()


def device_folder(share_root: Path, team: Team, device: str) -> Path:
    return share_root / "devices" / team.vaults[device].device_id


def texts(desk) -> set[str]:  # type: ignore[no-untyped-def]
    return {r.fields["what_happened"] for r in desk.records()}


def quarantined(share_root: Path) -> list[Path]:
    return [p for p in (share_root / fmt.QUARANTINE).rglob("*") if p.is_file()]


def hostile_files(team: Team, share_root: Path) -> dict[str, bytes]:
    """After a1's first changeset: a copy of it under a name ending in a newline, a file nested
    100,000 deep under the next number, and a real changeset whose header's number is 5,000
    digits long."""
    folder = device_folder(share_root, team, "a1")
    (first,) = folder.glob("*.pdk")
    author = first.name.split(".")[0]
    huge = first.read_bytes().replace(b'"seq":1,', b'"seq":' + b"9" * 5000 + b",")
    assert huge != first.read_bytes()
    return {f"{author}.0000000002.pdk\n": first.read_bytes(),
            f"{author}.0000000003.pdk": b"[" * 100_000 + b"]" * 100_000,
            f"{author}.0000000004.pdk": huge}


def sync_survives(team: Team, share_root: Path) -> None:
    a1, a2 = team.desks["a1"], team.desks["a2"]
    a1.add("diary", diary("before"))
    team.sync("a1")
    folder = device_folder(share_root, team, "a1")
    for name, data in hostile_files(team, share_root).items():
        (folder / name).write_bytes(data)
    (report,) = team.sync("a2")  # used to end in exit 1 on every device, at every sync
    assert texts(a2) == {"before"}
    assert report.quarantined == 2
    assert sum("moved aside" in p for p in report.problems) == 2
    assert any("nested more than 32 levels deep" in p for p in report.problems)
    assert any("longer than 18 digits" in p for p in report.problems)
    # The newline name is never used as a path: named (escaped) once, left where it is.
    assert any("unsafe name" in p and ".pdk\\n'" in p for p in report.problems)
    assert len(quarantined(share_root)) == 2
    (again,) = team.sync("a2")
    assert again.problems == () and again.quarantined == 0  # told once
    a1.add("diary", diary("after"))
    team.sync("a1", "a2")
    assert texts(a2) == {"before", "after"}  # the team's sync goes on


def test_hostile_files_on_a_folder_share_are_set_aside_and_sync_goes_on(team: Team) -> None:
    sync_survives(team, Path(team.location))


def deep_entries(depth: int) -> list[object]:
    value: object = "deep"
    for _ in range(depth):
        value = [value]
    return [{"t": "v", "r": value}]


def insider_changeset(team: Team, entries: list[object], seq: int) -> bytes:
    """What a team member's own device could write: signed with her real key, sealed for her."""
    a1 = team.desks["a1"]
    author = a1.user.id
    device = team.vaults["a1"].device_id
    team_id = json.loads((Path(team.location) / fmt.MANIFEST).read_bytes())["signed"]["team"]
    header = fmt.Header(team_id, device, author, seq, "")
    return fmt.build_changeset(header, [([(author, a1.keys.public().receive)], entries)],
                               a1.keys)


@pytest.mark.parametrize("entries", [
    deep_entries(900),
    [{"t": "e", "p": "\ud800", "ids": [], "hlc": f"{1:012x}{0:04x}.x"}],
    [{"t": "r", "r": "x" * 36, "rd": "y", "on": True, "hlc": 10**40}],
    [{"t": "v", "r": ["not", "an", "id"]}],
], ids=["deep", "surrogate", "huge-number", "wrong-type"])
def test_a_signed_changeset_with_hostile_content_is_set_aside(team: Team,
                                                              entries: list[object]) -> None:
    team.desks["a1"].add("diary", diary("before"))
    team.sync("a1")
    folder = device_folder(Path(team.location), team, "a1")
    author = team.desks["a1"].user.id
    (folder / f"{author}.0000000002.pdk").write_bytes(insider_changeset(team, entries, 2))
    (report,) = team.sync("a2")
    assert report.quarantined == 1 and texts(team.desks["a2"]) == {"before"}
    assert len(quarantined(Path(team.location))) == 1


def test_record_fields_nested_deep_inside_their_encryption_are_refused() -> None:
    """A record's sealed fields nested 100,000 deep: refused as unreadable when opened."""
    key = aead.new_key()
    blob = payload.seal_fields(key, {"x": "y"}, aad=b"a")
    assert payload.open_fields(key, blob, aad=b"a") == {"x": "y"}
    deep = aead.seal(key, b"[" * 100_000 + b"]" * 100_000, aad=b"a")
    with pytest.raises(DecryptionFailed, match="could not be read"):
        payload.open_fields(key, deep, aad=b"a")


@pytest.mark.smb
def test_hostile_files_on_a_real_samba_share_are_set_aside(samba: Samba,
                                                           tmp_path: Path) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    keystore.save_share_credentials("127.0.0.1", samba.port, SMB_USER, SMB_PASSWORD)
    team = make_team(tmp_path, location=f"smb://127.0.0.1:{samba.port}/share/hostile")
    try:
        share_root = samba.root / "hostile"
        a1, a2 = team.desks["a1"], team.desks["a2"]
        a1.add("diary", diary("before"))
        team.sync("a1")
        folder = device_folder(share_root, team, "a1")
        files = hostile_files(team, share_root)
        for name, data in files.items():
            (folder / name).write_bytes(data)
        (report,) = team.sync("a2")
        assert texts(a2) == {"before"}
        # Over SMB the newline name is shown mangled, or not at all; the other two are set
        # aside either way.
        assert sum("moved aside" in p for p in report.problems) >= 2
        assert any("nested more than 32 levels deep" in p for p in report.problems)
        (again,) = team.sync("a2")
        assert again.quarantined == 0
        a1.add("diary", diary("after"))
        team.sync("a1", "a2")
        assert texts(a2) == {"before", "after"}
    finally:
        team.close()
        keyring.set_keyring(previous)
