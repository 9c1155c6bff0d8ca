"""Someone who can write to the share tries their luck: every bad file is set aside or refused
with a clear message, once, and nothing else is disturbed."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from peerdesk.clock import utcnow
from peerdesk.crypto.keys import UserKeys
from peerdesk.domain import Role
from peerdesk.errors import NotFound
from peerdesk.services import sync
from peerdesk.services.desk import sign_in
from peerdesk.store.models import AccountRow, Setting
from peerdesk.sync import certs
from peerdesk.sync import format as fmt
from peerdesk.sync.engine import AdminKeyChanged, write_manifest
from peerdesk.sync.share import FolderShare, UnsafePath
from tests.conftest import PASSPHRASE
from tests.helpers.team import Team, diary, make_team


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    t = make_team(tmp_path)
    yield t
    t.close()


def folder_of(team: Team, device: str) -> Path:
    return Path(team.location) / "devices" / team.vaults[device].device_id


def changesets(team: Team, device: str) -> list[Path]:
    return sorted(folder_of(team, device).glob("*.pdk"))


def quarantined(team: Team) -> list[Path]:
    return [p for p in (Path(team.location) / "quarantine").rglob("*") if not p.is_dir()]


def texts(desk) -> set[str]:  # type: ignore[no-untyped-def]
    return {r.fields["what_happened"] for r in desk.records()}


def two_changesets(team: Team) -> tuple[Path, Path]:
    a1 = team.desks["a1"]
    a1.add("diary", diary("first changeset"))
    team.sync("a1")
    a1.add("diary", diary("second changeset"))
    team.sync("a1")
    first, second = changesets(team, "a1")
    return first, second


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_a_damaged_changeset_is_set_aside_and_sent_again(team: Team, damage: str) -> None:
    first, _ = two_changesets(team)
    data = bytearray(first.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x01
        first.write_bytes(bytes(data))
    else:
        first.write_bytes(bytes(data[: len(data) // 2]))
    (report,) = team.sync("a2")
    assert report.quarantined == 1
    assert any("failed its checks and was moved aside" in p for p in report.problems)
    assert texts(team.desks["a2"]) == {"second changeset"}  # the rest of the sync went on
    assert len(quarantined(team)) == 1 and not first.exists()
    (again,) = team.sync("a2")
    assert again.problems == ()  # reported once
    (writer,) = team.sync("a1")
    assert any("sent again" in p for p in writer.problems)
    team.sync("a2")
    assert texts(team.desks["a2"]) == {"first changeset", "second changeset"}


def forged_changeset(team: Team, *, author: str, keys: UserKeys, device: str) -> bytes:
    with team.vaults["a2"].store.transaction() as s:
        amira = s.query(AccountRow).filter_by(name="Amira").one()
        reader = (amira.id, amira.receive_public)
    with team.vaults["a2"].store.transaction() as s:
        team_id = s.get(Setting, "share_team_id").value
    header = fmt.Header(team_id, device, author, 1, "")
    entry = {"t": "v", "r": str(uuid.uuid4()), "k": "diary", "a": author, "p": None,
             "c": utcnow().isoformat(), "vid": "x", "hlc": f"{1:012x}{0:04x}.{device}",
             "dev": device, "par": [], "at": utcnow().isoformat(), "tomb": True,
             "suite": "aes256gcm", "ct": None, "pct": None, "w": []}
    return fmt.build_changeset(header, [([reader], [entry])], keys)


@pytest.mark.parametrize("who", ["stranger", "impostor"])
def test_a_changeset_signed_by_an_unknown_key_is_refused(team: Team, who: str) -> None:
    amira_id = team.desks["a1"].user.id
    device = str(uuid.uuid4())
    author = str(uuid.uuid4()) if who == "stranger" else amira_id
    data = forged_changeset(team, author=author, keys=UserKeys.generate(), device=device)
    folder = Path(team.location) / "devices" / device
    folder.mkdir(parents=True)
    (folder / f"{author}.{1:010d}.pdk").write_bytes(data)
    (report,) = team.sync("a2")
    assert report.quarantined == 1 and report.pulled == 0
    reason = "has not added" if who == "stranger" else "signature does not match"
    assert any(reason in p for p in report.problems)
    assert team.desks["a2"].records() == []


def test_a_forged_coordinator_account_is_refused(team: Team) -> None:
    mallory = UserKeys.generate()
    forged_id = str(uuid.uuid4())
    with team.vaults["office"].store.transaction() as s:
        grace = s.query(AccountRow).filter_by(name="Grace").one()
        team_id = s.get(Setting, "share_team_id").value
        fake = AccountRow(id=forged_id, name="Mallory", role="coordinator",
                          created_at=utcnow(), kdf=grace.kdf, secrets=b"x" * 64,
                          receive_public=mallory.public().receive,
                          verify_public=mallory.public().verify, failed_attempts=0)
        forged = certs.issue(fake, team_id=team_id, role=Role.COORDINATOR, status="active",
                             serial=1, issuer_id=forged_id, sign=mallory.sign, now=utcnow())
    accounts = Path(team.location) / "accounts"
    (accounts / f"{forged_id}.json").write_bytes(forged)
    (report,) = team.sync("a1")
    assert report.quarantined == 1
    assert any("not signed by this team's administrator" in p for p in report.problems)
    assert "Mallory" not in {a.name for a in team.vaults["a1"].accounts()}
    rec = team.desks["a1"].add("diary", diary("for supervision"))
    with pytest.raises(NotFound):
        team.desks["a1"].share(rec.id, "Mallory")


def test_a_replaced_manifest_stops_sync_before_anything_is_read(team: Team) -> None:
    team.desks["a1"].add("diary", diary("untouched"))
    manifest = Path(team.location) / fmt.MANIFEST
    fmt_share = FolderShare(team.location)
    fake_admin = UserKeys.generate()
    write_manifest(fmt_share, team_id=str(uuid.uuid4()), name="Team North",
                   admin_id=str(uuid.uuid4()), keys=fake_admin, now=utcnow())
    assert manifest.exists()
    with pytest.raises(AdminKeyChanged, match="not the one this computer trusts"):
        team.sync("a1")
    assert texts(team.desks["a1"]) == {"untouched"}


def test_names_that_escape_the_folder_are_never_followed(team: Team, tmp_path: Path) -> None:
    two_changesets(team)
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text("not for the share")
    folder = folder_of(team, "a1")
    amira = team.desks["a1"].user.id
    (folder / "..\\..\\..\\outside\\evil.pdk").write_bytes(b"{}")
    (folder / f"{amira}.{50:010d}.pdk").symlink_to(secret)
    (Path(team.location) / "devices" / "..%2f..%2fetc").mkdir()
    (report,) = team.sync("a2")
    assert any("unsafe name" in p for p in report.problems)
    assert any("not a plain file" in p for p in report.problems)
    assert secret.read_text() == "not for the share"
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert texts(team.desks["a2"]) == {"first changeset", "second changeset"}
    assert not (folder / f"{amira}.{50:010d}.pdk").is_symlink()  # the link itself moved aside


class ReadLog(FolderShare):
    def __init__(self, root: str) -> None:
        super().__init__(root)
        self.read_paths: list[str] = []

    def read(self, path: str, *, max_size: int) -> bytes:
        self.read_paths.append(path)
        return super().read(path, max_size=max_size)


def test_a_2_gb_file_is_refused_without_being_read(team: Team) -> None:
    two_changesets(team)
    amira = team.desks["a1"].user.id
    huge = folder_of(team, "a1") / f"{amira}.{3:010d}.pdk"
    with open(huge, "wb") as f:
        f.truncate(2 * 1024**3)  # sparse: costs no disk
    share = ReadLog(team.location)
    report = sync.run_sync(team.desks["a2"], share=share)
    assert report.quarantined == 1
    assert any("too large" in p for p in report.problems)
    assert not any(p.endswith(huge.name) for p in share.read_paths)
    assert texts(team.desks["a2"]) == {"first changeset", "second changeset"}


def test_a_removed_or_rolled_back_changeset_is_noticed(team: Team) -> None:
    first, second = two_changesets(team)
    team.sync("a2")
    backup = second.read_bytes()
    second.unlink()  # an older copy of the folder put back
    # An old changeset put back under a newer number is a replay.
    (second.parent / second.name.replace("0000000002", "0000000003")).write_bytes(
        first.read_bytes())
    (report,) = team.sync("a2")
    # a2 holds change 2 already and a1's signed head says 2: nothing new, nothing listed.
    assert report.problems == ()
    assert texts(team.desks["a2"]) == {"first changeset", "second changeset"}  # nothing lost
    # A computer that has not read it yet is told, from a1's signed head.
    desk, report = sync.enrol(team.device("late"), team.location, "Amira", PASSPHRASE)
    assert any("Changes 2 to 2" in p and "signed head" in p for p in report.problems)
    assert any("does not match its content" in p for p in report.problems)
    assert texts(desk) == {"first changeset"}
    second.write_bytes(backup)


def test_a_temp_file_from_a_crashed_writer_is_ignored_then_cleaned(team: Team) -> None:
    two_changesets(team)
    temp = folder_of(team, "a1") / ".tmp-0123456789abcdef"
    temp.write_bytes(b"half a changes")
    (report,) = team.sync("a2")
    assert report.problems == () and report.quarantined == 0
    team.sync("a1")
    assert not temp.exists()


def test_a_changeset_carrying_someone_elses_record_is_refused(team: Team) -> None:
    grace = team.desks["office"]
    device = str(uuid.uuid4())
    data = forged_changeset(team, author=grace.user.id, keys=grace.keys, device=device)
    # Re-sign so the signature is right but the version claims another author.
    signed, _ = fmt.parse_doc(data, "changeset")
    folder = Path(team.location) / "devices" / device
    folder.mkdir(parents=True)
    header = fmt.read_header(signed)
    entry = {"t": "v", "r": str(uuid.uuid4()), "k": "diary", "a": team.desks["a1"].user.id,
             "p": None, "c": utcnow().isoformat(), "vid": "x",
             "hlc": f"{1:012x}{0:04x}.{device}", "dev": device, "par": [],
             "at": utcnow().isoformat(), "tomb": True, "suite": "aes256gcm", "ct": None,
             "pct": None, "w": []}
    with team.vaults["a2"].store.transaction() as s:
        amira = s.query(AccountRow).filter_by(name="Amira").one()
        reader = (amira.id, amira.receive_public)
    (folder / f"{grace.user.id}.{1:010d}.pdk").write_bytes(
        fmt.build_changeset(header, [([reader], [entry])], grace.keys))
    (report,) = team.sync("a2")
    assert report.quarantined == 1
    assert any("written by someone else" in p for p in report.problems)
    assert team.desks["a2"].records() == []


def test_quarantine_never_reaches_outside_the_share(team: Team) -> None:
    first, _ = two_changesets(team)
    first.write_bytes(b"garbage")
    team.sync("a2")
    for path in quarantined(team):
        assert Path(team.location) in path.parents
    shutil.rmtree(Path(team.location) / "quarantine")
    assert os.listdir(Path(team.location))


def test_an_older_signed_account_put_back_is_ignored(team: Team) -> None:
    ida = sign_in(team.vaults["office"], "Ida", "a long enough passphrase")
    with team.vaults["office"].store.transaction() as s:
        row = s.query(AccountRow).filter_by(name="Amira").one()
        team_id = s.get(Setting, "share_team_id").value
        # What an old copy might have said (made up for the test): a coordinator.
        copy = AccountRow(id=row.id, name=row.name, role="coordinator", created_at=row.created_at,
                          kdf=row.kdf, secrets=row.secrets, receive_public=row.receive_public,
                          verify_public=row.verify_public, failed_attempts=0)
        old = certs.issue(copy, team_id=team_id, role=Role.COORDINATOR, status="active",
                          serial=0, issuer_id=ida.user.id, sign=ida.keys.sign,
                          now=utcnow() - timedelta(days=30))
    team.sync("a1")  # a1 has seen the current copy
    (Path(team.location) / "accounts" / f"{copy.id}.json").write_bytes(old)
    (report,) = team.sync("a1")
    assert any("older copy of an account" in p for p in report.problems)
    assert team.vaults["a1"].account("Amira").role.value == "peer"


def test_a_folder_on_the_share_linked_to_elsewhere_is_never_followed(team: Team,
                                                                      tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    bait = elsewhere / f"{uuid.uuid4()}.json"
    bait.write_text("{}")
    accounts = Path(team.location) / "accounts"
    shutil.move(accounts, tmp_path / "real-accounts")
    accounts.symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(UnsafePath, match="leads outside it"):
        team.sync("a1")
    assert bait.read_text() == "{}" and sorted(elsewhere.iterdir()) == [bait]
    assert not (Path(team.location) / "quarantine").exists()
