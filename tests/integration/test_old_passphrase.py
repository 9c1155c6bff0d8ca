"""After a passphrase change, nothing on the team share opens with the old passphrase: checked
from outside, with argon2-cffi and AES-GCM as docs/sync-protocol.md lays the sealed keys out
("Account secrets"), not through PeerDesk. Three data folders (the office PC, Amira's laptop)
and one share, through the command line."""

from __future__ import annotations

import base64
import json
import sqlite3
import unicodedata
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from peerdesk.store.db import DB_NAME
from tests.conftest import PASSPHRASE, run_cli

NEW = "walrus jigsaw toffee lantern"


def opens(signed: dict[str, object], passphrase: str) -> bool:
    """Whether a share file's `secrets` open under `passphrase`, as the docs describe."""
    kdf = json.loads(str(signed["kdf"]))
    kek = hash_secret_raw(
        secret=unicodedata.normalize("NFC", passphrase).encode(),
        salt=bytes.fromhex(kdf["salt"]), time_cost=kdf["iterations"],
        memory_cost=kdf["memory_kib"], parallelism=kdf["lanes"], hash_len=32, type=Type.ID)
    blob = base64.b64decode(str(signed["secrets"]))
    try:
        AESGCM(kek).decrypt(blob[:12], blob[12:],
                            b"peerdesk/account-secrets/v1|" + str(signed["id"]).encode())
    except InvalidTag:
        return False
    return True


def sealed_copies(share: Path) -> dict[str, dict[str, object]]:
    """Every file on the share that carries sealed keys, by its path."""
    out = {}
    for folder in ("accounts", "keys"):
        for f in sorted((share / folder).iterdir()):
            signed = json.loads(f.read_bytes())["signed"]
            if "secrets" in signed:
                out[f"{folder}/{f.name}"] = signed
    return out


def test_after_a_passphrase_change_nothing_on_the_share_opens_with_the_old_one(
        tmp_path: Path) -> None:
    office, amira, share = tmp_path / "office", tmp_path / "amira", tmp_path / "share"
    assert run_cli(office, "init").code == 0
    for name, role in (("Ida", "admin"), ("Amira", "peer")):
        assert run_cli(office, "user", "add", name, "--role", role).code == 0
    assert run_cli(office, "--user", "Ida", "user", "approve", "Amira").code == 0
    assert run_cli(office, "--user", "Ida", "share", "init", str(share)).code == 0
    assert run_cli(amira, "--user", "Amira", "sync", "--share", str(share)).code == 0
    ids = {a["name"]: a["id"] for a in json.loads(run_cli(office, "user", "list",
                                                          "--json").out)}
    # Certificates now carry no sealed keys: those are in keys/ only.
    assert set(sealed_copies(share)) == {f"keys/{ids['Ida']}.json", f"keys/{ids['Amira']}.json"}

    # A team from before: Amira's certificate was signed when it still carried her keys.
    db = sqlite3.connect(office / DB_NAME)
    kept = db.execute("SELECT keys_doc FROM accounts WHERE name='Amira'").fetchone()[0]
    db.execute("UPDATE accounts SET keys_doc=NULL WHERE name='Amira'")
    db.commit()
    assert run_cli(office, "--user", "Ida", "user", "approve", "Amira").code == 0
    db.execute("UPDATE accounts SET keys_doc=? WHERE name='Amira'", (kept,))
    db.commit()
    db.close()
    assert run_cli(office, "--user", "Ida", "sync").code == 0
    account_file = f"accounts/{ids['Amira']}.json"
    assert opens(sealed_copies(share)[account_file], PASSPHRASE)

    changed = run_cli(amira, "--user", "Amira", "user", "passwd",
                      env={"PEERDESK_NEW_PASSPHRASE": NEW})
    assert changed.code == 0, changed.err
    assert run_cli(amira, "--user", "Amira", "sync", passphrase=NEW).code == 0
    assert run_cli(office, "--user", "Ida", "sync").code == 0
    # The certificate's copy still opens with the old passphrase: the administrator issues
    # it again, without sealed keys, in one deliberate action.
    assert opens(sealed_copies(share)[account_file], PASSPHRASE)
    told = run_cli(office, "--user", "Ida", "user", "reissue")
    assert told.code == 0 and "Issued again without sealed keys: Amira." in told.out
    assert run_cli(office, "--user", "Ida", "user", "reissue").out.startswith("No certificate")
    assert run_cli(office, "--user", "Ida", "sync").code == 0

    copies = sealed_copies(share)
    assert account_file not in copies
    # (Ida's own keys open with hers, which the tests give everyone: only Amira's count.)
    assert not [path for path, signed in copies.items()
                if signed["id"] == ids["Amira"] and opens(signed, PASSPHRASE)]
    assert opens(copies[f"keys/{ids['Amira']}.json"], NEW)
    # Amira is still a member everywhere, and a new computer enrols with the new passphrase.
    assert run_cli(amira, "--user", "Amira", "sync", passphrase=NEW).code == 0
    tablet = tmp_path / "tablet"
    assert run_cli(tablet, "--user", "Amira", "sync", "--share", str(share)).code == 3
    enrolled = run_cli(tablet, "--user", "Amira", "sync", "--share", str(share), passphrase=NEW)
    assert enrolled.code == 0, enrolled.err
