"""A full disk or a read-only data folder does not stop a peer reading a crisis plan: she signs
in and reads, every save says "PeerDesk can't save on this computer right now: …" and loses
nothing, and the audit entries of her sign-in and her reads are written once there is room.
On a real 2 MB tmpfs (mounted by the test; it needs root)."""

from __future__ import annotations

import errno
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from peerdesk.config import Policy
from peerdesk.errors import DiskFull
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in
from peerdesk.store.models import AuditRow
from tests.conftest import LIGHT_KDF, PASSPHRASE

PLAN = {"sections": {"helps": "A walk to the allotment, then tea", "signs": "Not sleeping"}}


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a 2 MB tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Every byte left taken by one file (as another program's download would)."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        try:
            while True:  # and the last few bytes
                f.write(b"\0")
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def a_plan(data: Path) -> tuple[str, str]:
    with Vault(data, kdf_params=LIGHT_KDF, policy=Policy()) as vault:
        vault.create_account("Amira", "peer", PASSPHRASE)
        desk = sign_in(vault, "Amira", PASSPHRASE)
        person = desk.add("person", {"label": "Robin"})
        plan = desk.add("crisis_plan", PLAN, person_id=person.id)
        return person.id, plan.id


def audit_actions(vault: Vault) -> list[tuple[str, str | None, str]]:
    with vault.store.transaction() as s:
        return [(r.action, r.record_id, r.detail)
                for r in s.query(AuditRow).order_by(AuditRow.seq)]


def read_the_plan(vault: Vault, plan_id: str) -> None:
    desk = sign_in(vault, "Amira", PASSPHRASE)
    assert desk.get(plan_id).fields["sections"]["helps"] == "A walk to the allotment, then tea"
    assert vault.cannot_save is not None
    assert vault.cannot_save.startswith("PeerDesk can't save on this computer right now: ")
    with pytest.raises(DiskFull, match=r"^PeerDesk can't save on this computer right now: "):
        desk.add("diary", {"when": "2026-03-02T10:30", "what_happened": "x"})
    draft = None
    with pytest.raises(DiskFull):
        draft = desk.save_draft("diary", {"what_happened": "typed on a full disk"})
    assert draft is None  # the editor keeps it on screen; nothing half-written


def a_plan_on_a_full_disk(disk: Path) -> tuple[Path, str, Path]:
    """The data folder, the plan's id, and the file that fills the disk."""
    data = disk / "data"
    _, plan_id = a_plan(data)
    return data, plan_id, fill(disk)


def test_sign_in_and_read_a_plan_on_a_full_2_mb_disk(small_disk: Path) -> None:
    data, plan_id, filler = a_plan_on_a_full_disk(small_disk)
    with Vault(data, kdf_params=LIGHT_KDF, policy=Policy()) as vault:
        read_the_plan(vault, plan_id)
        assert len(vault.store.pending) == 2  # signing in, reading: waiting, not lost
        filler.unlink()  # room again
        desk = sign_in(vault, "Amira", PASSPHRASE)  # the next thing that writes
        assert vault.cannot_save is None and vault.store.pending == []
        actions = audit_actions(vault)
        late = [a for a in actions if "written late" in a[2]]
        assert [(a, r) for a, r, _ in late] == [("unlock", None), ("read", plan_id)]
        assert vault.verify_audit() == []
        desk.add("diary", {"when": "2026-03-02T10:30", "what_happened": "saved again"})


def test_a_disk_that_fills_while_open_still_lets_her_read(small_disk: Path) -> None:
    data = small_disk / "data"
    _, plan_id = a_plan(data)
    with Vault(data, kdf_params=LIGHT_KDF, policy=Policy()) as vault:
        sign_in(vault, "Amira", PASSPHRASE).lock()
        filler = fill(small_disk)
        read_the_plan(vault, plan_id)
        filler.unlink()
        assert vault.cannot_save is None
        assert [a for a, _, d in audit_actions(vault) if "written late" in d] == [
            "unlock", "read"]


def test_a_read_only_data_folder_still_lets_her_read(small_disk: Path) -> None:
    data = small_disk / "data"
    _, plan_id = a_plan(data)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        with Vault(data, kdf_params=LIGHT_KDF, policy=Policy()) as vault:
            read_the_plan(vault, plan_id)
            assert "read-only" in (vault.cannot_save or "")
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)


def test_closing_while_the_disk_is_still_full_loses_no_audit_entry(small_disk: Path) -> None:
    data, plan_id, filler = a_plan_on_a_full_disk(small_disk)
    with Vault(data, kdf_params=LIGHT_KDF, policy=Policy()) as vault:
        read_the_plan(vault, plan_id)
        waiting = vault.store._waiting_file()
    # Closed on a full disk: kept outside the data folder, owner-only, ids and times only.
    assert waiting.exists() and oct(waiting.stat().st_mode & 0o777) == "0o600"
    assert "allotment" not in waiting.read_text()
    filler.unlink()
    with Vault(data, kdf_params=LIGHT_KDF, policy=Policy()) as vault:
        assert vault.cannot_save is None  # written as soon as the folder takes writes
        assert [(a, r) for a, r, d in audit_actions(vault) if "written late" in d] == [
            ("unlock", None), ("read", plan_id)]
        assert vault.verify_audit() == []
    assert not waiting.exists()
