"""The pieces under sync: clock readings, safe names, the merge rule, the changeset format."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerdesk.crypto.keys import UserKeys
from peerdesk.errors import InvalidInput
from peerdesk.sync import format as fmt
from peerdesk.sync import hlc
from peerdesk.sync.merge import VersionNode, decide
from peerdesk.sync.share import check_path

DEVICE = str(uuid.uuid4())


@given(st.integers(0, 2**47), st.integers(0, 0xFFFF), st.integers(0, 2**47), st.integers(0, 0xFFFF))
def test_clock_readings_sort_as_they_compare(ms1: int, c1: int, ms2: int, c2: int) -> None:
    a, b = hlc.encode(ms1, c1, DEVICE), hlc.encode(ms2, c2, DEVICE)
    assert hlc.decode(a) == (ms1, c1)
    assert (a < b) == ((ms1, c1) < (ms2, c2))
    assert hlc.PATTERN.match(a)


@given(st.text(st.characters(exclude_characters="/"), min_size=1, max_size=40))
def test_only_plain_names_pass(name: str) -> None:
    plain = ((all(ch.isascii() and (ch.isalnum() or ch in "._-") for ch in name)
             and name[0].isascii() and name[0].isalnum())
             or re.fullmatch(r"\.tmp-[A-Za-z0-9]{1,64}", name) is not None)
    if plain:
        assert check_path(name) == name
    else:
        with pytest.raises(InvalidInput):
            check_path(name)


@pytest.mark.parametrize("path", ["..", "../x", "a/../b", "a\\b", "/etc/passwd", "a//b", "",
                                  "C:x", ".hidden", "a/.tmp-x/b"])
def test_escaping_paths_are_refused(path: str) -> None:
    with pytest.raises(InvalidInput):
        check_path(path)


def node(vid: str, *parents: str, tomb: bool = False) -> VersionNode:
    return VersionNode(0, vid, vid, parents, tomb, datetime(2026, 1, 1))


def test_merge_rules() -> None:
    assert decide([node("a"), node("b", "a")]).winner.vid == "b"
    both = decide([node("a"), node("b", "a"), node("c", "a")])
    assert both.conflict and both.winner.vid == "c" and {h.vid for h in both.heads} == {"b", "c"}
    edit_wins = decide([node("a"), node("z", "a", tomb=True), node("b", "a")])
    assert edit_wins.winner.vid == "b" and edit_wins.conflict and not edit_wins.deleted
    deleted = decide([node("a"), node("b", "a", tomb=True)])
    assert deleted.deleted and not deleted.conflict
    resolved = decide([node("a"), node("b", "a"), node("c", "a"), node("d", "b", "c")])
    assert resolved.winner.vid == "d" and not resolved.conflict


@settings(max_examples=30, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from("abc"), st.text(max_size=20), max_size=3),
                max_size=5), st.data())
def test_a_changeset_opens_for_its_readers_and_any_change_is_caught(
        entries: list[dict[str, str]], data: st.DataObject) -> None:
    author, coordinator = UserKeys.generate(), UserKeys.generate()
    header = fmt.Header(str(uuid.uuid4()), DEVICE, "amira", 7, "", hlc.encode(1, 0, DEVICE))
    blob = fmt.build_changeset(header, [([("grace", coordinator.public().receive)], entries),
                                        ([], [{"t": "private"}])], author)
    signed, sig = fmt.parse_doc(blob, "changeset")
    fmt.check_signature("changeset", signed, sig, author.public().verify)
    assert fmt.open_sections(signed, header, "grace", coordinator) == entries
    assert fmt.open_sections(signed, header, "amira", author) == [*entries, {"t": "private"}]
    assert fmt.open_sections(signed, header, "someone", coordinator) == []

    at = data.draw(st.integers(0, len(blob) - 1))
    damaged = bytearray(blob)
    damaged[at] ^= data.draw(st.integers(1, 255))
    with pytest.raises(fmt.Tampered):
        s2, sig2 = fmt.parse_doc(bytes(damaged), "changeset")
        fmt.check_signature("changeset", s2, sig2, author.public().verify)
        h2 = fmt.read_header(s2)
        fmt.open_sections(s2, h2, "grace", coordinator)


def test_the_status_line_reads_as_the_app_shows_it() -> None:
    from datetime import timedelta

    from peerdesk.services.sync import SyncStatus

    now = datetime(2026, 3, 2, 10, 30)
    assert SyncStatus("synced", now - timedelta(minutes=2), 0).text(now) == "Synced 2 min ago"
    assert SyncStatus("synced", now - timedelta(hours=3), 1).text(now) == \
        "Synced 3 h ago — 1 change waiting"
    assert SyncStatus("unreachable", now, 4).text(now) == "Offline — 4 changes waiting"
    assert SyncStatus("unreachable", now, 0).text(now) == "Share not reachable"
    assert SyncStatus("never", None, 0).text(now) == "Not synced yet"
    assert SyncStatus("no-share", None, 2).text(now) == "No team share set up — 2 changes waiting"
