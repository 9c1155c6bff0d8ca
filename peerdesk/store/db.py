"""The SQLite file: one process per data folder, pragmas on every connection, migrations on open."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from peerdesk.errors import (
    AlreadyOpen,
    DiskFull,
    EnvironmentProblem,
    IntegrityProblem,
    PeerDeskError,
)
from peerdesk.paths import DB_NAME as DB_NAME  # re-exported: where the vault is
from peerdesk.store import migrate

LOCK_NAME = "peerdesk.lock"


def _set_pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL only ever on a local disk: the share holds sync files, never this database.
    cur.execute("PRAGMA journal_mode=WAL")
    # FULL: a save acknowledged to the user survives a crash or a power cut.
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    # Freed pages are zeroed, so erased ciphertext and keys leave no trace in the file.
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


def make_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}",
                           connect_args={"check_same_thread": False, "timeout": 10})
    event.listen(engine, "connect", _set_pragmas)
    return engine


def owner_only(data_dir: Path) -> None:
    """The database (and SQLite's files beside it), the lock and any copy in backups/ are
    readable by their owner only (0600), made so before SQLite creates the file: SQLite gives
    its -wal and -shm files the database's own mode. Files an older PeerDesk made with the
    umask's mode are tightened too. (On Windows the data folder's ACL, the user's own profile,
    applies.)"""
    if os.name != "posix":
        return
    db = data_dir / DB_NAME
    if not db.exists():
        os.close(os.open(db, os.O_CREAT | os.O_WRONLY, 0o600))
    names = [DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal", LOCK_NAME]
    files = [data_dir / n for n in names]
    backups = data_dir / migrate.BACKUP_DIR
    if backups.is_dir():
        files += list(backups.iterdir())
    for path in files:
        with suppress(FileNotFoundError):
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)


class Store:
    """An open data folder. Holds the single-process lock until closed."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / DB_NAME
        try:
            data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            owner_only(data_dir)
        except OSError as exc:
            raise EnvironmentProblem(f"Cannot create the data folder {data_dir}: {exc.strerror}.") from None
        # Not thread-local: the app may open the vault on one worker thread and close it on another.
        self._lock = FileLock(str(data_dir / LOCK_NAME), thread_local=False, mode=0o600)
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise AlreadyOpen(
                "PeerDesk is already open with this data folder (in another window, or by "
                "another person signed in to this computer). Close it there first."
            ) from None
        try:
            with translate_db_errors():
                migrate.upgrade(self.path)
            self.engine = make_engine(self.path)
        except BaseException:
            self._lock.release()
            raise
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One user action, one transaction: committed on success, rolled back on error.
        A Session, for reading through the ORM."""
        with translate_db_errors(), self._sessions.begin() as session:
            yield session

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """The same as ``transaction``, as a bare connection: for Core statements only (every
        write), without a Session's unit of work around them."""
        with translate_db_errors(), self.engine.begin() as conn:
            yield conn

    def file_problems(self) -> list[str]:
        """SQLite's own check of the file's structure: pages, indexes, free lists."""
        with self.engine.connect() as conn:
            rows = [r for (r,) in conn.exec_driver_sql("PRAGMA integrity_check")]
        if rows == ["ok"]:
            return []
        return [f"The data file is damaged: {r}" for r in rows]

    def checkpoint(self) -> None:
        """Fold the WAL back into the main file and truncate it (after an erase)."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def drop_copies(self) -> int:
        """Every copy of the database PeerDesk made (in backups/) removed: after an erasure,
        a copy made before it would still hold what was erased."""
        return migrate.drop_backups(self.data_dir)

    def close(self) -> None:
        self.engine.dispose()
        self._lock.release()


# SQLite's words for a problem, and the sentence (and kind) a person is shown instead.
_DB_PROBLEMS: list[tuple[tuple[str, ...], type[PeerDeskError], str]] = [
    (("disk is full",), DiskFull,
     "The disk is full, so this was not saved. Free some space and try again; what you typed "
     "is still on screen."),
    (("disk i/o",), EnvironmentProblem,
     "The disk could not be written to, so this was not saved. Try again; if it keeps "
     "happening, ask IT to check this computer's disk."),
    (("locked", "busy"), EnvironmentProblem, "The data file is busy. Try again in a moment."),
    (("malformed", "not a database"), IntegrityProblem,
     "The data file is damaged and cannot be read safely. Ask IT to restore it from a backup; "
     "nothing further has been written to it."),
]


@contextmanager
def translate_db_errors() -> Iterator[None]:
    try:
        yield
    # SQLAlchemy's (OperationalError is one), or the driver's own (a pragma run on it)
    except (DatabaseError, sqlite3.DatabaseError) as exc:
        text = str(getattr(exc, "orig", exc)).lower()
        for words, kind, sentence in _DB_PROBLEMS:
            if any(w in text for w in words):
                raise kind(sentence) from None
        raise
