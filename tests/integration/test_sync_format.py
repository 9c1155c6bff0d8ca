"""The pieces under sync: safe names and the changeset format (clock readings and the merge
rule are unit-tested in tests/unit)."""

from __future__ import annotations

import re
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerdesk.crypto.keys import UserKeys
from peerdesk.domain import hlc
from peerdesk.errors import InvalidInput
from peerdesk.sync import format as fmt
from peerdesk.sync.share import check_path

DEVICE = str(uuid.uuid4())


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
    from datetime import datetime, timedelta

    from peerdesk.services.sync import SyncStatus

    now = datetime(2026, 3, 2, 10, 30)
    assert SyncStatus("synced", now - timedelta(minutes=2), 0).text(now) == "Synced 2 min ago"
    assert SyncStatus("synced", now - timedelta(hours=3), 1).text(now) == \
        "Synced 3 h ago — 1 change waiting"
    assert SyncStatus("unreachable", now, 4).text(now) == "Offline — 4 changes waiting"
    assert SyncStatus("unreachable", now, 0).text(now) == "Share not reachable"
    assert SyncStatus("never", None, 0).text(now) == "Not synced yet"
    assert SyncStatus("no-share", None, 2).text(now) == "No team share set up — 2 changes waiting"
