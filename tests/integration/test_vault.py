"""Accounts on a shared PC: create, unlock, back-off, passphrase change, one process per folder,
migrations and a database from a newer version."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from peerdesk.errors import AlreadyOpen, InvalidInput, NewerSchema, TooManyAttempts, WrongPassphrase
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in
from peerdesk.store import migrate
from peerdesk.store.db import DB_NAME
from tests.conftest import LIGHT_KDF, PASSPHRASE


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0)

    def __call__(self) -> datetime:
        return self.now


def test_accounts_are_listed_by_name_with_role(vault: Vault) -> None:
    vault.create_account("Tom", "peer", PASSPHRASE)
    vault.create_account("  Grace   Bennett ", "coordinator", PASSPHRASE)
    assert [(a.name, a.role.value) for a in vault.accounts()] == [
        ("Grace Bennett", "coordinator"), ("Tom", "peer")]
    with pytest.raises(InvalidInput, match="already an account called 'Tom'"):
        vault.create_account("Tom", "peer", PASSPHRASE)
    with pytest.raises(InvalidInput, match="role"):
        vault.create_account("Sam", "manager", PASSPHRASE)


def test_short_passphrase_is_refused_with_a_reason(vault: Vault) -> None:
    with pytest.raises(InvalidInput, match="at least 12 characters"):
        vault.create_account("Tom", "peer", "short")
    assert vault.accounts() == []


@pytest.mark.parametrize("weak", ["passwordpassword", "qwertyuiopasdf", "123456789012",
                                  "Tom Tom Tom Tom", "aaaaaaaaaaaaaaaa"])
def test_a_long_but_easy_passphrase_is_refused(vault: Vault, weak: str) -> None:
    with pytest.raises(InvalidInput, match="easy to guess"):
        vault.create_account("Tom", "peer", weak)
    assert vault.accounts() == []
    vault.create_account("Tom", "peer", "walrus jigsaw toffee")  # three unrelated words
    with pytest.raises(InvalidInput, match="easy to guess"):
        vault.change_passphrase("Tom", "walrus jigsaw toffee", "passwordpassword1")


def test_a_passphrase_longer_than_the_strength_check_reads_is_judged_not_crashed() -> None:
    from peerdesk.services import check_passphrase
    # A whole sentence of a passphrase, 94 characters: the strength check reads 72 of them.
    check_passphrase("walrus jigsaw toffee lantern " * 3 + "orchard")
    with pytest.raises(InvalidInput, match="easy to guess"):
        check_passphrase("a" * 80 + " walrus jigsaw toffee")


def test_no_policy_lowers_the_minimum_below_twelve() -> None:
    from peerdesk.services import check_passphrase
    with pytest.raises(InvalidInput, match="at least 12 characters"):
        check_passphrase("walrus jig", min_length=8)


def test_wrong_passphrase_then_growing_wait(data_dir: Path) -> None:
    clock = FakeClock()
    with Vault(data_dir, clock=clock, kdf_params=LIGHT_KDF) as vault:
        vault.create_account("Tom", "peer", PASSPHRASE)
        for _ in range(3):
            with pytest.raises(WrongPassphrase, match="not right"):
                sign_in(vault, "Tom", "not my passphrase")
        with pytest.raises(WrongPassphrase):
            sign_in(vault, "Tom", "not my passphrase")  # the fourth sets a 5 s wait
        with pytest.raises(TooManyAttempts) as waited:
            sign_in(vault, "Tom", PASSPHRASE)  # even the right one waits
        assert 1 <= waited.value.seconds <= 5
        clock.now += timedelta(seconds=6)
        with pytest.raises(WrongPassphrase):
            sign_in(vault, "Tom", "still wrong")  # fifth: now a 10 s wait
        clock.now += timedelta(seconds=6)
        with pytest.raises(TooManyAttempts, match="Try again in"):
            sign_in(vault, "Tom", PASSPHRASE)
        clock.now += timedelta(seconds=5)
        assert sign_in(vault, "Tom", PASSPHRASE).user.name == "Tom"
        # success resets the count
        with pytest.raises(WrongPassphrase):
            sign_in(vault, "Tom", "wrong again")
        assert sign_in(vault, "Tom", PASSPHRASE)


def test_change_passphrase_rewraps_keys_and_keeps_records(vault: Vault) -> None:
    vault.create_account("Tom", "peer", PASSPHRASE)
    desk = sign_in(vault, "Tom", PASSPHRASE)
    person = desk.add("person", {"label": "Jo"})
    vault.change_passphrase("Tom", PASSPHRASE, "a brand new passphrase")
    with pytest.raises(WrongPassphrase):
        sign_in(vault, "Tom", PASSPHRASE)
    again = sign_in(vault, "Tom", "a brand new passphrase")
    assert again.get(person.id).fields["label"] == "Jo"
    with pytest.raises(InvalidInput):
        vault.change_passphrase("Tom", "a brand new passphrase", "tiny")


def test_second_process_on_the_same_folder_gets_a_clear_message(vault: Vault) -> None:
    with pytest.raises(AlreadyOpen, match="already open with this data folder"):
        Vault(vault.store.data_dir)


def test_pragmas_are_on(vault: Vault) -> None:
    with vault.store.engine.connect() as conn:
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("secure_delete") == 1
        assert pragma("synchronous") == 2  # FULL


def test_head_constant_matches_the_migration_scripts() -> None:
    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == migrate.HEAD


def test_data_from_a_newer_version_is_refused_and_left_untouched(data_dir: Path) -> None:
    with Vault(data_dir, kdf_params=LIGHT_KDF) as vault:
        vault.create_account("Tom", "peer", PASSPHRASE)
    db = data_dir / DB_NAME
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.close()
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    with pytest.raises(NewerSchema, match="newer version of PeerDesk"):
        Vault(data_dir)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    # and the folder is not left locked
    with pytest.raises(NewerSchema):
        Vault(data_dir)


def test_a_vault_closed_on_another_thread_can_be_opened_again(data_dir: Path) -> None:
    import threading

    opened: list[Vault] = []
    worker = threading.Thread(target=lambda: opened.append(Vault(data_dir, kdf_params=LIGHT_KDF)))
    worker.start()
    worker.join()
    closer = threading.Thread(target=opened[0].close)
    closer.start()
    closer.join()
    with Vault(data_dir, kdf_params=LIGHT_KDF) as again:
        assert again.accounts() == []


def test_a_full_disk_gives_one_sentence_and_keeps_what_was_saved(vault: Vault) -> None:
    from sqlalchemy import event

    from peerdesk.domain import Kind
    from peerdesk.errors import DiskFull

    vault.create_account("Tom", "peer", PASSPHRASE)
    desk = sign_in(vault, "Tom", PASSPHRASE)
    kept = desk.add(Kind.DIARY, {"when": "2026-03-02T10:00", "what_happened": "kept"})
    engine = vault.store.engine
    with engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    def no_room(dbapi: Any, _record: Any) -> None:
        dbapi.execute(f"PRAGMA max_page_count = {pages}")

    engine.dispose()  # every new connection now sees a disk with no room left
    event.listen(engine, "connect", no_room)
    with pytest.raises(DiskFull, match="PeerDesk can't save on this computer right now: the disk is full"):
        for _ in range(50):
            desk.add(Kind.DIARY, {"when": "2026-03-02T11:00", "what_happened": "x" * 20_000})
    event.remove(engine, "connect", no_room)
    engine.dispose()
    assert [r.fields["what_happened"] for r in desk.records(Kind.DIARY)
            if r.id == kept.id] == ["kept"]
    assert desk.check() == []


def test_a_transaction_on_another_thread_never_rolls_back_the_audit_head(vault: Vault) -> None:
    """A read that spans someone else's save must not bring back an older chain head."""
    import threading

    from sqlalchemy import select

    from peerdesk.domain import Kind
    from peerdesk.store.models import AuditRow

    vault.create_account("Tom", "peer", PASSPHRASE)
    desk = sign_in(vault, "Tom", PASSPHRASE)
    with vault.store.transaction() as s:
        s.execute(select(AuditRow.seq)).all()
        saver = threading.Thread(target=lambda: desk.add(
            Kind.DIARY, {"when": "2026-03-02T10:00", "what_happened": "saved meanwhile"}))
        saver.start()
        saver.join()
    desk.add(Kind.DIARY, {"when": "2026-03-02T11:00", "what_happened": "saved after"})
    assert vault.verify_audit() == []
    assert len(desk.records(Kind.DIARY)) == 2
