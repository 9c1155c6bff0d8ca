"""The trust recovery key, for information governance; see docs/deployment.md, "Recovery key".
In a built PeerDesk it is `peerdesk-cli recovery ...`; from source, `python recovery.py ...`.

    python recovery.py keygen --out trust-recovery-2026.pem
        a new key pair: the private key, encrypted under a passphrase, goes to the file; the
        public key (for policy.json's recovery_public_key) is printed
    python recovery.py open --key trust-recovery-2026.pem --data-dir COPY [--record ID] [--all]
        print the records in a copy of a data folder, as JSON lines (never changes the copy)
    python recovery.py rewrap --key OLD.pem --new-public HEX --data-dir DIR
        after a rotation: give the new key a copy of every content key the old one holds, in
        a data folder (PeerDesk closed), so the old private key can be destroyed

The file's passphrase comes from PEERDESK_RECOVERY_PASSPHRASE or is asked for. A reflection's
private "keeping myself well" field is sealed with its author's own key: never recoverable.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import x25519

from peerdesk.config import recovery_reader_id
from peerdesk.crypto import envelope
from peerdesk.crypto.payload import SealedVersion, open_with_key
from peerdesk.domain import Kind
from peerdesk.store import records as store_records
from peerdesk.store.db import DB_NAME, Store
from peerdesk.store.records import Wrap

PASSPHRASE_ENV = "PEERDESK_RECOVERY_PASSPHRASE"  # noqa: S105 - a variable's name


def _passphrase(*, confirm: bool = False) -> bytes:
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV].encode()
    first = getpass.getpass("Passphrase for the recovery key file: ")
    if confirm and getpass.getpass("The same passphrase again: ") != first:
        raise SystemExit("The passphrases differ; nothing was written.")
    if len(first) < 16:
        raise SystemExit("Use a passphrase of at least 16 characters for the recovery key.")
    return first.encode()


def keygen(out: Path, passphrase: bytes) -> str:
    key = x25519.X25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(passphrase))
    try:
        # Created owner-only and only if absent, in one step: never readable by others, not
        # even for a moment, and never an existing key overwritten.
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o600)
    except FileExistsError:
        raise SystemExit(f"{out} exists; a recovery key is never overwritten.") from None
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
        f.flush()
        os.fsync(f.fileno())
    return key.public_key().public_bytes_raw().hex()


def load_key(path: Path, passphrase: bytes) -> x25519.X25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=passphrase)
    if not isinstance(key, x25519.X25519PrivateKey):
        raise SystemExit(f"{path} is not a PeerDesk recovery key.")
    return key


def _snapshot(data_dir: Path) -> sqlite3.Connection:
    """The store copied into memory with SQLite's backup: the folder is only read."""
    source = sqlite3.connect(f"file:{data_dir / DB_NAME}?mode=ro", uri=True)
    memory = sqlite3.connect(":memory:")
    try:
        source.backup(memory)
    finally:
        source.close()
    return memory


def records(data_dir: Path, key: x25519.X25519PrivateKey, *, record_id: str | None = None,
            every_version: bool = False) -> Iterator[dict[str, Any]]:
    reader = recovery_reader_id(key.public_key().public_bytes_raw())
    db = _snapshot(data_dir)
    columns = {row[1] for row in db.execute("PRAGMA table_info(versions)")}
    vid = "v.vid" if "vid" in columns else "CAST(v.version AS TEXT)"  # schema 0001
    order = "v.hlc" if "hlc" in columns else "v.version"
    names = dict(db.execute("SELECT id, name FROM accounts"))
    # Only column names chosen above are put into the text; the values are parameters.
    query = (f"SELECT r.id, r.kind, r.author_id, r.person_id, v.version, v.saved_at, {vid}, "  # noqa: S608
             f"v.ciphertext, w.wrapped FROM wraps w "
             f"JOIN versions v ON v.record_id = w.record_id AND v.version = w.version "
             f"JOIN records r ON r.id = w.record_id "
             f"WHERE w.reader_id = ? AND v.ciphertext IS NOT NULL AND r.erased_at IS NULL "
             f"{'AND r.id = ?' if record_id else ''} ORDER BY r.id, {order}")
    rows = db.execute(query, (reader, record_id) if record_id else (reader,)).fetchall()
    latest: dict[str, dict[str, Any]] = {}
    for rid, kind, author, person, version, saved_at, v_id, ciphertext, wrapped in rows:
        item = {"record_id": rid, "kind": kind, "author": names.get(author, author),
                "person_id": person, "version": version, "saved_at": saved_at,
                "fields": open_with_key(key, reader, SealedVersion(
                    rid, Kind(kind), author, v_id, ciphertext), envelope.HPKE_SUITE, wrapped)}
        if every_version:
            yield item
        else:
            latest[rid] = item
    yield from latest.values()
    db.close()


def rewrap(data_dir: Path, old: x25519.X25519PrivateKey, new_public: bytes) -> int:
    """Adds a wrap for the new key beside every wrap for the old one. Takes the data folder's
    lock, so PeerDesk must be closed."""
    old_reader = recovery_reader_id(old.public_key().public_bytes_raw())
    new_reader = recovery_reader_id(new_public)
    store = Store(data_dir)
    added = 0
    try:
        with store.begin() as conn:  # every new wrap in one transaction, by the records module
            for rid, version, v_id, wrapped in store_records.wraps_for_reader(conn, old_reader):
                content_key = envelope.open_sealed(
                    old, wrapped, context=envelope.wrap_context(rid, v_id, old_reader),
                    failure=f"The old recovery key's copy for record {rid} does not open.")
                again = envelope.wrap_for_reader(
                    new_public, content_key, context=envelope.wrap_context(rid, v_id, new_reader))
                added += store_records.add_wrap(conn, rid, version,
                                          Wrap(new_reader, envelope.HPKE_SUITE, again))
    finally:
        store.close()
    return added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="recovery.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("keygen")
    p.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("open")
    p.add_argument("--key", type=Path, required=True)
    p.add_argument("--data-dir", type=Path, required=True)
    p.add_argument("--record")
    p.add_argument("--all", action="store_true", help="every version, not only the newest")
    p = sub.add_parser("rewrap")
    p.add_argument("--key", type=Path, required=True, help="the old private key")
    p.add_argument("--new-public", required=True, help="the new public key, 64 hex characters")
    p.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "keygen":
        public = keygen(args.out, _passphrase(confirm=True))
        print(f"recovery_public_key: {public}")
        print(f"(copies of record keys for it are stored as reader "
              f"{recovery_reader_id(bytes.fromhex(public))})")
    elif args.command == "open":
        key = load_key(args.key, _passphrase())
        for item in records(args.data_dir, key, record_id=args.record, every_version=args.all):
            print(json.dumps(item, ensure_ascii=False))
    else:
        added = rewrap(args.data_dir, load_key(args.key, _passphrase()),
                       bytes.fromhex(args.new_public))
        print(f"{added} content keys are now also wrapped for the new recovery key.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
