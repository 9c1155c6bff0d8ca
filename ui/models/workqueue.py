"""Today's work queue as a table: when, what, who, and the words that go with it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from peerdesk.services.workqueue import Item

Index = QModelIndex | QPersistentModelIndex
HEADERS = ("When", "What", "Person", "Details")
Cells = tuple[str, str, str, str]


@dataclass(frozen=True)
class TodayCells:
    """Today's open items with their words, worked out on a worker."""

    items: list[Item]
    cells: list[Cells]
    today: date


def work_cells(items: Sequence[Item], people: Mapping[str, str], today: date) -> list[Cells]:
    """``people``: labels of the people supported, and names of the accounts (a request
    for a conversation shows who asked). Plain Python: runs on a worker."""
    return [(i.when_text(today), i.what.label,
             people.get(i.person_id or "", "") or people.get(i.from_id or "", ""), i.detail)
            for i in items]


class WorkQueueModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[Item] = []
        self._cells: list[Cells] = []
        self._flagged: list[bool] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(HEADERS)):
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items) \
                or not 0 <= index.column() < len(HEADERS):
            return None
        row, col = index.row(), index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._cells[row][col]
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return ", ".join(c for c in self._cells[row] if c)
        if role == Qt.ItemDataRole.FontRole and self._flagged[row]:
            font = QFont()
            font.setBold(True)  # in words too: the When column says "late" or "due today"
            return font
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def set_items(self, items: Sequence[Item], people: Mapping[str, str], today: date) -> None:
        self.set_cells(TodayCells(list(items), work_cells(items, people, today), today))

    def set_cells(self, worked_out: TodayCells) -> None:
        self.beginResetModel()
        self._items = list(worked_out.items)
        self._cells = list(worked_out.cells)
        self._flagged = [i.flagged(worked_out.today) for i in self._items]
        self.endResetModel()

    def item_at(self, index: Index) -> Item | None:
        return self._items[index.row()] if index.isValid() and index.row() < len(self._items) \
            else None

    def items(self) -> list[Item]:
        return list(self._items)

    def text_rows(self) -> list[Cells]:
        return list(self._cells)

    def clear(self) -> None:
        self.set_items([], {}, date.today())
