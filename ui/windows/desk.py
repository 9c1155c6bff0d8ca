"""The signed-in desk: navigation, lists, search, editors. Everything here is wiped on lock."""

from __future__ import annotations

import gc
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from peerdesk import dates, exports, search
from peerdesk.clock import utcnow
from peerdesk.config import Policy
from peerdesk.domain import PLAN_KINDS, Account, Kind, Record, Role
from peerdesk.errors import AccessProblem
from peerdesk.progress import CancelToken, Progress
from peerdesk.services import (
    Desk,
    Draft,
    auditcheck,
    cover,
    fidelity,
    fromshare,
    governance,
    igrecovery,
    journey,
    leavers,
    membership,
    papers,
    resources,
    supervision,
    wellbeing,
    workqueue,
)
from peerdesk.services import consent as consent_service
from peerdesk.services import handover as handover_service
from peerdesk.services import sar as sar_service
from peerdesk.services.arrival import arrive
from peerdesk.services.governance import AccessEvent, access_to_my_records
from ui import theme
from ui.errors import show_error
from ui.models.drafts import DraftListModel
from ui.models.records import UNKNOWN, RecordTableModel, Was
from ui.models.rows import (
    BOOKKEEPING,
    Row,
    Whose,
    free_in_steps,
    lists,
    lists_of,
    make_row,
    make_rows,
    recent,
)
from ui.models.workqueue import TodayCells, WorkQueueModel, work_cells
from ui.prefs import Display, Prefs
from ui.sync_status import SyncBar
from ui.tasks import Lane, TaskRunner
from ui.widgets.banner import MessageBanner
from ui.widgets.common import clearable
from ui.widgets.reflow import FlowLayout, PageStack, scrolling
from ui.windows.access import AccessDialog
from ui.windows.consent import ConsentDialog
from ui.windows.coordinator import FidelityPage
from ui.windows.cowriting import CoWritingWindow
from ui.windows.dialogs import LockableDialog, PlanCopyDialog, VersionsDialog
from ui.windows.editor import RecordEditor, Snapshot
from ui.windows.handover import HandoverDialog
from ui.windows.leavers import LeaverDialog, LeaverJobs
from ui.windows.pages import ListPage, PeoplePage, TodayPage, fit_columns
from ui.windows.recovery import RecoveryPage
from ui.windows.resources_page import PackJobs, ResourcePackPage
from ui.windows.supervision import (
    InboxPage,
    PresentationWindow,
    SessionJobs,
    SupervisionPage,
    passphrase_checker,
)
from ui.windows.team_page import TeamPage
from ui.windows.wellbeing import WellbeingPage

if TYPE_CHECKING:
    from peerdesk.services.sync import SyncReport

T = TypeVar("T")
SEARCH_DELAY_MS = 50  # a pause after each key while a search reads every row (no index yet)
RECENT = 20
NAV = ["Today", "People I support", "Diary", "Reflections", "Plans", "Shared with supervision",
       "Fidelity and engagement", "Resource pack"]
COORDINATOR_NAV = ["Supervision inbox", "Group supervision"]
PEER_NAV = ["My wellbeing"]
ADMIN_NAV = ["Team members"]
IG_NAV = "Recovery from the team share"  # only while her certificate carries the IG duty


@dataclass
class Loaded:
    """Everything read at unlock, decrypted on the worker thread."""

    desk: Desk
    rows: list[Row]
    drafts: list[Draft]
    accounts: list[Account]
    shared_ids: set[str]
    # Today: kept on the database lane (only jobs there touch it); what it said at loading.
    queue: workqueue.Queue
    today: TodayCells | None  # None: records are still to be read (``rest``)
    rest: list[str] = field(default_factory=list)  # ids still to read, in the background


# A vault this size is read whole before the desk shows. A larger one shows the desk from its
# people and newest records; the rest is read in batches on the database lane (a save waits
# for one batch at most) and Today and the lists fill in once everything is read.
WHOLE_LOAD = 3_000
FIRST_BATCH = 1_000
BATCH = 4_000
# Rows a sync changed that each list changes one by one (more: the lists are worked out again).
ROW_BY_ROW = 50


@dataclass(frozen=True)
class Arrival:
    """What is worked out once every record is read."""

    today: TodayCells
    away: str  # a cover notice
    asks: list[Record]  # requests for a conversation
    plans_moved: int


