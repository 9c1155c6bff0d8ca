"""The save path writes with Core statements on the transaction's connection: what they write
must read back through the ORM exactly as if the ORM had written it."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from peerdesk import audit
from peerdesk.domain import Kind
from peerdesk.errors import DiskFull
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in
from peerdesk.store.db import translate_db_errors
from peerdesk.store.models import AuditRow, RecordRow, VersionRow
from tests.conftest import LIGHT_KDF, PASSPHRASE


@pytest.mark.parametrize("at", [datetime(2026, 3, 2, 10, 30), datetime(2026, 3, 2, 10, 30, 0, 7),
                                datetime(999, 1, 2, 3, 4, 5, 600_000)])
def test_a_time_is_stored_as_the_orm_stores_it(vault: Vault, at: datetime) -> None:
    with vault.store.transaction() as s:
        s.add(AuditRow(seq=1, at=at, action="x", prev_hash=b"", hash=b""))
        s.flush()
        audit.append(s.connection(), at=at, actor_id=None, action="y")
        stored = s.execute(text("SELECT at FROM audit ORDER BY seq")).scalars().all()
    assert len(stored) == 2 and stored[0] == stored[1]


def test_a_save_reads_back_through_the_orm(data_dir: Path) -> None:
    now = datetime(2026, 3, 2, 10, 30, 15, 250)
    vault = Vault(data_dir, kdf_params=LIGHT_KDF, clock=lambda: now)
    vault.create_account("Amira", "peer", PASSPHRASE)
    peer = sign_in(vault, "Amira", PASSPHRASE)
    person = peer.add(Kind.PERSON, {"label": "Jo"})
    diary = peer.add(Kind.DIARY, {"when": "2026-03-02T10:30", "what_happened": "A walk."},
                     person_id=person.id)
    with vault.store.transaction() as s:
        record = s.get(RecordRow, diary.id)
        version = s.get(VersionRow, (diary.id, 1))
        entry = s.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)).one()
    assert record is not None and version is not None
    assert (record.created_at, record.updated_at, version.saved_at, entry.at) == (now,) * 4
    assert (record.person_id, record.conflict, version.tombstone) == (person.id, False, False)
    assert (entry.record_id, entry.action) == (diary.id, "save")
    assert vault.verify_audit() == []
    vault.close()


def test_the_drivers_own_errors_become_a_sentence() -> None:
    with pytest.raises(DiskFull, match="can't save on this computer right now: the disk is full"), \
            translate_db_errors():
        raise sqlite3.OperationalError("database or disk is full")
