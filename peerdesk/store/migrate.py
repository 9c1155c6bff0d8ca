"""Alembic migrations, applied when a data folder is opened."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from peerdesk.errors import DiskFull, EnvironmentProblem, IntegrityProblem, NewerSchema

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest revision this code knows; a test keeps it equal to the scripts' head, and it
# lets an up-to-date file open without importing Alembic.
HEAD = "0004_certificates"
BACKUP_DIR = "backups"


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> None:
    current = current_revision(engine)
    if current == HEAD:
        return
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    known = {rev.revision for rev in ScriptDirectory.from_config(config).walk_revisions()}
    if current is not None and current not in known:
        raise NewerSchema(
            "This data was written by a newer version of PeerDesk. Install the newer version "
            "to open it; nothing has been changed."
        )
    if current is not None:  # an existing store, not a new one: keep a copy first
        backup(engine, current)
    with engine.connect() as conn:
        # A batch migration copies a table and drops the old one, which foreign keys to it
        # would refuse: they are off while migrating (outside a transaction, or SQLite ignores
        # it) and checked as a whole before the upgrade commits.
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.commit()
        try:
            with conn.begin():
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise IntegrityProblem(
                        f"Updating the data folder would break {len(broken)} links between "
                        "its records, so it was not updated. Your data is as it was.")
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()


def backup(engine: Engine, revision: str) -> Path:
    """A consistent copy of the whole database (SQLite's online backup, so the WAL is
    included) in <data>/backups/, named by time and the schema it holds. No copy, no upgrade."""
    source = engine.url.database
    if not source:
        raise EnvironmentProblem("PeerDesk's data is not in a file, so it cannot be copied.")
    folder = Path(source).parent / BACKUP_DIR
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"peerdesk-{stamp}-before-{revision}.sqlite3"
    partial = target.with_suffix(".partial")
    try:
        folder.mkdir(exist_ok=True)
        raw = engine.raw_connection()
        try:
            driver = raw.driver_connection
            if not isinstance(driver, sqlite3.Connection):
                raise TypeError("the store is SQLite's")
            copy = sqlite3.connect(partial)
            try:
                driver.backup(copy)
            finally:
                copy.close()
        finally:
            raw.close()
        partial.replace(target)
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        if "full" in str(exc).lower() or getattr(exc, "errno", None) == 28:
            raise DiskFull("The disk is too full to keep a copy of your data before updating "
                           "it. Free some space and open PeerDesk again; nothing was changed."
                           ) from None
        raise EnvironmentProblem(f"PeerDesk could not keep a copy of your data in {folder} "
                                 f"before updating it ({exc}); nothing was changed.") from None
    return target
