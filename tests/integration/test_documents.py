"""The person's documents, for someone whose name and plan are in four scripts: every word
she wrote comes back out of every PDF made for her (read back with pdftotext), through the
real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.scripts import NAME, SECTIONS, missing_words, pdf_text

CARD = "Siostra Anna – 07700 900123\nChị Mai – 07700 900456\nأخي علي – 07700 900789\nA fourth"
HELPS = "A cup of tea and quiet music. My dog Biscuit.\n" + SECTIONS["helps"]


@pytest.fixture
def zofia(cli) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    assert cli("init").code == 0
    assert cli("user", "add", "Amira").code == 0
    person = cli("person", "add", "--label", NAME).out.strip()
    plan = {"sections": SECTIONS | {"card_contacts": CARD}, "agreed_on": "2026-07-14"}
    added = cli("record", "add", "--kind", "crisis_plan", "--person", person, "--file", "-",
                "--json", stdin=json.dumps(plan))
    assert added.code == 0, added.err
    return person, json.loads(added.out)["id"]


def _all_words(text: str) -> None:
    for expected in (NAME, *SECTIONS.values()):
        assert missing_words(expected, text) == [], expected


@pytest.mark.parametrize("fmt", ["standard", "large-print", "easy-read"])
def test_plan_copy_keeps_every_word_in_every_script(cli, zofia, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                    fmt: str) -> None:
    _person, plan = zofia
    out = tmp_path / f"{fmt}.pdf"
    made = cli("plan", "export", plan, "--format", fmt, "--out", str(out))
    assert made.code == 0, made.err
    text = pdf_text(out)
    _all_words(text)
    assert "My crisis plan" in text and "Agreed by me on 14 July 2026." in text


def test_subject_access_pdf_keeps_every_word_in_every_script(cli, zofia,  # type: ignore[no-untyped-def]
                                                             tmp_path: Path) -> None:
    person, _plan = zofia
    made = cli("sar", person, "--out", str(tmp_path / "sar"))
    assert made.code == 0, made.err
    text = pdf_text(tmp_path / "sar" / "subject-access.pdf")
    _all_words(text)
    html = (tmp_path / "sar" / "subject-access.html").read_text("utf-8")
    assert NAME in html and "dir='rtl'" in html


def test_easy_read_keeps_the_persons_words_one_idea_a_line() -> None:
    from peerdesk.services.copies import one_idea_a_line

    text = "Kiedy czuję się dobrze. Chodzę na spacery!\nجب میں پریشان ہوتی ہوں۔ میں چائے پیتی ہوں۔"
    lines = one_idea_a_line(text)
    assert lines == ("Kiedy czuję się dobrze.", "Chodzę na spacery!", "جب میں پریشان ہوتی ہوں۔",
                     "میں چائے پیتی ہوں۔")
    assert " ".join(lines).split() == text.split()  # not a word changed, added or dropped


def test_crisis_card_has_three_contacts_what_helps_and_the_trusts_numbers(  # type: ignore[no-untyped-def]
        cli, zofia, tmp_path: Path) -> None:
    person, plan = zofia
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"crisis_numbers": [
        {"name": "Team North crisis line, 24 hours", "number": "0808 157 0000"},
        {"name": "Samaritans", "number": "116 123"}]}), encoding="utf-8")
    env = {"PEERDESK_POLICY": str(policy)}
    update = cli("record", "update", plan, "--file", "-", env=env, stdin=json.dumps(
        {"sections": SECTIONS | {"card_contacts": CARD, "helps": HELPS}, "agreed_on": "2026-07-14"}))
    assert update.code == 0, update.err
    out = tmp_path / "card.pdf"
    # Made from the person's id too: their newest crisis plan.
    made = cli("plan", "export", person, "--format", "crisis-card", "--out", str(out), env=env)
    assert made.code == 0, made.err
    text = " ".join(pdf_text(out).split())
    for line in CARD.splitlines()[:3]:
        assert missing_words(line, text) == [], line
    assert "A fourth" not in text  # three people: the card has room for three
    assert missing_words("A cup of tea and quiet music. My dog Biscuit.", text) == []
    assert "Team North crisis line, 24 hours: 0808 157 0000" in text and "116 123" in text
    assert "My crisis card" in text and missing_words(NAME, text) == []
    refused = cli("plan", "export", plan, "--format", "crisis-card", "--for", "Dr Okafor", env=env)
    assert refused.code == 3 and "for the person themselves" in refused.err


def test_what_to_expect_and_the_ending_letter(cli, zofia, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    person, plan = zofia
    assert cli("person", "add", "--label", "Somebody else").code == 0
    cli("record", "update", person, "--file", "-", stdin=json.dumps(
        {"label": NAME, "ended_on": "2026-11-20",
         "transition_summary": "Anna, Chị Mai and the Tuesday allotment group."}))
    sheet = tmp_path / "expect.pdf"
    assert cli("plan", "export", plan, "--format", "what-to-expect", "--out", str(sheet)).code == 0
    text = " ".join(pdf_text(sheet).split())  # lines wrap where the page ends
    assert "What to expect from peer support" in text and "My name is Amira." in text
    assert "about 4 months after you leave hospital" in text and "{" not in text
    assert missing_words(NAME, text) == []
    letter = tmp_path / "letter.pdf"
    made = cli("plan", "export", person, "--format", "ending-letter", "--out", str(letter))
    assert made.code == 0, made.err
    text = " ".join(pdf_text(letter).split())
    assert "Who's in your corner now" in text and "ended on" not in text
    assert "coming to an end on 20 November 2026" in text
    assert "Tuesday allotment group" in text and "Siostra Anna" in text
    assert "NHS 111" in text and "Samaritans" in text
    trail = cli("audit", "access", "--json")
    assert trail.code == 0


def test_every_copy_is_audited_with_its_kind(vault, peer) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from peerdesk.domain import Kind
    from peerdesk.services import papers
    from peerdesk.store.models import AuditRow

    person = peer.add(Kind.PERSON, {"label": NAME})
    plan = peer.add(Kind.CRISIS_PLAN, {"sections": SECTIONS | {"card_contacts": CARD}},
                    person_id=person.id)
    pack = peer.add(Kind.RESOURCE, {"name": "Allotment group", "contact": "07700 900999",
                                    "opening_times": "Tuesdays 10 to 12"})
    peer.add(Kind.DIARY, {"when": "2026-08-04T10:00", "resources": ["allotment GROUP"]},
             person_id=person.id)
    for fmt in papers.FORMATS:
        made = papers.make(peer, plan.id, fmt, how="pdf")
        assert made.doc.text()
    letter = papers.make(peer, person.id, "ending-letter", how="pdf").doc.text()
    assert "Allotment group: Tuesdays 10 to 12. 07700 900999." in letter
    with vault.store.transaction() as s:
        details = [r.detail for r in s.scalars(select(AuditRow).where(AuditRow.action == "export"))]
    assert {d.split("; ")[-1] for d in details} >= set(papers.FORMATS) - {"standard"}
    del pack
