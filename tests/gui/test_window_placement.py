"""The first window fits the screen's free area, and each person finds it where she left it.

A ward PC has one operating-system login shared by everyone, so "per user" is per PeerDesk
account: what the window remembers for Amira is not imposed on Grace at the same desk.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QMainWindow

from tests.conftest import LIGHT_KDF
from tests.gui.conftest import WAIT_MS, settle, sign_in
from ui import placement
from ui.prefs import Prefs
from ui.windows.shell import ShellWindow


def _open(qtbot, data_dir: Path) -> ShellWindow:  # type: ignore[no-untyped-def]
    """As main.py opens it: no size from the test, only what the window decides itself."""
    shell = ShellWindow(data_dir, kdf_params=LIGHT_KDF)
    qtbot.addWidget(shell)
    shell.show()
    qtbot.waitUntil(lambda: shell.vault is not None, timeout=WAIT_MS)
    return shell


def _close(qtbot, shell: ShellWindow) -> None:  # type: ignore[no-untyped-def]
    shell.close()
    settle(qtbot)


def test_first_window_fits_the_screens_free_area(qtbot, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    shell = _open(qtbot, prepared_dir)
    area = placement.available(shell)
    # The test screen is smaller than the default size, as a ward screen is: all of it is used.
    assert shell.isMaximized()
    assert area.contains(shell.frameGeometry()), (shell.frameGeometry(), area)
    assert shell.minimumSizeHint().width() <= area.width()
    assert shell.minimumSizeHint().height() <= area.height()
    _close(qtbot, shell)


def test_window_comes_back_where_each_person_left_it(qtbot, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    shell = _open(qtbot, prepared_dir)
    amiras, graces = QRect(40, 60, 700, 560), QRect(100, 50, 620, 700)

    def use(name: str, rect: QRect | None) -> None:
        sign_in(qtbot, shell, name)
        if rect is not None:
            shell.showNormal()
            shell.setGeometry(rect)
            settle(qtbot)
        shell.lock()
        settle(qtbot)

    use("Amira", amiras)
    use("Grace", graces)
    sign_in(qtbot, shell, "Amira")
    assert shell.geometry() == amiras
    shell.lock()
    sign_in(qtbot, shell, "Grace")
    assert shell.geometry() == graces
    _close(qtbot, shell)

    # The next start shows the sign-in page as the last person left the window.
    again = _open(qtbot, prepared_dir)
    assert again.geometry() == graces
    sign_in(qtbot, again, "Amira")
    assert again.geometry() == amiras
    _close(qtbot, again)


def test_a_window_left_on_a_bigger_screen_still_fits(qtbot, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    wide = QMainWindow()
    qtbot.addWidget(wide)
    wide.setGeometry(300, 200, 1900, 1040)  # a docked laptop's big monitor
    wide.show()
    Prefs(prepared_dir).set_geometry(wide.saveGeometry())
    shell = _open(qtbot, prepared_dir)
    assert placement.available(shell).contains(shell.frameGeometry())
    _close(qtbot, shell)


def test_prefs_keep_geometry_per_account(tmp_path: Path) -> None:
    from PySide6.QtCore import QByteArray
    prefs = Prefs(tmp_path)
    assert prefs.geometry() is None and prefs.geometry("amira-id") is None
    prefs.set_geometry(QByteArray(b"amira's"), "amira-id")
    prefs.set_geometry(QByteArray(b"grace's"), "grace-id")
    assert bytes(prefs.geometry("amira-id") or b"") == b"amira's"
    assert bytes(prefs.geometry("grace-id") or b"") == b"grace's"
    assert bytes(prefs.geometry() or b"") == b"grace's"  # the sign-in page: the last one left
    assert prefs.geometry("tom-id") is None
