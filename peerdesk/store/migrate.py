"""Alembic migrations, applied when a data folder is opened."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect, text

from peerdesk.errors import NewerSchema

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest revision this code knows; a test keeps it equal to the scripts' head, and it
# lets an up-to-date file open without importing Alembic.
HEAD = "0002_sync"


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
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
