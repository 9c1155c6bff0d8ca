"""What the trust recovery key opens from the team share alone: a version written where the
machine policy names the recovery key is wrapped for it, and since this version of PeerDesk the
section that carries it on the share is sealed for that key too, so IG can read the care records
of a laptop that never comes back with the share and the key (kept offline) and nothing else.
Only the share's files are read here: no device's data folder."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

from peerdesk import audit
from peerdesk.config import recovery_reader_id
from peerdesk.crypto.keys import UserKeys
from peerdesk.crypto.payload import SealedVersion, open_with_key
from peerdesk.domain import Kind
from peerdesk.errors import InvalidInput, NotAllowed
from peerdesk.services import governance as gov
from peerdesk.services import handover, igrecovery, sar
from peerdesk.sync import changes, engine
from peerdesk.sync import format as fmt
from peerdesk.sync.changes import VersionChange
from tests.conftest import find_marker
from tests.helpers.recovery import trust_key
from tests.helpers.team import Team, make_team


def _opened_from_share(share: Path, device: str, key: x25519.X25519PrivateKey,
                       verify_keys: dict[str, bytes]) -> dict[str, dict[str, object]]:
    """Every version in a device's folder the recovery key opens, newest last, by record."""
    reader = recovery_reader_id(key.public_key().public_bytes_raw())
    # Only the receive half is used to open HPKE wraps; the rest of a UserKeys is unused.
    holder = UserKeys(os.urandom(32), key, ed25519.Ed25519PrivateKey.generate())
    out: dict[str, dict[str, object]] = {}
    for path in sorted((share / "devices" / device).iterdir()):
        signed, sig = fmt.parse_doc(path.read_bytes(), "changeset")
        header = fmt.read_header(signed)
        fmt.check_signature("changeset", signed, sig, verify_keys[header.author_id])
        for entry in fmt.open_sections(signed, header, reader, holder):
            change = changes.from_wire(entry)
            if not isinstance(change, VersionChange) or change.ciphertext is None:
                continue
            (wrap,) = [w for w in change.keys if w.reader_id == reader]
            out[change.record_id] = open_with_key(key, reader, SealedVersion(
                change.record_id, change.kind.value, change.author_id, change.vid,
                change.ciphertext), wrap.suite, wrap.wrapped)
    return out


@pytest.fixture
def key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> x25519.X25519PrivateKey:
    """The trust recovery key, named in the machine policy every device here reads."""
    trust = trust_key(tmp_path)
    monkeypatch.setenv("PEERDESK_POLICY", str(trust.policy))
    return trust.key


def test_the_recovery_key_opens_a_lost_laptops_records_from_the_share_alone(
        tmp_path: Path, key: x25519.X25519PrivateKey) -> None:
    team = make_team(tmp_path)
    try:
        a1 = team.desks["a1"]
        person = a1.add(Kind.PERSON, {"label": "Jo"})
        plan = a1.add(Kind.CRISIS_PLAN, {"sections": {"contacts": "My sister first."}},
                      person_id=person.id)
        a1.update(plan.id, {"sections": {"contacts": "My sister, then my neighbour."}})
        team.sync("a1")
        amira = a1.user.id
        verify_keys = {amira: a1.keys.public().verify}
        device = team.vaults["a1"].device_id
        team.close()  # the laptop is gone: only the share and the key are left

        opened = _opened_from_share(Path(team.location), device, key, verify_keys)
        assert opened[plan.id]["sections"] == {"contacts": "My sister, then my neighbour."}
        assert opened[person.id]["label"] == "Jo"

        # Another key opens nothing there.
        stranger = _opened_from_share(Path(team.location), device,
                                      x25519.X25519PrivateKey.generate(), verify_keys)
        assert stranger == {}
    finally:
        team.close()


@pytest.fixture
def team(tmp_path: Path, key: x25519.X25519PrivateKey) -> Iterator[Team]:
    """The team of tests/helpers/team.py, with Tom, a peer, on a laptop of his own (t1)."""
    made = make_team(tmp_path)
    made.join("t1", "Tom", "peer")
    yield made
    made.close()


REASON = "Amira's laptop was stolen; Jo's crisis plan is needed by the crisis team today."


def test_ig_opens_a_lost_laptops_records_from_the_share_and_the_author_is_told(
        tmp_path: Path, key: x25519.X25519PrivateKey, team: Team) -> None:
    tom, a1, grace = team.desks["t1"], team.desks["a1"], team.desks["office"]
    person = a1.add(Kind.PERSON, {"label": "Jo"})
    plan = a1.add(Kind.CRISIS_PLAN, {"sections": {"contacts": "My sister first."}},
                  person_id=person.id)
    a1.update(plan.id, {"sections": {"contacts": "My sister, then my neighbour."}})
    team.sync("a1", "office")
    lost = team.vaults["a1"].device_id  # the laptop is gone from here on

    for someone in (tom, grace):  # a peer; a coordinator without the signed IG duty
        with pytest.raises(NotAllowed, match="given the information governance duty"):
            igrecovery.open_device(someone, lost, recovery_key=key, reason=REASON)
    team.grant_ig("Grace")
    with pytest.raises(InvalidInput, match="Say why"):
        igrecovery.open_device(grace, lost, recovery_key=key, reason="stolen")
    with pytest.raises(NotAllowed, match="not the trust recovery key"):
        igrecovery.open_device(grace, lost, recovery_key=x25519.X25519PrivateKey.generate(),
                               reason=REASON)
    opened = {r.id: r for r in igrecovery.open_device(grace, lost, recovery_key=key,
                                                      reason=REASON)}
    assert opened[plan.id].fields["sections"] == {"contacts": "My sister, then my neighbour."}
    assert opened[person.id].fields["label"] == "Jo"
    assert opened[plan.id].author_id == a1.user.id

    # Audited on the office PC, told to Amira on her other laptop with the reason.
    team.sync("office", "a2", "t1")
    seen = gov.access_to_my_records(team.desks["a2"])
    assert {(e.who, e.action, e.record_id, e.reason, e.elsewhere) for e in seen} == {
        ("Grace", audit.BREAK_GLASS, plan.id, REASON, True),
        ("Grace", audit.BREAK_GLASS, person.id, REASON, True)}
    assert gov.access_to_my_records(tom) == []
    assert find_marker(Path(team.location), "stolen") == []


