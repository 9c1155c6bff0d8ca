"""Layouts that reflow: a row of controls that wraps like words (after Qt's flow layout
example), and a pair of panels side by side that stack when there is no room for both.

Large text, 200 % scaling and a 1366×768 screen leave a window far narrower, in text widths,
than the one a screen was drawn in; these keep every control on screen instead of clipped.
"""

from __future__ import annotations

from PySide6 import QtCore
from PySide6.QtCore import QEvent, QMargins, QPoint, QRect, QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QLayout,
    QLayoutItem,
    QScrollArea,
    QStackedWidget,
    QWidget,
)


class FlowLayout(QLayout):
    """Items left to right, wrapping onto a new line when the next one does not fit. An item
    that stretches (a search box) takes the rest of its line."""

    def __init__(self, parent: QWidget | None = None, *, spacing: int = -1) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        if parent is None:
            self.setContentsMargins(QMargins(0, 0, 0, 0))

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> QtCore.Qt.Orientation:
        return QtCore.Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        # Everything on one line, as on a wide screen.
        width = sum(i.sizeHint().width() for i in self._visible())
        width += self._gap() * max(0, len(self._visible()) - 1)
        height = max((i.sizeHint().height() for i in self._visible()), default=0)
        m = self.contentsMargins()
        return QSize(width + m.left() + m.right(), height + m.top() + m.bottom())

    def minimumSize(self) -> QSize:
        # As narrow as the widest single item: the rest wraps.
        size = QSize()
        for item in self._visible():
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _visible(self) -> list[QLayoutItem]:
        return [i for i in self._items if not i.isEmpty()]

    def _gap(self) -> int:
        if self._spacing >= 0:
            return self._spacing
        parent = self.parentWidget()
        if parent is None:
            return 6
        from PySide6.QtWidgets import QStyle  # made by PySide on first use, after sign-in

        return parent.style().pixelMetric(QStyle.PixelMetric.PM_LayoutHorizontalSpacing) or 6

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        gap = self._gap()
        lines: list[list[QLayoutItem]] = [[]]
        used = 0
        for item in self._visible():
            w = item.sizeHint().width()
            if lines[-1] and used + gap + w > area.width():
                lines.append([])
                used = 0
            used += (gap if lines[-1] else 0) + w
            lines[-1].append(item)
        y = area.y()
        for line in lines:
            if not line:
                continue
            height = max(i.sizeHint().height() for i in line)
            if move:
                self._place_line(line, QRect(area.x(), y, area.width(), height), gap)
            y += height + gap
        return y - gap - area.y() + m.top() + m.bottom() if any(lines) else 0

    @staticmethod
    def _place_line(line: list[QLayoutItem], rect: QRect, gap: int) -> None:
        widths = [min(i.sizeHint().width(), rect.width()) for i in line]
        spare = rect.width() - sum(widths) - gap * (len(line) - 1)
        growing = [n for n, i in enumerate(line)
                   if i.expandingDirections() & QtCore.Qt.Orientation.Horizontal]
        for n in growing:  # the rest of the line goes to what can stretch
            widths[n] += max(0, spare) // len(growing)
        x = rect.x()
        for item, w in zip(line, widths, strict=True):
            h = min(item.sizeHint().height(), rect.height())
            item.setGeometry(QRect(QPoint(x, rect.y() + (rect.height() - h) // 2), QSize(w, h)))
            x += w + gap


class ReflowBox(QWidget):
    """Panels side by side while each has room for its number of characters, one above the
    other when the window is narrower: large text reflows instead of squeezing a column to a
    sliver."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self._columns: list[int] = []

    def add(self, widget: QWidget, stretch: int = 1, *, columns: int = 30) -> None:
        """`columns`: the characters of text this panel needs beside the others."""
        self.box.addWidget(widget, stretch)
        self._columns.append(columns)

    def stacked(self) -> bool:
        return self.box.direction() == QBoxLayout.Direction.TopToBottom

    def threshold(self) -> int:
        shown = [c for i, c in enumerate(self._columns)
                 if (item := self.box.itemAt(i)) is not None and not item.isEmpty()]
        return sum(shown) * self.fontMetrics().averageCharWidth() + self.box.spacing()

    def resizeEvent(self, event: QResizeEvent) -> None:
        direction = (QBoxLayout.Direction.TopToBottom if self.width() < self.threshold()
                     else QBoxLayout.Direction.LeftToRight)
        if direction != self.box.direction():
            self.box.setDirection(direction)
        super().resizeEvent(event)

    def minimumSizeHint(self) -> QSize:
        # Never asks for room for the panels side by side: narrower than that, they stack.
        hint = super().minimumSizeHint()
        if not self.stacked():
            items = (self.box.itemAt(i) for i in range(self.box.count()))
            widest = max((i.minimumSize().width() for i in items if i is not None), default=0)
            hint.setWidth(widest)
        return hint


def scrolling(content: QWidget) -> QScrollArea:
    """`content` filling the space it is given, and scrolling as a whole (instead of being
    squeezed or cut off) when that space is less than it needs. Give it a `Fill` (or a
    `PageStack`) so that it scrolls only below the height it needs, not the one it would like."""
    area = _ScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    # Qt.FocusPolicy.NoFocus, by its number (a property write converts it): naming any Qt.*
    # enum makes PySide build its whole Qt namespace, ~30 ms the sign-in page is painted
    # without (ui/first_paint.py). tests/gui/test_start_order.py checks it stays NoFocus.
    area.setProperty("focusPolicy", 0)
    area.setWidget(content)
    return area


class _ScrollArea(QScrollArea):
    """Content never wider than the viewport unless it cannot be narrower. With wrapping text
    Qt sizes the content for the viewport as it was before the vertical scroll bar appeared,
    so the right edge of every field slid under the bar behind a needless horizontal one."""

    def viewportEvent(self, event: QEvent) -> bool:
        # The viewport's width from its resize event, not from viewport(): PySide wraps the
        # viewport (a private Qt class) by trying QtWidgets' classes in turn, building some 50
        # of their enum types (~5 ms) before the first page is painted.
        content = self.widget()
        if isinstance(event, QResizeEvent) and content is not None:
            least = content.minimumSizeHint().expandedTo(content.minimumSize()).width()
            content.setMaximumWidth(max(event.size().width(), least))
        return super().viewportEvent(event)


def _least_height(widget: QWidget | None, width: int) -> int:
    layout = widget.layout() if widget is not None else None
    if layout is None or not layout.hasHeightForWidth():
        return -1
    return layout.minimumHeightForWidth(width)


class Fill(QWidget):
    """A scrolling page's content. A scroll area sizes content with wrapping text by its
    height for the width, which Qt takes from preferred sizes: a page would scroll whenever
    its tables could use more room. This answers with the least height that shows everything
    at that width; the scroll area still stretches it to fill the window."""

    def heightForWidth(self, width: int) -> int:
        return _least_height(self, width)


class PageStack(QStackedWidget):
    """A stack that asks only for the room its current page needs, so a short page does not
    scroll because a taller one was once shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.currentChanged.connect(lambda _i: self.updateGeometry())

    def sizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.minimumSizeHint() if page is not None else super().minimumSizeHint()

    def hasHeightForWidth(self) -> bool:
        page = self.currentWidget()
        return page is not None and page.hasHeightForWidth()

    def heightForWidth(self, width: int) -> int:
        return _least_height(self.currentWidget(), width)
