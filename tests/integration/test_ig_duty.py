"""The information governance (IG) duty, signed on the share: an administrator grants it in an
account's certificate, and only an account whose certificate holds it opens care records from
the team share with the trust recovery key. Four computers and a share (folder and real Samba):
the office (Ida, administrator; Grace, coordinator), Amira's two laptops, Tom's laptop, and the
laptop of Iris, the trust's IG officer, who does no peer work at all (an administrator's
account). A duty written into the database, or a role raised there, grants nothing."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import x25519

from peerdesk import audit
from peerdesk.domain import Kind
from peerdesk.errors import NotAllowed
from peerdesk.services import governance as gov
from peerdesk.services import igrecovery, sync
from peerdesk.store.db import DB_NAME
from peerdesk.sync import format as fmt
from tests.conftest import CliResult, run_cli
from tests.helpers.recovery import trust_key
from tests.helpers.samba import SMB_PASSWORD, SMB_USER
from tests.helpers.team import Team, team_on

REASON = "Amira has left and her laptop was never returned; Jo's plan is due for review."
REFUSED = ("Only someone an administrator has given the information governance duty can open "
           "records from the team share with the trust recovery key.")


@pytest.fixture
def key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> x25519.X25519PrivateKey:
    trust = trust_key(tmp_path)
    monkeypatch.setenv("PEERDESK_POLICY", str(trust.policy))
    return trust.key


@pytest.fixture(params=["folder", pytest.param("samba", marks=pytest.mark.smb)])
def team(request: pytest.FixtureRequest, tmp_path: Path,
         key: x25519.X25519PrivateKey) -> Iterator[Team]:
    made = team_on(request, tmp_path)
    made.join("t1", "Tom", "peer")
    made.join("ig1", "Iris", "admin")
    yield made
    made.close()


def _on_share(team: Team, account_id: str) -> dict[str, object]:
    share = sync.open_share(team.location)
    signed: dict[str, object] = json.loads(
        share.read(f"accounts/{account_id}.json", max_size=fmt.MAX_SMALL_FILE))["signed"]
    return signed


def test_only_a_signed_ig_duty_opens_a_leavers_records_and_everyone_concerned_is_told(
        team: Team, key: x25519.X25519PrivateKey) -> None:
    a1, grace, tom, iris = (team.desks[n] for n in ("a1", "office", "t1", "ig1"))
    person = a1.add(Kind.PERSON, {"label": "Jo"})
    plan = a1.add(Kind.CRISIS_PLAN, {"sections": {"contacts": "My sister first."}},
                  person_id=person.id)
    team.sync("a1", "office")
    lost = team.vaults["a1"].device_id  # Amira's laptop never comes back

    # Nobody without the signed duty: a peer, a coordinator, an administrator.
    for someone in (tom, grace, iris):
        with pytest.raises(NotAllowed) as refused:
            igrecovery.open_device(someone, lost, recovery_key=key, reason=REASON)
        assert str(refused.value) == REFUSED
    with pytest.raises(NotAllowed, match="information governance duty"):
        igrecovery.computers_on_share(iris)

    team.grant_ig("Iris")
    doc = _on_share(team, iris.user.id)
    assert (doc["duties"], doc["format"], doc["role"]) == (["ig"], fmt.DUTIES_FORMAT, "admin")
    # Iris's computer has not seen the new certificate yet: still refused.
    with pytest.raises(NotAllowed, match="information governance duty"):
        igrecovery.open_device(iris, lost, recovery_key=key, reason=REASON)
    team.sync("ig1")
    assert gov.holds_ig_duty(team.vaults["ig1"], iris.user.id)
    # The lost laptop found by whose it was, from the share's file names alone.
    found = {c.device_id: c.authors for c in igrecovery.computers_on_share(iris)}
    assert found[lost] == ("Amira",)
    opened = {r.id: r for r in igrecovery.open_device(iris, lost, recovery_key=key,
                                                      reason=REASON)}
    assert opened[plan.id].fields["sections"] == {"contacts": "My sister first."}
    assert opened[person.id].fields["label"] == "Jo"

    # The author on her other laptop hears of it with the reason; the coordinator at the
    # office hears of it (without the reason); Tom hears nothing.
    team.sync("ig1", "a2", "office", "t1")
    seen = gov.access_to_my_records(team.desks["a2"])
    assert {(e.who, e.action, e.record_id, e.reason, e.elsewhere) for e in seen} == {
        ("Iris", audit.BREAK_GLASS, plan.id, REASON, True),
        ("Iris", audit.BREAK_GLASS, person.id, REASON, True)}
    told = gov.access_to_my_records(grace)
    assert {(e.who, e.action, e.record_id, e.elsewhere) for e in told} == {
        ("Iris", audit.BREAK_GLASS, plan.id, True),
        ("Iris", audit.BREAK_GLASS, person.id, True)}
    assert gov.access_to_my_records(tom) == []

    # Taken away: her next sync learns it, and she is refused again.
    team.grant_ig("Iris", grant=False)
    doc = _on_share(team, iris.user.id)
    assert "duties" not in doc and doc["format"] < fmt.DUTIES_FORMAT
    team.sync("ig1")
    with pytest.raises(NotAllowed, match="information governance duty"):
        igrecovery.open_device(iris, lost, recovery_key=key, reason=REASON)


def test_a_peer_cannot_hold_the_duty_and_a_role_change_to_peer_ends_it(
        team: Team, key: x25519.X25519PrivateKey) -> None:
    from peerdesk.errors import InvalidInput
    from peerdesk.services import membership
    from peerdesk.services.desk import sign_in
    from tests.conftest import PASSPHRASE

    ida = sign_in(team.vaults["office"], "Ida", PASSPHRASE)
    with pytest.raises(InvalidInput, match="Tom is a Peer support worker: the information"):
        membership.grant_ig(ida, "Tom")
    with pytest.raises(NotAllowed):  # only an administrator grants it
        membership.grant_ig(team.desks["office"], "Grace")
    membership.grant_ig(ida, "Grace")
    assert gov.ig_holders(team.vaults["office"]) == {team.desks["office"].user.id}
    membership.set_role(ida, "Grace", "peer")
    assert gov.ig_holders(team.vaults["office"]) == frozenset()
    membership.set_role(ida, "Grace", "coordinator")  # the duty does not come back with it
    assert gov.ig_holders(team.vaults["office"]) == frozenset()
    ida.lock()


def test_an_older_peerdesk_leaves_a_certificate_with_a_duty_where_it_is(
        team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    iris = team.desks["ig1"].user.id
    team.sync("a2")  # Amira's laptop knows Iris, an administrator
    team.grant_ig("Iris")
    before = _on_share(team, iris)
    # A PeerDesk from before duties reads account certificates up to format 4.
    monkeypatch.setattr(fmt, "DUTIES_FORMAT", fmt.SUCCEEDED_FORMAT)
    (report,) = team.sync("a2")
    assert any(f"share format {fmt.SUCCEEDED_FORMAT + 1}" in p and "left where it is" in p
               for p in report.problems), report.problems
    assert report.quarantined == 0 and _on_share(team, iris) == before
    held = {a.name: (a.role.value, a.status) for a in team.vaults["a2"].accounts()}
    assert held["Iris"] == ("admin", "active")  # her earlier certificate, without the duty


# -- through the command line: a database edit grants nothing ----------------------------------

@pytest.fixture(params=["folder", pytest.param("samba", marks=pytest.mark.smb)])
def cli_office(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, dict[str, str], Path]:
    """The office PC through the command line (Ida, Amira, Grace) and a share: a folder, or the
    real Samba server (its password given to each CLI child in its environment)."""
    trust = trust_key(tmp_path)
    env, key_file = trust.env, trust.file
    location = str(tmp_path / "share")
    if request.param == "samba":
        samba = request.getfixturevalue("samba")
        location = f"smb://127.0.0.1:{samba.port}/share/ig-{tmp_path.name}"
        env |= {"PEERDESK_SHARE_USERNAME": SMB_USER, "PEERDESK_SHARE_PASSWORD": SMB_PASSWORD}
    office = tmp_path / "office"
    assert run_cli(office, "init", env=env).code == 0
    for name, role in (("Ida", "admin"), ("Amira", "peer"), ("Grace", "coordinator")):
        assert run_cli(office, "user", "add", name, "--role", role, env=env).code == 0
    for name in ("Amira", "Grace"):
        assert run_cli(office, "--user", "Ida", "user", "approve", name, env=env).code == 0
    made = run_cli(office, "--user", "Ida", "share", "init", location, env=env)
    assert made.code == 0, made.err
    return office, env, key_file


def _recover(office: Path, env: dict[str, str], key_file: Path, who: str,
             device: str) -> CliResult:
    return run_cli(office, "--user", who, "recover-device", device, "--recovery-key",
                   str(key_file), "--reason", REASON, env=env)


def test_a_duty_written_into_the_database_grants_nothing(
        cli_office: tuple[Path, dict[str, str], Path]) -> None:
    office, env, key_file = cli_office
    added = run_cli(office, "--user", "Amira", "person", "add", "--label", "Jo", env=env)
    assert added.code == 0 and run_cli(office, "--user", "Amira", "sync", env=env).code == 0
    with sqlite3.connect(office / DB_NAME) as conn:
        device = str(conn.execute("SELECT value FROM settings WHERE key='device_id'")
                     .fetchone()[0])
        grace_id, cert = conn.execute(
            "SELECT id, certificate FROM accounts WHERE name='Grace'").fetchone()

    refused = _recover(office, env, key_file, "Grace", device)
    assert (refused.code, refused.err.strip()) == (3, f"peerdesk: {REFUSED}")

    # Someone with the data folder writes the duty into Grace's certificate (and the format
    # that carries it), then raises her role column instead: each is refused in one sentence.
    doc = json.loads(cert)
    doc["signed"] |= {"duties": ["ig"], "format": fmt.DUTIES_FORMAT}
    forged = json.dumps(doc).encode()
    for change, args, why in (
            ("UPDATE accounts SET certificate=? WHERE id=?", (forged, grace_id),
             "its certificate fails its checks (its signature does not match)"),
            ("UPDATE accounts SET certificate=?, role='admin' WHERE id=?", (cert, grace_id),
             "its role reads Administrator, but its signed certificate says Peer Worker "
             "Coordinator")):
        with sqlite3.connect(office / DB_NAME) as conn:
            conn.execute(change, args)
        refused = _recover(office, env, key_file, "Grace", device)
        assert refused.code == 4
        assert refused.err.strip() == (
            f"peerdesk: Grace's account on this computer was changed outside PeerDesk: {why}. It cannot "
            "be used until an administrator approves it again.")
        assert "Opened" not in refused.out
    listed = json.loads(run_cli(office, "user", "list", "--json", env=env).out)
    assert {a["name"]: a["duties"] for a in listed}["Grace"] == []

    # The administrator puts her right and grants the duty, signed: now it opens.
    assert run_cli(office, "--user", "Ida", "user", "approve", "Grace", "--role",
                   "coordinator", env=env).code == 0
    peer = run_cli(office, "--user", "Ida", "user", "grant-ig", "Amira", env=env)
    assert peer.code == 2 and "goes with a Peer Worker Coordinator's" in peer.err
    granted = run_cli(office, "--user", "Ida", "user", "grant-ig", "Grace", env=env)
    assert granted.code == 0, granted.err
    listing = run_cli(office, "user", "list", env=env).out
    assert "Grace\tPeer Worker Coordinator, information governance" in listing
    opened = _recover(office, env, key_file, "Grace", device)
    assert opened.code == 0, opened.err
    assert opened.out.startswith("Opened 1 record that device sent to the team share")
