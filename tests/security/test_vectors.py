"""Known-answer vectors (tests/vectors/, made by make_vectors.py from fixed keys): the bytes
PeerDesk reads and writes on the share, checked against peerdesk.crypto and against code that
does not import PeerDesk — pyhpke for HPKE, and the byte layouts of docs/sync-protocol.md
written out here by hand. Each holds for a changed byte too: it must fail."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from pyhpke import AEADId, CipherSuite, KDFId, KEMId, KEMKey, OpenError

from peerdesk.crypto import envelope
from peerdesk.crypto.kdf import KdfParams, derive
from peerdesk.crypto.keys import UserKeys
from peerdesk.domain import Role
from peerdesk.errors import DecryptionFailed, WrongPassphrase
from peerdesk.sync import auditheads, auditnotices, certs, keyfiles, succession
from peerdesk.sync import format as fmt
from peerdesk.sync.heads import Listed
from peerdesk.sync.share import Entry

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
SUITE = CipherSuite.new(KEMId.DHKEM_X25519_HKDF_SHA256, KDFId.HKDF_SHA256, AEADId.AES256_GCM)


def load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text("utf-8"))


def flip(data: bytes, at: int = -1) -> bytes:
    return data[:at] + bytes([data[at] ^ 1]) + (data[at + 1:] if at != -1 else b"")


# -- HPKE wraps --------------------------------------------------------------------------------

@pytest.mark.parametrize("v", load("hpke.json"))
def test_hpke_wraps_open_in_peerdesk_and_are_remade_by_pyhpke(v: dict[str, str]) -> None:
    sk = x25519.X25519PrivateKey.from_private_bytes(bytes.fromhex(v["recipient_private"]))
    blob, info = bytes.fromhex(v["blob"]), v["info"].encode()
    assert envelope.open_sealed(sk, blob, context=info, failure="x") == bytes.fromhex(
        v["plaintext"])
    # pyhpke, from the same ephemeral key, makes exactly these bytes (enc ‖ ciphertext).
    eks = SUITE.kem.derive_key_pair(bytes.fromhex(v["ephemeral_ikm"]))
    enc, sender = SUITE.create_sender_context(
        KEMKey.from_pyca_cryptography_key(sk.public_key()), info=info, eks=eks)
    assert enc + sender.seal(bytes.fromhex(v["plaintext"])) == blob
    # And what PeerDesk seals (a fresh ephemeral key each time) pyhpke opens.
    sealed = envelope.seal_to(bytes.fromhex(v["recipient_public"]), b"sixteen byte key",
                              context=info)
    receiver = SUITE.create_recipient_context(
        sealed[:32], KEMKey.from_pyca_cryptography_key(sk), info=info)
    assert receiver.open(sealed[32:]) == b"sixteen byte key"


@pytest.mark.parametrize("v", load("hpke.json"))
def test_a_changed_hpke_wrap_or_context_does_not_open(v: dict[str, str]) -> None:
    sk = x25519.X25519PrivateKey.from_private_bytes(bytes.fromhex(v["recipient_private"]))
    blob, info = bytes.fromhex(v["blob"]), v["info"].encode()
    for bad_blob, bad_info in ((flip(blob), info), (flip(blob, 0), info), (blob, info + b"x")):
        with pytest.raises(DecryptionFailed):
            envelope.open_sealed(sk, bad_blob, context=bad_info, failure="changed")


# -- account secrets ------------------------------------------------------------------------------

def test_account_secrets_layout() -> None:
    v = load("account_secrets.json")
    params = KdfParams.from_json(v["kdf"])
    kek = derive(v["passphrase"], params)
    assert kek.hex() == v["kek"]
    blob = bytes.fromhex(v["secrets"])
    assert len(blob) == 124 and blob[:12].hex() == v["nonce"]
    keys = UserKeys.open_with_passphrase_key(kek, blob, account_id=v["account_id"])
    assert keys.own_key.hex() == v["own_key"]
    assert (keys.public().receive.hex(), keys.public().verify.hex()) == (
        v["receive_public"], v["verify_public"])
    # Written out from the docs, without PeerDesk: Argon2id, then AES-256-GCM.
    independent = Argon2id(salt=params.salt, length=32, iterations=params.iterations,
                           lanes=params.lanes, memory_cost=params.memory_kib).derive(
        v["passphrase"].encode())
    plain = AESGCM(independent).decrypt(
        blob[:12], blob[12:], b"peerdesk/account-secrets/v1|" + v["account_id"].encode())
    assert plain[:32].hex() == v["own_key"] and len(plain) == 96
    with pytest.raises(WrongPassphrase):  # bound to the account id
        UserKeys.open_with_passphrase_key(kek, blob, account_id="another")
    with pytest.raises(WrongPassphrase):
        UserKeys.open_with_passphrase_key(kek, flip(blob), account_id=v["account_id"])


# -- signed documents -----------------------------------------------------------------------------

def independent_check(document: str, kind: str, key_hex: str) -> dict[str, Any]:
    """A signed share document checked as the docs describe it, without PeerDesk."""
    doc = json.loads(document)
    signed = doc["signed"]
    canonical = json.dumps(signed, sort_keys=True, separators=(",", ":"),
                           ensure_ascii=True).encode()
    assert json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True) == document
    ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(key_hex)).verify(
        base64.b64decode(doc["sig"]), f"peerdesk/{kind}/v1|".encode() + canonical)
    return dict(signed)


def test_a_certificate_is_remade_byte_for_byte_and_checks_out_both_ways() -> None:
    v, a = load("documents.json"), load("account_secrets.json")
    signed = independent_check(v["certificate"], "account", v["admin_public"])
    assert (signed["role"], signed["status"], signed["serial"], signed["issuer"]) == (
        "coordinator", "active", 3, v["admin_id"])
    cert = certs.parse(v["certificate"].encode())
    fmt.check_signature("account", cert.signed, cert.sig, bytes.fromhex(v["admin_public"]))
    row = SimpleNamespace(
        id=a["account_id"], name="Amira", created_at=datetime(2026, 3, 2, 10, 30),
        kdf=a["kdf"], secrets=bytes.fromhex(a["secrets"]),
        receive_public=bytes.fromhex(a["receive_public"]),
        verify_public=bytes.fromhex(a["verify_public"]), keys_doc=None)
    admin = ed25519.Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(b"peerdesk test vector|administrator").digest())
    again = certs.issue(row, team_id=v["team"], role=Role.COORDINATOR, status="active",
                        serial=3, issuer_id=v["admin_id"], sign=admin.sign,
                        now=datetime(2026, 3, 3, 9, 0))
    assert again.decode() == v["certificate"]

    removal = certs.parse(v["removal"].encode())
    assert (removal.status, removal.streams) == (
        "removed", {"d1d1d1d1-2e2e-4f3f-8a4a-5b5b5b5b5b5b": 12})
    independent_check(v["removal"], "account", v["admin_public"])


def _refused_both_ways(doc: dict[str, Any], admin_public: str) -> None:
    """A changed certificate fails the check without PeerDesk and PeerDesk's own."""
    changed = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    with pytest.raises(InvalidSignature):
        independent_check(changed, "account", admin_public)
    cert = certs.parse(changed.encode())
    with pytest.raises(fmt.Tampered):
        fmt.check_signature("account", cert.signed, cert.sig, bytes.fromhex(admin_public))


