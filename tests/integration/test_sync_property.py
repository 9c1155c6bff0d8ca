"""Random interleavings of edits, syncs and crashes on three devices: every device ends with
the same state, and no version that was acknowledged as saved is ever lost."""

from __future__ import annotations

import contextlib
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerdesk.clock import utcnow
from peerdesk.errors import PeerDeskError
from peerdesk.services import sync
from tests.conftest import PASSPHRASE
from tests.helpers.shares import FailingShare
from tests.helpers.team import Team, diary, make_team

DEVICES = ("a1", "a2")  # Amira's two; Grace on "office" reads what is shared
step = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(DEVICES), st.booleans()),
    st.tuples(st.just("edit"), st.sampled_from(DEVICES), st.integers(0, 5)),
    st.tuples(st.just("delete"), st.sampled_from(DEVICES), st.integers(0, 5)),
    st.tuples(st.just("toggle-sharing"), st.sampled_from(DEVICES), st.integers(0, 5)),
    st.tuples(st.just("sync"), st.sampled_from((*DEVICES, "office")), st.just(0)),
    st.tuples(st.just("crash-mid-sync"), st.sampled_from(DEVICES), st.integers(1, 9)),
    st.tuples(st.just("restart"), st.sampled_from(DEVICES), st.just(0)),
)


def state(team: Team, device: str) -> dict[str, tuple[object, ...]]:
    desk = team.desks[device]
    out = {}
    for rec in desk.records(include_deleted=True):
        history = desk.history(rec.id)
        out[rec.id] = (rec.deleted, dict(rec.fields),
                       sorted(h.fields.get("what_happened", "") for h in history),
                       bool([c for c in sync.conflicts(desk) if c.record_id == rec.id]),
                       sorted(desk.get(rec.id).readers))
    return out


def restart(team: Team, device: str) -> None:
    """The process dies and comes back: a new Vault on the same folder, signed in again."""
    vault = team.vaults[device]
    clock = vault.clock
    vault.close()
    fresh = team.device(device, clock=clock)
    team.desks[device] = fresh.unlock("Amira", PASSPHRASE)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=14),
       st.lists(st.sampled_from((-26, -1, 0, 0, 3, 30)), min_size=3, max_size=3))
def test_any_interleaving_converges_and_loses_nothing(steps: list[tuple[str, str, object]],
                                                      skews: list[int]) -> None:
    # Each device's clock is off by some hours, as ward PCs and laptops are.
    clocks = {name: (lambda h=hours: utcnow() + timedelta(hours=h))
              for name, hours in zip(("office", "a1", "a2"), skews, strict=True)}
    with tempfile.TemporaryDirectory() as tmp:
        team = make_team(Path(tmp), clocks=clocks)
        try:
            saved: set[str] = set()
            counter = 0
            for action, device, arg in steps:
                desk = team.desks[device]
                if action in {"add", "edit"}:
                    counter += 1
                    text = f"{device}-{action}-{counter}"
                    if action == "add":
                        rec = desk.add("diary", diary(text))
                        if arg:
                            desk.share(rec.id, "Grace")
                    else:
                        live = desk.records()
                        if not live:
                            continue
                        desk.update(live[int(str(arg)) % len(live)].id, diary(text))
                    saved.add(text)  # acknowledged: the call returned
                elif action == "delete":
                    live = desk.records()
                    if live:
                        desk.delete(live[int(str(arg)) % len(live)].id)
                elif action == "toggle-sharing":
                    live = desk.records()
                    if live:
                        rec = live[int(str(arg)) % len(live)]
                        if desk.get(rec.id).readers:
                            desk.unshare(rec.id, "Grace")
                        else:
                            desk.share(rec.id, "Grace")
                elif action == "sync":
                    team.sync(device)
                elif action == "crash-mid-sync":
                    with contextlib.suppress(PeerDeskError):
                        sync.run_sync(desk, share=FailingShare(Path(team.location),
                                                               vanish_after=int(str(arg))))
                    restart(team, device)
                elif action == "restart":
                    restart(team, device)

            for _ in range(3):
                team.sync("a1", "a2", "office")
            assert state(team, "a1") == state(team, "a2")
            everything = {t for _, _, texts, _, _ in state(team, "a1").values() for t in texts}
            assert saved <= everything
            # Grace reads only versions Amira saved, and only of records shared with her.
            mine = state(team, "a1")
            for rec in team.desks["office"].records(include_deleted=True):
                assert rec.id in mine
                assert rec.fields["what_happened"] in mine[rec.id][2]
        finally:
            team.close()
