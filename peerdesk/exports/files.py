"""Every file PeerDesk writes for people to take away: whole or not at all, and readable by
its owner only."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import tempfile
import unicodedata
from datetime import date
from pathlib import Path

from peerdesk.durable import sync_folder
from peerdesk.errors import DiskFull, InvalidInput

OWNER_ONLY = 0o600
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def write_atomic(path: Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` through a temp file in the same folder, flushed to disk and
    renamed over the target, so a reader never sees half a file and a crash leaves either the
    old file or the new one. The file is created owner-only (0600) before a byte is written.
    On Windows the file takes the folder's permissions (ACLs), which is why copies default to
    the user's own folders."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if path.exists() and path.is_dir():
        raise InvalidInput(f"{path} is a folder, not a file.")
    try:
        # A folder made for copies (a subject access bundle's) is the owner's alone too.
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # mkstemp opens with O_EXCL and mode 0600.
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _problem(exc, path) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, OWNER_ONLY)
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise _problem(exc, path) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    sync_folder(path.parent)
    return path


def write_json(path: Path, data: object) -> Path:
    return write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _problem(exc: OSError, path: Path) -> Exception:
    if exc.errno == errno.ENOSPC:
        return DiskFull(f"There is no room left to save {path.name}. Free some space, or "
                        "choose another place.")
    reason = exc.strerror or "it cannot be written"
    return InvalidInput(f"{path} could not be saved: {reason}.")


def file_name(*parts: str, on: date | None = None, suffix: str) -> str:
    """A file name made of its parts and the date, safe on Windows and Linux: "My crisis plan
    - Zofia - 2026-07-14.pdf". Letters of every script are kept as they are."""
    words = []
    for part in parts:
        text = unicodedata.normalize("NFC", _UNSAFE.sub(" ", part)).strip(" .")
        text = re.sub(r"\s+", " ", text)
        if text:
            words.append(text[:60].strip())
    if on is not None:
        words.append(on.isoformat())
    stem = " - ".join(words) or "PeerDesk"
    return f"{stem}.{suffix.lstrip('.')}"