def test_a_changed_certificate_fails_both_checks() -> None:
    v = load("documents.json")
    doc = json.loads(v["certificate"])
    doc["signed"]["role"] = "admin"
    _refused_both_ways(doc, v["admin_public"])


def test_sealed_keys_are_signed_by_the_account_itself() -> None:
    v, a = load("documents.json"), load("account_secrets.json")
    signed = independent_check(v["sealed_keys"], "account-keys", a["verify_public"])
    assert (signed["id"], signed["serial"], signed["secrets"]) == (
        a["account_id"], 2, base64.b64encode(bytes.fromhex(a["secrets"])).decode())
    sealed = keyfiles.parse(v["sealed_keys"].encode())
    assert keyfiles.signed_by(sealed, a["account_id"], bytes.fromhex(a["verify_public"]))
    assert not keyfiles.signed_by(sealed, a["account_id"], bytes.fromhex(v["admin_public"]))
    with pytest.raises((InvalidSignature, InvalidTag)):
        independent_check(v["sealed_keys"], "account-keys", v["admin_public"])
    # Dated to the day; a copy from before, dated to the second, still reads and checks out.
    assert signed["changed"] == "2026-03-04"
    before = independent_check(v["sealed_keys_before"], "account-keys", a["verify_public"])
    assert before["changed"] == "2026-03-04T08:00:00"
    assert keyfiles.signed_by(keyfiles.parse(v["sealed_keys_before"].encode()), a["account_id"],
                              bytes.fromhex(a["verify_public"]))


