"""The audit trail holds no content, and `audit verify` finds edited, reordered or removed entries."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from peerdesk.domain import Kind
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in
from peerdesk.store.db import DB_NAME
from tests.conftest import LIGHT_KDF, PASSPHRASE


@pytest.fixture
def trail(data_dir: Path) -> Path:
    with Vault(data_dir, kdf_params=LIGHT_KDF) as vault:
        vault.create_account("Amira", "peer", PASSPHRASE)
        vault.create_account("Grace", "coordinator", PASSPHRASE)
        desk = sign_in(vault, "Amira", PASSPHRASE)
        person = desk.add(Kind.PERSON, {"label": "Jo Marker"})
        diary = desk.add(Kind.DIARY, {"when": "2026-03-02T10:00", "what_happened": "walk"},
                         person_id=person.id)
        desk.get(diary.id)
        desk.share(diary.id, "Grace")
        desk.erase_person(person.id)
        desk.lock()
        assert vault.verify_audit() == []
    return data_dir / DB_NAME


def actions(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [a for (a,) in conn.execute("SELECT action FROM audit ORDER BY seq")]


def tamper(db: Path, sql: str) -> list[str]:
    with sqlite3.connect(db) as conn:
        conn.executescript(sql)
    conn.close()
    with Vault(db.parent) as vault:
        return vault.verify_audit()


def test_actions_are_recorded_without_content(trail: Path) -> None:
    assert actions(trail) == ["account", "account", "unlock", "save", "save", "read", "share",
                              "erase", "lock"]
    assert b"Jo Marker" not in trail.read_bytes()


def test_edited_entry_is_found(trail: Path) -> None:
    problems = tamper(trail, "UPDATE audit SET action = 'lock' WHERE seq = 6")
    assert problems == ["Audit entry 6 was changed after it was written."]


def test_rewritten_chain_is_caught_by_signatures(trail: Path) -> None:
    """Someone with write access edits an entry and recomputes every hash after it."""
    from datetime import datetime

    from peerdesk.audit import digest_of

    with sqlite3.connect(trail) as conn:
        rows = conn.execute("SELECT seq, at, actor_id, action, record_id, detail FROM audit "
                            "ORDER BY seq").fetchall()
        prev = conn.execute("SELECT hash FROM audit WHERE seq = 5").fetchone()[0]
        for seq, at, actor, action, record_id, detail in rows[5:]:
            if seq == 6:
                action = "lock"  # hide the read
            digest = digest_of(prev, seq, datetime.fromisoformat(at), actor, action, record_id, detail)
            conn.execute("UPDATE audit SET action = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                         (action, prev, digest, seq))
            prev = digest
    conn.close()
    with Vault(trail.parent) as vault:
        problems = vault.verify_audit()
    assert problems and all("signature that does not match" in p for p in problems)
    assert any("entry 6 " in p for p in problems)


def test_removed_entry_is_found(trail: Path) -> None:
    problems = tamper(trail, "DELETE FROM audit WHERE seq = 4")
    assert "Audit entries 4 to 4 are missing." in problems
    assert "Audit entry 5 does not follow the entry before it (removed or reordered)." in problems


def test_reordered_entries_are_found(trail: Path) -> None:
    problems = tamper(trail, "UPDATE audit SET seq = -4 WHERE seq = 4; "
                             "UPDATE audit SET seq = 4 WHERE seq = 5; "
                             "UPDATE audit SET seq = 5 WHERE seq = -4;")
    assert any("removed or reordered" in p for p in problems)


def test_cli_reports_a_broken_trail(cli, trail: Path) -> None:
    assert cli("audit", "verify").code == 0
    with sqlite3.connect(trail) as conn:
        conn.execute("UPDATE audit SET detail = 'x' WHERE seq = 7")
    conn.close()
    result = cli("audit", "verify")
    assert result.code == 4 and "Audit entry 7 was changed" in result.out
