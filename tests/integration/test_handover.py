"""Handover of a person's support with their agreement, on three devices around a real share:
Amira (a1) hands Jo to Tom (t1); Grace, the coordinator, works at the office."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from peerdesk.crypto import envelope, keystore
from peerdesk.domain import Kind, Record
from peerdesk.domain.consent import active
from peerdesk.errors import (
    DecryptionFailed,
    InvalidInput,
    NotAllowed,
    NotFound,
    NotSharedWithYou,
)
from peerdesk.services import Desk, handover
from peerdesk.services.arrival import arrive
from peerdesk.sync import format as fmt
from tests.helpers.samba import SMB_PASSWORD, SMB_USER, Samba
from tests.helpers.team import Team, diary, make_team
from tests.integration.test_sync_smb import memory_keyring  # noqa: F401  (the fixture)

BOUNDARY = "sharing_lived_experience"
CRISIS = {"sections": {"signs": "I stop answering the phone."}}


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    t = make_team(tmp_path)
    t.join("t1", "Tom", "peer")
    yield t
    t.close()


def _jo(amira: Desk) -> dict[str, Any]:
    """Jo as Amira supports her: a person record, a crisis plan with two versions, a diary,
    and Amira's own reflection (shared with Grace for supervision) and wellbeing check-in."""
    jo = amira.add(Kind.PERSON, {"label": "Jo", "admission_ward": "Willow"})
    plan = amira.add(Kind.CRISIS_PLAN, CRISIS, person_id=jo.id)
    amira.update(plan.id, {"sections": CRISIS["sections"] | {
        "helps": "A walk, and someone who does not rush me."}})
    seen = amira.add(Kind.DIARY, diary("Jo talked about going home."), person_id=jo.id)
    reflection = amira.add(Kind.REFLECTION, {
        "when": "2026-03-14", "boundary_area": BOUNDARY,
        "what_happened": "Jo reminded me of my own admission.",
        "keeping_myself_well": "Talk to Grace; a day off after."})
    amira.share(reflection.id, "Grace")
    checkin = amira.add(Kind.CHECKIN, {"when": "2026-03-14", "how_i_am": "need_support"})
    return {"jo": jo, "plan": plan, "diary": seen, "reflection": reflection,
            "checkin": checkin}


def _sections_for(share_dir: Path, desk: Desk) -> list[dict[str, Any]]:
    """Every entry in every changeset on the share that ``desk``'s keys open, read as a
    reader does (signature first, then the sections sealed for her)."""
    opened: list[dict[str, Any]] = []
    for path in sorted((share_dir / "devices").rglob("*.pdk")):
        kind = "snapshot" if path.name.endswith(".snap.pdk") else \
            "part" if path.name.endswith(".part.pdk") else "changeset"
        signed, _sig = fmt.parse_doc(path.read_bytes(), kind)
        h = fmt.read_header(signed)
        if "sections" in signed:
            opened += fmt.open_sections(signed, h, desk.user.id, desk.keys)
    return opened


def test_amira_hands_jo_to_tom_with_jos_agreement(team: Team) -> None:
    _hand_jo_to_tom(team, Path(team.location))


@pytest.mark.usefixtures("memory_keyring")
def test_amira_hands_jo_to_tom_through_a_real_samba_share(samba: Samba, tmp_path: Path) -> None:
    keystore.save_share_credentials("127.0.0.1", samba.port, SMB_USER, SMB_PASSWORD)
    team = make_team(tmp_path, location=f"smb://127.0.0.1:{samba.port}/share/team-handover")
    try:
        team.join("t1", "Tom", "peer")
        _hand_jo_to_tom(team, samba.root / "team-handover")
    finally:
        team.close()


