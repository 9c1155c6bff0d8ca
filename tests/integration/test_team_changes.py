"""A team over time, on a share folder and on a real Samba server: a removed coordinator
gets no key to anything saved after her removal, and a second administrator carries on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from peerdesk.errors import NotAllowed
from peerdesk.services import membership, sync
from peerdesk.services.desk import Desk, sign_in
from peerdesk.sync import engine
from peerdesk.sync import format as fmt
from peerdesk.sync.share import Share
from tests.conftest import PASSPHRASE
from tests.helpers.team import Team, diary, team_on


@pytest.fixture(params=["folder", pytest.param("samba", marks=pytest.mark.smb)])
def team(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Team]:
    made = team_on(request, tmp_path)
    yield made
    made.close()


def _files(share: Share) -> dict[str, int]:
    """Every changeset and snapshot on the share, by path, with its size."""
    out = {}
    for d in share.list(fmt.DEVICES):
        if d.kind == "dir":
            for e in share.list(f"{fmt.DEVICES}/{d.name}"):
                if e.name.endswith(".pdk"):
                    out[f"{fmt.DEVICES}/{d.name}/{e.name}"] = e.size
    return out


def _opens_for(share: Share, path: str, desk: Desk) -> list[dict[str, object]]:
    """What a reader's keys open in one file on the share."""
    data = share.read(path, max_size=fmt.MAX_FILE)
    kind = "snapshot" if path.endswith(".snap.pdk") else "changeset"
    signed, _ = fmt.parse_doc(data, kind)
    return fmt.open_sections(signed, fmt.read_header(signed), desk.user.id, desk.keys)


def test_a_removed_coordinator_reads_nothing_saved_after_her_removal(team: Team) -> None:
    a1, grace = team.desks["a1"], team.desks["office"]
    share = sync.open_share(team.location)
    record = a1.add("diary", diary("BEFORE-REMOVAL at the allotment"))
    a1.share(record.id, "Grace")
    team.sync("a1", "office")
    assert [r.fields["what_happened"] for r in grace.shared_with_me()] == [
        "BEFORE-REMOVAL at the allotment"]

    ida = sign_in(team.vaults["office"], "Ida", PASSPHRASE)
    membership.remove(ida, "Grace")
    sync.run_sync(ida)
    before = _files(share)
    team.sync("a1")  # Amira's laptop learns of the removal
    assert {a.name: a.status for a in team.vaults["a1"].accounts()}["Grace"] == "removed"
    a1.update(record.id, diary("AFTER-REMOVAL the second version"))
    a1.add("diary", diary("AFTER-REMOVAL a new diary"))
    team.sync("a1", "a2")
    written = {p for p, size in _files(share).items() if before.get(p) != size}
    assert written  # Amira's changes went out
    for path in written:  # Grace's own keys open none of it
        assert _opens_for(share, path, grace) == []
    with pytest.raises(NotAllowed, match="removed from the team"):
        sync.run_sync(grace)  # her device is refused, in one sentence
    assert [r.fields["what_happened"] for r in grace.shared_with_me()] == [
        "BEFORE-REMOVAL at the allotment"]  # what she had already read stays on her computer
    with pytest.raises(NotAllowed, match="removed from the team"):
        a1.share(a1.add("diary", diary("x")).id, "Grace")


def test_a_second_administrator_approves_after_the_first_leaves(team: Team) -> None:
    office = team.vaults["office"]
    office.create_account("Ines", "admin", PASSPHRASE)  # a second administrator, pending
    ida = sign_in(office, "Ida", PASSPHRASE)
    membership.approve(ida, "Ines")
    sync.run_sync(ida)
    ida.lock()  # Ida leaves: she never signs in again

    ines = team.enrol("ines-laptop", "Ines")
    assert ines.user.role.value == "admin" and ines.user.active
    office.create_account("Nell", "coordinator", PASSPHRASE)  # added at the office PC
    ines_at_office = sign_in(office, "Ines", PASSPHRASE)
    nell = membership.approve(ines_at_office, "Nell")
    assert (nell.role.value, nell.status) == ("coordinator", "active")
    sync.run_sync(ines_at_office)  # publishes Nell's certificate, signed by Ines
    share = sync.open_share(team.location)
    formats = {json.loads(share.read(f"accounts/{a.id}.json", max_size=fmt.MAX_SMALL_FILE))[
        "signed"]["format"] for a in office.accounts() if a.name in {"Nell", "Amira"}}
    # Signed by a second administrator, and without sealed keys (those are in keys/): format
    # 4, which a PeerDesk from before second administrators leaves where it is instead of
    # setting it aside for everyone.
    assert formats == {fmt.SUCCEEDED_FORMAT} and fmt.SUCCEEDED_FORMAT > fmt.DELEGATED_FORMAT > 2
    team.sync("a1")
    assert {a.name: (a.role.value, a.status) for a in team.vaults["a1"].accounts()}[
        "Nell"] == ("coordinator", "active")
    record = team.desks["a1"].add("diary", diary("for Nell"))
    team.desks["a1"].share(record.id, "Nell")

    # Ines can also remove a member, and her removal reaches the other devices.
    membership.remove(ines, "Amira")
    sync.run_sync(ines)
    with pytest.raises(NotAllowed, match="removed from the team"):
        team.sync("a2")
    # The root administrator holds the team's key; she cannot go until she hands it over.
    with pytest.raises(NotAllowed, match="Ida is the team's root administrator"):
        membership.remove(ines, "Ida")


def test_what_a_removed_member_writes_after_her_removal_is_set_aside(team: Team) -> None:
    a1, a2, grace = team.desks["a1"], team.desks["a2"], team.desks["office"]
    before = a1.add("diary", diary("BEFORE her removal"))
    a1.share(before.id, "Grace")
    team.sync("a1")
    ida = sign_in(team.vaults["office"], "Ida", PASSPHRASE)
    sync.run_sync(ida)  # the office has taken in Amira's streams this far
    membership.remove(ida, "Amira")
    sync.run_sync(ida)  # the removal, with how far each of her streams was taken in

    # Her other laptop never learned of it and writes on, bypassing the checks of a sync run
    # (an old PeerDesk, or a changed one).
    late = a2.add("diary", diary("AFTER her removal"))
    a2.share(late.id, "Grace")
    rogue = engine.Engine(a2.vault.store, sync.open_share(team.location),
                          device_id=a2.vault.device_id, user_id=a2.user.id, keys=a2.keys,
                          clock=a2.vault.clock)
    rogue.manifest = engine.read_manifest(rogue.share)
    rogue.push()

    (report,) = team.sync("office")
    assert any("written after their author was removed from the team were set aside" in p
               for p in report.problems)
    assert [r.fields["what_happened"] for r in grace.shared_with_me()] == ["BEFORE her removal"]
    with pytest.raises(NotAllowed, match="removed from the team"):
        team.sync("a2")  # and her laptop, at its next real sync, is refused
