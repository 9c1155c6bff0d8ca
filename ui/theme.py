"""Calm default and high-contrast themes, normal and large text. Meaning never rests on colour
alone: banners and changed sections also carry a word or a symbol."""

from __future__ import annotations

from typing import NamedTuple

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

NORMAL_PT = 11
LARGE_PT = 15
STYLE = "Fusion"  # the same widgets on every system


class Colours(NamedTuple):  # a NamedTuple: made in a tenth of a dataclass's time, at start
    window: str
    base: str
    alt_base: str
    text: str
    muted: str
    placeholder: str
    button: str
    border: str
    highlight: str
    highlight_text: str
    focus: str
    link: str
    info_bg: str
    problem_bg: str
    done_bg: str
    changed_bg: str


# Figures measured from rendered pixels in tests/gui/test_contrast.py, not from these values:
# a style sheet makes Qt draw placeholders at half alpha unless placeholder-text-color is set.
CALM = Colours(window="#f4f2ee", base="#ffffff", alt_base="#f8f7f4", text="#1b1b1b",
               muted="#4a4a4a", placeholder="#5f5f5f", button="#e7e4de", border="#767069",
               highlight="#005eb8",
               highlight_text="#ffffff", focus="#003087", link="#004a94", info_bg="#e3edf8",
               problem_bg="#fbe6d4", done_bg="#e1f0e3", changed_bg="#fff2b3")
HIGH_CONTRAST = Colours(window="#000000", base="#000000", alt_base="#141414", text="#ffffff",
                        muted="#ffffff", placeholder="#c0c0c0", button="#000000",
                        border="#ffffff",
                        highlight="#ffd700", highlight_text="#000000", focus="#ffd700",
                        link="#8fd0ff", info_bg="#000000", problem_bg="#000000",
                        done_bg="#000000", changed_bg="#333300")

_current = CALM


def colours() -> Colours:
    return _current


def application(argv: list[str]) -> QApplication:
    """The app's QApplication, made with its style (Qt's own ``-style`` option): set later
    with setStyle, PySide would make its QStyle classes (hundreds of enums, some 5 ms) before
    sign-in is painted."""
    app = QApplication([*argv, "-style", STYLE])
    app.setProperty("peerdesk_style", STYLE)
    return app


def apply(app: QApplication, *, large_text: bool = False, high_contrast: bool = False) -> None:
    global _current
    c = _current = HIGH_CONTRAST if high_contrast else CALM
    if app.property("peerdesk_style") != STYLE:  # not made with it (application())
        app.setStyle(STYLE)
        app.setProperty("peerdesk_style", STYLE)
    size = LARGE_PT if large_text else NORMAL_PT  # the style sheet's QWidget rule: see below
    pal = QPalette()
    for role, value in [
        (QPalette.ColorRole.Window, c.window), (QPalette.ColorRole.WindowText, c.text),
        (QPalette.ColorRole.Base, c.base), (QPalette.ColorRole.AlternateBase, c.alt_base),
        (QPalette.ColorRole.Text, c.text), (QPalette.ColorRole.Button, c.button),
        (QPalette.ColorRole.ButtonText, c.text), (QPalette.ColorRole.Highlight, c.highlight),
        (QPalette.ColorRole.HighlightedText, c.highlight_text),
        (QPalette.ColorRole.ToolTipBase, c.base), (QPalette.ColorRole.ToolTipText, c.text),
        (QPalette.ColorRole.PlaceholderText, c.placeholder), (QPalette.ColorRole.Link, c.link),
    ]:
        pal.setColor(role, QColor(value))
    disabled = "#b0b0b0" if high_contrast else "#6b6b6b"
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText,
                 QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled))
    app.setPalette(pal)
    app.setStyleSheet(_stylesheet(c, size, high_contrast))
    app.setProperty("peerdesk_large_text", large_text)
    app.setProperty("peerdesk_high_contrast", high_contrast)


