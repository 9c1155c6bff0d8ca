"""AES-256-GCM: ``seal`` and ``open_`` return bytes or raise, never a flag."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from peerdesk.errors import DecryptionFailed

SUITE = "aes256gcm"
KEY_BYTES = 32
NONCE_BYTES = 12


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def seal(key: bytes | AESGCM, plaintext: bytes, *, aad: bytes) -> bytes:
    # 96-bit random nonce per message; a key seals few messages, so collisions are negligible.
    cipher = key if isinstance(key, AESGCM) else AESGCM(key)
    nonce = os.urandom(NONCE_BYTES)
    return nonce + cipher.encrypt(nonce, plaintext, aad)


def open_(key: bytes | AESGCM, blob: bytes, *, aad: bytes) -> bytes:
    cipher = key if isinstance(key, AESGCM) else AESGCM(key)
    try:
        return cipher.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
    except (InvalidTag, ValueError):
        raise DecryptionFailed("This item failed its integrity check: it was changed or damaged.") from None
