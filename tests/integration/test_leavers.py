"""A peer who leaves: Ida (admin) marks Amira as leaving at the office, every device sees the
signed mark, and her checklist says what is done and what remains, from the data."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import x25519
from sqlalchemy import select

from peerdesk import audit, dates
from peerdesk.crypto import envelope
from peerdesk.domain import Kind
from peerdesk.errors import InvalidInput, NotAllowed, NotFound, NotSharedWithYou
from peerdesk.services import Desk, fromshare, handover, leavers, membership, sync
from peerdesk.services.desk import sign_in
from peerdesk.store.models import AuditRow
from peerdesk.sync import certs, changes
from peerdesk.sync import format as fmt
from tests.conftest import PASSPHRASE, find_marker, run_cli
from tests.helpers.recovery import KEY_PASSPHRASE
from tests.helpers.team import Team, diary, team_on
from tests.integration import test_handover, test_recovery_on_share
from tests.integration.test_handover import CRISIS

team = test_handover.team  # the fixture: Ida, Grace, Amira (a1, a2), Tom (t1)
key = test_recovery_on_share.key  # the fixture: the trust recovery key, in the machine policy
LAST_DAY = date.today() + timedelta(days=14)


def _mark(team: Team, name: str, on: date | None) -> None:
    ida = sign_in(team.vaults["office"], "Ida", PASSPHRASE)
    try:
        membership.mark_leaving(ida, name, on)
        sync.run_sync(ida)  # her next sync publishes it
    finally:
        ida.lock()


def _steps(found: leavers.Checklist) -> list[tuple[str, bool]]:
    return [(i.step, i.done) for i in found.items]


def test_the_leaving_mark_is_signed_published_and_the_checklist_follows_the_data(
        team: Team) -> None:
    amira, grace, tom = team.desks["a1"], team.desks["office"], team.desks["t1"]
    jo = amira.add(Kind.PERSON, {"label": "Jo"})
    sam = amira.add(Kind.PERSON, {"label": "Sam"})
    ali = amira.add(Kind.PERSON, {"label": "Ali"})
    team.sync_all()
    # Before the mark: nothing says she is leaving, anywhere.
    assert leavers.leaving_days(amira.vault) == {}
    first = leavers.checklist(amira, "Amira")
    assert first.items[0].step == leavers.MARKED and not first.items[0].done

    # Only an administrator marks; a coordinator or the peer herself cannot.
    with pytest.raises(NotAllowed):
        membership.mark_leaving(grace, "Amira", LAST_DAY)
    with pytest.raises(NotAllowed):
        membership.mark_leaving(amira, "Amira", LAST_DAY)
    _mark(team, "Amira", LAST_DAY)
    team.sync_all()
    # Every device holds her new certificate with the day, checked against Ida's signature.
    for desk in (amira, grace, tom, team.desks["a2"]):
        assert leavers.leaving_days(desk.vault) == {amira.user.id: LAST_DAY}
        assert desk.vault.account("Amira").active  # leaving is not gone: she still works
    # Marking again with the same day signs nothing new (idempotent).
    with amira.vault.store.begin() as conn:
        serial = certs.standings(conn)[amira.user.id].cert.serial  # type: ignore[union-attr]
    _mark(team, "Amira", LAST_DAY)
    with team.vaults["office"].store.begin() as conn:
        assert certs.standings(conn)[amira.user.id].cert.serial == serial  # type: ignore[union-attr]

    # On her laptop: her three people, none handed over yet.
    found = leavers.checklist(amira, "Amira")
    assert found.leaving_on == LAST_DAY
    assert _steps(found) == [("marked", True), ("person", False), ("person", False),
                             ("person", False), ("kept", True), ("dispose", True),
                             ("removed", False)]
    assert {i.subject for i in found.items if i.step == leavers.PERSON} == {jo.id, sam.id,
                                                                           ali.id}
    assert "Jo" in found.items[1].detail or "Jo" in found.items[1].title
    # A peer sees her own checklist only.
    with pytest.raises(NotAllowed):
        leavers.checklist(tom, "Amira")

    # She hands Jo to Tom with Jo's agreement: the checklist says so, from the readers.
    handover.hand_over(amira, jo.id, "Tom", agreed_by="Jo, on the phone")
    found = leavers.checklist(amira, "Amira")
    by_person = {i.subject: i for i in found.items if i.step == leavers.PERSON}
    assert by_person[jo.id].done and "Tom" in by_person[jo.id].detail
    assert not by_person[sam.id].done and "person hand-over" in by_person[sam.id].next
    # A peer who is herself leaving does not count as support that continues.
    handover.hand_over(amira, sam.id, "Tom", agreed_by="Sam, in person")
    assert leavers.checklist(amira, "Amira").remaining == 2  # Ali, and the removal
    _mark(team, "Tom", LAST_DAY)
    team.sync_all()
    assert leavers.checklist(amira, "Amira").remaining == 4
    # Nobody's support is handed to a peer who is leaving herself (cover until then is fine).
    with pytest.raises(InvalidInput, match="Tom is leaving the team"):
        handover.hand_over(amira, ali.id, "Tom", agreed_by="Ali, in person")
    handover.hand_over(amira, ali.id, "Tom", agreed_by="Ali, in person",
                       arrangement=handover.COVER, ends=date.today() + timedelta(days=3))
    amira.erase_person(ali.id)
    _mark(team, "Tom", None)  # taken back
    team.sync_all()
    assert leavers.leaving_days(amira.vault) == {amira.user.id: LAST_DAY}
    assert leavers.checklist(amira, "Amira").remaining == 1

    # Removed: the last item is done on every device, and the mark stays on her certificate.
    ida = sign_in(team.vaults["office"], "Ida", PASSPHRASE)
    membership.remove(ida, "Amira")
    with pytest.raises(InvalidInput):
        membership.mark_leaving(ida, "Amira", LAST_DAY)
    sync.run_sync(ida)
    ida.lock()
    team.sync("office", "t1")
    at_office = leavers.checklist(grace, "Amira")
    assert at_office.items[-1].done and at_office.leaving_on == LAST_DAY
    # The office holds none of her person records: it says where they are.
    [people] = [i for i in at_office.items if i.step == leavers.PERSON]
    assert not people.done and "recovery key" in people.detail


REFUSED = ("You are marked as leaving the team (last day {day}), so you cannot register "
           "someone new; you can still hand over the people you support and write up your "
           "sessions with them.")


def test_a_leaving_peer_registers_no_one_new_and_finishes_her_work(team: Team) -> None:
    amira, a2, tom = team.desks["a1"], team.desks["a2"], team.desks["t1"]
    jo = amira.add(Kind.PERSON, {"label": "Jo"})
    plan = amira.add(Kind.CRISIS_PLAN, CRISIS, person_id=jo.id)
    team.sync_all()
    _mark(team, "Amira", LAST_DAY)
    team.sync_all()  # the signed mark reaches both her laptops while she is signed in
    before = amira.record_ids()
    for desk in (amira, a2):
        with pytest.raises(NotAllowed) as refused:
            desk.add(Kind.PERSON, {"label": "Ali"})
        assert str(refused.value) == REFUSED.format(day=dates.day(LAST_DAY))
        with pytest.raises(NotAllowed, match=r"^You are marked as leaving"):
            desk.may_register()  # what the app asks before the form opens
    assert amira.record_ids() == before  # nothing half-saved
    team.sync_all()
    assert [p.fields["label"] for p in a2.records(Kind.PERSON)] == ["Jo"]

    # What she must still do before she goes works: writing up a session, her plan with Jo,
    # handing Jo over with Jo's agreement.
    seen = amira.add(Kind.DIARY, diary("Jo and I talked about who supports her next."),
                     person_id=jo.id)
    amira.update(plan.id, {"sections": CRISIS["sections"] | {"helps": "A walk."}})
    handover.hand_over(amira, jo.id, "Tom", agreed_by="Jo, in person")
    team.sync_all()
    assert [p.id for p in tom.records(Kind.PERSON)] == [jo.id]
    assert tom.get(plan.id).fields["sections"]["helps"] == "A walk."
    assert seen.id in a2.record_ids()
    # Tom, who is staying, registers people as before.
    tom.add(Kind.PERSON, {"label": "Ali"})
    # The mark taken back: she registers people again.
    _mark(team, "Amira", None)
    team.sync_all()
    amira.may_register()
    assert amira.add(Kind.PERSON, {"label": "Sam"}).fields["label"] == "Sam"


def test_a_leaving_peer_is_refused_a_new_person_on_the_command_line(team: Team) -> None:
    amira = team.desks["a1"]
    jo = amira.add(Kind.PERSON, {"label": "Jo"})
    team.sync_all()
    _mark(team, "Amira", LAST_DAY)
    team.sync_all()
    team.vaults["a1"].close()  # her laptop, closed in the app; used by its command line
    laptop = team.root / "a1"
    for args in (("person", "add", "--label", "Ali"),
                 ("record", "add", "--kind", "person", "--file", "-")):
        refused = run_cli(laptop, "--user", "Amira", *args, stdin='{"label": "Ali"}')
        assert refused.code != 0 and refused.out == ""
        assert refused.err.strip() == "peerdesk: " + REFUSED.format(day=dates.day(LAST_DAY))
    listed = run_cli(laptop, "--user", "Amira", "person", "list")
    assert listed.code == 0 and listed.out.strip() == f"{jo.id}\tJo"
    wrote = run_cli(laptop, "--user", "Amira", "record", "add", "--kind", "diary", "--person",
                    jo.id, "--file", "-", stdin=json.dumps(diary("Jo's last session with me.")))
    assert wrote.code == 0, wrote.err


def test_a_damaged_leaving_date_fails_the_certificate(team: Team) -> None:
    _mark(team, "Amira", LAST_DAY)
    with team.vaults["office"].store.begin() as conn:
        cert = certs.standings(conn)[team.desks["a1"].user.id].cert
    assert cert is not None and certs.leaving(cert) == LAST_DAY
    doc = json.loads(cert.raw)
    doc["signed"]["leaving"] = "next Tuesday"
    with pytest.raises(fmt.Tampered):
        certs.parse(json.dumps(doc).encode())
    # A certificate from before the mark existed reads as not leaving.
    del doc["signed"]["leaving"]
    assert certs.leaving(certs.parse(json.dumps(doc).encode())) is None


def test_the_checklist_from_the_command_line(team: Team) -> None:
    office = team.root / "office"
    team.vaults["office"].close()  # the office PC, closed in the app; used by its command line
    bad = run_cli(office, "--user", "Ida", "user", "leaving", "Amira")
    assert bad.code != 0 and "--on DATE" in bad.err
    marked = run_cli(office, "--user", "Ida", "user", "leaving", "Amira", "--on",
                     LAST_DAY.isoformat())
    assert marked.code == 0, marked.err
    assert "leaver-checklist" in marked.out
    listed = json.loads(run_cli(office, "user", "list", "--json").out)
    assert {u["name"]: u.get("leaving") for u in listed}["Amira"] == LAST_DAY.isoformat()
    shown = run_cli(office, "--user", "Grace", "user", "leaver-checklist", "Amira")
    assert shown.code == 0, shown.err
    assert shown.out.startswith("Amira is leaving, last day")
    assert "[done] Marked as leaving" in shown.out
    assert "[to do] Her account removed" in shown.out
    assert "next: peerdesk user remove Amira --yes" in shown.out
    items = json.loads(run_cli(office, "--user", "Grace", "user", "leaver-checklist", "Amira",
                               "--json").out)["items"]
    assert [i["step"] for i in items] == ["marked", "person", "kept", "dispose", "removed"]


# -- her laptop never comes back ----------------------------------------------------------------

REASON = "Amira has left and her laptop was not returned; Jo's support moves to Tom."


@pytest.fixture(params=["folder", "samba"])
def gone(request: pytest.FixtureRequest, tmp_path: Path,
         key: x25519.X25519PrivateKey) -> Iterator[Team]:
    """Ida, Grace (office), Amira (a1, a2) and Tom (t1), on a share folder and on real Samba;
    the machine policy names the trust recovery key."""
    made = team_on(request, tmp_path)
    made.join("t1", "Tom", "peer")
    yield made
    made.close()


def test_a_leavers_people_are_handed_over_from_the_coordinators_computer(
        gone: Team, key: x25519.X25519PrivateKey, monkeypatch: pytest.MonkeyPatch) -> None:
    team = gone
    # A long history goes in several releases (each under a notice's size limit): here one
    # version besides the person record's per release, so Jo's plan takes two.
    monkeypatch.setattr(leavers, "RELEASE_VERSIONS", 1)
    amira, a2, grace, tom = (team.desks[d] for d in ("a1", "a2", "office", "t1"))
    jo = amira.add(Kind.PERSON, {"label": "Jo", "admission_ward": "Willow"})
    plan = amira.add(Kind.CRISIS_PLAN, CRISIS, person_id=jo.id)
    amira.update(plan.id, {"sections": CRISIS["sections"] | {"helps": "A walk."}})
    seen = amira.add(Kind.DIARY, diary("Jo talked about going home."), person_id=jo.id)
    sam = amira.add(Kind.PERSON, {"label": "Sam"})
    reflection = amira.add(Kind.REFLECTION, {
        "when": "2026-03-14", "boundary_area": "sharing_lived_experience",
        "what_happened": "Jo reminded me of my own admission."})
    amira.share(reflection.id, "Grace")
    team.sync_all()
    team.vaults["a1"].close()  # her laptop never comes back
    del team.desks["a1"]
    _mark(team, "Amira", LAST_DAY)
    team.sync("office", "t1", "a2")

    # The office holds none of her people; the checklist says how to find them.
    [people] = [i for i in leavers.checklist(grace, "Amira").items if i.step == leavers.PERSON]
    assert not people.done and "leaver-people" in people.next
    # Break-glass rules first: only with the information governance duty, a reason, the
    # policy's key.
    with pytest.raises(NotAllowed):
        leavers.people_on_share(tom, "Amira", recovery_key=key, reason=REASON)
    with pytest.raises(NotAllowed, match="information governance"):
        leavers.people_on_share(grace, "Amira", recovery_key=key, reason=REASON)
    team.grant_ig("Grace")
    team.sync("office")
    with pytest.raises(InvalidInput, match="Say why"):
        leavers.people_on_share(grace, "Amira", recovery_key=key, reason="left")
    with pytest.raises(NotAllowed, match="not the trust recovery key"):
        leavers.hand_over_from_share(grace, "Amira", jo.id, "Tom", agreed_by="Jo",
                                     recovery_key=x25519.X25519PrivateKey.generate(),
                                     reason=REASON)
    with pytest.raises(InvalidInput, match="agreement"):
        leavers.hand_over_from_share(grace, "Amira", jo.id, "Tom", agreed_by="  ",
                                     recovery_key=key, reason=REASON)
    found = leavers.people_on_share(grace, "Amira", recovery_key=key, reason=REASON)
    assert [(f.id, f.label) for f in found] == [(jo.id, "Jo"), (sam.id, "Sam")]
    listed = leavers.checklist(grace, "Amira")
    assert [(i.subject, i.done) for i in listed.items if i.step == leavers.PERSON] == [
        (jo.id, False), (sam.id, False)]
    # What retention keeps, from what the share holds (Jo, her plan and diary; Sam).
    kept = next(i for i in listed.items if i.step == leavers.KEPT)
    assert kept.detail.startswith("4 care records about 2 people are kept on the team share")
    assert next(i for i in listed.items if i.step == leavers.DISPOSE).done

    handed = leavers.hand_over_from_share(grace, "Amira", jo.id, "Tom",
                                          agreed_by="Jo, on the phone to Grace",
                                          recovery_key=key, reason=REASON)
    assert (handed.records, handed.versions) == (2, 3)  # Jo, and both versions of her plan
    by_person = {i.subject: i for i in leavers.checklist(grace, "Amira").items
                 if i.step == leavers.PERSON}
    assert by_person[jo.id].done and "Tom" in by_person[jo.id].detail
    assert not by_person[sam.id].done and "leaver-hand-over" in by_person[sam.id].next

    # Grace's next sync carries it; Tom's computer reads Amira's own signed files, and his
    # open desk is told which records to read again.
    _, at_tom = team.sync("office", "t1")
    assert {jo.id, plan.id} <= (at_tom.changed or frozenset())
    assert [p.id for p in tom.records(Kind.PERSON)] == [jo.id]
    assert tom.get(jo.id).fields["admission_ward"] == "Willow"
    history = tom.history(plan.id)
    assert [v.author_id for v in history] == [amira.user.id] * 2
    assert history[-1].fields["sections"]["helps"] == "A walk."
    # Jo did not agree to her diaries moving; Amira's reflection never moves.
    for record in (seen, reflection):
        with pytest.raises((NotFound, NotSharedWithYou)):
            tom.get(record.id)
    assert not find_marker(team.root / "t1", "reminded me of my own admission")
    # Tom was told, as the author and coordinators are.
    # Jo's agreement is kept once on Tom's computer, in a record of his about her, sealed.
    [agreement] = tom.records(Kind.HANDOVER, person_id=jo.id)
    assert agreement.author_id == tom.user.id
    assert agreement.fields["agreed_by"] == "Jo, on the phone to Grace"
    assert handover.running(tom) == {}  # it moves nothing: it is no arrangement of Amira's
    said = fromshare.received(tom)[jo.id]  # on his People list and on Jo's record
    assert said.startswith("Handed over from Amira on") and said.endswith("by Grace")
    received = [e for e in _trail(tom) if e.action == "handover-received"]
    assert [e.record_id for e in received] == [jo.id, jo.id]  # two releases, both taken in
    assert not any("refused" in e.detail for e in received)

    # Amira's account is removed; her other laptop's later writes are refused everywhere.
    ida = sign_in(team.vaults["office"], "Ida", PASSPHRASE)
    membership.remove(ida, "Amira")
    sync.run_sync(ida)
    ida.lock()
    late = a2.add(Kind.DIARY, diary("AFTER-REMOVAL about Jo"), person_id=jo.id)
    with pytest.raises(NotAllowed, match="removed from the team"):
        team.sync("a2")
    team.sync("office", "t1")
    with pytest.raises((NotFound, NotSharedWithYou)):
        tom.get(late.id)
    assert {a.name: a.status for a in tom.vault.accounts()}["Amira"] == "removed"
    assert handover.supporters(tom, jo.id) == ["Tom"]

    # Nothing about Jo is lost: Tom carries on her crisis plan, on his own computer.
    mine = handover.continue_plan(tom, plan.id)
    tom.update(mine.id, {"sections": dict(mine.fields["sections"]) | {
        "contacts": "Tom, Monday to Friday."}})
    team.sync("t1")
    assert [v.author_id for v in handover.lineage(tom, mine.id)] == [amira.user.id] * 2 + [
        tom.user.id] * 2
    later = tom.add(Kind.DIARY, diary("First meeting with Jo as her peer."), person_id=jo.id)
    assert later.person_id == jo.id

    # Sam too, then her checklist is done on the coordinator's computer.
    leavers.hand_over_from_share(grace, "Amira", sam.id, "Tom", agreed_by="Sam, in person",
                                 recovery_key=key, reason=REASON)
    done = leavers.checklist(grace, "Amira")
    assert done.remaining == 0, [i for i in done.items if not i.done]
    team.sync("office", "t1")
    assert {p.id for p in tom.records(Kind.PERSON)} == {jo.id, sam.id}


def _trail(desk: Desk) -> list[Any]:
    with desk.vault.store.begin() as conn:
        return list(conn.execute(select(AuditRow.__table__)))


def test_a_release_that_gives_more_than_may_move_moves_nothing(
        team: Team, key: x25519.X25519PrivateKey) -> None:
    """A coordinator cannot use a handover to give the new peer a leaver's reflection: Tom's
    computer takes in only the leaver's own signed versions that move, and says why not."""
    amira, grace, tom = team.desks["a1"], team.desks["office"], team.desks["t1"]
    jo = amira.add(Kind.PERSON, {"label": "Jo"})
    reflection = amira.add(Kind.REFLECTION, {
        "when": "2026-03-14", "boundary_area": "sharing_lived_experience",
        "what_happened": "Jo reminded me of my own admission."})
    amira.share(reflection.id, "Grace")  # for supervision: Grace holds its key
    team.grant_ig("Grace")
    team.sync_all()
    device = team.vaults["a1"].device_id
    tom_public = tom.keys.public().receive
    for path in sorted((Path(team.location) / "devices" / device).glob("*.pdk")):
        signed, _ = fmt.parse_doc(path.read_bytes(), "changeset")
        h = fmt.read_header(signed)
        for index, section_key, entries in fmt.keyed_sections(signed, h, grace.user.id,
                                                              grace.keys):
            for entry in entries:
                change = changes.from_wire(entry)
                if isinstance(change, changes.VersionChange) \
                        and change.record_id == reflection.id:
                    found = (path.name, index, section_key, change)
    name, index, section_key, change = found
    [wrap] = [w for w in change.keys if w.reader_id == grace.user.id]
    content = envelope.unwrap(wrap.suite, wrap.wrapped, own=grace.keys.own,
                              receive_key=grace.keys.receive_key,
                              context=envelope.wrap_context(reflection.id, change.vid,
                                                            grace.user.id))
    forged = fromshare.Release(
        amira.user.id, jo.id, tom.user.id, grace.user.id, "Jo", date.today().isoformat(),
        ("person", "journey", "plans"),
        (fromshare.Section(device, name, "", index, section_key),),
        ((reflection.id, change.vid, 0, envelope.wrap_for_reader(
            tom_public, content, context=envelope.wrap_context(reflection.id, change.vid,
                                                               tom.user.id))),))
    grace.note(audit.BREAK_GLASS, jo.id,
               f"role=coordinator; from-share={device}; author={amira.user.id}; kind=person; "
               f"handover-to={tom.user.id}; release={fromshare.seal(forged, tom_public)}")
    team.sync("office")
    [report] = team.sync("t1")
    assert any("could not be taken in" in p and "does not move" in p for p in report.problems)
    with pytest.raises((NotFound, NotSharedWithYou)):
        tom.get(reflection.id)
    assert tom.records(Kind.PERSON) == []
    assert team.sync("t1")[0].problems == ()  # said once


