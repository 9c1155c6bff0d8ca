"""The trust recovery key as IG keeps it: a passphrase-protected key file, and a machine policy
naming its public half."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import x25519

KEY_PASSPHRASE = "kept by IG, offline"


@dataclass(frozen=True)
class TrustKey:
    key: x25519.X25519PrivateKey
    file: Path  # the private half, PKCS#8 PEM under KEY_PASSPHRASE
    policy: Path  # a machine policy naming the public half

    @property
    def env(self) -> dict[str, str]:
        """What a CLI child needs to use it."""
        return {"PEERDESK_POLICY": str(self.policy),
                "PEERDESK_RECOVERY_PASSPHRASE": KEY_PASSPHRASE}


def trust_key(folder: Path) -> TrustKey:
    key = x25519.X25519PrivateKey.generate()
    file = folder / "trust-recovery.pem"
    file.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(KEY_PASSPHRASE.encode())))
    policy = folder / "policy.json"
    policy.write_text(json.dumps(
        {"recovery_public_key": key.public_key().public_bytes_raw().hex()}))
    return TrustKey(key, file, policy)
