"""What the trust recovery key opens from the team share alone: a version written where the
machine policy names the recovery key is wrapped for it, and since this version of PeerDesk the
section that carries it on the share is sealed for that key too, so IG can read the care records
of a laptop that never comes back with the share and the key (kept offline) and nothing else.
Only the share's files are read here: no device's data folder."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

from peerdesk.config import recovery_reader_id
from peerdesk.crypto.keys import UserKeys
from peerdesk.crypto.payload import SealedVersion, open_with_key
from peerdesk.domain import Kind
from peerdesk.sync import changes
from peerdesk.sync import format as fmt
from peerdesk.sync.changes import VersionChange
from tests.helpers.team import make_team


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


def test_the_recovery_key_opens_a_lost_laptops_records_from_the_share_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = x25519.X25519PrivateKey.generate()
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(
        {"recovery_public_key": key.public_key().public_bytes_raw().hex()}))
    monkeypatch.setenv("PEERDESK_POLICY", str(policy))
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
