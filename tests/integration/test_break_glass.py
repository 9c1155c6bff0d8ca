"""Break-glass: a coordinator or admin with the trust recovery key opens a record not shared
with her only with a reason; the author sees it, and so does the Caldicott Guardian's report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import x25519

from peerdesk import audit
from peerdesk.config import Policy
from peerdesk.domain import Kind
from peerdesk.errors import InvalidInput, NotAllowed
from peerdesk.services import Vault
from peerdesk.services import governance as gov
from peerdesk.services.desk import sign_in
from tests.conftest import LIGHT_KDF, PASSPHRASE, run_cli

KEY_PASSPHRASE = "recovery key passphrase, kept by IG"
REASON = "Jo is missing; the crisis team asked for her crisis plan contacts."


def _key_file(tmp_path: Path) -> tuple[x25519.X25519PrivateKey, Path]:
    key = x25519.X25519PrivateKey.generate()
    path = tmp_path / "trust-recovery.pem"
    path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(KEY_PASSPHRASE.encode())))
    return key, path


def test_break_glass_needs_a_reason_is_logged_and_shows_to_the_author_and_guardian(
        tmp_path: Path) -> None:
    key, key_file = _key_file(tmp_path)
    policy = Policy(recovery_public_key=key.public_key().public_bytes_raw().hex())
    with Vault(tmp_path / "data", kdf_params=LIGHT_KDF, policy=policy) as vault:
        for name, role in (("Amira", "peer"), ("Grace", "coordinator"), ("Tom", "peer")):
            vault.create_account(name, role, PASSPHRASE)
        amira = sign_in(vault, "Amira", PASSPHRASE)
        person = amira.add(Kind.PERSON, {"label": "Jo"})
        plan = amira.add(Kind.CRISIS_PLAN, {"sections": {"contacts": "My sister first."}},
                         person_id=person.id)
        amira.update(plan.id, {"sections": {"contacts": "My sister, then my neighbour."}})
        grace, tom = sign_in(vault, "Grace", PASSPHRASE), sign_in(vault, "Tom", PASSPHRASE)

        loaded = gov.load_recovery_key(key_file, KEY_PASSPHRASE)
        with pytest.raises(NotAllowed, match="wrong passphrase"):
            gov.load_recovery_key(key_file, "not the passphrase at all")
        with pytest.raises(NotAllowed, match="Coordinator or an administrator"):
            gov.break_glass(tom, plan.id, recovery_key=loaded, reason=REASON)
        with pytest.raises(InvalidInput, match="Say why"):
            gov.break_glass(grace, plan.id, recovery_key=loaded, reason="urgent")
        with pytest.raises(NotAllowed, match="not the trust recovery key"):
            gov.break_glass(grace, plan.id, recovery_key=x25519.X25519PrivateKey.generate(),
                            reason=REASON)

        versions = gov.break_glass(grace, plan.id, recovery_key=loaded, reason=REASON)
        assert [v.fields["sections"]["contacts"] for v in versions] == [
            "My sister first.", "My sister, then my neighbour."]

        # The author's view: who opened her plan, when, and why.
        seen = gov.access_to_my_records(amira)
        assert [(e.who, e.action, e.record_id, e.reason) for e in seen] == [
            ("Grace", audit.BREAK_GLASS, plan.id, REASON)]
        # The plaintext audit table holds no words of the reason.
        with vault.store.transaction() as s:
            details = [e.detail for e in audit.entries(s) if e.action == audit.BREAK_GLASS]
        assert len(details) == 1 and "missing" not in details[0]
        # The Caldicott Guardian's report.
        events, problems = gov.break_glass_report(vault, loaded)
        assert problems == []
        assert [(e.who, e.record_id, e.author, e.reason) for e in events] == [
            ("Grace", plan.id, "Amira", REASON)]
        assert vault.verify_audit() == []


def test_break_glass_and_report_through_the_cli(tmp_path: Path) -> None:
    key, key_file = _key_file(tmp_path)
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(
        {"recovery_public_key": key.public_key().public_bytes_raw().hex()}))
    data = tmp_path / "data"
    env = {"PEERDESK_POLICY": str(policy), "PEERDESK_RECOVERY_PASSPHRASE": KEY_PASSPHRASE}

    def cli(*args: str, **kw: object) -> object:
        return run_cli(data, *args, env=env, **kw)  # type: ignore[arg-type]

    assert cli("init").code == 0  # type: ignore[attr-defined]
    assert cli("user", "add", "Amira").code == 0  # type: ignore[attr-defined]
    assert cli("user", "add", "Grace", "--role", "coordinator").code == 0  # type: ignore[attr-defined]
    person = cli("--user", "Amira", "person", "add", "--label", "Jo").out.strip()  # type: ignore[attr-defined]
    diary = json.loads(cli("--user", "Amira", "record", "add", "--kind", "diary", "--person",  # type: ignore[attr-defined]
                           person, "--file", "-", "--json",
                           stdin=json.dumps({"when": "2026-03-02T10:30",
                                             "what_happened": "Talked about music."})).out)["id"]
    assert cli("--user", "Grace", "record", "show", diary).code == 3  # type: ignore[attr-defined]
    opened = cli("--user", "Grace", "break-glass", diary, "--recovery-key", str(key_file),
                 "--reason", REASON)
    assert opened.code == 0 and "Talked about music." in opened.out, opened.err  # type: ignore[attr-defined]
    mine = cli("--user", "Amira", "audit", "access")
    assert "Grace" in mine.out and REASON in mine.out  # type: ignore[attr-defined]
    report = cli("report", "break-glass", "--recovery-key", str(key_file), "--json",
                 passphrase=None)
    assert report.code == 0, report.err  # type: ignore[attr-defined]
    events = json.loads(report.out)["events"]  # type: ignore[attr-defined]
    assert [(e["who"], e["record_id"], e["reason"]) for e in events] == [("Grace", diary, REASON)]
