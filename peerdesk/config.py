"""The machine policy set by trust IT: a JSON file in the machine-wide config folder.

Every client (the app, the ``peerdesk`` command) gets the same policy: ``Vault`` loads it, so
a user cannot weaken it from the app. An invalid file stops start-up with a sentence naming
the setting; a missing file means the defaults below. The schema is documented in
docs/deployment.md and installers/policy.schema.json.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import Any

import platformdirs

from peerdesk import dates
from peerdesk.errors import InvalidInput
from peerdesk.paths import APP_NAME

POLICY_ENV = "PEERDESK_POLICY"  # an explicit path, for testing a policy before rolling it out
POLICY_FILE = "policy.json"
LINUX_POLICY_DIR = Path("/etc/peerdesk")

DEFAULT_ESCALATION = (
    "If you are worried about someone's safety, tell the nurse in charge or the duty worker "
    "now, and follow your team's safeguarding procedure. A private diary must not be the only "
    "place a risk is written down."
)

# Inclusive bounds of every whole-number setting.
BOUNDS: dict[str, tuple[int, int]] = {
    "auto_lock_minutes": (1, 60),
    "clipboard_clear_seconds": (5, 600),
    "passphrase_min_length": (12, 128),
    "kdf_memory_mib": (19, 1024),
    "kdf_iterations": (1, 20),
    "retention_care_years": (1, 100),
    "retention_staff_years": (1, 100),
    "first_meeting_days": (1, 28),
}
# National lines printed on every crisis card unless the policy gives the trust's own list
# (its crisis line first). Checked against NHS England's "get help now" page; a trust should
# add its own 24-hour line through the policy.
DEFAULT_CRISIS_NUMBERS: tuple[tuple[str, str], ...] = (
    ("NHS 111, choose the mental health option", "111"),
    ("Samaritans, any time, free", "116 123"),
    ("Shout, text SHOUT", "85258"),
    ("If a life is at risk now", "999"),
)
MAX_CRISIS_NUMBERS = 8

# OWASP's floor for Argon2id is 19 MiB with 2 passes (or 46 MiB with one): memory x passes.
KDF_MIN_WORK = 38
MAX_TEXT = 2000


@dataclass(frozen=True)
class Policy:
    team: str | None = None
    share_location: str | None = None  # a folder, a UNC path, or smb://host/share/path
    auto_lock_minutes: int = 5
    clipboard_clear_seconds: int = 30
    passphrase_min_length: int = 12
    allow_remember_me: bool = False
    escalation_text: str = DEFAULT_ESCALATION
    recovery_public_key: str | None = None  # hex X25519; its private half is held offline by IG
    kdf_memory_mib: int = 64
    kdf_iterations: int = 3
    # Retention (peerdesk/services/retention.py): records about a person are part of their
    # mental health care record, 20 years after last contact (Records Management Code of
    # Practice 2021, Appendix II); reflections and supervision are staff records, a class the
    # trust's records manager agrees (6 years is a placeholder, not a Code figure).
    retention_care_years: int = 20
    retention_staff_years: int = 6
    # Dates and times are shown in this zone (stored times are UTC): peerdesk/dates.py.
    time_zone: str = dates.DEFAULT_ZONE
    # (who, number) pairs for the crisis card, the trust's own line first.
    crisis_numbers: tuple[tuple[str, str], ...] = DEFAULT_CRISIS_NUMBERS
    # The team's target for the first meeting after discharge, in days from the discharge
    # date (3 for a 72-hour standard); Today flags it before it lapses.
    first_meeting_days: int = 7

    def __post_init__(self) -> None:
        for name, (low, high) in BOUNDS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise InvalidInput(f"Policy setting {name!r} must be a whole number from {low} "
                                   f"to {high}.")
        if self.kdf_memory_mib * self.kdf_iterations < KDF_MIN_WORK:
            raise InvalidInput(
                f"Policy settings 'kdf_memory_mib' x 'kdf_iterations' must be at least "
                f"{KDF_MIN_WORK} (for example 19 MiB with 2 iterations); weaker key derivation "
                "is not allowed.")
        self._check_texts()
        self._check_time_zone()
        self._check_crisis_numbers()
        if not isinstance(self.allow_remember_me, bool):
            raise InvalidInput("Policy setting 'allow_remember_me' must be true or false.")
        if self.recovery_public_key is not None:
            try:
                ok = len(bytes.fromhex(self.recovery_public_key)) == 32
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise InvalidInput("Policy setting 'recovery_public_key' must be 64 hex characters "
                                   "(a raw X25519 public key).")

    def _check_texts(self) -> None:
        for name in ("team", "share_location", "escalation_text"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value.strip()
                                      or len(value) > MAX_TEXT):
                raise InvalidInput(f"Policy setting {name!r} must be non-empty text of at most "
                                   f"{MAX_TEXT} characters, or left out.")

    def _check_time_zone(self) -> None:
        if not isinstance(self.time_zone, str):
            raise InvalidInput("Policy setting 'time_zone' must be a name like 'Europe/London'.")
        if self.time_zone == dates.DEFAULT_ZONE:
            return  # loaded when first used: see peerdesk/dates.py
        try:
            dates.zone_named(self.time_zone)
        except InvalidInput as exc:
            raise InvalidInput(f"Policy setting 'time_zone': {exc}") from None

    def _check_crisis_numbers(self) -> None:
        numbers = self.crisis_numbers
        if (not isinstance(numbers, tuple) or not 1 <= len(numbers) <= MAX_CRISIS_NUMBERS
                or not all(isinstance(n, tuple) and len(n) == 2 and all(
                    isinstance(t, str) and t.strip() and len(t) <= 200 for t in n)
                    for n in numbers)):
            raise InvalidInput(
                "Policy setting 'crisis_numbers' must list 1 to 8 lines, each "
                '{"name": "…", "number": "…"} with short text.')

    @cached_property  # read on every save
    def recovery_key(self) -> bytes | None:
        return bytes.fromhex(self.recovery_public_key) if self.recovery_public_key else None

    @cached_property
    def recovery_reader_id(self) -> str | None:
        """The reader id under which record keys are wrapped for the recovery key. It names
        the key (a fingerprint), so after a rotation IG can tell which key opens which copy."""
        key = self.recovery_key
        return None if key is None else recovery_reader_id(key)

    @property
    def kdf_memory_kib(self) -> int:
        return self.kdf_memory_mib * 1024

    @classmethod
    def from_json(cls, data: Any, *, source: str = "policy") -> Policy:
        if not isinstance(data, dict):
            raise InvalidInput(f"The {source} must be a JSON object {{...}}.")
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for name, value in data.items():
            # "$schema" and "_anything" are annotations for the people who maintain the file.
            if name == "$schema" or name.startswith("_"):
                continue
            if name not in known:
                import difflib  # only for a policy with a mistyped key

                close = difflib.get_close_matches(name, known, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise InvalidInput(f"The {source} has an unknown setting {name!r}.{hint}")
            if name == "crisis_numbers":
                values[name] = _crisis_numbers(value, source)
                continue
            kind = str(known[name].type).split(" |")[0]
            expected = {"int": (int, "a whole number"), "bool": (bool, "true or false")}.get(
                kind, (str, "text"))
            wrong = value is None or not isinstance(value, expected[0]) or (
                expected[0] is int and isinstance(value, bool))
            if wrong and not (value is None and "None" in str(known[name].type)):
                raise InvalidInput(f"Policy setting {name!r} must be {expected[1]}; "
                                   f"the {source} has {json.dumps(value)[:40]}.")
            values[name] = value
        return cls(**values)

    def describe(self) -> dict[str, Any]:
        """The settings in force, for ``--check-policy`` and support calls (no secrets here:
        the recovery key is public)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["crisis_numbers"] = [{"name": n, "number": d} for n, d in self.crisis_numbers]
        return out


