"""PySide6 desktop app: windows, widgets, item models, background tasks, theme."""
