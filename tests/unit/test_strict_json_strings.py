"""Strings are taken out before brackets are counted: the pattern written as runs of plain
bytes between escapes removes exactly what the one-byte-at-a-time pattern removes."""

from __future__ import annotations

import random
import re

from peerdesk import strict_json

BYTE_AT_A_TIME = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


def test_strings_are_removed_exactly_as_one_byte_at_a_time() -> None:
    rng = random.Random(14)
    alphabet = b'ab"\\\n{}[]x\x00\xff'
    for _ in range(20_000):
        text = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert strict_json._STRING.sub(b'""', text) == BYTE_AT_A_TIME.sub(b'""', text), text


def test_brackets_inside_long_strings_are_not_counted() -> None:
    nested = b'{"a":"' + b"[" * 100 + b'\\"' + b"{" * 100 + b'","b":[[1]]}'
    assert strict_json.loads(nested) == {"a": "[" * 100 + '"' + "{" * 100, "b": [[1]]}
