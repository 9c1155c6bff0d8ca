"""One sync run's context: the share, the database lane, and what is found on the way.

A run does its share I/O (listing, reading, verifying, writing, reading back) on the thread it
runs on, holding no database session; each database step is a short transaction handed to the
database lane (``Run.db``), so a share that is slow, or does not answer at all, never holds up
saving and reading."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Connection

from peerdesk.errors import Cancelled, EnvironmentProblem
from peerdesk.lanes import Lanes
from peerdesk.progress import CancelToken, Progress, no_progress
from peerdesk.store.db import Store
from peerdesk.sync import format as fmt
from peerdesk.sync import state
from peerdesk.sync.share import Entry, Share, safe_name

T = TypeVar("T")


@dataclass
class RunResult:
    pulled: int = 0
    pushed: int = 0
    conflicts: int = 0
    quarantined: int = 0
    accounts_added: int = 0
    problems: list[str] = field(default_factory=list)
    fingerprint: str | None = None
    new_fingerprint: bool = False
    changed: set[str] = field(default_factory=set)  # records whose reading here may differ


class Run:
    def __init__(self, store: Store, share: Share, *, lanes: Lanes, device_id: str,
                 clock: Callable[[], datetime], progress: Progress | None = None,
                 cancel: CancelToken | None = None, set_aside: bool = True) -> None:
        self.store, self.share, self.lanes = store, share, lanes
        # Joining (before anyone has signed in here) only reads: nothing is moved aside.
        self.set_aside = set_aside
        self.device_id, self.clock = device_id, clock
        self.progress = progress or no_progress
        self.cancel = cancel
        self.result = RunResult()

    def db(self, step: Callable[[Connection], T]) -> T:
        """One database step, in a transaction of its own, on the database lane."""
        def run() -> T:
            with self.store.begin() as conn:
                return step(conn)
        return self.lanes.db(run)

    def others_waiting(self) -> bool:
        """Whether another job (a save) waits for the database lane: asked inside a step."""
        return self.lanes.waiting()

    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled("Sync stopped. What was already received is kept.")

    def report(self, key: str, message: str) -> bool:
        """A problem worth telling the user, told once (not at every sync)."""
        first = self.db(lambda conn: state.first_report(conn, key, message, at=self.clock()))
        if first:
            self.result.problems.append(message)
        return first

    def quarantine(self, folder: str, name: str, reason: str, size: int) -> None:
        """A file that failed its checks: moved aside, reported once; the run goes on."""
        if not self.set_aside:
            return
        where = f"{folder}/{name}"
        first = self.report(
            f"bad:{where}:{size}",
            f"A file on the team share failed its checks and was moved aside ({reason}): "
            f"{where}. Nothing on this computer was changed.")
        if first:
            self.result.quarantined += 1
        target = (f"{fmt.QUARANTINE}/{self.device_id}/"
                  f"{folder.replace('/', '.')}.{name}.{self.clock():%Y%m%d%H%M%S}")
        # On a read-only share it stays where it is, and is still reported only this once.
        with suppress(EnvironmentProblem):
            self.share.move(where, target)

    def newer(self, folder: str, name: str, exc: fmt.NewerFormat) -> None:
        """A file a newer PeerDesk wrote: left where it is, told once; nothing else changes."""
        self.report(f"newer:{folder}/{name}",
                    f"{fmt.NEWER_ADVICE} ({folder}/{name}, share format {exc.found}.) It was "
                    "left where it is; nothing on this computer was changed.")

    def odd_entry(self, folder: str, e: Entry) -> None:
        """Something in a folder that PeerDesk does not write there."""
        if safe_name(e.name):
            self.quarantine(folder, e.name, "it is not a file PeerDesk writes", e.size)
        else:
            # Never used as a path: not read, not moved, only named (shortened, made printable).
            shown = e.name.encode("unicode_escape").decode("ascii")[:60]
            self.report(f"unsafe:{folder}/{e.name}",
                        f"A file with an unsafe name ('{shown}') in the team share's {folder} "
                        "folder was ignored. Tell your administrator.")
