"""Where a person's copy may go: their memory stick if one is plugged in, never a folder of
the shared profile by default (on a ward PC every member of staff has the same Documents)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QStorageInfo

DRIVE_REMOVABLE = 2  # GetDriveTypeW


def _removable_on_windows(root: str) -> bool:
    import ctypes

    kernel32 = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined,unused-ignore]
    return bool(kernel32.GetDriveTypeW(root) == DRIVE_REMOVABLE)


def removable_folders() -> list[Path]:
    """Writable memory sticks and other removable drives, as mounted now."""
    out = []
    for volume in QStorageInfo.mountedVolumes():
        if not volume.isValid() or not volume.isReady() or volume.isReadOnly():
            continue
        root = volume.rootPath()
        if sys.platform == "win32":
            removable = _removable_on_windows(root)
        else:  # udisks mounts what a user plugs in under /media/<user> or /run/media/<user>
            removable = root.startswith(("/media/", "/run/media/"))
        if removable:
            out.append(Path(root))
    return out


def on_removable(path: Path) -> bool:
    return any(path == root or root in path.parents for root in removable_folders())


def suggested_folder(fallback: Path | None) -> Path | None:
    """The person's memory stick if there is one; else ``fallback`` (given only where the
    folder is known to be right, like a test's or a kiosk's); else None: ask."""
    sticks = removable_folders()
    return sticks[0] if sticks else fallback
