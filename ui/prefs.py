"""Per-user display preferences (large text, high contrast): not secret, kept next to the
vault so each data folder and each person keeps their own."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

FILE_NAME = "display.json"


@dataclass(frozen=True)
class Display:
    large_text: bool = False
    high_contrast: bool = False


class Prefs:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / FILE_NAME

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
        data["device"] = asdict(display)  # the sign-in screen follows the last choice
        if account_id:
            data.setdefault("users", {})[account_id] = asdict(display)
        self._write(data)

    def _write(self, data: dict[str, Any]) -> None:
        tmp = self.path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass  # a display preference is not worth an error message
