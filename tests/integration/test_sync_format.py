"""The pieces under sync: safe names and the changeset format (clock readings and the merge
rule are unit-tested in tests/unit)."""

from __future__ import annotations

import re
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerdesk.crypto.keys import UserKeys
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
    header = fmt.Header(str(uuid.uuid4()), DEVICE, "amira", 7, "")
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


def as_format_1(blob: bytes, keys: UserKeys, reading: str | None) -> bytes:
    """A changeset as a PeerDesk from before padding wrote it: format 1, a clock reading in
    its plaintext header (signed again by its author, as that PeerDesk signed it)."""
    signed, _ = fmt.parse_doc(blob, "changeset")
    body = {k: v for k, v in signed.items() if k not in {"format", "kind"}}
    if reading is not None:
        body["hlc"] = reading
    return fmt.seal_doc("changeset", body, keys.sign, format_=fmt.FORMAT)


def test_a_changeset_from_before_padding_still_opens_and_one_of_format_4_has_no_clock() -> None:
    author, coordinator = UserKeys.generate(), UserKeys.generate()
    header = fmt.Header(str(uuid.uuid4()), DEVICE, "amira", 3, "")
    blob = fmt.build_changeset(header, [([("grace", coordinator.public().receive)],
                                         [{"t": "x"}])], author)
    reading = f"{1:012x}{0:04x}.{DEVICE}"
    old = as_format_1(blob, author, reading)
    signed, sig = fmt.parse_doc(old, "changeset")
    fmt.check_signature("changeset", signed, sig, author.public().verify)
    assert signed["format"] == 1 and fmt.read_header(signed) == header
    assert fmt.open_sections(signed, header, "grace", coordinator) == [{"t": "x"}]
    # Format 1 without a well-formed reading is damaged; format 4 with one is too.
    for bad in (as_format_1(blob, author, None), as_format_1(blob, author, "yesterday")):
        with pytest.raises(fmt.Tampered):
            fmt.read_header(fmt.parse_doc(bad, "changeset")[0])
    signed, _ = fmt.parse_doc(blob, "changeset")
    assert signed["format"] == fmt.PADDED_FORMAT and "hlc" not in signed
    with pytest.raises(fmt.Tampered, match="clock reading in clear"):
        fmt.read_header(signed | {"hlc": reading})
    # A newer PeerDesk's changeset is left alone; format 3 was never a changeset's.
    for found, error in ((5, fmt.NewerFormat), (3, fmt.Tampered)):
        changed = fmt.seal_doc("changeset", {k: v for k, v in signed.items()
                                             if k not in {"format", "kind"}},
                               author.sign, format_=found)
        with pytest.raises(error):
            fmt.parse_doc(changed, "changeset")


@pytest.mark.parametrize("others", [0, 1, 8, 9])
def test_every_section_shows_the_same_wraps_whoever_reads_it(others: int) -> None:
    author = UserKeys.generate()
    readers = [(f"reader{i}", UserKeys.generate()) for i in range(others)]
    header = fmt.Header(str(uuid.uuid4()), DEVICE, "amira", 1, "")
    blob = fmt.build_changeset(header, [([(r, k.public().receive) for r, k in readers],
                                         [{"t": "x", "n": others}])], author)
    signed, _ = fmt.parse_doc(blob, "changeset")
    assert len(signed["sections"]) == fmt.MIN_SECTIONS
    for section in signed["sections"]:
        suites = [w["suite"] for w in section["readers"]]
        assert suites == ["vault-aes256gcm"] + ["hpke-x25519-hkdfsha256-aes256gcm"] * (
            16 if others > 8 else 8)
        assert {len(w["key"]) for w in section["readers"][1:]} == {108}
        assert len(fmt.unb64(section["body"])) == fmt.BODY_MIN + 28
    for reader, keys in readers:
        assert fmt.open_sections(signed, header, reader, keys) == [{"t": "x", "n": others}]
    assert fmt.open_sections(signed, header, "amira", author) == [{"t": "x", "n": others}]
    assert fmt.open_sections(signed, header, "someone", UserKeys.generate()) == []


def test_sections_come_in_powers_of_two_and_bodies_in_buckets() -> None:
    assert [fmt.padded_size(n) for n in (0, 4096, 4097, 9000, 2**20, 2**20 + 1, 5 * 2**20)] \
        == [4096, 4096, 8192, 16384, 2**20, 2 * 2**20, 5 * 2**20]
    author = UserKeys.generate()
    header = fmt.Header(str(uuid.uuid4()), DEVICE, "amira", 1, "")
    groups = [([(f"r{i}", UserKeys.generate().public().receive)], [{"t": "x" * 5000 * i}])
              for i in range(3)]
    signed, _ = fmt.parse_doc(fmt.build_changeset(header, groups, author), "changeset")
    assert [len(fmt.unb64(s["body"])) - 28 for s in signed["sections"]] == [
        4096, 8192, 16384, 4096]
    assert fmt.open_sections(signed, header, "amira", author) == [g[1][0] for g in groups]
