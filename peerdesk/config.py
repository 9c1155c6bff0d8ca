"""The machine policy set by trust IT: a JSON file in the machine-wide config folder.

A user cannot weaken it from the app; an invalid file gives a message naming the field.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import platformdirs

from peerdesk.errors import InvalidInput
from peerdesk.paths import APP_NAME

POLICY_ENV = "PEERDESK_POLICY"  # an explicit path, for testing a policy before rolling it out

DEFAULT_ESCALATION = (
    "If you are worried about someone's safety, tell the nurse in charge or the duty worker "
    "now, and follow your team's safeguarding procedure. A private diary must not be the only "
    "place a risk is written down."
)


@dataclass(frozen=True)
class Policy:
    team: str | None = None
    share_location: str | None = None
    auto_lock_minutes: int = 5
    clipboard_clear_seconds: int = 30
    passphrase_min_length: int = 12
    allow_remember_me: bool = False
    escalation_text: str = DEFAULT_ESCALATION
    recovery_public_key: str | None = None  # hex X25519; its private half is held offline by IG
    kdf_memory_mib: int = 64
    kdf_iterations: int = 3

    def __post_init__(self) -> None:
        bounds = {"auto_lock_minutes": (1, 60), "clipboard_clear_seconds": (5, 600),
                  "passphrase_min_length": (8, 128), "kdf_memory_mib": (19, 4096),
                  "kdf_iterations": (1, 20)}
        for name, (low, high) in bounds.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise InvalidInput(f"Policy setting {name!r} must be a whole number from {low} "
                                   f"to {high}.")
        if self.recovery_public_key is not None:
            try:
                ok = len(bytes.fromhex(self.recovery_public_key)) == 32
            except ValueError:
                ok = False
            if not ok:
                raise InvalidInput("Policy setting 'recovery_public_key' must be 64 hex characters.")

    @classmethod
    def from_json(cls, data: Any, *, source: str = "policy") -> Policy:
        if not isinstance(data, dict):
            raise InvalidInput(f"The {source} must be a JSON object.")
        known = {f.name: f for f in fields(cls)}
        for name, value in data.items():
            if name not in known:
                raise InvalidInput(f"The {source} has an unknown setting {name!r}.")
            expected = {"int": int, "bool": bool}.get(str(known[name].type), str)
            if value is not None and not isinstance(value, expected):
                raise InvalidInput(f"Policy setting {name!r} has the wrong type.")
        return cls(**data)


def policy_path() -> Path:
    explicit = os.environ.get(POLICY_ENV)
    if explicit:
        return Path(explicit)
    return Path(platformdirs.site_config_dir(APP_NAME, appauthor=False)) / "policy.json"


def load_policy(path: Path | None = None) -> Policy:
    path = path or policy_path()
    if not path.exists():
        return Policy()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"The machine policy {path} cannot be read: {exc}.") from None
    return Policy.from_json(data, source=f"machine policy {path}")
