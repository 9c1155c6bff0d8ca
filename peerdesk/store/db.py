"""The SQLite file: one process per data folder, pragmas on every connection, migrations on open."""

from __future__ import annotations

import sqlite3
from collections import ChainMap
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from sqlalchemy import Engine, bindparam, create_engine, event, insert
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import ClauseElement

from peerdesk.errors import (
    AlreadyOpen,
    DiskFull,
    EnvironmentProblem,
    IntegrityProblem,
    PeerDeskError,
)
from peerdesk.store import migrate
from peerdesk.store.models import Base

DB_NAME = "peerdesk.sqlite3"
HEADS = "peerdesk.heads"  # key in Session.info; see Store.transaction
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


# The save path's statements run on the driver itself: SQLAlchemy's per-statement work (params,
# result set-up) costs about ten times what SQLite spends inserting the row.
_DRIVER_DIALECT = sqlite.dialect(paramstyle="named")


def stamp(at: datetime) -> str:
    """A time as SQLAlchemy stores a DateTime on SQLite (zone dropped, always microseconds),
    so a row written on the driver reads back exactly as one written through SQLAlchemy."""
    return at.replace(tzinfo=None).isoformat(" ", "microseconds")


def driver_sql(statement: ClauseElement) -> str:
    """A Core statement, compiled once, as SQLite's SQL with :named parameters. Parameters
    are passed as SQLite takes them: times through ``stamp``, booleans as they are."""
    compiled = statement.compile(dialect=_DRIVER_DIALECT)
    fixed = sorted(k for k, v in compiled.params.items() if v is not None)
    if fixed:  # a value inside the statement would be sent as nothing
        raise ValueError(f"Give {', '.join(fixed)} as parameters or literal columns.")
    return str(compiled)


def driver_insert(model: type[Base], columns: Iterable[str]) -> str:
    """``INSERT INTO <the model's table> (columns) VALUES (:column, …)``, by ``driver_sql``."""
    return driver_sql(insert(model).values({c: bindparam(c) for c in columns}))


def driver(session: Session) -> sqlite3.Connection:
    """The SQLite connection under the session's transaction: what runs on it commits or rolls
    back with everything else in the transaction."""
    conn = session.connection().connection.driver_connection
    assert isinstance(conn, sqlite3.Connection)
    return conn


class Store:
    """An open data folder. Holds the single-process lock until closed."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / DB_NAME
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise EnvironmentProblem(f"Cannot create the data folder {data_dir}: {exc.strerror}.") from None
        # Not thread-local: the app may open the vault on one worker thread and close it on another.
        self._lock = FileLock(str(data_dir / LOCK_NAME), thread_local=False)
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise AlreadyOpen(
                "PeerDesk is already open with this data folder (in another window, or by "
                "another person signed in to this computer). Close it there first."
            ) from None
        try:
            self.engine = make_engine(self.path)
            with translate_db_errors():
                migrate.upgrade(self.engine)
        except BaseException:
            self._lock.release()
            raise
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # The newest audit entry and clock reading as of the last commit. Saves read them on
        # every save; one process holds the folder, so the copy here cannot go stale.
        self._heads: dict[str, Any] = {}

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One user action, one transaction: committed on success, rolled back on error."""
        # Reads see the heads as last committed; writes go to this transaction's own layer,
        # which is adopted only after the commit. A rolled-back transaction changes nothing,
        # and one that only reads cannot bring back older heads than another thread committed.
        changed: dict[str, Any] = {}
        with translate_db_errors(), self._sessions.begin() as session:
            session.info[HEADS] = ChainMap(changed, self._heads)
            yield session
        self._heads.update(changed)

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
    # SQLAlchemy's (OperationalError is one), or the driver's own from a statement run on it
    except (DatabaseError, sqlite3.DatabaseError) as exc:
        text = str(getattr(exc, "orig", exc)).lower()
        for words, kind, sentence in _DB_PROBLEMS:
            if any(w in text for w in words):
                raise kind(sentence) from None
        raise
