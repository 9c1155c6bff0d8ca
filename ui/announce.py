"""Tells a screen reader about a change it would not otherwise hear.

A label whose text changes only fires a name change, which screen readers do not speak. Saves,
errors, the safety prompt, sync outcomes and presentation steps are announced here instead, as
Qt's announcement event (Qt 6.8+), which Qt hands to the platform's accessibility API: on Linux
it arrives as AT-SPI's `object:announcement` (tests/desktop listens for it). The banner and the
state labels in ui/widgets/ call this; nothing else should need to.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent

POLITE = QAccessible.AnnouncementPoliteness.Polite
ASSERTIVE = QAccessible.AnnouncementPoliteness.Assertive


def announce(source: QObject, text: str, *, urgent: bool = False) -> None:
    """Say `text` once. Urgent (errors, safety) interrupts what is being read; otherwise it
    waits its turn."""
    if not text or not QAccessible.isActive():
        return  # no assistive technology listening (and offscreen, nothing to tell)
    event = QAccessibleAnnouncementEvent(source, text)
    event.setPoliteness(ASSERTIVE if urgent else POLITE)
    QAccessible.updateAccessibility(event)