def _no_collection(fn: Callable[[], T]) -> T:
    """A full garbage collection over tens of thousands of new objects holds the interpreter
    lock for tens of milliseconds, stalling the UI thread too. None is needed while reading,
    and what was read is frozen out of later collections until the lock (see thaw()).
    Nothing is collected here, on a worker: collections run on the UI thread only
    (ui.collector). The few hundred objects a batch leaves in cycles are frozen with the rest
    and freed at the lock."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        out = fn()
        gc.freeze()
        return out
    finally:
        if enabled:
            gc.enable()


def load(desk: Desk, policy: Policy, token: CancelToken | None = None) -> Loaded:
    """Runs on the worker: decrypt what the desk shows first and prepare the rows."""
    return _no_collection(lambda: _load(desk, policy, token))


def _load(desk: Desk, policy: Policy, token: CancelToken | None) -> Loaded:
    ids = desk.record_ids()
    if len(ids) <= WHOLE_LOAD:
        loaded = read(desk, policy, token)
        # Cover sharing, the consent ledger as the one list, delivery figures.
        arrived = arrive(desk, [r.record for r in loaded.rows])
        if arrived.plans_named_moved:
            loaded = read(desk, policy, token)  # the plans just changed
        return loaded
    accounts = desk.vault.accounts()
    drafts = desk.drafts()
    first = ids[:FIRST_BATCH]
    wanted = set(first)
    first += [d.record_id for d in drafts if d.record_id and d.record_id not in wanted]
    wanted.update(first)
    records = desk.records(ids=first)
    if token:
        token.check()
    queue = workqueue.Queue(today=dates.today(), first_meeting_days=policy.first_meeting_days,
                            author_id=desk.user.id)
    queue.load(records)
    return Loaded(desk, make_rows(records, {a.id: a.name for a in accounts}), drafts, accounts,
                  set(desk.shared_by_me()), queue, None,
                  [i for i in ids[FIRST_BATCH:] if i not in wanted])


def read_batch(desk: Desk, ids: list[str], authors: dict[str, str], people: dict[str, str],
               queue: workqueue.Queue) -> list[Row]:
    """On the database lane: one batch of the records read after the desk showed."""
    def batch() -> list[Row]:
        records = desk.records(ids=ids)
        queue.load(records)
        return make_rows(records, authors, people)
    return _no_collection(batch)


def arrived(desk: Desk, queue: workqueue.Queue, records: list[Record],
            names: dict[str, str], *, signing_in: bool = True) -> Arrival:
    """On the database lane, once every record is read: Today, and when signing in, what
    signing in does (arrive()) and what the banner says."""
    def work() -> Arrival:
        if not signing_in:  # read again after a sync
            return Arrival(today_cells(queue, names), "", [], 0)
        moved = arrive(desk, records).plans_named_moved
        today = dates.today()
        return Arrival(today_cells(queue, names), cover.notice(records, names, today),
                       wellbeing.asks_for_me(records, me=desk.user.id, today=today), moved)
    try:
        return _no_collection(work)
    finally:
        give_back_freed_memory()


def give_back_freed_memory() -> None:
    """Once every record is read: the words folded for speed while reading go (up to 65,536
    of them, over 10 MB with a large vocabulary; a save folds its own few again), and the
    heap the reading freed (each batch's ciphertexts and parsed text) goes back to the
    system. glibc keeps it for the process otherwise, about 7 MB at 100,000 records."""
    search.forget()
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library the process already has
    except (OSError, AttributeError):  # not glibc
        return
    trim(0)


def read(desk: Desk, policy: Policy, token: CancelToken | None = None) -> Loaded:
    """Runs on the worker: at unlock, and again after a sync brought something new."""
    accounts = desk.vault.accounts()
    records = desk.records()
    if token:
        token.check()
    authors = {a.id: a.name for a in accounts}
    rows = make_rows(records, authors)
    queue = workqueue.Queue(today=dates.today(), first_meeting_days=policy.first_meeting_days,
                            author_id=desk.user.id)
    queue.load(records)
    names = {r.record.id: r.person for r in rows if r.record.kind is Kind.PERSON} | authors
    return Loaded(desk, rows, desk.drafts(), accounts, set(desk.shared_by_me()), queue,
                  today_cells(queue, names))


def today_cells(queue: workqueue.Queue, names: dict[str, str]) -> TodayCells:
    """On the database lane (the queue's owner): Today's open items and their words."""
    today = dates.today()
    items = queue.items(today)
    return TodayCells(items, work_cells(items, names, today), today)


def thaw() -> None:
    """After the lock, once the rows are let go of: let the collector see (and free) what
    is left of what was loaded (DeskPage.wipe)."""
    gc.unfreeze()


class DeskPage(QWidget):
    lock_requested = Signal()
    switch_user_requested = Signal()
    loaded = Signal()  # every record read and listed (at once, unless the vault is large)

    def __init__(self, loaded: Loaded, *, runner: TaskRunner, policy: Policy, prefs: Prefs,
                 export_dir: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self._reading = False
        self._reload_due = False
        self._due_ids: set[str] = set()  # changed by a sync while reading: read after it
        self._seen: set[str] | None = None  # ids a reading again has given so far
        self.desk: Desk | None = loaded.desk
        self.user = loaded.desk.user
        self.policy = policy
        self.prefs = prefs
        self.export_dir_chosen = export_dir is not None
        self.export_dir = export_dir or Path(QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation) or Path.home())
        self.accounts = loaded.accounts
        self.authors = {a.id: a.name for a in loaded.accounts}
        self.rows: dict[str, Row] = {r.record.id: r for r in loaded.rows}
        self._people = {rid: r.person for rid, r in self.rows.items()
                        if r.record.kind is Kind.PERSON}
        self._queue = loaded.queue
        self.drafts: dict[str, Draft] = {d.id: d for d in loaded.drafts}
        self.shared_ids = set(loaded.shared_ids)
        self.editors: list[RecordEditor] = []
        self.dialogs: list[LockableDialog] = []

        self.recent_model = RecordTableModel(("when", "kind", "person", "summary"))
        self.work_model = WorkQueueModel()
        self.drafts_model = DraftListModel()
        self.people_model = RecordTableModel(("person", "pronouns", "started"))
        self.person_records_model = RecordTableModel(("when", "kind", "summary"))
        self.diary_model = RecordTableModel(("when", "person", "summary"))
        self.reflection_model = RecordTableModel(("when", "summary"))
        self.plans_model = RecordTableModel(("when", "kind", "person", "review"),
                                            headers={"when": "Agreed on"})
        self.shared_model = RecordTableModel(("when", "kind", "author", "summary"))
        self.search_model = RecordTableModel(("when", "kind", "person", "summary"))
        self._touched: set[str] = set()  # saved or gone since unlock: reading keeps them
        self._edits = 0
        for name, model in self._lists().items():  # search and filters: on the I/O lane
            model.search_with(self._search_off_thread, index_now=name == "search")
        self._build()
        self.refresh()
        self._today_whole = loaded.today is not None  # Today has read every record
        if loaded.today is not None:
            self.work_model.set_cells(loaded.today)
            self._say_away(cover.notice(self._all_records(), self.authors, dates.today()))
        # Drafts from earlier: the banner counts those still left, and goes once none are.
        self._earlier_drafts = set(self.drafts)
        self._drafts_said = ""
        self._say_earlier_drafts()
        if loaded.today is not None:
            self._say_asks(wellbeing.asks_for_me(self._all_records(), me=self.user.id,
                                                 today=dates.today()))
        # A full disk or a read-only folder: she can read; the banner says why nothing saves.
        cannot_save = self.desk.vault.cannot_save
        if cannot_save:
            self.banner.show_problem(cannot_save)
        if loaded.today is None:
            self._read_rest(loaded.rest, len(self.rows) + len(loaded.rest))

    def _say_away(self, away: str) -> None:
        if away:
            self.banner.show_info(away)

    def _say_asks(self, asks: list[Record]) -> None:
        if asks:
            said = "; ".join(f"{self.authors.get(a.author_id, 'A peer')} on "
                             f"{dates.short_day(str(a.fields['when']))}" for a in asks[:3])
            self.banner.show_info(f"Asked you for a conversation: {said}. Only that was sent: "
                                  "nothing they wrote.")
            self.banner.set_action("Open Today", lambda: self.nav.setCurrentRow(0))

    # -- reading a large vault after the desk shows -----------------------------------------

    @property
    def reading(self) -> bool:
        """Records are still being read in the background (a large vault, just unlocked)."""
        return self._reading

    def _read_rest(self, rest: list[str], total: int, *, signing_in: bool = True) -> None:
        """One batch on the database lane, then the next: saves go between them."""
        self._reading = True
        desk, queue = self.desk, self._queue
        assert desk is not None
        if not rest:
            if self._seen is not None:  # read again: what no batch gave is no longer readable
                unreadable = set(self.rows) - self._seen - self._touched  # not saved meanwhile
                self._seen = None
                if unreadable:
                    self._drop_rows(unreadable)
            records = [r.record for r in self.rows.values()]
            names = self._people | self.authors
            self._run(lambda: arrived(desk, queue, records, names, signing_in=signing_in),
                      self._arrived)
            return
        self.today.show_reading(total - len(rest), total)
        batch, later = rest[:BATCH], rest[BATCH:]
        authors, people = dict(self.authors), dict(self._people)

        def merge(rows: list[Row]) -> None:
            if self._seen is not None:
                self._seen.update(r.record.id for r in rows)
            for row in rows:
                rid = row.record.id
                if rid not in self._touched:
                    self.rows[rid] = row
                    if row.record.kind is Kind.PERSON:
                        self._people[rid] = row.person
            self._read_rest(later, total, signing_in=signing_in)
        self._run(lambda: read_batch(desk, batch, authors, people, queue), merge)

    def _arrived(self, got: Arrival) -> None:
        self._today_whole = True
        self.work_model.set_cells(got.today)
        self._say_away(got.away)
        self._say_asks(got.asks)
        if got.plans_moved:
            self.reload()  # names moved from plans onto their consent ledgers
        self._relist()

    def _relist(self) -> None:
        """Every list worked out on a worker from every row, then shown one list per turn of
        the event loop. A save meanwhile starts it again."""
        edits, rows, whose = self._edits, list(self.rows.values()), self._whose()

        def work() -> tuple[dict[str, list[Row]], list[Row]]:
            return lists(rows, whose), recent(rows, RECENT)
        self._run_io(work, lambda got: self._show_lists(got, edits))

    def _show_lists(self, got: tuple[dict[str, list[Row]], list[Row]], edits: int) -> None:
        named, newest = got
        steps: list[Callable[[], None]] = [partial(self.recent_model.set_rows, newest)]
        steps += [partial(model.set_rows, named[name], newest_first=True)
                  for name, model in self._lists().items()]
        steps.append(self._person_selected)

        def step() -> None:
            if self.desk is None:
                return
            if edits != self._edits:
                self._relist()
                return
            steps.pop(0)()
            if steps:
                QTimer.singleShot(0, self, step)
            else:
                self._reading = False
                self.loaded.emit()
                QTimer.singleShot(0, self, self._prepare_search)
                if self._reload_due:  # a sync brought something while reading
                    self._reload_due = False
                    self._due_ids.clear()
                    self.reload()
                elif self._due_ids:
                    due, self._due_ids = self._due_ids, set()
                    self.take_in(due)
        step()

    # -- building -------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        # One line on a wide screen; wraps (search box first) when text is large or the
        # screen small, rather than pushing the window past the screen's edge.
        top = FlowLayout()
        # A pending account has a peer's powers only until an administrator approves it.
        standing = (self.user.role.label if self.user.active
                    else "waiting for an administrator to approve this account")
        who = QLabel(f"Signed in as <b>{_esc(self.user.name)}</b> · {standing}")
        who.setAccessibleName(f"Signed in as {self.user.name}, {standing}")
        top.addWidget(who)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search everything you can read (Ctrl+F)")
        clearable(self.search, "Clear the search")
        self.search.setAccessibleName("Search everything")
        self.search.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        # Room for the whole hint: a cut-off placeholder does not say what the box is for.
        self._fit_search()
        top.addWidget(self.search)
        self.new_button = QPushButton("New…")
        self.new_button.setAccessibleName("Start something new")
        menu = QMenu(self.new_button)
        for kind, keys in [(Kind.DIARY, "Ctrl+N"), (Kind.REFLECTION, ""), (Kind.PERSON, ""),
                           (Kind.DISCHARGE_PLAN, ""), (Kind.CRISIS_PLAN, ""),
                           (Kind.RECOVERY_PLAN, ""), (Kind.CHECKIN, "")]:
            action = menu.addAction(kind.label, self._new_action(kind))
            if keys:
                action.setShortcut(QKeySequence(keys))
        self.new_button.setMenu(menu)
        self.addActions(menu.actions())
        top.addWidget(self.new_button)
        self.display_button = QPushButton("Display")
        self.display_button.setAccessibleName("Display settings: larger text and high contrast")
        display_menu = QMenu(self.display_button)
        self.large_action = display_menu.addAction("Larger text")
        self.large_action.setCheckable(True)
        self.contrast_action = display_menu.addAction("High contrast")
        self.contrast_action.setCheckable(True)
        app = QApplication.instance()
        self.large_action.setChecked(bool(app and app.property("peerdesk_large_text")))
        self.contrast_action.setChecked(bool(app and app.property("peerdesk_high_contrast")))
        self.large_action.toggled.connect(self._display_changed)
        self.contrast_action.toggled.connect(self._display_changed)
        self.display_button.setMenu(display_menu)
        top.addWidget(self.display_button)
        self.access_button = QPushButton("Access log")
        self.access_button.setAccessibleName("Who opened my records")
        self.access_button.setAccessibleDescription(
            "Anyone else who opened or copied your records on this computer, and why")
        self.access_button.clicked.connect(self.show_access)
        top.addWidget(self.access_button)
        self.switch_button = QPushButton("Switch user")
        self.switch_button.setAccessibleDescription("Locks PeerDesk and goes back to sign-in")
        self.switch_button.clicked.connect(self.switch_user_requested)
        top.addWidget(self.switch_button)
        self.lock_button = QPushButton("Lock (Ctrl+L)")
        self.lock_button.setAccessibleName("Lock")
        self.lock_button.setAccessibleDescription(
            "Hides everything at once. Unsaved writing is kept as an encrypted draft.")
        self.lock_button.clicked.connect(self.lock_requested)
        top.addWidget(self.lock_button)
        layout.addLayout(top)

        self.banner = MessageBanner()
        layout.addWidget(self.banner)

        split = QSplitter(Qt.Orientation.Horizontal)
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName("Sections")
        self.nav_items = NAV + (COORDINATOR_NAV if self.user.role is Role.COORDINATOR else
                                PEER_NAV if self.user.role is Role.PEER else
                                ADMIN_NAV if self.user.active else [])
        self.nav.addItems(self.nav_items)
        self.nav.setWordWrap(True)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._fit_nav()
        split.addWidget(self.nav)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Open pages and editors")
        self.tabs.setTabsClosable(True)
        self.tabs.tabCloseRequested.connect(self._tab_close_requested)
        self.pages = PageStack()
        self.tabs.addTab(scrolling(self.pages), "Browse")
        self.tabs.tabBar().setTabButton(0, self.tabs.tabBar().ButtonPosition.RightSide, None)
        split.addWidget(self.tabs)
        split.setStretchFactor(1, 1)
        layout.addWidget(split, 1)
        assert self.desk is not None
        self.sync_status = SyncBar(self.desk, runner=self.runner)
        self.sync_status.synced.connect(self._synced)
        self.sync_status.synced.connect(lambda _report: self._check_ig_duty())
        self.sync_status.message.connect(self.banner.show_info)
        layout.addWidget(self.sync_status)

        # Pages are built when first shown: building every page at unlock would hold up the
        # UI thread for longer than a peer should wait.
        self._built: dict[str, QWidget] = {}
        today = self.page_for("Today")
        assert isinstance(today, TodayPage)
        self.today = today
        self.nav.currentRowChanged.connect(self._nav_changed)
        self.nav.setCurrentRow(0)
        self._check_ig_duty()

        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._run_search)
        self.search.textChanged.connect(self._typed)
        QShortcut(QKeySequence.StandardKey.Find, self).activated.connect(self.search.setFocus)

    def _new_action(self, kind: Kind) -> Callable[[], None]:
        return lambda: self._new_from_menu(kind)

    def _new_from_menu(self, kind: Kind) -> None:
        self.start_new(kind)

    def start_new(self, kind: Kind) -> None:
        """New, chosen from a menu or a page: a peer marked as leaving is told at once, in
        the banner, that she registers no one new (her certificate is read on the database
        lane), rather than after filling in a form that cannot be saved."""
        desk = self.desk
        if kind is not Kind.PERSON or desk is None:
            self.new_record(kind)
            return

        def may(_: None) -> None:
            self.new_record(kind)
        self._run(desk.may_register, may)

    def page_for(self, name: str) -> QWidget:
        if name not in self._built:
            page = self._built[name] = self._make_page(name)
            self.pages.addWidget(page)
            page.open_requested.connect(self.open_record)  # type: ignore[attr-defined]
            if isinstance(page, ListPage | WellbeingPage):
                page.new_requested.connect(self.start_new)
        return self._built[name]

    def _make_page(self, name: str) -> QWidget:
        match name:
            case "Today":
                today = TodayPage(self.drafts_model, self.work_model, self.recent_model,
                                  first_steps=FIRST_STEPS.get(self.user.role, ""))
                today.draft_requested.connect(self.open_draft)
                today.item_requested.connect(self.open_item)
                today.item_closed.connect(self.close_item)
                today.discard_requested.connect(self._confirm_discard)
                return today
            case "People I support":
                people = PeoplePage(self.people_model, self.person_records_model,
                                    empty=EMPTY["People I support"])
                people.view.selectionModel().selectionChanged.connect(self._person_selected)
                return people
            case "Fidelity and engagement":
                return self._fidelity_page()
            case "Supervision inbox" | "Group supervision":
                return self._supervision_page(name)
            case "Resource pack":
                return self._resource_page()
            case "Team members":
                return self._team_page()
            case "Recovery from the team share":
                return self._recovery_page()
            case "My wellbeing":
                return WellbeingPage(self._all_records, self.user.id)
        return self._make_list_page(name)

    def _make_list_page(self, name: str) -> ListPage:
        match name:
            case "Diary":
                return ListPage("Diary", "Session diaries: significant moments with the people "
                                "you support, in everyday words.", self.diary_model,
                                new_kinds=(Kind.DIARY,), empty=EMPTY["Diary"])
            case "Reflections":
                return ListPage("Reflections", "Boundary reflections, for you and, when you "
                                "choose, for supervision.", self.reflection_model,
                                new_kinds=(Kind.REFLECTION,), empty=EMPTY["Reflections"])
            case "Plans":
                return ListPage(
                    "Plans", "Discharge, crisis and personal recovery plans. Each one belongs "
                    "to the person, is written in their words, and they choose who sees it.",
                    self.plans_model,
                    new_kinds=(Kind.DISCHARGE_PLAN, Kind.CRISIS_PLAN, Kind.RECOVERY_PLAN),
                    empty=EMPTY["Plans"])
            case "Shared with supervision":
                return ListPage(
                    "Shared with supervision",
                    "Diaries and reflections peers have chosen to share with you for "
                    "supervision." if self.user.role is Role.COORDINATOR else
                    "Diaries and reflections you have shared with your coordinator, or marked "
                    "to bring to supervision.", self.shared_model,
                    empty=EMPTY["Shared coordinator" if self.user.role is Role.COORDINATOR
                                else "Shared peer"])
            case "Search results":
                search = ListPage("Search results", "Everything you can read on this computer. "
                                  "Capitals and accents do not matter.", self.search_model)
                search.filter.hide()
                search.filter_label.hide()
                return search
        raise KeyError(name)

    def _fidelity_page(self) -> FidelityPage:
        fid = FidelityPage(lambda: fidelity.expand(self._all_records(), self.user.id),
                           self.authors, export_dir=self.export_dir,
                           attendance=lambda: supervision.attendance(
                               self._all_records(), self.authors),
                           requests=lambda period: fidelity.requests_by_ward(
                               self._all_records(), self.user.id, period=period))
        if self.user.role is Role.PEER:
            fid.enable_publish(lambda: self._run(
                lambda: fidelity.publish(self._live()), fid.published))
        return fid

    def _live(self) -> Desk:
        assert self.desk is not None, "locked"
        return self.desk

    def _all_records(self) -> list[Record]:
        return [r.record for r in self.rows.values()]

    def _supervision_page(self, name: str) -> QWidget:
        if name == "Supervision inbox":
            return InboxPage(self._all_records, self.authors, self.user.id, self._run,
                             self._upsert, lambda rid, text: supervision.comment(
                                 self._live(), rid, text))
        jobs = SessionJobs(
            start=lambda when, peers: supervision.start_session(self._live(), when, []),
            save=lambda rid, fields: self._live().update(rid, fields),
            add_action=lambda sid, text, owner, due: supervision.add_action(
                self._live(), sid, text, owner, due),
            set_done=lambda rid: self._live().update(
                rid, dict(self._live().get(rid).fields) | {"done": True}),
            grant_cover=lambda who, start, end: cover.grant(self._live(), who, start, end))
        peers = sorted(a.name for a in self.accounts if a.role is Role.PEER)
        page = SupervisionPage(self._all_records, self.authors, self.user.id, peers, self._run,
                               self._upsert, jobs, export_dir=self.export_dir,
                               coordinators=self._coordinators())
        page.present_requested.connect(self.present)
        return page

    def _team_page(self) -> TeamPage:
        vault = self._live().vault
        page = TeamPage(
            accounts=vault.accounts,
            approve=lambda who, role: membership.approve(self._live(), who, role),
            set_role=lambda who, role: membership.set_role(self._live(), who, role),
            remove=lambda who: membership.remove(self._live(), who),
            run=self._run, me=self.user.id, root=lambda: membership.root_id(vault),
            hand_over=lambda who: membership.hand_over_root(self._live(), who),
            take_over=lambda: membership.take_over_root(self._live()),
            carrying_keys=lambda: membership.carrying_keys(self._live()),
            reissue=lambda: membership.reissue(self._live()),
            ig_holders=lambda: governance.ig_holders(vault),
            set_ig=lambda who, grant: (membership.grant_ig if grant else membership.revoke_ig)(
                self._live(), who),
            leaving=self._leaver)
        page.refresh()
        return page

    def _leaver(self, account: Account) -> LeaverDialog:
        """Her leaver's checklist; the recovery-key steps run on the I/O lane, their
        database steps on the database lane."""
        desk, lanes, who = self._live(), self.runner.lanes, account.id
        admin = desk.user.role is Role.ADMIN

        def find(key_file: Path, secret: str, reason: str) -> list[leavers.Found]:
            key = governance.load_recovery_key(key_file, secret)
            return leavers.people_on_share(desk, who, recovery_key=key, reason=reason,
                                           lanes=lanes)

        def hand_over(person: str, to: str, agreed_by: str, agreed_on: date, diaries: bool,
                      key_file: Path, secret: str, reason: str) -> leavers.Handed:
            key = governance.load_recovery_key(key_file, secret)
            return leavers.hand_over_from_share(
                desk, who, person, to, agreed_by=agreed_by, agreed_on=agreed_on,
                diaries=diaries, recovery_key=key, reason=reason, lanes=lanes)

        jobs = LeaverJobs(
            checklist=lambda: leavers.checklist(desk, who),
            mark=(lambda day: membership.mark_leaving(desk, who, day)) if admin else None,
            remove=(lambda: membership.remove(desk, who)) if admin else None,
            find=find, hand_over=hand_over)
        peers = [(a.id, a.name) for a in self.accounts
                 if a.role is Role.PEER and a.active and a.id != who]
        dialog = LeaverDialog(account, peers, jobs, run=self._run_dialog,
                              run_io=self._run_io_either, parent=self)
        self._keep(dialog)
        return dialog

    def _run_dialog(self, fn: Callable[[], Any], on_success: Callable[[Any], None]) -> None:
        self._run(fn, on_success)

    def _check_ig_duty(self) -> None:
        """The recovery section is shown while her signed certificate carries the IG duty
        (granted or taken away by an administrator, arriving by sync)."""
        vault, me = self._live().vault, self.user.id
        self._run(lambda: governance.holds_ig_duty(vault, me), self._show_ig_duty)

    def _show_ig_duty(self, holds: bool) -> None:
        if holds == (IG_NAV in self.nav_items):
            return
        if holds:
            self.nav_items.append(IG_NAV)
            self.nav.addItem(IG_NAV)
        else:
            if self.nav.currentRow() == self.nav_items.index(IG_NAV):
                self.nav.setCurrentRow(0)
            self.nav.takeItem(self.nav_items.index(IG_NAV))
            self.nav_items.remove(IG_NAV)
            page = self._built.pop(IG_NAV, None)
            if isinstance(page, RecoveryPage):
                page.wipe()
                self.pages.removeWidget(page)
                page.deleteLater()
        self._fit_nav()

    def _recovery_page(self) -> RecoveryPage:
        desk, lanes = self._live(), self.runner.lanes

        def open_device(device: str, key_file: Path, secret: str, reason: str,
                        progress: Progress) -> list[Record]:
            key = governance.load_recovery_key(key_file, secret)
            return igrecovery.open_device(desk, device, recovery_key=key, reason=reason,
                                          lanes=lanes, progress=progress)

        def team_sar(person: str, key_file: Path, secret: str, reason: str, out: Path,
                     progress: Progress) -> tuple[int, int, list[Path]]:
            key = governance.load_recovery_key(key_file, secret)
            bundle = igrecovery.subject_access(desk, person, recovery_key=key, reason=reason,
                                               lanes=lanes, progress=progress)
            return len(bundle.records), bundle.version_count, sar_service.write(bundle, out)

        return RecoveryPage(
            open_device=open_device, team_sar=team_sar, run_io=self._run_io_either,
            names=lambda: {a.id: a.name for a in self.accounts},
            computers=lambda: igrecovery.computers_on_share(desk, lanes=lanes),
            out_dir=lambda: self.export_dir
            / f"subject-access-team-{dates.today().isoformat()}")

    def _run_io_either(self, fn: Callable[[], Any], on_success: Callable[[Any], None],
                       on_error: Callable[[BaseException], None]) -> None:
        """A long job on the I/O lane whose page shows its own failure; both answers are
        dropped if the desk locked meanwhile."""
        def succeeded(value: Any) -> None:
            if self.desk is not None:
                on_success(value)

        def failed(exc: Any) -> None:
            if self.desk is not None:
                on_error(exc)

        self.runner.io.start(fn, on_success=succeeded, on_error=failed)

    def _resource_page(self) -> ResourcePackPage:
        def import_csv(text: str) -> tuple[tuple[int, int], list[Record]]:
            counts = resources.import_csv(self._live(), text)
            return counts, self._live().records(Kind.RESOURCE)

        def saved(pack: list[Record]) -> None:
            for record in pack:
                self._put_row(make_row(record, self._people, self.authors))

        page = ResourcePackPage(
            # Other peers' diaries count through their name-free summaries.
            lambda: fidelity.expand(self._all_records(), self.user.id),
            keeper=self.user.role is Role.COORDINATOR, run=self._run,
            jobs=PackJobs(import_csv, lambda: resources.share_all(self._live()), saved),
            export_dir=self.export_dir)
        page.new_requested.connect(self.new_record)
        return page

    def _passphrase_check(self) -> Callable[[str, Callable[[bool], None]], None]:
        """Whether a passphrase is this user's, answered off the UI thread."""
        vault, name, lanes = self._live().vault, self.user.name, self.runner.lanes

        def verify(text: str) -> bool:  # key derivation: on the I/O lane
            try:
                desk = Desk(vault, vault.unlock(name, text, lanes=lanes))
            except AccessProblem:
                return False
            lanes.db(desk.lock)
            return True

        return passphrase_checker(verify, self._run_io)

    def present(self, view: supervision.GroupSession) -> PresentationWindow:
        """Presentation mode: leaving it needs this coordinator's passphrase."""
        window = PresentationWindow(view, self.authors, parent=self,
                                    check_passphrase=self._passphrase_check(),
                                    known_names=list(self.people().values()))
        self.presentation = window
        window.showMaximized()
        return window

    @property
    def people_page(self) -> PeoplePage:
        page = self.page_for("People I support")
        assert isinstance(page, PeoplePage)
        return page

    def _list_page(self, name: str) -> ListPage:
        page = self.page_for(name)
        assert isinstance(page, ListPage)
        return page

    @property
    def diary_page(self) -> ListPage:
        return self._list_page("Diary")

    @property
    def reflection_page(self) -> ListPage:
        return self._list_page("Reflections")

    @property
    def plans_page(self) -> ListPage:
        return self._list_page("Plans")

    @property
    def shared_page(self) -> ListPage:
        return self._list_page("Shared with supervision")

    @property
    def search_page(self) -> ListPage:
        return self._list_page("Search results")

    # -- data -----------------------------------------------------------------------------

    def _fit_search(self) -> None:
        # Room for the whole hint and the clear button: a placeholder cut short does not say
        # what the box is for.
        hint = self.search.fontMetrics().horizontalAdvance(self.search.placeholderText())
        self.search.setMinimumWidth(hint + 3 * self.search.fontMetrics().height())

    def _fit_nav(self) -> None:
        width = max(self.nav.fontMetrics().horizontalAdvance(t) for t in self.nav_items) + 48
        self.nav.setMinimumWidth(width)
        self.nav.setMaximumWidth(width + 80)

    def people(self) -> dict[str, str]:
        return dict(self._people)

    def _search_off_thread(self, job: Callable[[], Any], done: Callable[[Any], None],
                           token: CancelToken) -> None:
        self.runner.io.start(job, on_success=done, token=token)

    def _whose(self) -> Whose:
        return Whose(self.user.id, self.user.role is Role.COORDINATOR,
                     frozenset(self.shared_ids))

    def _lists(self) -> dict[str, RecordTableModel]:
        return {"people": self.people_model, "diary": self.diary_model,
                "reflection": self.reflection_model, "plans": self.plans_model,
                "shared": self.shared_model, "search": self.search_model}

    def refresh(self) -> None:
        """Every list from every row: at unlock and after a sync brought something new. A
        save changes one row (``_put_row``)."""
        named = lists(self.rows.values(), self._whose())
        self.recent_model.set_rows(recent(self.rows.values(), RECENT))
        for name, model in self._lists().items():
            model.set_rows(named[name], newest_first=True)
        self._show_drafts()
        self._person_selected()

    def _show_drafts(self) -> None:
        self.drafts_model.set_drafts(sorted(self.drafts.values(), key=lambda d: d.updated_at,
                                            reverse=True), self._people)
        self._say_earlier_drafts()

    def _today(self, change: Callable[[workqueue.Queue], None] | None = None) -> None:
        """Today worked out again on the database lane, from what ``change`` told it."""
        queue, names, whole = self._queue, self._people | self.authors, self._today_whole

        def job() -> TodayCells | None:
            if change is not None:
                change(queue)
            return today_cells(queue, names) if whole else None

        def show(cells: TodayCells | None) -> None:
            if cells is not None:  # not while records are still being read
                self.work_model.set_cells(cells)
        self._run(job, show)

    def _put_row(self, row: Row, *, today: bool = True) -> None:
        """One row saved: each list changes that row only, Today only what it touches
        (``today``: False when Today has been told already)."""
        rid = row.record.id
        was = self._listed(rid)
        self.rows[rid] = row
        self._touched.add(rid)
        self._edits += 1
        if row.record.kind is Kind.PERSON:
            self._people[rid] = row.person
        where = lists_of(row, self._whose())
        for name, model in self._lists().items():
            if name in where:
                model.put(row, was)
            else:
                model.discard(rid, was)
        shown = [r for r in self.recent_model.rows() if r.record.id != rid]
        self.recent_model.set_rows(recent([*shown, row], RECENT))
        if today:
            self._today(lambda q: q.put(row.record))

    def _listed(self, rid: str) -> Was:
        """The row the lists were given for a record, by which each finds it in a few steps.
        Not known while records are read (the lists still hold what they held before, and
        ``self.rows`` has moved on): then each list reads every row."""
        return UNKNOWN if self._reading else self.rows.get(rid)

    def _drop_rows(self, gone: set[str], *, today: bool = True) -> None:
        """Rows deleted or erased (``today``: False when Today has been told already)."""
        self._touched.update(gone)
        self._edits += 1
        for rid in gone:
            was = self._listed(rid)
            self.rows.pop(rid, None)
            self._people.pop(rid, None)
            for model in self._lists().values():
                model.discard(rid, was)
        if any(r.record.id in gone for r in self.recent_model.rows()):
            self.recent_model.set_rows(recent(self.rows.values(), RECENT))
        self._show_drafts()
        self._person_selected()

        def drop(queue: workqueue.Queue) -> None:
            for rid in gone:
                queue.drop(rid)
        if today:
            self._today(drop)

    def _synced(self, report: SyncReport) -> None:
        """A sync brought something: the records it changed are read again, each row changed
        where it stands. New accounts (names on every row) or a report that does not say what
        changed: everything is read again."""
        if report.changed is None or report.accounts_added:
            self.reload()
        else:
            self.take_in(set(report.changed))

    def take_in(self, ids: set[str]) -> None:
        """These records changed (by a sync): read them again on the database lane, tell
        Today, and change their rows only. One no longer readable (deleted, erased, no longer
        shared) leaves the lists."""
        desk, queue, whole = self.desk, self._queue, self._today_whole
        if desk is None or not ids:
            return
        if self._reading:  # read once reading is done (it may be reading them now)
            self._due_ids |= ids
            return
        if len(ids) > BATCH:  # much changed (a first sync): read in batches behind the desk
            self.reload()
            return
        authors, people = dict(self.authors), dict(self._people)

        def job() -> tuple[list[Row], set[str], set[str], TodayCells | None]:
            records = desk.records(ids=sorted(ids))
            gone = ids - {r.id for r in records}
            for record in records:
                queue.put(record)
            for rid in gone:
                queue.drop(rid)
            rows = make_rows(records, authors, people)
            names = people | {r.record.id: r.person for r in rows
                              if r.record.kind is Kind.PERSON} | authors
            return (rows, gone, set(desk.shared_by_me()),
                    today_cells(queue, names) if whole else None)
        self._run(job, self._took_in)

    def _took_in(self, got: tuple[list[Row], set[str], set[str], TodayCells | None]) -> None:
        rows, gone, shared, cells = got
        self.shared_ids = shared
        gone &= set(self.rows)
        if cells is not None:
            self.work_model.set_cells(cells)
        renamed = {r.record.id for r in rows if r.record.kind is Kind.PERSON
                   and r.record.id in self.rows and self.rows[r.record.id].person != r.person}
        if renamed or len(rows) + len(gone) > ROW_BY_ROW:
            self._take_in_at_once(rows, gone, renamed)
            return
        # Each row changes in its own turn of the event loop, so the window answers in
        # between (a list finds a row by its place in the order: under a millisecond for
        # all of them at 100,000 rows; tens of milliseconds when each read every row).
        steps: list[Callable[[], None]] = [partial(self._put_row, row, today=False)
                                           for row in rows]
        if gone:
            steps.append(partial(self._drop_rows, gone, today=False))
        steps.append(self._took_in_shown)

        def step() -> None:
            if self.desk is not None:
                steps.pop(0)()
                if steps:
                    QTimer.singleShot(0, self, step)
        step()

    def _take_in_at_once(self, rows: list[Row], gone: set[str], renamed: set[str]) -> None:
        """Many rows changed, or a person renamed (their name is on each of their rows): the
        desk's rows change here, and every list is worked out again on a worker and shown one
        list per turn, as after reading."""
        self._edits += 1
        self._touched |= {r.record.id for r in rows} | gone
        for row in rows:
            self.rows[row.record.id] = row
            if row.record.kind is Kind.PERSON:
                self._people[row.record.id] = row.person
        for rid in gone:
            self.rows.pop(rid, None)
            self._people.pop(rid, None)
        for r in [r for r in self.rows.values() if r.record.person_id in renamed]:
            self.rows[r.record.id] = make_row(r.record, self._people, self.authors)
        self._reading = True  # a sync meanwhile is taken in after this
        self._relist()
        self._took_in_shown()

    def _took_in_shown(self) -> None:
        self._show_drafts()
        self._person_selected()
        _refresh_figures(self.pages.currentWidget())

    def reload(self) -> None:
        """After a sync, when what it changed is not known. Open editors keep what they show.
        A large vault is read again in batches behind the desk, as at unlock."""
        desk, policy = self.desk, self.policy
        if desk is None:
            return
        if self._reading:
            self._reload_due = True
            return
        if len(self.rows) <= WHOLE_LOAD:
            self._run(lambda: read(desk, policy), self._reloaded)
            return

        def begin() -> tuple[list[str], list[Account], set[str], workqueue.Queue]:
            return (desk.record_ids(), desk.vault.accounts(), set(desk.shared_by_me()),
                    workqueue.Queue(today=dates.today(), author_id=desk.user.id,
                                    first_meeting_days=policy.first_meeting_days))
        self._reading = True
        self._run(begin, self._reload_in_batches)

    def _reload_in_batches(
            self, got: tuple[list[str], list[Account], set[str], workqueue.Queue]) -> None:
        ids, accounts, shared, queue = got
        self.accounts = accounts
        self.authors = {a.id: a.name for a in accounts}
        self.shared_ids = shared
        present = set(ids)
        gone = {rid for rid in self.rows if rid not in present}  # erased or deleted there
        if gone:
            self._drop_rows(gone)
        self._queue, self._today_whole = queue, False
        self._touched = set()  # each batch is read after every save so far (one lane)
        self._seen = set()
        self._read_rest(ids, len(ids), signing_in=False)

    def _reloaded(self, loaded: Loaded) -> None:
        self.accounts = loaded.accounts
        self.authors = {a.id: a.name for a in loaded.accounts}
        self.rows = {r.record.id: r for r in loaded.rows}
        self._people = {rid: r.person for rid, r in self.rows.items()
                        if r.record.kind is Kind.PERSON}
        self._queue = loaded.queue
        self._today_whole = True
        self.shared_ids = set(loaded.shared_ids)
        self.refresh()
        if loaded.today is not None:  # read() reads everything
            self.work_model.set_cells(loaded.today)
        _refresh_figures(self.pages.currentWidget())

    def _say_earlier_drafts(self) -> None:
        """The sign-in banner about drafts kept from earlier, as things stand now: a draft
        saved as a record or discarded no longer counts."""
        if not hasattr(self, "_drafts_said"):
            return  # refresh() during construction, before the banner is set up
        left = len(self._earlier_drafts & set(self.drafts))
        text = (f"You have {left} unfinished draft{'s' if left > 1 else ''} from earlier, kept "
                "safe while PeerDesk was locked or closed.") if left else ""
        showing = self._drafts_said and self.banner.isVisibleTo(self) \
            and self.banner.label.accessibleName().endswith(self._drafts_said)
        if text == self._drafts_said or (self._drafts_said and not showing):
            return  # unchanged, or the banner has moved on to something else
        self._drafts_said = text
        if text:
            self.banner.show_info(text)
            self.banner.set_action("Open Today", lambda: self.nav.setCurrentRow(0))
        else:
            self.banner.clear()

    def _upsert(self, record: Record) -> None:
        old = self.rows.get(record.id)
        renamed = record.kind is Kind.PERSON and (
            old is None or old.person != record.fields.get("label"))
        self._put_row(make_row(record, self._people, self.authors))
        about = [r for r in self.rows.values() if r.record.person_id == record.id] \
            if renamed else []
        if about:  # a renamed person: their label shows on their rows too (rare: all again)
            for r in about:
                self.rows[r.record.id] = make_row(r.record, self._people, self.authors)
            self.refresh()
        self._show_drafts()
        self._person_selected()

    def _person_selected(self, *_: object) -> None:
        page = self._built.get("People I support")
        person = page.selected_person() if isinstance(page, PeoplePage) else None
        self.person_records_model.set_rows(
            [] if person is None else
            [r for r in self.rows.values() if r.record.person_id == person.id
             and r.record.kind not in BOOKKEEPING])
        if isinstance(page, PeoplePage):
            page.journey.show_journey(None if person is None else journey.build(
                person.id, [r.record for r in self.rows.values()
                            if r.record.person_id == person.id], person=person))

    # -- navigation and search ------------------------------------------------------------

    def _nav_changed(self, row: int) -> None:
        if row < 0:
            return
        page = self.page_for(self.nav_items[row])
        _refresh_figures(page)
        self.pages.setCurrentWidget(page)
        self.tabs.setCurrentIndex(0)

    def show_section(self, name: str) -> None:
        self.nav.setCurrentRow(self.nav_items.index(name))

    def _prepare_search(self) -> None:
        """The search page is made once everything is read, so that the first key only
        searches: made at that key, it held the window 40-60 ms at 100,000 records."""
        if self.desk is not None:
            self.page_for("Search results")

    def _typed(self, _text: str) -> None:
        """Searched at once when that takes a few ms (the index is made); otherwise after a
        short pause, so keys typed quickly ask for one search that reads every row."""
        self._search_timer.start(0 if self.search_model.quick else SEARCH_DELAY_MS)

    def _run_search(self) -> None:
        text = self.search.text()
        self.search_model.set_filter(text)
        if text.strip():
            self.nav.blockSignals(True)
            self.nav.clearSelection()
            self.nav.setCurrentRow(-1)
            self.nav.blockSignals(False)
            self.pages.setCurrentWidget(self.search_page)
            self.tabs.setCurrentIndex(0)
        elif self.pages.currentWidget() is self._built.get("Search results"):
            self.nav.setCurrentRow(0)

    # -- editors --------------------------------------------------------------------------

    def _run(self, fn: Callable[[], Any], on_success: Callable[[Any], None],
             where: QWidget | None = None) -> None:
        """A short job on the database lane; its answer is dropped if the desk locked."""
        self._start(self.runner.db, fn, on_success, where)

    def _run_io(self, fn: Callable[[], Any], on_success: Callable[[Any], None],
                where: QWidget | None = None) -> None:
        """The same, for a slow job with no database of its own (key derivation)."""
        self._start(self.runner.io, fn, on_success, where)

    def _start(self, lane: Lane, fn: Callable[[], Any], on_success: Callable[[Any], None],
               where: QWidget | None) -> None:
        target = where or self

        def succeeded(value: Any) -> None:
            if self.desk is not None:  # not locked in the meantime
                on_success(value)

        def failed(exc: Any) -> None:
            if self.desk is not None:
                show_error(target, exc)

        lane.start(fn, on_success=succeeded, on_error=failed)

    def _people_choices(self) -> list[tuple[str, str]]:
        return sorted(self.people().items(), key=lambda p: p[1].lower())

    def _coordinators(self) -> list[str]:
        return [a.name for a in self.accounts
                if a.role is Role.COORDINATOR and a.id != self.user.id]

    def _add_editor(self, editor: RecordEditor, title: str) -> RecordEditor:
        editor.save_requested.connect(self._save)
        editor.draft_due.connect(self._save_draft)
        editor.close_requested.connect(self.close_editor)
        editor.versions_requested.connect(self._versions)
        editor.copy_requested.connect(self._copy)
        editor.sar_requested.connect(self._subject_access)
        editor.handover_requested.connect(self._hand_over)
        editor.continue_requested.connect(self._continue_plan)
        editor.consent_requested.connect(self._consents)
        editor.share_requested.connect(self._share)
        editor.unshare_requested.connect(self._unshare)
        editor.delete_requested.connect(self._confirm_delete)
        editor.support_requested.connect(self._ask_for_conversation)
        editor.cowrite_requested.connect(self.cowrite)
        editor.handout_requested.connect(self.handout)
        editor.staying_well_requested.connect(lambda _e: self._staying_well())
        self.editors.append(editor)
        index = self.tabs.addTab(editor, title)
        self.tabs.setCurrentIndex(index)
        editor.form.setFocus()
        first = editor.form.focusNextPrevChild(True)
        del first
        return editor

    def _make_editor(self, kind: Kind, record: Record | None,
                     person_id: str | None = None) -> RecordEditor:
        read_only = record is not None and record.author_id != self.user.id
        return RecordEditor(kind, record=record, people=self._people_choices(),
                            person_id=person_id, read_only=read_only,
                            coordinators=self._coordinators(),
                            escalation_text=self.policy.escalation_text,
                            carried=self.follow_ups() if kind is Kind.DIARY and record is None
                            else {},
                            pack=[(e.id, str(e.fields.get("name", "")))
                                  for e in resources.entries(self._all_records())]
                            if kind is Kind.DIARY else (),
                            author=self.authors.get(record.author_id, "") if record else "")

    def follow_ups(self) -> dict[str, str]:
        """Per person, the last follow-up this peer agreed: said again at the top of the next
        diary about them."""
        records = [r.record for r in self.rows.values()]
        out = {}
        for pid in self.people():
            last = workqueue.last_follow_up(records, pid, author_id=self.user.id)
            if last is not None:
                f = last.fields
                by = f" (by {dates.short_day(str(f['follow_up_by']))})" \
                    if f.get("follow_up_by") else ""
                out[pid] = (f"Last time ({dates.short_day(str(f.get('when', '')))}) you agreed"
                            f"{by}: {' '.join(str(f['follow_up']).split())}")
        return out

    def new_diary_for(self, person_id: str | None, *,
                      contact_type: str | None = None) -> RecordEditor:
        editor = self._make_editor(Kind.DIARY, None, person_id)
        if contact_type:
            editor.form.set_values({"contact_type": contact_type})
            editor.dirty = False
        return self._add_editor(editor, tab_title(Kind.DIARY, None))

    def open_item(self, item: workqueue.Item) -> None:
        """The editor an item on Today needs: a new diary for a meeting or a follow-up, the
        person for an ending, the plan for a review, the diary itself for a risk noted."""
        if item.what is workqueue.ItemKind.PROPOSAL:
            row = self.rows.get(item.record_id)
            if row is not None:
                self.entry_from_proposal(row.record)
        elif item.what is workqueue.ItemKind.CONVERSATION:
            who = self.authors.get(item.from_id or "", "A peer")
            self.banner.show_info(f"{who} asked for a conversation. Arrange a time with them; "
                                  "mark it done here when you have talked.")
        elif item.what is workqueue.ItemKind.FIRST_MEETING:
            self.new_diary_for(item.person_id, contact_type="first_post_discharge")
        elif item.what is workqueue.ItemKind.FOLLOW_UP:
            self.new_diary_for(item.person_id)
        else:
            row = self.rows.get(item.record_id)
            if row is not None:
                self.open_record(row.record)

    def cowrite(self, editor: RecordEditor) -> CoWritingWindow:
        """The plan alone, full screen, for the person to write and agree; leaving needs this
        peer's passphrase. Typing goes into the editor, so drafts and the lock work as ever."""
        window = CoWritingWindow(editor, check_passphrase=self._passphrase_check(), parent=self)
        window.copy_requested.connect(lambda: self._copy(editor, parent=window))
        self._keep(window)
        window.showMaximized()
        return window

    def entry_from_proposal(self, proposal: Record) -> RecordEditor:
        """A new pack entry started from a peer's proposal: the coordinator checks it and
        saves it to the team; the proposal then leaves her Today."""
        editor = self._make_editor(Kind.RESOURCE, None)
        fields = resources.from_proposal(proposal)
        editor.form.set_values(fields)
        editor.keep_fields({"proposal": fields["proposal"]})
        who = self.authors.get(proposal.author_id, "A peer")
        why = " ".join(str(proposal.fields.get("why") or "").split())
        editor.banner.show_info(f"Proposed by {who}" + (f": {why}" if why else ".")
                                + " Check the details, then save it to add it to the pack.")
        return self._add_editor(editor, "New resource pack entry")

    def handout(self, editor: RecordEditor) -> None:
        """A page of the resource pack entries ticked in a diary, for the person: saved as a
        PDF in the export folder (it holds no name, only the pack's own entries)."""
        chosen = set(editor.chosen_resources())
        entries = [e for e in resources.entries(self._all_records()) if e.id in chosen]
        path = self.export_dir / f"places-and-groups-{dates.today().isoformat()}.pdf"
        team = self.policy.team or ""

        def make() -> Path:
            return exports.write_pdf(path, resources.handout(entries, team=team,
                                                             on=dates.today()))

        def done(saved: Path) -> None:
            if editor in self.editors:
                editor.banner.show_done(f"Handout saved: {saved}. Print it, or give it to "
                                        "the person as it is.")

        self._run_io(make, done, editor)

    def _ask_for_conversation(self, editor: RecordEditor) -> None:
        desk = self.desk
        assert desk is not None

        def done(result: tuple[Record, list[str]]) -> None:
            record, names = result
            self._upsert(record)
            if editor in self.editors:
                editor.support_sent(names)

        self._run(lambda: wellbeing.ask_for_conversation(desk), done, editor)

    def _staying_well(self) -> None:
        page = self.page_for("My wellbeing")
        assert isinstance(page, WellbeingPage)
        page.open_plan()

    def close_item(self, item: workqueue.Item, done: bool, reason: str) -> None:
        desk = self.desk
        assert desk is not None
        self._run(lambda: workqueue.close(desk, item, done=done, reason=reason), self._closed)

    def _closed(self, record: Record) -> None:
        self._upsert(record)
        self.banner.show_done("Marked done." if record.fields.get("outcome") == "done"
                              else "Marked not needed, with your reason.")

    def new_record(self, kind: Kind) -> RecordEditor:
        """A new record about the person in view: the one open in the current tab, or the one
        selected on People I support. With no one in view, the editor asks."""
        editor = self._make_editor(kind, None, self._person_in_view())
        return self._add_editor(editor, tab_title(kind, None))

    def _person_in_view(self) -> str | None:
        tab = self.tabs.currentWidget()
        if isinstance(tab, RecordEditor) and tab.record is not None:
            return tab.record.id if tab.kind is Kind.PERSON else tab.record.person_id
        if self.tabs.currentIndex() == 0 and isinstance(self.pages.currentWidget(), PeoplePage):
            person = self.people_page.selected_person()
            return person.id if person else None
        return None

    def editor_for(self, record_id: str) -> RecordEditor | None:
        return next((e for e in self.editors if e.record_id == record_id), None)

    def open_record(self, record: Record) -> None:
        existing = self.editor_for(record.id)
        if existing is not None:
            self.tabs.setCurrentWidget(existing)
            return
        desk = self.desk
        assert desk is not None
        # A fresh read: the newest version and who can read it (and an audit entry).
        self._run(lambda: desk.get(record.id), self._opened)

    def _opened(self, record: Record) -> None:
        if self.editor_for(record.id) is not None:
            return
        editor = self._add_editor(self._make_editor(record.kind, record),
                                  tab_title(record.kind, record))
        editor.set_readers([self.authors.get(r, "") for r in record.readers])
        if record.kind is Kind.PERSON or record.kind in PLAN_KINDS:
            self._show_support(editor, record)

    def _show_support(self, editor: RecordEditor, record: Record) -> None:
        """What is arranged for the person's support (handed over, shared, covered), said on
        the person's record and their plans."""
        desk = self.desk
        person_id = record.id if record.kind is Kind.PERSON else record.person_id
        if desk is None or person_id is None:
            return

        def said(found: tuple[dict[str, handover_service.Arrangement], dict[str, str]]) -> None:
            arranged, from_share = found
            plan = arranged.get(person_id)
            if editor.record is None:
                return
            if plan is None:
                if person_id in from_share:  # her laptop was gone: handed over from the share
                    editor.banner.show_info(from_share[person_id] + ".")
                return
            editor.banner.show_info(plan.sentence(self.user.id) + ".")
            if handover_service.endable(plan, self.user.id):
                editor.banner.set_action("End it now", lambda: self._end_support(editor, plan))

        self._run(lambda: (handover_service.running(desk), fromshare.received(desk)), said,
                  editor)

    def _end_support(self, editor: RecordEditor,
                     plan: handover_service.Arrangement) -> None:
        desk = self.desk
        if desk is None:
            return
        self._run(lambda: handover_service.end(desk, plan.id), lambda _done: (
            editor.banner.show_done(f"Ended: {plan.to_name} receives nothing new about this "
                                    "person from now; what they could already read stays "
                                    "readable to them.")), editor)

    def open_draft(self, draft: Draft) -> RecordEditor:
        for e in self.editors:
            if e.draft_id == draft.id:
                self.tabs.setCurrentWidget(e)
                return e
        row = self.rows.get(draft.record_id or "")
        editor = self._make_editor(draft.kind, row.record if row else None, draft.person_id)
        self._add_editor(editor, f"Draft: {lower_first(draft.kind.label)}")
        editor.load_draft(draft.id, dict(draft.fields))
        return editor

    def _save(self, editor: RecordEditor, close_after: bool) -> None:
        if editor.needs_person():
            editor.ask_for_person()
            return
        snap = editor.snapshot()
        desk = self.desk
        assert desk is not None

        def job() -> Record:
            return save_snapshot(desk, snap)

        def done(record: Record) -> None:
            if snap.draft_id:
                self.drafts.pop(snap.draft_id, None)
            self._upsert(record)
            if editor in self.editors:
                editor.mark_saved(record)
                if close_after:
                    self._remove_editor(editor)
                else:
                    self.tabs.setTabText(self.tabs.indexOf(editor), tab_title(record.kind, record))

        self._run(job, done, editor)

    def _save_draft(self, editor: RecordEditor) -> None:
        if not editor.dirty or editor.read_only or self.desk is None:
            return
        if editor.draft_id is None:
            editor.draft_id = str(uuid.uuid4())
        snap = editor.snapshot()

        def saved() -> None:
            if editor in self.editors:
                editor.mark_draft_saved(snap.draft_id or "")

        self._store_draft(snap, on_saved=saved)

    def _store_draft(self, snap: Snapshot, on_saved: Callable[[], Any] | None = None) -> None:
        desk = self.desk
        assert desk is not None and snap.draft_id is not None

        def job() -> str:
            return desk.save_draft(snap.kind, snap.fields, draft_id=snap.draft_id,
                                   record_id=snap.record_id, person_id=snap.person_id)

        def done(draft_id: str) -> None:
            self.drafts[draft_id] = Draft(draft_id, snap.kind, snap.record_id, snap.person_id,
                                          utcnow(), snap.fields)
            self.drafts_model.set_drafts(sorted(self.drafts.values(),
                                                key=lambda d: d.updated_at, reverse=True),
                                         self.people())
            if on_saved:
                on_saved()

        self._run(job, done)

    def close_editor(self, editor: RecordEditor) -> None:
        if editor.dirty and not editor.read_only:
            if editor.draft_id is None:
                editor.draft_id = str(uuid.uuid4())
            self._store_draft(editor.snapshot())
            self.banner.show_info("What you had not saved is kept as a draft on Today.")
        self._remove_editor(editor)

    def _remove_editor(self, editor: RecordEditor) -> None:
        if editor in self.editors:
            self.editors.remove(editor)
        index = self.tabs.indexOf(editor)
        if index > 0:
            self.tabs.removeTab(index)
        editor.wipe()
        editor.setParent(None)
        editor.deleteLater()

    def _tab_close_requested(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if isinstance(widget, RecordEditor):
            self.close_editor(widget)

    def _confirm_discard(self, draft: Draft) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, "PeerDesk",
                          "Discard this draft? What was typed in it cannot be brought back.",
                          QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                          self)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAccessibleName("Discard draft?")

        def answered(result: int) -> None:
            if result == QMessageBox.StandardButton.Discard and self.desk is not None:
                self.discard_draft(draft)
        box.finished.connect(answered)
        box.open()

    def discard_draft(self, draft: Draft) -> None:
        desk = self.desk
        assert desk is not None

        def done(_: object) -> None:
            self.drafts.pop(draft.id, None)
            self._show_drafts()
        self._run(lambda: desk.discard_draft(draft.id), done)

    # -- versions, copies, sharing --------------------------------------------------------

    def _versions(self, editor: RecordEditor) -> None:
        desk, rid = self.desk, editor.record_id
        if desk is None or rid is None:
            return
        self._run(lambda: desk.history(rid), self._show_versions, editor)

    def _show_versions(self, history: Sequence[Record]) -> None:
        dialog = VersionsDialog(history, parent=self)
        self._keep(dialog)

    def _copy(self, editor: RecordEditor, *, parent: QWidget | None = None,
              ) -> PlanCopyDialog | None:
        if editor.record is None:
            return None
        # A plan's person, or the person whose record this is (their own papers).
        person = self.people().get(editor.record.person_id or editor.record.id, "")
        record_id = editor.record.id
        desk = self.desk

        def papers_for(fmt: str, recipient: str | None, how: str) -> papers.Made:
            assert desk is not None
            return papers.make(desk, record_id, fmt, recipient, how=how)

        dialog = PlanCopyDialog(
            editor.record, person=person, papers_for=papers_for,
            run=lambda fn, then: self._run(fn, then, dialog),
            # Only a folder someone chose for this (a test, a kiosk) is offered by default:
            # on a shared ward PC the profile's Documents folder is everyone's.
            default_dir=self.export_dir if self.export_dir_chosen else None,
            parent=parent or self)
        dialog.exported.connect(lambda how: self._note_export(record_id, how))
        self._keep(dialog)
        return dialog

    def show_access(self) -> None:
        """The author's view of reads, copies and break-glass openings by anyone else."""
        desk = self.desk
        if desk is not None:
            def shown(events: list[AccessEvent]) -> None:
                dialog = AccessDialog(events, parent=self)
                self._keep(dialog)
                # Reads the team share: on the I/O lane, its database steps on the db lane.
                self._run_io(lambda: auditcheck.check(desk.vault, lanes=self.runner.lanes),
                             dialog.show_check, dialog)
            self._run(lambda: access_to_my_records(desk), shown)

    def _consents(self, editor: RecordEditor) -> ConsentDialog | None:
        """The plan's consent panel; each change is a new version, through the service."""
        desk = self.desk
        if editor.record is None or desk is None:
            return None
        plan_id = editor.record.id
        dialog = ConsentDialog(editor.record, parent=self)

        def reread(record: Record) -> None:
            dialog.show_record(record)
            self._upsert(record)  # Today's "to confirm" items follow the ledger

        def refresh(_changed: object) -> None:
            dialog.banner.show_done("Saved as a new version of the plan; the audit trail "
                                    "records the change.")
            self._run(lambda: desk.get(plan_id), reread, dialog)

        dialog.add_requested.connect(lambda kw: self._run(
            lambda: consent_service.add_consent(desk, plan_id, **kw), refresh, dialog))
        dialog.withdraw_requested.connect(lambda cid: self._run(
            lambda: consent_service.withdraw_consent(desk, plan_id, cid), refresh, dialog))
        dialog.confirm_requested.connect(lambda cid, kw: self._run(
            lambda: consent_service.confirm_consent(desk, plan_id, cid, **kw), refresh, dialog))
        self._keep(dialog)
        return dialog

    def _subject_access(self, editor: RecordEditor) -> None:
        """The same bundle as `peerdesk sar`, into the export folder."""
        desk = self.desk
        if editor.record is None or desk is None:
            return
        person_id = editor.record.id
        out = self.export_dir / f"subject-access-{dates.today().isoformat()}"

        def make() -> list[Path]:
            return sar_service.write(sar_service.collect(desk, person_id), out)

        self._run(make, lambda _paths: editor.banner.show_done(
            f"Saved everything held about this person in {out} (PDF, web page and JSON). It "
            "is not encrypted: check it, hand it over, then remove it from this computer."),
            editor)

    def _hand_over(self, editor: RecordEditor) -> HandoverDialog | None:
        """A person's support, with their agreement: one step in the core."""
        desk = self.desk
        if editor.record is None or desk is None:
            return None
        person_id = editor.record.id
        peers = [(a.id, a.name) for a in self.accounts
                 if a.role is Role.PEER and a.active and a.id != self.user.id]
        dialog = HandoverDialog(editor.record, peers, parent=self)

        def done(record: Record) -> None:
            dialog.show_done(record)
            self._upsert(record)
            self._run(lambda: desk.get(person_id), self._upsert, dialog)

        dialog.hand_over_requested.connect(lambda kw: self._run(
            lambda: handover_service.hand_over(desk, person_id, **kw), done, dialog))
        self._keep(dialog)
        return dialog

    def _continue_plan(self, editor: RecordEditor) -> None:
        """A plan handed over: carried on as a plan of this user's, opened to edit."""
        desk = self.desk
        if editor.record is None or desk is None:
            return
        plan_id = editor.record.id

        def opened(record: Record) -> None:
            self._upsert(record)
            self.close_editor(editor)
            self.open_record(record)

        self._run(lambda: handover_service.continue_plan(desk, plan_id), opened, editor)

    def _note_export(self, record_id: str, how: str) -> None:
        desk = self.desk
        if desk is not None:
            self._run(lambda: desk.note_export(record_id, how), lambda _none: None)

    def _keep(self, dialog: LockableDialog) -> None:
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda _r: self._forget(dialog))
        dialog.show()

    def _forget(self, dialog: LockableDialog) -> None:
        if dialog in self.dialogs:
            self.dialogs.remove(dialog)
            dialog.wipe()
            dialog.deleteLater()

    def _confirm_delete(self, editor: RecordEditor) -> None:
        record = editor.record
        if record is None:
            return
        if record.kind is Kind.PERSON:
            text = ("Erase everything about this person? Their plans, the diaries about them and "
                    "every earlier version become unreadable everywhere, including the team "
                    "share. This cannot be undone. Copies already given to the person are "
                    "theirs to keep.")
            yes = QMessageBox.StandardButton.Yes
        else:
            text = (f"Delete this {record.kind.label.lower()}? It leaves your lists; earlier "
                    "versions stay in its history.")
            yes = QMessageBox.StandardButton.Yes
        box = QMessageBox(QMessageBox.Icon.Warning, "PeerDesk", text,
                          yes | QMessageBox.StandardButton.Cancel, self)
        box.button(yes).setText("Erase everything" if record.kind is Kind.PERSON else "Delete")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAccessibleName("Confirm")

        def answered(result: int) -> None:
            if result == yes and self.desk is not None and editor in self.editors:
                self.delete(editor)
        box.finished.connect(answered)
        box.open()

    def delete(self, editor: RecordEditor) -> None:
        desk, record = self.desk, editor.record
        if desk is None or record is None:
            return
        rid = record.id
        if record.kind is Kind.PERSON:
            def erased(count: int) -> None:
                gone = {r for r, row in self.rows.items() if r == rid or row.record.person_id == rid}
                for other in [e for e in self.editors if e.record_id in gone
                              or e.person_id() == rid]:
                    self._remove_editor(other)
                self.drafts = {k: d for k, d in self.drafts.items() if d.person_id != rid}
                self._drop_rows(gone)
                self.banner.show_done(f"Erased {count} records about the person, and every "
                                      "earlier version of them.")
            self._run(lambda: desk.erase_person(rid), erased, editor)
            return

        def deleted(_: object) -> None:
            self._remove_editor(editor)
            self._drop_rows({rid})
            self.banner.show_done("Deleted. Earlier versions stay in its history.")
        self._run(lambda: desk.delete(rid), deleted, editor)

    def _unshare(self, editor: RecordEditor, coordinator: str) -> None:
        desk, rid = self.desk, editor.record_id
        if desk is None or rid is None:
            return

        def job() -> Record:
            desk.unshare(rid, coordinator)
            return desk.get(rid)

        def done(record: Record) -> None:
            if not record.readers:
                self.shared_ids.discard(record.id)
            self._upsert(record)
            if editor in self.editors:
                editor.set_readers([self.authors.get(r, "") for r in record.readers])
                editor.banner.show_done(
                    f"No longer shared with {coordinator} from the next version on. What "
                    f"{coordinator} could already read stays readable to them.")
        self._run(job, done, editor)

    def _share(self, editor: RecordEditor, coordinator: str) -> None:
        desk, rid = self.desk, editor.record_id
        if desk is None or rid is None:
            return

        def job() -> Record:
            desk.share(rid, coordinator)
            return desk.get(rid)

        def done(record: Record) -> None:
            self.shared_ids.add(record.id)
            self._upsert(record)
            if editor in self.editors:
                editor.set_readers([self.authors.get(r, "") for r in record.readers])
                editor.banner.show_done(f"Shared with {coordinator} for supervision. Later "
                                        "versions are shared too, until you stop sharing.")
        self._run(job, done, editor)

    # -- display --------------------------------------------------------------------------

    def _display_changed(self) -> None:
        display = Display(self.large_action.isChecked(), self.contrast_action.isChecked())
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply(app, large_text=display.large_text, high_contrast=display.high_contrast)
        self.prefs.set_display(display, self.user.id)
        self.restyle()

    def restyle(self) -> None:
        """After a change of text size: widths measured from the font are measured again."""
        self._fit_nav()
        self._fit_search()
        for view in self.findChildren(QTableView):
            fit_columns(view)

    # -- lock -----------------------------------------------------------------------------

    def snapshots(self) -> list[Snapshot]:
        """Unsaved writing in every open editor, to keep as drafts before the keys go."""
        out = []
        for e in self.editors:
            if e.dirty and not e.read_only:
                if e.draft_id is None:
                    e.draft_id = str(uuid.uuid4())
                out.append(e.snapshot())
        return out

    def wipe(self) -> None:
        """Remove every decrypted value from widgets and models; the page is then discarded."""
        self._search_timer.stop()
        self.sync_status.stop()
        for dialog in list(self.dialogs):
            dialog.wipe()
            dialog.reject()
        for editor in list(self.editors):
            self._remove_editor(editor)
        for page in self._built.values():
            page.wipe()  # type: ignore[attr-defined]
        for small in (self.work_model, self.drafts_model):
            small.clear()
        # The models of pages never opened hold data too. What they and the desk held is let
        # go of on workers, a few thousand rows at a time: freeing 100,000 rows here in one
        # go stalled the window for over 100 ms. Nothing on this thread refers to them now.
        held: list[dict[Any, Any] | list[Any]] = [self.rows, self._people]
        for model in (self.recent_model, self.people_model, self.person_records_model,
                      *self._lists().values()):
            held += model.clear()
        self.search.clear()
        self.banner.clear()
        self.rows, self.drafts, self._people = {}, {}, {}
        queue, self._queue = self._queue, workqueue.Queue(today=dates.today(),
                                                          first_meeting_days=0)
        # Once both are let go of, what is left is no longer frozen out of collections:
        # unfrozen while 100,000 rows were still held, the UI thread's collector walked them
        # all (hundreds of ms).
        left = [2]

        def freed(_: object) -> None:
            left[0] -= 1
            if left[0] == 0:
                thaw()
        runner = self.runner

        def let_go() -> None:  # once the lock is done: two workers would slow it threefold
            runner.io.start(partial(free_in_steps, *held), on_success=freed, on_error=freed)
            runner.db.start(lambda: free_in_steps(*queue.held()),  # the queue's own lane
                            on_success=freed, on_error=freed)
        QTimer.singleShot(0, let_go)
        workqueue.forget()
        self.desk = None


def save_snapshot(desk: Desk, snap: Snapshot) -> Record:
    """Runs on the worker: one editor's save, through the service that owns its kind."""
    if snap.kind is Kind.PROPOSAL:  # saved and given to the coordinators together
        return resources.propose(desk, snap.fields, record_id=snap.record_id,
                                 draft_id=snap.draft_id)
    if snap.kind is Kind.RESOURCE and desk.user.role is Role.COORDINATOR:
        # One transaction: the entry, every peer given it, the draft gone.
        return resources.save(desk, snap.fields, record_id=snap.record_id,
                              draft_id=snap.draft_id)
    if snap.record_id:
        record = desk.update(snap.record_id, snap.fields)
    else:
        record = desk.add(snap.kind, snap.fields, person_id=snap.person_id)
    if snap.draft_id:
        desk.discard_draft(snap.draft_id)
    return record


def _refresh_figures(page: QWidget | None) -> None:
    """Pages that count or group what is loaded work it out again when shown."""
    if isinstance(page, FidelityPage | InboxPage | SupervisionPage | ResourcePackPage | TeamPage
                  | WellbeingPage):
        page.refresh()


# What an empty screen says to do first (a new user's screens are all empty).
FIRST_STEPS = {
    Role.PEER: "Nothing here yet. To start: add a person you support (New…, then Person I "
               "support), with the name or initials they are happy with. After you meet, write "
               "a session diary about it (New…, then Session diary). Follow-ups, first meetings "
               "after discharge and plan reviews then appear here by themselves.",
    Role.COORDINATOR: "Nothing here yet. When a peer shares a diary or a reflection with you, "
                      "it appears in the Supervision inbox; start a session under Group "
                      "supervision. Anything you are asked to do shows here.",
    Role.ADMIN: "Nothing here yet. Add the team's accounts from the sign-in screen (Create "
                "account), approve them under Team members, and set up the team share if this "
                "computer is the first.",
}
EMPTY = {
    "Diary": "No diary entries yet. After you meet someone you support, choose New session "
             "diary: what happened, what mattered to them, in everyday words.",
    "Reflections": "No reflections yet. When something at work stays with you (a boundary, a "
                   "worry, a good moment), choose New boundary reflection; it is yours unless "
                   "you share it.",
    "Plans": "No plans yet. Plans are written with the person, in their words: open the person "
             "on People I support, then choose the kind of plan above.",
    "Shared peer": "Nothing shared yet. In a diary or reflection, Share for supervision… sends "
                   "it to your coordinator; ticking Bring to supervision puts it on the agenda.",
    "Shared coordinator": "Nothing shared with you yet. What peers share for supervision "
                          "appears here and in the Supervision inbox.",
    "People I support": "No one yet. Choose New person I support and give the name or "
                        "initials the person is happy with.",
}

def lower_first(label: str) -> str:
    """ "Person I support" -> "person I support": the I stays a capital."""
    return label[:1].lower() + label[1:]


def tab_title(kind: Kind, record: Record | None) -> str:
    """A person's tab is her chosen name; anything else, what it is."""
    if record is None:
        return f"New {lower_first(kind.label)}"
    if kind is Kind.PERSON:
        return str(record.fields.get("label") or kind.label)
    return kind.label


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

