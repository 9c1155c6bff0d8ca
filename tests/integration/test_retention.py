"""Retention: each class's clock from the machine policy, a report of what is due, and
disposal that is refused early, audited, and reaches every device through the share."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from peerdesk import audit
from peerdesk.config import Policy
from peerdesk.domain import Kind
from peerdesk.errors import InvalidInput, NotAllowed, NotFound
from peerdesk.services import Vault, retention
from peerdesk.services.desk import sign_in
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.helpers.team import diary, make_team


class MovableClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


START = datetime(2026, 3, 2, 10, 0)


def test_clocks_follow_the_policy_and_disposal_waits_for_them(tmp_path: Path) -> None:
    clock = MovableClock(START)
    policy = Policy(retention_care_years=20, retention_staff_years=6)
    with Vault(tmp_path / "data", kdf_params=LIGHT_KDF, clock=clock, policy=policy) as vault:
        vault.create_account("Amira", "peer", PASSPHRASE)
        vault.create_account("Grace", "coordinator", PASSPHRASE)
        amira = sign_in(vault, "Amira", PASSPHRASE)
        person = amira.add(Kind.PERSON, {"label": "Jo"})
        amira.add(Kind.DIARY, diary("Walked."), person_id=person.id)
        clock.now = START + timedelta(days=30)  # the last contact
        amira.add(Kind.CRISIS_PLAN, {"sections": {"helps": "Radio."}}, person_id=person.id)
        reflection = amira.add(Kind.REFLECTION, {"when": "2026-03-02",
                                                 "boundary_area": "relationships"})
        plan = retention.schedule(amira)
        assert [(d.subject_id, d.record_class, d.records, d.due_on) for d in plan] == [
            (reflection.id, retention.STAFF, 1, date(2032, 4, 1)),
            (person.id, retention.CARE, 3, date(2046, 4, 1))]
        assert [d.subject_id for d in retention.due(amira, on=date(2040, 1, 1))] == [reflection.id]
        with pytest.raises(NotAllowed):
            retention.schedule(amira, everyone=True)
        grace = sign_in(vault, "Grace", PASSPHRASE)
        assert len(retention.schedule(grace, everyone=True)) == 2  # ids and dates, no content

        with pytest.raises(NotAllowed, match="kept until 1 April 2046"):
            retention.dispose(amira, person.id, authorised_by="RM-2046-17")
        clock.now = datetime(2046, 4, 2, 9, 0)
        amira.keys  # noqa: B018 - still unlocked
        with pytest.raises(InvalidInput, match="reference"):
            retention.dispose(amira, person.id, authorised_by="  ")
        with pytest.raises(NotFound):
            retention.dispose(grace, person.id, authorised_by="RM-2046-17")
        assert retention.dispose(amira, person.id, authorised_by="RM-2046-17") == 3
        assert retention.dispose(amira, reflection.id, authorised_by="RM-2046-18") == 1
        assert retention.schedule(amira) == []
        with pytest.raises(NotFound, match="erased"):
            amira.get(person.id)
        # The destruction log outlives the records: what, when, class, who authorised.
        with vault.store.transaction() as s:
            log = [e.detail for e in audit.entries(s) if e.action == audit.DISPOSE]
        assert log == ["class=care record; records=3; last=2026-04-01; due=2046-04-01; "
                       "authorised=RM-2046-17",
                       "class=staff record; records=1; last=2026-04-01; due=2032-04-01; "
                       "authorised=RM-2046-18"]
        assert vault.verify_audit() == []


def test_disposal_reaches_every_device_through_the_share(tmp_path: Path) -> None:
    clock = MovableClock(START)
    team = make_team(tmp_path, clocks={"a1": clock, "a2": clock})
    try:
        a1, a2 = team.desks["a1"], team.desks["a2"]
        person = a1.add(Kind.PERSON, {"label": "Jo"})
        a1.add(Kind.DIARY, diary("Walked."), person_id=person.id)
        reflection = a1.add(Kind.REFLECTION, {"when": "2026-03-02",
                                              "boundary_area": "relationships"})
        team.sync_all()
        assert {r.id for r in a2.records()} >= {person.id, reflection.id}
        clock.now = datetime(2047, 1, 1)
        assert retention.dispose(a1, person.id, authorised_by="RM-1") == 2
        assert retention.dispose(a1, reflection.id, authorised_by="RM-2") == 1
        team.sync_all()
        assert {r.id for r in a2.records(include_deleted=True)} & {person.id,
                                                                     reflection.id} == set()
    finally:
        team.close()


def test_retention_report_and_refused_disposal_through_the_cli(cli) -> None:
    assert cli("init").code == 0
    assert cli("user", "add", "Amira").code == 0
    person = cli("person", "add", "--label", "Jo").out.strip()
    report = json.loads(cli("report", "retention", "--schedule", "--json").out)
    assert [(d["subject_id"], d["record_class"]) for d in report] == [(person, "care record")]
    assert int(report[0]["due_on"][:4]) == datetime.now().year + 20
    assert cli("report", "retention", "--on", "2030-01-01").out.startswith("Nothing is due")
    later = cli("report", "retention", "--on", f"{datetime.now().year + 21}-01-01", "--json")
    assert [d["subject_id"] for d in json.loads(later.out)] == [person]
    refused = cli("dispose", person, "--authorised-by", "RM-1")
    assert refused.code == 3 and "cannot be disposed of before then" in refused.err
    assert cli("report", "retention", "--all").code == 3  # a peer sees her own only
