"""Search that forgives: capitals and accents never matter, and a word typed matches the start of
any word in the text. "wojcik" finds "Wójcik-Nguyễn", "nguy" finds it too.

Text is folded once when a row is built (off the UI thread) and each keystroke folds only what
was typed, so filtering stays a substring test per row. Folding keeps every script: Arabic loses
only its optional vowel marks and alef forms, Bengali, Urdu, Chinese and the rest are unchanged
apart from case.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# Latin letters that carry their accent inside the letter, so NFKD cannot split it off.
_LETTERS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "ŀ": "l",
                          "æ": "ae", "œ": "oe", "þ": "th", "ð": "d"})
# Arabic: the alef with hamza or madda is searched as a plain alef; tatweel is only stretching.
_ARABIC = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ـ": None})
_APOSTROPHES = ("'", "\u2019", "\u02bc")


def _droppable(ch: str) -> bool:
    """Accents on Latin, Greek and Cyrillic letters, and Arabic's optional vowel marks. Vowel
    signs of Indic scripts are letters of the word and stay."""
    code = ord(ch)
    return (0x0300 <= code <= 0x036F or 0x1AB0 <= code <= 0x1AFF or 0x1DC0 <= code <= 0x1DFF
            or 0x20D0 <= code <= 0x20FF or 0xFE20 <= code <= 0xFE2F
            or 0x064B <= code <= 0x065F or code == 0x0670)


def fold(text: str) -> str:
    """Lower-case, accent-free text of the same words (not for display)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(ch for ch in decomposed if not _droppable(ch))
    return unicodedata.normalize("NFC", kept).translate(_LETTERS).translate(_ARABIC)


def _is_word_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LNM"


def words(text: str) -> list[str]:
    """The folded words of text. A word with an apostrophe counts whole and in parts, so
    "O'Brien" is found by "obrien" and by "brien".

    Whitespace is never part of a word and folding never joins across it, so the text is
    taken a whitespace-separated token at a time, and each distinct token is folded once
    (words recur: a vault of 100,000 records holds far fewer distinct ones)."""
    return [w for token in text.split() for w in _token_words(token)]


@lru_cache(maxsize=1 << 16)
def _token_words(token: str) -> tuple[str, ...]:
    out: list[str] = []
    for chunk in _split(fold(token), keep=_APOSTROPHES):
        parts = _split(chunk, keep=())
        joined = "".join(parts)
        if joined:
            out.append(joined)
        if len(parts) > 1:
            out.extend(parts)
    return tuple(out)


def _split(text: str, *, keep: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    current: list[str] = []
    for ch in text:
        if _is_word_char(ch) or ch in keep:
            current.append(ch)
        elif current:
            out.append("".join(current))
            current = []
    if current:
        out.append("".join(current))
    return [w for w in out if any(_is_word_char(c) for c in w)]


def index(parts: Iterable[str]) -> str:
    """What a row is searched by: its folded words, each after a space."""
    return "".join(f" {w}" for part in parts for w in words(part))


def terms(query: str) -> list[str]:
    """What was typed, as the word starts to look for (each of them must be found)."""
    return [f" {w}" for w in words(query)]


def matches(haystack: str, wanted: Iterable[str]) -> bool:
    return all(t in haystack for t in wanted)


def forget() -> None:
    """Drop the folded words kept for speed: they come from decrypted text (called on lock)."""
    _token_words.cache_clear()
