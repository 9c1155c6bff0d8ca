"""The coordinator's inbox, group supervision sessions, and presentation mode."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QRect, Qt, Signal
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from peerdesk import dates, exports
from peerdesk.catalogue import spec
from peerdesk.domain import FieldType, Kind, Record
from peerdesk.services import supervision
from ui import theme
from ui.announce import announce
from ui.models.records import nice_when
from ui.widgets.common import Heading, field_label, heading, long_text, muted, state_label
from ui.widgets.dates import DateEdit
from ui.widgets.reflow import FlowLayout, ReflowBox
from ui.windows.dialogs import GuardedWindow

Run = Callable[[Callable[[], Any], Callable[[Any], None]], None]
ID_ROLE = Qt.ItemDataRole.UserRole + 7


def _label(kind: Kind, name: str, value: Any) -> str:
    field = spec(kind).by_name.get(name)
    if field is None:
        return str(value)
    names = {c.id: c.label for c in field.choices}
    if isinstance(value, list):
        return ", ".join(names.get(v, str(v)) for v in value)
    return str(names.get(value, value))


def headline(record: Record) -> str:
    """Kind and the chosen category: no free text, so nothing that could name anyone."""
    f = record.fields
    if record.kind is Kind.DIARY and f.get("contact_type"):
        return f"Diary: {_label(Kind.DIARY, 'contact_type', f['contact_type'])}"
    if record.kind is Kind.REFLECTION and f.get("boundary_area"):
        return f"Reflection: {_label(Kind.REFLECTION, 'boundary_area', f['boundary_area'])}"
    return record.kind.label


def inbox_title(item: supervision.InboxItem, *, peer: bool = False) -> str:
    """Two lines: the day and the person's alias (and the peer, where the group does not say),
    then what kind of contact or which boundary area. Six diaries of one meeting type still
    read apart, nothing is cut to "…", and no name of a person is on screen."""
    record, f = item.record, item.record.fields
    first = [item.peer] if peer else []
    first.append(dates.short_day(item.when[:10]))
    if item.alias:
        first.append(item.alias)
    if item.comments:
        first.append(f"{len(item.comments)} comment{'s' if len(item.comments) > 1 else ''}")
    if record.kind is Kind.DIARY:
        what = (_label(Kind.DIARY, "contact_type", f["contact_type"]) if f.get("contact_type")
                else record.kind.label)
    elif record.kind is Kind.REFLECTION:
        what = "Reflection: " + (_label(Kind.REFLECTION, "boundary_area", f["boundary_area"])
                                 if f.get("boundary_area") else "no area chosen")
    else:
        what = record.kind.label
    return " · ".join(first) + "\n" + what


def record_html(record: Record) -> str:
    parts = [f"<h3>{escape(headline(record))}</h3>"]
    for field in spec(record.kind).fields:
        value = record.fields.get(field.name)
        if value in (None, "", [], {}) or field.private:
            continue
        shown = ("yes" if value is True else _label(record.kind, field.name, value)
                 if field.type in (FieldType.CHOICE, FieldType.TAGS)
                 else nice_when(str(value)) if field.type in (FieldType.DATE, FieldType.DATETIME)
                 else str(value))
        parts.append(f"<p><b>{escape(field.label)}</b><br>{escape(shown)}</p>")
    return "".join(parts)


# -- the inbox ------------------------------------------------------------------------------

class InboxPage(QWidget):
    """Everything peers shared with the coordinator: what they asked to bring first, then by
    peer, newest first; a comment goes back to the peer who shared the item."""

    open_requested = Signal(object)  # Record

    def __init__(self, records: Callable[[], Sequence[Record]], authors: dict[str, str],
                 me: str, run: Run, saved: Callable[[Record], None],
                 comment: Callable[[str, str], Record], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._records, self.authors, self.me, self._run, self._saved = (
            records, authors, me, run, saved)
        self.comment_job = comment
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Supervision inbox"))
        layout.addWidget(muted("Diaries and reflections peers chose to share with you. What they "
                               "asked to bring to supervision is at the top. A comment is "
                               "encrypted for you and the peer who shared the item, and no one "
                               "else."))
        split = ReflowBox()
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Shared with you, by peer")
        # One column: each title carries its day, so the titles themselves read apart. They
        # wrap onto a second line instead of ending in "…" in a narrow window.
        self.tree.setHeaderHidden(True)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setMinimumHeight(self.fontMetrics().lineSpacing() * 8)
        split.add(self.tree, 2, columns=34)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        steps = QHBoxLayout()
        self.previous_button = QPushButton("Previous item")
        self.previous_button.setToolTip("Alt+Up, from anywhere on this page")
        self.next_button = QPushButton("Next item")
        self.next_button.setToolTip("Alt+Down, from anywhere on this page")
        self.position = state_label("Item")
        steps.addWidget(self.position, 1)
        steps.addWidget(self.previous_button)
        steps.addWidget(self.next_button)
        column.addLayout(steps)
        self.detail = QTextBrowser()
        self.detail.setAccessibleName("The item selected")
        self.detail.setMinimumHeight(self.fontMetrics().lineSpacing() * 8)
        column.addWidget(self.detail, 1)  # the reading pane takes what the rest leaves
        column.addWidget(heading("Comments", role="subheading"))
        self.comments = QListWidget()
        self.comments.setAccessibleName("Comments on this item")
        self.comments.setWordWrap(True)
        self.comments.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.comments.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        column.addWidget(self.comments)
        self.no_comments = muted("No comments yet.")
        column.addWidget(self.no_comments)
        self.comment_box = long_text()
        self.comment_box.setPlaceholderText("A comment for the peer who shared this")
        self.comment_box.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 12)
        form = QHBoxLayout()
        form.addWidget(self.comment_box, 1)
        self.comment_button = QPushButton("Add comment")
        self.comment_button.clicked.connect(self._comment)
        form.addWidget(self.comment_button, 0, Qt.AlignmentFlag.AlignBottom)
        column.addWidget(field_label("Your comment", self.comment_box))
        column.addLayout(form)
        self.comment_note = state_label("Comment")
        column.addWidget(self.comment_note)
        split.add(right, 4, columns=40)
        layout.addWidget(split, 1)
        self.tree.currentItemChanged.connect(lambda *_: self._show())
        self.tree.itemActivated.connect(self._activated)
        self.previous_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        for keys, by in (("Alt+Up", -1), ("Alt+Down", 1)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda by=by: self.step(by))
        self.box: supervision.Inbox | None = None
        self._show()

    def _leaves(self) -> list[QTreeWidgetItem]:
        out: list[QTreeWidgetItem] = []
        for g in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(g)
            if top is not None:
                out.extend(c for i in range(top.childCount()) if (c := top.child(i)) is not None)
        return out

    def step(self, by: int) -> None:
        """The next or previous item, across the groups, wherever the focus is."""
        leaves = self._leaves()
        if not leaves:
            return
        current = self.tree.currentItem()
        if current in leaves:
            index = leaves.index(current) + by
        else:  # on a group's title: its first item, or the one before it
            after = current is not None and current.childCount() > 0 and by > 0
            first = current.child(0) if after and current is not None else None
            index = leaves.index(first) if first in leaves else 0
        if 0 <= index < len(leaves):
            self.tree.setCurrentItem(leaves[index])
            self.tree.scrollToItem(leaves[index])

    def refresh(self) -> None:
        chosen = self.current_id()
        self.box = supervision.inbox(self._records(), self.authors, self.me)
        self.tree.clear()
        groups = [("Brought to supervision", self.box.bring),
                  *[(f"Shared by {peer}", items) for peer, items in self.box.by_peer]]
        for title, items in groups:
            if not items:
                continue
            top = QTreeWidgetItem([f"{title} ({len(items)})"])
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            self.tree.addTopLevelItem(top)
            for i in items:
                text = inbox_title(i, peer=title.startswith("Brought"))
                child = QTreeWidgetItem([text])
                child.setToolTip(0, text)
                child.setData(0, Qt.ItemDataRole.AccessibleTextRole, text.replace("\n", ", "))
                child.setData(0, ID_ROLE, i.record.id)
                top.addChild(child)
                if i.record.id == chosen:
                    self.tree.setCurrentItem(child)
            top.setExpanded(True)
        top_item = self.tree.topLevelItem(0)
        first = top_item.child(0) if top_item is not None else None
        if self.tree.currentItem() is None and first is not None:
            self.tree.setCurrentItem(first)
        self._show()

    def current_id(self) -> str | None:
        item = self.tree.currentItem()
        value = item.data(0, ID_ROLE) if item else None
        return str(value) if value else None

    def current(self) -> supervision.InboxItem | None:
        rid = self.current_id()
        if rid is None or self.box is None:
            return None
        return next((i for i in self.box.items() if i.record.id == rid), None)

    def _show(self) -> None:
        item = self.current()
        self.comments.clear()
        self.comment_button.setEnabled(item is not None)
        self.comment_box.setEnabled(item is not None)
        leaves = self._leaves()
        current = self.tree.currentItem()
        at = leaves.index(current) + 1 if current in leaves else 0
        self.previous_button.setEnabled(at > 1)
        self.next_button.setEnabled(len(leaves) > 0 and at < len(leaves))
        self.position.setText(f"Item {at} of {len(leaves)}" if at else "")
        if item is None:
            self.detail.setHtml("<p>Nothing has been shared with you yet. When a peer shares a "
                                "diary or a reflection with you, it appears on the left.</p>"
                                if not leaves else "<p>Choose an item on the left.</p>")
            self._fit_comments()
            return
        alias = f" · about {escape(item.alias)}" if item.alias else ""
        self.detail.setHtml(f"<p>Shared by <b>{escape(item.peer)}</b>{alias}</p>"
                            + record_html(item.record))
        for c in item.comments:
            who = self.authors.get(c.author_id, "Coordinator")
            self.comments.addItem(f"{who}, {dates.short_day(c.saved_at)}: {c.fields.get('text', '')}")
        self._fit_comments()

    def _fit_comments(self) -> None:
        """As tall as its comments, up to six lines; the reading pane keeps the rest."""
        count = self.comments.count()
        self.comments.setVisible(count > 0)
        self.no_comments.setVisible(count == 0)
        metrics = self.comments.fontMetrics()
        width = max(self.comments.viewport().width(), 320) - 8
        rows = sum(metrics.boundingRect(QRect(0, 0, width, 10_000),
                                        Qt.TextFlag.TextWordWrap, item.text()).height() + 6
                   for i in range(count) if (item := self.comments.item(i)) is not None)
        self.comments.setFixedHeight(min(rows, 6 * metrics.lineSpacing())
                                     + 2 * self.comments.frameWidth())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_comments()

    def _comment(self) -> None:
        item, text = self.current(), self.comment_box.toPlainText().strip()
        if item is None or not text:
            return
        rid = item.record.id

        def done(record: Record) -> None:
            self.comment_box.clear()
            self._saved(record)
            self.refresh()
            self.comment_note.say(f"Comment added for {item.peer}. It reaches them at the next "
                                  "sync.")

        self._run(lambda: self.comment_job(rid, text), done)

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        current = self.current()
        if current is not None:
            self.open_requested.emit(current.record)

    def wipe(self) -> None:
        self.tree.clear()
        self.detail.clear()
        self.comments.clear()
        self.comment_box.clear()
        self.box = None


# -- sessions -------------------------------------------------------------------------------

@dataclass(frozen=True)
class SessionJobs:
    """What the page asks of the core, run on the database thread by the desk."""

    start: Callable[[date, Sequence[str]], Record]
    save: Callable[[str, dict[str, Any]], Record]
    add_action: Callable[[str, str, str, date | None], Record]
    set_done: Callable[[str], Record]
    grant_cover: Callable[[str, date, date], Record] | None = None


class SupervisionPage(QWidget):
    """Group supervision: sessions, their agenda from what peers chose to bring, themes,
    notes and actions (open actions carry to the next session)."""

    open_requested = Signal(object)
    present_requested = Signal(object)  # supervision.GroupSession

    def __init__(self, records: Callable[[], Sequence[Record]], authors: dict[str, str],
                 me: str, peers: Sequence[str], run: Run, saved: Callable[[Record], None],
                 jobs: SessionJobs, *, export_dir: Path, coordinators: Sequence[str] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._records, self.authors, self.me, self.peers = records, authors, me, list(peers)
        self._run, self._saved, self.export_dir = run, saved, export_dir
        self.jobs = jobs
        layout = QVBoxLayout(self)
        top = FlowLayout()
        top.addWidget(heading("Group supervision"))
        self.new_button = QPushButton("New session")
        self.new_button.setAccessibleDescription(
            "Starts today's session with the items peers chose to bring")
        top.addWidget(self.new_button)
        layout.addLayout(top)
        split = ReflowBox()
        self.list = QListWidget()
        self.list.setAccessibleName("Supervision sessions")
        self.list.setMinimumHeight(self.fontMetrics().lineSpacing() * 4)
        split.add(self.list, 1, columns=20)
        body = QWidget()
        form = QVBoxLayout(body)
        form.setContentsMargins(0, 0, 0, 0)
        row = FlowLayout()
        self.when = DateEdit()
        row.addWidget(field_label("Date", self.when))
        row.addWidget(self.when)
        self.present_button = QPushButton("Present on a shared screen")
        self.present_button.setAccessibleDescription(
            "Large text, one item at a time, people shown only as Person A, B…")
        self.pdf_button = QPushButton("Export PDF")
        self.save_button = QPushButton("Save session")
        for b in (self.present_button, self.pdf_button, self.save_button):
            row.addWidget(b)
        form.addLayout(row)
        lists = ReflowBox()
        self.attendees = QListWidget()
        self.themes = QListWidget()
        self.themes.setWordWrap(True)
        self.themes.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for title, w, stretch in (("Who attended", self.attendees, 1),
                                  ("Themes discussed", self.themes, 2)):
            col_widget = QWidget()
            col = QVBoxLayout(col_widget)
            col.setContentsMargins(0, 0, 0, 0)
            col.addWidget(field_label(title, w))
            col.addWidget(w)
            w.setMinimumHeight(self.fontMetrics().lineSpacing() * 5)
            lists.add(col_widget, stretch, columns=12 * stretch)
        for choice in spec(Kind.SUPERVISION).by_name["themes"].choices:
            item = QListWidgetItem(choice.label)
            item.setData(ID_ROLE, choice.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.themes.addItem(item)
        agenda_widget = QWidget()
        agenda_col = QVBoxLayout(agenda_widget)
        agenda_col.setContentsMargins(0, 0, 0, 0)
        self.agenda = QListWidget()
        self.agenda.setWordWrap(True)
        self.agenda.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        agenda_col.addWidget(field_label("Agenda: items peers chose to bring", self.agenda))
        agenda_col.addWidget(self.agenda)
        self.agenda.setMinimumHeight(self.fontMetrics().lineSpacing() * 5)
        lists.add(agenda_widget, 2, columns=24)
        form.addWidget(lists, 2)
        self.notes = long_text()
        self.notes.setPlaceholderText("What we talked about and learned. People supported are "
                                      "not named here.")
        form.addWidget(field_label("Notes", self.notes))
        self.notes.setMinimumHeight(self.fontMetrics().lineSpacing() * 4)
        form.addWidget(self.notes, 1)
        form.addWidget(heading("Actions", role="subheading"))
        self.action_list = QListWidget()
        self.action_list.setAccessibleName("Actions: agreed here, and carried from earlier sessions")
        self.action_list.setWordWrap(True)
        self.action_list.setMinimumHeight(self.fontMetrics().lineSpacing() * 4)
        form.addWidget(self.action_list, 1)
        add = FlowLayout()
        self.action_text = QLineEdit()
        self.action_text.setPlaceholderText("What we agreed")
        self.action_owner = QComboBox()
        self.action_owner.setEditable(True)
        self.action_due = DateEdit()
        self.add_action_button = QPushButton("Add action")
        add.addWidget(field_label("Action", self.action_text))
        self.action_text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.action_text.setMinimumWidth(self.fontMetrics().averageCharWidth() * 24)
        add.addWidget(self.action_text)
        add.addWidget(field_label("Who", self.action_owner))
        add.addWidget(self.action_owner)
        add.addWidget(field_label("By", self.action_due))
        add.addWidget(self.action_due)
        # The box typed into inside the combo box is what has focus: it needs the name too.
        owner_edit = self.action_owner.lineEdit()
        if owner_edit is not None:
            owner_edit.setAccessibleName("Who")
        add.addWidget(self.add_action_button)
        form.addLayout(add)
        self.done_button = QPushButton("Mark the selected action done")
        form.addWidget(self.done_button, 0, Qt.AlignmentFlag.AlignRight)
        self.saved_note = state_label("Session")
        form.addWidget(self.saved_note)
        cover_row = FlowLayout()
        self.cover_who = QComboBox()
        self.cover_who.addItems(list(coordinators))
        self.cover_from = DateEdit(QDate.currentDate())
        self.cover_to = DateEdit(QDate.currentDate().addDays(14))
        self.cover_button = QPushButton("Arrange cover")
        self.cover_button.setAccessibleDescription(
            "Peers see who is covering; it ends by itself after the last day")
        cover_row.addWidget(field_label("Cover while I'm away", self.cover_who))
        cover_row.addWidget(self.cover_who)
        cover_row.addWidget(field_label("from", self.cover_from))
        cover_row.addWidget(self.cover_from)
        cover_row.addWidget(field_label("to", self.cover_to))
        cover_row.addWidget(self.cover_to)
        cover_row.addWidget(self.cover_button)
        form.addLayout(cover_row)
        for control in (self.cover_who, self.cover_from, self.cover_to, self.cover_button):
            control.setEnabled(bool(coordinators) and jobs.grant_cover is not None)
        self.cover_button.clicked.connect(self._grant_cover)
        split.add(body, 5, columns=48)
        layout.addWidget(split, 1)
        self.view: supervision.GroupSession | None = None
        self.list.currentRowChanged.connect(lambda _r: self._show())
        self.new_button.clicked.connect(self._new)
        self.save_button.clicked.connect(self._save)
        self.add_action_button.clicked.connect(self._add_action)
        self.done_button.clicked.connect(self._done)
        self.pdf_button.clicked.connect(lambda: self.export_pdf())
        self.present_button.clicked.connect(
            lambda: self.view and self.present_requested.emit(self.view))

    # -- showing ---------------------------------------------------------------------------

    def refresh(self) -> None:
        chosen = self.view.record.id if self.view else None
        self.list.blockSignals(True)
        self.list.clear()
        for s in supervision.sessions(self._records()):
            item = QListWidgetItem(f"{nice_when(str(s.fields.get('when', '')))} "
                                   f"({len(s.fields.get('attendees', []))} came)")
            item.setData(ID_ROLE, s.id)
            self.list.addItem(item)
            if s.id == chosen:
                self.list.setCurrentItem(item)
        if self.list.currentRow() < 0 and self.list.count():
            self.list.setCurrentRow(0)
        self.list.blockSignals(False)
        self._show()

    def _show(self) -> None:
        item = self.list.currentItem()
        records = self._records()
        self.view = supervision.session(records, str(item.data(ID_ROLE))) if item else None
        enabled = self.view is not None
        for w in (self.save_button, self.pdf_button, self.present_button,
                  self.add_action_button, self.done_button, self.notes):
            w.setEnabled(enabled)
        self.attendees.clear()
        self.agenda.clear()
        self.action_list.clear()
        self.action_owner.clear()
        self.action_owner.addItems([*self.peers, self.authors.get(self.me, "")])
        if self.view is None:
            self.notes.clear()
            return
        f = self.view.record.fields
        d = date.fromisoformat(str(f["when"]))
        self.when.setDate(QDate(d.year, d.month, d.day))
        self.action_due.setDate(QDate(d.year, d.month, d.day).addDays(14))
        came = set(f.get("attendees", ()))
        for name in sorted(set(self.peers) | came):
            row = QListWidgetItem(name)
            row.setFlags(row.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            row.setCheckState(Qt.CheckState.Checked if name in came else Qt.CheckState.Unchecked)
            self.attendees.addItem(row)
        themes = set(f.get("themes", ()))
        for i in range(self.themes.count()):
            t = self.themes.item(i)
            t.setCheckState(Qt.CheckState.Checked if t.data(ID_ROLE) in themes
                            else Qt.CheckState.Unchecked)
        aliases = self.aliases()
        for rec in self.view.agenda:
            who = self.authors.get(rec.author_id, "A peer")
            about = f" · {aliases[rec.person_id]}" if rec.person_id in aliases else ""
            self.agenda.addItem(f"{who}: {headline(rec)}{about}")
        if not self.view.agenda:
            self.agenda.addItem("Nothing brought this time.")
        self.notes.setPlainText(str(f.get("notes", "")))
        for a in self.view.actions:
            self._action_item(a, carried=False)
        for a in self.view.carried:
            self._action_item(a, carried=True)

    def _action_item(self, a: Record, *, carried: bool) -> None:
        f = a.fields
        text = (f"{'✓ ' if f.get('done') else ''}{f.get('text', '')} · {f.get('owner', '')}"
                + (f" · by {nice_when(str(f['due']))}" if f.get("due") else "")
                + (" · carried from an earlier session" if carried else ""))
        item = QListWidgetItem(text)
        item.setData(ID_ROLE, a.id)
        self.action_list.addItem(item)

    def aliases(self) -> dict[str | None, str]:
        """Person A, B … in agenda order: the same alias for the same person in one session."""
        out: dict[str | None, str] = {}
        for rec in self.view.agenda if self.view else ():
            if rec.person_id and rec.person_id not in out:
                out[rec.person_id] = supervision.alias(len(out))
        return out

    def fields(self) -> dict[str, Any]:
        assert self.view is not None
        checked = [self.attendees.item(i).text() for i in range(self.attendees.count())
                   if self.attendees.item(i).checkState() == Qt.CheckState.Checked]
        themes = [self.themes.item(i).data(ID_ROLE) for i in range(self.themes.count())
                  if self.themes.item(i).checkState() == Qt.CheckState.Checked]
        return dict(self.view.record.fields) | {
            "when": self.when.date().toString("yyyy-MM-dd"), "attendees": checked,
            "themes": themes, "notes": self.notes.toPlainText()}

    # -- doing -----------------------------------------------------------------------------

    def _after(self, record: Record) -> None:
        self._saved(record)
        self.refresh()

    def _new(self) -> None:
        self._run(lambda: self.jobs.start(dates.today(), self.peers), self._after_new)

    def _after_new(self, record: Record) -> None:
        self._saved(record)
        self.view = None
        self.refresh()
        for i in range(self.list.count()):
            if self.list.item(i).data(ID_ROLE) == record.id:
                self.list.setCurrentRow(i)

    def _save(self) -> None:
        if self.view is None:
            return
        rid, fields = self.view.record.id, self.fields()

        def done(record: Record) -> None:
            self.saved_note.say("Saved.")
            self._after(record)

        self._run(lambda: self.jobs.save(rid, fields), done)

    def _add_action(self) -> None:
        text, owner = self.action_text.text().strip(), self.action_owner.currentText().strip()
        if self.view is None or not text or not owner:
            self.saved_note.say("An action needs what was agreed and who will do it.",
                                urgent=True)
            return
        sid = self.view.record.id
        due = date.fromisoformat(self.action_due.date().toString("yyyy-MM-dd"))

        def done(record: Record) -> None:
            self.action_text.clear()
            self._after(record)

        self._run(lambda: self.jobs.add_action(sid, text, owner, due), done)

    def _grant_cover(self) -> None:
        grant = self.jobs.grant_cover
        if grant is None or not self.cover_who.currentText():
            return
        who = self.cover_who.currentText()
        start = date.fromisoformat(self.cover_from.date().toString("yyyy-MM-dd"))
        end = date.fromisoformat(self.cover_to.date().toString("yyyy-MM-dd"))

        def done(record: Record) -> None:
            self._saved(record)
            self.saved_note.say(f"{who} covers from {nice_when(start.isoformat())} to "
                                    f"{nice_when(end.isoformat())}. Peers see it after their "
                                    "next sync; it ends by itself.")

        self._run(lambda: grant(who, start, end), done)

    def _done(self) -> None:
        item = self.action_list.currentItem()
        if item is None:
            return
        rid = str(item.data(ID_ROLE))
        self._run(lambda: self.jobs.set_done(rid), self._after)

    # -- the record, for the files --------------------------------------------------------

    def document(self) -> exports.Document:
        assert self.view is not None
        f = self.fields()
        aliases = self.aliases()
        theme_names = {c.id: c.label for c in spec(Kind.SUPERVISION).by_name["themes"].choices}
        agenda = tuple(
            f"{self.authors.get(r.author_id, 'A peer')}: {headline(r)}"
            + (f" ({aliases[r.person_id]})" if r.person_id in aliases else "")
            for r in self.view.agenda) or ("Nothing brought this time.",)
        actions = tuple(
            (str(a.fields.get("text", "")), str(a.fields.get("owner", "")),
             nice_when(str(a.fields.get("due") or "")),
             ("done" if a.fields.get("done") else "open")
             + (" (carried)" if a in self.view.carried else ""))
            for a in (*self.view.actions, *self.view.carried))
        notes = "\n".join(p for p in f["notes"].splitlines() if p.strip()) or "-"
        return exports.Document("Group supervision", (
            exports.Heading(f"Group supervision, {nice_when(f['when'])}"),
            exports.Para(f"Attended: {', '.join(f['attendees']) or 'nobody recorded'}"),
            exports.Heading("Agenda", 2), exports.Items(agenda),
            exports.Heading("Themes", 2),
            exports.Para(", ".join(theme_names[t] for t in f["themes"]) or "-"),
            exports.Heading("Notes", 2), exports.Para(notes),
            exports.Heading("Actions", 2),
            exports.Table(("What", "Who", "By when", ""), actions),
            exports.Para("People supported are shown only as Person A, B….", "note")),
            footer=f"Group supervision record · {nice_when(f['when'])}")

    def html(self) -> str:
        return exports.html_text(self.document())

    def export_pdf(self, path: Path | None = None) -> Path | None:
        if self.view is None:
            return None
        path = path or self.export_dir / f"supervision-{self.view.when}.pdf"
        exports.write_pdf(path, self.document())
        self.saved_note.say(f"Saved {path}.")
        return path

    def wipe(self) -> None:
        self.view = None
        for w in (self.list, self.attendees, self.agenda, self.action_list):
            w.clear()
        self.notes.clear()
        self.action_text.clear()


# -- presentation mode ----------------------------------------------------------------------

PRESENT_PT = 26


class PresentationWindow(GuardedWindow):
    """One agenda item at a time, in large text, for a screen others can see. People supported
    appear only as Person A, B…, and no free text is shown (it can name someone): only what was
    chosen from lists, and the questions to talk about. Leaving needs the coordinator's
    passphrase."""

    def __init__(self, view: supervision.GroupSession, authors: dict[str, str], *,
                 check_passphrase: Callable[[str, Callable[[bool], None]], None],
                 known_names: Sequence[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("PeerDesk: group supervision")
        self.setModal(True)
        self.view, self.authors = view, authors
        self.names = list(known_names)
        self.index = 0
        self.aliases: dict[str | None, str] = {}
        for rec in view.agenda:
            if rec.person_id and rec.person_id not in self.aliases:
                self.aliases[rec.person_id] = supervision.alias(len(self.aliases))
        # A style sheet, so the app's theme cannot shrink it back.
        self.setStyleSheet(f"QWidget {{ font-size: {PRESENT_PT}pt; }}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 32, 40, 32)
        layout.setSpacing(18)
        self.position = state_label("Presentation", role=None)
        # Secondary, but read from across a room: the theme's muted text, not the palette's
        # "mid" (a border shade that measured 1.8:1).
        self.position.setStyleSheet(f"font-size: {PRESENT_PT - 6}pt; color: {theme.colours().muted};")
        self.title = Heading("")  # each item's title, heard as a heading
        self.title.setStyleSheet(f"font-size: {PRESENT_PT + 4}pt; font-weight: bold;")
        self.title.setWordWrap(True)
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.PlainText)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.position)
        layout.addWidget(self.title)
        layout.addWidget(self.body, 1)
        nav = QHBoxLayout()
        self.back = QPushButton("Previous")
        self.next = QPushButton("Next")
        self.leave = QPushButton("Leave presentation…")
        nav.addWidget(self.back)
        nav.addWidget(self.next)
        nav.addStretch(1)
        nav.addWidget(self.leave)
        layout.addLayout(nav)
        layout.addWidget(self.add_guard(
            check_passphrase, label="Your passphrase, to leave",
            refused="That passphrase did not match. Presentation goes on."))
        self.back.clicked.connect(lambda: self.go(self.index - 1))
        self.next.clicked.connect(lambda: self.go(self.index + 1))
        self.leave.clicked.connect(self.guard.ask)
        QShortcut(QKeySequence(Qt.Key.Key_Right), self).activated.connect(self.next.click)
        QShortcut(QKeySequence(Qt.Key.Key_Left), self).activated.connect(self.back.click)
        # Enter never goes to a default button: Previous was one.
        for button in (self.back, self.next, self.leave):
            button.setAutoDefault(False)
        self.go(0)

    def item_text(self, rec: Record) -> tuple[str, str]:
        f = rec.fields
        who = self.authors.get(rec.author_id, "A peer")
        about = self.aliases.get(rec.person_id, "")
        title = f"{who} brought: {headline(rec)}" + (f", with {about}" if about else "")
        lines: list[str] = []
        # Only what was chosen from lists: free text can name someone, and the coordinator's
        # computer does not know every name to take out. The peer tells the rest aloud.
        if rec.kind is Kind.DIARY:
            for name in ("setting", "peer_brought", "mechanisms"):
                if f.get(name):
                    lines.append(f"{spec(Kind.DIARY).by_name[name].label}: "
                                 f"{_label(Kind.DIARY, name, f[name])}")
        else:
            area = next((c for c in spec(Kind.REFLECTION).by_name["boundary_area"].choices
                         if c.id == f.get("boundary_area")), None)
            if area is not None and area.prompts:
                lines.append("To talk about:\n" + "\n".join(f"• {q}" for q in area.prompts))
        lines.append(f"Themes to think about: {self.theme_hint(rec)}")
        return title, "\n\n".join(lines)

    @staticmethod
    def theme_hint(rec: Record) -> str:
        area = str(rec.fields.get("boundary_area") or rec.fields.get("contact_type") or "")
        hints = {"sharing_lived_experience": "self-disclosure; hope without fixing",
                 "relationships": "friendship, attachment and endings",
                 "contact_outside_role": "contact outside agreed hours; dual relationships",
                 "restrictive_practice": "power and choice; \"in but not of\" the system",
                 "risk_and_safety": "confidentiality, duty to share, safeguarding",
                 "keeping_well": "my own wellbeing", "first_ward_contact": "listening first",
                 "accompanied": "strengths and community; lone working"}
        return hints.get(area, "what made this peer support")

    def go(self, index: int) -> None:
        items = self.view.agenda
        if not items:
            self.position.setText("Nothing was brought to this session.")
            self.title.clear()
            self.body.setText("Open actions and themes can still be talked through.")
            self.back.setEnabled(False)
            self.next.setEnabled(False)
            return
        self.index = max(0, min(index, len(items) - 1))
        self.position.setText(f"Item {self.index + 1} of {len(items)}")
        title, body = self.item_text(items[self.index])
        self.title.setText(title)
        announce(self.position, f"{self.position.text()}: {title}")
        self.body.setText(body)
        self.back.setEnabled(self.index > 0)
        self.next.setEnabled(self.index < len(items) - 1)

    def wipe(self) -> None:
        self.title.clear()
        self.body.clear()
        self.close_wiped()


def passphrase_checker(verify: Callable[[str], bool], run: Run,
                       ) -> Callable[[str, Callable[[bool], None]], None]:
    def check(text: str, answered: Callable[[bool], None]) -> None:
        run(lambda: verify(text), answered)
    return check


__all__ = ["InboxPage", "PresentationWindow", "SessionJobs", "SupervisionPage", "headline",
           "passphrase_checker", "record_html"]