def _listed(v: dict[str, Any], name: str | None = None) -> Any:
    name = name or v["name"]
    device, author, count = name.removesuffix(".json").removesuffix(".notice").split(".")
    return Listed(device, author, int(count), Entry(name, 0, "file"))


def test_an_audit_head_is_remade_byte_for_byte_and_checks_out_both_ways() -> None:
    v = load("audit_head.json")
    signed = independent_check(v["audit_head"], "audit-head", v["verify_public"])
    assert signed == {"author": v["author"], "count": 412, "device": v["device"], "format": 1,
                      "hash": v["hash"], "kind": "audit-head", "team": v["team"]}
    owner = ed25519.Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(b"peerdesk test vector|sign key").digest())
    again = auditheads.build(team_id=v["team"], device_id=v["device"], author_id=v["author"],
                             count=412, hash_=bytes.fromhex(v["hash"]), sign=owner.sign)
    assert again.decode() == v["audit_head"]
    keys = {v["author"]: bytes.fromhex(v["verify_public"])}
    head = auditheads.parse(v["audit_head"].encode(), _listed(v), team_id=v["team"],
                            verify_key=keys.get)
    assert (head.device, head.author, head.count, head.hash.hex()) == (
        v["device"], v["author"], 412, v["hash"])


def test_a_changed_moved_or_foreign_audit_head_is_refused() -> None:
    v = load("audit_head.json")
    keys = {v["author"]: bytes.fromhex(v["verify_public"])}
    doc = json.loads(v["audit_head"])
    doc["signed"]["count"] = 413  # claims more entries than were signed for
    changed = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    with pytest.raises(InvalidSignature):
        independent_check(changed, "audit-head", v["verify_public"])
    with pytest.raises(fmt.Tampered, match="signature"):
        auditheads.parse(changed.encode(), _listed(v, v["name"].replace("412", "413")),
                         team_id=v["team"], verify_key=keys.get)
    with pytest.raises(fmt.Tampered, match="name does not match"):  # renamed to a higher count
        auditheads.parse(v["audit_head"].encode(), _listed(v, v["name"].replace("412", "413")),
                         team_id=v["team"], verify_key=keys.get)
    with pytest.raises(fmt.Tampered, match="another team"):
        auditheads.parse(v["audit_head"].encode(), _listed(v),
                         team_id="11111111-2222-4333-8444-555555555555", verify_key=keys.get)
    with pytest.raises(fmt.Tampered, match="has not added"):
        auditheads.parse(v["audit_head"].encode(), _listed(v), team_id=v["team"],
                         verify_key={}.get)
    with pytest.raises(fmt.Tampered, match="signature"):
        other = "0" if v["hash"][0] != "0" else "1"  # another newest entry, same count
        auditheads.parse(v["audit_head"].replace(v["hash"], other + v["hash"][1:]).encode(),
                         _listed(v), team_id=v["team"], verify_key=keys.get)


# -- a padded changeset (format 4) -------------------------------------------------------------

def author_keys() -> UserKeys:
    a = load("account_secrets.json")
    kek = bytes.fromhex(a["kek"])
    return UserKeys.open_with_passphrase_key(kek, bytes.fromhex(a["secrets"]),
                                             account_id=a["account_id"])


