"""The console command: flows a script would use, JSON output, one clear line on every failure."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from peerdesk.store.db import DB_NAME
from tests.conftest import PASSPHRASE

DIARY = {"when": "2026-03-02T10:30", "contact_type": "first_ward_contact",
         "what_happened": "Listened, mostly. Talked about music.", "peer_brought": ["being_there"]}


def one_clear_line(err: str) -> bool:
    return err.startswith("peerdesk: ") and err.count("\n") == 1 and "Traceback" not in err


def test_init_users_and_a_whole_record_life(cli) -> None:
    assert cli("init", "--team", "Team North").code == 0
    assert cli("user", "add", "Amira").code == 0
    assert cli("user", "add", "Grace", "--role", "coordinator").code == 0
    users = json.loads(cli("user", "list", "--json").out)
    assert [(u["name"], u["role"]) for u in users] == [("Amira", "peer"), ("Grace", "coordinator")]

    person_id = cli("--user", "Amira", "person", "add", "--label", "Jo").out.strip()
    added = cli("--user", "Amira", "record", "add", "--kind", "diary", "--person", person_id,
                "--file", "-", "--json", stdin=json.dumps(DIARY))
    record_id = json.loads(added.out)["id"]
    shown = cli("--user", "Amira", "record", "show", record_id)
    assert "Listened, mostly" in shown.out and "First contact on the ward" in shown.out
    updated = cli("--user", "Amira", "record", "update", record_id, "--file", "-",
                  stdin=json.dumps(DIARY | {"what_happened": "Second thoughts."}))
    assert "version 2" in updated.out
    history = json.loads(cli("--user", "Amira", "record", "history", record_id, "--json").out)
    assert [v["version"] for v in history] == [1, 2]

    denied = cli("--user", "Grace", "record", "show", record_id)
    assert denied.code == 3 and "not been shared with you" in denied.err
    assert one_clear_line(denied.err)
    assert cli("--user", "Amira", "record", "share", record_id, "--with", "Grace").code == 0
    seen = cli("record", "show", record_id, "--user", "Grace", "--json")
    assert seen.code == 0 and json.loads(seen.out)["fields"]["what_happened"] == "Second thoughts."

    assert cli("--user", "Amira", "record", "delete", record_id).code == 0
    assert record_id not in cli("--user", "Amira", "record", "list").out
    assert record_id in cli("--user", "Amira", "record", "list", "--deleted").out
    assert cli("audit", "verify").code == 0


def test_passphrase_from_stdin_and_passwd(cli) -> None:
    assert cli("init").code == 0
    assert cli("user", "add", "Amira").code == 0
    assert cli("--passphrase-stdin", "record", "list", passphrase=None,
               stdin=PASSPHRASE + "\n").code == 0
    changed = cli("user", "passwd", "--passphrase-stdin", passphrase=None,
                  stdin=f"{PASSPHRASE}\nan entirely new passphrase\n")
    assert changed.code == 0, changed.err
    assert cli("record", "list").code == 3
    assert cli("record", "list", passphrase="an entirely new passphrase").code == 0
    # passphrase first, then the JSON file, both on stdin
    added = cli("--passphrase-stdin", "record", "add", "--kind", "diary", "--file", "-",
                passphrase=None, stdin="an entirely new passphrase\n" + json.dumps(DIARY))
    assert added.code == 0, added.err


def test_every_failure_is_one_clear_line_with_an_exit_code(cli, data_dir: Path) -> None:
    assert cli("init").code == 0
    assert cli("user", "add", "Amira", passphrase="short").code == 2
    assert cli("user", "add", "Amira").code == 0
    cases = [
        (cli("record", "list", passphrase="wrong passphrase"), 3, "not right"),
        (cli("record", "list", passphrase=None), 2, "PEERDESK_PASSPHRASE"),
        (cli("record", "show", "no-such-id"), 2, "no record"),
        (cli("record", "add", "--kind", "memo", "--file", "-", stdin="{}"), 2, "Unknown kind"),
        (cli("record", "add", "--kind", "diary", "--file", "-", stdin="{not json"), 2, "not valid JSON"),
        (cli("record", "add", "--kind", "diary", "--file", "-", stdin='{"when": "soon"}'), 2,
         "date and time"),
        (cli("record", "add", "--kind", "diary", "--file", "/nonexistent.json"), 2, "Cannot read"),
        (cli("person", "erase", "x"), 2, "--yes"),
        (cli("--user", "Nobody", "record", "list"), 2, "no account called"),
    ]
    for result, code, words in cases:
        assert (result.code, one_clear_line(result.err), words in result.err) == (code, True, True), \
            result.err


def test_newer_data_gives_a_clear_line(cli, data_dir: Path) -> None:
    assert cli("init").code == 0
    assert cli("user", "add", "Amira").code == 0
    with sqlite3.connect(data_dir / DB_NAME) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'zzz'")
    conn.close()
    result = cli("record", "list")
    assert result.code == 5 and one_clear_line(result.err) and "newer version" in result.err


def test_schema_is_json_schema_for_each_kind(cli) -> None:
    schema = json.loads(cli("record", "schema", "--kind", "crisis-plan").out)
    assert schema["title"] == "My crisis plan"
    assert "helps" in schema["properties"]["sections"]["properties"]


def test_person_erase_destroys_keys_and_ciphertext_everywhere(cli, data_dir: Path) -> None:
    assert cli("init").code == 0
    assert cli("user", "add", "Amira").code == 0
    jo = cli("person", "add", "--label", "Jo").out.strip()
    sam = cli("person", "add", "--label", "Sam").out.strip()
    about_jo = [json.loads(cli("record", "add", "--kind", kind, "--person", jo, "--file", "-",
                               "--json", stdin=json.dumps(fields)).out)["id"]
                for kind, fields in (("diary", DIARY), ("crisis_plan", {"sections": {"helps": "tea"}}))]
    about_sam = json.loads(cli("record", "add", "--kind", "diary", "--person", sam, "--file", "-",
                               "--json", stdin=json.dumps(DIARY)).out)["id"]
    with sqlite3.connect(data_dir / DB_NAME) as conn:
        secrets = [b for (b,) in conn.execute(
            "SELECT ciphertext FROM versions WHERE record_id IN (?, ?, ?) UNION ALL "
            "SELECT wrapped FROM wraps WHERE record_id IN (?, ?, ?)", (jo, *about_jo) * 2)]
    conn.close()
    assert len(secrets) == 6

    erased = cli("person", "erase", jo, "--yes")
    assert erased.code == 0 and "Erased 3 records" in erased.out
    for record_id in (jo, *about_jo):
        result = cli("record", "show", record_id)
        assert result.code == 2 and "erased" in result.err
    assert cli("record", "show", about_sam).code == 0
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    leftovers = [(p.name, i) for p in files for i, s in enumerate(secrets) if s in p.read_bytes()]
    assert leftovers == []
    assert cli("check").code == 0 and cli("audit", "verify").code == 0


def test_a_usage_mistake_is_one_line_and_exit_2(cli) -> None:
    assert cli("init").code == 0
    cases = [
        (("frobnicate",), "invalid choice: 'frobnicate'"),
        ((), "the following arguments are required: COMMAND"),
        (("user", "add"), "user add: the following arguments are required: name"),
        (("user", "add", "Kim", "--role", "boss"), "invalid choice: 'boss'"),
        (("record", "list", "--colour"), "unrecognized arguments: --colour"),
        (("record", "show", "x", "--version", "two"), "invalid int value: 'two'"),
        (("conflicts", "resolve", "x"), "one of the arguments --keep --both --delete"),
    ]
    for args, words in cases:
        result = cli(*args)
        assert result.code == 2, (args, result.err)
        assert one_clear_line(result.err) and words in result.err, result.err
        assert result.err.rstrip().endswith("--help)"), result.err
        assert result.out == ""


def test_only_init_makes_a_data_folder(cli, data_dir: Path) -> None:
    for args in (("user", "add", "Amira"), ("user", "list"), ("record", "list"),
                 ("audit", "verify"), ("share", "status"), ("sync",)):
        missing = cli(*args)
        assert missing.code == 2, (args, missing.err)
        assert one_clear_line(missing.err)
        assert missing.err.startswith(f"peerdesk: There is no PeerDesk data folder at {data_dir}.")
        assert "peerdesk init" in missing.err
        assert not data_dir.exists()
    assert cli("init").code == 0
    assert (data_dir / DB_NAME).is_file()
    assert cli("user", "list").out.strip() == "No accounts yet."
