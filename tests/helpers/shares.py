"""Share fakes: the real folder backend, failing on cue (fakes over mocks)."""

from __future__ import annotations

import threading
from pathlib import Path

from peerdesk.sync.share import FolderShare, ShareFull, ShareReadOnly, ShareUnavailable


class FailingShare(FolderShare):
    """Fails every write (read-only or full), or vanishes after a number of operations."""

    def __init__(self, root: Path, *, fail_writes: str | None = None,
                 vanish_after: int | None = None, corrupt_read_back: bool = False) -> None:
        super().__init__(root)
        self.fail_writes = fail_writes
        self.vanish_after = vanish_after
        self.corrupt_read_back = corrupt_read_back
        self._written: set[str] = set()

    def _maybe_vanish(self) -> None:
        if self.vanish_after is not None and self.ops >= self.vanish_after:
            raise ShareUnavailable(f"The team share {self.location} is not reachable.")

    def check(self) -> None:
        self._maybe_vanish()
        super().check()

    def list(self, folder: str):  # type: ignore[no-untyped-def]
        self._maybe_vanish()
        return super().list(folder)

    def read(self, path: str, *, max_size: int) -> bytes:
        self._maybe_vanish()
        data = super().read(path, max_size=max_size)
        if self.corrupt_read_back and path in self._written:
            return data[:-1] + bytes([data[-1] ^ 1])
        return data

    def write(self, path: str, data: bytes) -> None:
        self._maybe_vanish()
        if self.fail_writes == "read-only":
            raise ShareReadOnly(f"PeerDesk cannot write to the team share {self.location}: it "
                                "is read-only.")
        if self.fail_writes == "full":
            raise ShareFull(f"The team share {self.location} is full.")
        super().write(path, data)
        self._written.add(path)


class HangingShare(FolderShare):
    """A share that stops answering (a dead SMB server, an unplugged mapped drive): from the
    first listing of ``folder`` on, every call waits until the test lets it go."""

    def __init__(self, root: Path, *, folder: str) -> None:
        super().__init__(root)
        self.folder = folder
        self.stuck = threading.Event()  # a call is waiting now
        self.release = threading.Event()

    def _hang(self) -> None:
        self.stuck.set()
        self.release.wait()
        raise ShareUnavailable(f"The team share {self.location} is not reachable.")

    def check(self) -> None:
        if self.stuck.is_set():
            self._hang()
        super().check()

    def list(self, folder: str):  # type: ignore[no-untyped-def]
        if folder == self.folder or self.stuck.is_set():
            self._hang()
        return super().list(folder)


class RecordingShare(FolderShare):
    """The real folder backend, noting every call it answers: ("list", folder),
    ("read", path), ("write", path), ("remove", path), ("move", path), ("check", "")."""

    def __init__(self, root: Path | str) -> None:
        super().__init__(root)
        self.calls: list[tuple[str, str]] = []

    def check(self) -> None:
        self.calls.append(("check", ""))
        super().check()

    def list(self, folder: str):  # type: ignore[no-untyped-def]
        self.calls.append(("list", folder))
        return super().list(folder)

    def read(self, path: str, *, max_size: int) -> bytes:
        self.calls.append(("read", path))
        return super().read(path, max_size=max_size)

    def write(self, path: str, data: bytes) -> None:
        self.calls.append(("write", path))
        super().write(path, data)

    def move(self, src: str, dst: str) -> None:
        self.calls.append(("move", src))
        super().move(src, dst)

    def remove(self, path: str) -> None:
        self.calls.append(("remove", path))
        super().remove(path)

    def of(self, op: str) -> list[str]:
        return [path for kind, path in self.calls if kind == op]