def test_one_bundle_of_everything_the_team_holds_about_a_person_from_the_share(
        tmp_path: Path, key: x25519.X25519PrivateKey, team: Team) -> None:
    tom, a1, grace = team.desks["t1"], team.desks["a1"], team.desks["office"]
    team.sync("a1")  # Amira's laptop learns of Tom's account
    person = a1.add(Kind.PERSON, {"label": "Jo"})
    plan = a1.add(Kind.CRISIS_PLAN, {"sections": {"contacts": "My sister first."}},
                  person_id=person.id)
    handed = handover.hand_over(a1, person.id, "Tom", agreed_by="Jo")
    team.sync("a1", "t1", "t1")
    note = tom.add(Kind.DIARY, {"when": "2026-03-09T10:30",
                                "what_happened": "Met Jo at the allotment."},
                   person_id=person.id)
    team.sync("t1")
    elsewhere = a1.add(Kind.PERSON, {"label": "Sam"})  # someone else: not in Jo's bundle
    team.sync("a1")

    with pytest.raises(NotAllowed, match="given the information governance duty"):
        igrecovery.subject_access(grace, person.id, recovery_key=key, reason=REASON)
    team.grant_ig("Grace")

    with pytest.raises(InvalidInput, match="Say why"):
        igrecovery.subject_access(grace, person.id, recovery_key=key, reason="asked")
    bundle = igrecovery.subject_access(
        grace, person.id, recovery_key=key,
        reason="Jo asked for everything the team holds about them (SAR 2026-114).")
    held = {r.id: r for r in bundle.records}
    assert set(held) == {person.id, plan.id, handed.id, note.id}
    assert elsewhere.id not in held and bundle.label == "Jo"
    assert (held[note.id].author, held[plan.id].author) == ("Tom", "Amira")
    assert held[note.id].versions[-1].fields["what_happened"] == "Met Jo at the allotment."
    assert held[handed.id].kind is Kind.HANDOVER  # the handover, with its date
    assert held[handed.id].versions[-1].fields["agreed_on"] == \
        handed.fields["agreed_on"]
    paths = sar.write(bundle, tmp_path / "sar")
    written = json.loads(next(p for p in paths if p.suffix == ".json").read_text("utf-8"))
    assert "Met Jo at the allotment." in json.dumps(written)
    assert "Sam" not in json.dumps(written)


def test_ig_reads_a_lost_laptops_snapshot_and_the_changesets_after_it(
        key: x25519.X25519PrivateKey, team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    """The files of a compacted folder are chosen as a sync chooses them: the newest snapshot
    for what it folded in, then each changeset after it; nothing is missed or read twice."""
    monkeypatch.setattr(engine, "COMPACT_AFTER", 3)
    a1, grace = team.desks["a1"], team.desks["office"]
    person = a1.add(Kind.PERSON, {"label": "Jo"})
    plan = a1.add(Kind.CRISIS_PLAN, {"sections": {"contacts": "v1"}}, person_id=person.id)
    team.sync("a1")
    for i in range(2, 6):
        a1.update(plan.id, {"sections": {"contacts": f"v{i}"}})
        team.sync("a1")
    lost = team.vaults["a1"].device_id
    folder = Path(team.location) / "devices" / lost
    snapshots = sorted(p.name for p in folder.glob("*.snap.pdk"))
    assert snapshots, sorted(p.name for p in folder.iterdir())
    last_snapshot = int(snapshots[-1].split(".")[1])
    after = [p.name for p in folder.glob("*.pdk") if not p.name.endswith(".snap.pdk")
             and int(p.name.split(".")[1]) > last_snapshot]
    assert after  # v5 at least was written after the last snapshot
    team.grant_ig("Grace")
    opened = igrecovery.open_device(grace, lost, recovery_key=key, reason=REASON)
    assert sorted((r.id, r.kind) for r in opened) == sorted(
        [(person.id, Kind.PERSON), (plan.id, Kind.CRISIS_PLAN)])
    by_id = {r.id: r for r in opened}
    assert by_id[person.id].fields["label"] == "Jo"  # from the snapshot only
    assert by_id[plan.id].fields["sections"] == {"contacts": "v5"}  # from after it

    # An older file put under a newer name (here the snapshot, as if it came after v5) would
    # hide what came after it: refused as a sync refuses it, and nothing is opened.
    newest = max(int(n.split(".")[1]) for n in after)
    (folder / snapshots[-1]).rename(folder / snapshots[-1].replace(
        f".{last_snapshot:010d}.", f".{newest:010d}."))
    with pytest.raises(fmt.Tampered, match=r"does not match its content.*Nothing was opened"):
        igrecovery.open_device(grace, lost, recovery_key=key, reason=REASON)
