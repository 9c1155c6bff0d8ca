"""A person whose name and plan are in four scripts, and the checks that a PDF keeps every
word of them: pdftotext (poppler-utils) reads the PDF back as text."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

NAME = "Zofia Wiśniewska-Nguyễn"
# The person's own words, in Polish, Vietnamese, Arabic and Urdu, as people type them
# (without the optional Arabic vowel marks: fpdf2 places a mark below the line a little lower,
# and pdftotext then reads it as a line of its own; the page itself shows it in place).
SECTIONS = {
    "when_well": "Kiedy czuję się dobrze, chodzę na spacery z psem i gotuję pierogi dla sąsiadów.",
    "helps": "Khi tôi buồn, tôi muốn nghe nhạc và nói chuyện với chị gái của tôi.",
    "does_not_help": "لا يساعدني أن يتحدث الناس بصوت عال أو أن يتركوني وحدي في الليل.",
    "self_help": "جب میں پریشان ہوتی ہوں تو میں اپنی بہن کو فون کرتی ہوں اور چائے پیتی ہوں۔",
}
OTHER_SCRIPTS = {
    "Bengali": "আমি বাড়ি যেতে চাই",
    "Punjabi": "ਮੈਂ ਘਰ ਜਾਣਾ ਚਾਹੁੰਦੀ ਹਾਂ",
    "Gujarati": "હું ઘરે જવા માંગુ છું",
    "Hindi": "मैं घर जाना चाहती हूँ",
    "Tamil": "நான் வீட்டுக்குப் போக விரும்புகிறேன்",
    "Chinese": "我想回家，和朋友见面",
    "Greek": "Θέλω να πάω σπίτι",
    "Russian": "Я хочу домой",
    "Amharic": "ወደ ቤት መሄድ እፈልጋለሁ",
    "Hebrew": "אני רוצה ללכת הביתה",
    "Farsi": "می‌خواهم به خانه بروم",
    "Tigrinya": "ናብ ገዛ ክኸይድ እደሊ",
    "Somali": "Waxaan rabaa inaan guriga aado",
    "Romanian": "Vreau să merg acasă, în liniște",
    "Turkish": "Eve gitmek istiyorum, ağabeyim gelsin",
}

# Direction marks pdftotext adds, and joiners (invisible: they shape, they print nothing).
_BIDI_MARKS = re.compile("[\u200c\u200d\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def words(text: str) -> list[str]:
    """The words of ``text``, without punctuation (which pdftotext may move in RTL lines)."""
    clean = re.sub(r"[.,،۔؟!?:;()\"“”\-]", " ", unicodedata.normalize("NFC", text))
    clean = _BIDI_MARKS.sub("", clean)
    return [w for w in clean.split() if w]


def pdf_text(path: Path) -> str:
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext (Debian poppler-utils) is needed: scripts/system-packages.sh "
                    "installs it")
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    return unicodedata.normalize("NFC", _BIDI_MARKS.sub("", out))


def missing_words(expected: str, got: str) -> list[str]:
    found = set(words(got))
    # A long name may wrap at its hyphen; the words either side are still whole.
    return [w for w in words(expected) if w not in found and w not in got]
