"""Audit export for an incident review: a period as CSV, verified before export, refused when
the chain is broken."""

from __future__ import annotations

import csv
import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest

from peerdesk import audit, exports
from peerdesk.domain import Kind
from peerdesk.errors import NotAllowed
from peerdesk.services import Desk
from peerdesk.services import governance as gov
from peerdesk.store.db import DB_NAME


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_audit_export_of_a_period_is_verified_and_complete(
        peer: Desk, coordinator: Desk, tmp_path: Path) -> None:
    person = peer.add(Kind.PERSON, {"label": "=HYPERLINK(\"x\")"})
    peer.get(person.id)
    out = tmp_path / "review" / "audit.csv"
    with pytest.raises(NotAllowed):
        gov.export_audit(peer, out)
    count, head = gov.export_audit(coordinator, out, start=date(2000, 1, 1),
                                   end=date.today())
    rows = _rows(out)
    assert len(rows) == count and count >= 5 and len(head) == 64
    assert [int(r["seq"]) for r in rows] == list(range(1, count + 1))
    assert {"account", "unlock", "save", "read"} <= {r["action"] for r in rows}
    assert any(r["actor_name"] == "Amira" and r["record_kind"] == "person" for r in rows)
    assert "HYPERLINK" not in out.read_text(encoding="utf-8-sig")  # ids only, never content
    # A period with nothing in it is an empty export, not an error.
    assert gov.export_audit(coordinator, tmp_path / "none.csv", start=date(2001, 1, 1),
                            end=date(2001, 1, 2))[0] == 0
    with coordinator.vault.store.transaction() as s:
        assert audit.AUDIT_EXPORT in {e.action for e in audit.entries(s)}


def test_a_broken_chain_is_refused_through_the_cli(cli, data_dir: Path, tmp_path: Path) -> None:
    assert cli("init").code == 0
    assert cli("user", "add", "Grace", "--role", "coordinator").code == 0
    assert cli("person", "add", "--label", "Jo").code == 0
    out = tmp_path / "audit.csv"
    ok = cli("audit", "export", "--from", "2000-01-01", "--to",
             datetime.now().date().isoformat(), "--out", str(out))
    assert ok.code == 0 and "intact" in ok.out and out.exists(), ok.err
    with sqlite3.connect(data_dir / DB_NAME) as db:
        db.execute("UPDATE audit SET detail = 'edited' WHERE seq = 2")
    out.unlink()
    refused = cli("audit", "export", "--out", str(out))
    assert refused.code == 4 and "not exported" in refused.err and not out.exists()


def test_cells_a_spreadsheet_would_run_are_neutralised() -> None:
    assert [exports.cell(v) for v in ("=HYPERLINK(1)", "+1", "-2", "@x", "plain", None, 7)] == [
        "'=HYPERLINK(1)", "'+1", "'-2", "'@x", "plain", "", "7"]