def _stylesheet(c: Colours, size: int, high_contrast: bool) -> str:
    """The text size is the QWidget rule's alone, not also the application font's: on Windows
    Qt gives message boxes, menus and tooltips fonts of their own that an application font
    does not reach, and the rule reaches every widget. (Setting the application font as well
    cost some 1.5 ms before sign-in was painted, for nothing a person could see.)"""
    border = 2 if high_contrast else 1
    return f"""
QWidget {{ font-size: {size}pt; }}
QLabel[role="heading"] {{ font-size: {size + 7}pt; font-weight: bold; }}
QLabel[role="subheading"] {{ font-size: {size + 2}pt; font-weight: bold; }}
QLabel[role="muted"] {{ color: {c.muted}; }}
QLabel[role="field"] {{ font-weight: bold; margin-top: 8px; }}
QLabel[role="carried"] {{ background: {c.info_bg}; color: {c.text}; border: {border}px solid
    {c.border}; border-radius: 4px; padding: 6px; }}
QLineEdit, QPlainTextEdit, QTextEdit, QTextBrowser, QComboBox, QDateEdit, QDateTimeEdit,
QListView, QTableView, QListWidget {{
    border: {border}px solid {c.border}; border-radius: 3px; background: {c.base};
    color: {c.text}; padding: 3px; }}
QLineEdit, QPlainTextEdit, QTextEdit {{ placeholder-text-color: {c.placeholder}; }}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus, QTextBrowser:focus, QComboBox:focus,
QDateEdit:focus, QDateTimeEdit:focus, QListView:focus, QTableView:focus, QListWidget:focus,
QTreeView:focus {{
    border: 3px solid {c.focus}; padding: 1px; }}
QPushButton, QToolButton {{
    background: {c.button}; color: {c.text}; border: {border}px solid {c.border};
    border-radius: 4px; padding: 5px 14px; }}
QPushButton:focus, QToolButton:focus {{ border: 3px solid {c.focus}; padding: 3px 12px; }}
QPushButton:hover, QToolButton:hover {{ border-color: {c.focus}; }}
QPushButton:default {{ border: 2px solid {c.text}; padding: 4px 13px; }}
QPushButton:default:focus {{ border: 3px solid {c.focus}; padding: 3px 12px; }}
QPushButton:disabled {{ color: #6b6b6b; }}
QCheckBox:focus, QRadioButton:focus {{ border: 2px solid {c.focus}; }}
QCheckBox {{ padding: 2px; }}
QGroupBox {{ font-weight: bold; border: {border}px solid {c.border}; border-radius: 4px;
    margin-top: 1.2em; padding-top: 0.6em; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 4px; }}
QListWidget::item, QListView::item {{ padding: 3px; }}
QListWidget#navigation {{ background: {c.alt_base}; padding: 4px; }}
QListWidget#navigation::item {{ padding: 8px 6px; }}
QListWidget#navigation::item:selected {{ background: {c.highlight}; color: {c.highlight_text};
    font-weight: bold; }}
QFrame#banner[kind="info"] {{ background: {c.info_bg}; border: {border}px solid {c.border}; }}
QFrame#banner[kind="problem"] {{ background: {c.problem_bg}; border: 2px solid {c.border}; }}
QFrame#banner[kind="done"] {{ background: {c.done_bg}; border: {border}px solid {c.border}; }}
QFrame#banner[kind="safety"] {{ background: {c.problem_bg}; border: 3px solid {c.focus}; }}
QFrame#hints {{ background: {c.alt_base}; border: {border}px solid {c.border}; border-radius: 4px; }}
QHeaderView::section {{ background: {c.button}; color: {c.text}; padding: 4px;
    border: 0; border-right: 1px solid {c.border}; border-bottom: 1px solid {c.border}; }}
QTabBar::tab {{ padding: 6px 14px; background: {c.button}; color: {c.text};
    border: {border}px solid {c.border}; }}
QTabBar::tab:selected {{ background: {c.base}; font-weight: bold; }}
QTabBar::tab:focus {{ border: 3px solid {c.focus}; }}
"""
