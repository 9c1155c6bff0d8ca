"""The desk's code, loaded on the UI thread a module at a time once sign-in is on screen.

Importing ``ui.windows.desk`` loads some ninety modules (the services the desk calls, Qt's
print support, every page and dialog): done in one go, it held the UI thread for 0.2-0.8 s
just as a person starts typing her passphrase. Here each module is imported in its own turn
of the event loop, so keys, clicks and paints are handled between two imports and the
longest stall is the longest single module. Qt's modules and the window classes stay on the
UI thread (``ui.collector`` and ``tests/gui/test_ui_thread_imports.py`` say why).

DESK_MODULES is the order Python completes them in (dependencies first), so each step
imports one module, or one package with what its ``__init__`` imports. A module missing from
the list is still loaded, by the step that first needs it (the last step imports
``ui.windows.desk`` itself); a name no longer there is passed over.
``tests/gui/test_desk_loading.py`` says which modules are missing.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from ui.collector import UiThreadCollector

DESK = "ui.windows.desk"
DESK_MODULES = (
    "peerdesk.exports.document", "peerdesk.exports.files", "peerdesk.exports.html",
    "peerdesk.exports.table", "peerdesk.exports", "peerdesk.search",
    "peerdesk.crypto.keystore", "peerdesk.crypto.recovery", "peerdesk.services.governance",
    "peerdesk.services.consent", "peerdesk.services.handover", "peerdesk.sync.state",
    "peerdesk.sync.incoming", "peerdesk.sync.share", "peerdesk.services.fromshare",
    "peerdesk.sync.heads", "peerdesk.sync.auditheads", "peerdesk.sync.auditnotices",
    "peerdesk.sync.run", "peerdesk.sync.auditsync", "peerdesk.sync.succession",
    "peerdesk.sync.outgoing", "peerdesk.sync.trust", "peerdesk.sync.engine",
    "peerdesk.services.sync", "peerdesk.services.auditcheck", "peerdesk.services.cover",
    "statistics", "peerdesk.services.journey", "peerdesk.services.fidelity",
    "peerdesk.services.sar", "peerdesk.sync.devicefolder", "peerdesk.services.igrecovery",
    "peerdesk.services.retention", "peerdesk.services.leavers", "peerdesk.services.membership",
    "peerdesk.services.copies",
    "peerdesk.services.resources", "peerdesk.services.papers",
    "peerdesk.services.supervision", "peerdesk.services.wellbeing", "peerdesk.safety",
    "peerdesk.services.workqueue", "peerdesk.services.arrival", "ui.errors", "ui.models",
    "ui.models.drafts", "ui.models.rows", "ui.models.records", "ui.models.workqueue",
    "ui.widgets.versions", "ui.sync_status", "PySide6.QtPrintSupport", "ui.copy_places",
    "peerdesk.exports.fonts", "ui.plan_document", "ui.widgets.leaving", "ui.windows.dialogs",
    "ui.windows.access", "ui.widgets.dates", "ui.windows.consent", "ui.widgets.bars",
    "ui.windows.coordinator", "ui.language", "ui.widgets.spec_form", "ui.windows.editor",
    "ui.windows.cowriting", "ui.windows.handover", "ui.windows.leavers",
    "ui.widgets.journey_view", "ui.windows.pages", "ui.windows.recovery",
    "ui.windows.resources_page", "ui.windows.supervision", "ui.windows.team_page",
    "ui.windows.wellbeing", DESK,
)


def load_now() -> None:
    """All at once, for a window that waits anyway (the first run's "Opening…")."""
    importlib.import_module(DESK)


class DeskLoader(QObject):
    """Imports DESK_MODULES one per turn of the event loop, then calls ``then`` (or ``failed``
    with what stopped it). Ends with its parent: a window closed meanwhile loads no more."""

    def __init__(self, parent: QObject, then: Callable[[], None],
                 failed: Callable[[BaseException], None]) -> None:
        super().__init__(parent)
        self._then, self._failed = then, failed
        self._left = list(DESK_MODULES)
        self.turns = 0  # steps taken, each in its own turn of the event loop

    def start(self) -> None:
        QTimer.singleShot(0, self, self._step)

    def _step(self) -> None:
        self.turns += 1
        try:
            while self._left:  # what is already loaded takes no turn
                name = self._left.pop(0)
                if name not in sys.modules and _quietly_import(name):
                    break
        except Exception as exc:  # noqa: BLE001 - a broken install: said once, on the window
            self._failed(exc)
            return
        if self._left:
            QTimer.singleShot(0, self, self._step)
        else:
            self._then()


def _quietly_import(name: str) -> bool:
    """Import ``name``, its objects kept out of later collections (``ui.collector``); False if
    there is no such module any more (the list is behind)."""
    try:
        with UiThreadCollector.quiet():
            importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name or name == DESK:
            raise
        return False
    return True
