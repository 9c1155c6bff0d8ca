"""GUI fixtures: a real ShellWindow on a real data folder, driven through its widgets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from peerdesk.config import Policy
from peerdesk.services import Vault
from tests.conftest import LIGHT_KDF, PASSPHRASE, new_data_folder
from ui import theme
from ui.tasks import TaskRunner
from ui.windows import editor as editor_module
from ui.windows.shell import ShellWindow
from ui.windows.team_page import TeamPage

P = TypeVar("P")  # the class of a desk's page

WAIT_MS = 10_000
# The windows' two lanes, one runner for the whole session (see the runner fixture).
RUNNER: list[TaskRunner] = []


@pytest.fixture(autouse=True)
def _calm_theme(qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    theme.apply(qapp)
    # Autosave waits a few seconds after typing stops; tests need not wait that long.
    monkeypatch.setattr(editor_module, "AUTOSAVE_MS", 150)
    yield
    for runner in RUNNER:
        runner.wait_idle()


@pytest.fixture(scope="session")
def runner(qapp: QApplication) -> Iterator[TaskRunner]:
    made = TaskRunner()
    RUNNER.append(made)
    yield made
    RUNNER.remove(made)
    made.stop()


@pytest.fixture
def policy() -> Policy:
    return Policy()


@pytest.fixture
def make_shell(qtbot, tmp_path: Path, policy: Policy,  # type: ignore[no-untyped-def]
               runner: TaskRunner) -> Callable[..., ShellWindow]:
    def make(data_dir: Path, **kwargs: object) -> ShellWindow:
        shell = ShellWindow(data_dir, policy=kwargs.pop("policy", policy),  # type: ignore[arg-type]
                            kdf_params=LIGHT_KDF, export_dir=tmp_path / "exports",
                            runner=runner)
        qtbot.addWidget(shell)
        shell.setWindowState(Qt.WindowState.WindowNoState)  # not maximised to the test screen
        shell.resize(1200, 820)
        shell.show()
        qtbot.waitUntil(lambda: shell.vault is not None or shell.banner.isVisible(), timeout=WAIT_MS)
        assert shell.vault is not None, shell.banner.text()
        return shell
    return make


@pytest.fixture
def prepared_dir(data_dir: Path) -> Path:
    """A data folder with one peer account, closed again so the window can open it."""
    with Vault(new_data_folder(data_dir), kdf_params=LIGHT_KDF) as vault:
        vault.set_team("Team North")
        vault.create_account("Amira", "peer", PASSPHRASE)
        vault.create_account("Grace", "coordinator", PASSPHRASE)
    return data_dir


def sign_in(qtbot, shell: ShellWindow, name: str = "Amira",  # type: ignore[no-untyped-def]
            passphrase: str = PASSPHRASE) -> None:
    page = shell.signin
    qtbot.waitUntil(lambda: page.isVisible() and page.accounts.count() > 0, timeout=WAIT_MS)
    items = page.accounts.findItems(name, Qt.MatchFlag.MatchExactly)
    page.accounts.setCurrentItem(items[0])
    page.passphrase.setFocus()
    qtbot.keyClicks(page.passphrase, passphrase)
    qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shell.desk_page is not None, timeout=WAIT_MS)


def settle(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Let queued jobs finish and deferred deletes happen."""
    for runner in RUNNER:
        runner.wait_idle()
    qtbot.wait(50)
    QApplication.sendPostedEvents(None, 0)
    QApplication.processEvents()


def on_section(qtbot, shell: ShellWindow, section: str, kind: type[P],  # type: ignore[no-untyped-def]
               name: str = "Amira") -> P:
    """`name` signed in, on the desk's `section`: its page, of the class it should be."""
    sign_in(qtbot, shell, name)
    desk = shell.desk_page
    assert desk is not None
    desk.show_section(section)
    settle(qtbot)
    page = desk.pages.currentWidget()
    assert isinstance(page, kind)
    return page


def on_team_members(qtbot, shell: ShellWindow, name: str = "Ida") -> TeamPage:  # type: ignore[no-untyped-def]
    """An administrator signed in at 1366x768, on Team members."""
    shell.resize(1366, 768)
    return on_section(qtbot, shell, "Team members", TeamPage, name)
