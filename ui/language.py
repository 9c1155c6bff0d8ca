"""Recovery-focused language hints, read from resources/lists; risk words are peerdesk/safety.py.

Hints are suggestions shown beside the text; nothing here blocks or rewrites what is typed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache

from peerdesk import safety
from peerdesk.paths import resource_dir


@dataclass(frozen=True)
class Hint:
    found: str  # the words as typed
    consider: str


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    consider: str


def _phrase_pattern(phrases: list[str], *, case_sensitive: bool = False) -> re.Pattern[str]:
    # Hyphens and spaces are interchangeable; whole words only ("patient" but not "patiently").
    parts = [r"[\s\-]+".join(re.escape(w) for w in re.split(r"[\s\-]+", p)) for p in phrases]
    parts.sort(key=len, reverse=True)
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.compile(r"(?<![\w'])(?:" + "|".join(parts) + r")(?![\w'])", flags)


@cache
def _rules() -> tuple[_Rule, ...]:
    data = json.loads((resource_dir() / "lists" / "language_hints.json").read_text("utf-8"))
    return tuple(_Rule(_phrase_pattern(h["phrases"], case_sensitive=h.get("case_sensitive", False)),
                       h["consider"]) for h in data["hints"])


def hints(text: str) -> list[Hint]:
    """Each flagged phrase once, in the order it first appears."""
    found: dict[str, Hint] = {}
    positions: dict[str, int] = {}
    for rule in _rules():
        for m in rule.pattern.finditer(text):
            key = m.group(0).lower()
            if key not in found:
                found[key] = Hint(m.group(0), rule.consider)
                positions[key] = m.start()
    return sorted(found.values(), key=lambda h: positions[h.found.lower()])


def mentions_risk(text: str) -> bool:
    return safety.mentions_risk(text)
