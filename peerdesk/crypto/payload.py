"""A record version's fields as sealed bytes, bound to who and what they belong to."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from peerdesk.crypto import aead
from peerdesk.errors import DecryptionFailed

_PAD = 256


def record_aad(record_id: str, kind: str, version: int | str, author_id: str, *,
               private: bool = False) -> bytes:
    part = "private" if private else "shared"
    return f"peerdesk/record/v1|{record_id}|{kind}|{version}|{author_id}|{part}".encode()


def seal_fields(key: bytes | AESGCM, fields: Mapping[str, Any], *, aad: bytes) -> bytes:
    raw = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    # Pad to a multiple of 256 bytes so a ciphertext's length says little about the text.
    raw += b" " * (-len(raw) % _PAD)
    return aead.seal(key, raw, aad=aad)


def open_fields(key: bytes | AESGCM, blob: bytes, *, aad: bytes) -> dict[str, Any]:
    raw = aead.open_(key, blob, aad=aad)
    try:
        fields = json.loads(raw)
    except ValueError:
        raise DecryptionFailed("This item decrypted but could not be read.") from None
    if not isinstance(fields, dict):
        raise DecryptionFailed("This item decrypted but could not be read.")
    return fields
