"""Contrast as the screen shows it: colours sampled from rendered pixels, the WCAG 2.2 formula.

Theme values can lie (Qt draws placeholder text at half the text colour under a style sheet,
anti-aliasing thins a one-pixel border), so every figure here comes from a grabbed image.
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QWidget


def luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def pixels(image: QImage, rect: QRect | None = None) -> list[tuple[int, int, int]]:
    rect = (rect or image.rect()).intersected(image.rect())
    out = []
    for y in range(rect.top(), rect.bottom() + 1):
        for x in range(rect.left(), rect.right() + 1):
            c = QColor(image.pixel(x, y))
            out.append((c.red(), c.green(), c.blue()))
    return out


def grab(widget: QWidget) -> QImage:
    """The widget as painted, at one image pixel per device pixel."""
    return widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)


def foreground_contrast(image: QImage, rect: QRect | None = None) -> float:
    """Text (or a line) against the background around it: the background is the commonest
    colour in the area; the foreground is the colour furthest from it in luminance (the core
    of a glyph's stem, where anti-aliasing does not reach)."""
    found = pixels(image, rect)
    background = Counter(found).most_common(1)[0][0]
    return max(ratio(background, c) for c in found)


def contrast_between(image: QImage, inside: QRect, outside: QRect) -> float:
    """The commonest colour of one area against the commonest of another (a border against
    the window round it, a bar against its track)."""
    a = Counter(pixels(image, inside)).most_common(1)[0][0]
    b = Counter(pixels(image, outside)).most_common(1)[0][0]
    return ratio(a, b)
