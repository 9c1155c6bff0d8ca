"""Changesets a PeerDesk from before padding wrote (format 1, a clock reading in clear) are
still taken in from a real share, and move the reader's clock as before."""

from __future__ import annotations

import json
from pathlib import Path

from peerdesk.domain import hlc
from peerdesk.store.models import Setting
from peerdesk.sync import format as fmt
from peerdesk.sync import heads
from tests.helpers.team import diary, make_team
from tests.integration.test_sync_format import as_format_1


def test_a_format_1_changeset_on_the_share_is_still_read(tmp_path: Path) -> None:
    team = make_team(tmp_path)
    a1, a2 = team.desks["a1"], team.desks["a2"]
    a1.add("diary", diary("written before the upgrade"))
    team.sync("a1")
    (path,) = (Path(team.location) / "devices" / team.vaults["a1"].device_id).glob("*.pdk")
    # As the older PeerDesk on a1 would have written it, its clock a day ahead of a2's.
    ahead = hlc.encode(hlc.wall_ms(a2.vault.clock()) + 86_400_000, 0, team.vaults["a1"].device_id)
    data = as_format_1(path.read_bytes(), a1.keys, ahead)
    path.write_bytes(data)
    for old in (Path(team.location) / "heads").glob(f"{team.vaults['a1'].device_id}.*"):
        old.write_bytes(heads.build(  # its head, as that PeerDesk wrote it for this file
            team_id=json.loads(old.read_bytes())["signed"]["team"],
            device_id=team.vaults["a1"].device_id, author_id=a1.user.id, seq=1,
            digest=fmt.digest(data), seen={}, sign=a1.keys.sign))
    (report,) = team.sync("a2")
    assert report.problems == () and report.quarantined == 0
    assert {r.fields["what_happened"] for r in a2.records()} == {"written before the upgrade"}
    # The header's reading is checked for form, not used: the clock follows the entries.
    with team.vaults["a2"].store.transaction() as s:
        clock = s.get(Setting, "hlc").value
    assert clock < ahead
    team.close()
