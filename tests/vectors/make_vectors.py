"""Writes the known-answer vectors in this folder from fixed keys (run once; the tests only
read them). HPKE wraps are made with pyhpke, an implementation independent of
peerdesk.crypto; the signed documents with Ed25519, which is deterministic."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from pyhpke import AEADId, CipherSuite, KDFId, KEMId, KEMKey

from peerdesk import audit
from peerdesk.crypto.kdf import KdfParams
from peerdesk.domain import Role
from peerdesk.sync import auditheads, auditnotices, certs, keyfiles, roles, succession

HERE = Path(__file__).resolve().parent
SUITE = CipherSuite.new(KEMId.DHKEM_X25519_HKDF_SHA256, KDFId.HKDF_SHA256, AEADId.AES256_GCM)


def seed(label: str) -> bytes:
    return hashlib.sha256(f"peerdesk test vector|{label}".encode()).digest()


def raw_public(private: x25519.X25519PrivateKey | ed25519.Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes_raw()


def hpke() -> list[dict[str, str]]:
    out = []
    for n, info in enumerate(["peerdesk/wrap/v1|7c1e5a4e-0d6b-4f3a-9a53-2f1f3e0b9d01|1|"
                              "1b2d4f6e-3c5a-4b7d-8e9f-0a1b2c3d4e5f",
                              "peerdesk/section-key/v1 (any context: bytes as given)"]):
        sk = x25519.X25519PrivateKey.from_private_bytes(seed(f"reader {n}"))
        pk = raw_public(sk)
        eks = SUITE.kem.derive_key_pair(seed(f"ephemeral {n}"))
        plaintext = seed(f"content key {n}")
        enc, sender = SUITE.create_sender_context(
            KEMKey.from_pyca_cryptography_key(x25519.X25519PublicKey.from_public_bytes(pk)),
            info=info.encode(), eks=eks)
        blob = enc + sender.seal(plaintext)
        out.append({"recipient_private": seed(f"reader {n}").hex(), "recipient_public": pk.hex(),
                    "ephemeral_ikm": seed(f"ephemeral {n}").hex(), "info": info,
                    "plaintext": plaintext.hex(), "blob": blob.hex()})
    return out


def secrets() -> dict[str, str | int]:
    account_id = "5f0c6a2e-8d1b-4c3e-9f7a-6b5d4c3b2a10"
    params = KdfParams(salt=seed("salt")[:16], memory_kib=8 * 1024, iterations=1, lanes=1)
    passphrase = "walrus jigsaw toffee"
    kek = Argon2id(salt=params.salt, length=32, iterations=1, lanes=1,
                   memory_cost=8 * 1024).derive(passphrase.encode())
    own, recv, sign = seed("own key"), seed("receive key"), seed("sign key")
    nonce = seed("nonce")[:12]
    blob = nonce + AESGCM(kek).encrypt(nonce, own + recv + sign,
                                       b"peerdesk/account-secrets/v1|" + account_id.encode())
    return {"account_id": account_id, "passphrase": passphrase, "kdf": params.to_json(),
            "kek": kek.hex(), "nonce": nonce.hex(), "own_key": own.hex(),
            "receive_public": raw_public(x25519.X25519PrivateKey.from_private_bytes(recv)).hex(),
            "verify_public": raw_public(ed25519.Ed25519PrivateKey.from_private_bytes(sign)).hex(),
            "secrets": blob.hex()}


def amira(acct: dict[str, str | int]) -> SimpleNamespace:
    """The account the documents are about, by its columns."""
    return SimpleNamespace(
        id=acct["account_id"], name="Amira", created_at=datetime(2026, 3, 2, 10, 30),
        kdf=acct["kdf"], secrets=bytes.fromhex(str(acct["secrets"])),
        receive_public=bytes.fromhex(str(acct["receive_public"])),
        verify_public=bytes.fromhex(str(acct["verify_public"])), keys_doc=None)


def documents(acct: dict[str, str | int]) -> dict[str, object]:
    admin = ed25519.Ed25519PrivateKey.from_private_bytes(seed("administrator"))
    owner = ed25519.Ed25519PrivateKey.from_private_bytes(seed("sign key"))
    row = amira(acct)
    team = "0e9d8c7b-6a59-4837-a625-143f2e1d0c0b"
    admin_id = "a0a0a0a0-b1b1-4c2c-8d3d-e4e4e4e4e4e4"
    cert = certs.issue(row, team_id=team, role=Role.COORDINATOR, status="active", serial=3,
                       issuer_id=admin_id, sign=admin.sign, now=datetime(2026, 3, 3, 9, 0))
    removal = certs.issue(row, team_id=team, role=Role.COORDINATOR, status="removed",
                          serial=4, issuer_id=admin_id, sign=admin.sign,
                          now=datetime(2026, 4, 1, 9, 0),
                          streams={"d1d1d1d1-2e2e-4f3f-8a4a-5b5b5b5b5b5b": 12})
    sealed = keyfiles.build(
        account_id=str(acct["account_id"]), kdf=KdfParams.from_json(str(acct["kdf"])),
        secrets=bytes.fromhex(str(acct["secrets"])), serial=2,
        now=datetime(2026, 3, 4, 8, 0), sign=owner.sign)
    # As a PeerDesk from before wrote it, `changed` to the second: still read.
    before = {"format": 1, "kind": "account-keys", "id": acct["account_id"],
              "kdf": acct["kdf"], "secrets": base64.b64encode(
                  bytes.fromhex(str(acct["secrets"]))).decode(),
              "serial": 2, "changed": "2026-03-04T08:00:00"}
    sig = owner.sign(b"peerdesk/account-keys/v1|" + canonical(before))
    return {"team": team, "admin_id": admin_id, "admin_public": raw_public(admin).hex(),
            "certificate": cert.decode(), "removal": removal.decode(),
            "sealed_keys": sealed.decode(),
            "sealed_keys_before": canonical(
                {"signed": before, "sig": base64.b64encode(sig).decode()}).decode()}


def role_change(acct: dict[str, str | int]) -> dict[str, object]:
    """A coordinator made a peer: the certificate the administrator signs, whose ``roles``
    list ends her coordinator role at the streams taken in where it changed, and when; then
    made a coordinator again, the list carried on with one more."""
    admin = ed25519.Ed25519PrivateKey.from_private_bytes(seed("administrator"))
    row = amira(acct)
    team = "0e9d8c7b-6a59-4837-a625-143f2e1d0c0b"
    admin_id = "a0a0a0a0-b1b1-4c2c-8d3d-e4e4e4e4e4e4"
    laptop, ward = "d1d1d1d1-2e2e-4f3f-8a4a-5b5b5b5b5b5b", "d2d2d2d2-3e3e-4f4f-8a5a-6b6b6b6b6b6b"
    first = {"id": acct["account_id"], "issuer": admin_id, "role": "coordinator"}
    demoted_at, again_at = datetime(2026, 4, 1, 9, 0), datetime(2026, 5, 1, 9, 0)
    listed = roles.after_change(first, Role.COORDINATOR, Role.PEER,
                                cut={laptop: 12, ward: 3}, at=demoted_at)
    demotion = certs.issue(row, team_id=team, role=Role.PEER, status="active", serial=4,
                           issuer_id=admin_id, sign=admin.sign, now=demoted_at,
                           earlier=listed)
    relisted = roles.after_change(certs.parse(demotion).signed, Role.PEER, Role.COORDINATOR,
                                  cut={laptop: 10, ward: 7}, at=again_at)
    promotion = certs.issue(row, team_id=team, role=Role.COORDINATOR, status="active",
                            serial=5, issuer_id=admin_id, sign=admin.sign, now=again_at,
                            earlier=relisted)
    return {"team": team, "admin_id": admin_id, "admin_public": raw_public(admin).hex(),
            "devices": [laptop, ward], "demotion": demotion.decode(),
            "promotion": promotion.decode()}


def ig_duty(acct: dict[str, str | int]) -> dict[str, object]:
    """A coordinator given the information governance duty: her certificate (format 5) with
    ``duties: ["ig"]``, signed by an administrator."""
    admin = ed25519.Ed25519PrivateKey.from_private_bytes(seed("administrator"))
    team = "0e9d8c7b-6a59-4837-a625-143f2e1d0c0b"
    admin_id = "a0a0a0a0-b1b1-4c2c-8d3d-e4e4e4e4e4e4"
    granted = certs.issue(amira(acct), team_id=team, role=Role.COORDINATOR, status="active",
                          serial=6, issuer_id=admin_id, sign=admin.sign,
                          now=datetime(2026, 6, 1, 9, 0), duties=frozenset({certs.IG}))
    return {"team": team, "admin_id": admin_id, "admin_public": raw_public(admin).hex(),
            "granted": granted.decode()}


def audit_head(acct: dict[str, str | int]) -> dict[str, object]:
    """A device's signed audit head (docs/sync-protocol.md, "Audit heads"), signed by the
    account that synced there."""
    owner = ed25519.Ed25519PrivateKey.from_private_bytes(seed("sign key"))
    team = "0e9d8c7b-6a59-4837-a625-143f2e1d0c0b"
    device = "d1d1d1d1-2e2e-4f3f-8a4a-5b5b5b5b5b5b"
    entry_hash = seed("audit entry 412")
    head = auditheads.build(team_id=team, device_id=device, author_id=str(acct["account_id"]),
                            count=412, hash_=entry_hash, sign=owner.sign)
    return {"team": team, "device": device, "author": acct["account_id"],
            "verify_public": acct["verify_public"], "count": 412, "hash": entry_hash.hex(),
            "name": auditheads.name(device, str(acct["account_id"]), 412),
            "audit_head": head.decode()}


def canonical(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def hpke_seal(public: bytes, plaintext: bytes, info: bytes, label: str) -> bytes:
    eks = SUITE.kem.derive_key_pair(seed(label))
    enc, sender = SUITE.create_sender_context(
        KEMKey.from_pyca_cryptography_key(x25519.X25519PublicKey.from_public_bytes(public)),
        info=info, eks=eks)
    return bytes(enc + sender.seal(plaintext))


def changeset(acct: dict[str, str | int]) -> dict[str, object]:
    """A format-4 changeset written out from docs/sync-protocol.md ("Changesets", "Padding"),
    not with peerdesk.sync.format: two sections (one for Grace, the other the empty one that
    pads the count to two), each with the author's wrap and eight HPKE wraps, one of them
    Grace's and the rest decoys; bodies padded with spaces to 4,096 bytes."""
    team, device = "0e9d8c7b-6a59-4837-a625-143f2e1d0c0b", "d1d1d1d1-2e2e-4f3f-8a4a-5b5b5b5b5b5b"
    author, grace = str(acct["account_id"]), "c3c3c3c3-4d4d-4e5e-9f6f-7a7a7a7a7a7a"
    grace_private = x25519.X25519PrivateKey.from_private_bytes(seed("grace receive key"))
    seq, prev = 2, hashlib.sha256(b"changeset 1").hexdigest()
    entries = [[{"t": "r", "r": "7c1e5a4e-0d6b-4f3a-9a53-2f1f3e0b9d01", "rd": grace,
                 "on": True, "hlc": f"{1_772_447_400_000:012x}{0:04x}.{device}"}], []]
    sections = []
    for index, items in enumerate(entries):
        key = seed(f"section key {index}")

        def context(reader: str, index: int = index) -> bytes:
            return canonical(["peerdesk/section-key/v1", team, device, author, seq, index,
                              reader])
        nonce = seed(f"owner wrap nonce {index}")[:12]
        wraps = [{"suite": "vault-aes256gcm", "key": base64.b64encode(
            nonce + AESGCM(seed("own key")).encrypt(nonce, key, context(author))).decode()}]
        for slot in range(8):
            if index == 0 and slot == 3:  # Grace's, among the decoys
                blob = hpke_seal(raw_public(grace_private), key, context(grace),
                                 f"ephemeral {index} {slot}")
            else:
                throwaway = x25519.X25519PrivateKey.from_private_bytes(
                    seed(f"decoy {index} {slot}"))
                blob = hpke_seal(raw_public(throwaway), seed(f"decoy key {index} {slot}"),
                                 b"peerdesk/decoy/v1", f"ephemeral {index} {slot}")
            wraps.append({"suite": "hpke-x25519-hkdfsha256-aes256gcm",
                          "key": base64.b64encode(blob).decode()})
        plain = canonical(items)
        plain += b" " * (4096 - len(plain))
        nonce = seed(f"section nonce {index}")[:12]
        body = nonce + AESGCM(key).encrypt(nonce, plain, canonical(
            ["peerdesk/section/v1", team, device, author, seq, index]))
        sections.append({"readers": wraps, "body": base64.b64encode(body).decode()})
    owner = ed25519.Ed25519PrivateKey.from_private_bytes(seed("sign key"))

    def sealed(signed: dict[str, object]) -> str:
        sig = owner.sign(b"peerdesk/changeset/v1|" + canonical(signed))
        return canonical({"signed": signed, "sig": base64.b64encode(sig).decode()}).decode()
    signed = {"format": 4, "kind": "changeset", "team": team, "device": device,
              "author": author, "seq": seq, "prev": prev, "sections": sections}
    return {"team": team, "device": device, "author": author, "seq": seq, "prev": prev,
            "reader": grace, "reader_private": seed("grace receive key").hex(),
            "entries": entries[0], "changeset": sealed(signed),
            # Negative: signed by the author, yet a clock reading in clear, which format 4
            # never carries; a reader refuses it.
            "with_clock_in_clear": sealed(signed | {"hlc": entries[0][0]["hlc"]})}
