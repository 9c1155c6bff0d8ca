"""Words in a diary that suggest a risk to someone's safety, read from
resources/lists/risk_words.json.

People write "she thinks about ending it", not "suicidal ideation"; so the list holds phrases
with word forms and everyday variants, in a small notation the list's maintainers can read:

- ``kill~``            the word and its regular forms: kill, kills, killed, killing
- ``think|thought``    any one of these words (irregular forms are spelled out)
- ``doesn't_want``     an underscore is a space inside one choice
- ``[again]``          an optional word (choices allowed: ``[any_more|anymore]``)
- ``SELF``             a word group named in the list ("myself", "herself", …)
- ``..``               up to three other words in between
- ``#``                the clause ends here (a full stop, a comma, "and", "but", …)

Hyphens and spaces are interchangeable, curly apostrophes match straight ones, capitals never
matter, and only whole words match ("cutting back on coffee" is not "cutting herself").
A match prompts the peer once to follow the escalation route; nothing is ever blocked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from peerdesk.errors import InvalidInput
from peerdesk.paths import resource_dir

_SEP = r"[\s\-]+"
_GAP = r"(?:[\s\-]+[\w']+){0,3}"
# "#": the clause ends here ("she thinks about ending it." but not "ending it at four months").
_CLAUSE_END = (r"(?=\s*(?:[.,;:!?)\"]|$)|[\s\-]+(?:and|but|because|so|again|soon|tonight|now|"
               r"today|sometimes)(?![\w']))")
_MARKS = {"..": _GAP, "#": _CLAUSE_END}
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def _forms(word: str) -> str:
    """A regular expression for a word and its regular forms."""
    if not word.endswith("~"):
        return _SEP.join(re.escape(w) for w in re.split(r"[_\-]+", word))
    stem = word[:-1]
    if stem.endswith("e"):  # take: takes, taken, taking; hope: hoped
        return re.escape(stem[:-1]) + r"(?:e|es|ed|en|ing)"
    last = re.escape(stem[-1])  # hit: hitting; cut: cutting; stab: stabbed
    return re.escape(stem) + rf"(?:s|es|ed|en|ing|{last}ed|{last}ing)?"


def _token(token: str, groups: Mapping[str, Sequence[str]]) -> tuple[str, bool]:
    """(regex, optional) for one token of a phrase."""
    optional = token.startswith("[") and token.endswith("]")
    body = token[1:-1] if optional else token
    choices = list(groups[body]) if body in groups else body.split("|")
    if not all(choices):
        raise InvalidInput(f"The risk list has an empty choice in {token!r}.")
    return "(?:" + "|".join(sorted((_forms(c.lower()) for c in choices), key=len,
                                   reverse=True)) + ")", optional


def phrase_regex(phrase: str, groups: Mapping[str, Sequence[str]]) -> str:
    words = phrase.split()
    if not words or words[0] in _MARKS or words[0].startswith("["):
        raise InvalidInput(f"A phrase in the risk list must start with a word: {phrase!r}.")
    out = ""
    for word in words:
        if word in _MARKS:
            out += _MARKS[word]
            continue
        regex, optional = _token(word, groups)
        if not out:
            out = regex
        else:
            out += f"(?:{_SEP}{regex})?" if optional else f"{_SEP}{regex}"
    return out


def compile_list(data: Any) -> re.Pattern[str]:
    if not isinstance(data, Mapping) or not isinstance(data.get("phrases"), list):
        raise InvalidInput("The risk list must be an object with a list of phrases.")
    groups = data.get("groups") or {}
    parts = [phrase_regex(str(p), groups) for p in data["phrases"]]
    parts.sort(key=len, reverse=True)
    return re.compile(r"(?<![\w'])(?:" + "|".join(parts) + r")(?![\w'])", re.IGNORECASE)


@cache
def _pattern() -> re.Pattern[str]:
    data = json.loads((resource_dir() / "lists" / "risk_words.json").read_text("utf-8"))
    return compile_list(data)


def find_risk(text: str) -> str | None:
    """The first words that suggest a risk, as written, or None."""
    found = _pattern().search(text.translate(_APOSTROPHES))
    return found.group(0) if found else None


def mentions_risk(text: str) -> bool:
    return find_risk(text) is not None
