"""The team's root administrator changes, through the command line: three data folders (the
office PC where Ida made the team, Sam's laptop, Amira's laptop), one share folder, and a
fourth computer that joins afterwards and checks everything from the manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peerdesk.clock import utcnow
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in
from peerdesk.sync import certs, succession
from tests.conftest import LIGHT_KDF, PASSPHRASE, run_cli
from tests.helpers.team import cli_team, copy_team


@pytest.fixture(scope="module")
def built_team(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The team as the command line builds it, once a module (seconds of real key
    derivation); each test works on a copy of its own (``team``)."""
    return cli_team(tmp_path_factory.mktemp("team"),
                    (("Ida", "admin"), ("Sam", "admin"), ("Amira", "peer")),
                    (("sam", "Sam"), ("amira", "Amira")))


@pytest.fixture
def team(built_team: Path, tmp_path: Path) -> dict[str, Path]:
    copy_team(built_team, tmp_path)
    return {name: tmp_path / name for name in ("office", "sam", "amira", "share")}


def _users(folder: Path) -> dict[str, tuple[str, str, bool]]:
    listed = run_cli(folder, "user", "list", "--json")
    assert listed.code == 0, listed.err
    return {a["name"]: (a["role"], a["status"], a["root"]) for a in json.loads(listed.out)}


def _ids(folder: Path) -> dict[str, str]:
    return {a["name"]: a["id"] for a in json.loads(run_cli(folder, "user", "list",
                                                           "--json").out)}


def _sync(folder: Path, user: str) -> str:
    done = run_cli(folder, "--user", user, "sync")
    assert done.code == 0, done.err
    return done.out


def test_the_root_hands_over_is_removed_and_a_later_computer_checks_it_all(
        team: dict[str, Path], tmp_path: Path) -> None:
    office, sam, amira, share = team["office"], team["sam"], team["amira"], team["share"]
    refused = run_cli(sam, "--user", "Sam", "user", "remove", "Ida", "--yes")
    assert refused.code == 3 and "Ida is the team's root administrator" in refused.err
    demoted = run_cli(sam, "--user", "Sam", "user", "role", "Ida", "peer")
    assert demoted.code == 3 and "root administrator stays an administrator" in demoted.err
    # A pending account shows the role it asked for; approval starts from it.
    assert run_cli(office, "user", "add", "Olive", "--role", "coordinator").code == 0
    assert "Olive\twaiting for approval, asking to be Peer Worker Coordinator" in run_cli(
        office, "user", "list").out
    asked = json.loads(run_cli(office, "user", "list", "--json").out)
    assert [(a["role"], a["asked"]) for a in asked if a["name"] == "Olive"] == [
        ("peer", "coordinator")]
    assert run_cli(office, "--user", "Ida", "user", "approve", "Olive").code == 0
    assert _users(office)["Olive"] == ("coordinator", "active", False)
    # Only the root hands over, and only to an active administrator.
    assert run_cli(sam, "--user", "Sam", "user", "hand-over-root", "Sam").code == 3
    to_peer = run_cli(office, "--user", "Ida", "user", "hand-over-root", "Amira")
    assert to_peer.code == 2 and "must be an active administrator first" in to_peer.err

    handed = run_cli(office, "--user", "Ida", "user", "hand-over-root", "Sam")
    assert handed.code == 0, handed.err
    assert _users(office)["Sam"] == ("admin", "active", True)
    assert _users(office)["Ida"] == ("admin", "active", False)
    _sync(office, "Ida")
    steps = sorted(p.name for p in (share / "succession").iterdir())
    ids = _ids(office)
    assert steps == [f"0000000001.{ids['Ida']}.json"]

    told = _sync(sam, "Sam")
    assert "'Sam' is now the team's root administrator (handed over" in told
    removed = run_cli(sam, "--user", "Sam", "user", "remove", "Ida", "--yes")
    assert removed.code == 0, removed.err
    assert run_cli(sam, "user", "add", "Nell", "--role", "coordinator").code == 0
    approved = run_cli(sam, "--user", "Sam", "user", "approve", "Nell")
    assert approved.code == 0, approved.err
    _sync(sam, "Sam")
    nell = json.loads((share / "accounts" / f"{_ids(sam)['Nell']}.json").read_bytes())["signed"]
    assert (nell["issuer"], nell["format"], nell["role"]) == (ids["Sam"], 4, "coordinator")
    # What Ida had signed is Sam's now: Amira's certificate, and Sam's own.
    amira_cert = json.loads((share / "accounts" / f"{ids['Amira']}.json").read_bytes())
    assert amira_cert["signed"]["issuer"] == ids["Sam"]

    out = _sync(amira, "Amira")
    assert "failed its checks" not in out
    after = _users(amira)
    assert after["Ida"][1] == "removed" and after["Sam"] == ("admin", "active", True)
    assert after["Nell"] == ("coordinator", "active", False)
    stopped = run_cli(office, "--user", "Ida", "sync")
    assert stopped.code == 3 and "removed" in stopped.err

    # A fourth computer, afterwards: only the manifest's key to start from.
    tablet = tmp_path / "tablet"
    joined = run_cli(tablet, "--user", "Nell", "sync", "--share", str(share))
    assert joined.code == 0, joined.err
    assert "failed its checks" not in joined.out
    assert _users(tablet) == {"Ida": ("admin", "removed", False),
                              "Sam": ("admin", "active", True),
                              "Amira": ("peer", "active", False),
                              "Olive": ("coordinator", "active", False),
                              "Nell": ("coordinator", "active", False)}
    assert not (share / "quarantine").exists()