def section_context(v: dict[str, Any], index: int, reader: str) -> bytes:
    return json.dumps(["peerdesk/section-key/v1", v["team"], v["device"], v["author"], v["seq"],
                       index, reader], separators=(",", ":")).encode()


def test_a_padded_changeset_opens_in_peerdesk_for_its_author_and_its_reader() -> None:
    v, a = load("changeset.json"), load("account_secrets.json")
    signed, sig = fmt.parse_doc(v["changeset"].encode(), "changeset")
    fmt.check_signature("changeset", signed, sig, bytes.fromhex(a["verify_public"]))
    header = fmt.read_header(signed)
    assert header == fmt.Header(v["team"], v["device"], v["author"], v["seq"], v["prev"])
    assert fmt.open_sections(signed, header, v["author"], author_keys()) == v["entries"]
    grace = UserKeys(b"\0" * 32, x25519.X25519PrivateKey.from_private_bytes(
        bytes.fromhex(v["reader_private"])), ed25519.Ed25519PrivateKey.generate())
    assert fmt.open_sections(signed, header, v["reader"], grace) == v["entries"]


def test_a_padded_changeset_checks_out_as_the_docs_describe_it() -> None:
    """Without PeerDesk: the signature, the author's wrap (AES-256-GCM under her own key), the
    reader's among the decoys (pyhpke), the body padded with spaces to 4,096 bytes."""
    v, a = load("changeset.json"), load("account_secrets.json")
    signed = independent_check(v["changeset"], "changeset", a["verify_public"])
    assert signed["format"] == 4 and "hlc" not in signed and len(signed["sections"]) == 2
    reader = KEMKey.from_pyca_cryptography_key(x25519.X25519PrivateKey.from_private_bytes(
        bytes.fromhex(v["reader_private"])))
    opened = []
    for index, section in enumerate(signed["sections"]):
        wraps = [base64.b64decode(w["key"]) for w in section["readers"]]
        assert [w["suite"] for w in section["readers"]] == (
            ["vault-aes256gcm"] + ["hpke-x25519-hkdfsha256-aes256gcm"] * 8)
        assert [len(w) for w in wraps] == [60] + [80] * 8
        key = AESGCM(bytes.fromhex(a["own_key"])).decrypt(
            wraps[0][:12], wraps[0][12:], section_context(v, index, v["author"]))
        for wrap in wraps[1:]:
            receiver = SUITE.create_recipient_context(
                wrap[:32], reader, info=section_context(v, index, v["reader"]))
            try:
                inside = receiver.open(wrap[32:])
            except OpenError:  # a decoy, or a wrap for someone else
                continue
            assert inside == key  # the reader's wrap: the same key
            opened.append(index)
        body = base64.b64decode(section["body"])
        plain = AESGCM(key).decrypt(body[:12], body[12:], json.dumps(
            ["peerdesk/section/v1", v["team"], v["device"], v["author"], v["seq"], index],
            separators=(",", ":")).encode())
        assert len(plain) == 4096 and set(plain[len(plain.rstrip(b" ")):]) <= {32}
        assert json.loads(plain) == (v["entries"] if index == 0 else [])
    assert opened == [0]  # one of the eight is hers, in the section meant for her


def test_a_changeset_with_a_clock_in_clear_or_a_changed_byte_is_refused() -> None:
    v, a = load("changeset.json"), load("account_secrets.json")
    signed, sig = fmt.parse_doc(v["with_clock_in_clear"].encode(), "changeset")
    fmt.check_signature("changeset", signed, sig, bytes.fromhex(a["verify_public"]))
    with pytest.raises(fmt.Tampered, match="clock reading in clear"):
        fmt.read_header(signed)
    doc = json.loads(v["changeset"])
    body = bytearray(base64.b64decode(doc["signed"]["sections"][0]["body"]))
    body[100] ^= 1
    doc["signed"]["sections"][0]["body"] = base64.b64encode(bytes(body)).decode()
    changed = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    with pytest.raises(InvalidSignature):
        independent_check(changed, "changeset", a["verify_public"])
    signed, sig = fmt.parse_doc(changed.encode(), "changeset")
    with pytest.raises(fmt.Tampered):
        fmt.check_signature("changeset", signed, sig, bytes.fromhex(a["verify_public"]))
    with pytest.raises(fmt.Tampered, match="cannot be decrypted"):  # even were it signed
        fmt.open_sections(signed, fmt.read_header(signed), v["author"], author_keys())


