"""The SQLite file: one process per data folder, pragmas on every connection, migrations on open."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote

from filelock import FileLock, Timeout
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from peerdesk import strict_json
from peerdesk.errors import (
    AlreadyOpen,
    DiskFull,
    EnvironmentProblem,
    IntegrityProblem,
    InvalidInput,
    NewerSchema,
    PeerDeskError,
)
from peerdesk.paths import DB_NAME as DB_NAME  # re-exported: where the vault is
from peerdesk.store import migrate

LOCK_NAME = "peerdesk.lock"
CANT_SAVE = "PeerDesk can't save on this computer right now: "


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
    """An open data folder. Holds the single-process lock until closed.

    On a full disk or a read-only folder the store opens for reading only (``read_only`` says
    why, as the sentence to show): SQLite reads the file as it is, without the shared-memory
    and log files it cannot create, and every write is refused with that sentence. What must
    be recorded meanwhile (the audit entries of signing in and reading) waits in ``pending``
    and is written, in order, by ``flush_pending`` once the disk takes writes again."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / DB_NAME
        self.read_only: str | None = None
        self.pending: list[Callable[[Connection], None]] = []
        self._prepare_folder()
        self._lock = self._take_lock()
        try:
            self.engine = self._open_engine()
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def _prepare_folder(self) -> None:
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            owner_only(self.data_dir)
        except OSError as exc:
            if not (_cannot_write(exc) and self._at_head()):
                raise EnvironmentProblem(f"Cannot create the data folder {self.data_dir}: "
                                         f"{exc.strerror}.") from None
            self.read_only = _why(exc, self.data_dir)

    def _take_lock(self) -> FileLock | None:
        # Not thread-local: the app may open the vault on one worker thread and close it on
        # another.
        lock = FileLock(str(self.data_dir / LOCK_NAME), thread_local=False, mode=0o600)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise AlreadyOpen(
                "PeerDesk is already open with this data folder (in another window, or by "
                "another person signed in to this computer). Close it there first."
            ) from None
        except OSError as exc:  # a read-only folder: no lock file can be made
            if not (_cannot_write(exc) and self._at_head()):
                raise
            self.read_only = _why(exc, self.data_dir)
            return None
        return lock

    def _open_engine(self) -> Engine:
        if self.read_only is None:
            try:
                with translate_db_errors():
                    migrate.upgrade(self.path)
                engine = make_engine(self.path)
                with translate_db_errors(), engine.connect() as conn:
                    conn.exec_driver_sql("SELECT count(*) FROM sqlite_master")
                return engine
            except (DiskFull, EnvironmentProblem, OSError) as exc:
                if isinstance(exc, AlreadyOpen | NewerSchema) or not self._at_head():
                    raise
                self.read_only = _why(exc, self.data_dir)
        return _reading_engine(self.path)

    def _at_head(self) -> bool:
        try:
            return migrate.file_revision(self.path) == migrate.HEAD
        except (OSError, sqlite3.Error):
            return False

    def retry_writable(self) -> bool:
        """A store opened for reading only, opened for writing if the disk now allows it."""
        if self.read_only is None:
            return True
        if self._lock is None:
            lock = FileLock(str(self.data_dir / LOCK_NAME), thread_local=False, mode=0o600)
            try:
                lock.acquire(timeout=0)
            except (Timeout, OSError):
                return False
            self._lock = lock
        try:
            with translate_db_errors():
                engine = make_engine(self.path)
                with engine.connect() as conn:  # SQLite's shared memory and log, made
                    conn.exec_driver_sql("SELECT count(*) FROM sqlite_master")
        except (EnvironmentProblem, OSError):
            return False
        self.engine.dispose()
        self.engine, self.read_only = engine, None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        return True

    def flush_pending(self) -> bool:
        """Writes what waited (in the order it happened); True when nothing waits any more.
        A store opened for reading only is opened for writing first, if the disk allows."""
        if not self.pending:
            return True
        if not self.retry_writable():
            return False
        try:
            with self.begin() as conn:
                for step in self.pending:
                    step(conn)
        except EnvironmentProblem:
            return False
        self.pending.clear()
        with suppress(OSError):
            self._waiting_file().unlink(missing_ok=True)
        return True

    def _waiting_file(self) -> Path:
        """Where what waits is kept if PeerDesk closes before the disk takes it: outside the
        data folder (which is full or read-only), owner-only, named for this folder. It holds
        audit entries: ids, actions and times, never content."""
        key = hashlib.sha256(str(self.path.resolve()).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"peerdesk-waiting-{key}.json"

    def _keep_waiting(self) -> None:
        items = [step.to_json() for step in self.pending if hasattr(step, "to_json")]
        if not items:
            return
        target = self._waiting_file()
        partial = target.with_suffix(".partial")
        with suppress(OSError):
            partial.unlink(missing_ok=True)
            fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(items, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(partial, target)

    def kept_waiting(self) -> list[dict[str, Any]]:
        """What an earlier run kept in the waiting file (see ``_keep_waiting``)."""
        try:
            data = strict_json.loads(self._waiting_file().read_bytes())
        except (OSError, InvalidInput):
            return []
        if not isinstance(data, list):
            return []
        return [d for d in data if isinstance(d, dict)]

    def write_or_queue(self, now: Callable[[Connection], None],
                       later: Callable[[Connection], None] | None = None) -> bool:
        """A write that must not be lost but must not stop what it records (the audit entry of
        signing in or of a read): ``now`` written at once, or, when the disk cannot take it,
        ``later`` (``now`` if not given) kept to be written when it can. True if written."""
        if self.flush_pending() and self.read_only is None:
            try:
                with self.begin() as conn:
                    now(conn)
                return True
            except EnvironmentProblem:
                pass
        self.pending.append(later or now)
        return False

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
        if not self.flush_pending():
            self._keep_waiting()
        self.engine.dispose()
        if self._lock is not None:
            self._lock.release()


# SQLite's words for a problem, and the sentence (and kind) a person is shown instead.
_DB_PROBLEMS: list[tuple[tuple[str, ...], type[PeerDeskError], str]] = [
    (("disk is full",), DiskFull,
     f"{CANT_SAVE}the disk is full. Free some space and try again; what you typed is "
     "still on screen."),
    (("readonly", "read-only"), DiskFull,
     f"{CANT_SAVE}its data folder is read-only or full. What you typed is still on screen."),
    (("disk i/o",), EnvironmentProblem,
     f"{CANT_SAVE}the disk could not be written to. Try again; if it keeps happening, ask IT "
     "to check this computer's disk."),
    (("locked", "busy"), EnvironmentProblem, "The data file is busy. Try again in a moment."),
    (("malformed", "not a database"), IntegrityProblem,
     "The data file is damaged and cannot be read safely. Ask IT to restore it from a backup; "
     "nothing further has been written to it."),
]


_READ_ONLY_WORDS = ("readonly", "read-only", "unable to open database file")


def _cannot_write(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM,
                             getattr(errno, "EDQUOT", errno.ENOSPC))
    return isinstance(exc, DiskFull | EnvironmentProblem)


def _why(exc: BaseException, folder: Path) -> str:
    full = isinstance(exc, DiskFull) or (isinstance(exc, OSError) and exc.errno == errno.ENOSPC)
    with suppress(OSError):
        full = full or shutil.disk_usage(folder).free < 64 * 1024
    reason = ("the disk is full" if full else
              "its data folder cannot be written to (read-only, or the disk is full)")
    return (f"{CANT_SAVE}{reason}. You can sign in and read; nothing new can be saved until "
            "there is room again, and what you open is recorded then.")


def _reading_engine(path: Path) -> Engine:
    """The file as it is, for reading only: no shared memory, no log, no lock."""
    return create_engine(f"sqlite:///file:{quote(str(path))}?immutable=1&uri=true",
                         connect_args={"check_same_thread": False})


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