def _keys(folder: Path, name: str):  # type: ignore[no-untyped-def]
    vault = Vault(folder, kdf_params=LIGHT_KDF)
    try:
        desk = sign_in(vault, name, PASSPHRASE)
        with vault.store.begin() as conn:
            found = certs.anchor(conn)
            mine = certs.standings(conn)[desk.user.id].cert
        return desk.keys, found, mine, desk.user.id
    finally:
        vault.close()


def test_a_forged_or_replayed_succession_is_refused_and_reported(
        team: dict[str, Path]) -> None:
    office, sam, amira, share = team["office"], team["sam"], team["amira"], team["share"]
    ids = _ids(office)
    keys, anchor, amira_cert, _ = _keys(amira, "Amira")
    assert anchor is not None and amira_cert is not None
    folder = share / "succession"
    folder.mkdir()
    # Amira, a peer with share access, writes that Ida handed over to her: signed by Amira.
    forged = succession.build(
        team_id=anchor.team_id, n=1, prev="", from_id=ids["Ida"], from_key=anchor.key,
        to_id=ids["Amira"], to_key=keys.public().verify, how=succession.HAND_OVER,
        now=utcnow(), sign=keys.sign)
    (folder / f"0000000001.{ids['Ida']}.json").write_bytes(forged)
    # And that she took over, with her peer's certificate as proof.
    taken = succession.build(
        team_id=anchor.team_id, n=1, prev="", from_id=ids["Ida"], from_key=anchor.key,
        to_id=ids["Amira"], to_key=keys.public().verify, how=succession.TAKE_OVER,
        now=utcnow(), sign=keys.sign, proof=[amira_cert.raw])
    (folder / f"0000000001.{ids['Amira']}.json").write_bytes(taken)
    out = _sync(sam, "Sam")
    assert ("moved aside (it is not signed by the root administrator it hands over from — it "
            "was not taken as a change of root administrator)") in out
    assert "moved aside (the one taking over was not an active administrator" in out
    assert _users(sam)["Ida"][2] and not _users(sam)["Amira"][2]
    assert not list(folder.iterdir())

    # The genuine hand-over to Sam; then Ida, no longer root, signs another to Amira, and
    # someone puts a copy of the first back as if it were the second.
    assert run_cli(office, "--user", "Ida", "user", "hand-over-root", "Sam").code == 0
    _sync(office, "Ida")
    first = (folder / f"0000000001.{ids['Ida']}.json").read_bytes()
    ida_keys, _, _, _ = _keys(office, "Ida")
    again = succession.build(
        team_id=anchor.team_id, n=2, prev=succession.parse(first).digest, from_id=ids["Ida"],
        from_key=ida_keys.public().verify, to_id=ids["Amira"], to_key=keys.public().verify,
        how=succession.HAND_OVER, now=utcnow(), sign=ida_keys.sign)
    (folder / f"0000000002.{ids['Ida']}.json").write_bytes(again)
    (folder / f"0000000002.{ids['Sam']}.json").write_bytes(first)
    out = _sync(amira, "Amira")
    assert "hands over from someone who was not the root administrator then" in out
    assert f"its name does not match its content): succession/0000000002.{ids['Sam']}" in out
    users = _users(amira)
    assert users["Sam"][2] and not users["Amira"][2] and not users["Ida"][2]
    assert sorted(p.name for p in folder.iterdir()) == [f"0000000001.{ids['Ida']}.json"]


def test_an_administrator_takes_over_from_a_root_gone_for_good(
        team: dict[str, Path], tmp_path: Path) -> None:
    office, sam, amira, share = team["office"], team["sam"], team["amira"], team["share"]
    assert run_cli(amira, "--user", "Amira", "user", "take-over-root", "--yes").code == 3
    unconfirmed = run_cli(sam, "--user", "Sam", "user", "take-over-root")
    assert unconfirmed.code == 2 and "--yes" in unconfirmed.err
    taken = run_cli(sam, "--user", "Sam", "user", "take-over-root", "--yes")
    assert taken.code == 0, taken.err
    assert "Ida was removed" in taken.out
    _sync(sam, "Sam")
    assert run_cli(sam, "user", "add", "Nell").code == 0
    assert run_cli(sam, "--user", "Sam", "user", "approve", "Nell").code == 0
    _sync(sam, "Sam")

    out = _sync(amira, "Amira")
    assert "'Sam' is now the team's root administrator (taken over" in out
    users = _users(amira)
    assert users["Ida"][1] == "removed" and users["Sam"][2] and users["Nell"][1] == "active"
    stopped = run_cli(office, "--user", "Ida", "sync")
    assert stopped.code == 3 and "removed" in stopped.err
    tablet = tmp_path / "tablet"
    assert run_cli(tablet, "--user", "Nell", "sync", "--share", str(share)).code == 0
    assert _users(tablet)["Sam"] == ("admin", "active", True)
    assert _users(tablet)["Ida"][1] == "removed"
