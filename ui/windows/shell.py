"""The one top-level window: start-up, sign-in, the desk, and the lock that clears it all."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore
from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from peerdesk.config import Policy
from peerdesk.errors import PeerDeskError, TooManyAttempts
from peerdesk.paths import DEMO_FILE
from peerdesk.startup import EarlyGlimpse, FirstGlimpse, glimpse
from ui import accessible, keyboard, placement, theme
from ui.first_paint import on_first_paint
from ui.prefs import Display, Prefs
from ui.widgets.banner import MessageBanner
from ui.widgets.common import heading
from ui.widgets.reflow import PageStack
from ui.windows.signin import AccountPage, JoinPage, SignInPage

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent  # PySide builds each class on first use

    # Loaded when the vault opens, after the sign-in window is on screen (see _open), or
    # when first needed: the error messages, and what stops an unlock half way.
    from peerdesk.crypto.kdf import KdfParams
    from peerdesk.lanes import Lanes
    from peerdesk.progress import CancelToken
    from peerdesk.services import Desk, Vault
    from ui.deskload import DeskLoader
    from ui.tasks import TaskRunner
    from ui.windows.desk import DeskPage, Loaded

TITLE = "PeerDesk"  # never a record's content or a person's name
FIRST_PAINT_WAIT_MS = 1000  # the vault opens after sign-in is painted, or after this at most
IDLE_EVENTS = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress,
                         QEvent.Type.MouseMove, QEvent.Type.Wheel, QEvent.Type.TouchBegin})


class _IdleWatch(QObject):
    """Any keyboard or mouse use in the app restarts the auto-lock countdown."""

    def __init__(self, timer: QTimer, parent: QObject) -> None:
        super().__init__(parent)  # deleted with the window, which also uninstalls it
        self._timer = timer

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Every event in the app passes here. Keys, clicks and moves come from the window
        # system ("spontaneous"); asking that first spares the far slower look at the type
        # for the thousands of events Qt sends itself while a page is built.
        if event.spontaneous() and event.type() in IDLE_EVENTS and self._timer.isActive():
            self._timer.start()
        return False


class _LoadingPage(QWidget):
    """"Opening…" while the data folder opens (a first run, an upgrade, a slow disk), and what
    stopped it if it could not. Most starts never show it, so it is made when needed."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.label = QLabel("Opening…")
        for centred in (heading("PeerDesk"), self.label):
            row = QHBoxLayout()  # centred by stretches: see _start_watches on Qt.* enums
            row.addStretch(1)
            row.addWidget(centred)
            row.addStretch(1)
            layout.addLayout(row)
        self.banner = MessageBanner()
        layout.addWidget(self.banner)
        layout.addStretch(2)


def _show_error(parent: QWidget, exc: BaseException) -> None:
    from ui.errors import show_error  # with its logging and traceback, once there is an error

    show_error(parent, exc)


def _cancel_token() -> CancelToken:
    from peerdesk.progress import CancelToken  # from the first unlock on

    return CancelToken()


def _make_team_share(desk: Desk, location: str, lanes: Lanes) -> str:
    """The first administrator names the share at setup: make it the team's, and say how to
    check it. A share that is not there yet is not a reason to stop her signing in."""
    from peerdesk.services import sync

    try:
        fingerprint = sync.init_share(desk, location, lanes=lanes)
    except PeerDeskError as exc:
        return f"The team share is not set up yet: {exc}"
    return (f"The team share is ready. Its administrator key fingerprint is {fingerprint}: "
            "each person checks it on their first sync.")


