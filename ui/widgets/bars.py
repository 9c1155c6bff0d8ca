"""A plain horizontal bar chart drawn with QPainter: labels on the left, a value on each bar.

The numbers are always in a table beside it too; the chart is for reading at a glance.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget


class BarChart(QWidget):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.bars: list[tuple[str, float, str]] = []  # label, 0..1, text on the bar
        self.maximum = 1.0
        self.setAccessibleName(title)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_bars(self, bars: list[tuple[str, float, str]], *, maximum: float = 1.0) -> None:
        self.bars = bars
        self.maximum = maximum or 1.0
        self.setAccessibleDescription("; ".join(f"{label}: {text}" for label, _, text in bars))
        self.updateGeometry()
        self.update()

    def _row(self) -> int:
        return self.fontMetrics().height() + 10

    def sizeHint(self) -> QSize:
        return QSize(520, self._row() * (len(self.bars) + 1) + 12)

    def minimumSizeHint(self) -> QSize:
        return QSize(320, self._row() * (len(self.bars) + 1) + 12)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        bar = pal.color(QPalette.ColorRole.Highlight)
        track = QColor(text)
        track.setAlpha(30)
        metrics = self.fontMetrics()
        row = self._row()
        font = p.font()
        font.setBold(True)
        p.setFont(font)
        p.setPen(text)
        p.drawText(QRectF(0, 0, self.width(), row), Qt.AlignmentFlag.AlignVCenter, self.title)
        font.setBold(False)
        p.setFont(font)
        label_w = min(max((metrics.horizontalAdvance(b[0]) for b in self.bars), default=0) + 12,
                      int(self.width() * 0.6))
        value_w = max((metrics.horizontalAdvance(b[2]) for b in self.bars), default=0) + 12
        span = max(self.width() - label_w - value_w - 8, 20)
        for i, (label, value, shown) in enumerate(self.bars):
            y = row * (i + 1) + 4
            p.setPen(text)
            p.drawText(QRectF(0, y, label_w - 8, row),
                       Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                       metrics.elidedText(label, Qt.TextElideMode.ElideRight, label_w - 8))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(track)
            p.drawRoundedRect(QRectF(label_w, y + 4, span, row - 8), 3, 3)
            p.setBrush(bar)
            width = span * max(0.0, min(1.0, value / self.maximum))
            if width:
                p.drawRoundedRect(QRectF(label_w, y + 4, width, row - 8), 3, 3)
            p.setPen(text)
            p.drawText(QRectF(label_w + span + 8, y, value_w, row),
                       Qt.AlignmentFlag.AlignVCenter, shown)
        p.end()
