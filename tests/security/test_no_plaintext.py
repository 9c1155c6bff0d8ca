"""No plaintext of a diary, reflection, plan or a person's label reaches any file on disk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from peerdesk.domain import Kind
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in
from tests.conftest import LIGHT_KDF, PASSPHRASE, find_marker

MARKER = "Qz7MarkerXw"


def fill_from_schema(schema: dict[str, Any], marker: str) -> dict[str, Any]:
    """A valid record with the marker in every string field, as `record schema` describes it."""

    def value(name: str, prop: dict[str, Any]) -> Any:
        if "enum" in prop:
            return prop["enum"][0]
        if isinstance(prop.get("type"), list):  # e.g. ["string", "null"]: fill it
            prop = prop | {"type": prop["type"][0]}
        match prop.get("type"):
            case "string" if prop.get("format") == "date":
                return "2026-03-02"
            case "string" if prop.get("format") == "date-time":
                return "2026-03-02T10:30"
            case "string":
                return f"{marker}-{name} ünïcode"
            case "boolean":
                return True
            case "array" if "enum" in prop["items"]:
                return prop["items"]["enum"][:2]
            case "array" if prop["items"].get("type") == "object":  # a plan's consent ledger
                return [value(name, prop["items"])]
            case "array":
                return [f"{marker}-{name}"]
            case "object":
                return {k: value(f"{name}.{k}", p) for k, p in prop["properties"].items()}
        raise AssertionError(prop)

    return {name: value(name, prop) for name, prop in schema["properties"].items()}


def test_marker_in_every_field_of_every_kind_never_reaches_disk_via_cli(cli, data_dir: Path) -> None:
    assert cli("init").code == 0
    # A coordinator, who may write every kind (comments, supervision and cover too).
    assert cli("user", "add", "Grace", "--role", "coordinator").code == 0
    person = cli("person", "add", "--label", f"{MARKER}-label", "--json")
    person_id = json.loads(person.out)["id"]
    written = 0
    for kind in Kind:
        schema = json.loads(cli("record", "schema", "--kind", kind.value).out)
        fields = fill_from_schema(schema, MARKER)
        args = ["record", "add", "--kind", kind.value, "--file", "-", "--json"]
        if kind is not Kind.PERSON:
            args += ["--person", person_id]
        result = cli(*args, stdin=json.dumps(fields))
        assert result.code == 0, result.err
        shown = json.loads(result.out)
        # every string the schema offered was accepted and really stored
        assert json.dumps(shown["fields"], ensure_ascii=False).count(MARKER) == \
            json.dumps(fields, ensure_ascii=False).count(MARKER)
        written += 1
    assert written == len(Kind)
    assert MARKER in cli("record", "list").out  # readable back through the CLI
    assert find_marker(data_dir, MARKER) == []


def test_marker_absent_while_the_vault_is_open_with_wal_and_drafts(data_dir: Path) -> None:
    with Vault(data_dir, kdf_params=LIGHT_KDF) as vault:
        vault.create_account("Amira", "peer", PASSPHRASE)
        desk = sign_in(vault, "Amira", PASSPHRASE)
        person = desk.add(Kind.PERSON, {"label": f"{MARKER} Jo"})
        for n in range(30):
            desk.add(Kind.DIARY, {"when": "2026-03-02T10:30",
                                  "what_happened": f"{MARKER} entry {n}"}, person_id=person.id)
        desk.save_draft(Kind.CRISIS_PLAN, {"sections": {"helps": f"{MARKER} tea"}})
        assert (data_dir / "peerdesk.sqlite3-wal").exists()  # the WAL is really there
        assert find_marker(data_dir, MARKER) == []
        assert len(desk.records(Kind.DIARY)) == 30
    assert find_marker(data_dir, MARKER) == []


def test_find_marker_does_find_plain_text(tmp_path: Path) -> None:
    """The grep used above is not blind."""
    (tmp_path / "a.txt").write_text(f"x{MARKER}y", encoding="utf-16-le")
    (tmp_path / "b.bin").write_bytes(f"..{MARKER}..".encode())
    (tmp_path / "c.bin").write_bytes(b"nothing")
    assert sorted(Path(p).name for p in find_marker(tmp_path, MARKER)) == ["a.txt", "b.bin"]