def _hand_jo_to_tom(team: Team, share_dir: Path) -> None:
    amira, grace, tom = team.desks["a1"], team.desks["office"], team.desks["t1"]
    jo = _jo(amira)
    team.sync_all()
    # Before: Tom cannot see Jo, nor write about her.
    assert [p.id for p in tom.records(Kind.PERSON)] == []
    with pytest.raises(NotAllowed):
        amira.share(jo["plan"].id, "Tom")
    with pytest.raises(InvalidInput):
        handover.hand_over(amira, jo["jo"].id, "Tom", agreed_by="   ")

    made = handover.hand_over(amira, jo["jo"].id, "Tom",
                              agreed_by="Jo, in person on Willow ward", diaries=True)
    # The agreement is on the plan's consent ledger: Jo's own copy names Tom from now on.
    plan_now = amira.get(jo["plan"].id)
    [entry] = active(plan_now.fields, date.today())
    assert entry.recipient == "Tom" and "agreed: Jo, in person on Willow ward" in entry.purpose
    team.sync_all()
    arrived = arrive(tom)
    assert arrived.support.received == 1

    # Tom has Jo: one person id, her plan with its whole history, her diary, the arrangement.
    assert [p.id for p in tom.records(Kind.PERSON)] == [jo["jo"].id]
    assert tom.get(jo["jo"].id).fields["admission_ward"] == "Willow"
    history = tom.history(jo["plan"].id)
    # Every version, oldest first: the two edits, then the consent entry of the handover.
    assert len(history) == 3
    assert "helps" not in history[0].fields["sections"]
    assert history[1].fields["sections"]["helps"].startswith("A walk")
    assert [c["recipient"] for c in history[2].fields["consents"]] == ["Tom"]
    assert all(v.author_id == amira.user.id for v in history)
    assert tom.get(jo["diary"].id).fields["what_happened"] == "Jo talked about going home."
    assert handover.status(tom)[jo["jo"].id].startswith("Handed over from Amira on")
    assert handover.status(amira)[jo["jo"].id].startswith("Handed over to Tom on")
    assert handover.supporters(tom, jo["jo"].id) == ["Tom"]

    # Amira's reflection, wellbeing and private notes never reach Tom.
    for record in ("reflection", "checkin"):
        with pytest.raises((NotFound, NotSharedWithYou)):
            tom.get(jo[record].id)

    # Tom continues the crisis plan: his own record about the same person, his versions his.
    mine = handover.continue_plan(tom, jo["plan"].id)
    assert mine.author_id == tom.user.id and mine.person_id == jo["jo"].id
    assert handover.continue_plan(tom, jo["plan"].id).id == mine.id  # once
    tom.update(mine.id, {"sections": dict(mine.fields["sections"]) | {
        "contacts": "Tom, Monday to Friday."}})
    lineage = handover.lineage(tom, mine.id)
    assert [v.author_id for v in lineage] == [amira.user.id] * 3 + [tom.user.id] * 2
    plans = handover.current(tom.records(Kind.CRISIS_PLAN))
    assert [p.id for p in plans] == [mine.id]
    later = tom.add(Kind.DIARY, diary("First meeting with Jo as her peer."),
                    person_id=jo["jo"].id)
    team.sync_all()
    # The old records stay Amira's everywhere; Tom's new ones are his and not Amira's to read.
    for desk in (amira, grace):
        for record_id in (mine.id, later.id):
            with pytest.raises((NotFound, NotSharedWithYou)):
                desk.get(record_id)
    assert amira.get(jo["plan"].id).author_id == amira.user.id

    # Audited on both sides.
    assert _actions(amira, jo["jo"].id) >= {"handover"}
    assert "handover-received" in _actions(tom, jo["jo"].id)
    # The arrangement names Jo in her words: it is the two peers', never the coordinator's.
    with pytest.raises((NotFound, NotSharedWithYou)):
        grace.get(made.id)
    assert not any("Willow ward" in str(r.fields) for r in grace.records())

    # At the crypto level: Tom's keys open no section that holds Amira's reflection or
    # check-in, and no wrap of either.
    opened = _sections_for(share_dir, tom)
    seen_ids = {e.get("r") for e in opened}
    assert jo["plan"].id in seen_ids and jo["jo"].id in seen_ids
    assert jo["reflection"].id not in seen_ids and jo["checkin"].id not in seen_ids
    for e in _sections_for(share_dir, amira):
        if e.get("t") == "v" and e["r"] in (jo["reflection"].id, jo["checkin"].id):
            for _reader, suite, wrapped in e["w"]:
                for s in (envelope.HPKE_SUITE, envelope.OWNER_SUITE):
                    with pytest.raises(DecryptionFailed):
                        envelope.unwrap(s, fmt.unb64(wrapped), own=tom.keys.own,
                                        receive_key=tom.keys.receive_key,
                                        context=envelope.wrap_context(e["r"], e["vid"],
                                                                      tom.user.id))
                assert suite in (envelope.HPKE_SUITE, envelope.OWNER_SUITE)


