"""Round trips and binding for every encoder in peerdesk.crypto."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import x25519
from hypothesis import given
from hypothesis import strategies as st

from peerdesk.crypto import aead, envelope
from peerdesk.crypto.kdf import KdfParams, derive
from peerdesk.crypto.keys import UserKeys, verify
from peerdesk.crypto.payload import open_fields, record_aad, seal_fields
from peerdesk.errors import DecryptionFailed, WrongPassphrase
from tests.conftest import LIGHT_KDF

KEY = bytes(range(32))


@given(st.binary(max_size=4096), st.binary(max_size=64))
def test_aead_round_trip(plaintext: bytes, aad: bytes) -> None:
    assert aead.open_(KEY, aead.seal(KEY, plaintext, aad=aad), aad=aad) == plaintext


@given(st.binary(min_size=1, max_size=256), st.integers(min_value=0))
def test_any_flipped_byte_is_refused(plaintext: bytes, position: int) -> None:
    blob = bytearray(aead.seal(KEY, plaintext, aad=b"a"))
    blob[position % len(blob)] ^= 0x01
    with pytest.raises(DecryptionFailed):
        aead.open_(KEY, bytes(blob), aad=b"a")


def test_ciphertext_cannot_move_to_another_record() -> None:
    aad = record_aad("record-1", "diary", 1, "author")
    blob = seal_fields(KEY, {"what_happened": "walk"}, aad=aad)
    for other in (record_aad("record-2", "diary", 1, "author"),
                  record_aad("record-1", "reflection", 1, "author"),
                  record_aad("record-1", "diary", 2, "author"),
                  record_aad("record-1", "diary", 1, "someone-else"),
                  record_aad("record-1", "diary", 1, "author", private=True)):
        with pytest.raises(DecryptionFailed):
            open_fields(KEY, blob, aad=other)


@given(st.dictionaries(st.text(max_size=20), st.text(max_size=300), max_size=8))
def test_fields_round_trip_and_length_is_padded(fields: dict[str, str]) -> None:
    aad = record_aad("r", "diary", 1, "a")
    blob = seal_fields(KEY, fields, aad=aad)
    assert open_fields(KEY, blob, aad=aad) == fields
    assert (len(blob) - aead.NONCE_BYTES - 16) % 256 == 0


def test_hpke_wrap_opens_only_for_its_reader_and_context() -> None:
    reader = x25519.X25519PrivateKey.generate()
    stranger = x25519.X25519PrivateKey.generate()
    owner = UserKeys.generate()
    ctx = envelope.wrap_context("r", 1, "reader")
    blob = envelope.wrap_for_reader(reader.public_key().public_bytes_raw(), KEY, context=ctx)
    assert envelope.unwrap(envelope.HPKE_SUITE, blob, own=owner.own, receive_key=reader,
                           context=ctx) == KEY
    with pytest.raises(DecryptionFailed):
        envelope.unwrap(envelope.HPKE_SUITE, blob, own=owner.own, receive_key=stranger,
                        context=ctx)
    with pytest.raises(DecryptionFailed):
        envelope.unwrap(envelope.HPKE_SUITE, blob, own=owner.own, receive_key=reader,
                        context=envelope.wrap_context("r", 2, "reader"))


def test_unknown_suite_is_named_not_guessed() -> None:
    owner = UserKeys.generate()
    with pytest.raises(DecryptionFailed, match="cannot read"):
        envelope.unwrap("pq-kem-2040", b"x", own=owner.own, receive_key=owner.receive_key,
                        context=b"c")


def test_kdf_params_travel_as_json() -> None:
    params = KdfParams.fresh()
    assert KdfParams.from_json(params.to_json()) == params
    assert (params.memory_kib, params.iterations, params.lanes) == (64 * 1024, 3, 4)


def test_same_passphrase_typed_differently_derives_the_same_key() -> None:
    composed, decomposed = "caf\u00e9 on the ward", "cafe\u0301 on the ward"
    assert derive(composed, LIGHT_KDF) == derive(decomposed, LIGHT_KDF)
    assert derive(composed, LIGHT_KDF) != derive("cafe on the ward", LIGHT_KDF)


def test_account_secrets_open_only_with_the_right_passphrase_and_account() -> None:
    keys = UserKeys.generate()
    kek = derive("right passphrase!", LIGHT_KDF)
    sealed = keys.seal_with_passphrase_key(kek, account_id="acc-1")
    opened = UserKeys.open_with_passphrase_key(kek, sealed, account_id="acc-1")
    assert opened.own_key == keys.own_key and opened.public() == keys.public()
    with pytest.raises(WrongPassphrase):
        UserKeys.open_with_passphrase_key(derive("wrong passphrase", LIGHT_KDF), sealed,
                                          account_id="acc-1")
    with pytest.raises(WrongPassphrase):
        UserKeys.open_with_passphrase_key(kek, sealed, account_id="acc-2")


def test_signatures_verify_only_the_signed_message() -> None:
    keys = UserKeys.generate()
    sig = keys.sign(b"entry")
    assert verify(keys.public().verify, sig, b"entry")
    assert not verify(keys.public().verify, sig, b"entry2")
    assert not verify(UserKeys.generate().public().verify, sig, b"entry")
