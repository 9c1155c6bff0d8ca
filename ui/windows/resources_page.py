"""The local resource pack: searchable on every peer's computer, kept by the coordinator."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from peerdesk.catalogue import spec
from peerdesk.domain import Kind, Record
from peerdesk.services import resources
from ui.models.records import nice_when
from ui.widgets.common import clearable, field_label, heading, muted, nothing_found, state_label
from ui.widgets.reflow import FlowLayout

Run = Callable[[Callable[[], Any], Callable[[Any], None]], None]
HEADERS = ["Name", "Kind", "Area", "When it is open", "Last checked", "Check again?", "Used"]


@dataclass(frozen=True)
class PackJobs:
    # Import returns (added, updated) and the pack as it is now, for the desk's lists.
    import_csv: Callable[[str], tuple[tuple[int, int], list[Record]]]
    share_all: Callable[[], int]
    saved: Callable[[list[Record]], None]


class ResourcePackPage(QWidget):
    open_requested = Signal(object)  # Record
    new_requested = Signal(object)  # Kind

    def __init__(self, records: Callable[[], Sequence[Record]], *, keeper: bool, run: Run,
                 jobs: PackJobs, export_dir: Path, today: Callable[[], date] = date.today,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._records, self.keeper, self._run, self.jobs = records, keeper, run, jobs
        self.export_dir, self._today = export_dir, today
        self.shown: list[Record] = []
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Resource pack"))
        layout.addWidget(muted(
            "Groups, services and activities near the people we support. The coordinator keeps "
            "it; every peer has a copy on their computer, so it can be searched with no network. "
            "Entries not checked for six months are flagged."))
        row = FlowLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search: a word from the name, area, kind or notes")
        clearable(self.search, "Clear the search")
        self.search.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.search.setMinimumWidth(
            self.search.fontMetrics().horizontalAdvance(self.search.placeholderText()) + 40)
        row.addWidget(field_label("Search", self.search))
        row.addWidget(self.search)
        self.new_button = QPushButton("New entry")
        self.import_button = QPushButton("Import CSV…")
        self.export_button = QPushButton("Export CSV")
        self.share_button = QPushButton("Give the pack to everyone in the team")
        self.share_button.setAccessibleDescription(
            "For a peer who joined after the entries were written")
        self.propose_button = QPushButton("Propose an entry…")
        self.propose_button.setAccessibleDescription(
            "Your coordinator sees it and adds it to the team's pack if it fits")
        self.propose_button.setVisible(not keeper)
        self.propose_button.clicked.connect(lambda: self.new_requested.emit(Kind.PROPOSAL))
        for b in (self.new_button, self.import_button, self.export_button, self.share_button,
                  self.propose_button):
            row.addWidget(b)
        for b in (self.new_button, self.import_button, self.share_button):
            b.setVisible(keeper)
        layout.addLayout(row)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setAccessibleName("Resource pack entries")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(1, self.fontMetrics().horizontalAdvance("Money, benefits and "))
        layout.addWidget(self.table, 1)
        self.note = state_label("Resource pack")
        layout.addWidget(self.note)
        self.search.textChanged.connect(lambda _t: self.refresh())
        self.table.cellActivated.connect(lambda r, _c: self.open_requested.emit(self.shown[r]))
        self.new_button.clicked.connect(lambda: self.new_requested.emit(Kind.RESOURCE))
        self.import_button.clicked.connect(self._choose_import)
        self.export_button.clicked.connect(lambda: self.export_csv())
        self.share_button.clicked.connect(self._share_all)

    def refresh(self) -> None:
        records = list(self._records())
        self.shown = resources.search(records, self.search.text())
        used = resources.usage(records)
        today = self._today()
        labels = {c.id: c.label for c in spec(Kind.RESOURCE).by_name["category"].choices}
        self.table.setRowCount(len(self.shown))
        stale = 0
        for i, entry in enumerate(self.shown):
            f = entry.fields
            old = resources.is_stale(entry, today)
            stale += old
            values = [str(f.get("name", "")), labels.get(str(f.get("category", "")), ""),
                      str(f.get("area", "")), str(f.get("opening_times", "")),
                      nice_when(str(f.get("last_checked", ""))),
                      "Yes: over 6 months" if old else "", str(used.get(entry.id, 0))]
            for j, value in enumerate(values):
                item = QTableWidgetItem(value)
                if not value:  # heard as an answer, not as a blank cell
                    item.setData(Qt.ItemDataRole.AccessibleTextRole, "No" if j == 5 else "none")
                if j == 0:
                    item.setToolTip("\n".join(str(f[k]) for k in (
                        "what_happens", "contact", "cost", "accessibility") if f.get(k)))
                if j == 5 and old:
                    item.setToolTip("Not checked for six months or more: ring or visit to "
                                    "check it still runs as described.")
                self.table.setItem(i, j, item)
        self.table.resizeRowsToContents()
        total = len(resources.entries(records))
        query = " ".join(self.search.text().split())
        if query and not self.shown and total:
            self.note.setText(nothing_found(query))
        else:
            self.note.setText(f"{len(self.shown)} of {total} entries shown; "
                              f"{stale} to check again.")

    def texts(self) -> list[str]:
        return [item.text() for r in range(self.table.rowCount())
                for c in range(self.table.columnCount())
                if (item := self.table.item(r, c)) is not None]

    def export_csv(self, path: Path | None = None) -> Path:
        path = path or self.export_dir / "resource-pack.csv"
        resources.write_csv(path, self._records())
        self.note.say(f"Saved {path}.")
        return path

    def import_file(self, path: Path) -> None:
        text = path.read_text(encoding="utf-8-sig")

        def done(result: tuple[tuple[int, int], list[Record]]) -> None:
            (added, updated), pack = result
            self.jobs.saved(pack)
            self.refresh()
            self.note.say(f"Imported: {added} added, {updated} updated.")

        self._run(lambda: self.jobs.import_csv(text), done)

    def _choose_import(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Import a resource pack", str(self.export_dir),
                                              "CSV files (*.csv)")
        if name:
            self.import_file(Path(name))

    def _share_all(self) -> None:
        self._run(self.jobs.share_all,
                  lambda n: self.note.say(f"Done: {n} new copies for people in the team. "
                                              "They arrive at the next sync."))

    def wipe(self) -> None:
        self.shown = []
        self.table.setRowCount(0)
        self.search.clear()


__all__ = ["PackJobs", "ResourcePackPage"]
