"""Cover while the coordinator is away: granted by her, seen by peers, ended by itself."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from peerdesk.domain import Kind
from peerdesk.errors import InvalidInput, NotAllowed, NotFound, NotSharedWithYou
from peerdesk.services import cover
from peerdesk.services.arrival import Arrived, arrive
from tests.conftest import PASSPHRASE
from tests.helpers.team import Team, diary, make_team

TODAY = date(2026, 3, 14)


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    t = make_team(tmp_path)
    t.join("cover", "Sam", "coordinator")
    yield t
    t.close()


def test_cover_reads_shared_items_only_during_the_period(team: Team) -> None:
    amira, grace, sam = team.desks["a1"], team.desks["office"], team.desks["cover"]
    shared = amira.add(Kind.DIARY, diary("shared before the cover"))
    amira.share(shared.id, "Grace")
    private = amira.add(Kind.DIARY, diary("never shared"))
    with pytest.raises(NotAllowed):
        cover.grant(amira, "Sam", TODAY, TODAY)
    with pytest.raises(InvalidInput):
        cover.grant(grace, "Amira", TODAY, TODAY)
    g = cover.grant(grace, "Sam", date(2026, 3, 10), date(2026, 3, 20), note="Annual leave")
    team.sync_all()
    # Peers see it.
    authors = {a.id: a.name for a in team.vaults["a1"].accounts()}
    assert "Sam is covering" in cover.notice(amira.records(), authors, TODAY)
    assert cover.notice(amira.records(), authors, date(2026, 3, 21)) == ""
    # While it runs, what Amira shares with Grace is shared with Sam too (and nothing else).
    assert cover.apply(amira, today=TODAY) == (1, 0)
    team.sync_all()
    assert sam.get(shared.id).fields["what_happened"] == "shared before the cover"
    with pytest.raises((NotFound, NotSharedWithYou)):
        sam.get(private.id)
    # After the last day it ends by itself: later versions no longer reach Sam.
    assert cover.apply(amira, today=date(2026, 3, 21)) == (0, 1)
    amira.update(shared.id, diary("written after the cover ended"))
    team.sync_all()
    assert sam.get(shared.id).fields["what_happened"] == "shared before the cover"
    assert grace.get(shared.id).fields["what_happened"] == "written after the cover ended"
    # Ending early works the same way.
    cover.end(grace, g.id, today=TODAY)
    team.sync_all()
    assert cover.active(amira.records(), TODAY) == []


def test_cover_from_the_command_line(data_dir: Path) -> None:
    from peerdesk.services import Vault
    from tests.conftest import LIGHT_KDF, run_cli

    with Vault(data_dir, kdf_params=LIGHT_KDF) as vault:
        for name, role in (("Grace", "coordinator"), ("Sam", "coordinator")):
            vault.create_account(name, role, PASSPHRASE)
    result = run_cli(data_dir, "--user", "Grace", "cover", "grant", "Sam", "--from",
                     "2026-03-10", "--to", "2999-03-20", "--json")
    assert result.code == 0, result.err
    listed = run_cli(data_dir, "--user", "Grace", "cover", "list", "--json")
    [entry] = __import__("json").loads(listed.out)
    assert entry["cover"] == "Sam" and entry["running"] is True


def test_signing_in_shares_with_a_running_cover_and_sends_the_figures(team: Team) -> None:
    """What the app does after a peer's records are read at sign-in (services.arrival)."""
    amira, grace = team.desks["a1"], team.desks["office"]
    person = amira.add(Kind.PERSON, {"label": "Jo"})
    shared = amira.add(Kind.DIARY, diary("for supervision"), person_id=person.id)
    amira.share(shared.id, "Grace")
    today = date.today()
    cover.grant(grace, "Sam", today, today + timedelta(days=5))
    team.sync_all()
    sam = next(a.id for a in team.vaults["a1"].accounts() if a.name == "Sam")
    assert arrive(amira) == Arrived(shared_with_cover=1, figures_changed=1)
    assert sam in amira.shared_by_me()[shared.id]
    assert arrive(amira) == Arrived()  # nothing new the second time
    assert arrive(grace) == Arrived()  # a coordinator's computer does none of it
