"""What is signed and sealed is encoded, and section bodies decoded, a slice at a time (so no
single call holds the interpreter lock for megabytes): byte for byte what one call gives, and
damaged base64 is refused exactly as the whole would be."""

from __future__ import annotations

import base64
import binascii
import json
import random
from typing import Any

import pytest

from peerdesk.sync import format as fmt


def _text(rng: random.Random) -> str:
    return "".join(rng.choice('ab"\\\n{}[]\x00é\u2028\U0001F600/+=') for _ in range(rng.randint(0, 40)))


def _value(rng: random.Random, depth: int) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.4:
        return rng.choice([_text(rng), rng.randint(-10**12, 10**12), None, True, False,
                           base64.b64encode(rng.randbytes(rng.randint(0, 90))).decode()])
    # Past 64 items a container's items are encoded each whole: once in a while, at the top.
    many = [0, 1, 3, 70] if depth == 0 else [0, 1, 3]
    if roll < 0.7:
        return [_value(rng, depth + 1) for _ in range(rng.choice(many))]
    return {_text(rng): _value(rng, depth + 1) for _ in range(rng.choice(many))}


def test_canonical_in_slices_is_what_one_call_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fmt, "_SLICE", 8)
    rng = random.Random(15)
    for _ in range(1_000):
        value = _value(rng, 0)
        whole = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        assert fmt.canonical(value) == whole.encode()


def test_base64_in_slices_refuses_all_one_call_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Decoded strictly, a slice at a time: whatever one checked call refuses is refused, and
    whatever is taken gives the same bytes (padding anywhere but the very end is refused)."""
    monkeypatch.setattr(fmt, "_SLICE", 8)
    rng = random.Random(16)
    for _ in range(3_000):
        text = base64.b64encode(rng.randbytes(rng.randint(0, 40))).decode()
        if rng.random() < 0.5 and text:  # damaged: a byte changed, cut, or padding moved
            at = rng.randrange(len(text))
            text = rng.choice([text[:at] + rng.choice("=A$ \n") + text[at + 1:], text[:at],
                               text[:at] + "==" + text[at:], text + "="])
        try:
            expected: bytes | None = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            expected = None
        try:
            got: bytes | None = fmt.unb64(text)
        except fmt.Tampered:
            got = None
        if expected is None:
            assert got is None, text
        elif got is not None:
            assert got == expected, text
    assert fmt.unb64("AAAA") == b"\0\0\0"
    for damaged in ("AA=A", "AA==AAAA" * 2, "AAA", "AA A", 7):
        with pytest.raises(fmt.Tampered):
            fmt.unb64(damaged)
