"""A peer who leaves: Ida (admin) marks Amira as leaving at the office, every device sees the
signed mark, and her checklist says what is done and what remains, from the data."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from peerdesk.domain import Kind
from peerdesk.errors import InvalidInput, NotAllowed
from peerdesk.services import handover, leavers, membership, sync
from peerdesk.services.desk import sign_in
from peerdesk.sync import certs
from peerdesk.sync import format as fmt
from tests.conftest import PASSPHRASE, run_cli
from tests.helpers.team import Team
from tests.integration import test_handover

team = test_handover.team  # the fixture: Ida, Grace, Amira (a1, a2), Tom (t1)
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

    # On her laptop: her two people, neither handed over yet.
    found = leavers.checklist(amira, "Amira")
    assert found.leaving_on == LAST_DAY
    assert _steps(found) == [("marked", True), ("person", False), ("person", False),
                             ("kept", True), ("dispose", True), ("removed", False)]
    assert {i.subject for i in found.items if i.step == leavers.PERSON} == {jo.id, sam.id}
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
    assert leavers.checklist(amira, "Amira").remaining == 1  # only the removal
    _mark(team, "Tom", LAST_DAY)
    team.sync_all()
    assert leavers.checklist(amira, "Amira").remaining == 3
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
