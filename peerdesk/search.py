"""Search that forgives: capitals and accents never matter, and a word typed matches the start of
any word in the text. "wojcik" finds "Wójcik-Nguyễn", "nguy" finds it too.

Text is folded once when a row is built (off the UI thread) and each keystroke folds only what
was typed, so filtering stays a substring test per row. Folding keeps every script: Arabic loses
only its optional vowel marks and alef forms, Bengali, Urdu, Chinese and the rest are unchanged
apart from case.
"""

from __future__ import annotations

import unicodedata
from array import array
from bisect import bisect_left
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import compress, repeat

from peerdesk.progress import CancelToken

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
    """What a row is searched by: each of its folded words once, after a space. A word said
    again is found the same way (a search looks for each word start on its own, in any
    order), and a desk holds this for every row: a diary repeats many of its words."""
    return "".join(f" {w}" for w in dict.fromkeys(w for part in parts for w in words(part)))


def terms(query: str) -> list[str]:
    """What was typed, as the word starts to look for (each of them must be found)."""
    return [f" {w}" for w in words(query)]


def matches(haystack: str, wanted: Iterable[str]) -> bool:
    return all(t in haystack for t in wanted)


class WordIndex:
    """Which rows have a word starting with each term, without reading every row: the
    distinct words, sorted (the words with a start are next to each other), each with the
    rows it is in. Built once from the rows' ``index()`` text, off the UI thread; never
    changed after (a list's rows saved since are searched as they are, ``matches``).

    Kept compact: a word in few rows keeps their numbers (4 bytes each); a word in more
    than one row in 32 keeps one bit per row (a Python int), and a search joins those in C.
    """

    def __init__(self, haystacks: Iterable[str], token: CancelToken | None = None) -> None:
        numbers: dict[str, array[int]] = {}  # words few rows have, so far
        bits: dict[str, int] = {}  # words many rows of one stretch have
        size = start = 0
        stretch: defaultdict[str, array[int]] = defaultdict(lambda: array("I"))
        for size, hay in enumerate(haystacks, 1):
            # Each of the row's words gets the row's number, in C (a row at a time).
            deque(map(array.append, map(stretch.__getitem__, set(hay.split())),
                      repeat(size - 1)), maxlen=0)
            if size - start == _STRETCH:  # what is held while the index is made stays small
                if token is not None:
                    token.check()
                _settle(stretch, start, size, numbers, bits)
                stretch, start = defaultdict(lambda: array("I")), size
        _settle(stretch, start, size, numbers, bits)
        rows: dict[str, array[int] | int] = {}
        for word in numbers.keys() | bits.keys():
            few, many = numbers.get(word, array("I")), bits.get(word, 0)
            if (len(few) + many.bit_count()) * 32 > size:
                rows[word] = many | _pack(_bytemap(few, size)) if few else many
            else:
                few.extend(compress(range(size), _unpack(many, size)) if many else ())
                rows[word] = few[:]  # no room left to grow
        self.size = size
        self._rows = rows
        self._words = sorted(rows)

    def held(self) -> list[dict[str, array[int] | int] | list[str]]:
        """What it holds (folded words of decrypted text), for letting go of in steps."""
        return [self._rows, self._words]

    def find(self, wanted: Sequence[str], token: CancelToken | None = None) -> bytearray:
        """One byte a row, 1 where the row has every term (as ``terms()`` gives them):
        exactly the rows ``matches`` would find."""
        bits = -1  # every row
        for term in sorted(wanted, key=len, reverse=True):  # the longest: the fewest rows
            if token is not None:
                token.check()
            bits &= self._starting(term.strip(), token)
            if not bits:
                break
        return _unpack(bits, self.size) if wanted else bytearray(b"\x01" * self.size)

    def _starting(self, start: str, token: CancelToken | None) -> int:
        words = self._words
        first = bisect_left(words, start)
        last = bisect_left(words, start + "\U0010ffff", first)  # every word with that start
        bits = 0
        rare: bytearray | None = None
        for n, word in enumerate(words[first:last]):
            slots = self._rows[word]
            if isinstance(slots, int):
                bits |= slots
                continue
            if token is not None and n % 1_024 == 0:
                token.check()
            if rare is None:
                rare = bytearray(self.size)
            for slot in slots:
                rare[slot] = 1
        return bits | _pack(rare) if rare is not None else bits


_STRETCH = 8_192  # rows read before their numbers are put away (in bits, or kept)


def _settle(stretch: dict[str, array[int]], start: int, end: int,
            numbers: dict[str, array[int]], bits: dict[str, int]) -> None:
    """The words of rows ``start`` to ``end``: those in many of them as bits, the others'
    row numbers kept."""
    for word, slots in stretch.items():
        if len(slots) * 32 > end - start:
            here = _pack(_bytemap((n - start for n in slots), end - start)) << start
            bits[word] = bits.get(word, 0) | here
        else:
            numbers.setdefault(word, array("I")).extend(slots)


_TO_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_FROM_DIGITS = bytes.maketrans(b"01", b"\x00\x01")


def _bytemap(slots: Iterable[int], size: int) -> bytearray:
    out = bytearray(size)
    for slot in slots:
        out[slot] = 1
    return out


def _pack(flags: bytearray) -> int:
    """One byte a row (0 or 1) to one bit a row (bit n: row n), in C."""
    return int(flags.translate(_TO_DIGITS)[::-1], 2) if flags else 0


def _unpack(bits: int, size: int) -> bytearray:
    if size == 0:
        return bytearray()
    digits = f"{bits & ((1 << size) - 1):0{size}b}".encode("ascii")
    return bytearray(digits[::-1].translate(_FROM_DIGITS))


def forget() -> None:
    """Drop the folded words kept for speed: they come from decrypted text (called on lock)."""
    _token_words.cache_clear()
