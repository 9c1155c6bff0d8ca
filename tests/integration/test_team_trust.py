"""A team that changes, through the command line: three data folders (the office PC, Amira's
laptop, Grace's laptop) and one share folder. Roles come from signed certificates only; a
new account waits for an administrator; removal and role changes reach every device."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from peerdesk.store.db import DB_NAME
from tests.conftest import run_cli
from tests.helpers.team import cli_team, copy_team

DIARY = {"when": "2026-03-02T10:30", "what_happened": "Went to the allotment group."}


@pytest.fixture(scope="module")
def built_team(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The team as the command line builds it, once a module (about 10 s of real key
    derivation); each test works on a copy of its own (``team``)."""
    return cli_team(tmp_path_factory.mktemp("team"),
                    (("Ida", "admin"), ("Amira", "peer"), ("Tom", "peer"),
                     ("Grace", "coordinator")),
                    (("amira", "Amira"), ("grace", "Grace")))


@pytest.fixture
def team(built_team: Path, tmp_path: Path) -> dict[str, Path]:
    """Three data folders and a share folder of this test's own (a copy of ``built_team``)."""
    copy_team(built_team, tmp_path)
    return {name: tmp_path / name for name in ("office", "amira", "grace", "share")}


def _users(folder: Path) -> dict[str, tuple[str, str]]:
    listed = run_cli(folder, "user", "list", "--json")
    assert listed.code == 0, listed.err
    return {a["name"]: (a["role"], a["status"]) for a in json.loads(listed.out)}


def _share_doc(share: Path, account_id: str) -> dict[str, object]:
    signed: dict[str, object] = json.loads(
        (share / "accounts" / f"{account_id}.json").read_bytes())["signed"]
    return signed


def test_a_role_raised_by_editing_the_database_is_refused_and_named(
        team: dict[str, Path]) -> None:
    office, amira, share = team["office"], team["amira"], team["share"]
    added = run_cli(office, "--user", "Amira", "record", "add", "--kind", "diary", "--file", "-",
                    "--json", stdin=json.dumps(DIARY))
    record_id = json.loads(added.out)["id"]

    conn = sqlite3.connect(office / DB_NAME)
    conn.execute("UPDATE accounts SET role='coordinator' WHERE name='Tom'")
    conn.commit()
    tom_id = conn.execute("SELECT id FROM accounts WHERE name='Tom'").fetchone()[0]
    conn.close()

    assert _users(office)["Tom"] == ("peer", "altered")
    # Amira cannot share a diary with him; he cannot sign in; check and audit verify name him.
    shared = run_cli(office, "--user", "Amira", "record", "share", record_id, "--with", "Tom")
    assert shared.code == 3 and "Tom's account on this computer was changed outside" in shared.err
    tom = run_cli(office, "--user", "Tom", "audit", "export", "--out", str(office / "a.csv"))
    assert tom.code == 4 and "its role reads Peer Worker Coordinator" in tom.err
    assert not (office / "a.csv").exists()
    checked = run_cli(office, "--user", "Amira", "check")
    assert checked.code == 4 and "Tom's account on this computer was changed" in checked.out
    verified = run_cli(office, "audit", "verify")
    assert verified.code == 4 and "Tom's account on this computer was changed" in verified.out

    # The administrator's sync publishes nothing new: the share and the other devices still
    # have Tom as a peer.
    before = (share / "accounts" / f"{tom_id}.json").read_bytes()
    assert run_cli(office, "--user", "Ida", "sync").code == 0
    assert (share / "accounts" / f"{tom_id}.json").read_bytes() == before
    assert run_cli(amira, "--user", "Amira", "sync").code == 0
    assert _users(amira)["Tom"] == ("peer", "active")

    # The administrator puts it right: a new certificate, the role she chooses.
    fixed = run_cli(office, "--user", "Ida", "user", "approve", "Tom", "--role", "peer")
    assert fixed.code == 0, fixed.err
    assert _users(office)["Tom"] == ("peer", "active")
    assert run_cli(office, "audit", "verify").code == 0


def test_an_unapproved_coordinator_is_never_listed_or_trusted_elsewhere(
        team: dict[str, Path]) -> None:
    office, amira, grace, share = team["office"], team["amira"], team["grace"], team["share"]
    added = run_cli(office, "user", "add", "Mallory", "--role", "coordinator", "--json")
    assert added.code == 0
    mallory = json.loads(added.out)
    assert (mallory["role"], mallory["status"]) == ("peer", "pending")
    assert "waiting for an administrator" in run_cli(office, "user", "add", "Nell").out

    # Routine syncs everywhere, the administrator's first: nothing is signed for her.
    for folder, name in ((office, "Ida"), (amira, "Amira"), (grace, "Grace"), (office, "Ida")):
        assert run_cli(folder, "--user", name, "sync").code == 0
    assert not (share / "accounts" / f"{mallory['id']}.json").exists()
    assert "Mallory" not in _users(amira) and "Mallory" not in _users(grace)
    refused = run_cli(office, "--user", "Mallory", "sync")
    assert refused.code == 3 and "waiting for an administrator to approve it" in refused.err
    # Pending, she has no coordinator's powers and nothing is shared with her.
    assert run_cli(office, "--user", "Mallory", "audit", "export", "--out",
                   str(office / "m.csv")).code == 3
    made = run_cli(amira, "--user", "Amira", "record", "add", "--kind", "diary", "--file", "-",
                   "--json", stdin=json.dumps(DIARY))
    record_id = json.loads(made.out)["id"]
    assert run_cli(amira, "--user", "Amira", "record", "share", record_id, "--with",
                   "Mallory").code == 2  # not on Amira's laptop at all

    # Only an administrator approves, and her approval travels.
    assert run_cli(office, "--user", "Tom", "user", "approve", "Mallory").code == 3
    assert run_cli(office, "--user", "Ida", "user", "approve", "Mallory").code == 0
    assert run_cli(office, "--user", "Ida", "sync").code == 0
    doc = _share_doc(share, mallory["id"])
    assert (doc["role"], doc["status"], doc["serial"]) == ("coordinator", "active", 1)
    assert run_cli(amira, "--user", "Amira", "sync").code == 0
    assert _users(amira)["Mallory"] == ("coordinator", "active")