def _reader_keys() -> UserKeys:
    def seeded(label: str) -> bytes:
        return hashlib.sha256(f"peerdesk test vector|{label}".encode()).digest()
    return UserKeys(seeded("own key"), x25519.X25519PrivateKey.from_private_bytes(
        seeded("receive key")), ed25519.Ed25519PrivateKey.from_private_bytes(seeded("sign key")))


def test_an_audit_notice_opens_for_its_reader_and_names_its_actor() -> None:
    v, a = load("audit_notice.json"), load("account_secrets.json")
    signed = independent_check(v["audit_notice"], "audit-notice", a["verify_public"])
    assert (signed["team"], signed["device"], signed["author"], signed["seq"]) == (
        v["team"], v["device"], v["author"], 57)
    item = _listed(v)
    parsed = auditnotices.parse(v["audit_notice"].encode(), item, team_id=v["team"],
                                verify_key={v["author"]: bytes.fromhex(a["verify_public"])}.get)
    actors = {v["actor"]: bytes.fromhex(v["actor_public"])}
    notice = auditnotices.open_(parsed, item, team_id=v["team"], reader_id=v["author"],
                                keys=_reader_keys(), actor_key=actors.get)
    assert notice is not None
    assert (notice.actor_id, notice.action, notice.record_id, notice.kind, notice.detail,
            notice.at.isoformat()) == (v["actor"], "break-glass", v["record"], "crisis_plan",
                                       v["detail"], v["at"])
    # The entry's hash, as docs/sync-protocol.md describes the chain, by hand: the actor's
    # signature is over it.
    prev = hashlib.sha256(b"peerdesk test vector|audit entry 56").digest()
    body = json.dumps([57, v["at"], v["actor"], "break-glass", v["record"], v["detail"]],
                      separators=(",", ":")).encode()
    assert hashlib.sha256(prev + body).hexdigest() == v["entry_hash"]


def test_an_audit_notice_in_someone_elses_name_or_for_someone_else_is_refused() -> None:
    v, a = load("audit_notice.json"), load("account_secrets.json")
    item, owner = _listed(v), bytes.fromhex(a["verify_public"])
    parsed = auditnotices.parse(v["audit_notice"].encode(), item, team_id=v["team"],
                                verify_key={v["author"]: owner}.get)
    # Whoever published it cannot pass an entry off as the actor's: her key does not match.
    with pytest.raises(fmt.Tampered, match="not signed by the person it names"):
        auditnotices.open_(parsed, item, team_id=v["team"], reader_id=v["author"],
                           keys=_reader_keys(), actor_key={v["actor"]: owner}.get)
    # Another reader's id: the wrap is bound to its reader, so nothing opens.
    assert auditnotices.open_(parsed, item, team_id=v["team"],
                              reader_id="11111111-2222-4333-8444-555555555555",
                              keys=_reader_keys(), actor_key={}.get) is None
    # A changed body fails the publisher's signature.
    doc = json.loads(v["audit_notice"])
    doc["signed"]["body"] = base64.b64encode(
        flip(base64.b64decode(doc["signed"]["body"]))).decode()
    changed = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    with pytest.raises(InvalidSignature):
        independent_check(changed, "audit-notice", a["verify_public"])
    with pytest.raises(fmt.Tampered, match="signature"):
        auditnotices.parse(changed.encode(), item, team_id=v["team"],
                           verify_key={v["author"]: owner}.get)
# -- succession ---------------------------------------------------------------------------------