def succession_steps(acct: dict[str, str | int]) -> dict[str, object]:
    """The root's role handed from the administrator to a second one (step 1), then taken
    over by a third whom the second had certified (step 2, with its proof); and a step
    signed by someone who was not the root then (must be refused)."""
    team = "0e9d8c7b-6a59-4837-a625-143f2e1d0c0b"
    ids = ["a0a0a0a0-b1b1-4c2c-8d3d-e4e4e4e4e4e4", "b0b0b0b0-c1c1-4d2d-8e3e-f4f4f4f4f4f4",
           "c0c0c0c0-d1d1-4e2e-8f3f-a4a4a4a4a4a4"]
    keys = [ed25519.Ed25519PrivateKey.from_private_bytes(seed(label)) for label in
            ("administrator", "second administrator", "third administrator")]
    third = SimpleNamespace(
        id=ids[2], name="Ines", created_at=datetime(2026, 3, 2, 10, 30), kdf=acct["kdf"],
        secrets=bytes.fromhex(str(acct["secrets"])), receive_public=bytes(32),
        verify_public=raw_public(keys[2]), keys_doc=None)
    proof = certs.issue(third, team_id=team, role=Role.ADMIN, status="active", serial=1,
                        issuer_id=ids[1], sign=keys[1].sign, now=datetime(2026, 5, 2, 9, 0),
                        format_=4)
    first = succession.build(
        team_id=team, n=1, prev="", from_id=ids[0], from_key=raw_public(keys[0]), to_id=ids[1],
        to_key=raw_public(keys[1]), how=succession.HAND_OVER, now=datetime(2026, 5, 1, 9, 0),
        sign=keys[0].sign)
    second = succession.build(
        team_id=team, n=2, prev=hashlib.sha256(first).hexdigest(), from_id=ids[1],
        from_key=raw_public(keys[1]), to_id=ids[2], to_key=raw_public(keys[2]),
        how=succession.TAKE_OVER, now=datetime(2026, 6, 1, 9, 0), sign=keys[2].sign,
        proof=[proof])
    forged = succession.build(
        team_id=team, n=2, prev=hashlib.sha256(first).hexdigest(), from_id=ids[0],
        from_key=raw_public(keys[0]), to_id=ids[2], to_key=raw_public(keys[2]),
        how=succession.HAND_OVER, now=datetime(2026, 5, 20, 9, 0), sign=keys[0].sign)
    return {"team": team, "ids": ids, "publics": [raw_public(k).hex() for k in keys],
            "hand_over": first.decode(), "take_over": second.decode(),
            "proof": proof.decode(), "former_root_hands_over_again": forged.decode()}


