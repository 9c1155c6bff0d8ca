"""Unfinished drafts, offered back after a lock or a crash."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from peerdesk import dates
from peerdesk.domain import Kind
from peerdesk.services import Draft

Index = QModelIndex | QPersistentModelIndex
DRAFT_ROLE = Qt.ItemDataRole.UserRole + 2


def draft_label(draft: Draft, people: Mapping[str, str]) -> str:
    what = Kind(draft.kind).label
    when = dates.short_moment(draft.updated_at)
    person = people.get(draft.person_id or "")
    about = f", about {person}" if person else ""
    change = "Changes to a saved " if draft.record_id else "New "
    return f"{change}{what.lower()}{about}, last typed {when}"


class DraftListModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._drafts: list[Draft] = []
        self._labels: list[str] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._drafts)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._drafts):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._labels[index.row()]
        if role == DRAFT_ROLE:
            return self._drafts[index.row()]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def set_drafts(self, drafts: Sequence[Draft], people: Mapping[str, str]) -> None:
        self.beginResetModel()
        self._drafts = list(drafts)
        self._labels = [draft_label(d, people) for d in self._drafts]
        self.endResetModel()

    def draft_at(self, index: Index) -> Draft | None:
        return self._drafts[index.row()] if index.isValid() and index.row() < len(self._drafts) \
            else None

    def drafts(self) -> list[Draft]:
        return list(self._drafts)

    def clear(self) -> None:
        self.beginResetModel()
        self._drafts, self._labels = [], []
        self.endResetModel()
