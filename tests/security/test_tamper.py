"""A flipped byte in a stored ciphertext or wrapped key is caught, named, and contained."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from peerdesk.domain import Kind
from peerdesk.errors import DecryptionFailed
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in
from peerdesk.store.db import DB_NAME
from tests.conftest import LIGHT_KDF, PASSPHRASE


def flip(db: Path, table: str, column: str, record_id: str, position: int) -> None:
    with sqlite3.connect(db) as conn:
        (blob,) = conn.execute(f"SELECT {column} FROM {table} WHERE record_id = ?",
                               (record_id,)).fetchone()
        blob = bytearray(blob)
        blob[position % len(blob)] ^= 0x80
        conn.execute(f"UPDATE {table} SET {column} = ? WHERE record_id = ?",
                     (bytes(blob), record_id))
    conn.close()


@pytest.mark.parametrize(("table", "column"), [("versions", "ciphertext"), ("wraps", "wrapped")])
@pytest.mark.parametrize("position", [0, 11, 12, 40, -17, -1])
def test_flipped_byte_fails_that_record_only(data_dir: Path, table: str, column: str,
                                             position: int) -> None:
    with Vault(data_dir, kdf_params=LIGHT_KDF) as vault:
        vault.create_account("Amira", "peer", PASSPHRASE)
        desk = sign_in(vault, "Amira", PASSPHRASE)
        victim = desk.add(Kind.DIARY, {"when": "2026-03-02T10:30", "what_happened": "a"})
        other = desk.add(Kind.DIARY, {"when": "2026-03-03T10:30", "what_happened": "b"})
    flip(data_dir / DB_NAME, table, column, victim.id, position)
    with Vault(data_dir, kdf_params=LIGHT_KDF) as vault:
        desk = sign_in(vault, "Amira", PASSPHRASE)
        with pytest.raises(DecryptionFailed, match="integrity"):
            desk.get(victim.id)
        assert desk.get(other.id).fields["what_happened"] == "b"
        assert [(p.record_id, p.version) for p in desk.check()] == [(victim.id, 1)]


def test_cli_names_the_damaged_record_and_keeps_the_rest(cli, data_dir: Path) -> None:
    assert cli("init").code == 0
    cli("user", "add", "Amira")
    ids = [json.loads(cli("record", "add", "--kind", "diary", "--file", "-", "--json",
                          stdin=json.dumps({"when": f"2026-03-0{n}T10:00",
                                            "what_happened": f"entry {n}"})).out)["id"]
           for n in (1, 2, 3)]
    flip(data_dir / DB_NAME, "versions", "ciphertext", ids[1], 30)
    shown = cli("record", "show", ids[1])
    assert shown.code == 4
    assert shown.err.count("\n") == 1 and "integrity check" in shown.err
    assert "Traceback" not in shown.err
    checked = cli("check")
    assert checked.code == 4 and ids[1] in checked.out
    assert ids[0] not in checked.out and ids[2] not in checked.out
    assert cli("record", "show", ids[0]).code == 0
    assert cli("record", "show", ids[2]).code == 0


def test_check_reports_a_damaged_file_structure(cli, data_dir: Path) -> None:
    assert cli("init").code == 0
    cli("user", "add", "Amira")
    for n in range(3):
        added = cli("record", "add", "--kind", "diary", "--file", "-",
                    stdin=json.dumps({"when": f"2026-03-0{n + 1}T10:00", "what_happened": "x"}))
        assert added.code == 0
    assert cli("check").code == 0
    db = data_dir / DB_NAME
    with sqlite3.connect(db) as conn:
        root = conn.execute("SELECT rootpage FROM sqlite_master "
                            "WHERE name = 'ix_versions_vid'").fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    raw = bytearray(db.read_bytes())
    header = (root - 1) * page_size
    raw[header + 3: header + 5] = b"\x00\x00"  # the index page now claims to hold no cells
    db.write_bytes(bytes(raw))
    result = cli("check")
    assert result.code == 4, result.err
    assert "data file is damaged" in result.out + result.err
    assert "Traceback" not in result.err
