"""One editor for every record kind, built from the catalogue's field specs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from peerdesk import dates
from peerdesk.catalogue import spec
from peerdesk.clock import utcnow
from peerdesk.domain import PLAN_KINDS, Kind, Record
from peerdesk.domain.records import NOT_ABOUT_A_PERSON
from ui import language
from ui.widgets.banner import MessageBanner
from ui.widgets.common import field_label, heading, muted, state_label
from ui.widgets.reflow import Fill, FlowLayout, ReflowBox, scrolling
from ui.widgets.spec_form import SpecForm

AUTOSAVE_MS = 2500  # a few seconds after typing stops
HINT_KINDS = frozenset({Kind.DIARY, Kind.REFLECTION, Kind.PERSON})
RISK_KINDS = frozenset({Kind.DIARY})
# What the peer did about a risk: shown when a risk is noticed, when the diary already says, or
# when she asks for them; most diaries do not need them, and they are many stops for Tab.
SAFETY_FIELDS = ("safety_action", "safety_note", "clinical_record")
SHAREABLE = frozenset({Kind.DIARY, Kind.REFLECTION})


@dataclass(frozen=True)
class Snapshot:
    """What an editor holds, taken on the UI thread and saved as a draft on the worker."""

    kind: Kind
    fields: dict[str, Any]
    draft_id: str | None
    record_id: str | None
    person_id: str | None


ASK_WHO = "?"  # the person box's "Choose who this is about…": not a record id

class RecordEditor(QWidget):
    save_requested = Signal(object, bool)  # editor, close after saving
    draft_due = Signal(object)
    close_requested = Signal(object)
    versions_requested = Signal(object)
    copy_requested = Signal(object)
    sar_requested = Signal(object)  # a person's subject access bundle
    handover_requested = Signal(object)  # a person's support: hand over, share, cover
    continue_requested = Signal(object)  # a plan handed over: carry it on as one's own
    consent_requested = Signal(object)  # a plan's consent panel
    share_requested = Signal(object, str)
    unshare_requested = Signal(object, str)
    delete_requested = Signal(object)
    saved = Signal(object)  # Record, after a save went through
    cowrite_requested = Signal(object)  # a plan: write it together with the person
    support_requested = Signal(object)  # a check-in's "I need some support": tell a coordinator
    staying_well_requested = Signal(object)  # a check-in's link to the staying-well plan
    handout_requested = Signal(object)  # a diary's chosen resource pack entries, on paper

    def __init__(self, kind: Kind, *, record: Record | None = None,
                 people: Sequence[tuple[str, str]] = (), person_id: str | None = None,
                 read_only: bool = False, coordinators: Sequence[str] = (),
                 escalation_text: str = "", author: str = "",
                 carried: Mapping[str, str] | None = None,
                 pack: Sequence[tuple[str, str]] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.kind_spec = spec(kind)
        self.record = record
        self.draft_id: str | None = None
        self.read_only = read_only
        self.dirty = False
        self._escalation_text = escalation_text
        self._risk_prompted = False
        self._support_sent = False
        self.setAccessibleName(f"{kind.label} editor")

        # Everything scrolls together when the window is smaller than the editor needs (200 %
        # text on a ward screen); on a larger one only the form scrolls, the buttons stay put.
        frame = QVBoxLayout(self)
        frame.setContentsMargins(0, 0, 0, 0)
        content = Fill()
        frame.addWidget(scrolling(content))
        outer = QVBoxLayout(content)
        top = QHBoxLayout()
        title = self.kind_spec.title if kind in PLAN_KINDS else kind.label
        self.title_label = heading(title)
        top.addWidget(self.title_label, 1)
        self.status = state_label("Saving status")
        self.status.setWordWrap(False)
        top.addWidget(self.status)
        outer.addLayout(top)
        if read_only:
            # A person record or a plan reaches another peer only through a handover.
            how = ("Written by {author}, who handed this person's support to you or shares "
                   "it with you" if kind is Kind.PERSON or kind in PLAN_KINDS
                   else "Shared with you for supervision by {author}").format(author=author)
            outer.addWidget(muted(f"{how}. You can read it; only the person who wrote it can "
                                  "change it."))

        self.banner = MessageBanner()
        outer.addWidget(self.banner)
        self.safety = MessageBanner()
        outer.addWidget(self.safety)

        body = ReflowBox()
        column_widget = QWidget()
        column = QVBoxLayout(column_widget)
        column.setContentsMargins(0, 0, 0, 0)
        self.person_box: QComboBox | None = None
        if kind not in NOT_ABOUT_A_PERSON:
            self.person_box = self._person_picker(people, record.person_id if record
                                                  else person_id, fixed=record is not None
                                                  or read_only)
            column.addWidget(field_label("Person this is about", self.person_box))
            column.addWidget(self.person_box)
        if self.kind_spec.intro:
            column.addWidget(muted(self.kind_spec.intro))
        # A new diary starts from what was agreed last time with the person.
        self._carried = dict(carried or {})
        self.carried = state_label("Follow-up agreed last time", role="carried")
        self.carried.setWordWrap(True)
        self.carried.setObjectName("carried")
        column.addWidget(self.carried)
        if self.person_box is not None:
            self.person_box.currentIndexChanged.connect(self._show_carried)
        self._show_carried()

        self.form = SpecForm(self.kind_spec, read_only=read_only)
        self.resource_picker: QListWidget | None = None
        self._other_resources: list[str] = []  # names from before the picker, matched to none
        self._kept: dict[str, Any] = {}
        if kind is Kind.DIARY:
            self._add_resource_picker(pack, read_only=read_only)
        self.prompts: QLabel | None = None
        if kind is Kind.REFLECTION:
            self.prompts = state_label("Questions that may help")
            column.addWidget(self.prompts)
            area = self.form.widget_for("boundary_area")
            area.currentIndexChanged.connect(self._show_prompts)  # type: ignore[attr-defined]
        scroll = self.form_scroll = scrolling(self.form)
        # Enough of the form to write in, however little room is left around it.
        scroll.setMinimumHeight(self.fontMetrics().lineSpacing() * 10)
        column.addWidget(scroll, 1)
        body.add(column_widget, 3, columns=40)

        self.hints_panel: QFrame | None = None
        self.hints_label: QLabel | None = None
        if kind in HINT_KINDS and not read_only:
            self.hints_panel = QFrame()
            self.hints_panel.setObjectName("hints")
            panel = QVBoxLayout(self.hints_panel)
            panel.addWidget(heading("Language", role="subheading"))
            panel.addWidget(muted("Suggestions for recovery-focused wording appear here as you "
                                  "write. They are only suggestions: your words are never "
                                  "changed."))
            self.hints_label = state_label("Language suggestions", role=None)
            self.hints_label.setTextFormat(Qt.TextFormat.RichText)
            panel.addWidget(self.hints_label)
            panel.addStretch(1)
            # Its own scroll: a long list of suggestions must not make the editor taller.
            hints = scrolling(self.hints_panel)
            hints.setMaximumWidth(self.fontMetrics().averageCharWidth() * 50)
            hints.setMinimumHeight(self.fontMetrics().lineSpacing() * 6)
            body.add(hints, 1, columns=30)
        outer.addWidget(body, 1)

        buttons = FlowLayout()
        self.save_button = QPushButton("&Save")
        self.save_close_button = QPushButton("Save and close")
        self.close_button = QPushButton("Close")
        self.close_button.setAccessibleDescription(
            "Closes the editor. Anything not saved is kept as an encrypted draft on Today.")
        self.versions_button = QPushButton("Versions…")
        self.versions_button.setAccessibleDescription("Earlier versions, side by side")
        for b in (self.save_button, self.save_close_button):
            b.setEnabled(not read_only)
            buttons.addWidget(b)
        for button in self._record_buttons(kind, read_only=read_only):
            buttons.addWidget(button)
        self._coordinators = list(coordinators)
        self._fill_share_menu(())
        buttons.addWidget(self.versions_button)
        # A person withdrawing erases everything about them; anything else is deleted with
        # its history kept.
        self.delete_button = QPushButton("The person withdraws: erase…" if kind is Kind.PERSON
                                         else "Delete…")
        self.delete_button.setAccessibleDescription(
            "Erases this person and every plan and diary about them, on this computer and the "
            "share. It cannot be undone." if kind is Kind.PERSON else
            "Removes it from your lists; earlier versions stay in its history.")
        self.delete_button.setVisible(not read_only)
        self.delete_button.clicked.connect(lambda: self.delete_requested.emit(self))
        buttons.addWidget(self.delete_button)
        buttons.addWidget(self.close_button)
        outer.addLayout(buttons)
        self.shared_label = state_label("Who can read this")
        outer.addWidget(self.shared_label)

        self.save_button.clicked.connect(lambda: self.save_requested.emit(self, False))
        self.save_close_button.clicked.connect(lambda: self.save_requested.emit(self, True))
        self.close_button.clicked.connect(lambda: self.close_requested.emit(self))
        self.versions_button.clicked.connect(lambda: self.versions_requested.emit(self))
        QShortcut(QKeySequence.StandardKey.Save, self).activated.connect(self.save_button.click)
        QShortcut(QKeySequence("Ctrl+W"), self).activated.connect(self.close_button.click)

        self._autosave = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self._autosave.timeout.connect(lambda: self.draft_due.emit(self))
        self._hint_timer = QTimer(self, singleShot=True, interval=300)
        self._hint_timer.timeout.connect(self._update_hints)

        self._fill(record)
        self.form.changed.connect(self._on_changed)
        self._offer_support_when_asked()
        self.set_readers(())  # the desk says who else can read a saved record once it is open
        self._show_prompts()
        self._update_hints()
        self._show_saved_state()

    def _fill(self, record: Record | None) -> None:
        if self.kind in RISK_KINDS:
            self.form.show_fields(SAFETY_FIELDS, shown=record is not None and any(
                record.fields.get(f) for f in SAFETY_FIELDS))
        if record is None:
            return
        self.form.set_values(record.fields)
        self._put_resources(record.fields.get("resources"))
        # Once per diary: a risk already in a saved diary was prompted for when written.
        self._risk_prompted = language.mentions_risk(
            "\n".join(e.toPlainText() for e in self.form.long_texts))
        if self._risk_prompted and self.kind in RISK_KINDS:
            self.form.show_fields(SAFETY_FIELDS, shown=True)

    def _record_buttons(self, kind: Kind, *, read_only: bool) -> list[QPushButton]:
        """What this kind of record offers besides saving: a plan's copy and consent, a
        person's subject access bundle, sharing a diary or reflection."""
        out: list[QPushButton] = []
        self.copy_button: QPushButton | None = None
        if kind in PLAN_KINDS or (kind is Kind.PERSON and not read_only):
            self.copy_button = QPushButton("Copy for the person (PDF or print)…"
                                           if kind in PLAN_KINDS else "Papers for the person…")
            if kind is Kind.PERSON:
                self.copy_button.setAccessibleDescription(
                    "What to expect from peer support, the crisis card, the ending letter")
            self.copy_button.clicked.connect(lambda: self.copy_requested.emit(self))
            out.append(self.copy_button)
        self.cowrite_button: QPushButton | None = None
        if kind in PLAN_KINDS and not read_only:
            self.cowrite_button = QPushButton("Write together (full screen)…")
            self.cowrite_button.setAccessibleDescription(
                "This plan alone, in large text, for the person to read, write and agree. "
                "Leaving needs your passphrase.")
            self.cowrite_button.clicked.connect(lambda: self.cowrite_requested.emit(self))
            out.append(self.cowrite_button)
        self.consent_button: QPushButton | None = None
        if kind in PLAN_KINDS and not read_only:
            self.consent_button = QPushButton("Who can see this…")
            self.consent_button.setAccessibleDescription(
                "The people the person agreed can have a copy of this plan")
            self.consent_button.clicked.connect(lambda: self.consent_requested.emit(self))
            out.append(self.consent_button)
        self.sar_button: QPushButton | None = None
        if kind is Kind.PERSON and not read_only:
            self.sar_button = QPushButton("Everything held about them…")
            self.sar_button.setAccessibleDescription(
                "For a subject access request: a PDF, a web page and JSON of every record and "
                "version about this person, and who saw them")
            self.sar_button.clicked.connect(lambda: self.sar_requested.emit(self))
            out.append(self.sar_button)
        out += self._support_buttons(kind, read_only=read_only)
        self.staying_well_button: QPushButton | None = None
        if kind is Kind.CHECKIN and not read_only:
            self.staying_well_button = QPushButton("My staying-well plan…")
            self.staying_well_button.setAccessibleDescription(
                "Your own plan for keeping well at work. Only you can read it.")
            self.staying_well_button.clicked.connect(
                lambda: self.staying_well_requested.emit(self))
            out.append(self.staying_well_button)
        self.concern_button: QPushButton | None = None
        if kind in RISK_KINDS and not read_only:
            self.concern_button = QPushButton("A safety concern: what I did…")
            self.concern_button.setAccessibleDescription(
                "Shows where to record what you did about a risk, and whether the clinical "
                "record has it")
            self.concern_button.clicked.connect(self.go_to_safety)
            out.append(self.concern_button)
        self.handout_button: QPushButton | None = None
        if kind is Kind.DIARY:
            self.handout_button = QPushButton("Handout for the person…")
            self.handout_button.setAccessibleDescription(
                "A one-page PDF of the resource pack entries ticked, with no names on it")
            self.handout_button.clicked.connect(lambda: self.handout_requested.emit(self))
            out.append(self.handout_button)
        self.share_button: QPushButton | None = None
        if kind in SHAREABLE and not read_only:
            self.share_button = QPushButton("Share for supervision…")
            self.share_button.setMenu(QMenu(self.share_button))
            out.append(self.share_button)
        return out

    def _support_buttons(self, kind: Kind, *, read_only: bool) -> list[QPushButton]:
        """A person's support handed over, shared or covered; a plan handed over carried on."""
        out: list[QPushButton] = []
        self.handover_button: QPushButton | None = None
        if kind is Kind.PERSON and not read_only:
            self.handover_button = QPushButton("Hand over support…")
            self.handover_button.setAccessibleDescription(
                "With the person's agreement: another peer takes on their support, shares it, "
                "or covers while you are away")
            self.handover_button.clicked.connect(lambda: self.handover_requested.emit(self))
            out.append(self.handover_button)
        self.continue_button: QPushButton | None = None
        if kind in PLAN_KINDS and read_only:
            self.continue_button = QPushButton("Carry on this plan…")
            self.continue_button.setAccessibleDescription(
                "When the person's support was handed to you: the plan as yours from now on, "
                "starting from these words; its earlier versions stay as they were written")
            self.continue_button.clicked.connect(lambda: self.continue_requested.emit(self))
            out.append(self.continue_button)
        return out

    def _person_picker(self, people: Sequence[tuple[str, str]], chosen: str | None, *,
                       fixed: bool) -> QComboBox:
        box = QComboBox()
        if not fixed and not chosen and self.kind in PLAN_KINDS:
            # A plan started with no one in view (New…): asked, never assumed.
            box.addItem("Choose who this is about…", ASK_WHO)
        box.addItem("Not about one person", None)
        for pid, label in people:
            box.addItem(label, pid)
        if chosen:
            box.setCurrentIndex(max(0, box.findData(chosen)))
        # A record stays with the person it was written about.
        box.setEnabled(not fixed)
        box.currentIndexChanged.connect(self._on_changed)
        return box
    def _share_with(self, name: str, *, stop: bool = False) -> Callable[[], None]:
        signal = self.unshare_requested if stop else self.share_requested
        return lambda: signal.emit(self, name)

    def _fill_share_menu(self, readers: Sequence[str]) -> None:
        if self.share_button is None:
            return
        menu = self.share_button.menu()
        menu.clear()
        for name in self._coordinators:
            if name in readers:
                menu.addAction(f"Stop sharing with {name}", self._share_with(name, stop=True))
            else:
                menu.addAction(f"Share with {name}", self._share_with(name))
        if not self._coordinators:
            menu.addAction("No coordinator on this computer yet").setEnabled(False)

    # -- state ----------------------------------------------------------------------------

    @property
    def record_id(self) -> str | None:
        return self.record.id if self.record else None

    def person_id(self) -> str | None:
        if self.record is not None:
            return self.record.person_id
        if self.person_box is None or self.needs_person():
            return None
        return self.person_box.currentData()  # type: ignore[no-any-return]

    def needs_person(self) -> bool:
        """A new record whose person has not been chosen yet (not even "not about one")."""
        return (self.record is None and self.person_box is not None
                and self.person_box.currentData() == ASK_WHO)

    def ask_for_person(self) -> None:
        assert self.person_box is not None
        self.banner.show_problem("Choose who this is about before saving, or choose "
                                 "\u201cNot about one person\u201d.")
        self.person_box.setFocus()

    def keep_fields(self, fields: Mapping[str, Any]) -> None:
        """Values no form shows that this editor saves as they are (a pack entry made from
        a peer's proposal keeps which one)."""
        self._kept = dict(fields)

    def values(self) -> dict[str, Any]:
        values = self.form.values() | self._kept
        if self.resource_picker is not None:
            values["resources"] = self.chosen_resources() + self._other_resources
        return values

    # -- the diary's resource picker: entries of the team's pack, never free text --------

    def _add_resource_picker(self, pack: Sequence[tuple[str, str]], *, read_only: bool) -> None:
        picker = self.resource_picker = QListWidget()
        for entry_id, name in pack:
            item = QListWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, entry_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            picker.addItem(item)
        if not pack:
            empty = QListWidgetItem("The resource pack is empty: your coordinator adds entries.")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            picker.addItem(empty)
        picker.setMaximumHeight(self.fontMetrics().lineSpacing() * 8)
        picker.setEnabled(not read_only)
        picker.itemChanged.connect(lambda _i: self._on_changed())
        self.form.place("resources", field_label("Resource pack entries shared or visited", picker,
                                         description="Tick the entries; a handout of them "
                                                     "can be printed for the person"), picker)

    def _put_resources(self, values: Any) -> None:
        picker = self.resource_picker
        if picker is None:
            return
        by_id = {picker.item(i).data(Qt.ItemDataRole.UserRole): picker.item(i)
                 for i in range(picker.count())}
        by_name = {" ".join(i.text().split()).casefold(): i for i in by_id.values()}
        picker.blockSignals(True)
        for item in by_id.values():
            if item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
                item.setCheckState(Qt.CheckState.Unchecked)
        self._other_resources = []
        for value in values or ():
            found = by_id.get(str(value)) or by_name.get(" ".join(str(value).split()).casefold())
            if found is None:
                self._other_resources.append(str(value))  # kept as it was, never lost
            else:
                found.setCheckState(Qt.CheckState.Checked)
        picker.blockSignals(False)

    def chosen_resources(self) -> list[str]:
        picker = self.resource_picker
        if picker is None:
            return []
        return [str(picker.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(picker.count())
                if picker.item(i).checkState() == Qt.CheckState.Checked]

    def snapshot(self) -> Snapshot:
        return Snapshot(self.kind, self.values(), self.draft_id, self.record_id, self.person_id())

    def load_draft(self, draft_id: str, fields: dict[str, Any]) -> None:
        self.draft_id = draft_id
        self.form.set_values(fields)
        self._put_resources(fields.get("resources"))
        self.dirty = True
        self.status.setText("Draft brought back: not saved as a record yet")
        self._update_hints()

    def mark_changed(self) -> None:
        """A change made through set_values (which is silent): draft and save it as typing."""
        self._on_changed()

    def _on_changed(self) -> None:
        if self.read_only:
            return
        self.dirty = True
        self.status.setText("Changed: not saved yet")
        self._autosave.start()
        self._hint_timer.start()

    def mark_draft_saved(self, draft_id: str) -> None:
        self.draft_id = draft_id
        if self.dirty:
            self.status.setText(f"Draft kept safely (encrypted) at {dates.clock_time(utcnow())}")

    def mark_saved(self, record: Record) -> None:
        self.record = record
        self.draft_id = None
        self.dirty = False
        self._autosave.stop()
        if self.person_box is not None:
            self.person_box.setEnabled(False)
        self._show_saved_state()
        self.banner.show_done(f"Saved (version {record.version}).")
        self.saved.emit(record)

    def set_readers(self, names: Sequence[str]) -> None:
        self._fill_share_menu(names)
        if self.kind in SHAREABLE:
            self.shared_label.setText(
                "Only you can read this." if not names else
                "You and, for supervision: " + ", ".join(names) + ". "
                + ("Your 'keeping myself well' notes stay private to you."
                   if self.kind is Kind.REFLECTION else ""))

    def _show_saved_state(self) -> None:
        self.versions_button.setEnabled(self.record is not None)
        self.delete_button.setEnabled(self.record is not None)
        if self.copy_button is not None:
            self.copy_button.setEnabled(self.record is not None)
        if self.sar_button is not None:
            self.sar_button.setEnabled(self.record is not None)
        if self.handover_button is not None:
            self.handover_button.setEnabled(self.record is not None)
        if self.consent_button is not None:
            self.consent_button.setEnabled(self.record is not None)
        if self.share_button is not None:
            self.share_button.setEnabled(self.record is not None)
        if self.record is None:
            self.status.setText("New: not saved yet")
        else:
            self.status.setText(f"Saved: version {self.record.version}, "
                                f"{dates.short_moment(self.record.saved_at)}")

    # -- hints and prompts ----------------------------------------------------------------

    def _show_carried(self) -> None:
        text = self._carried.get(self.person_id() or "", "") if self.record is None else ""
        self.carried.setText(text)
        self.carried.setVisible(bool(text))

    def _show_prompts(self) -> None:
        if self.prompts is None:
            return
        area = self.form.values().get("boundary_area")
        choice = next((c for c in self.kind_spec.by_name["boundary_area"].choices
                       if c.id == area), None)
        if choice is None or not choice.prompts:
            self.prompts.setText("Choose a boundary area to see questions that may help.")
        else:
            self.prompts.setText("Questions that may help: " + "  ·  ".join(choice.prompts))

    def _update_hints(self) -> None:
        text = "\n".join(e.toPlainText() for e in self.form.long_texts)
        if self.hints_label is not None:
            found = language.hints(text)
            if not found:
                self.hints_label.setText("No suggestions right now.")
            else:
                self.hints_label.setText("".join(
                    f"<p>Instead of “<b>{_esc(h.found)}</b>”, you might write: "
                    f"<i>{_esc(h.consider)}</i></p>" for h in found[:8]))
        if (self.kind in RISK_KINDS and not self._risk_prompted and not self.read_only
                and language.mentions_risk(text)):
            # Once per diary: a private diary must not be the only place a risk is written.
            self._risk_prompted = True
            self.form.show_fields(SAFETY_FIELDS, shown=True)
            self.safety.show_safety(f"{self._escalation_text} Then say below what you did, and "
                                    "whether it is in the clinical record.")
            self.safety.set_action("Go to “what I did”", self.go_to_safety)

    def _offer_support_when_asked(self) -> None:
        if self.kind is Kind.CHECKIN and not self.read_only:
            how = self.form.widget_for("how_i_am")
            how.currentIndexChanged.connect(self._offer_support)  # type: ignore[attr-defined]

    def _offer_support(self) -> None:
        if self.form.values().get("how_i_am") != "need_support" or self._support_sent:
            return
        self.banner.show_info(
            "Would you like your coordinator to know you asked for a conversation? Only that "
            "is sent, with today's date: nothing you write here, and not how you rated things.")
        self.banner.set_action("Tell my coordinator", lambda: self.support_requested.emit(self))

    def support_sent(self, names: Sequence[str]) -> None:
        self._support_sent = True
        who = ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]
        self.banner.show_done(f"{who} can see that you asked for a conversation, and nothing "
                              "else.")

    def go_to_safety(self) -> None:
        self.form.show_fields(SAFETY_FIELDS, shown=True)
        group, first = self.form.widgets_for("safety_action")[:2]
        self.form_scroll.ensureWidgetVisible(group)
        first.setFocus(Qt.FocusReason.OtherFocusReason)

    def hint_texts(self) -> str:
        return self.hints_label.text() if self.hints_label else ""

    # -- lock -----------------------------------------------------------------------------

    def wipe(self) -> None:
        """Clear every decrypted value from this editor's widgets (on lock)."""
        self._autosave.stop()
        self._hint_timer.stop()
        self.form.clear()
        if self.person_box is not None:
            self.person_box.clear()
        self._carried = {}
        self._other_resources = []
        if self.resource_picker is not None:
            self.resource_picker.clear()
        for label in (self.hints_label, self.prompts, self.carried):
            if label is not None:
                label.clear()
        self.banner.clear()
        self.safety.clear()
        self.shared_label.clear()
        self.record = None


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
