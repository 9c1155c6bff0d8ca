"""Helpers that keep labels, buddies and accessible names together."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget


def heading(text: str, *, role: str = "heading") -> QLabel:
    label = QLabel(text)
    label.setProperty("role", role)
    label.setWordWrap(True)
    return label


def muted(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "muted")
    label.setWordWrap(True)
    return label


def field_label(text: str, buddy: QWidget, *, description: str = "") -> QLabel:
    """A visible label that is the widget's buddy and its accessible name."""
    label = QLabel(text)
    label.setProperty("role", "field")
    label.setWordWrap(True)
    label.setBuddy(buddy)
    buddy.setAccessibleName(text.replace("&", ""))
    if description:
        buddy.setAccessibleDescription(description)
    return label


def named(widget: QWidget, name: str, description: str = "") -> QWidget:
    widget.setAccessibleName(name)
    if description:
        widget.setAccessibleDescription(description)
    return widget
