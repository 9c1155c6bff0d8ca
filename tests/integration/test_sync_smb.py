"""The core scenario against a real Samba server, started by the tests on loopback
(tests/helpers/samba.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from peerdesk.crypto import keystore
from peerdesk.services import sync
from peerdesk.sync.share import ShareReadOnly, SmbShare
from tests.conftest import find_marker
from tests.helpers.memory_keyring import MemoryKeyring
from tests.helpers.samba import SMB_PASSWORD, SMB_USER, Samba
from tests.helpers.team import diary, make_team

pytestmark = pytest.mark.smb


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_three_devices_through_a_real_samba_share(samba: Samba, memory_keyring: MemoryKeyring,
                                                   tmp_path: Path) -> None:
    # IT saves the share's password in each computer's keyring once; share init makes the
    # team's folder.
    keystore.save_share_credentials("127.0.0.1", samba.port, SMB_USER, SMB_PASSWORD)
    url = f"smb://127.0.0.1:{samba.port}/share/team-north"

    team = make_team(tmp_path, location=url)
    try:
        a1, a2, grace = team.desks["a1"], team.desks["a2"], team.desks["office"]
        # Offline on both of Amira's devices, then a conflicting edit.
        one = a1.add("diary", diary("SMB-MARKER ward"))
        two = a2.add("diary", diary("SMB-MARKER café"))
        a2.share(two.id, "Grace")
        team.sync("a1", "a2", "a1")
        a1.update(two.id, diary("SMB-MARKER edited on the ward"))
        a2.update(two.id, diary("SMB-MARKER edited on the laptop"))
        team.sync("a1", "a2", "a1", "office")
        for desk in (a1, a2):
            shown = desk.get(two.id).fields["what_happened"]
            assert shown in {"SMB-MARKER edited on the ward", "SMB-MARKER edited on the laptop"}
            assert {r.fields["what_happened"] for r in desk.records()} == {"SMB-MARKER ward", shown}
            assert [c.record_id for c in sync.conflicts(desk)] == [two.id]
        assert a1.get(two.id).fields == a2.get(two.id).fields
        assert [r.id for r in grace.shared_with_me()] == [two.id]
        sync.resolve_conflict(a1, two.id, diary("SMB-MARKER both"))
        a1.delete(one.id)
        team.sync("a1", "a2", "office")
        assert {r.fields["what_happened"] for r in a2.records()} == {"SMB-MARKER both"}
        assert grace.get(two.id).fields["what_happened"] == "SMB-MARKER both"

        share = SmbShare(url, credentials=keystore.share_credentials)
        report = sync.run_sync(a2, share=share)
        assert (report.pulled, report.pushed) == (0, 0) and share.ops <= 8
        assert find_marker(samba.root, "SMB-MARKER") == []
        assert list((samba.root / "team-north" / "devices").iterdir())
    finally:
        team.close()


def test_an_smb_share_that_does_not_answer_is_offline(memory_keyring: MemoryKeyring) -> None:
    keystore.save_share_credentials("127.0.0.1", 9, SMB_USER, SMB_PASSWORD)
    assert not sync.reachable("smb://127.0.0.1:9/share/none", timeout=3)


def test_a_read_only_smb_share_sends_nothing_and_loses_nothing(
        samba: Samba, memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    keystore.save_share_credentials("127.0.0.1", samba.port, SMB_USER, SMB_PASSWORD)
    team = make_team(tmp_path, location=f"smb://127.0.0.1:{samba.port}/share/team-south")
    try:
        a1 = team.desks["a1"]
        a1.add("diary", diary("kept while the share is read-only"))
        read_only = SmbShare(f"smb://127.0.0.1:{samba.port}/readonly/team-south",
                             credentials=keystore.share_credentials)
        with pytest.raises(ShareReadOnly, match="read-only"):
            sync.run_sync(a1, share=read_only)
        assert sync.sync_status(team.vaults["a1"], a1.user.id).waiting == 1
        assert sync.run_sync(a1).pushed == 1
    finally:
        team.close()