def audit_notice(acct: dict[str, str | int]) -> dict[str, object]:
    """A break-glass entry published as an audit notice: signed by the account that synced
    (the "sign key" account), the entry itself signed by its actor (the "administrator" key),
    sealed for one reader (the account's receive key). HPKE and AES-GCM draw fresh randomness,
    so the test opens this file rather than remaking it."""
    owner = ed25519.Ed25519PrivateKey.from_private_bytes(seed("sign key"))
    actor = ed25519.Ed25519PrivateKey.from_private_bytes(seed("administrator"))
    team = "0e9d8c7b-6a59-4837-a625-143f2e1d0c0b"
    device = "d1d1d1d1-2e2e-4f3f-8a4a-5b5b5b5b5b5b"
    actor_id = "a0a0a0a0-b1b1-4c2c-8d3d-e4e4e4e4e4e4"
    record_id = "7c1e5a4e-0d6b-4f3a-9a53-2f1f3e0b9d01"
    prev, at = seed("audit entry 56"), datetime(2026, 3, 5, 14, 0)
    detail = "role=coordinator; for-ig=c2VhbGVk; for-author=c2VhbGVk"
    digest = audit.digest_of(prev, 57, at, actor_id, audit.BREAK_GLASS, record_id, detail)
    entry = audit.Notable(57, at, actor_id, audit.BREAK_GLASS, record_id, detail, prev, digest,
                          actor.sign(digest), str(acct["account_id"]), "crisis_plan")
    reader_public = bytes.fromhex(str(acct["receive_public"]))
    notice = auditnotices.build(entry, team_id=team, device_id=device,
                                author_id=str(acct["account_id"]),
                                readers=[(str(acct["account_id"]), reader_public)],
                                sign=owner.sign)
    return {"team": team, "device": device, "author": acct["account_id"], "seq": 57,
            "actor": actor_id, "actor_public": raw_public(actor).hex(), "record": record_id,
            "at": at.isoformat(), "detail": detail, "entry_hash": digest.hex(),
            "name": auditnotices.name(device, str(acct["account_id"]), 57),
            "audit_notice": notice.decode()}


def main() -> None:
    acct = secrets()
    (HERE / "hpke.json").write_text(json.dumps(hpke(), indent=2) + "\n", "utf-8")
    (HERE / "account_secrets.json").write_text(json.dumps(acct, indent=2) + "\n", "utf-8")
    (HERE / "documents.json").write_text(json.dumps(documents(acct), indent=2) + "\n", "utf-8")
    (HERE / "audit_head.json").write_text(json.dumps(audit_head(acct), indent=2) + "\n",
                                          "utf-8")
    if not (HERE / "audit_notice.json").exists():  # random inside: written once, kept
        (HERE / "audit_notice.json").write_text(
            json.dumps(audit_notice(acct), indent=2) + "\n", "utf-8")
    (HERE / "changeset.json").write_text(json.dumps(changeset(acct), indent=2) + "\n",
                                         "utf-8")
    (HERE / "role_change.json").write_text(json.dumps(role_change(acct), indent=2) + "\n",
                                           "utf-8")
    (HERE / "succession.json").write_text(json.dumps(succession_steps(acct), indent=2) + "\n",
                                          "utf-8")
    (HERE / "ig_duty.json").write_text(json.dumps(ig_duty(acct), indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    main()
