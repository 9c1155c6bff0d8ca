"""`peerdesk sync` and `peerdesk share init`: summaries, --json, one clear line on failure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.helpers.team import cli_team, copy_team

DIARY = {"when": "2026-03-02T10:30", "what_happened": "Went to the allotment group."}


def one_clear_line(err: str) -> bool:
    return err.startswith("peerdesk: ") and err.count("\n") == 1 and "Traceback" not in err


def test_share_init_then_sync_from_a_new_computer(tmp_path: Path) -> None:
    office, laptop, share = tmp_path / "office", tmp_path / "laptop", tmp_path / "share"
    # share init makes the team folder inside a share that exists
    assert run_cli(office, "init").code == 0
    for name, role in (("Ida", "admin"), ("Amira", "peer"), ("Grace", "coordinator")):
        assert run_cli(office, "user", "add", name, "--role", role).code == 0
    for name in ("Amira", "Grace"):  # added after the administrator: she approves them
        assert run_cli(office, "--user", "Ida", "user", "approve", name).code == 0

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
    assert run_cli(data, "init").code == 0
    assert run_cli(data, "user", "add", "Amira").code == 0
    nowhere = run_cli(data, "sync")
    assert nowhere.code == 2 and one_clear_line(nowhere.err) and "--share" in nowhere.err
    gone = run_cli(data, "sync", "--share", str(tmp_path / "unplugged"))
    assert gone.code == 5 and one_clear_line(gone.err) and "not reachable" in gone.err
    # Named once and tried: the next sync goes there without being told again.
    again = run_cli(data, "sync")
    assert again.code == 5 and one_clear_line(again.err) and "not reachable" in again.err
    assert "Share not reachable" in run_cli(data, "share", "status").out
    (tmp_path / "empty").mkdir()
    empty = run_cli(data, "sync", "--share", str(tmp_path / "empty"))
    assert empty.code == 5 and one_clear_line(empty.err) and "not a PeerDesk team share" in empty.err


def test_a_share_named_on_a_new_computer_is_remembered_even_when_joining_fails(
        tmp_path: Path) -> None:
    laptop = tmp_path / "laptop"
    gone = run_cli(laptop, "--user", "Amira", "sync", "--share", str(tmp_path / "unplugged"))
    assert gone.code == 5 and one_clear_line(gone.err) and "not reachable" in gone.err
    again = run_cli(laptop, "--user", "Amira", "sync")
    assert again.code == 5 and "not reachable" in again.err


@pytest.fixture(scope="module")
def diary_everywhere(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The office, Amira's laptop and the share, a diary of hers synced to both computers:
    built once a module (its key derivation takes seconds), copied by each test that uses it."""
    root = cli_team(tmp_path_factory.mktemp("diary-everywhere"),
                    (("Ida", "admin"), ("Amira", "peer")),
                    (("office", "Amira"), ("laptop", "Amira")))
    office, laptop = root / "office", root / "laptop"
    added = run_cli(office, "--user", "Amira", "record", "add", "--kind", "diary", "--file", "-",
                    "--json", stdin=json.dumps(DIARY))
    record_id = json.loads(added.out)["id"]
    assert run_cli(office, "--user", "Amira", "sync").code == 0
    assert run_cli(laptop, "--user", "Amira", "sync").code == 0
    return root, record_id


def conflict_on_the_laptop(diary_everywhere: tuple[Path, str], tmp_path: Path,
                           office_words: str, laptop_words: str) -> tuple[Path, Path, str]:
    """The diary changed on both computers before either synced: the laptop holds the
    conflict (in a copy of ``diary_everywhere`` of this test's own)."""
    built, record_id = diary_everywhere
    copy_team(built, tmp_path)
    office, laptop = tmp_path / "office", tmp_path / "laptop"
    for where, words in ((office, office_words), (laptop, laptop_words)):
        assert run_cli(where, "--user", "Amira", "record", "update", record_id, "--file", "-",
                       stdin=json.dumps(DIARY | {"what_happened": words})).code == 0
    assert run_cli(office, "--user", "Amira", "sync").code == 0
    synced = run_cli(laptop, "--user", "Amira", "sync", "--json")
    assert json.loads(synced.out)["conflicts"] == 1
    return office, laptop, record_id


