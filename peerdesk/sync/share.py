"""Share backends: a folder (mapped drive, UNC path, mounted share) or ``smb://`` via smbprotocol.

One small interface. Paths inside a share are relative, ``/``-separated, and every part must
look like a name PeerDesk itself writes: a path or name read from the share is never used to
reach outside it. Writes go to a temp name (``.tmp-…``), are flushed to the server, then
renamed, so a reader never sees half a file. Every call that touches the share counts as one
file operation (``ops``), which is how a sync with nothing new is kept cheap and measured.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from peerdesk.errors import DiskFull, EnvironmentProblem, IntegrityProblem, InvalidInput

TEMP_PREFIX = ".tmp-"
# Matched whole: ``\Z``, since ``$`` also matches before a final newline.
_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z")
_TEMP = re.compile(r"\.tmp-[A-Za-z0-9]{1,64}\Z")


class ShareUnavailable(EnvironmentProblem):
    """The share is not there: unplugged, unmounted, no network. Offline, not empty."""


class ShareReadOnly(EnvironmentProblem):
    pass


class UnsafePath(IntegrityProblem):
    """A link on the share that leads outside it: never followed."""


class ShareFull(DiskFull):
    pass


@dataclass(frozen=True)
class Entry:
    name: str
    size: int
    kind: str  # "file", "dir", or "other" (links, devices: never followed)
    # Which copy of the file this is, as the share's listing says for free: its size, last
    # write and file id. A file rewritten in place of another (the temp name renamed over it)
    # gets another, even when its size stays the same. Compared only for equality.
    copy: str = ""

    @property
    def version(self) -> str:
        return self.copy or str(self.size)

    @property
    def is_temp(self) -> bool:
        return self.name.startswith(TEMP_PREFIX)


def check_path(path: str) -> str:
    """A relative path whose every part is a plain name; anything else is refused."""
    parts = path.split("/")
    if parts and _TEMP.fullmatch(parts[-1]):
        parts = parts[:-1]  # a temp name of PeerDesk's own, to clean up after a crash
    if not path or not all(_PART.fullmatch(p) and p not in {".", ".."} for p in parts):
        raise InvalidInput(f"Refusing an unsafe name on the share: {path[:80]!r}.")
    return path


def safe_name(name: str) -> bool:
    return bool(_PART.fullmatch(name)) and name not in {".", ".."}


class Share(ABC):
    """What sync needs from a share, and nothing more."""

    location: str

    def __init__(self) -> None:
        self.ops = 0
        self._lock = threading.Lock()

    def _count(self) -> None:
        with self._lock:
            self.ops += 1

    @abstractmethod
    def check(self) -> None:
        """Raise ShareUnavailable unless the share's top folder is there."""

    @abstractmethod
    def create(self) -> None:
        """Make the share's own folder (``share init``); its parent must already exist."""

    @abstractmethod
    def list(self, folder: str) -> list[Entry]:
        """The entries of a folder; [] if the folder does not exist (but the share does)."""

    @abstractmethod
    def read(self, path: str, *, max_size: int) -> bytes:
        """The whole file; refused without reading past max_size."""

    @abstractmethod
    def write(self, path: str, data: bytes) -> None:
        """Atomically: temp name, flush to disk or server, rename over ``path``."""

    @abstractmethod
    def move(self, src: str, dst: str) -> None:
        """Rename within the share (quarantine); the item itself, never what a link points to."""

    @abstractmethod
    def remove(self, path: str) -> None:
        pass

    def describe(self) -> str:
        return self.location


# NTSTATUS codes that smbprotocol leaves without an errno.
_NTSTATUS_ERRNO = {
    0xC0000022: errno.EACCES,  # STATUS_ACCESS_DENIED (a read-only share, or no permission)
    0xC00000A2: errno.EROFS,  # STATUS_MEDIA_WRITE_PROTECTED
    0xC000007F: errno.ENOSPC,  # STATUS_DISK_FULL
    0xC0000044: errno.ENOSPC,  # STATUS_QUOTA_EXCEEDED
}


def _translate(exc: OSError, location: str) -> EnvironmentProblem:
    code = exc.errno or _NTSTATUS_ERRNO.get(getattr(exc, "ntstatus", 0) or 0)
    if code in (errno.EROFS, errno.EACCES, errno.EPERM):
        return ShareReadOnly(f"PeerDesk cannot write to the team share {location}: it is read-only "
                             "or you do not have permission. Your work is safe on this computer.")
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return ShareFull(f"The team share {location} is full. Your work is safe on this computer "
                         "and will be sent when there is space.")
    return ShareUnavailable(f"The team share {location} is not reachable. Your work is safe on "
                            "this computer and will be sent at the next sync.")


