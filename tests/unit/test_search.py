"""Search forgives capitals and accents, matches the start of any word, and keeps every script."""

from __future__ import annotations

import pytest

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
