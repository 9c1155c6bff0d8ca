"""The one reader for JSON that PeerDesk did not just write itself: files on the team share,
decrypted record fields, and what a person types or pipes into the command line.

Every limit is checked before or while parsing, never after something has broken: strict
UTF-8, nesting depth (counted on the bytes before the parser recurses), whole numbers of at
most 18 digits, no floats, NaN or Infinity, no repeated keys, no lone surrogates, and a bound
on how many values one document may hold. Anything else raises ``InvalidInput`` with one
sentence; nothing else ever escapes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from peerdesk.errors import InvalidInput

MAX_DEPTH = 32
MAX_DIGITS = 18  # every whole number fits SQLite's 64 bits
MAX_VALUES = 2_000_000
# Brackets and commas are counted outside strings. Only quotes decide that, once every
# escape that could hide a quote is gone: ``\\`` pairs first (a run of backslashes pairs off
# from its left), then ``\"``. Every other byte is dropped in one pass (a changeset's base64
# body is never looked at byte by byte in Python): what is left is quotes, brackets and commas.
_STRUCTURE = b'"[]{},'
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in _STRUCTURE)
_QUOTED = re.compile(rb'"[^"]*"')
_OPEN = frozenset(b"[{")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Strictly decoded UTF-8 holds no surrogate, so a string can hold one only through an escape
# (\ud800 to \udfff); a document without one has none to look for.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def loads(data: bytes | str, *, what: str = "it", max_depth: int = MAX_DEPTH) -> Any:
    """``data`` parsed, or InvalidInput saying (about ``what``) why not."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    try:
        text = raw.decode("utf-8")  # strict: invalid UTF-8 and encoded surrogates fail here
    except UnicodeDecodeError:
        raise InvalidInput(f"{_cap(what)} is not valid UTF-8 text.") from None
    shape = structure(raw)
    _check_depth(shape, what, max_depth)
    try:
        value = json.loads(text, object_pairs_hook=_object, parse_float=_no_float,
                           parse_int=_int, parse_constant=_no_constant)
    except InvalidInput as exc:
        raise InvalidInput(f"{_cap(what)} {exc}") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{_cap(what)} is not valid JSON (line {exc.lineno}).") from None
    except (ValueError, RecursionError):
        raise InvalidInput(f"{_cap(what)} is not valid JSON.") from None
    # Each value is walked only when the document could hold a lone surrogate or too many.
    if (b"\\" in raw and _SURROGATE_ESCAPE.search(raw)) or _most_values(shape) > MAX_VALUES:
        count = _walk(value, what)
        if count > MAX_VALUES:
            raise InvalidInput(f"{_cap(what)} holds far too many values.")
    return value


def _most_values(shape: bytes) -> int:
    """At least as many values as a valid document of this shape holds (as ``_walk`` counts
    them): each array's elements and each object's keys and values follow its opening
    bracket or a comma, so two per comma and per opening bracket, and the document itself."""
    return 1 + 2 * (shape.count(b",") + shape.count(b"[") + shape.count(b"{"))


def _cap(what: str) -> str:
    return what[:1].upper() + what[1:]


def structure(raw: bytes) -> bytes:
    """The document's brackets and commas outside strings, in order."""
    if b"\\" in raw:
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    return _QUOTED.sub(b"", raw.translate(None, delete=_NOT_STRUCTURE))


def _check_depth(shape: bytes, what: str, limit: int) -> None:
    depth = 0
    for byte in shape.translate(None, delete=b","):
        if byte in _OPEN:
            depth += 1
            if depth > limit:
                raise InvalidInput(f"{_cap(what)} is nested more than {limit} levels deep.")
        else:
            depth -= 1


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise InvalidInput("repeats a key.")
    return out


def _no_float(text: str) -> Any:
    raise InvalidInput(f"holds a number with a fraction or exponent ({text[:20]}), "
                       "which PeerDesk never uses.")


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise InvalidInput(f"holds a number longer than {MAX_DIGITS} digits.")
    return int(text)


def _no_constant(text: str) -> Any:
    raise InvalidInput(f"holds {text}, which is not a number PeerDesk accepts.")


def _walk(value: Any, what: str) -> int:
    """How many values it holds; refuses text with a lone surrogate (from a ``\\ud800``
    escape), which no file can store."""
    stack, count = [value], 0
    while stack:
        item = stack.pop()
        count += 1
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise InvalidInput(f"{_cap(what)} holds a broken character (a lone surrogate).")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count
