"""Brackets and commas are counted outside strings only. The document is cut down to its
quotes, brackets and commas (escapes that could hide a quote taken out first): for every valid
document this leaves exactly what removing each string byte by byte leaves."""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest

from peerdesk import strict_json
from peerdesk.errors import InvalidInput

BYTE_AT_A_TIME = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
OUTSIDE = re.compile(rb"[\[\]{},]")


def _text(rng: random.Random) -> str:
    return "".join(rng.choice('ab"\\\n{}[]x\x00é\u2028/') for _ in range(rng.randint(0, 12)))


def _value(rng: random.Random, depth: int) -> Any:
    roll = rng.random()
    if depth > 4 or roll < 0.4:
        return rng.choice([_text(rng), rng.randint(-5, 5), None, True])
    if roll < 0.7:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {_text(rng): _value(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def test_brackets_outside_strings_are_exactly_those_byte_at_a_time() -> None:
    rng = random.Random(14)
    for _ in range(5_000):
        value = _value(rng, 0)
        raw = json.dumps(value, ensure_ascii=rng.random() < 0.5).encode()
        expected = b"".join(OUTSIDE.findall(BYTE_AT_A_TIME.sub(b'""', raw)))
        shape = strict_json.structure(raw)
        assert shape == expected, raw
        # The bound that lets a document skip the count of its values is never below it.
        assert strict_json._most_values(shape) >= strict_json._walk(value, "it"), raw


def test_brackets_inside_long_strings_are_not_counted() -> None:
    nested = b'{"a":"' + b"[" * 100 + b'\\"' + b"{" * 100 + b'\\\\","b":[[1]]}'
    assert strict_json.loads(nested) == {"a": "[" * 100 + '"' + "{" * 100 + "\\",
                                         "b": [[1]]}


def test_deep_nesting_is_refused_before_parsing_however_it_is_escaped() -> None:
    deep = b'{"a":"\\\\\\"' + b"[" * 3 + b'",' + b'"b":' + b"[" * 40 + b"]" * 40 + b"}"
    with pytest.raises(InvalidInput, match="nested more than 32 levels deep"):
        strict_json.loads(deep)


def test_a_lone_surrogate_is_refused_and_an_escaped_backslash_before_u_is_not() -> None:
    with pytest.raises(InvalidInput, match="lone surrogate"):
        strict_json.loads(b'{"a":["ok", "\\udc00"]}')
    with pytest.raises(InvalidInput, match="lone surrogate"):
        strict_json.loads(b'{"\\uD800": 1}')
    assert strict_json.loads(b'["\\\\ud800", "\\ud83d\\ude00"]') == ["\\ud800", "\U0001F600"]


def test_a_document_with_too_many_values_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(strict_json, "MAX_VALUES", 10)
    assert strict_json.loads(b"[1,2,3,4]") == [1, 2, 3, 4]
    with pytest.raises(InvalidInput, match="far too many values"):
        strict_json.loads(b'{"a":[1,2,3],"b":{"c":[4,5]}}')
