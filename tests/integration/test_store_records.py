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
from peerdesk.services.desk import Desk, sign_in
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


def test_records_arriving_in_bulk_are_stored_as_one_at_a_time(peer: Desk) -> None:
    """A first sync writes records and versions in one driver call each, with each new
    record's shown version worked out as it is written: the rows are exactly those that
    working it out again from the stored versions gives, and they read back through the ORM."""
    from sqlalchemy import update

    from peerdesk.store import records
    from peerdesk.store.models import WrapRow
    from peerdesk.store.records import NewRecord, NewVersion, Wrap

    me, at = peer.user.id, datetime(2026, 3, 2, 10, 30, 0, 7)
    rid = [f"00000000-0000-4000-8000-00000000000{i}" for i in range(3)]

    def version(record: str, vid: str, hlc: str, *, parents: tuple[str, ...] = (),
                tomb: bool = False, minute: int = 0) -> NewVersion:
        return NewVersion(record, vid, hlc, "dev", parents, me, at.replace(minute=minute),
                          "aes256gcm-v1", tombstone=tomb, ciphertext=None if tomb else b"ct",
                          private_ciphertext=None)

    hlc = "0193b2c4d5e6{:04x}dev"
    new = [NewRecord(r, Kind.DIARY, me, None, at) for r in rid]
    arriving = [
        (version(rid[0], "a1", hlc.format(1)), 1, [Wrap(me, "owner", b"k1")]),
        (version(rid[0], "a2", hlc.format(2), parents=("a1",), minute=5), 2, []),
        # two concurrent heads: the newer is shown, in conflict
        (version(rid[1], "b1", hlc.format(3), minute=1), 1, [Wrap(me, "owner", b"k2")]),
        (version(rid[1], "b2", hlc.format(4), minute=2), 2, [Wrap(me, "owner", b"k3")]),
        # deleted
        (version(rid[2], "c1", hlc.format(5)), 1, []),
        (version(rid[2], "c2", hlc.format(6), parents=("c1",), tomb=True, minute=9), 2, []),
    ]
    with peer.vault.store.begin() as conn:
        settled = records.add_versions(conn, new, arriving)
        stored = conn.execute(select(RecordRow.__table__).where(
            RecordRow.id.in_(rid)).order_by(RecordRow.id)).all()
        # Worked out again from the stored versions, as every other change is.
        conn.execute(update(RecordRow.__table__).where(RecordRow.id.in_(rid)).values(
            head_version=1, conflict=False, deleted_at=None, updated_at=at))
        records.refresh(conn, rid)
        again = conn.execute(select(RecordRow.__table__).where(
            RecordRow.id.in_(rid)).order_by(RecordRow.id)).all()
    assert settled == set(rid)
    assert stored == again
    assert [(r.head_version, r.conflict, r.deleted_at) for r in stored] == [
        (2, False, None), (2, True, None), (2, False, at.replace(minute=9))]
    with peer.vault.store.transaction() as s:
        assert s.get(RecordRow, rid[0]).updated_at == at.replace(minute=5)  # type: ignore[union-attr]
        assert s.get(VersionRow, (rid[2], 2)).tombstone is True  # type: ignore[union-attr]
        assert s.get(WrapRow, (rid[1], 2, me)).wrapped == b"k3"  # type: ignore[union-attr]