def _actions(desk: Desk, person_id: str) -> set[str]:
    from peerdesk import audit

    with desk.vault.store.transaction() as s:
        return {e.action for e in audit.entries(s, record_id=person_id)}


def test_a_handover_on_a_shared_ward_pc_from_the_command_line(data_dir: Path) -> None:
    """Offline, on one computer both peers use: the handover is there at once for Tom."""
    import json

    from peerdesk.services import Vault
    from tests.conftest import LIGHT_KDF, PASSPHRASE, run_cli

    with Vault(data_dir, kdf_params=LIGHT_KDF) as vault:
        for name in ("Amira", "Tom"):
            vault.create_account(name, "peer", PASSPHRASE)

    def as_(user: str, *args: str) -> Any:
        result = run_cli(data_dir, "--user", user, *args, "--json")
        assert result.code == 0, result.err
        return json.loads(result.out)

    jo = as_("Amira", "person", "add", "--label", "Jo")["id"]
    plan = run_cli(data_dir, "--user", "Amira", "record", "add", "--kind", "crisis_plan",
                   "--person", jo, "--file", "-", stdin=json.dumps(CRISIS))
    plan_id = plan.out.strip()
    assert as_("Tom", "person", "list") == []
    refused = run_cli(data_dir, "--user", "Tom", "record", "add", "--kind", "diary",
                      "--person", jo, "--file", "-", stdin=json.dumps(diary("too soon")))
    assert refused.code == 3 and "do not support this person" in refused.err
    no_agreement = run_cli(data_dir, "--user", "Amira", "person", "hand-over", jo, "--to",
                           "Tom", "--agreed-by", " ")
    assert no_agreement.code == 2 and "agreement" in no_agreement.err

    made = as_("Amira", "person", "hand-over", jo, "--to", "Tom", "--agreed-by",
               "Jo, in person on the ward")
    assert made["to_peer"] == "Tom" and made["moves"] == ["person", "journey", "plans"]
    [listed] = as_("Tom", "person", "list")
    assert listed["id"] == jo and listed["support"].startswith("Handed over from Amira")
    assert as_("Amira", "person", "list")[0]["support"].startswith("Handed over to Tom")
    assert as_("Tom", "person", "supporters", jo) == ["Tom"]
    mine = as_("Tom", "plan", "continue", plan_id)
    assert mine["author_id"] != as_("Tom", "record", "show", plan_id)["author_id"]
    # The plan and its history as one: Amira's versions (2: the plan, the consent entry),
    # then Tom's.
    history = as_("Tom", "plan", "history", mine["id"])
    assert [(v["id"], v["author"]) for v in history] == [
        (plan_id, "Amira"), (plan_id, "Amira"), (mine["id"], "Tom")]
    added = run_cli(data_dir, "--user", "Tom", "record", "add", "--kind", "diary",
                    "--person", jo, "--file", "-", stdin=json.dumps(diary("First meeting")))
    assert added.code == 0, added.err
    # The person's own copy of the plan names Tom among who can see it.
    copy = run_cli(data_dir, "--user", "Tom", "plan", "export", mine["id"])
    assert copy.code == 0, copy.err
    assert "Tom" in copy.out
    before = run_cli(data_dir, "--user", "Amira", "plan", "export", plan_id, "--format",
                     "what-to-expect")
    letter = run_cli(data_dir, "--user", "Tom", "plan", "export", jo, "--format",
                     "what-to-expect")
    assert letter.code == 0, letter.err
    assert "Tom" in letter.out and "Amira" not in letter.out and "Amira" in before.out


