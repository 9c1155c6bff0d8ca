"""What someone who can browse the team share learns, measured: a real folder share written by
three devices (the office PC, Amira's ward PC and her laptop), read here with no key at all.
Every field found in clear must be one docs/sync-protocol.md's "What the share reveals" names
for that folder; no time may appear anywhere but the fields it names as times; no section may
show how many read it or how long its text is beyond the padding's buckets."""

from __future__ import annotations

import base64
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from peerdesk.domain import Kind, hlc
from peerdesk.services import membership, sync
from peerdesk.services.desk import sign_in
from peerdesk.sync import engine
from peerdesk.sync import format as fmt
from tests.conftest import PASSPHRASE
from tests.helpers.team import Team, diary, make_team

DOCS = Path(__file__).resolve().parents[2] / "docs" / "sync-protocol.md"
ROWS = {"share": "peerdesk-share.json", "account": "accounts/", "account-keys": "keys/",
        "changeset": "devices/", "snapshot": "devices/", "part": "devices/", "head": "heads/",
        "audit-head": "audit/", "audit-notice": "audit/", "succession": "succession/"}
MAPS = {"seen", "streams", "until"}  # keyed by stream or device ids, not by field names
OWNER, HPKE = "vault-aes256gcm", "hpke-x25519-hkdfsha256-aes256gcm"
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def documented() -> dict[str, set[str]]:
    """The field names each row of the docs' table says are in clear."""
    text = DOCS.read_text("utf-8")
    section = text[text.index("## What the share reveals"):text.index("## Known limits")]
    rows: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in {"on the share", "---"}:
            rows[cells[0].strip("`")] = set(re.findall(r"`([a-z_]+)`", cells[1]))
    return rows


def documented_times() -> set[tuple[str, str]]:
    """(row, field) the docs' table marks as a time: "(`field`, a time)"."""
    text = DOCS.read_text("utf-8")
    section = text[text.index("## What the share reveals"):text.index("## Known limits")]
    out = set()
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3:
            for name in re.findall(r"\(`([a-z_]+)`, a time\)", cells[2]):
                out.add((cells[0].strip("`"), name))
    return out


def fields(value: Any, *, under: str = "") -> Iterator[tuple[str, Any]]:
    """Every (field name, value) in a parsed file, at any depth; a map keyed by device or
    stream ids (a head's ``seen``, a removal's ``streams``, a role's ``until``) counts as its
    own field only."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            if key not in MAPS:
                yield from fields(item, under=key)
    elif isinstance(value, list):
        for item in value:
            yield from fields(item, under=under)


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def is_bucket(n: int) -> bool:
    return n == fmt.padded_size(n)


class Observer:
    """The share as someone with no key sees it: names, sizes and parsed JSON."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*"))
                      if p.is_file()}
        self.docs: dict[str, dict[str, Any]] = {n: json.loads(p.read_bytes())
                                                for n, p in self.files.items()}

    def size(self, name: str) -> int:
        return self.files[name].stat().st_size

    def row(self, name: str) -> str:
        return ROWS[self.docs[name]["signed"]["kind"]]

    def streams(self, device: str) -> list[str]:
        return sorted(n for n in self.files if n.startswith(f"devices/{device}/")
                      and fmt.CHANGESET_NAME.fullmatch(n.rsplit("/", 1)[1]))

    def shape(self, name: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
        """What a changeset shows of its sections: how many, and for each its owner wraps,
        HPKE wraps and body length."""
        sections = self.docs[name]["signed"]["sections"]
        return len(sections), tuple(
            (sum(w["suite"] == OWNER for w in s["readers"]),
             sum(w["suite"] == HPKE for w in s["readers"]), len(s["body"])) for s in sections)


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Team]:
    monkeypatch.setattr(engine, "COMPACT_AFTER", 4)  # so the share holds a snapshot too
    t = make_team(tmp_path)
    yield t
    t.close()


