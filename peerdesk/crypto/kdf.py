"""Passphrase to key with Argon2id; the parameters travel with each account."""

from __future__ import annotations

import json
import os
import unicodedata
from dataclasses import asdict, dataclass

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id


@dataclass(frozen=True)
class KdfParams:
    salt: bytes
    memory_kib: int = 64 * 1024
    iterations: int = 3
    lanes: int = 4
    algorithm: str = "argon2id"

    @classmethod
    def fresh(cls, *, memory_kib: int = 64 * 1024, iterations: int = 3, lanes: int = 4) -> KdfParams:
        return cls(salt=os.urandom(16), memory_kib=memory_kib, iterations=iterations, lanes=lanes)

    def to_json(self) -> str:
        data = asdict(self) | {"salt": self.salt.hex()}
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> KdfParams:
        data = json.loads(text)
        return cls(**(data | {"salt": bytes.fromhex(data["salt"])}))


def derive(passphrase: str, params: KdfParams) -> bytes:
    """Slow on purpose (~0.1-0.5 s): call it off the UI thread."""
    if params.algorithm != "argon2id":
        raise ValueError(f"unknown key derivation {params.algorithm!r}")
    # NFC so the same passphrase typed through different keyboards gives the same key.
    secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    kdf = Argon2id(salt=params.salt, length=32, iterations=params.iterations,
                   lanes=params.lanes, memory_cost=params.memory_kib)
    return kdf.derive(secret)
