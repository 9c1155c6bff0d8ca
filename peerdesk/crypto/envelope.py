"""Content keys wrapped for each reader.

The owner's copies use the symmetric own key (fast to open on every unlock); everyone
else's use HPKE (RFC 9180). The suite id is stored beside each wrap so records, which live
for decades, can move to a post-quantum KEM without rewriting old ones.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite

from peerdesk.crypto import aead
from peerdesk.errors import DecryptionFailed

# The suite id names the owner's key as it was once called (the vault key); ids are stored with
# every wrap and on the share, so they never change.
OWNER_SUITE = "vault-aes256gcm"
HPKE_SUITE = "hpke-x25519-hkdfsha256-aes256gcm"
_HPKE = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.AES_256_GCM)


def wrap_context(record_id: str, version: int | str, reader_id: str) -> bytes:
    """Binds a wrapped key to one version and one reader, so it cannot be moved."""
    return f"peerdesk/wrap/v1|{record_id}|{version}|{reader_id}".encode()


def wrap_for_owner(own: AESGCM, content_key: bytes, *, context: bytes) -> bytes:
    return aead.seal(own, content_key, aad=context)


@lru_cache(maxsize=64)
def _recipient(public_key: bytes) -> x25519.X25519PublicKey:
    # A team has a few readers (coordinators, the recovery key): parsed once each.
    return x25519.X25519PublicKey.from_public_bytes(public_key)


def seal_to(public_key: bytes, plaintext: bytes, *, context: bytes) -> bytes:
    """HPKE (RFC 9180, base mode) to one X25519 public key, bound to ``context``."""
    return _HPKE.encrypt(plaintext, _recipient(public_key), info=context)


def open_sealed(receive_key: x25519.X25519PrivateKey, blob: bytes, *, context: bytes,
                failure: str) -> bytes:
    """The other half of ``seal_to``; ``failure`` is the sentence if it does not open."""
    try:
        return _HPKE.decrypt(blob, receive_key, info=context)
    except (InvalidTag, ValueError):  # a changed or damaged envelope, or not this key's
        raise DecryptionFailed(failure) from None


def wrap_for_reader(public_key: bytes, content_key: bytes, *, context: bytes) -> bytes:
    return seal_to(public_key, content_key, context=context)


def decoy_wrap() -> bytes:
    """A wrap nobody can open that looks like any other: a random key sealed with HPKE to a
    key pair made for it and forgotten (random bytes would not do: a real ``enc`` is always a
    point on the curve, which an observer can test)."""
    throwaway = x25519.X25519PrivateKey.generate().public_key()
    return _HPKE.encrypt(aead.new_key(), throwaway, info=b"peerdesk/decoy/v1")


def unwrap(suite: str, blob: bytes, *, own: AESGCM, receive_key: x25519.X25519PrivateKey,
           context: bytes) -> bytes:
    if suite == OWNER_SUITE:
        return aead.open_(own, blob, aad=context)
    if suite == HPKE_SUITE:
        return open_sealed(receive_key, blob, context=context, failure=(
            "This item's key failed its integrity check: it was changed or damaged."))
    raise DecryptionFailed(f"This item uses an encryption suite this version cannot read ({suite}).")