def test_a_succession_is_remade_byte_for_byte_and_its_chain_is_walked() -> None:
    v, a = load("succession.json"), load("account_secrets.json")
    root, second, third = v["publics"]
    handed = independent_check(v["hand_over"], "succession", root)
    assert (handed["n"], handed["prev"], handed["how"], handed["to_key"]) == (
        1, "", "hand-over", base64.b64encode(bytes.fromhex(second)).decode())
    taken = independent_check(v["take_over"], "succession", third)
    # Each step names the one before it by the SHA-256 of its file's bytes.
    assert taken["prev"] == hashlib.sha256(v["hand_over"].encode()).hexdigest()
    proof = independent_check(base64.b64decode(taken["proof"][0]).decode(), "account", second)
    assert (proof["id"], proof["role"], proof["issuer"]) == (v["ids"][2], "admin", v["ids"][1])

    keys = [ed25519.Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(f"peerdesk test vector|{label}".encode()).digest())
        for label in ("administrator", "second administrator", "third administrator")]
    again = succession.build(
        team_id=v["team"], n=1, prev="", from_id=v["ids"][0], from_key=bytes.fromhex(root),
        to_id=v["ids"][1], to_key=bytes.fromhex(second), how=succession.HAND_OVER,
        now=datetime(2026, 5, 1, 9, 0), sign=keys[0].sign)
    assert again.decode() == v["hand_over"]
    row = SimpleNamespace(
        id=v["ids"][2], name="Ines", created_at=datetime(2026, 3, 2, 10, 30), kdf=a["kdf"],
        secrets=bytes.fromhex(a["secrets"]), receive_public=bytes(32),
        verify_public=bytes.fromhex(third), keys_doc=None)
    assert certs.issue(row, team_id=v["team"], role=Role.ADMIN, status="active", serial=1,
                       issuer_id=v["ids"][1], sign=keys[1].sign,
                       now=datetime(2026, 5, 2, 9, 0), format_=4).decode() == v["proof"]

    steps = [succession.parse(v[k].encode()) for k in ("hand_over", "take_over")]
    resolved = succession.resolve(v["team"], bytes.fromhex(root), reversed(steps))
    assert [s.raw for s in resolved.chain] == [s.raw for s in steps]
    assert resolved.root_key == bytes.fromhex(third) and not resolved.refused


def test_a_step_not_signed_by_the_root_of_its_place_is_refused() -> None:
    v = load("succession.json")
    root, _, third = v["publics"]
    forged = v["former_root_hands_over_again"]
    independent_check(forged, "succession", root)  # a genuine signature, by a former root
    steps = [succession.parse(v["hand_over"].encode()), succession.parse(forged.encode())]
    resolved = succession.resolve(v["team"], bytes.fromhex(root), steps)
    assert [s.raw for s in resolved.chain] == [steps[0].raw]
    assert resolved.refused[steps[1].raw] == (
        "it hands over from someone who was not the root administrator then")
    # A changed byte: the new root's key swapped for the third's, the signature no longer holds.
    doc = json.loads(v["hand_over"])
    doc["signed"]["to_key"] = base64.b64encode(bytes.fromhex(third)).decode()
    changed = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    with pytest.raises(InvalidSignature):
        independent_check(changed, "succession", root)
    resolved = succession.resolve(v["team"], bytes.fromhex(root),
                                  [succession.parse(changed.encode())])
    assert not resolved.chain
    # Another team's pinned key: nothing in the chain.
    assert not succession.resolve(v["team"], bytes.fromhex(third),
                                  [steps[0]]).chain