def test_the_share_reveals_only_what_its_docs_list(team: Team) -> None:
    a1, a2, office = team.desks["a1"], team.desks["a2"], team.desks["office"]
    share = Path(team.location)
    devices = {n: team.vaults[n].device_id for n in ("office", "a1", "a2")}

    # Two diaries of very different length, each the first thing its device sends.
    short = a1.add(Kind.DIARY, diary("ok"))
    team.sync("a1")
    a2.add(Kind.DIARY, diary("A long day. " * 200))  # 2,400 characters
    team.sync("a2")
    seen = Observer(share)
    (first_a1,), (first_a2,) = seen.streams(devices["a1"]), seen.streams(devices["a2"])
    assert seen.size(first_a1) == seen.size(first_a2)
    assert seen.shape(first_a1) == seen.shape(first_a2)

    # Shared with one more reader (Grace) versus a save nobody else reads: the same shape.
    a1.share(short.id, "Grace")
    team.sync("a1")
    a1.add(Kind.DIARY, diary("kept to myself"))
    team.sync("a1")
    seen = Observer(share)
    _, shared, alone = seen.streams(devices["a1"])
    assert seen.size(shared) == seen.size(alone)
    assert seen.shape(shared) == seen.shape(alone) == (2, ((1, 8, len(
        seen.docs[alone]["signed"]["sections"][0]["body"])),) * 2)
    team.sync("office")
    assert office.get(short.id).fields["what_happened"] == "ok"  # it did go through the share

    # The office writes too, and a1 folds its stream into a snapshot: three devices' files.
    office.add(Kind.DIARY, diary("coordinator's own note"))
    a1.add(Kind.DIARY, diary("one more"))
    team.sync_all()

    # An administrator's acts: Nell joins on a laptop of her own and writes there, then Ida
    # makes her a coordinator and removes her (a certificate with `roles` and `streams`).
    nell = team.join("n1", "Nell", "peer")
    devices["n1"] = team.vaults["n1"].device_id
    nell.add(Kind.DIARY, diary("Nell's first week"))
    team.sync("n1", "office")
    del team.desks["n1"]  # she is about to be removed: her laptop syncs no more
    ida = sign_in(team.vaults["office"], "Ida", PASSPHRASE)
    membership.set_role(ida, "Nell", "coordinator")
    membership.remove(ida, "Nell")
    sync.run_sync(ida)
    ida.lock()
    team.sync_all()

    seen = Observer(share)
    kinds = {d["signed"]["kind"] for d in seen.docs.values()}
    assert kinds == {"share", "account", "account-keys", "changeset", "snapshot", "head",
                     "audit-head"}
    assert {n.split("/")[1] for n in seen.files if n.startswith("devices/")} == set(
        devices.values())
    rows, times = documented(), documented_times()
    found_times: set[tuple[str, str]] = set()
    for name, doc in seen.docs.items():
        row = seen.row(name)
        assert name.startswith(row.rstrip("/")), name  # each kind in its own folder
        names = {key for key, _ in fields(doc)}
        assert names <= rows[row] | rows["every file"], (name, names - rows[row])
        for key, value in fields(doc):
            if isinstance(value, str) and (ISO_TIME.search(value) or hlc.sane(value)):
                found_times.add((row, key))
        # No clock reading anywhere, in any form: not as a value, not inside one.
        assert not any(re.search(r"[0-9a-f]{16}\.[0-9a-f]{8}-", s) for s in strings(doc)), name
    assert found_times <= times, found_times - times
    assert ("accounts/", "ended") in found_times and ("keys/", "changed") not in found_times
    assert any({"roles", "streams"} <= set(d["signed"]) for n, d in seen.docs.items()
               if n.startswith("accounts/"))
    assert not {r for r, _ in found_times} & {"devices/", "heads/", "audit/"}

    changesets = [n for n, d in seen.docs.items()
                  if d["signed"]["kind"] in {"changeset", "snapshot", "part"}]
    assert any(seen.docs[n]["signed"]["kind"] == "snapshot" for n in changesets)
    for name in changesets:
        signed = seen.docs[name]["signed"]
        assert signed["format"] == fmt.PADDED_FORMAT and "hlc" not in signed
        count = len(signed["sections"])
        assert count >= 2 and count & (count - 1) == 0, name
        for section in signed["sections"]:
            suites = [w["suite"] for w in section["readers"]]
            assert suites[0] == OWNER and suites[1:] == [HPKE] * 8, name  # 1 + 8, always
            assert {len(w["key"]) for w in section["readers"][1:]} == {108}
            assert is_bucket(len(base64.b64decode(section["body"])) - 28), name
    # A changeset's size says nothing its shape does not: given the width of its number and
    # whether it is the first, the same shape is the same size to the byte.
    sizes: dict[tuple[Any, ...], set[int]] = defaultdict(set)
    for name in changesets:
        signed = seen.docs[name]["signed"]
        sizes[(signed["kind"], len(str(signed["seq"])), signed["prev"] == "",
               seen.shape(name))].add(seen.size(name))
    assert all(len(v) == 1 for v in sizes.values()), sizes
    assert len(sizes) < len(changesets)  # several files share a shape


def test_the_docs_table_names_every_folder_the_share_has(team: Team) -> None:
    team.desks["a1"].add(Kind.DIARY, diary("hello"))
    team.sync_all()
    rows = documented()
    top = {n.split("/")[0] + ("/" if "/" in n else "") for n in Observer(
        Path(team.location)).files}
    assert top <= set(rows), top - set(rows)
    assert {"every file", "quarantine/"} <= set(rows)
