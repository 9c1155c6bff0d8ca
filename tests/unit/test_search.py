"""Search forgives capitals and accents, matches the start of any word, and keeps every script."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerdesk import search

NAME = "Zofia Wójcik-Nguyễn"


def found(text: str, query: str) -> bool:
    return search.matches(search.index([text]), search.terms(query))


@pytest.mark.parametrize("query", ["wojcik", "WOJCIK", "nguyen", "Nguy", "zof wój", "Wójcik-Nguyễn",
                                   "wojcik nguyen", "  zofia  "])
def test_a_name_is_found_typed_as_a_uk_keyboard_types_it(query: str) -> None:
    assert found(NAME, query)


@pytest.mark.parametrize("query", ["ojcik", "guyen", "zofiaw", "wojcikk", "smith"])
def test_only_the_start_of_a_word_matches(query: str) -> None:
    assert not found(NAME, query)


def test_every_word_typed_must_be_found() -> None:
    assert found("Walk and tea in the park", "tea park")
    assert not found("Walk and tea in the park", "tea garden")


@pytest.mark.parametrize(("text", "query"), [
    ("Łucja Dąbrowska", "lucja dabrowska"),
    ("Søren Ørsted", "soren orsted"),
    ("Straße", "strasse"),
    ("Siobhán O'Brien", "obrien"),
    ("Siobhán O’Brien", "brien"),
    ("Siobhán O'Brien", "o'brien"),
    ("Ζωή Παπαδοπούλου", "ζωη"),
    ("Ёлка", "елка"),
])
def test_letters_with_their_accent_inside_and_other_alphabets(text: str, query: str) -> None:
    assert found(text, query)


def test_arabic_is_found_with_or_without_its_vowel_marks_and_hamza() -> None:
    assert found("أحمد الحسن", "احمد")
    assert found("أحمد الحسن", "أحمد")
    assert found("مُحَمَّد", "محمد")
    assert found("الحسن", "الح")
    assert not found("أحمد الحسن", "حسن")  # the start of a word, as in every script


def test_scripts_whose_vowel_signs_are_letters_keep_them() -> None:
    # Bengali: "কিশোর" (kishor). A vowel sign is part of the word, so "কি" finds it and "কো" not.
    assert found("কিশোর", "কি")
    assert not found("কিশোর", "কো")
    assert found("ਸਿੰਘ", "ਸਿੰਘ")  # Gurmukhi
    assert found("王小明", "王小")


def test_nothing_typed_or_only_punctuation_asks_for_nothing() -> None:
    assert search.terms("") == []
    assert search.terms(" - , ") == []


def test_forget_drops_the_words_kept_from_decrypted_text() -> None:
    search.index(["Marzipanorama walked"])
    assert search._token_words.cache_info().currsize > 0
    search.forget()
    assert search._token_words.cache_info().currsize == 0


_WORDS = ["Wójcik", "wojtek", "Nguyễn", "O'Brien", "tea", "teapot", "team", "allotment", "a",
          "café", "CAFE", "أحمد", "أ", "ثلاثاء", "১২", "walk-in", "12:30", "2026-03-01T10:00", "ǅemal",
          "straße", "ﬁsh", "x"]
_text = st.lists(st.one_of(st.sampled_from(_WORDS), st.text(max_size=8)), max_size=12).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(_text, max_size=40), st.lists(st.one_of(_text, st.sampled_from(_WORDS).map(
    lambda w: w[:2]), st.text(max_size=4)), min_size=1, max_size=6))
def test_the_index_finds_exactly_the_rows_a_plain_scan_finds(texts: list[str],
                                                            queries: list[str]) -> None:
    """Every row the index finds has every word typed at the start of one of its words, and
    it misses none: the same rows, row by row, as reading each row's text."""
    haystacks = [search.index([t]) for t in texts]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(search, "_STRETCH", 7)  # rows are put away a few at a time
        index = search.WordIndex(haystacks)
    assert index.size == len(texts)
    for query in queries:
        wanted = search.terms(query)
        assert index.find(wanted) == bytearray(search.matches(h, wanted) for h in haystacks)


def test_common_and_rare_words_are_kept_compactly_and_found_alike() -> None:
    """A word in many rows is kept as bits, a word in few as row numbers; a start shared by
    both kinds finds both."""
    texts = ["team meeting" if n % 2 else "tea" for n in range(300)] + ["teapot spill"]
    haystacks = [search.index([t]) for t in texts]
    index = search.WordIndex(haystacks)
    assert isinstance(index._rows["team"], int) and not isinstance(index._rows["teapot"], int)
    found = index.find(search.terms("tea"))
    assert found.count(1) == 301
    assert index.find(search.terms("teap")) == bytearray([0] * 300 + [1])
    assert index.find(search.terms("team spill")).count(1) == 0
    assert index.find(search.terms("nothing")).count(1) == 0


def test_a_word_common_in_one_stretch_of_rows_and_rare_in_the_rest_is_found_in_both(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows are put away a stretch at a time (so making the index holds little): a word
    many rows of one stretch have and few of the others, and one the other way round, are
    found in every row that has them."""
    monkeypatch.setattr(search, "_STRETCH", 64)
    texts = (["march diary"] * 64 + ["walk"] * 64 * 40 + ["march walk"]
             + [f"spring {n}" if n % 2 else "walk" for n in range(64 * 3)])
    haystacks = [search.index([t]) for t in texts]
    index = search.WordIndex(haystacks)
    for query in ("march", "walk", "spring", "march walk", "diary", "1"):
        wanted = search.terms(query)
        assert index.find(wanted) == bytearray(search.matches(h, wanted) for h in haystacks)
    assert not isinstance(index._rows["march"], int)  # rare over all: row numbers
    assert isinstance(index._rows["spring"], int)  # common over all: bits


def test_a_row_keeps_each_word_once_and_is_found_as_before() -> None:
    text = "Walked to the allotment, then the café; the allotment again"
    hay = search.index([text, "Diary"])
    assert hay.split() == ["walked", "to", "the", "allotment", "then", "cafe", "again", "diary"]
    for query in ("the allot", "cafe the", "again walk", "diary allotment", "alloTMENT"):
        assert search.matches(hay, search.terms(query))
    assert not search.matches(hay, search.terms("the garden"))