def test_conflicts_listed_shown_and_resolved_from_the_command_line(
        diary_everywhere: tuple[Path, str], tmp_path: Path) -> None:
    office, laptop, record_id = conflict_on_the_laptop(
        diary_everywhere, tmp_path, "Allotment, then tea.", "Allotment in the rain.")

    listed = run_cli(laptop, "--user", "Amira", "conflicts", "list")
    assert listed.code == 0 and listed.out.startswith(record_id) and "Session diary" in listed.out
    versions = json.loads(run_cli(laptop, "--user", "Amira", "conflicts", "list", "--json").out)
    assert [c["record_id"] for c in versions] == [record_id]
    numbers = [v["version"] for v in versions[0]["versions"]]
    assert len(numbers) == 2

    shown = run_cli(laptop, "--user", "Amira", "conflicts", "show", record_id)
    assert shown.code == 0
    assert "== Shown now" in shown.out and "== The other version" in shown.out
    assert "Allotment, then tea." in shown.out and "Allotment in the rain." in shown.out
    office_version = next(v["version"] for v in json.loads(run_cli(
        laptop, "--user", "Amira", "conflicts", "show", record_id, "--json").out)["versions"]
        if v["fields"]["what_happened"] == "Allotment, then tea.")

    for args, code, words in (
            ((), 2, "one of the arguments --keep --both --delete is required"),
            (("--keep", "99"), 2, "not one of those in conflict"),
            (("--keep", "1", "--delete"), 2, "not allowed with"),
    ):
        wrong = run_cli(laptop, "--user", "Amira", "conflicts", "resolve", record_id, *args)
        assert wrong.code == code and one_clear_line(wrong.err) and words in wrong.err, wrong.err
    unknown = run_cli(laptop, "--user", "Amira", "conflicts", "show", "no-such-record")
    assert unknown.code == 2 and one_clear_line(unknown.err) and "not in conflict" in unknown.err

    kept = run_cli(laptop, "--user", "Amira", "conflicts", "resolve", record_id,
                   "--keep", str(office_version))
    assert kept.code == 0 and f"Kept version {office_version}." in kept.out
    assert run_cli(laptop, "--user", "Amira", "conflicts", "list").out.strip() == \
        "There are no conflicts."
    now = json.loads(run_cli(laptop, "--user", "Amira", "record", "show", record_id, "--json").out)
    assert now["fields"]["what_happened"] == "Allotment, then tea."
    assert run_cli(laptop, "--user", "Amira", "sync").code == 0
    assert run_cli(office, "--user", "Amira", "sync").code == 0
    there = json.loads(run_cli(office, "--user", "Amira", "record", "show", record_id, "--json").out)
    assert there["fields"]["what_happened"] == "Allotment, then tea."
    assert run_cli(office, "--user", "Amira", "conflicts", "list", "--json").out.strip() == "[]"


def test_keep_both_texts_puts_the_other_below_marked(diary_everywhere: tuple[Path, str],
                                                     tmp_path: Path) -> None:
    _office, laptop, record_id = conflict_on_the_laptop(diary_everywhere, tmp_path,
                                                        "Tea first.", "Rain later.")
    both = run_cli(laptop, "--user", "Amira", "conflicts", "resolve", record_id, "--both")
    assert both.code == 0, both.err
    text = json.loads(run_cli(laptop, "--user", "Amira", "record", "show", record_id,
                              "--json").out)["fields"]["what_happened"]
    assert "Tea first." in text and "Rain later." in text and "[From the other version:]" in text