def test_a_removal_and_a_role_change_reach_every_device(team: dict[str, Path]) -> None:
    office, amira, grace = team["office"], team["amira"], team["grace"]
    assert run_cli(office, "--user", "Ida", "user", "remove", "Grace").code == 2  # no --yes
    assert run_cli(office, "--user", "Ida", "user", "remove", "Grace", "--yes").code == 0
    assert run_cli(office, "--user", "Ida", "user", "role", "Tom", "coordinator").code == 0
    assert run_cli(office, "--user", "Ida", "sync").code == 0
    assert run_cli(amira, "--user", "Amira", "sync").code == 0
    assert _users(amira)["Grace"] == ("coordinator", "removed")
    assert _users(amira)["Tom"] == ("coordinator", "active")
    assert "removed" in run_cli(amira, "user", "list").out
    made = run_cli(amira, "--user", "Amira", "record", "add", "--kind", "diary", "--file", "-",
                   "--json", stdin=json.dumps(DIARY))
    record_id = json.loads(made.out)["id"]
    refused = run_cli(amira, "--user", "Amira", "record", "share", record_id, "--with", "Grace")
    assert refused.code == 3 and "removed from the team" in refused.err
    # Her own laptop is refused at its next sync, in one sentence.
    stopped = run_cli(grace, "--user", "Grace", "sync")
    assert stopped.code == 3 and "removed" in stopped.err


def test_a_changed_passphrase_travels_and_the_old_one_stops_enrolling(
        team: dict[str, Path], tmp_path: Path) -> None:
    office, amira, share = team["office"], team["amira"], team["share"]
    new = "walrus jigsaw toffee lantern"
    changed = run_cli(amira, "--user", "Amira", "user", "passwd",
                      env={"PEERDESK_NEW_PASSPHRASE": new})
    assert changed.code == 0, changed.err
    assert run_cli(amira, "--user", "Amira", "sync", passphrase=new).code == 0
    amira_id = _users_ids(amira)["Amira"]
    sealed = json.loads((share / "keys" / f"{amira_id}.json").read_bytes())["signed"]
    kdf = json.loads(sealed["kdf"])
    assert (sealed["serial"], kdf["memory_kib"], kdf["iterations"]) == (2, 256 * 1024, 4)

    # A new computer: the old passphrase no longer enrols it; the new one does.
    tablet = tmp_path / "tablet"
    old = run_cli(tablet, "--user", "Amira", "sync", "--share", str(share))
    assert old.code == 3 and "passphrase is not right" in old.err
    assert run_cli(tablet, "--user", "Amira", "sync", "--share", str(share),
                   passphrase=new).code == 0

    # Her other computer learns it at its next sync (signed in with the old one, still).
    told = run_cli(office, "--user", "Amira", "sync")
    assert told.code == 0 and "passphrase was changed on another computer" in told.out
    assert run_cli(office, "--user", "Amira", "check").code == 3
    assert run_cli(office, "--user", "Amira", "check", passphrase=new).code == 0


def _users_ids(folder: Path) -> dict[str, str]:
    listed = run_cli(folder, "user", "list", "--json")
    return {a["name"]: a["id"] for a in json.loads(listed.out)}


def test_a_second_passphrase_change_travels_too(team: dict[str, Path]) -> None:
    # The share copy of her keys keeps its size from one change to the next (same layout,
    # same length of serial and date): her other computer must still notice each change.
    office, amira = team["office"], team["amira"]
    first, second = "walrus jigsaw toffee lantern", "heron quarry biscuit mandolin"
    assert run_cli(amira, "--user", "Amira", "user", "passwd",
                   env={"PEERDESK_NEW_PASSPHRASE": first}).code == 0
    assert run_cli(amira, "--user", "Amira", "sync", passphrase=first).code == 0
    told = run_cli(office, "--user", "Amira", "sync")
    assert told.code == 0 and "passphrase was changed on another computer" in told.out
    assert run_cli(amira, "--user", "Amira", "user", "passwd", passphrase=first,
                   env={"PEERDESK_NEW_PASSPHRASE": second}).code == 0
    assert run_cli(amira, "--user", "Amira", "sync", passphrase=second).code == 0
    told = run_cli(office, "--user", "Amira", "sync", passphrase=first)
    assert told.code == 0 and "passphrase was changed on another computer" in told.out, told.out
    assert run_cli(office, "--user", "Amira", "check", passphrase=second).code == 0