def test_cover_between_peers_ends_by_itself(team: Team) -> None:
    """Amira is off sick: Tom covers Jo until a last day; what he writes reaches Amira; after
    the last day he receives nothing new and can no longer write about Jo."""
    from datetime import timedelta

    amira, tom = team.desks["a1"], team.desks["t1"]
    jo = _jo(amira)
    team.sync_all()  # Tom's account reaches Amira's laptop
    today = date.today()
    last = today + timedelta(days=7)
    with pytest.raises(InvalidInput, match="last day"):
        handover.hand_over(amira, jo["jo"].id, "Tom", agreed_by="Jo, by phone",
                           arrangement=handover.COVER)
    handover.hand_over(amira, jo["jo"].id, "Tom", agreed_by="Jo, by phone",
                       arrangement=handover.COVER, ends=last)
    team.sync_all()
    handover.apply(tom, today=today)
    assert handover.status(tom)[jo["jo"].id].startswith("You cover for Amira until")
    assert sorted(handover.supporters(tom, jo["jo"].id)) == ["Amira", "Tom"]
    cover_note = tom.add(Kind.DIARY, diary("Covered: Jo is doing well."), person_id=jo["jo"].id)
    handover.apply(tom, today=today)  # what Tom writes goes back to Amira
    team.sync_all()
    assert amira.get(cover_note.id).fields["what_happened"] == "Covered: Jo is doing well."
    with pytest.raises((NotFound, NotSharedWithYou)):
        tom.get(jo["diary"].id)  # Jo did not agree to the diaries moving

    # The day after the last day: Amira's computer ends it at sign-in.
    assert handover.apply(amira, today=last + timedelta(days=1)).ended == 1
    amira.update(jo["plan"].id, {"sections": CRISIS["sections"] | {"helps": "After the cover"}})
    team.sync_all()
    assert "After the cover" not in str(tom.get(jo["plan"].id).fields)
    with pytest.raises(NotAllowed, match="do not support this person"):
        tom.add(Kind.DIARY, diary("too late"), person_id=jo["jo"].id)


def _together(team: Team) -> tuple[dict[str, Any], Any]:
    """Amira shares Jo's support with Tom (diaries too); Tom writes a diary about Jo."""
    amira, tom = team.desks["a1"], team.desks["t1"]
    jo = _jo(amira)
    team.sync_all()
    handover.hand_over(amira, jo["jo"].id, "Tom", agreed_by="Jo, at the review",
                       arrangement=handover.JOINT, diaries=True)
    team.sync_all()
    handover.apply(tom)
    toms = tom.add(Kind.DIARY, diary("Met Jo with Amira.", when="2026-03-20T11:00")
                   | {"contact_type": "informal"}, person_id=jo["jo"].id)
    handover.apply(tom)
    team.sync_all()
    return jo, toms


def test_cover_ended_early_from_the_command_line(data_dir: Path) -> None:
    """Amira comes back sooner: she ends the cover on the shared ward PC, and Tom can no longer
    write about Jo there."""
    import json

    from peerdesk.services import Vault
    from tests.conftest import LIGHT_KDF, PASSPHRASE, run_cli

    with Vault(data_dir, kdf_params=LIGHT_KDF) as vault:
        for name in ("Amira", "Tom"):
            vault.create_account(name, "peer", PASSPHRASE)

    def as_(user: str, *args: str, stdin: str | None = None) -> Any:
        result = run_cli(data_dir, "--user", user, *args, "--json", stdin=stdin)
        assert result.code == 0, result.err
        return json.loads(result.out)

    jo = as_("Amira", "person", "add", "--label", "Jo")["id"]
    cover = as_("Amira", "person", "hand-over", jo, "--to", "Tom", "--agreed-by",
                "Jo, by phone", "--cover-until", "2999-01-31")
    assert cover["arrangement"] == "cover" and cover["ends"] == "2999-01-31"
    as_("Tom", "record", "add", "--kind", "diary", "--person", jo, "--file", "-",
        stdin=json.dumps(diary("While Amira is off")))
    handed = run_cli(data_dir, "--user", "Amira", "person", "end-support", cover["id"])
    assert handed.code == 0, handed.err
    refused = run_cli(data_dir, "--user", "Tom", "record", "add", "--kind", "diary",
                      "--person", jo, "--file", "-", stdin=json.dumps(diary("after")))
    assert refused.code == 3 and "do not support this person" in refused.err
    again = run_cli(data_dir, "--user", "Amira", "person", "end-support", cover["id"])
    assert again.code == 2 and "already ended" in again.err


