"""Per-user display preferences (text size, high contrast, window geometry): not secret, kept
next to the vault so each data folder and each person keeps their own.

"Per user" means per PeerDesk account: a ward PC has one Windows login that every member of
staff shares, so the operating system's own per-user settings would be one person's choices
imposed on all. The sign-in screen follows the last choice made on this computer.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any, NamedTuple

from PySide6.QtCore import QByteArray, QSettings

from peerdesk.errors import PeerDeskError

FILE_NAME = "display.json"
GEOMETRY_FILE = "window.ini"  # QSettings' own format for QWidget.saveGeometry()


class Display(NamedTuple):
    large_text: bool = False
    high_contrast: bool = False


class Prefs:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / FILE_NAME
        self._geometry_path = data_dir / GEOMETRY_FILE

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def display(self, account_id: str | None = None) -> Display:
        data = self._read()
        users = data.get("users")
        entry = users.get(account_id) if account_id and isinstance(users, dict) else None
        if not isinstance(entry, dict):
            device = data.get("device")
            entry = device if isinstance(device, dict) else {}
        return Display(bool(entry.get("large_text")), bool(entry.get("high_contrast")))

    def set_display(self, display: Display, account_id: str | None = None) -> None:
        data = self._read()
        data["device"] = display._asdict()  # the sign-in screen follows the last choice
        if account_id:
            data.setdefault("users", {})[account_id] = display._asdict()
        self._write(data)

    def geometry(self, account_id: str | None = None) -> QByteArray | None:
        """The window geometry this account left, or (no account: before sign-in) the last one
        left on this computer; None when there is none."""
        key = f"users/{account_id}/geometry" if account_id else "device/geometry"
        value = self._settings().value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_geometry(self, geometry: QByteArray, account_id: str | None = None) -> None:
        settings = self._settings()
        settings.setValue("device/geometry", geometry)
        if account_id:
            settings.setValue(f"users/{account_id}/geometry", geometry)
        settings.sync()  # a failed write only loses a window size: no error message

    def _settings(self) -> QSettings:
        return QSettings(str(self._geometry_path), QSettings.Format.IniFormat)

    def _write(self, data: dict[str, Any]) -> None:
        # A display preference is not worth an error message.
        with contextlib.suppress(PeerDeskError):
            from peerdesk.exports.files import write_atomic  # on the first change only

            write_atomic(self.path, json.dumps(data, indent=2))
