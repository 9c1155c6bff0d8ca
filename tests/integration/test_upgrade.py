"""A data folder written by the oldest release opens with today's code: migrated, readable, and
a backup copy of the old file kept first."""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config

from peerdesk.config import Policy
from peerdesk.crypto import aead, envelope
from peerdesk.crypto.kdf import derive
from peerdesk.crypto.keys import UserKeys
from peerdesk.crypto.payload import record_aad, seal_fields
from peerdesk.domain import Kind
from peerdesk.errors import EnvironmentProblem
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in
from peerdesk.store import migrate
from peerdesk.store.db import DB_NAME, make_engine
from tests.conftest import LIGHT_KDF, PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]
OLDEST = "0001_initial"
# The commit of the first release (schema 0001_initial), for the test that runs its own code.
FIRST_RELEASE = "ba5d7ab"
SAVED = datetime(2026, 3, 2, 9, 0)


def revision(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])


def backups(data_dir: Path) -> list[Path]:
    return sorted((data_dir / migrate.BACKUP_DIR).glob("*.sqlite3"))


def build_oldest_store(data_dir: Path) -> dict[str, Any]:
    """The schema at its first revision only, filled the way the first release wrote it:
    versions numbered 1, 2, ... and encryption bound to that number."""
    data_dir.mkdir(parents=True)
    engine = make_engine(data_dir / DB_NAME)
    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, OLDEST)
    keys, account_id = UserKeys.generate(), str(uuid.uuid4())
    public = keys.public()
    at = SAVED.isoformat(sep=" ", timespec="microseconds")
    records: dict[str, tuple[Kind, list[dict[str, Any]]]] = {
        "person": (Kind.PERSON, [{"label": "R. from Ward 3"}]),
        "diary": (Kind.DIARY, [
            {"when": "2026-03-02T09:00", "what_happened": "First walk to the allotment."},
            {"when": "2026-03-02T09:00", "what_happened": "Walk to the allotment; tea after."}]),
        "reflection": (Kind.REFLECTION, [{
            "when": "2026-03-02", "boundary_area": "sharing_lived_experience",
            "what_happened": "Shared a little of my story.",
            "keeping_myself_well": "A quiet lunch helped."}]),
    }
    ids = {name: str(uuid.uuid4()) for name in records}
    with sqlite3.connect(data_dir / DB_NAME) as conn:
        conn.execute("INSERT INTO settings VALUES ('device_id', ?)", (str(uuid.uuid4()),))
        conn.execute("INSERT INTO settings VALUES ('team', 'Team North')")
        conn.execute(
            "INSERT INTO accounts (id, name, role, created_at, kdf, secrets, receive_public, "
            "verify_public, failed_attempts) VALUES (?, 'Amira', 'peer', ?, ?, ?, ?, ?, 0)",
            (account_id, at, LIGHT_KDF.to_json(),
             keys.seal_with_passphrase_key(derive(PASSPHRASE, LIGHT_KDF), account_id=account_id),
             public.receive, public.verify))
        for name, (kind, versions) in records.items():
            rid = ids[name]
            conn.execute(
                "INSERT INTO records (id, kind, author_id, person_id, head_version, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (rid, kind.value, account_id, None if name == "person" else ids["person"],
                 len(versions), at, at))
            for number, fields in enumerate(versions, start=1):
                content_key = aead.new_key()
                shared = {k: v for k, v in fields.items() if k != "keeping_myself_well"}
                private = {k: v for k, v in fields.items() if k == "keeping_myself_well"}
                conn.execute(
                    "INSERT INTO versions (record_id, version, author_id, saved_at, suite, "
                    "tombstone, ciphertext, private_ciphertext) VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
                    (rid, number, account_id, at, aead.SUITE,
                     seal_fields(content_key, shared,
                                 aad=record_aad(rid, kind, number, account_id)),
                     seal_fields(keys.own, private, aad=record_aad(
                         rid, kind, number, account_id, private=True)) if private else None))
                conn.execute(
                    "INSERT INTO wraps VALUES (?, ?, ?, ?, ?)",
                    (rid, number, account_id, envelope.OWNER_SUITE, envelope.wrap_for_owner(
                        keys.own, content_key,
                        context=envelope.wrap_context(rid, number, account_id))))
    engine.dispose()
    return {"ids": ids, "records": records}


