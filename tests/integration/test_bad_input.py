"""Bad bytes on the command line: every one ends in exit 2 and one sentence, nothing saved; a
label is bounded and printed with its control characters escaped; a peer cannot add what
only a coordinator writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peerdesk.domain import Kind
from peerdesk.errors import InvalidInput, NotAllowed
from peerdesk.services.desk import sign_in
from peerdesk.services.vault import Vault
from tests.conftest import LIGHT_KDF, PASSPHRASE, CliResult


def one_sentence(result: CliResult) -> bool:
    err = result.err
    return (err.startswith("peerdesk: ") and err.count("\n") == 1 and "Traceback" not in err
            and err.rstrip().endswith("."))


@pytest.fixture
def amira(cli) -> str:  # type: ignore[no-untyped-def]
    """A data folder with Amira and one person; the person's id."""
    assert cli("init", "--team", "Team North").code == 0
    assert cli("user", "add", "Amira").code == 0
    assert cli("user", "add", "Grace", "--role", "coordinator").code == 0
    return str(cli("--user", "Amira", "person", "add", "--label", "Jo").out.strip())


DIARY = b'{"when": "2026-03-02T10:30", "what_happened": '
DEEP = b"[" * 100_000 + b"]" * 100_000

BAD_FILES = {
    "invalid UTF-8": DIARY + b'"caf\xe9 \xff\xfe"}',
    "lone surrogate": DIARY + b'"\\ud800 alone"}',
    "nested 100,000 deep": DIARY + DEEP + b"}",
    "5,000-digit number": DIARY + b"9" * 5000 + b"}",
    "float": DIARY + b"1e999}",
    "NaN": DIARY + b"NaN}",
    "repeated key": DIARY + b'"a", "what_happened": "b"}',
    "duplicate choices": DIARY[:-1] + b' "x", "peer_brought": ["being_there", "being_there"]}',
    "choice of the wrong type": DIARY[:-1] + b' "x", "contact_type": ["first_ward_contact"]}',
    "control character in one-line text": b'{"label": "Jo\\u001b[2J"}',
}


def test_bad_bytes_in_a_record_file_end_in_exit_2(cli, amira: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for name, data in BAD_FILES.items():
        path = tmp_path / "bad.json"
        path.write_bytes(data)
        kind = "person" if name.startswith("control") else "diary"
        args = ("--person", amira) if kind == "diary" else ()
        result = cli("--user", "Amira", "record", "add", "--kind", kind, *args, "--file",
                     str(path))
        assert result.code == 2, (name, result.err)
        assert one_sentence(result), (name, result.err)
    listed = json.loads(cli("--user", "Amira", "record", "list", "--json").out)
    assert [r["kind"] for r in listed] == ["person"]  # nothing saved


def test_bad_bytes_on_standard_input_end_in_exit_2(cli, amira: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("--user", "Amira", "record", "add", "--kind", "diary", "--person", amira,
                 "--file", "-", stdin='{"what_happened": "\\udfff"}')
    assert result.code == 2 and one_sentence(result) and "Standard input" in result.err


def test_bytes_that_are_not_utf8_in_an_argument_end_in_exit_2(cli, amira: str) -> None:  # type: ignore[no-untyped-def]
    # b"\xff" as the shell passes it: Python sees a lone surrogate.
    result = cli("--user", "Amira", "person", "add", "--label", "J\udcffo")
    assert result.code == 2 and one_sentence(result) and "UTF-8" in result.err
    passphrase = cli("--user", "Amira", "record", "list", passphrase="pass\udcffphrase")
    assert passphrase.code == 2 and one_sentence(passphrase)


def test_an_overlong_or_control_character_label_is_refused(cli, amira: str) -> None:  # type: ignore[no-untyped-def]
    for label in ("x" * 81, "Jo\nRoot: yes", "Jo\x1b]0;owned\x07", "Jo\u009b31m"):
        result = cli("--user", "Amira", "person", "add", "--label", label)
        assert result.code == 2 and one_sentence(result), (label, result.err)
        assert "\x1b" not in result.err and "\x9b" not in result.err
    assert cli("--user", "Amira", "person", "add", "--label", "x" * 80).code == 0


def test_a_label_that_came_in_with_control_characters_is_printed_escaped(
        data_dir: Path, cli, amira: str) -> None:  # type: ignore[no-untyped-def]
    """One saved before the limit (or by an older PeerDesk): shown, never acted on."""
    vault = Vault(data_dir, kdf_params=LIGHT_KDF)
    try:
        desk = sign_in(vault, "Amira", PASSPHRASE)
        person = desk.get(amira)
        from peerdesk.services import saving
        from peerdesk.services.actor import Actor
        me = Actor(vault, desk.user, desk.keys)
        with me.transaction() as conn:
            saving._write(me, conn, amira, Kind.PERSON,
                          dict(person.fields) | {"label": "Jo\x1b[2J\x1b]0;owned\x07"},
                          me.now(), parents=(vault_head(vault, amira),))
    finally:
        vault.close()
    for args in (("person", "list"), ("record", "show", amira), ("record", "list")):
        shown = cli("--user", "Amira", *args)
        assert shown.code == 0, shown.err
        assert "\x1b" not in shown.out and "\x07" not in shown.out
        assert "Jo\\x1b[2J" in shown.out
    as_json = cli("--user", "Amira", "record", "show", amira, "--json")
    assert json.loads(as_json.out)["fields"]["label"] == "Jo\x1b[2J\x1b]0;owned\x07"


def vault_head(vault: Vault, record_id: str) -> str:
    from peerdesk.store import records
    with vault.store.begin() as conn:
        return records.outcome(conn, record_id).winner.vid


def test_a_peer_cannot_add_what_only_a_coordinator_writes(cli, amira: str,  # type: ignore[no-untyped-def]
                                                          tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text("{}")
    for kind in ("supervision", "cover", "comment"):
        result = cli("--user", "Amira", "record", "add", "--kind", kind, "--file", str(path))
        assert result.code == 3 and one_sentence(result), (kind, result.err)
        assert "Only a Peer Worker Coordinator" in result.err


def test_the_services_refuse_them_too(data_dir: Path, cli, amira: str) -> None:  # type: ignore[no-untyped-def]
    vault = Vault(data_dir, kdf_params=LIGHT_KDF)
    try:
        desk = sign_in(vault, "Amira", PASSPHRASE)
        with pytest.raises(NotAllowed):
            desk.add(Kind.COVER, {})
        with pytest.raises(InvalidInput, match="more than once"):
            desk.add(Kind.PERSON, {"label": "Sam", "plans_offered": ["crisis_plan"] * 2})
    finally:
        vault.close()
