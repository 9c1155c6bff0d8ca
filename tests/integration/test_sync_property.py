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
from peerdesk.domain import Kind
from peerdesk.errors import PeerDeskError
from peerdesk.services import sync
from peerdesk.services.desk import sign_in
from peerdesk.sync import engine
from tests.conftest import PASSPHRASE
from tests.helpers.shares import FailingShare
from tests.helpers.team import Team, diary, make_team

DEVICES = ("a1", "a2")  # Amira's two; Grace on "office" reads what is shared
step = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(DEVICES), st.integers(0, 7)),
    st.tuples(st.just("add-person"), st.sampled_from(DEVICES), st.just(0)),
    st.tuples(st.just("erase"), st.sampled_from(DEVICES), st.integers(0, 3)),
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
    team.desks[device] = sign_in(fresh, "Amira", PASSPHRASE)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=14),
       st.lists(st.sampled_from((-26, -1, 0, 0, 3, 30)), min_size=3, max_size=3))
def test_any_interleaving_converges_and_loses_nothing(steps: list[tuple[str, str, object]],
                                                      skews: list[int]) -> None:
    # Each device's clock is off by some hours, as ward PCs and laptops are.
    clocks = {name: (lambda h=hours: utcnow() + timedelta(hours=h))
              for name, hours in zip(("office", "a1", "a2"), skews, strict=True)}
    compact_after = engine.COMPACT_AFTER
    engine.COMPACT_AFTER = 3  # compaction happens often, in the middle of everything
    with tempfile.TemporaryDirectory() as tmp:
        team = make_team(Path(tmp), clocks=clocks)
        try:
            saved: dict[str, tuple[str, str | None]] = {}  # text -> record, person
            erased: set[str] = set()
            counter = 0
            for action, device, arg in steps:
                desk = team.desks[device]
                if action in {"add", "edit"}:
                    counter += 1
                    text = f"{device}-{action}-{counter}"
                    if action == "add":
                        choice = int(str(arg))
                        people = desk.records(Kind.PERSON)
                        person = people[choice // 2 % len(people)].id \
                            if people and choice >= 2 else None
                        rec = desk.add("diary", diary(text), person_id=person)
                        if choice % 2:
                            desk.share(rec.id, "Grace")
                    else:
                        live = [r for r in desk.records() if r.kind is Kind.DIARY]
                        if not live:
                            continue
                        rec = desk.update(live[int(str(arg)) % len(live)].id, diary(text))
                    saved[text] = (rec.id, rec.person_id)  # acknowledged: the call returned
                elif action == "add-person":
                    counter += 1
                    desk.add("person", {"label": f"person {counter}"})
                elif action == "erase":
                    people = desk.records(Kind.PERSON)
                    if people:
                        person = people[int(str(arg)) % len(people)].id
                        desk.erase_person(person)
                        erased.add(person)
                elif action == "delete":
                    live = [r for r in desk.records() if r.kind is Kind.DIARY]
                    if live:
                        desk.delete(live[int(str(arg)) % len(live)].id)
                elif action == "toggle-sharing":
                    live = [r for r in desk.records() if r.kind is Kind.DIARY]
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
            for text, (rid, person) in saved.items():
                gone = person in erased or rid in erased
                assert (text in everything) is not gone, (text, gone)
            # Grace reads only versions Amira saved, and only of records shared with her.
            mine = state(team, "a1")
            for rec in team.desks["office"].records(include_deleted=True):
                assert rec.id in mine
                assert rec.fields["what_happened"] in mine[rec.id][2]
            for device in ("a1", "a2", "office"):
                visible = {r.id for r in team.desks[device].records(include_deleted=True)}
                assert not visible & {rid for rid, person in saved.values() if person in erased}
        finally:
            engine.COMPACT_AFTER = compact_after
            team.close()
