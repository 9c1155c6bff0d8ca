"""An account's sealed keys on the team share: ``keys/<account-id>.json``, kind
``account-keys``. Its secrets sealed under its passphrase with the share's stronger key
derivation, signed by the account's own key, with a serial that grows at each passphrase
change. Made on the account's own device when the account is made and whenever its
passphrase changes (never by a sync); published by her next sync; taken in by every device,
so her other devices learn the new passphrase and a new device enrols with it and not the
old one."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from peerdesk.crypto.kdf import KdfParams
from peerdesk.sync import format as fmt

KIND = "account-keys"
FOLDER = "keys"
# Bounds on key derivation read from the share: no file can make a device derive for ever.
MAX_MEMORY_KIB, MAX_ITERATIONS, MAX_LANES = 1024 * 1024, 20, 16


@dataclass(frozen=True)
class SealedKeys:
    raw: bytes
    signed: dict[str, Any]
    sig: bytes
    id: str
    kdf: str  # KdfParams as JSON, as the accounts table keeps it
    secrets: bytes
    serial: int


def build(*, account_id: str, kdf: KdfParams, secrets: bytes, serial: int, now: datetime,
          sign: Callable[[bytes], bytes]) -> bytes:
    return fmt.seal_doc(KIND, {"id": account_id, "kdf": kdf.to_json(),
                               "secrets": fmt.b64(secrets), "serial": serial,
                               # The day only: nothing reads it, and an observer
                               # of the share learns no finer time from it.
                               "changed": now.date().isoformat()}, sign)


def parse(data: bytes) -> SealedKeys:
    """Raises ``fmt.Tampered`` or ``fmt.NewerFormat``; run it inside ``fmt.boundary``."""
    signed, sig = fmt.parse_doc(data, KIND)
    serial = fmt.field(signed, "serial", int)
    kdf = fmt.field(signed, "kdf", str)
    params = KdfParams.from_json(kdf)
    salt = json.loads(kdf).get("salt")
    if (params.algorithm != "argon2id" or not 8 <= params.memory_kib <= MAX_MEMORY_KIB
            or not 1 <= params.iterations <= MAX_ITERATIONS
            or not 1 <= params.lanes <= MAX_LANES or not isinstance(salt, str)
            or len(params.salt) < 16 or serial < 1):
        raise fmt.Tampered("its key derivation settings are out of bounds")
    return SealedKeys(data, signed, sig, fmt.field(signed, "id", str), kdf,
                      fmt.unb64(signed.get("secrets")), serial)


def check(found: SealedKeys, verify_public: bytes) -> None:
    """Signed by the account itself; raises ``fmt.Tampered``."""
    fmt.check_signature(KIND, found.signed, found.sig, verify_public)


def signed_by(found: SealedKeys, account_id: str, verify_public: bytes) -> bool:
    if found.id != account_id:
        return False
    try:
        check(found, verify_public)
    except fmt.Tampered:
        return False
    return True


def read(data: bytes | None) -> SealedKeys | None:
    """A copy kept on this computer (None if there is none, or it is damaged)."""
    if data is None:
        return None
    try:
        return fmt.boundary(lambda: parse(data))
    except (fmt.Tampered, fmt.NewerFormat):
        return None
