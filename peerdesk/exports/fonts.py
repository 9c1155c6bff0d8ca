"""The fonts PDFs are drawn with, bundled in resources/fonts (SIL Open Font License, and
Apache 2.0 for the CJK fallback; see resources/fonts/README.md), and which scripts each
covers. A PDF embeds only the fonts its text needs, and only the letters it uses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from peerdesk.paths import resource_dir


@dataclass(frozen=True)
class Face:
    family: str
    regular: str
    bold: str | None
    ranges: tuple[tuple[int, int], ...]  # code points it is chosen for

    def covers(self, code: int) -> bool:
        return any(lo <= code <= hi for lo, hi in self.ranges)


# Noto Sans covers Latin (Polish, Vietnamese, Romanian, Turkish, Somali…), Greek and
# Cyrillic; it is the main font, so it is always embedded and needs no ranges.
MAIN = Face("NotoSans", "NotoSans-Regular.ttf", "NotoSans-Bold.ttf", ())
FALLBACKS = (
    # Arabic script: Arabic, Urdu, Farsi, Pashto, Kurdish (Sorani). Naskh, not Nastaliq.
    Face("NotoNaskhArabic", "NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf",
         ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF),
          (0xFE70, 0xFEFF))),
    Face("NotoSansHebrew", "NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf",
         ((0x0590, 0x05FF), (0xFB1D, 0xFB4F))),
    Face("NotoSansDevanagari", "NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Bold.ttf",
         ((0x0900, 0x097F), (0xA8E0, 0xA8FF))),  # Hindi, Nepali, Marathi
    Face("NotoSansBengali", "NotoSansBengali-Regular.ttf", "NotoSansBengali-Bold.ttf",
         ((0x0980, 0x09FF),)),  # Bengali, Sylheti as written in Bengali script
    Face("NotoSansGurmukhi", "NotoSansGurmukhi-Regular.ttf", "NotoSansGurmukhi-Bold.ttf",
         ((0x0A00, 0x0A7F),)),  # Punjabi
    Face("NotoSansGujarati", "NotoSansGujarati-Regular.ttf", "NotoSansGujarati-Bold.ttf",
         ((0x0A80, 0x0AFF),)),
    Face("NotoSansTamil", "NotoSansTamil-Regular.ttf", "NotoSansTamil-Bold.ttf",
         ((0x0B80, 0x0BFF),)),
    Face("NotoSansSinhala", "NotoSansSinhala-Regular.ttf", "NotoSansSinhala-Bold.ttf",
         ((0x0D80, 0x0DFF),)),
    Face("NotoSansThai", "NotoSansThai-Regular.ttf", "NotoSansThai-Bold.ttf",
         ((0x0E00, 0x0E7F),)),
    Face("NotoSansEthiopic", "NotoSansEthiopic-Regular.ttf", "NotoSansEthiopic-Bold.ttf",
         ((0x1200, 0x139F), (0x2D80, 0x2DDF), (0xAB00, 0xAB2F))),  # Amharic, Tigrinya
    # Chinese, Japanese, Korean: one regular face (no bold; bold text prints regular).
    Face("DroidSansFallback", "DroidSansFallbackFull.ttf", None,
         ((0x1100, 0x11FF), (0x2E80, 0x2FDF), (0x3000, 0x9FFF), (0xA960, 0xA97F),
          (0xAC00, 0xD7FF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF))),
)


def font_dir() -> Path:
    return resource_dir() / "fonts"


def needed(text: str) -> tuple[Face, ...]:
    """The fallback faces ``text`` needs, in their order of preference."""
    codes = {ord(ch) for ch in text if ord(ch) > 0x036F}
    return tuple(f for f in FALLBACKS if any(f.covers(c) for c in codes))
