"""The first glimpse of the data folder (``store.glimpse``: the account names and the team),
read on a thread of its own from the moment the app starts, while Qt loads and the window is
built, so that the sign-in page can be the first thing painted.

A plain Python thread that only reads the file: it never touches a Qt object, and the vault
(opened later on the database lane) stays the one owner of the database.
"""

from __future__ import annotations

import threading
from pathlib import Path

from peerdesk.store.glimpse import FirstGlimpse, glimpse

__all__ = ["EarlyGlimpse", "FirstGlimpse", "glimpse"]


class EarlyGlimpse:
    def __init__(self, data_dir: Path) -> None:
        self._found: FirstGlimpse | None = None
        self._done = threading.Event()
        threading.Thread(target=self._read, args=(data_dir,), name="PeerDesk first glimpse",
                         daemon=True).start()

    def _read(self, data_dir: Path) -> None:
        try:
            self._found = glimpse(data_dir)
        finally:
            self._done.set()

    def wait(self, seconds: float | None) -> tuple[bool, FirstGlimpse | None]:
        """(read by then, what was found: None for nothing usable)."""
        done = self._done.wait(seconds)
        return done, self._found if done else None
