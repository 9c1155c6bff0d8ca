"""The person's documents, for someone whose name and plan are in four scripts: every word
she wrote comes back out of every PDF made for her (read back with pdftotext), through the
real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.scripts import NAME, SECTIONS, missing_words, pdf_text


@pytest.fixture
def zofia(cli) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    assert cli("user", "add", "Amira").code == 0
    person = cli("person", "add", "--label", NAME).out.strip()
    plan = {"sections": SECTIONS, "agreed_on": "2026-07-14"}
    added = cli("record", "add", "--kind", "crisis_plan", "--person", person, "--file", "-",
                "--json", stdin=json.dumps(plan))
    assert added.code == 0, added.err
    return person, json.loads(added.out)["id"]


def _all_words(text: str) -> None:
    for expected in (NAME, *SECTIONS.values()):
        assert missing_words(expected, text) == [], expected


@pytest.mark.parametrize("fmt", ["standard", "large-print"])
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
