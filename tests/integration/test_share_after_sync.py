"""Sharing a record that already went to the share reaches the coordinator."""

from pathlib import Path

from peerdesk.domain import Kind
from tests.helpers.team import diary, make_team


def test_share_after_sync(tmp_path: Path) -> None:
    t = make_team(tmp_path)
    a1, grace = t.desks["a1"], t.desks["office"]
    rec = a1.add(Kind.DIARY, diary("synced first, shared later"))
    t.sync_all()
    a1.share(rec.id, "Grace")
    t.sync_all()
    assert grace.get(rec.id).fields["what_happened"] == "synced first, shared later"
    t.close()
