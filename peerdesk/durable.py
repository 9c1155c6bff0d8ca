"""Making a write last: a file's bytes and a folder's entries flushed to the disk."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_folder(folder: Path) -> None:
    """A rename or an unlink is durable only once its folder is flushed (POSIX; Windows has no
    directory handles to flush, and NTFS journals the rename)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fsync_file(folder)