def test_two_peers_support_one_person_with_one_id(team: Team) -> None:
    """Together: each reads what the other writes about Jo; one journey, one person id."""
    from peerdesk.services import journey

    amira, tom = team.desks["a1"], team.desks["t1"]
    jo, toms = _together(team)
    assert sorted(handover.supporters(amira, jo["jo"].id)) == ["Amira", "Tom"]
    for desk in (amira, tom):
        people = desk.records(Kind.PERSON)
        assert [p.id for p in people] == [jo["jo"].id]
        about = desk.records(Kind.DIARY, person_id=jo["jo"].id)
        assert {d.id for d in about} == {jo["diary"].id, toms.id}
    # One journey: both computers read the same one from both peers' diaries.
    seen = [journey.build(jo["jo"].id, d.records(), person=d.get(jo["jo"].id))
            for d in (amira, tom)]
    assert seen[0].last_contact == seen[1].last_contact == "2026-03-20"
    assert seen[0].sessions == seen[1].sessions == 2


@pytest.mark.parametrize("who_erases", ["a1", "t1"])
def test_one_subject_access_and_one_erasure_for_every_supporter(team: Team,
                                                                who_erases: str) -> None:
    """Jo, supported by Amira and Tom together: either peer's subject access bundle covers the
    one id; Jo withdraws through either of them, and nothing about her stays readable on any
    computer, the other supporter's included."""
    from peerdesk.services import sar

    amira, tom = team.desks["a1"], team.desks["t1"]
    jo, toms = _together(team)
    bundle = sar.collect(tom, jo["jo"].id)
    held = {r.id for r in bundle.records if r.versions}
    assert {jo["jo"].id, jo["plan"].id, jo["diary"].id, toms.id} <= held
    assert jo["reflection"].id not in {r.id for r in bundle.records}

    team.desks[who_erases].erase_person(jo["jo"].id)
    for _ in range(2):  # the other supporter's computer follows at its next sync
        team.sync_all()
        handover.apply(amira)
        handover.apply(tom)
    team.sync_all()
    for device, desk in team.desks.items():
        readable = [r.id for r in desk.records() if r.id == jo["jo"].id
                    or r.person_id == jo["jo"].id]
        assert readable == [], device


def test_a_record_that_claims_a_handover_moves_nothing_to_its_writer(team: Team) -> None:
    """Amira writes an arrangement naming Tom's own person as shared with her: Tom's computer
    shares nothing of his with her, audits nothing, and shows nothing arranged."""
    from peerdesk.services import saving, sharing

    amira, tom = team.desks["a1"], team.desks["t1"]
    ray = tom.add(Kind.PERSON, {"label": "Ray"})
    note = tom.add(Kind.DIARY, diary("Ray's first session."), person_id=ray.id)
    team.sync_all()

    def claim(frm: Desk, to: Desk) -> Any:
        made = saving.add(amira.actor(), Kind.HANDOVER, {
            "person": ray.id, "arrangement": "joint", "from_peer": frm.user.name,
            "to_peer": to.user.name, "from_account": frm.user.id, "to_account": to.user.id,
            "agreed_by": "nobody", "agreed_on": date.today().isoformat(),
            "moves": ["person", "plans", "diaries"], "starts": date.today().isoformat()})
        sharing.give_reader(amira.actor(), made.id, tom.user.id)
        return made

    # A damaged one (a date that is a number) is no arrangement at all.
    damaged = Record("x", Kind.HANDOVER, amira.user.id, ray.id, 1, datetime.now(), {
        "person": ray.id, "arrangement": "joint", "from_peer": "Amira", "to_peer": "Tom",
        "from_account": amira.user.id, "to_account": tom.user.id, "agreed_by": "x",
        "agreed_on": 20260314, "starts": date.today().isoformat()})
    assert handover.arrangements([damaged]) == []
    forged = claim(amira, tom)
    claim(tom, amira)  # one that names Tom as the peer handing over, written by Amira
    team.sync_all()
    assert tom.get(forged.id).fields["to_account"] == tom.user.id  # it did arrive
    assert handover.apply(tom) == handover.Applied()
    assert handover.status(tom) == {}
    team.sync_all()
    for record_id in (ray.id, note.id):
        with pytest.raises((NotFound, NotSharedWithYou)):
            amira.get(record_id)
    assert "handover-received" not in _actions(tom, ray.id)
