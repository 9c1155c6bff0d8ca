"""The trust recovery key: an X25519 key whose private half is a passphrase-protected file
(PKCS#8 PEM) that information governance keeps offline, and whose public half is in the
machine policy. Every version's key is wrapped for it; only this module reads the file."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import x25519

from peerdesk.errors import InvalidInput, NotAllowed

RecoveryKey = x25519.X25519PrivateKey


def load(path: Path, passphrase: str | bytes) -> RecoveryKey:
    """The key file made by ``recovery.py keygen``, opened with its passphrase."""
    secret = passphrase.encode() if isinstance(passphrase, str) else passphrase
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=secret)
    except OSError as exc:
        raise InvalidInput(f"Cannot read the recovery key file {path}: {exc.strerror}.") from None
    except (ValueError, TypeError):
        raise NotAllowed("The recovery key file could not be opened: wrong passphrase, or not "
                         "a PeerDesk recovery key.") from None
    if not isinstance(key, x25519.X25519PrivateKey):
        raise InvalidInput(f"{path} is not a PeerDesk recovery key.")
    return key


def public_bytes(key: RecoveryKey) -> bytes:
    return key.public_key().public_bytes_raw()