@contextmanager
def _translated(location: str) -> Iterator[None]:
    try:
        yield
    except EnvironmentProblem:
        raise
    except OSError as exc:
        raise _translate(exc, location) from None


class FolderShare(Share):
    """A folder the operating system already reaches: local, mapped drive, UNC, or mount."""

    def __init__(self, root: Path | str) -> None:
        super().__init__()
        self.root = Path(root)
        self.location = str(root)

    def _path(self, path: str, *, item: bool = False) -> Path:
        """The path inside the share, refused if a link anywhere on the way leads out of it.
        ``item``: the last part is renamed or removed, never followed, so only the folders
        above it must stay inside."""
        target = self.root.joinpath(*check_path(path).split("/"))
        inside = os.path.realpath(self.root)
        where = os.path.realpath(target.parent if item else target)
        if where != inside and not where.startswith(inside.rstrip(os.sep) + os.sep):
            raise UnsafePath(f"{path.split('/')[0]!r} on the team share {self.location} leads "
                             "outside it, so PeerDesk stopped without reading or writing there. "
                             "Tell your administrator.")
        return target

    def check(self) -> None:
        self._count()
        if not self.root.is_dir():
            raise ShareUnavailable(f"The team share {self.location} is not reachable. Your work "
                                   "is safe on this computer and will be sent at the next sync.")

    def create(self) -> None:
        self._count()
        with _translated(self.location):
            self.root.mkdir(exist_ok=True)

    def _mkdirs(self, folder: Path) -> None:
        # One level at a time from the share's folder down, never creating the share's folder
        # itself: if it is gone (unmounted, unplugged), that is an error, not a new folder.
        current = self.root
        for part in folder.relative_to(self.root).parts:
            current = current / part
            current.mkdir(exist_ok=True)

    def list(self, folder: str) -> list[Entry]:
        self._count()
        target = self.root if folder == "" else self._path(folder)
        try:
            with os.scandir(target) as it:
                out = []
                for e in it:
                    st = e.stat(follow_symlinks=False)
                    kind = ("file" if stat.S_ISREG(st.st_mode) else
                            "dir" if stat.S_ISDIR(st.st_mode) else "other")
                    out.append(Entry(e.name, st.st_size, kind,
                                     f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"))
                return out
        except (FileNotFoundError, NotADirectoryError):
            if not self.root.is_dir():
                raise _translate(FileNotFoundError(errno.ENOENT, "gone"), self.location) from None
            return []
        except OSError as exc:
            raise _translate(exc, self.location) from None

    def read(self, path: str, *, max_size: int) -> bytes:
        self._count()
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        with _translated(self.location):
            fd = os.open(self._path(path), flags)
            try:
                size = os.fstat(fd).st_size
                if size > max_size:
                    raise FileTooLarge(size)
                with os.fdopen(fd, "rb", closefd=False) as f:
                    data = f.read(max_size + 1)
            finally:
                os.close(fd)
        if len(data) > max_size:
            raise FileTooLarge(len(data))
        return data

    def write(self, path: str, data: bytes) -> None:
        self._count()
        final = self._path(path)
        with _translated(self.location):
            if not self.root.is_dir():
                raise FileNotFoundError(errno.ENOENT, "share gone")
            self._mkdirs(final.parent)
            temp = final.with_name(TEMP_PREFIX + secrets.token_hex(8))
            try:
                with open(temp, "xb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(temp, final)
            except BaseException:
                temp.unlink(missing_ok=True)
                raise
            _fsync_dir(final.parent)

    def move(self, src: str, dst: str) -> None:
        self._count()
        with _translated(self.location):
            target = self._path(dst)
            self._mkdirs(target.parent)
            os.replace(self._path(src, item=True), target)

    def remove(self, path: str) -> None:
        self._count()
        with _translated(self.location):
            self._path(path, item=True).unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    # The rename itself must reach the disk; directories cannot be opened on Windows.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FileTooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


class SmbShare(Share):
    """``smb://[user@]host[:port]/share/folder`` through smbprotocol, for machines that cannot
    mount the share. The password comes from the OS keyring (see crypto/keystore.py)."""

    def __init__(self, url: str, *, credentials: Callable[[str, int, str | None], tuple[str, str]],
                 timeout: float = 15.0) -> None:
        super().__init__()
        parts = urlsplit(url)
        segments = [unquote(p) for p in parts.path.split("/") if p]
        if parts.scheme != "smb" or not parts.hostname or not segments:
            raise InvalidInput("A share address looks like smb://server/share/folder.")
        self.location = url
        self.host, self.port = parts.hostname, parts.port or 445
        self._unc = "\\\\" + self.host + "\\" + "\\".join(segments)
        self._user_hint = unquote(parts.username) if parts.username else None
        self._credentials = credentials
        self._timeout = timeout
        self._registered = False

    def _smb(self) -> Any:
        try:
            import smbclient  # type: ignore[import-untyped]
        except ImportError:
            raise EnvironmentProblem("This installation has no SMB support; use a mapped drive or "
                                     "install PeerDesk with its 'smb' extra.") from None
        if not self._registered:
            username, password = self._credentials(self.host, self.port, self._user_hint)
            try:
                smbclient.register_session(self.host, username=username, password=password,
                                           port=self.port, connection_timeout=int(self._timeout))
            except Exception:  # noqa: BLE001 - smbprotocol's and spnego's many types: one answer
                raise ShareUnavailable(f"The team share {self.location} is not reachable, or its "
                                       "sign-in was refused. Your work is safe on this computer."
                                       ) from None
            self._registered = True
        return smbclient

    def _p(self, path: str) -> str:
        return self._unc if path == "" else self._unc + "\\" + check_path(path).replace("/", "\\")

    @contextmanager
    def _call(self) -> Iterator[Any]:
        smb = self._smb()
        try:
            yield smb
        except (EnvironmentProblem, FileTooLarge):
            raise
        except OSError as exc:
            raise _translate(exc, self.location) from None
        except Exception:  # noqa: BLE001 - the foreign library's boundary, mapped once here
            # Lost connections surface as several protocol types; all mean "not reachable".
            self._registered = False
            raise ShareUnavailable(f"The team share {self.location} stopped answering. Your work "
                                   "is safe on this computer and will be sent at the next sync."
                                   ) from None

    def create(self) -> None:
        self._count()
        with self._call() as smb:
            smb.makedirs(self._unc, exist_ok=True, port=self.port)

    def check(self) -> None:
        self._count()
        with self._call() as smb:
            if not smb.path.isdir(self._unc, port=self.port):
                raise ShareUnavailable(f"The team share {self.location} is not reachable.")

    def list(self, folder: str) -> list[Entry]:
        self._count()
        with self._call() as smb:
            try:
                out = []
                for e in smb.scandir(self._p(folder), port=self.port):
                    if e.is_symlink():
                        out.append(Entry(e.name, 0, "other"))
                    elif e.is_dir():
                        out.append(Entry(e.name, 0, "dir"))
                    else:
                        info = e.smb_info
                        out.append(Entry(e.name, info.end_of_file, "file",
                                         f"{info.end_of_file}:{info.last_write_time}:"
                                         f"{info.file_id}"))
                return out
            except OSError as exc:
                # smbprotocol's errors are OSErrors with an errno, not FileNotFoundError.
                if exc.errno == errno.ENOENT and folder and smb.path.isdir(self._unc,
                                                                           port=self.port):
                    return []
                raise

    def read(self, path: str, *, max_size: int) -> bytes:
        self._count()
        with self._call() as smb, smb.open_file(self._p(path), mode="rb", port=self.port) as f:
            data: bytes = f.read(max_size + 1)
        if len(data) > max_size:
            raise FileTooLarge(len(data))
        return data

    def write(self, path: str, data: bytes) -> None:
        self._count()
        final = self._p(path)
        folder, _, _name = final.rpartition("\\")
        temp = folder + "\\" + TEMP_PREFIX + secrets.token_hex(8)
        with self._call() as smb:
            smb.makedirs(folder, exist_ok=True, port=self.port)
            with smb.open_file(temp, mode="xb", port=self.port) as f:
                f.write(data)
                f.flush()  # SMB2 FLUSH: the server writes it to its disk before we rename
            smb.replace(temp, final, port=self.port)

    def move(self, src: str, dst: str) -> None:
        self._count()
        target = self._p(dst)
        with self._call() as smb:
            smb.makedirs(target.rpartition("\\")[0], exist_ok=True, port=self.port)
            smb.replace(self._p(src), target, port=self.port)

    def remove(self, path: str) -> None:
        self._count()
        with self._call() as smb:
            try:
                smb.remove(self._p(path), port=self.port)
            except OSError as exc:
                if exc.errno != errno.ENOENT:
                    raise
