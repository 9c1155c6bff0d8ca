"""A user's secrets: a symmetric own key, an X25519 key for receiving, Ed25519 for signing."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from peerdesk.crypto import aead
from peerdesk.errors import DecryptionFailed, WrongPassphrase

_SECRETS_AAD = b"peerdesk/account-secrets/v1|"


@dataclass(frozen=True)
class PublicKeys:
    receive: bytes  # X25519, raw 32 bytes
    verify: bytes  # Ed25519, raw 32 bytes


class UserKeys:
    """Unwrapped secrets of one unlocked user. Kept in memory only; dropped on lock."""

    __slots__ = ("_receive", "_sign", "own", "own_key")

    def __init__(self, own_key: bytes, receive: x25519.X25519PrivateKey,
                 sign: ed25519.Ed25519PrivateKey) -> None:
        self.own_key = own_key
        # One cipher object for the fast path: the owner's own copies are sealed with it.
        self.own = AESGCM(own_key)
        self._receive = receive
        self._sign = sign

    @classmethod
    def generate(cls) -> UserKeys:
        return cls(aead.new_key(), x25519.X25519PrivateKey.generate(),
                   ed25519.Ed25519PrivateKey.generate())

    @property
    def receive_key(self) -> x25519.X25519PrivateKey:
        return self._receive

    def public(self) -> PublicKeys:
        return PublicKeys(self._receive.public_key().public_bytes_raw(),
                          self._sign.public_key().public_bytes_raw())

    def sign(self, message: bytes) -> bytes:
        return self._sign.sign(message)

    def seal_with_passphrase_key(self, kek: bytes, *, account_id: str) -> bytes:
        secrets = (self.own_key + self._receive.private_bytes_raw()
                   + self._sign.private_bytes_raw())
        return aead.seal(kek, secrets, aad=_SECRETS_AAD + account_id.encode())

    @classmethod
    def open_with_passphrase_key(cls, kek: bytes, blob: bytes, *, account_id: str) -> UserKeys:
        try:
            secrets = aead.open_(kek, blob, aad=_SECRETS_AAD + account_id.encode())
        except DecryptionFailed:
            raise WrongPassphrase("That passphrase is not right for this account.") from None
        return cls(secrets[:32], x25519.X25519PrivateKey.from_private_bytes(secrets[32:64]),
                   ed25519.Ed25519PrivateKey.from_private_bytes(secrets[64:96]))


def verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
