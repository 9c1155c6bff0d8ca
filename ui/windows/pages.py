"""The browsing pages of the desk: Today, People I support, and record lists."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QListView,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from peerdesk.domain import Kind, Record
from peerdesk.services import Draft
from peerdesk.services.workqueue import Item
from ui.models.drafts import DraftListModel
from ui.models.records import WIDTH_SAMPLE, RecordTableModel
from ui.models.workqueue import WorkQueueModel
from ui.widgets.common import clearable, field_label, heading, muted, nothing_found, state_label
from ui.widgets.journey_view import JourneyView
from ui.widgets.reflow import FlowLayout, ReflowBox

WORK_FIT_ROWS = 100


def record_table(model: RecordTableModel, name: str, *, sort_column: int = 0,
                 descending: bool = True) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside it
    view.verticalHeader().hide()
    header = view.horizontalHeader()
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setHighlightSections(False)
    fit_columns(view)
    view.setSortingEnabled(True)
    view.sortByColumn(sort_column, Qt.SortOrder.DescendingOrder if descending
                      else Qt.SortOrder.AscendingOrder)
    return view


def fit_columns(view: QTableView) -> None:
    """Starting widths from the current font (large text gets wider columns), without
    measuring every row: that would be slow with thousands of records."""
    model = view.model()
    if not isinstance(model, RecordTableModel):
        return
    metrics = view.fontMetrics()
    for i, key in enumerate(model.columns[:-1]):
        sample = WIDTH_SAMPLE.get(key, "Some words of summary text")
        header = model.headerData(i, Qt.Orientation.Horizontal) or ""
        view.setColumnWidth(i, max(metrics.horizontalAdvance(sample),
                                   metrics.horizontalAdvance(str(header)) + 20) + 24)


class ListPage(QWidget):
    """A heading, a filter box, a table, and buttons to start something new."""

    open_requested = Signal(object)  # Record
    new_requested = Signal(object)  # Kind

    def __init__(self, title: str, intro: str, model: RecordTableModel, *,
                 new_kinds: Sequence[Kind] = (), sort_column: int = 0, descending: bool = True,
                 empty: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.empty_hint = empty  # what to do first, while the list has nothing in it
        layout = QVBoxLayout(self)
        layout.addWidget(heading(title))
        if intro:
            layout.addWidget(muted(intro))
        row = FlowLayout()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Type to filter this list")
        clearable(self.filter, "Clear the filter")
        self.filter_label = field_label("Filter", self.filter)
        self.filter.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        row.addWidget(self.filter_label)
        row.addWidget(self.filter)
        self.new_buttons: dict[Kind, QPushButton] = {}
        for kind in new_kinds:
            label = kind.label[0].lower() + kind.label[1:]  # "person I support"
            button = QPushButton(f"New {label}")
            button.clicked.connect(lambda _=False, k=kind: self.new_requested.emit(k))
            row.addWidget(button)
            self.new_buttons[kind] = button
        layout.addLayout(row)
        self.view = record_table(model, title, sort_column=sort_column, descending=descending)
        layout.addWidget(self.view, 1)
        # In the table's place when it has no rows: nothing found, or what to do first.
        self.empty = state_label(title, role=None)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.empty.setContentsMargins(0, 12, 0, 0)
        self.empty.hide()
        layout.addWidget(self.empty, 1)
        self.count = state_label(title)
        layout.addWidget(self.count)
        self.filter.textChanged.connect(self._filter)
        self.view.activated.connect(self._activated)
        model.modelReset.connect(self._count)
        model.rowsInserted.connect(lambda *_: self._count())  # one row saved or deleted
        model.rowsRemoved.connect(lambda *_: self._count())
        self._count()  # a page built after its model was filled (search) counts at once

    def _filter(self, text: str) -> None:
        self.model.set_filter(text)

    def _count(self) -> None:
        shown, total = self.model.found(), self.model.total()  # the view may hold fewer
        message = (nothing_found(self.model.query) if shown == 0 and self.model.query
                   else self.empty_hint if total == 0 else "")
        self.empty.setText(message)
        self.empty.setVisible(bool(message))
        self.view.setVisible(not message)
        self.count.setVisible(not message)
        self.count.setText(f"{shown:,} of {total:,} shown" if shown != total else f"{total:,} in all")

    def _activated(self, index: QModelIndex) -> None:
        row = self.model.row_at(index)
        if row is not None:
            self.open_requested.emit(row.record)

    def wipe(self) -> None:
        self.filter.clear()
        self.model.clear()


class PeoplePage(ListPage):
    """The people I support, and what is written about the one selected."""

    def __init__(self, people: RecordTableModel, records: RecordTableModel, *, empty: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(
            "People I support",
            "Only the name or label each person is happy with. Open a person to see what "
            "matters to them; their diaries and plans are listed underneath.",
            people, new_kinds=(Kind.PERSON,), sort_column=0, descending=False, empty=empty,
            parent=parent)
        self.records = records
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        below = ReflowBox()
        left_widget = QWidget()
        left = QVBoxLayout(left_widget)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(heading("Diaries and plans for the person selected", role="subheading"))
        self.records_view = record_table(records, "Diaries and plans for the person selected")
        left.addWidget(self.records_view, 1)
        below.add(left_widget, 1, columns=40)
        self.journey = JourneyView()
        below.add(self.journey, 1, columns=40)
        layout.addWidget(below, 1)
        self.records_view.activated.connect(self._record_activated)

    def _record_activated(self, index: QModelIndex) -> None:
        row = self.records.row_at(index)
        if row is not None:
            self.open_requested.emit(row.record)

    def selected_person(self) -> Record | None:
        rows = self.view.selectionModel().selectedRows()
        row = self.model.row_at(rows[0]) if rows else None
        return row.record if row else None

    def wipe(self) -> None:
        super().wipe()
        self.records.clear()
        self.journey.clear()


class TodayPage(QWidget):
    open_requested = Signal(object)  # Record
    draft_requested = Signal(object)  # Draft
    discard_requested = Signal(object)  # Draft
    item_requested = Signal(object)  # workqueue.Item: open the editor for it
    item_closed = Signal(object, bool, str)  # Item, done, reason when not needed

    def __init__(self, drafts: DraftListModel, work: WorkQueueModel,
                 recent: RecordTableModel, *, first_steps: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drafts, self.work, self.recent = drafts, work, recent
        layout = QVBoxLayout(self)
        self.greeting = heading("Today")
        layout.addWidget(self.greeting)
        # A new user's Today is empty: it says what to do first, and the empty tables go.
        self.first_steps = state_label("Getting started", first_steps, role="carried")
        self.first_steps.setVisible(False)
        self._first_steps_text = first_steps
        layout.addWidget(self.first_steps)

        layout.addWidget(heading("To do", role="subheading"))
        self.work_hint = muted("")
        layout.addWidget(self.work_hint)
        self.work_view = QTableView()
        self.work_view.setModel(work)
        self.work_view.setAccessibleName("To do")
        self.work_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.work_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.work_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.work_view.setTabKeyNavigation(False)
        self.work_view.setWordWrap(False)
        self.work_view.verticalHeader().hide()
        self.work_view.horizontalHeader().setStretchLastSection(True)
        # Columns fitted to the first rows (the most pressing), not to thousands of them.
        self.work_view.horizontalHeader().setResizeContentsPrecision(WORK_FIT_ROWS)
        self.work_view.setMinimumHeight(self.fontMetrics().lineSpacing() * 8)
        self.work_view.activated.connect(lambda _i: self._open_item())
        layout.addWidget(self.work_view, 1)
        row = FlowLayout()
        self.open_item = QPushButton("Open")
        self.open_item.setAccessibleDescription(
            "A first meeting or follow-up opens a new diary about the person; an ending opens "
            "the person; a review opens the plan")
        self.open_item.clicked.connect(self._open_item)
        self.done_item = QPushButton("Mark done")
        self.done_item.clicked.connect(lambda: self._close_item(done=True))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why it is not needed")
        self.reason.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.reason.setMinimumWidth(self.fontMetrics().averageCharWidth() * 28)
        self.reason_label = field_label("Not needed because", self.reason)
        self.not_needed = QPushButton("Not needed")
        self.not_needed.setAccessibleDescription("Takes it off Today with the reason you give")
        self.not_needed.clicked.connect(lambda: self._close_item(done=False))
        self.reason.textChanged.connect(lambda _t: self._selection_changed())
        self.reason.returnPressed.connect(self.not_needed.click)
        for w in (self.open_item, self.done_item, self.reason_label, self.reason,
                  self.not_needed):
            row.addWidget(w)
        layout.addLayout(row)
        self.work_view.selectionModel().selectionChanged.connect(
            lambda *_: self._selection_changed())

        layout.addWidget(heading("Drafts to finish", role="subheading"))
        self.drafts_hint = muted("")
        layout.addWidget(self.drafts_hint)
        self.drafts_view = QListView()
        self.drafts_view.setModel(drafts)
        self.drafts_view.setAccessibleName("Drafts to finish")
        self.drafts_view.setMaximumHeight(140)
        self.drafts_view.activated.connect(self._open_draft)
        layout.addWidget(self.drafts_view)
        row = FlowLayout()
        self.open_draft = QPushButton("Carry on with this draft")
        self.open_draft.clicked.connect(lambda: self._open_draft(self.drafts_view.currentIndex()))
        self.discard_draft = QPushButton("Discard draft…")
        self.discard_draft.clicked.connect(self._discard)
        row.addWidget(self.open_draft)
        row.addWidget(self.discard_draft)
        layout.addLayout(row)

        layout.addWidget(heading("Recent entries", role="subheading"))
        self.recent_hint = muted("Nothing written yet: what you save shows here.")
        layout.addWidget(self.recent_hint)
        self.recent_view = record_table(recent, "Recent entries")
        self.recent_view.activated.connect(lambda i: self._open(recent, i))
        layout.addWidget(self.recent_view, 1)
        self._filler = QWidget()  # takes the height while both tables are hidden
        layout.addWidget(self._filler, 1)
        drafts.modelReset.connect(self._drafts_changed)
        work.modelReset.connect(self._work_changed)
        recent.modelReset.connect(self._show_first_steps)
        self._drafts_changed()
        self._work_changed()

    def _show_first_steps(self) -> None:
        new = (self.recent.total() == 0 and self.work.rowCount() == 0
               and self.drafts.rowCount() == 0 and bool(self._first_steps_text))
        self.first_steps.setVisible(new)
        self.work_view.setVisible(self.work.rowCount() > 0)
        for w in (self.open_item, self.done_item, self.reason_label, self.reason,
                  self.not_needed):
            w.setVisible(self.work.rowCount() > 0)
        self.recent_view.setVisible(self.recent.total() > 0)
        self.recent_hint.setVisible(self.recent.total() == 0)
        self._filler.setVisible(self.work.rowCount() == 0 and self.recent.total() == 0)

    def show_reading(self, done: int, total: int) -> None:
        """A large vault just unlocked: Today is worked out once every record is read."""
        self.work_hint.setText(f"Reading your records: {done:,} of {total:,}. What is due "
                               "shows here once all are read.")

    def _work_changed(self) -> None:
        n = self.work.rowCount()
        self.work_hint.setText(
            "Nothing due in the next two weeks." if n == 0 else
            f"{n} thing{'' if n == 1 else 's'} to do. Late or due within two days shows in "
            "bold. Open one to do it, or mark it done or not needed.")
        self.work_view.resizeColumnsToContents()
        if n and not self.work_view.currentIndex().isValid():
            self.work_view.selectRow(0)
        self._selection_changed()
        self._show_first_steps()

    def selected_item(self) -> Item | None:
        rows = self.work_view.selectionModel().selectedRows()
        return self.work.item_at(rows[0]) if rows else None

    def _selection_changed(self) -> None:
        chosen = self.selected_item() is not None
        for w in (self.open_item, self.done_item, self.reason):
            w.setEnabled(chosen)
        self.not_needed.setEnabled(chosen and bool(self.reason.text().strip()))

    def _open_item(self) -> None:
        item = self.selected_item()
        if item is not None:
            self.item_requested.emit(item)

    def _close_item(self, *, done: bool) -> None:
        item = self.selected_item()
        reason = self.reason.text().strip()
        if item is None or (not done and not reason):
            return
        self.item_closed.emit(item, done, "" if done else reason)
        self.reason.clear()

    def _drafts_changed(self) -> None:
        n = self.drafts.rowCount()
        self.drafts_hint.setText("Nothing unfinished." if n == 0 else
                                 f"{n} unfinished: kept encrypted on this computer until you "
                                 "save or discard them.")
        for w in (self.drafts_view, self.open_draft, self.discard_draft):
            w.setVisible(n > 0)
        if n and not self.drafts_view.currentIndex().isValid():
            self.drafts_view.setCurrentIndex(self.drafts.index(0))
        self._show_first_steps()

    def _open(self, model: RecordTableModel, index: QModelIndex) -> None:
        row = model.row_at(index)
        if row is not None:
            self.open_requested.emit(row.record)

    def _open_draft(self, index: QModelIndex) -> None:
        draft = self.drafts.draft_at(index)
        if draft is not None:
            self.draft_requested.emit(draft)

    def _discard(self) -> None:
        draft: Draft | None = self.drafts.draft_at(self.drafts_view.currentIndex())
        if draft is not None:
            self.discard_requested.emit(draft)

    def wipe(self) -> None:
        self.reason.clear()
        for m in (self.drafts, self.work, self.recent):
            m.clear()
