"""Every screen fits a ward PC's 1366×768 screen less its taskbar, with normal and larger text
and high contrast, and at 200 % scaling; what does not fit scrolls instead of being cut off.

Qt lays out in logical pixels: at QT_SCALE_FACTOR=2 the same screen is 683×384 of them, so
"fits at 200 %" is "fits a window of half the size with the normal font", checked here
offscreen; the real-desktop lane (tests/desktop/test_ward_screen.py) shows it on screen.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QWidget

from peerdesk.demo import ACCOUNTS, build_demo
from peerdesk.domain import Kind
from peerdesk.services import Vault
from tests.conftest import LIGHT_KDF
from tests.gui.conftest import WAIT_MS, settle
from ui import theme
from ui.prefs import Display, Prefs
from ui.windows.shell import ShellWindow

TITLE_BAR = 24  # the window manager's, above the window
WARD = QSize(1366, 768 - 40 - TITLE_BAR)  # the screen less a 40 px taskbar
AT_200 = QSize(1366 // 2, (768 - 40) // 2 - TITLE_BAR // 2)
MODES = {"normal": (False, False), "larger text": (True, False), "high contrast": (False, True)}
PASSPHRASES = {name: passphrase for name, _role, passphrase in ACCOUNTS}


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ward") / "demo"
    with Vault(folder, kdf_params=LIGHT_KDF) as vault:
        build_demo(vault, weeks=4, with_share=False)
    return folder


def sign_in(qtbot, shell: ShellWindow, name: str) -> None:  # type: ignore[no-untyped-def]
    from tests.gui.conftest import sign_in as enter
    enter(qtbot, shell, name, PASSPHRASES[name])


def screens(qtbot, shell: ShellWindow) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Opens each screen in turn, yielding its name while it is showing."""
    page = shell.desk_page
    assert page is not None
    for section in page.nav_items:
        page.show_section(section)
        settle(qtbot)
        yield section
    page.search.setText("the")
    qtbot.waitUntil(lambda: page.pages.currentWidget() is page.search_page, timeout=WAIT_MS)
    yield "search"
    page.search.clear()
    for kind in (Kind.DIARY, Kind.REFLECTION, Kind.CRISIS_PLAN, Kind.PERSON):
        editor = page.new_record(kind)
        settle(qtbot)
        yield f"{kind.value} editor"
        page.close_editor(editor)


def too_big(shell: ShellWindow, room: QSize) -> str:
    need = shell.minimumSizeHint().expandedTo(shell.minimumSize())
    if need.width() <= room.width() and need.height() <= room.height():
        return ""
    # Name the widest and tallest offenders, to say where to look.
    widest = sorted(((w.minimumSizeHint().width(), type(w).__name__ + " " + w.objectName())
                     for w in shell.findChildren(QWidget) if w.isVisible()), reverse=True)[:4]
    return f"needs {need.width()}×{need.height()}; widest: {widest}"


@pytest.mark.parametrize("mode", MODES)
def test_every_screen_fits_the_ward_screen(qtbot, demo_dir: Path, mode: str) -> None:  # type: ignore[no-untyped-def]
    large, contrast = MODES[mode]
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    theme.apply(app, large_text=large, high_contrast=contrast)
    # As chosen on this computer before: sign-in applies the account's (here the device's) choice.
    Prefs(demo_dir).set_display(Display(large, contrast))
    rooms = {"1366×768": WARD} | ({} if large else {"200 %": AT_200})
    shell = ShellWindow(demo_dir, kdf_params=LIGHT_KDF)
    qtbot.addWidget(shell)
    shell.show()
    qtbot.waitUntil(lambda: shell.vault is not None, timeout=WAIT_MS)
    problems = {}
    for who in ("Amira", "Grace"):
        sign_in(qtbot, shell, who)
        assert bool(app.property("peerdesk_large_text")) == large  # the mode under test
        for screen in screens(qtbot, shell):
            for room_name, room in rooms.items():
                problem = too_big(shell, room)
                if problem:
                    problems[f"{who}: {screen} at {room_name}"] = problem
        shell.lock()
        settle(qtbot)
    shell.close()
    theme.apply(app)
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())
