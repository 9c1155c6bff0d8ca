"""`peerdesk sync` and `peerdesk share init`: summaries, --json, one clear line on failure."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli

DIARY = {"when": "2026-03-02T10:30", "what_happened": "Went to the allotment group."}


def one_clear_line(err: str) -> bool:
    return err.startswith("peerdesk: ") and err.count("\n") == 1 and "Traceback" not in err


def test_share_init_then_sync_from_a_new_computer(tmp_path: Path) -> None:
    office, laptop, share = tmp_path / "office", tmp_path / "laptop", tmp_path / "share"
    # share init makes the team folder inside a share that exists
    for name, role in (("Ida", "admin"), ("Amira", "peer"), ("Grace", "coordinator")):
        assert run_cli(office, "user", "add", name, "--role", role).code == 0

    denied = run_cli(office, "--user", "Amira", "share", "init", str(share))
    assert denied.code == 3 and one_clear_line(denied.err)
    made = run_cli(office, "--user", "Ida", "share", "init", str(share), "--team", "North",
                   "--json")
    assert made.code == 0, made.err
    fingerprint = json.loads(made.out)["admin_key_fingerprint"]

    # A new computer: only the share's location, the name and the passphrase.
    first = run_cli(laptop, "--user", "Amira", "sync", "--share", str(share), "--json")
    assert first.code == 0, first.err
    report = json.loads(first.out)
    assert report["admin_key_fingerprint"] == fingerprint
    assert (report["pulled"], report["pushed"], report["quarantined"]) == (0, 0, 0)

    added = run_cli(laptop, "--user", "Amira", "record", "add", "--kind", "diary", "--file",
                    "-", "--json", stdin=json.dumps(DIARY))
    record_id = json.loads(added.out)["id"]
    assert run_cli(laptop, "--user", "Amira", "record", "share", record_id, "--with",
                   "Grace").code == 0
    waiting = run_cli(laptop, "share", "status")
    assert waiting.code == 0 and "changes waiting" in waiting.out
    sent = run_cli(laptop, "--user", "Amira", "sync")  # the location was remembered
    assert sent.code == 0 and "received" in sent.out and "3 sent" in sent.out

    got = run_cli(office, "--user", "Grace", "sync", "--share", str(share))
    assert got.code == 0 and "1 received" in got.out
    shown = run_cli(office, "--user", "Grace", "record", "show", record_id)
    assert "allotment group" in shown.out
    assert "Synced just now" in run_cli(office, "share", "status").out


def test_sync_failures_are_one_clear_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run_cli(data, "user", "add", "Amira").code == 0
    nowhere = run_cli(data, "sync")
    assert nowhere.code == 2 and one_clear_line(nowhere.err) and "--share" in nowhere.err
    gone = run_cli(data, "sync", "--share", str(tmp_path / "unplugged"))
    assert gone.code == 5 and one_clear_line(gone.err) and "not reachable" in gone.err
    (tmp_path / "empty").mkdir()
    empty = run_cli(data, "sync", "--share", str(tmp_path / "empty"))
    assert empty.code == 5 and one_clear_line(empty.err) and "not a PeerDesk team share" in empty.err
