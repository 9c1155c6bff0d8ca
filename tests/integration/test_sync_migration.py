"""A vault written before sync existed (schema 0001, versions numbered 1, 2, …) upgrades, stays
readable, and its records go out on the first sync to a device that has never seen them."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config

from peerdesk.crypto import aead, envelope
from peerdesk.crypto.kdf import KdfParams, derive
from peerdesk.crypto.keys import UserKeys
from peerdesk.crypto.payload import record_aad, seal_fields
from peerdesk.services import Vault, sync
from peerdesk.services.desk import sign_in
from peerdesk.store.db import DB_NAME, make_engine
from peerdesk.store.migrate import MIGRATIONS
from tests.conftest import LIGHT_KDF, PASSPHRASE


def downgrade_to_first_schema(data: Path) -> None:
    engine = make_engine(data / DB_NAME)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0001_initial")
    engine.dispose()


def test_an_old_vault_upgrades_and_its_records_sync(tmp_path: Path) -> None:
    old, share = tmp_path / "old", tmp_path / "share"
    share.mkdir()
    with Vault(old, kdf_params=LIGHT_KDF) as v:
        for name, role in (("Ida", "admin"), ("Amira", "peer"), ("Grace", "coordinator")):
            v.create_account(name, role, PASSPHRASE)
    downgrade_to_first_schema(old)

    # Two versions of a diary shared with Grace, exactly as the first schema's code wrote them.
    conn = sqlite3.connect(old / DB_NAME)
    rows = {name: (aid, kdf, secrets, receive) for aid, name, kdf, secrets, receive in conn.execute(
        "SELECT id, name, kdf, secrets, receive_public FROM accounts")}
    amira_id, kdf, secrets, _ = rows["Amira"]
    grace_id, grace_public = rows["Grace"][0], rows["Grace"][3]
    keys = UserKeys.open_with_passphrase_key(derive(PASSPHRASE, KdfParams.from_json(kdf)),
                                             secrets, account_id=amira_id)
    rid, now = str(uuid.uuid4()), datetime(2026, 3, 2, 10, 30)
    conn.execute("INSERT INTO records VALUES (?, 'diary', ?, NULL, 2, ?, ?, NULL, NULL)",
                 (rid, amira_id, now, now))
    conn.execute("INSERT INTO readers VALUES (?, ?, ?)", (rid, grace_id, now))
    for version in (1, 2):
        key = aead.new_key()
        fields = {"when": "2026-03-02T10:30", "what_happened": f"old version {version}"}
        conn.execute("INSERT INTO versions VALUES (?, ?, ?, ?, 'aes256gcm', 0, ?, NULL)",
                     (rid, version, amira_id, now,
                      seal_fields(key, fields, aad=record_aad(rid, "diary", version, amira_id))))
        conn.execute("INSERT INTO wraps VALUES (?, ?, ?, ?, ?)", (
            rid, version, amira_id, envelope.OWNER_SUITE,
            envelope.wrap_for_owner(keys.own, key,
                                    context=envelope.wrap_context(rid, version, amira_id))))
        conn.execute("INSERT INTO wraps VALUES (?, ?, ?, ?, ?)", (
            rid, version, grace_id, envelope.HPKE_SUITE,
            envelope.wrap_for_reader(grace_public, key,
                                     context=envelope.wrap_context(rid, version, grace_id))))
    # The first schema's code kept no administrator key on a computer without a team share.
    conn.execute("DELETE FROM settings WHERE key IN ('share_admin_key', 'share_team_id')")
    conn.commit()
    conn.close()

    with Vault(old, kdf_params=LIGHT_KDF) as v:
        amira = sign_in(v, "Amira", PASSPHRASE)
        assert [r.fields["what_happened"] for r in amira.history(rid)] == [
            "old version 1", "old version 2"]
        assert amira.check() == []
        assert sync.sync_status(v, amira.user.id).waiting == 3  # two versions, one sharing
        sync.init_share(sign_in(v, "Ida", PASSPHRASE), str(share))
        assert sync.run_sync(amira).pushed == 3
        amira.update(rid, {"when": "2026-03-02T10:30", "what_happened": "new version 3"})
        sync.run_sync(amira)

    with Vault(tmp_path / "laptop", kdf_params=LIGHT_KDF) as laptop:
        desk, _ = sync.enrol(laptop, str(share), "Amira", PASSPHRASE)
        assert [r.fields["what_happened"] for r in desk.history(rid)] == [
            "old version 1", "old version 2", "new version 3"]
    with Vault(tmp_path / "office", kdf_params=LIGHT_KDF) as office:
        grace, _ = sync.enrol(office, str(share), "Grace", PASSPHRASE)
        assert grace.get(rid).fields["what_happened"] == "new version 3"