def _crisis_numbers(value: Any, source: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list) or not all(
            isinstance(v, dict) and set(v) <= {"name", "number"} and
            isinstance(v.get("name"), str) and isinstance(v.get("number"), str) for v in value):
        raise InvalidInput(f"Policy setting 'crisis_numbers' in the {source} must be a list of "
                           '{"name": "…", "number": "…"} entries.')
    return tuple((v["name"].strip(), v["number"].strip()) for v in value)


def recovery_reader_id(public_key: bytes) -> str:
    import hashlib

    return "recovery-" + hashlib.sha256(public_key).hexdigest()[:16]


def machine_policy_dir() -> Path:
    """%ProgramData%\\PeerDesk on Windows, /etc/peerdesk on Linux,
    /Library/Application Support/PeerDesk on macOS."""
    if sys.platform.startswith("linux"):
        return LINUX_POLICY_DIR
    return Path(platformdirs.site_config_dir(APP_NAME, appauthor=False))


def policy_path() -> Path:
    explicit = os.environ.get(POLICY_ENV)
    if explicit:
        return Path(explicit)
    return machine_policy_dir() / POLICY_FILE


def load_policy(path: Path | None = None) -> Policy:
    path = path or policy_path()
    try:
        # utf-8-sig: Notepad and Windows PowerShell 5 write a byte-order mark.
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        if os.environ.get(POLICY_ENV):
            raise InvalidInput(f"The machine policy {path} named in {POLICY_ENV} does not "
                               "exist.") from None
        return Policy()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise InvalidInput(f"The machine policy {path} cannot be read: {reason}.") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"The machine policy {path} is not valid JSON (line {exc.lineno}, "
                           f"column {exc.colno}).") from None
    policy = Policy.from_json(data, source=f"machine policy {path}")
    dates.use_zone(policy.time_zone)
    return policy
