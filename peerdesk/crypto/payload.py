"""A record version's fields as sealed bytes, bound to who and what they belong to."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from peerdesk import strict_json
from peerdesk.crypto import aead, envelope
from peerdesk.crypto.keys import UserKeys
from peerdesk.errors import DecryptionFailed, InvalidInput

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
        fields = strict_json.loads(raw)
    except InvalidInput:
        raise DecryptionFailed("This item decrypted but could not be read.") from None
    if not isinstance(fields, dict):
        raise DecryptionFailed("This item decrypted but could not be read.")
    return fields


@dataclass(frozen=True)
class SealedVersion:
    """A stored version's sealed parts and what they are bound to."""

    record_id: str
    kind: str
    author_id: str
    vid: str
    ciphertext: bytes
    private_ciphertext: bytes | None = None


def seal_version(keys: UserKeys, record_id: str, kind: str, vid: str, author_id: str,
                 shared: Mapping[str, Any], private: Mapping[str, Any],
                 ) -> tuple[SealedVersion, bytes]:
    """A new version under a fresh content key (returned, to be wrapped for each reader).
    Private fields are sealed under the author's own key alone."""
    content_key = aead.new_key()
    ciphertext = seal_fields(content_key, shared, aad=record_aad(record_id, kind, vid, author_id))
    private_ct = seal_fields(keys.own, private, aad=record_aad(
        record_id, kind, vid, author_id, private=True)) if private else None
    return SealedVersion(record_id, kind, author_id, vid, ciphertext, private_ct), content_key


def wraps_for(keys: UserKeys, record_id: str, vid: str, owner_id: str, content_key: bytes,
              readers: Iterable[tuple[str, bytes]]) -> list[tuple[str, str, bytes]]:
    """(reader, suite, wrapped) for the owner (her own key: fast to open) and for each other
    reader (HPKE to their public key)."""
    out = [(owner_id, envelope.OWNER_SUITE, envelope.wrap_for_owner(
        keys.own, content_key, context=envelope.wrap_context(record_id, vid, owner_id)))]
    out += [(reader_id, envelope.HPKE_SUITE, envelope.wrap_for_reader(
        public, content_key, context=envelope.wrap_context(record_id, vid, reader_id)))
        for reader_id, public in readers]
    return out


def open_version(keys: UserKeys, reader_id: str, sealed: SealedVersion, suite: str,
                 wrapped: bytes) -> dict[str, Any]:
    """A version's fields as ``reader_id`` may read them, through her wrap of its key. The
    author also gets her private fields; any other reader never does."""
    content_key = envelope.unwrap(suite, wrapped, own=keys.own,
                                  receive_key=keys.receive_key,
                                  context=envelope.wrap_context(sealed.record_id, sealed.vid,
                                                                reader_id))
    fields = open_fields(content_key, sealed.ciphertext, aad=record_aad(
        sealed.record_id, sealed.kind, sealed.vid, sealed.author_id))
    if sealed.private_ciphertext is not None and sealed.author_id == reader_id:
        fields |= open_fields(keys.own, sealed.private_ciphertext, aad=record_aad(
            sealed.record_id, sealed.kind, sealed.vid, sealed.author_id, private=True))
    return fields


def open_with_key(receive_key: x25519.X25519PrivateKey, reader_id: str,
                  sealed: SealedVersion, suite: str, wrapped: bytes) -> dict[str, Any]:
    """A version's shared fields for a reader who holds only a private key (the trust
    recovery key): never the author's private fields, which are sealed for her alone."""
    if suite != envelope.HPKE_SUITE:
        raise DecryptionFailed(f"This item uses an encryption suite this key cannot open ({suite}).")
    content_key = envelope.open_sealed(
        receive_key, wrapped, context=envelope.wrap_context(sealed.record_id, sealed.vid, reader_id),
        failure="This item's key failed its integrity check: it was changed or damaged.")
    return open_fields(content_key, sealed.ciphertext, aad=record_aad(
        sealed.record_id, sealed.kind, sealed.vid, sealed.author_id))


def rewrapper(keys: UserKeys, owner_id: str, record_id: str, vid: str, reader_id: str,
              public: bytes) -> Callable[[str, bytes], tuple[str, bytes]]:
    """Turns the owner's wrap of one version key (suite, wrapped) into one for one more
    reader (sharing): what the store calls when it gives that reader the key."""
    def rewrap(own_suite: str, own_wrapped: bytes) -> tuple[str, bytes]:
        content_key = envelope.unwrap(own_suite, own_wrapped, own=keys.own,
                                      receive_key=keys.receive_key,
                                      context=envelope.wrap_context(record_id, vid, owner_id))
        return envelope.HPKE_SUITE, envelope.wrap_for_reader(
            public, content_key, context=envelope.wrap_context(record_id, vid, reader_id))
    return rewrap


def rewrap_with_key(receive_key: x25519.X25519PrivateKey, holder_id: str, record_id: str,
                    vid: str, wrapped: bytes, reader_id: str, public: bytes) -> bytes:
    """A version key wrapped for a reader who holds only a private key (the trust recovery
    key, ``holder_id``), wrapped again for one more reader (HPKE): a handover made from the
    team share when the author's computer is gone. The content is never opened."""
    content_key = envelope.open_sealed(
        receive_key, wrapped, context=envelope.wrap_context(record_id, vid, holder_id),
        failure="This item's key failed its integrity check: it was changed or damaged.")
    return envelope.wrap_for_reader(public, content_key,
                                    context=envelope.wrap_context(record_id, vid, reader_id))
