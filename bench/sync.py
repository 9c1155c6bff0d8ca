"""Sync figures: the first sync of 10,000 records to an empty device, and a sync with nothing
new for a team of 10 devices (file operations counted by the share backend, and time).

Targets (issue 4): at least 5,000 records/s for the first sync; at most 20 file operations
for a sync with nothing new.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from peerdesk.crypto.kdf import KdfParams
from peerdesk.domain import Kind
from peerdesk.services import Desk, Vault, sync
from peerdesk.services.desk import sign_in
from peerdesk.sync.share import FolderShare

PASSPHRASE = "benchmark passphrase"
# Key derivation has its own figures in bench/core.py; here it is not what is measured.
KDF = KdfParams(salt=b"\0" * 16, memory_kib=8 * 1024, iterations=1, lanes=1)
RECORDS = 10_000
TEAM = 10
FIELDS = {
    "when": "2026-03-02T10:30", "setting": "everyday_activity",
    "what_happened": "Walked to the café together and talked about music and the allotment. " * 3,
    "what_mattered": "Being asked what they like doing, not what is wrong.",
    "follow_up": "Go along to the allotment group on Tuesday.",
}


def _team(root: Path) -> tuple[str, list[Vault]]:
    share = root / "share"
    share.mkdir()
    office = Vault(root / "office", kdf_params=KDF)
    office.create_account("Ida", "admin", PASSPHRASE)
    office.create_account("Amira", "peer", PASSPHRASE)
    sync.init_share(sign_in(office, "Ida", PASSPHRASE), str(share))
    return str(share), [office]


def _device(root: Path, name: str, location: str, vaults: list[Vault]) -> Desk:
    vault = Vault(root / name, kdf_params=KDF)
    vaults.append(vault)
    desk, _ = sync.enrol(vault, location, "Amira", PASSPHRASE)
    return desk


def first_sync() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        location, vaults = _team(root)
        try:
            source = _device(root, "source", location, vaults)
            start = time.perf_counter()
            for i in range(RECORDS):
                source.add(Kind.DIARY, FIELDS | {"follow_up": f"Follow-up {i}"})
            made = time.perf_counter() - start
            start = time.perf_counter()
            pushed = sync.run_sync(source).pushed
            push_s = time.perf_counter() - start

            empty = Vault(root / "empty", kdf_params=KDF)
            vaults.append(empty)
            sync.join_share(empty, location)
            desk = sign_in(empty, "Amira", PASSPHRASE)
            start = time.perf_counter()
            pulled = sync.run_sync(desk).pulled
            pull_s = time.perf_counter() - start
            start = time.perf_counter()
            listed = len(desk.records())
            list_s = time.perf_counter() - start
        finally:
            for v in vaults:
                v.close()
    rate = pulled / pull_s
    print(f"saving {RECORDS:,} records (setup, one transaction each): {made:.1f} s")
    print(f"first push of {pushed:,} records: {push_s:.2f} s ({pushed / push_s:,.0f} records/s)")
    print(f"first sync of {pulled:,} records to an empty device: {pull_s:.2f} s "
          f"({rate:,.0f} records/s; target >= 5,000: {'met' if rate >= 5000 else 'MISSED'})")
    print(f"then listing and decrypting all {listed:,} there: {list_s:.2f} s")


def nothing_new() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        location, vaults = _team(root)
        try:
            desks = [_device(root, f"device{i}", location, vaults) for i in range(TEAM)]
            for i, desk in enumerate(desks):
                desk.add(Kind.DIARY, FIELDS | {"follow_up": f"From device {i}"})
            for _ in range(2):
                for desk in desks:
                    sync.run_sync(desk)
            share = FolderShare(location)
            start = time.perf_counter()
            report = sync.run_sync(desks[0], share=share)
            ms = (time.perf_counter() - start) * 1000
        finally:
            for v in vaults:
                v.close()
    assert report.pulled == report.pushed == 0
    print(f"sync with nothing new, team of {TEAM} devices: {share.ops} file operations "
          f"(target <= 20: {'met' if share.ops <= 20 else 'MISSED'}), {ms:.1f} ms")


def main() -> None:
    first_sync()
    nothing_new()


if __name__ == "__main__":
    main()
