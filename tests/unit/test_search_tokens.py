"""Words are found a whitespace-separated token at a time (each distinct token folded once);
that must give exactly what folding and splitting the whole text gives."""

from __future__ import annotations

import random

from peerdesk import search

PIECES = ["a", "é", "B", " ", "ł", "'", "\u2019", "\u02bc", "-", "_", ".", ",", "\u00a0",
          "\u2003", "\t", "\n", "ç", "Å", "\u0301", "ñ", "Wójcik-Nguyễn", "O'Brien", "\ufdfa",
          "¼", "ＡＢ", "أ", "إ", "آ", "ـ", "বাংলা", "اردو", "中文", "1²³", "ﬁ", "ẞ", "İ"]


def whole(text: str) -> list[str]:
    """The words of a text folded and split as one piece."""
    out: list[str] = []
    for chunk in search._split(search.fold(text), keep=search._APOSTROPHES):
        parts = search._split(chunk, keep=())
        if joined := "".join(parts):
            out.append(joined)
        if len(parts) > 1:
            out.extend(parts)
    return out


def test_token_at_a_time_gives_the_same_words_as_the_whole_text() -> None:
    rng = random.Random(15)
    for _ in range(5000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 25)))
        assert search.words(text) == whole(text), repr(text)
    assert search.words("Wójcik-Nguyễn met O'Brien") == whole("Wójcik-Nguyễn met O'Brien") == [
        "wojcik", "nguyen", "met", "obrien", "o", "brien"]
