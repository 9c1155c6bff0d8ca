"""What arrives by sync is checked against the role its author held when she wrote it, on a
share folder with four data folders and on a real Samba server.

A peer's changed PeerDesk (signed with her own key, as any client, but skipping the local
refusal) sends a cover and a comment: every device sets them aside, reports it once and takes
in the rest. A coordinator demoted to peer keeps the comment she wrote before, on every device
and on one that joins afterwards from a snapshot written after the demotion; one she writes
after it is set aside.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from peerdesk import dates
from peerdesk.domain import Kind, hlc
from peerdesk.domain.records import COORDINATOR_KINDS
from peerdesk.errors import NotAllowed
from peerdesk.services import cover, membership, saving, sharing, supervision, sync
from peerdesk.services.desk import Desk, sign_in
from peerdesk.store.models import AccountRow
from peerdesk.sync import certs, engine, state
from peerdesk.sync import format as fmt
from tests.conftest import PASSPHRASE
from tests.helpers.team import Team, diary, team_on

SET_ASIDE = "which only a Peer Worker Coordinator can write"


@pytest.fixture(params=["folder", pytest.param("samba", marks=pytest.mark.smb)])
def team(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Team]:
    made = team_on(request, tmp_path)
    yield made
    made.close()


def _coordinator_kinds_by(desk: Desk, author_id: str) -> list[str]:
    return [r.kind.value for r in desk.records()
            if r.author_id == author_id and r.kind in COORDINATOR_KINDS]


def _join_late(team: Team, device: str) -> tuple[Desk, sync.SyncReport]:
    """Amira signs in on a new computer after everything else happened."""
    desk, report = sync.enrol(team.device(device), team.location, "Amira", PASSPHRASE)
    team.desks[device] = desk
    return desk, report


def _set_aside(reports: list[sync.SyncReport]) -> list[str]:
    return [p for r in reports for p in r.problems if SET_ASIDE in p]


def test_a_peers_forged_cover_and_comment_are_set_aside_everywhere(
        team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    paul = team.join("p1", "Paul", "peer")
    amira, grace = team.desks["a1"], team.desks["office"]
    shared = amira.add("diary", diary("Sat with Jo on the ward."))
    amira.share(shared.id, "Grace")
    team.sync("a1", "p1", "office")
    today = dates.today(paul.vault.clock())

    # Paul's changed PeerDesk: the local refusal is gone, the signing is PeerDesk's own.
    monkeypatch.setattr(saving, "COORDINATOR_KINDS", frozenset())
    me = paul.actor()
    with me.transaction() as conn:
        grant = saving.add_in(me, conn, Kind.COVER, {
            "cover": "Paul", "starts": today.isoformat(),
            "ends": (today + timedelta(days=30)).isoformat(), "note": ""})
        for other in (amira.user.id, grace.user.id):
            sharing.give(me, conn, grant.id, other)
        note = saving.add_in(me, conn, Kind.COMMENT, {"about": shared.id,
                                                      "text": "FORGED: stop seeing Jo."})
        sharing.give(me, conn, note.id, amira.user.id)
    monkeypatch.undo()
    # In the same changeset, something a peer may write: it still arrives.
    honest = paul.add("diary", diary("Paul's own session."))
    paul.share(honest.id, "Grace")
    (sent,) = team.sync("p1")
    assert sent.pushed >= 3

    reports = team.sync("a1", "a2", "office")
    late, joined = _join_late(team, "a3")  # afterwards, from the share alone
    reports.append(joined)
    authors = {a.id: a.name for a in team.vaults["a1"].accounts()}
    for desk in (amira, team.desks["a2"], late, grace):
        assert _coordinator_kinds_by(desk, paul.user.id) == []
        assert supervision.comments_on(desk.records(), shared.id) == []
        # The cover does not take effect: no notice, nothing shared with Paul.
        assert cover.notice(desk.records(), authors, today) == ""
    assert cover.apply(amira, today=today) == (0, 0)
    assert amira.shared_by_me()[shared.id] == (grace.user.id,)
    # What Paul may write was taken in.
    assert [r.fields["what_happened"] for r in grace.shared_with_me()
            if r.author_id == paul.user.id] == ["Paul's own session."]
    # One clear sentence on each device, naming who and what it could read of them (the
    # comment was sealed for Amira only; the cover for Amira and Grace).
    said = [s for r in reports for s in _set_aside([r])]
    assert len(said) == 4 and all("Everything else in them was taken in" in s for s in said)
    for one, what in zip(said, ["a comment from supervision and a cover while the coordinator "
                                "is away"] * 2 + ["a cover while the coordinator is away,"]
                         + ["a comment from supervision and a cover"], strict=True):
        assert f"by Paul included {what}" in one
    assert not _set_aside(team.sync("a1", "a3"))  # reported once

    # Nothing was moved aside: the file holds Paul's honest diary too.
    assert not [p for r in reports for p in r.problems if "failed its checks" in p]


def test_a_demoted_coordinators_earlier_comment_stands_and_a_later_one_does_not(
        team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    cora = team.join("c1", "Cora", "coordinator")
    amira = team.desks["a1"]
    team.sync("a1")  # Cora's account reaches Amira's laptop
    shared = amira.add("diary", diary("First contact on the ward."))
    amira.share(shared.id, "Cora")
    team.sync("a1", "c1")
    before = supervision.comment(cora, shared.id, "BEFORE: you let Jo lead.")
    team.sync("c1", "a1")
    assert [c.id for c in supervision.comments_on(amira.records(), shared.id)] == [before.id]

    # Ida takes in Cora's stream at the office, then makes her a peer: the certificate names
    # how far each of Cora's streams was taken in, and her coordinator role until then.
    ida = sign_in(team.vaults["office"], "Ida", PASSPHRASE)
    sync.run_sync(ida)
    membership.set_role(ida, "Cora", "peer")
    sync.run_sync(ida)
    ida.lock()

    # Cora, offline, has not heard yet: her PeerDesk still lets her comment.
    after = supervision.comment(cora, shared.id, "AFTER: a comment as a peer.")
    # Her computer folds everything into one snapshot at its next sync (written after the
    # demotion, so it carries both comments): a device joining later reads only that.
    monkeypatch.setattr(engine, "COMPACT_AFTER", 1)
    team.sync("c1")
    monkeypatch.undo()
    share = sync.open_share(team.location)
    folder = f"{fmt.DEVICES}/{team.vaults['c1'].device_id}"
    mine = [e.name for e in share.list(folder) if e.name.startswith(cora.user.id)]
    assert len(mine) == 1 and mine[0].endswith(".snap.pdk")

    reports = team.sync("a1", "a2")
    late, joined = _join_late(team, "a3")
    reports.append(joined)
    for desk in (amira, team.desks["a2"], late):
        assert [c.fields["text"] for c in supervision.comments_on(desk.records(), shared.id)] \
            == ["BEFORE: you let Jo lead."]
    for report in reports:
        (said,) = _set_aside([report])
        assert "by Cora included a comment from supervision" in said

    # Her own computer now knows, even before she signs in again: no new comment, and no
    # changing the old one.
    with team.vaults["c1"].store.begin() as conn:
        history = certs.histories(conn)[cora.user.id]
    assert [p.role.value for p in history.periods] == ["coordinator"]
    with pytest.raises(NotAllowed, match="Only a Peer Worker Coordinator can add a comment"):
        supervision.comment(cora, shared.id, "Another, in the same session.")
    cora.lock()
    cora = sign_in(team.vaults["c1"], "Cora", PASSPHRASE)
    with pytest.raises(NotAllowed, match="Only a Peer Worker Coordinator can"):
        cora.update(before.id, dict(before.fields) | {"text": "changed"})
    assert after.id not in {r.id for r in amira.records()}


def test_a_cover_naming_a_peer_shares_nothing_with_her(team: Team) -> None:
    """The one field of these kinds that gives anyone anything: the cover a grant names. A
    coordinator's changed PeerDesk names a peer; the peers' computers share nothing with her."""
    paul = team.join("p1", "Paul", "peer")
    amira, grace = team.desks["a1"], team.desks["office"]
    shared = amira.add("diary", diary("Sat with Jo on the ward."))
    amira.share(shared.id, "Grace")
    today = dates.today(grace.vault.clock())
    me = grace.actor()
    with me.transaction() as conn:  # cover.grant would refuse to name a peer
        grant = saving.add_in(me, conn, Kind.COVER, {
            "cover": "Paul", "starts": today.isoformat(),
            "ends": (today + timedelta(days=30)).isoformat(), "note": ""})
        sharing.give(me, conn, grant.id, amira.user.id)
    team.sync("office", "a1")
    assert [g.id for g in cover.grants(amira.records())] == [grant.id]  # Grace may write it
    assert cover.apply(amira, today=today) == (0, 0)
    assert amira.shared_by_me()[shared.id] == (grace.user.id,)
    team.sync("a1", "p1")
    assert shared.id not in {r.id for r in paul.records()}


def test_a_peer_cannot_share_or_erase_anothers_records_by_sync(team: Team) -> None:
    """Entries that touch records: a sharing switch, a wrapped key or an erasure signed by a
    peer reach only her own records, whatever ids they name."""
    paul = team.join("p1", "Paul", "peer")
    amira, a2 = team.desks["a1"], team.desks["a2"]
    jo = amira.add(Kind.PERSON, {"label": "Jo"})
    kept = amira.add("diary", diary("Jo's first week."), person_id=jo.id)
    team.sync("a1", "a2", "p1")
    device = paul.vault.device_id
    with team.vaults["p1"].store.begin() as conn:
        at = state.own_position(conn, paul.user.id)
        reader = conn.execute(select(AccountRow.id, AccountRow.receive_public).where(
            AccountRow.id == amira.user.id)).one()
    reading = hlc.encode(hlc.wall_ms(paul.vault.clock()), 0, device)
    share = sync.open_share(team.location)
    forged = [
        [{"t": "r", "r": kept.id, "rd": paul.user.id, "on": True, "hlc": reading}],
        [{"t": "w", "r": kept.id, "vid": "x", "rd": paul.user.id, "s": "hpke",
          "x": fmt.b64(b"k" * 32)}],
        [{"t": "e", "p": jo.id, "ids": [jo.id, kept.id], "hlc": reading}],
    ]
    for entries in forged:  # each signed by Paul, chained on his stream
        header = fmt.Header(_team_id(team), device, paul.user.id, at.seq + 1, at.digest)
        data = fmt.build_changeset(header, [([(reader.id, reader.receive_public)], entries)],
                                   paul.keys)
        share.write(f"{fmt.DEVICES}/{device}/{paul.user.id}.{at.seq + 1:010d}.pdk", data)
        at = state.Position(at.seq + 1, fmt.digest(data))

    (report,) = team.sync("a2")
    assert report.quarantined == 2  # the sharing switch and the key: not his record
    assert sum("tries to share someone else's record" in p for p in report.problems) == 2
    # The erasure reached none of Amira's: she still reads Jo and the diary, and shares
    # nothing with Paul.
    assert {r.id for r in a2.records()} >= {jo.id, kept.id}
    assert a2.get(kept.id).fields["what_happened"] == "Jo's first week."
    assert a2.shared_by_me().get(kept.id, ()) == ()


def _team_id(team: Team) -> str:
    return engine.read_manifest(sync.open_share(team.location)).team_id


def test_a_peers_forged_supervision_action_is_refused_and_set_aside(
        team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    """An action agreed in group supervision is the coordinator's to write: Paul's PeerDesk
    refuses it in one sentence, and one written by a changed PeerDesk, given to Amira as if
    from supervision, is set aside on her computer."""
    paul = team.join("p1", "Paul", "peer")
    amira, grace = team.desks["a1"], team.desks["office"]
    session = supervision.start_session(grace, dates.today(grace.vault.clock()), ["Amira"])
    with pytest.raises(NotAllowed, match="Only a Peer Worker Coordinator can add a supervision "
                                         "action"):
        supervision.add_action(paul, session.id, "Stop seeing Jo.", "Amira", None)

    monkeypatch.setattr(saving, "COORDINATOR_KINDS", frozenset())
    forged = supervision.add_action(paul, session.id, "FORGED: stop seeing Jo.", "Amira", None)
    monkeypatch.undo()
    honest = supervision.add_action(grace, session.id, "Bring the lone-working policy.",
                                    "Amira", None)
    *_, received = team.sync("p1", "office", "a1")
    assert [r.id for r in amira.records() if r.kind is Kind.ACTION] == [honest.id]
    assert forged.id not in {r.id for r in amira.records()}
    (said,) = _set_aside([received])
    assert "by Paul included a supervision action" in said
    assert not _set_aside(team.sync("a1"))  # reported once
