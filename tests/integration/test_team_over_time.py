"""A team over time, generated: people join and are approved, change passphrases and roles,
are removed, save and share, sync, and crash mid-sync. Afterwards every device that is still a
member agrees on who is in the team and in which role, and no removed person's keys open any
version saved, after her removal was known, on the device that saved it."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from peerdesk.errors import NotAllowed, PeerDeskError
from peerdesk.services import membership, sync
from peerdesk.services.desk import Desk, sign_in
from peerdesk.store import records
from peerdesk.sync import format as fmt
from peerdesk.sync.share import FolderShare
from tests.conftest import PASSPHRASE
from tests.helpers.shares import FailingShare
from tests.helpers.team import Team, diary, make_team

POOL = ("Bea", "Cal", "Dee")
PEOPLE = ("Amira", "Grace", *POOL)
ROLES = ("peer", "coordinator")

op = st.one_of(
    st.tuples(st.just("join"), st.sampled_from(POOL), st.sampled_from(ROLES)),
    st.tuples(st.just("role"), st.sampled_from(PEOPLE), st.sampled_from(ROLES)),
    st.tuples(st.just("remove"), st.sampled_from(PEOPLE), st.just("")),
    st.tuples(st.just("save"), st.sampled_from(PEOPLE), st.just("")),
    st.tuples(st.just("edit"), st.sampled_from(PEOPLE), st.just("")),
    st.tuples(st.just("sync"), st.sampled_from((*PEOPLE, "Ida")), st.just("")),
    st.tuples(st.just("passwd"), st.sampled_from(PEOPLE), st.just("")),
    st.tuples(st.just("crash"), st.sampled_from(PEOPLE), st.integers(1, 12).map(str)),
)


@dataclass
class World:
    team: Team
    ida: Desk
    desks: dict[str, Desk] = field(default_factory=dict)  # each member's own device
    removed: dict[str, Desk] = field(default_factory=dict)  # her keys, kept to try them
    # (saver, vid) for versions saved where each removed person was known to be removed
    saved: list[tuple[str, str, frozenset[str]]] = field(default_factory=list)
    passphrase: dict[str, str] = field(default_factory=dict)

    def device(self, name: str) -> str:
        return "a1" if name == "Amira" else "office" if name == "Grace" else name.lower()

    def statuses(self, device: str) -> dict[str, tuple[str, str]]:
        return {a.name: (a.role.value, a.status)
                for a in self.team.vaults[device].accounts() if a.status != "pending"}


def _step(w: World, kind: str, who: str, arg: str) -> None:
    office = w.team.vaults["office"]
    member = who in w.desks and who not in w.removed
    if kind == "join" and who not in w.desks and who not in w.removed:
        office.create_account(who, arg, PASSPHRASE)
        membership.approve(w.ida, who)
        sync.run_sync(w.ida)
        w.desks[who] = w.team.enrol(w.device(who), who)
    elif kind == "role" and member:
        membership.set_role(w.ida, who, arg)
    elif kind == "remove" and member:
        membership.remove(w.ida, who)
        w.removed[who] = w.desks[who]
    elif kind == "save" and member:
        desk = w.desks[who]
        record = desk.add("diary", diary(f"{who} writes"))
        for a in desk.vault.accounts():
            if a.role.value == "coordinator" and a.id != desk.user.id:
                with contextlib.suppress(NotAllowed):
                    desk.share(record.id, a.name)
        _saved(w, who, desk, record.id, record.version)
    elif kind == "edit" and member:
        desk = w.desks[who]
        mine = [r for r in desk.records("diary") if r.author_id == desk.user.id]
        if mine:  # a new version of a diary shared earlier, perhaps with someone since removed
            record = desk.update(mine[0].id, diary(f"{who} writes again"))
            _saved(w, who, desk, record.id, record.version)
    elif kind == "sync":
        desk = w.ida if who == "Ida" else w.desks.get(who)
        if desk is not None:
            with contextlib.suppress(NotAllowed):  # a removed member's device is refused
                sync.run_sync(desk)
    elif kind == "passwd" and member and w.device(who) not in {"a1", "office"}:
        new = f"walrus jigsaw {who} toffee {len(w.passphrase)}"
        w.desks[who].vault.change_passphrase(who, w.passphrase.get(who, PASSPHRASE), new)
        w.passphrase[who] = new
    elif kind == "crash" and member:
        share = FailingShare(Path(w.team.location), vanish_after=int(arg))
        with contextlib.suppress(PeerDeskError):
            sync.run_sync(w.desks[who], share=share)


def _saved(w: World, who: str, desk: Desk, record_id: str, number: int) -> None:
    gone = frozenset(a.id for a in desk.vault.accounts() if a.status == "removed")
    with desk.vault.store.begin() as conn:
        vid = records.vid_of(conn, record_id, number)
    assert vid is not None
    w.saved.append((who, vid, gone))


def _converge(w: World) -> None:
    for _ in range(2):
        sync.run_sync(w.ida)
        for who, desk in w.desks.items():
            if who not in w.removed:
                sync.run_sync(desk)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(op, min_size=3, max_size=14))
@example([("remove", "Grace", ""), ("sync", "Amira", ""), ("edit", "Amira", ""),
          ("join", "Bea", "coordinator"), ("save", "Amira", ""), ("remove", "Bea", ""),
          ("crash", "Amira", "3"), ("sync", "Amira", ""), ("edit", "Amira", "")])
def test_every_device_agrees_and_no_removed_reader_opens_a_later_version(
        ops: list[tuple[str, str, str]]) -> None:
    with TemporaryDirectory() as root:
        team = make_team(Path(root))
        try:
            ida = sign_in(team.vaults["office"], "Ida", PASSPHRASE)
            w = World(team, ida, {"Amira": team.desks["a1"], "Grace": team.desks["office"]})
            first = w.desks["Amira"].add("diary", diary("shared for supervision"))
            w.desks["Amira"].share(first.id, "Grace")
            team.sync("a1", "office")
            for kind, who, arg in ops:
                _step(w, kind, who, arg)
            _converge(w)

            # Every device still in the team sees the same members, roles and removals.
            expected = w.statuses("office")
            for who in w.desks:
                if who not in w.removed:
                    assert w.statuses(w.device(who)) == expected, who
            assert {n for n, (_, s) in expected.items() if s == "removed"} == set(w.removed)

            # No removed person's keys open a version saved where her removal was known.
            share = FolderShare(Path(team.location))
            for who, desk in w.removed.items():
                after = {vid for _, vid, gone in w.saved if desk.user.id in gone}
                if not after:
                    continue
                for d in share.list(fmt.DEVICES):
                    for e in share.list(f"{fmt.DEVICES}/{d.name}"):
                        if not e.name.endswith(".pdk") or e.name.endswith(".part.pdk"):
                            continue
                        data = share.read(f"{fmt.DEVICES}/{d.name}/{e.name}",
                                          max_size=fmt.MAX_FILE)
                        kind = "snapshot" if e.name.endswith(".snap.pdk") else "changeset"
                        signed, _ = fmt.parse_doc(data, kind)
                        opened = fmt.open_sections(signed, fmt.read_header(signed),
                                                   desk.user.id, desk.keys)
                        assert not {x.get("vid") for x in opened} & after, who
        finally:
            team.close()
