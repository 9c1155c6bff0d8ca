"""The support journey of the person selected: a short table, read from diaries and plans."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from peerdesk.services.journey import Journey
from ui.models.records import nice_when
from ui.widgets.common import heading, muted

SOURCES = {"diary": "Diary", "plan": "Plans", "person record": "Person's record",
           "": "Not known yet"}


class JourneyView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading("Support journey", role="subheading"))
        self.hint = muted("Select a person to see their support journey.")
        layout.addWidget(self.hint)
        self.table = QTableWidget(0, 3)
        self.table.setAccessibleName("Support journey of the person selected")
        self.table.setHorizontalHeaderLabels(["Step", "When", "From"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(True)
        rows = self.table.verticalHeader()
        rows.hide()
        # A step's words wrap: rows follow the column's width as the window is resized (set
        # once, they were measured before the table had its width and clipped the second line).
        rows.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table, 1)

    def show_journey(self, journey: Journey | None) -> None:
        self.table.setRowCount(0)
        if journey is None:
            self.hint.setText("Select a person to see their support journey.")
            return
        self.hint.setText("Filled in from the diaries and plans you write. Dates a diary cannot "
                          "give (ward, discharge, the end) are on the person's record: open it "
                          "to add them.")
        steps = journey.steps()
        self.table.setRowCount(len(steps))
        for i, step in enumerate(steps):
            for col, text in enumerate((step.label, nice_when(step.when), SOURCES[step.source])):
                self.table.setItem(i, col, QTableWidgetItem(text))

    def texts(self) -> list[str]:
        """Every cell, for tests and the screen reader check."""
        return [item.text() for r in range(self.table.rowCount())
                for c in range(3) if (item := self.table.item(r, c)) is not None]

    def clear(self) -> None:
        self.show_journey(None)
