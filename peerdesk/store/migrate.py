"""Alembic migrations, applied when a data folder is opened: on a copy, swapped in whole.

An upgrade never touches the database in place. The old file is copied (SQLite's online
backup, so its write-ahead log is included) to ``backups/peerdesk-before-<revision>.sqlite3``
(one name per revision: a second try replaces it rather than adding another) and to a work
file beside the database; the migrations run on the work file, which is then verified
(SQLite's integrity and foreign-key checks, the new revision, and as many accounts and versions
as before), flushed, and renamed over the database in one atomic step. A crash at any moment
leaves the old database or the new one, never neither and never half of one; the next open
removes a work file left behind and starts again. Once the upgraded database is in place and
verified, the backup is removed: ``backups/`` holds a copy only while an upgrade runs. A new
data folder is built the same way (on a work file, swapped in).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, inspect, text

from peerdesk.durable import fsync_file, sync_folder
from peerdesk.errors import DiskFull, EnvironmentProblem, IntegrityProblem, NewerSchema

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest revision this code knows; a test keeps it equal to the scripts' head, and it
# lets an up-to-date file open without importing Alembic.
HEAD = "0006_audit_received"
BACKUP_DIR = "backups"
WORK_SUFFIX = ".upgrading"
_SIDE_FILES = ("-wal", "-shm", "-journal")
# Rows an upgrade must carry over, every one.
_COUNTED = ("accounts", "versions")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def file_revision(path: Path) -> str | None:
    """The schema revision of the database at ``path`` (None: empty or new), read only. Read
    as SQLite normally does (with its write-ahead log); where that cannot be (a full disk or a
    read-only folder, where SQLite cannot make its shared memory), read from the file alone."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        return _revision(sqlite3.connect(path))
    except sqlite3.OperationalError:
        return _revision(sqlite3.connect(f"file:{quote(str(path))}?immutable=1", uri=True))


def _revision(conn: sqlite3.Connection) -> str | None:
    try:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                        "name = 'alembic_version'").fetchone() is None:
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return None if row is None else str(row[0])
    finally:
        conn.close()


def upgrade(path: Path) -> None:
    """Bring the database at ``path`` to HEAD (see the module's description); raises a
    sentence and leaves the database as it was on any failure."""
    work = path.with_name(path.name + WORK_SUFFIX)
    _remove(work)  # a try that was cut short
    try:
        current = file_revision(path)
    except sqlite3.DatabaseError as exc:
        raise IntegrityProblem(f"PeerDesk's data file cannot be read ({exc}); nothing was "
                               "changed.") from None
    if current == HEAD:
        drop_backups(path.parent)  # the upgrade that made them has been verified
        return
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
    try:
        before: dict[str, int] = {}
        if current is None:
            _refuse_foreign(path)
            _new_file(work)
        else:
            _online_copy(backup(path, current), work)
            before = _counts(work)
        _migrate(work, config)
        _verify(work, before)
        _swap(work, path)
    except (OSError, sqlite3.Error) as exc:
        _remove(work)
        if "full" in str(exc).lower() or getattr(exc, "errno", None) == 28:
            raise DiskFull("The disk is too full to update your data. Free some space and "
                           "open PeerDesk again; nothing was changed.") from None
        raise EnvironmentProblem(f"PeerDesk could not update your data ({exc}); nothing was "
                                 "changed.") from None
    except BaseException:
        _remove(work)
        raise
    if current is not None:
        drop_backups(path.parent)


def backup(path: Path, revision: str) -> Path:
    """A consistent copy of the whole database in <data>/backups/, named by the schema it
    holds (one per revision). No copy, no upgrade."""
    folder = path.parent / BACKUP_DIR
    target = folder / f"peerdesk-before-{revision}.sqlite3"
    partial = target.with_suffix(".partial")
    try:
        folder.mkdir(exist_ok=True, mode=0o700)
        _remove(partial)
        _online_copy(path, partial)
        os.replace(partial, target)
        sync_folder(folder)
    except (OSError, sqlite3.Error) as exc:
        _remove(partial)
        if "full" in str(exc).lower() or getattr(exc, "errno", None) == 28:
            raise DiskFull("The disk is too full to keep a copy of your data before updating "
                           "it. Free some space and open PeerDesk again; nothing was changed."
                           ) from None
        raise EnvironmentProblem(f"PeerDesk could not keep a copy of your data in {folder} "
                                 f"before updating it ({exc}); nothing was changed.") from None
    return target


def drop_backups(data_dir: Path) -> int:
    """Every copy in backups/ removed: after an upgrade has been verified, and when someone is
    erased (a copy made before would still hold them). Returns how many went."""
    folder = data_dir / BACKUP_DIR
    if not folder.is_dir():
        return 0
    gone = 0
    for item in folder.iterdir():
        if item.is_file() or item.is_symlink():
            _remove(item)
            gone += 1
    sync_folder(folder)
    return gone


# -- the steps --------------------------------------------------------------------------------

def _new_file(path: Path) -> None:
    """An empty file, the owner's alone, before SQLite writes a byte of it."""
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _online_copy(source: Path, target: Path) -> None:
    _new_file(target)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.commit()
    finally:
        dst.close()
        src.close()
    fsync_file(target)


def _refuse_foreign(path: Path) -> None:
    """A file with tables but no schema revision is not one PeerDesk made: never replaced."""
    if not path.exists() or path.stat().st_size == 0:
        return
    conn = sqlite3.connect(path)
    try:
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    finally:
        conn.close()
    if tables:
        raise IntegrityProblem(f"{path} is not a PeerDesk data file, so it was left as it is.")


def _engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}")

    def pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        cur = dbapi_conn.cursor()
        # A rollback journal on the work file: nothing beside it outlives the swap.
        cur.execute("PRAGMA journal_mode=DELETE")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()
    event.listen(engine, "connect", pragmas)
    return engine


def _migrate(work: Path, config: object) -> None:
    from alembic import command

    engine = _engine(work)
    try:
        with engine.connect() as conn:
            # A batch migration copies a table and drops the old one, which foreign keys to
            # it would refuse: they are off while migrating and checked as a whole after.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
            with conn.begin():
                config.attributes["connection"] = conn  # type: ignore[attr-defined]
                command.upgrade(config, "head")  # type: ignore[arg-type]
    finally:
        engine.dispose()


def _counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # noqa: S608
                for t in _COUNTED if t in tables}
    finally:
        conn.close()


def _verify(work: Path, before: dict[str, int]) -> None:
    conn = sqlite3.connect(work)
    try:
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        conn.close()
    after = _counts(work)
    if problems != ["ok"] or broken or revision is None or revision[0] != HEAD or any(
            after.get(t) != n for t, n in before.items()):
        raise IntegrityProblem(
            "Updating the data folder did not give a sound copy of it, so it was not updated. "
            "Your data is as it was.")
    fsync_file(work)


def _swap(work: Path, path: Path) -> None:
    """The old database's write-ahead log folded in and gone (no connection is open: the
    caller holds the data folder's lock), then the work file renamed over it."""
    if path.exists() and path.stat().st_size:
        conn = sqlite3.connect(path)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    for side in _SIDE_FILES:
        _remove(path.with_name(path.name + side))
    os.replace(work, path)
    sync_folder(path.parent)


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        path.unlink()
    for side in _SIDE_FILES:
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            path.with_name(path.name + side).unlink()