def test_the_oldest_store_opens_migrated_with_a_backup_first(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    old = build_oldest_store(data_dir)
    ids = old["ids"]
    assert revision(data_dir / DB_NAME) == OLDEST and backups(data_dir) == []

    with Vault(data_dir, kdf_params=LIGHT_KDF, policy=Policy()) as vault:
        assert revision(data_dir / DB_NAME) == migrate.HEAD
        assert vault.team == "Team North"
        desk = sign_in(vault, "Amira", PASSPHRASE)
        by_id = {r.id: r for r in desk.records()}
        assert by_id[ids["person"]].fields["label"] == "R. from Ward 3"
        assert by_id[ids["diary"]].fields["what_happened"] == "Walk to the allotment; tea after."
        assert by_id[ids["diary"]].version == 2
        reflection = desk.get(ids["reflection"])
        assert reflection.fields["keeping_myself_well"] == "A quiet lunch helped."
        assert [r.fields["what_happened"] for r in desk.history(ids["diary"])] == [
            "First walk to the allotment.", "Walk to the allotment; tea after."]
        assert desk.check() == []
        # And life goes on: a new version over the migrated ones.
        saved = desk.update(ids["diary"], dict(by_id[ids["diary"]].fields) | {"follow_up": "Next week."})
        assert desk.get(ids["diary"]).fields["follow_up"] == "Next week."
        assert saved.version == 3
        assert vault.verify_audit() == []

    # The copy lived only while the upgrade ran: once the upgraded file verified, it went.
    assert backups(data_dir) == []
    assert not list((data_dir / migrate.BACKUP_DIR).glob("*.partial"))
    assert not list(data_dir.glob("*" + migrate.WORK_SUFFIX + "*"))

    # Opening an up-to-date folder again takes no copy at all.
    with Vault(data_dir, kdf_params=LIGHT_KDF, policy=Policy()):
        pass
    assert backups(data_dir) == []


def test_the_backup_is_taken_first_and_holds_the_old_store(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    build_oldest_store(data_dir)
    copy = migrate.backup(data_dir / DB_NAME, OLDEST)
    assert copy.name == f"peerdesk-before-{OLDEST}.sqlite3" and revision(copy) == OLDEST
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM versions").fetchone()[0] == 4
    assert migrate.backup(data_dir / DB_NAME, OLDEST) == copy  # a second try: the same one
    assert backups(data_dir) == [copy]


def test_a_backup_an_older_peerdesk_left_goes_once_the_store_is_upgraded(
        tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    build_oldest_store(data_dir)
    (data_dir / migrate.BACKUP_DIR).mkdir()
    old = data_dir / migrate.BACKUP_DIR / f"peerdesk-20260101T000000Z-before-{OLDEST}.sqlite3"
    shutil.copyfile(data_dir / DB_NAME, old)
    with Vault(data_dir, kdf_params=LIGHT_KDF, policy=Policy()):
        pass
    assert backups(data_dir) == []


def test_a_new_data_folder_needs_no_backup(tmp_path: Path) -> None:
    with Vault(tmp_path / "data", kdf_params=LIGHT_KDF, policy=Policy()):
        pass
    assert not (tmp_path / "data" / migrate.BACKUP_DIR).exists()


def test_no_backup_means_no_upgrade(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    build_oldest_store(data_dir)
    (data_dir / migrate.BACKUP_DIR).write_text("in the way")  # a file where the folder goes
    with pytest.raises(EnvironmentProblem, match=r"could not keep a copy .* nothing was changed"):
        Vault(data_dir, kdf_params=LIGHT_KDF, policy=Policy())
    assert revision(data_dir / DB_NAME) == OLDEST
    (data_dir / migrate.BACKUP_DIR).unlink()
    with Vault(data_dir, kdf_params=LIGHT_KDF, policy=Policy()) as vault:
        assert len(sign_in(vault, "Amira", PASSPHRASE).records()) == 3


def _first_release_source(tmp_path: Path) -> Path | None:
    if shutil.which("git") is None or subprocess.run(
            ["git", "cat-file", "-e", f"{FIRST_RELEASE}^{{commit}}"], cwd=ROOT,
            capture_output=True).returncode != 0:
        return None
    archive = subprocess.run(["git", "archive", FIRST_RELEASE, "peerdesk", "resources"],
                             cwd=ROOT, capture_output=True, check=True).stdout
    source = tmp_path / "first-release"
    source.mkdir()
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(source, filter="data")
    return source


FIRST_RELEASE_SCRIPT = """
import json, sys
from pathlib import Path
import peerdesk
from peerdesk.crypto.kdf import KdfParams
from peerdesk.services import Vault
assert Path(peerdesk.__file__).resolve().is_relative_to(Path.cwd().resolve()), peerdesk.__file__
light = KdfParams(salt=bytes(16), memory_kib=8 * 1024, iterations=1, lanes=1)
with Vault(Path(sys.argv[1]), kdf_params=light) as vault:
    vault.create_account("Amira", "peer", sys.argv[2])
    vault.create_account("Grace", "coordinator", sys.argv[2])
    desk = vault.unlock("Amira", sys.argv[2])
    person = desk.add("person", {"label": "R."})
    diary = desk.add("diary", {"when": "2026-03-02T09:00", "what_happened": "one"},
                     person_id=person.id)
    desk.update(diary.id, {"when": "2026-03-02T09:00", "what_happened": "two"})
    desk.share(diary.id, "Grace")
    plan = desk.add("crisis_plan", {"sections": {}}, person_id=person.id)
    desk.delete(plan.id)
    print(json.dumps({"person": person.id, "diary": diary.id, "plan": plan.id}))
"""


def test_a_store_written_by_the_first_release_itself(tmp_path: Path) -> None:
    source = _first_release_source(tmp_path)
    if source is None:
        pytest.skip(f"the first release ({FIRST_RELEASE}) is not in this clone's history")
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")}
    env["PYTHONPATH"] = str(source)
    out = subprocess.run([sys.executable, "-c", FIRST_RELEASE_SCRIPT, str(data_dir), PASSPHRASE],
                         cwd=source, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    ids = json.loads(out.stdout)
    assert revision(data_dir / DB_NAME) == OLDEST

    with Vault(data_dir, kdf_params=LIGHT_KDF, policy=Policy()) as vault:
        amira = sign_in(vault, "Amira", PASSPHRASE)
        assert amira.get(ids["diary"]).fields["what_happened"] == "two"
        assert {r.id for r in amira.records()} == {ids["person"], ids["diary"]}
        assert amira.check() == []
        grace = sign_in(vault, "Grace", PASSPHRASE)
        assert grace.get(ids["diary"]).fields["what_happened"] == "two"
        assert vault.verify_audit() == []
    assert backups(data_dir) == []  # verified, so no copy is kept