def test_a_leavers_people_handed_over_through_the_command_line(
        key: x25519.X25519PrivateKey, team: Team, tmp_path: Path) -> None:
    """The same from the coordinator's command line, each step run twice: the second changes
    nothing the new peer can tell."""
    amira, tom = team.desks["a1"], team.desks["t1"]
    jo = amira.add(Kind.PERSON, {"label": "Jo"})
    plan = amira.add(Kind.CRISIS_PLAN, CRISIS, person_id=jo.id)
    team.grant_ig("Grace")
    team.sync_all()
    team.vaults["a1"].close()  # her laptop never comes back
    del team.desks["a1"]
    team.vaults["office"].close()
    office = team.root / "office"
    trust = {"PEERDESK_POLICY": os.environ["PEERDESK_POLICY"],
             "PEERDESK_RECOVERY_PASSPHRASE": KEY_PASSPHRASE}
    as_grace = ("--user", "Grace", "user")
    with_key = ("--recovery-key", str(tmp_path / "trust-recovery.pem"), "--reason", REASON)
    for already in ("", "\thanded over to Tom"):
        found = run_cli(office, *as_grace, "leaver-people", "Amira", *with_key, env=trust)
        assert found.code == 0, found.err
        assert found.out.strip() == f"{jo.id}\tJo{already}"
        handed = run_cli(office, *as_grace, "leaver-hand-over", "Amira", jo.id, "--to", "Tom",
                         "--agreed-by", "Jo, on the phone to Grace", *with_key, env=trust)
        assert handed.code == 0, handed.err
        assert handed.out.startswith("Handed over to Tom: 2 records (2 versions)")
    shown = run_cli(office, "--user", "Grace", "user", "leaver-checklist", "Amira")
    assert f"[done] Person {jo.id[:8]}: Supported by Tom from the team share." in shown.out
    no_reason = run_cli(office, *as_grace, "leaver-hand-over", "Amira", jo.id, "--to", "Tom",
                        "--agreed-by", "Jo", "--recovery-key",
                        str(tmp_path / "trust-recovery.pem"), "--reason", "gone", env=trust)
    assert no_reason.code != 0 and no_reason.err.startswith("peerdesk: Say why")
    assert run_cli(office, "--user", "Grace", "sync", env=trust).code == 0
    [report] = team.sync("t1")
    assert report.problems == ()
    assert [p.id for p in tom.records(Kind.PERSON)] == [jo.id]
    assert tom.get(plan.id).fields["sections"] == CRISIS["sections"]
    trail = [e for e in _trail(tom) if e.action == "handover-received"]
    assert len(trail) == 2 and not any("refused" in e.detail for e in trail)


def test_a_release_whose_files_left_the_share_says_to_hand_over_again(
        key: x25519.X25519PrivateKey, team: Team) -> None:
    amira, grace, tom = team.desks["a1"], team.desks["office"], team.desks["t1"]
    jo = amira.add(Kind.PERSON, {"label": "Jo"})
    team.grant_ig("Grace")
    team.sync_all()
    leavers.hand_over_from_share(grace, "Amira", jo.id, "Tom", agreed_by="Jo, by phone",
                                 recovery_key=key, reason=REASON)
    # The files it names are gone from her device's folder (folded, or removed by hand).
    folder = Path(team.location) / "devices" / team.vaults["a1"].device_id
    for path in folder.glob("*.pdk"):
        path.rename(folder.parent / f"elsewhere-{path.name}")
    team.sync("office")
    [report] = team.sync("t1")
    assert any("no longer on the team share" in p and "hand the person over again" in p
               for p in report.problems), report.problems
    assert tom.records(Kind.PERSON) == []
    assert team.sync("t1")[0].problems == ()  # said once, not at every sync
