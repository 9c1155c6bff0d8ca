"""Subject access: the bundle for a demo person holds every version of every record about
them, who they were shared with and the audit entries that touched them, and nothing about
anyone else."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import x25519

from peerdesk import audit
from peerdesk.config import Policy
from peerdesk.demo import ACCOUNTS, PEOPLE, build_demo
from peerdesk.domain import Kind
from peerdesk.errors import NotAllowed
from peerdesk.services import Vault, sar
from peerdesk.services.desk import sign_in
from tests.conftest import LIGHT_KDF
from tests.integration.test_break_glass import KEY_PASSPHRASE, _key_file


def _passphrase(name: str) -> str:
    return next(p for n, _, p in ACCOUNTS if n == name)


def _others(label: str) -> list[str]:
    return [n for people in PEOPLE.values() for n, _ in people if n != label]


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_sar_bundle_for_a_demo_person_has_every_version_and_no_one_else(tmp_path: Path) -> None:
    key = x25519.X25519PrivateKey.generate()
    policy = Policy(recovery_public_key=key.public_key().public_bytes_raw().hex())
    with Vault(tmp_path / "data", kdf_params=LIGHT_KDF, policy=policy) as vault:
        build_demo(vault, weeks=4)
        amira = sign_in(vault, "Amira", _passphrase("Amira"))
        jo = next(p for p in amira.records(Kind.PERSON) if p.fields["label"] == "Jo")
        expected = {(r.id, v.version) for r in amira.records(person_id=jo.id,
                                                            include_deleted=True)
                    for v in amira.history(r.id)} | {(jo.id, v.version)
                                                    for v in amira.history(jo.id)}
        bundle = sar.collect(amira, jo.id)
        paths = sar.write(bundle, tmp_path / "sar")
        data = json.loads((tmp_path / "sar" / "subject-access.json").read_text("utf-8"))
        got = {(r["id"], v["version"]) for r in data["records"] for v in r["versions"]}
        assert got == expected and len(got) >= 5
        assert {r["kind"] for r in data["records"]} >= {"person", "diary"}
        assert data["audit"] and all(e["record_id"] in {r["id"] for r in data["records"]}
                                     for e in data["audit"])
        # Nothing about any other person, in any of the three files.
        texts = [p.read_text("utf-8") for p in paths if p.suffix != ".pdf"]
        if shutil.which("pdftotext"):
            texts.append(_pdf_text(tmp_path / "sar" / "subject-access.pdf"))
            assert "Everything PeerDesk holds about Jo" in texts[-1]
        for text in texts:
            assert "Jo" in text
            for other in _others("Jo"):
                assert not re.search(rf"\b{other}\b", text), (other, text[:80])
        with vault.store.transaction() as s:
            assert audit.SUBJECT_ACCESS in {e.action for e in audit.entries(s,
                                                                            record_id=jo.id)}

        # A coordinator without the recovery key cannot; with it, she gets the same versions.
        grace = sign_in(vault, "Grace", _passphrase("Grace"))
        with pytest.raises(NotAllowed):
            sar.collect(grace, jo.id)
        by_key = sar.collect(grace, jo.id, recovery_key=key)
        assert {(r.id, v.version) for r in by_key.records for v in r.versions} == expected


def test_sar_through_the_cli(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    key, key_file = _key_file(tmp_path)
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(
        {"recovery_public_key": key.public_key().public_bytes_raw().hex()}))
    data = tmp_path / "data"
    env = {"PEERDESK_POLICY": str(policy), "PEERDESK_RECOVERY_PASSPHRASE": KEY_PASSPHRASE}
    assert run_cli(data, "init", env=env).code == 0
    assert run_cli(data, "user", "add", "Amira", env=env).code == 0
    assert run_cli(data, "user", "add", "Ines", "--role", "admin", env=env).code == 0
    person = run_cli(data, "--user", "Amira", "person", "add", "--label", "Jo", env=env).out.strip()
    run_cli(data, "--user", "Amira", "person", "add", "--label", "Kit", env=env)
    run_cli(data, "--user", "Amira", "record", "add", "--kind", "diary", "--person", person,
            "--file", "-", env=env, stdin=json.dumps({"when": "2026-03-02T10:30",
                                                      "what_happened": "Walked to the café."}))
    own = run_cli(data, "--user", "Amira", "sar", person, "--out", str(tmp_path / "a"),
                  "--json", env=env)
    assert own.code == 0, own.err
    assert json.loads(own.out)["versions"] == 2
    denied = run_cli(data, "--user", "Ines", "sar", person, "--out", str(tmp_path / "b"), env=env)
    assert denied.code == 3
    admin = run_cli(data, "--user", "Ines", "sar", person, "--out", str(tmp_path / "b"),
                    "--recovery-key", str(key_file), env=env)
    assert admin.code == 0, admin.err
    text = (tmp_path / "b" / "subject-access.html").read_text("utf-8")
    assert "Walked to the café." in text and "Kit" not in text