def test_a_role_change_is_remade_byte_for_byte_and_its_earlier_roles_read_as_documented() -> None:
    v, a = load("role_change.json"), load("account_secrets.json")
    laptop, ward = v["devices"]
    admin = ed25519.Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(b"peerdesk test vector|administrator").digest())
    row = SimpleNamespace(
        id=a["account_id"], name="Amira", created_at=datetime(2026, 3, 2, 10, 30),
        kdf=a["kdf"], secrets=bytes.fromhex(a["secrets"]),
        receive_public=bytes.fromhex(a["receive_public"]),
        verify_public=bytes.fromhex(a["verify_public"]), keys_doc=None)
    # Written out from the docs ("Roles over time"), not by PeerDesk's own code.
    by_hand = [{"role": "coordinator", "until": {laptop: 12, ward: 3},
                "ended": "2026-04-01T09:00:00"}]
    again = certs.issue(row, team_id=v["team"], role=Role.PEER, status="active", serial=4,
                        issuer_id=v["admin_id"], sign=admin.sign,
                        now=datetime(2026, 4, 1, 9, 0), earlier=by_hand)
    assert again.decode() == v["demotion"]
    signed = independent_check(v["promotion"], "account", v["admin_public"])
    # Made a coordinator again: the list carries on, and a cut-off never ends before the one
    # before it (12 on the laptop, though the second administrator's computer had 10).
    assert signed["roles"] == [*by_hand, {"role": "peer", "until": {laptop: 12, ward: 7},
                                          "ended": "2026-05-01T09:00:00"}]
    history = certs.history_of(certs.parse(v["promotion"].encode()))
    assert [history.at_place(d, s).value for d, s in [
        (laptop, 12), (ward, 3), (ward, 5), (ward, 8), (laptop, 13)]] == [
        "coordinator", "coordinator", "peer", "coordinator", "coordinator"]


def test_a_changed_list_of_earlier_roles_fails_both_checks() -> None:
    v = load("role_change.json")
    doc = json.loads(v["demotion"])
    doc["signed"]["roles"][0]["until"][v["devices"][0]] = 99  # more of her stream kept
    _refused_both_ways(doc, v["admin_public"])


def test_an_ig_duty_is_remade_by_hand_and_hostile_variants_are_refused() -> None:
    v, a = load("ig_duty.json"), load("account_secrets.json")
    admin = ed25519.Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(b"peerdesk test vector|administrator").digest())
    signed = independent_check(v["granted"], "account", v["admin_public"])
    assert (signed["format"], signed["role"], signed["duties"]) == (5, "coordinator", ["ig"])
    # Written out from the docs ("Accounts", "Duties"), signed without PeerDesk.
    by_hand = {"team": v["team"], "id": a["account_id"], "name": "Amira", "role": "coordinator",
               "created": "2026-03-02T10:30:00", "receive_public": base64.b64encode(
                   bytes.fromhex(a["receive_public"])).decode(),
               "verify_public": base64.b64encode(bytes.fromhex(a["verify_public"])).decode(),
               "issued": "2026-06-01T09:00:00", "status": "active", "serial": 6,
               "issuer": v["admin_id"], "kdf": a["kdf"],
               "secrets": base64.b64encode(bytes.fromhex(a["secrets"])).decode(),
               "duties": ["ig"], "format": 5, "kind": "account"}

    def sealed(body: dict[str, Any]) -> bytes:
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        sig = admin.sign(b"peerdesk/account/v1|" + canonical.encode())
        return json.dumps({"signed": body, "sig": base64.b64encode(sig).decode()},
                          sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()

    assert sealed(by_hand).decode() == v["granted"]
    assert certs.parse(v["granted"].encode()).duties == {certs.IG}
    # Signed by the administrator, and still refused as damaged: what the field may say is
    # checked, not only who signed it.
    for change in ({"duties": []}, {"duties": ["ig", "ig"]}, {"duties": ["caldicott"]},
                   {"duties": "ig"}, {"format": 4}, {"role": "peer"},
                   {"status": "removed"}):
        with pytest.raises(fmt.Tampered):
            certs.parse(sealed(by_hand | change))
    # Without the field, format 5 reads as a certificate with no duty; a changed list fails
    # the signature both ways.
    assert certs.parse(sealed({k: w for k, w in by_hand.items() if k != "duties"})).duties \
        == frozenset()
    doc = json.loads(v["granted"])
    doc["signed"]["duties"] = []
    del doc["signed"]["duties"]
    _refused_both_ways(doc, v["admin_public"])