class ShellWindow(QMainWindow):
    start_failed = Signal(str)
    first_painted = Signal()  # the first page she can use (sign-in, or a first account)
    unlocked = Signal()
    locked = Signal()
    _progressed = Signal(int, int, str)

    def __init__(self, data_dir: Path, *, policy: Policy | None = None,
                 kdf_params: KdfParams | None = None, export_dir: Path | None = None,
                 runner: TaskRunner | None = None, early: EarlyGlimpse | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        app = QApplication.instance()
        accessible.install()  # before the first widget asks for its accessible interface
        if isinstance(app, QApplication):
            keyboard.install(app)
        # The app's two lanes; a window made without one runs its own (made on first use,
        # after sign-in is painted unless the account names are slow to read), and ends it.
        self._runner = runner
        self._own_runner = runner is None
        self.data_dir = data_dir
        self.policy = policy or Policy()
        self.prefs = Prefs(data_dir)
        self.export_dir = export_dir
        self._kdf_params = kdf_params
        self.vault: Vault | None = None
        self.desk_page: DeskPage | None = None
        self.account_page: AccountPage | None = None
        self.join_page: JoinPage | None = None
        self._unlocking: CancelToken | None = None
        self._waiting_unlock: tuple[str, str, CancelToken] | None = None  # until the vault opens
        self._opening: Vault | None = None  # open, until the desk's code is loaded too
        self._desk_loader: DeskLoader | None = None
        self._demo: dict[str, str] = {}
        self._clipboard_text = ""
        self.setWindowTitle(TITLE)
        self.setAccessibleName("PeerDesk")

        self.stack = PageStack()  # sized by the page showing: sign-in, the desk…
        self.setCentralWidget(self.stack)
        self._loading: _LoadingPage | None = None  # made if the data folder keeps her waiting
        self.signin = SignInPage()
        self.stack.addWidget(self.signin)
        self.signin.unlock_requested.connect(self.unlock)
        self.signin.create_requested.connect(lambda: self._show_account_page(first_run=False))
        self.signin.cancel_requested.connect(self._cancel_unlock)
        self.signin.display_changed.connect(self._device_display)

        self.idle_timer = QTimer(self, singleShot=True,
                                 interval=self.policy.auto_lock_minutes * 60_000)
        self.idle_timer.timeout.connect(self._idle_lock)
        self._idle_watch = _IdleWatch(self.idle_timer, self)
        self._clipboard_timer = QTimer(self, singleShot=True,
                                       interval=self.policy.clipboard_clear_seconds * 1000)
        self._clipboard_timer.timeout.connect(self.clear_clipboard)
        self._watching = False  # set up once the first page is on screen: _start_watches
        placement.place(self, self.prefs.geometry())  # as this computer's last user left it
        self._open(early)

    @property
    def runner(self) -> TaskRunner:
        if self._runner is None:
            from ui.tasks import TaskRunner  # its sockets, queues and threads wait for the paint

            self._runner = TaskRunner(parent=self)
        return self._runner

    # -- opening the data folder ----------------------------------------------------------

    def _open(self, early: EarlyGlimpse | None) -> None:
        """Sign-in shows from a glimpse of the account names (no ORM, no crypto loaded yet):
        read since the app started (``early``) and shown straight away if it is in, else
        waited for on the database lane. The vault opens once sign-in has been painted, on
        the database lane, while she types her passphrase; a passphrase given before it is
        open waits for it. With no glimpse (first run, or a file to upgrade) the window waits
        for the vault itself."""
        if early is not None:
            done, found = early.wait(0)
            if done:
                self._glimpsed(found)
                return
        self.stack.setCurrentWidget(self._loading_page())
        data_dir = self.data_dir

        def read() -> FirstGlimpse | None:
            return early.wait(None)[1] if early is not None else glimpse(data_dir)

        self.runner.db.start(read, on_success=self._glimpsed,
                             on_error=lambda _exc: self._open_vault(show=True))

    def _glimpsed(self, found: FirstGlimpse | None) -> None:
        if found is None:
            self.stack.setCurrentWidget(self._loading_page())
            self._open_vault(show=True)
            return
        self._demo = self._read_demo()
        self._show_signin(found.names, self.policy.team or found.team)
        # A window not shown (or a screen that never asks for a paint) waits a second at most.
        on_first_paint(self.signin.passphrase, self._signin_painted,
                       at_latest_ms=FIRST_PAINT_WAIT_MS)

    def _signin_painted(self, painted: bool) -> None:
        if painted:
            self.first_painted.emit()
        # Once the page has been painted: loading the vault's code takes the interpreter's
        # lock for a while, and the window comes first.
        QTimer.singleShot(0, self._after_first_page)

    def _after_first_page(self) -> None:
        self._start_watches()
        self._open_vault(show=False)

    def _start_watches(self) -> None:
        """What guards an unlocked desk, set up once the first page is on screen and before
        the vault opens (nothing can be unlocked sooner): the screen lock and session end
        (D-Bus, or the Windows session messages), the app being suspended, Ctrl+L, the
        auto-lock's watch on keys and clicks, and the clipboard's. Also kept from the first
        paint: naming a Qt.* enum (the shortcut's context) makes PySide build its whole Qt
        namespace, some 30 ms."""
        if self._watching:
            return
        self._watching = True
        from PySide6.QtGui import QKeySequence, QShortcut  # built by PySide on first use

        lock = QShortcut(QKeySequence("Ctrl+L"), self)
        lock.activated.connect(self.lock)
        lock.setContext(QtCore.Qt.ShortcutContext.ApplicationShortcut)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.installEventFilter(self._idle_watch)
            app.clipboard().dataChanged.connect(self._clipboard_changed)
            # Here, once the Qt namespace is built (just above): a state change delivered
            # before that (a window manager activating the window as it maps) could not be
            # converted, and PySide printed a TypeError instead of calling _app_state.
            app.applicationStateChanged.connect(self._app_state)
        from ui.session_watch import watch_session_lock

        watch_session_lock(self, self.lock)

    def _open_vault(self, *, show: bool) -> None:
        from ui.collector import UiThreadCollector  # here, not first on the worker

        data_dir, params = self.data_dir, self._kdf_params

        def job() -> tuple[Vault, list[str], str | None]:
            with UiThreadCollector.quiet():  # the ORM's and the crypto's code being loaded
                from peerdesk.services import Vault

                vault = Vault(data_dir, kdf_params=params)
            return vault, [a.name for a in vault.accounts()], vault.team

        self.runner.db.start(job, on_success=self._opened if show else self._vault_ready,
                             on_error=self._open_failed)

    def _opened(self, result: tuple[Vault, list[str], str | None]) -> None:
        from ui.deskload import load_now

        self._start_watches()
        load_now()  # nothing on screen to keep answering yet but "Opening…"
        self.vault, names, team = result
        self._demo = self._read_demo()
        if not names:
            self._show_account_page(first_run=True)
            assert self.account_page is not None
            first: QWidget = self.account_page.team
        else:
            self._show_signin(names, team)
            first = self.signin.passphrase
        on_first_paint(first, lambda painted: self.first_painted.emit() if painted else None)

    def _vault_ready(self, result: tuple[Vault, list[str], str | None]) -> None:
        self._opening = result[0]  # self.vault once the desk's code is loaded: see unlock
        self._load_desk_code()

    def _load_desk_code(self) -> None:
        """The desk's modules load Qt libraries (print support) and define widget classes:
        imported here, on the UI thread, a module per turn of the event loop while sign-in
        answers her keys, and before an unlock can start. First imported on the database lane
        by the unlock (``_load_or_lock``), they crashed it now and then."""
        from ui.deskload import DeskLoader

        self._desk_loader = DeskLoader(self, then=self._desk_code_ready,
                                       failed=self._desk_code_failed)
        self._desk_loader.start()

    def _desk_code_ready(self) -> None:
        if self._desk_loader is not None:
            self._desk_loader.deleteLater()
            self._desk_loader = None
        self.vault, self._opening = self._opening, None  # None if closed meanwhile
        waiting, self._waiting_unlock = self._waiting_unlock, None
        if waiting is not None and self._unlocking is waiting[2] and not waiting[2].is_set():
            self._start_unlock(*waiting)

    def _desk_code_failed(self, exc: BaseException) -> None:
        self._desk_loader = None  # tried again by the next unlock
        self._waiting_unlock = None
        self._unlocking = None
        self.signin.set_busy(False)
        _show_error(self.signin, exc)

    def _open_failed(self, exc: BaseException) -> None:
        from ui.errors import message_for

        text = message_for(exc)
        self._waiting_unlock = None
        page = self._loading_page()
        page.label.setText("PeerDesk could not open its data folder.")
        page.banner.show_problem(text)
        self.stack.setCurrentWidget(page)
        self.start_failed.emit(text)

    def _loading_page(self) -> _LoadingPage:
        if self._loading is None:
            self._loading = _LoadingPage()
            self.stack.addWidget(self._loading)
        return self._loading

    @property
    def banner(self) -> MessageBanner:
        """What stopped the data folder opening, if anything did."""
        return self._loading_page().banner

    def _read_demo(self) -> dict[str, str]:
        path = self.data_dir / DEMO_FILE
        if not path.exists():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return {a["name"]: a["passphrase"] for a in data["accounts"]}
        except (OSError, ValueError, KeyError, TypeError):
            return {}

    def _show_signin(self, names: list[str] | None = None, team: str | None = None,
                     select: str | None = None) -> None:
        self.setWindowTitle(TITLE)
        if names is not None:
            self.signin.set_accounts(names, team=team, demo=self._demo, select=select)
        self.signin.reset()
        app = QApplication.instance()
        if app is not None:
            self.signin.show_display(large_text=bool(app.property("peerdesk_large_text")),
                                     high_contrast=bool(app.property("peerdesk_high_contrast")))
        self.stack.setCurrentWidget(self.signin)
        self.signin.passphrase.setFocus()

    def _device_display(self, large_text: bool, high_contrast: bool) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply(app, large_text=large_text, high_contrast=high_contrast)
        self.prefs.set_display(Display(large_text, high_contrast))

    def _refresh_signin(self, select: str | None = None) -> None:
        vault = self.vault
        assert vault is not None
        self.runner.db.start(lambda: ([a.name for a in vault.accounts()], vault.team),
                    on_success=lambda r: self._show_signin(r[0], r[1], select))

    def _show_account_page(self, *, first_run: bool) -> None:
        if self.account_page is not None:
            self.stack.removeWidget(self.account_page)
            self.account_page.deleteLater()
        page = self.account_page = AccountPage(first_run=first_run,
                                               min_length=self.policy.passphrase_min_length,
                                               team=self.policy.team or "",
                                               share=self.policy.share_location or "")
        page.submitted.connect(self._create_account)
        page.back_requested.connect(lambda: self._show_signin())
        page.join_requested.connect(self._show_join_page)
        self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)
        (page.team if first_run else page.name).setFocus()

    def _show_join_page(self) -> None:
        if self.join_page is None:
            page = self.join_page = JoinPage(share=self.policy.share_location or "")
            page.submitted.connect(self._join)
            page.back_requested.connect(self._back_from_join)
            self._progressed.connect(page.show_progress)
            self.stack.addWidget(page)
        self.stack.setCurrentWidget(self.join_page)
        (self.join_page.name if self.policy.share_location else self.join_page.share).setFocus()

    def _back_from_join(self) -> None:
        vault = self.vault
        assert vault is not None

        def back(names: list[str]) -> None:
            # A join that reached the share brought the team's accounts, even if the
            # passphrase was then mistyped: from here on this computer signs in as usual.
            if names:
                self._show_signin(names)
            else:
                self._show_account_page(first_run=True)

        self.runner.db.start(lambda: [a.name for a in vault.accounts()], on_success=back)

    def _join(self, values: dict[str, Any]) -> None:
        from peerdesk.services import sync

        vault, page = self.vault, self.join_page
        assert vault is not None and page is not None
        page.set_busy(True)
        token = self._unlocking = _cancel_token()
        lanes, policy = self.runner.lanes, self.policy

        def progress(done: int, total: int, text: str) -> None:
            with contextlib.suppress(RuntimeError):  # the window closed meanwhile
                self._progressed.emit(done, total, text)  # from the I/O lane, queued

        def job() -> Loaded:  # the share and key derivation: the I/O lane
            desk, _report = sync.enrol(vault, values["share"], values["name"],
                                       values["passphrase"], lanes=lanes, progress=progress,
                                       cancel=token)
            return lanes.db(lambda: self._load_or_lock(desk, token, policy))

        def failed(exc: BaseException) -> None:
            self._unlocking = None
            page.set_busy(False)
            page.passphrase.clear()
            _show_error(page, exc)

        self.runner.io.start(job, on_success=lambda loaded: self._unlocked(loaded, token),
                             on_error=failed)

    def _create_account(self, values: dict[str, Any]) -> None:
        from peerdesk.domain import Role
        from peerdesk.services import sync

        vault, page = self.vault, self.account_page
        assert page is not None
        if vault is None:
            page.banner.show_problem("PeerDesk is still opening its data folder. Try again "
                                     "in a moment.")
            return
        page.set_busy(True)
        token = self._unlocking = _cancel_token()
        share = values["share"]
        lanes, policy = self.runner.lanes, self.policy

        def settings() -> None:
            if values["team"]:
                vault.set_team(values["team"])
            if share:
                sync.set_share_location(vault, share)

        def job() -> tuple[Loaded, str]:  # key derivation and the share: the I/O lane
            lanes.db(settings)
            vault.create_account(values["name"], values["role"], values["passphrase"],
                                 lanes=lanes)
            loaded = self._unlock_job(vault, values["name"], values["passphrase"], token, lanes,
                                      policy)
            made = share and loaded.desk.user.role is Role.ADMIN
            return loaded, _make_team_share(loaded.desk, share, lanes) if made else ""

        def failed(exc: BaseException) -> None:
            page.set_busy(False)
            _show_error(page, exc)

        self.runner.io.start(
            job, on_success=lambda made: self._unlocked(made[0], token, note=made[1]),
            on_error=failed)

    # -- unlock and lock ------------------------------------------------------------------

    @classmethod
    def _unlock_job(cls, vault: Vault, name: str, passphrase: str, token: CancelToken,
                    lanes: Lanes, policy: Policy) -> Loaded:
        """On the I/O lane: key derivation there, reading the records on the database lane."""
        from peerdesk.services import Desk

        desk = Desk(vault, vault.unlock(name, passphrase, lanes=lanes))
        return lanes.db(lambda: cls._load_or_lock(desk, token, policy))

    @staticmethod
    def _load_or_lock(desk: Desk, token: CancelToken, policy: Policy) -> Loaded:
        """On the worker, after the keys are open: cancelled or failed, they are dropped."""
        from ui.windows.desk import load

        try:
            token.check()
            loaded = load(desk, policy, token)
            token.check()
        except BaseException:
            desk.lock()
            raise
        return loaded

    def unlock(self, name: str, passphrase: str) -> None:
        token = self._unlocking = _cancel_token()
        self.signin.set_busy(True)
        if self.vault is None:  # still opening, just after start-up: unlocks once it is open
            self._waiting_unlock = (name, passphrase, token)  # and the desk's code loaded
            if self._opening is not None and self._desk_loader is None:
                self._load_desk_code()  # stopped by an error: tried again
            return
        self._start_unlock(name, passphrase, token)

    def _start_unlock(self, name: str, passphrase: str, token: CancelToken) -> None:
        vault = self.vault
        assert vault is not None
        lanes, policy = self.runner.lanes, self.policy
        self.runner.io.start(lambda: self._unlock_job(vault, name, passphrase, token, lanes,
                                                      policy),
                             on_success=lambda loaded: self._unlocked(loaded, token),
                             on_error=self._unlock_failed)

    def _unlock_failed(self, exc: BaseException) -> None:
        self._unlocking = None
        self.signin.set_busy(False)
        self.signin.passphrase.clear()
        self.signin.passphrase.setFocus()
        if isinstance(exc, TooManyAttempts):
            self.signin.wait(exc.seconds, str(exc))
        else:
            _show_error(self.signin, exc)

    def _cancel_unlock(self) -> None:
        self._waiting_unlock = None
        if self._unlocking is not None:
            self._unlocking.cancel()
            self._unlocking = None
            self.signin.set_busy(False)
            self.signin.banner.show_info("Unlock cancelled.")

    def _unlocked(self, loaded: Loaded, token: CancelToken, *, note: str = "") -> None:
        if token.is_set() or self._unlocking is not token:
            # A lock (or cancel) came while unlocking: drop the keys at once.
            self.runner.db.start(loaded.desk.lock)
            return
        self._unlocking = None
        saved = self.prefs.geometry(loaded.desk.user.id)
        if saved is not None:
            placement.place(self, saved)  # the window where she left it, on this screen
        display = self.prefs.display(loaded.desk.user.id)
        app = QApplication.instance()
        if isinstance(app, QApplication) and (
                bool(app.property("peerdesk_large_text")) != display.large_text
                or bool(app.property("peerdesk_high_contrast")) != display.high_contrast):
            theme.apply(app, large_text=display.large_text, high_contrast=display.high_contrast)
        from ui.windows.desk import DeskPage

        page = self.desk_page = DeskPage(loaded, runner=self.runner, policy=self.policy,
                                         prefs=self.prefs,
                                         export_dir=self.export_dir)
        page.lock_requested.connect(self.lock)
        page.switch_user_requested.connect(self.lock)
        self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)
        for setup in (self.account_page, self.join_page):
            if setup is not None:
                setup.wipe()
        self.signin.passphrase.clear()
        self.idle_timer.start()
        page.nav.setFocus()
        if note:
            page.banner.show_info(note)
        self.unlocked.emit()

    @property
    def desk(self) -> Desk | None:
        return self.desk_page.desk if self.desk_page else None

    def lock(self) -> None:
        """Hide and forget everything decrypted; open editors become drafts first."""
        self._cancel_unlock()
        page = self.desk_page
        self.idle_timer.stop()
        if page is None:
            return
        self.prefs.set_geometry(self.saveGeometry(), page.user.id)
        desk = page.desk
        snapshots = page.snapshots()
        page.wipe()
        self.stack.removeWidget(page)
        page.hide()
        page.setParent(None)
        page.deleteLater()
        self.desk_page = None
        self.clear_clipboard(only_ours=True)
        clear_selection()
        # Popups and menus opened from the desk belong to it; anything left is closed too.
        for widget in QApplication.topLevelWidgets():
            if widget is not self and widget.isVisible() and widget.parent() is None \
                    and widget.inherits("QDialog"):
                widget.close()
        if desk is not None:
            def job() -> None:
                for s in snapshots:
                    desk.save_draft(s.kind, s.fields, draft_id=s.draft_id,
                                    record_id=s.record_id, person_id=s.person_id)
                desk.lock()
            self.runner.db.start(job, on_error=lambda e: _show_error(self.signin, e))
            self._show_signin()
            self._refresh_signin(select=desk.user.name)
        else:
            self._show_signin()
        if snapshots:
            self.signin.banner.show_info("Locked. What you were writing is kept as a draft.")
        self.locked.emit()

    def _idle_lock(self) -> None:
        if self.desk_page is not None:
            self.lock()
            self.signin.banner.show_info(
                f"Locked after {self.policy.auto_lock_minutes} minutes without use.")

    def _app_state(self, state: QtCore.Qt.ApplicationState) -> None:
        # Suspended: the session or screen went away (where the platform tells Qt).
        if state == QtCore.Qt.ApplicationState.ApplicationSuspended:
            self.lock()

    # -- clipboard ------------------------------------------------------------------------

    def _clipboard_changed(self) -> None:
        if self.desk_page is None:
            return
        if QGuiApplication.focusWindow() is None and QApplication.focusWidget() is None:
            return  # copied in another program, not from PeerDesk
        self._clipboard_text = QGuiApplication.clipboard().text()
        if self._clipboard_text:
            self._clipboard_timer.start()

    def clear_clipboard(self, *, only_ours: bool = True) -> None:
        self._clipboard_timer.stop()
        clipboard = QGuiApplication.clipboard()
        if self._clipboard_text and (not only_ours or clipboard.text() == self._clipboard_text):
            clipboard.clear()
        self._clipboard_text = ""

    # -- closing --------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        self.lock()
        self.prefs.set_geometry(self.saveGeometry())
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Release the data folder once every queued save has finished."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.removeEventFilter(self._idle_watch)
        runner = self._runner
        if runner is None:  # closed before anything was started
            return
        for vault in (self.vault, self._opening):
            if vault is not None:
                runner.db.start(vault.close)
        self.vault = self._opening = None
        # Every queued save first; a sync stuck on the share is not waited for.
        runner.wait_db_idle()
        if self._own_runner:
            runner.stop()


def clear_selection() -> None:
    """X11's PRIMARY selection (what a middle click pastes) holds whatever was last selected
    in PeerDesk, and Qt goes on serving it after the text is gone from the screen: on lock it
    is emptied, if it is still PeerDesk's."""
    from PySide6.QtGui import QClipboard

    clipboard = QGuiApplication.clipboard()
    if clipboard.supportsSelection() and clipboard.ownsSelection():
        clipboard.clear(QClipboard.Mode.Selection)

