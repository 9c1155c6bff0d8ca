"""A plain horizontal bar chart drawn with QPainter: labels on the left, a value on each bar.

The numbers are always in a table beside it too; the chart is for reading at a glance.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui import theme


class BarChart(QWidget):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.bars: list[tuple[str, float, str]] = []  # label, 0..1, text on the bar
        self.maximum = 1.0
        self.setAccessibleName(title)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def set_bars(self, bars: list[tuple[str, float, str]], *, maximum: float = 1.0) -> None:
        self.bars = bars
        self.maximum = maximum or 1.0
        self.setAccessibleDescription("; ".join(f"{label}: {text}" for label, _, text in bars))
        self.updateGeometry()
        self.update()

    # -- layout: labels and the title wrap rather than being cut short ----------------------

    def _columns(self, width: int) -> tuple[int, int, int]:
        metrics = self.fontMetrics()
        label_w = min(max((metrics.horizontalAdvance(b[0]) for b in self.bars), default=0) + 12,
                      int(width * 0.45))
        value_w = max((metrics.horizontalAdvance(b[2]) for b in self.bars), default=0) + 12
        return label_w, value_w, max(width - label_w - value_w - 8, 40)

    def _title_font(self) -> QFont:
        font = QFont(self.font())
        font.setBold(True)
        return font

    def _wrapped(self, text: str, width: int, metrics: QFontMetrics | None = None) -> int:
        flags = int(Qt.TextFlag.TextWordWrap)
        return (metrics or self.fontMetrics()).boundingRect(
            QRect(0, 0, max(width, 1), 100_000), flags, text).height()

    def _rows(self, width: int) -> tuple[int, list[int]]:
        label_w = self._columns(width)[0]
        line = self.fontMetrics().height()
        # Measured in the bold face it is drawn in: bold is wider, and wraps sooner.
        title = self._wrapped(self.title, width, QFontMetrics(self._title_font())) + 10
        return title, [max(line, self._wrapped(b[0], label_w - 8)) + 10 for b in self.bars]

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        title, rows = self._rows(width)
        return title + sum(rows) + 12

    def sizeHint(self) -> QSize:
        return QSize(520, self.heightForWidth(520))

    def minimumSizeHint(self) -> QSize:
        width = self.fontMetrics().averageCharWidth() * 24
        return QSize(width, self.heightForWidth(width))

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        bar = pal.color(QPalette.ColorRole.Highlight)
        # The track is outlined in the theme's border colour (3:1 or more against the window,
        # measured): a faint tint alone did not show where a bar would end.
        outline = QColor(theme.colours().border)
        track = pal.color(QPalette.ColorRole.Base)
        width = self.width()
        label_w, value_w, span = self._columns(width)
        title_h, rows = self._rows(width)
        wrap = Qt.TextFlag.TextWordWrap
        p.setFont(self._title_font())
        p.setPen(text)
        p.drawText(QRect(0, 0, width, title_h), int(wrap | Qt.AlignmentFlag.AlignTop), self.title)
        p.setFont(self.font())
        y = title_h
        for (label, value, shown), row in zip(self.bars, rows, strict=True):
            p.setPen(text)
            p.drawText(QRect(0, y, label_w - 8, row),
                       int(wrap | Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight),
                       label)
            middle = y + row // 2
            box = QRect(label_w, middle - 9, span, 18)
            p.setPen(outline)  # pixel-aligned, no anti-aliasing: the line keeps its colour
            p.setBrush(track)
            p.drawRect(box.adjusted(0, 0, -1, -1))
            filled = int((span - 4) * max(0.0, min(1.0, value / self.maximum)))
            if filled:
                p.fillRect(QRect(box.x() + 2, box.y() + 2, filled, box.height() - 4), bar)
            p.setPen(text)
            p.drawText(QRect(label_w + span + 8, y, value_w, row),
                       int(Qt.AlignmentFlag.AlignVCenter), shown)
            y += row
        p.end()
