"""Contrast measured from rendered pixels (WCAG 2.2: 4.5:1 for text, 3:1 for the edges of
controls and the parts of a chart), in each theme and text size the app offers.

Every figure comes from a grab of real widgets styled by the app's theme: Qt draws some things
differently from the theme's values (a placeholder at half alpha under a style sheet measured
3.3:1 while the theme said 7.9:1), so the values themselves prove nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from peerdesk.domain import Kind, Record
from peerdesk.services.supervision import GroupSession
from tests.helpers.contrast import contrast_between, foreground_contrast, grab
from ui import theme
from ui.widgets.bars import BarChart
from ui.widgets.common import muted
from ui.windows.supervision import PresentationWindow

TEXT, NON_TEXT = 4.5, 3.0
THEMES = {"calm": (False, False), "calm, larger text": (True, False),
          "high contrast": (False, True), "high contrast, larger text": (True, True)}


@pytest.fixture(params=list(THEMES))
def themed(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[str]:
    large, contrast = THEMES[request.param]
    theme.apply(qapp, large_text=large, high_contrast=contrast)
    yield request.param
    theme.apply(qapp)


def _window(qtbot, *widgets: QWidget) -> QWidget:  # type: ignore[no-untyped-def]
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    layout.setContentsMargins(12, 12, 12, 12)
    for w in widgets:
        layout.addWidget(w)
    focus_sink = QPushButton("Elsewhere")  # nothing measured has focus: no caret, no ring
    layout.addWidget(focus_sink)
    window.resize(640, 100 * (len(widgets) + 1))
    window.show()
    focus_sink.setFocus()
    qtbot.waitExposed(window)
    return window


def _inside(widget: QWidget, margin: int = 6) -> QRect:
    """The widget's area without its border, in its window's coordinates."""
    top_left = widget.mapTo(widget.window(), widget.rect().topLeft())
    return QRect(top_left, widget.size()).adjusted(margin, margin, -margin, -margin)


def test_text_and_placeholders(qtbot, themed: str) -> None:  # type: ignore[no-untyped-def]
    search = QLineEdit()
    search.setPlaceholderText("Search everything you can read (Ctrl+F)")
    comment = QPlainTextEdit()
    comment.setPlaceholderText("A comment for the peer who shared this")
    comment.setFixedHeight(80)
    label = QLabel("Person this is about")
    label.setProperty("role", "field")
    note = muted("Only the name or label each person is happy with.")
    window = _window(qtbot, search, comment, label, note)
    image = grab(window)
    measured = {name: foreground_contrast(image, _inside(w, margin))
                for name, w, margin in [("search placeholder", search, 6),
                                        ("comment placeholder", comment, 6),
                                        ("field label", label, 0), ("muted note", note, 0)]}
    low = {k: round(v, 2) for k, v in measured.items() if v < TEXT}
    assert not low, f"{themed}: below {TEXT}:1: {low}"


def test_control_borders_against_the_window(qtbot, themed: str) -> None:  # type: ignore[no-untyped-def]
    edit, button = QLineEdit(), QPushButton("Save")
    window = _window(qtbot, edit, button)
    image = grab(window)
    for name, w in (("text box", edit), ("button", button)):
        box = _inside(w, 0)
        middle = box.center().y()
        border = QRect(box.left(), middle - 2, 1, 4)  # the left edge, clear of round corners
        outside = QRect(box.left() - 5, middle - 2, 3, 4)
        measured = contrast_between(image, border, outside)
        assert measured >= NON_TEXT, f"{themed}: {name} border {measured:.2f}:1"


def test_chart_tracks_and_bars(qtbot, themed: str) -> None:  # type: ignore[no-untyped-def]
    chart = BarChart("Sessions per month")
    chart.set_bars([("Oct 2026", 0.0, "0"), ("Nov 2026", 0.5, "27")])
    window = _window(qtbot, chart)
    image = grab(window)
    area = _inside(chart, 0)
    label_w, _value_w, span = chart._columns(chart.width())
    title_h, rows = chart._rows(chart.width())
    y = area.top() + title_h + rows[0] // 2  # the empty track: only its outline shows it
    track_edge = QRect(area.left() + label_w, y - 2, 1, 4)
    outside = QRect(area.left() + label_w - 4, y - 2, 2, 4)
    assert contrast_between(image, track_edge, outside) >= NON_TEXT, themed
    y2 = area.top() + title_h + rows[0] + rows[1] // 2  # a bar against the track inside
    bar = QRect(area.left() + label_w + 4, y2 - 2, 4, 4)
    track_inside = QRect(area.left() + label_w + span - 6, y2 - 2, 3, 4)
    assert contrast_between(image, bar, track_inside) >= NON_TEXT, themed


def _session() -> GroupSession:
    when = datetime(2026, 11, 16, 10, tzinfo=UTC)
    item = Record("r1", Kind.REFLECTION, "a1", None, 1, when,
                  {"boundary_area": "relationships"})
    meeting = Record("s1", Kind.SUPERVISION, "c1", None, 1, when, {"when": "2026-11-16"})
    return GroupSession(meeting, (item, item), (), ())


def test_presentation_position_reads_from_across_the_room(qtbot, themed: str) -> None:  # type: ignore[no-untyped-def]
    window = PresentationWindow(_session(), {"a1": "Tom"},
                                check_passphrase=lambda _text, answer: answer(True))
    qtbot.addWidget(window)
    window.resize(1000, 600)
    window.show()
    qtbot.waitExposed(window)
    assert window.position.text() == "Item 1 of 2"
    measured = foreground_contrast(grab(window), _inside(window.position, 0))
    window.wipe()
    assert measured >= TEXT, f"{themed}: 'Item 1 of 2' {measured:.2f}:1"
