"""The fidelity report's numbers against a hand count of a fixed dataset."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from peerdesk.domain import Kind
from peerdesk.services import Desk, Vault
from peerdesk.services.desk import sign_in
from peerdesk.services.fidelity import Period, report
from tests.conftest import LIGHT_KDF, PASSPHRASE, run_cli

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))


def _d(desk: Desk, person: str, when: str, contact: str, **extra: object) -> None:
    desk.add(Kind.DIARY, {"when": f"{when}T10:00", "contact_type": contact, **extra},
             person_id=person)


def fill(vault: Vault) -> tuple[Desk, Desk]:
    vault.create_account("Tom", "peer", PASSPHRASE)
    amira, tom = sign_in(vault, "Amira", PASSPHRASE), sign_in(vault, "Tom", PASSPHRASE)
    p1 = amira.add(Kind.PERSON, {"label": "P1", "discharged_on": "2026-03-12",
                                 "discharge_meeting": "invited"}).id
    _d(amira, p1, "2026-03-01", "first_ward_contact", ending="Four months.", strengths="Humour")
    _d(amira, p1, "2026-03-05", "discharge_meeting")
    _d(amira, p1, "2026-03-08", "plan_work")
    amira.add(Kind.DISCHARGE_PLAN, {"sections": {"goals": "Home."}}, person_id=p1)
    _d(amira, p1, "2026-03-15", "first_post_discharge")
    p2 = amira.add(Kind.PERSON, {"label": "P2", "discharged_on": "2026-03-10"}).id
    _d(amira, p2, "2026-03-02", "first_ward_contact")
    _d(amira, p2, "2026-03-20", "first_post_discharge")
    p3 = amira.add(Kind.PERSON, {"label": "P3"}).id
    _d(amira, p3, "2026-03-03", "first_ward_contact")
    _d(amira, p3, "2026-04-03", "everyday_activity")  # after the period: not counted
    p4 = tom.add(Kind.PERSON, {"label": "P4", "discharged_on": "2026-03-10"}).id
    _d(tom, p4, "2026-03-04", "first_ward_contact", ending="We'll plan the ending together.")
    _d(tom, p4, "2026-03-14", "first_post_discharge")
    _d(tom, p4, "2026-03-20", "accompanied", peer_brought=["accompanying"])
    p5 = tom.add(Kind.PERSON, {"label": "P5"}).id
    _d(tom, p5, "2026-03-05", "did_not_meet")
    _d(tom, p5, "2026-03-06", "remote", peer_brought=["learned_together"])
    p6 = tom.add(Kind.PERSON, {"label": "P6"}).id
    _d(tom, p6, "2026-02-01", "first_ward_contact")  # before the period
    _d(tom, p6, "2026-03-10", "everyday_activity")
    return amira, tom


def test_numbers_match_the_hand_count(vault: Vault, peer: Desk) -> None:
    amira, tom = fill(vault)
    authors = {a.id: a.name for a in vault.accounts()}
    rep = report(amira.records() + tom.records(), period=MARCH, authors=authors)
    team = rep.team
    # P1..P6 each had a diary entry in March (P6's first ward contact was in February).
    assert team.people == 6
    # P1 4, P2 2, P3 1, P4 3, P5 1 (and one "didn't meet"), P6 1.
    assert (team.sessions, team.did_not_meet) == (12, 1)
    assert dict(team.components) == {
        "met_on_ward": 5,  # all but P5
        "meeting_invited": 1, "meeting_attended": 1, "plan_offered": 1, "plan_used": 1,
        "ending_from_outset": 2,  # P1 and P4
        "strengths": 1, "signposted": 1, "accompanied": 1,
        "first_post_discharge": 3,  # P1, P2, P4
        "engaged": 4,  # P1 (4), P2 (2), P4 (3), P6 (2, one before March)
        "transition_summary": 0,
    }
    assert team.days_to_first_post_discharge == (3, 4, 10) and team.median_days == 4
    assert dict(team.domains) == {
        "trust_lived_experience": 4,  # four first ward contacts in March
        "reciprocity_mutuality": 1,  # P5 learned together
        "leadership_choice_control": 2,  # P1 discharge meeting and plan work
        "strengths_community": 3,  # P1 strengths, P4 accompanied, P6 everyday activity
    }
    assert [(p.name, p.people, p.sessions) for p in rep.peers] == [("Amira", 3, 7),
                                                                     ("Tom", 3, 5)]
    # Team-level exports hide 1 to 4, and percentages built on them.
    out = rep.as_json(suppress=True)["team"]
    assert out["people"] == 6 and out["components"]["met_on_ward"] == {"count": 5,
                                                                       "percent": 83}
    assert out["components"]["engaged"] == {"count": "*", "percent": "*"}
    assert out["components"]["transition_summary"] == {"count": 0, "percent": 0}
    assert out["days_discharge_to_first_meeting"] == {"people": "*", "median": "*"}
    rows = {r[0]: r[1:] for r in csv.reader(io.StringIO(rep.csv()))}
    assert rows["People supported"] == ["6", "*", "*"]
    assert rows["Met on the ward before discharge: %"][0] == "83"
    assert not any(c in {"1", "2", "3", "4"} for r in rows.values() for c in r)
    # A peer's own view, unsuppressed.
    mine = report(amira.records(), period=MARCH, authors=authors, peer_id=amira.user.id)
    assert mine.peers[0].components["first_post_discharge"] == 2


def test_cli_report_fidelity_json(data_dir: Path) -> None:
    with Vault(data_dir, kdf_params=LIGHT_KDF) as vault:
        vault.create_account("Amira", "peer", PASSPHRASE)
        fill(vault)
    result = run_cli(data_dir, "--user", "Tom", "report", "fidelity", "--from", "2026-03-01",
                     "--to", "2026-03-31", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["team"]["people"] == "*"  # three people: a team-level export suppresses it
    tom = data["peers"][0]
    assert tom["name"] == "Tom" and tom["people"] == "*" and tom["sessions"] == 5
    result = run_cli(data_dir, "--user", "Tom", "report", "fidelity", "--from", "2026-03-01",
                     "--to", "2026-03-31", "--peer", "Tom", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["peers"][0]["people"] == 3
    result = run_cli(data_dir, "--user", "Tom", "report", "fidelity", "--csv")
    assert result.code == 0 and result.out.startswith("Figure,Team,Tom")
