"""Fuzzing the share's one parsing boundary with mutated real files.

The seeds are real: the changeset, head, accounts and manifest a team's sync wrote to a folder
share. Each example mutates one (its bytes, or a value anywhere in its JSON, then signs it
again with the real key so the mutation reaches the checks behind the signature, or the entries
inside a changeset's encrypted sections) and hands it to the code a sync runs on it. No
exception may escape; a file is taken in or set aside; nothing is written outside the share.
``PEERDESK_FUZZ_EXAMPLES`` sets how many examples each test runs (default 400).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerdesk.crypto.keys import UserKeys
from peerdesk.lanes import INLINE
from peerdesk.services import sync
from peerdesk.services.desk import sign_in
from peerdesk.sync import engine as sync_engine
from peerdesk.sync import format as fmt
from peerdesk.sync import heads
from peerdesk.sync.share import Entry, FolderShare, check_path, safe_name
from peerdesk.sync.trust import NotATeamShare, read_manifest, sync_accounts
from tests.conftest import PASSPHRASE
from tests.helpers.team import Team, diary, make_team

EXAMPLES = int(os.environ.get("PEERDESK_FUZZ_EXAMPLES", "400"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])


@dataclass
class World:
    team: Team
    share: FolderShare
    engine: sync_engine.Engine  # Amira's second device, as a sync builds it
    amira: UserKeys
    ida: UserKeys
    a1_device: str
    seeds: dict[str, bytes]  # kind -> a real file of that kind
    entries: list[dict[str, Any]]  # a real changeset's decrypted entries
    outside: set[str]  # every path under the test's root but outside the share, before
    seq: int = 100  # the next number a fuzzed changeset takes


def files_outside(team: Team) -> set[str]:
    share = Path(team.location)
    return {str(p) for p in team.root.rglob("*")
            if share not in p.parents and p != share and not p.name.endswith(("-wal", "-shm",
                                                                                "-journal"))}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    team = make_team(tmp_path_factory.mktemp("fuzz"))
    a1 = team.desks["a1"]
    person = a1.add("person", {"label": "R."})
    a1.add("diary", diary("a first morning"), person_id=person.id)
    a1.add("diary", diary("a walk with Robin"), person_id=person.id)
    team.sync("a1", "a2")
    share = FolderShare(team.location)
    a1_device = team.vaults["a1"].device_id
    root = Path(team.location)
    (changeset,) = sorted((root / "devices" / a1_device).glob("*.pdk"))
    head = next((root / heads.HEADS).glob(f"{a1_device}.*.json"))
    account = next((root / fmt.ACCOUNTS).glob("*.json"))
    seeds = {"changeset": changeset.read_bytes(), "head": head.read_bytes(),
             "account": account.read_bytes(),
             "share": (root / fmt.MANIFEST).read_bytes()}
    amira = team.desks["a2"].keys
    engine = sync._engine(team.desks["a2"], share, INLINE)
    engine.manifest = read_manifest(share)
    signed, _ = fmt.parse_doc(seeds["changeset"], "changeset")
    entries = fmt.open_sections(signed, fmt.read_header(signed), team.desks["a2"].user.id,
                                amira)
    ida = sign_in(team.vaults["office"], "Ida", PASSPHRASE)
    world = World(team, share, engine, amira, ida.keys, a1_device, seeds, entries,
                  files_outside(team))
    yield world
    assert files_outside(team) <= world.outside  # nothing written outside the share
    ida.lock()
    team.close()


# -- mutations ---------------------------------------------------------------------------------

def nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = [value]
    return value


hostile = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**17, max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
    st.sampled_from(["\ud800", "a\udfffb", "\x00", "\n", "../../etc/passwd", "", " ",
                     "0" * 10, "x" * 5000, "00000000-0000-0000-0000-000000000000"]),
    st.binary(max_size=64).map(lambda b: base64.b64encode(b).decode()),
    st.integers(1, 200).map(nested),
    st.lists(st.integers(), max_size=5), st.dictionaries(st.text(max_size=5), st.none(),
                                                         max_size=3),
)


def paths(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [here]
    if isinstance(value, dict):
        for k, v in value.items():
            out += paths(v, (*here, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += paths(v, (*here, i))
    return out


def mutate(data: st.DataObject, value: Any, rounds: int = 3) -> Any:
    """A copy of ``value`` with up to ``rounds`` of its parts replaced, removed or added to."""
    value = json.loads(json.dumps(value))
    for _ in range(data.draw(st.integers(1, rounds))):
        path = data.draw(st.sampled_from(paths(value)))
        if not path:
            value = data.draw(hostile)
            continue
        parent = value
        for step in path[:-1]:
            parent = parent[step]
        action = data.draw(st.sampled_from(["replace", "replace", "remove", "add"]))
        if action == "replace":
            parent[path[-1]] = data.draw(hostile)
        elif action == "remove":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[data.draw(st.text(max_size=8))] = data.draw(hostile)
        else:
            parent.append(data.draw(hostile))
    return value


def byte_mutation(data: st.DataObject, raw: bytes) -> bytes:
    out = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 4))):
        where = data.draw(st.integers(0, max(len(out) - 1, 0)))
        match data.draw(st.sampled_from(["flip", "cut", "insert", "deep"])):
            case "flip" if out:
                out[where] ^= data.draw(st.integers(1, 255))
            case "cut":
                del out[where:]
            case "insert":
                out[where:where] = data.draw(st.binary(min_size=1, max_size=16))
            case "deep":
                out[where:where] = b"[" * data.draw(st.integers(30, 100_000))
    return bytes(out)


def resign(kind: str, signed: Any, keys: UserKeys) -> bytes:
    """``signed`` as a real signer would have written it (even when it is no longer valid)."""
    body = json.dumps(signed, sort_keys=True, separators=(",", ":")).encode()
    ctx = f"peerdesk/{kind}/v{fmt.FORMAT}|".encode()
    sig = base64.b64encode(keys.sign(ctx + body)).decode()
    return b'{"sig":"' + sig.encode() + b'","signed":' + body + b"}"


# -- what a sync does with each kind of file -----------------------------------------------------

def take_changeset(world: World, data: bytes, *, seq: int | None = None) -> None:
    """Through the engine, as a pull does: read from the share, verified, applied or set
    aside. Any exception fails the test."""
    author = world.team.desks["a2"].user.id
    seq = seq if seq is not None else world.seq
    world.seq += 1
    name = f"{author}.{seq:010d}.pdk"
    folder = Path(world.team.location) / "devices" / world.a1_device
    (folder / name).write_bytes(data)
    found = sync_engine.Found(world.a1_device, author, seq, Entry(name, len(data), "file"),
                              "changeset")
    world.engine._apply_found([found])
    (folder / name).unlink(missing_ok=True)


def take_head(world: World, data: bytes) -> None:
    author = world.team.desks["a2"].user.id
    name = heads.head_name(world.a1_device, author, 9_999_999)
    path = Path(world.team.location) / heads.HEADS / name
    path.write_bytes(data)
    listed = heads.Listed(world.a1_device, author, 9_999_999, Entry(name, len(data), "file"))
    keys = {author: world.amira.public().verify}
    world.engine._read_head(listed, keys)
    path.unlink(missing_ok=True)


def take_account(world: World, data: bytes) -> None:
    folder = Path(world.team.location) / fmt.ACCOUNTS
    name = "00000000-0000-4000-8000-00000000f022.json"
    (folder / name).write_bytes(data)
    sync_accounts(world.engine.ctx, world.engine._manifest())
    (folder / name).unlink(missing_ok=True)


def take_manifest(world: World, data: bytes) -> None:
    path = Path(world.team.location) / fmt.MANIFEST
    path.write_bytes(data)
    try:
        read_manifest(world.share)
    except (fmt.Tampered, NotATeamShare):
        pass  # the manifest is the team's root of trust: a bad one stops the sync, calmly
    finally:
        path.write_bytes(world.seeds["share"])


SIGNERS = {"changeset": "amira", "head": "amira", "account": "ida", "share": "ida"}


def take(world: World, kind: str, data: bytes) -> None:
    {"changeset": take_changeset, "head": take_head, "account": take_account,
     "share": take_manifest}[kind](world, data)


# -- the fuzz tests ---------------------------------------------------------------------------------

@FUZZ
@given(data=st.data(), kind=st.sampled_from(sorted(SIGNERS)))
def test_mutated_bytes_never_escape_the_boundary(world: World, data: st.DataObject,
                                                 kind: str) -> None:
    take(world, kind, byte_mutation(data, world.seeds[kind]))


@FUZZ
@given(data=st.data(), kind=st.sampled_from(sorted(SIGNERS)))
def test_mutated_signed_files_never_escape_the_boundary(world: World, data: st.DataObject,
                                                        kind: str) -> None:
    """What a team member could write: a real file, changed anywhere, signed again."""
    signed, _ = fmt.parse_doc(world.seeds[kind], kind if kind != "share" else "share")
    keys = world.amira if SIGNERS[kind] == "amira" else world.ida
    mutated = mutate(data, signed)
    take(world, kind, resign(kind, mutated, keys))


@FUZZ
@given(data=st.data())
def test_mutated_changes_inside_a_signed_changeset_never_escape(world: World,
                                                                data: st.DataObject) -> None:
    """The entries behind the encryption, changed and sealed again by their real author."""
    entries = mutate(data, world.entries, rounds=4)
    if not isinstance(entries, list):
        entries = [entries]
    entries = [e if isinstance(e, dict) else {"t": e} for e in entries]
    team_id = world.engine._manifest().team_id
    author = world.team.desks["a2"].user.id
    seq = world.seq
    header = fmt.Header(team_id, world.a1_device, author, seq, "")
    reader = (author, world.amira.public().receive)
    take_changeset(world, fmt.build_changeset(header, [([reader], entries)], world.amira),
                   seq=seq)


@FUZZ
@given(name=st.text(min_size=1, max_size=80))
def test_file_names_are_matched_whole(world: World, name: str) -> None:
    for pattern in (fmt.CHANGESET_NAME, fmt.SNAPSHOT_NAME, fmt.ACCOUNT_NAME, fmt.DEVICE_NAME,
                    heads.HEAD_NAME):
        if pattern.fullmatch(name) or pattern.match(name):
            assert safe_name(name) and name.isascii() and name.isprintable()
            check_path(f"devices/{name}")  # never refused: it is a name PeerDesk writes
    if "/" in name or "\x00" in name:
        return
    folder = Path(world.team.location) / "devices" / world.a1_device
    try:
        (folder / name).write_bytes(world.seeds["changeset"])
    except OSError:
        return  # a name this file system does not take
    try:
        world.engine._new_in(world.a1_device, {})
        heads.newest(world.share.list(fmt.DEVICES + "/" + world.a1_device), lambda e: None)
    finally:
        for p in folder.iterdir():
            if p.name == name:
                p.unlink()
        shutil.rmtree(Path(world.team.location) / fmt.QUARANTINE, ignore_errors=True)
