"""A new peer's first day: the screens say what to do first, and no screen a peer opens uses a
word from the replaced list in docs/words.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from peerdesk.demo import ACCOUNTS, build_demo
from peerdesk.domain import Kind
from peerdesk.services import Vault
from tests.conftest import LIGHT_KDF
from tests.gui.conftest import WAIT_MS, settle, sign_in
from ui.widgets.leaving import widget_texts

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASES = {name: passphrase for name, _role, passphrase in ACCOUNTS}


def replaced_words() -> list[str]:
    text = (ROOT / "docs" / "words.md").read_text("utf-8")
    table = text.split("## Replaced", 1)[1].split("\n## ", 1)[0]
    words = re.findall(r"^\| `([^`]+)` \|", table, re.MULTILINE)
    assert len(words) >= 10, words
    return words


def test_a_new_peers_today_says_what_to_do_first(qtbot, make_shell, prepared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    today = page.today
    settle(qtbot)
    assert today.first_steps.isVisible()
    assert today.first_steps.text().startswith("Nothing here yet. To start: add a person")
    assert not today.work_view.isVisible() and not today.recent_view.isVisible()
    page.show_section("Diary")
    settle(qtbot)
    diary = page.pages.currentWidget()
    assert diary.empty.isVisible() and "choose New session diary" in diary.empty.text()
    assert not diary.view.isVisible()

    # Once something is written, the lists are back and the first steps have gone.
    editor = page.new_record(Kind.DIARY)
    editor.form.widget_for("what_happened").setPlainText("Met on the ward; mostly listened.")
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.record is not None, timeout=WAIT_MS)
    settle(qtbot)
    assert diary.view.isVisibleTo(diary) and not diary.empty.isVisibleTo(diary)
    page.show_section("Today")
    settle(qtbot)
    assert not today.first_steps.isVisible() and today.recent_view.isVisible()


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("words") / "demo"
    with Vault(folder, kdf_params=LIGHT_KDF) as vault:
        build_demo(vault, weeks=4, with_share=False)
    return folder


def test_no_screen_a_peer_opens_uses_a_replaced_word(qtbot, make_shell, demo_dir: Path) -> None:  # type: ignore[no-untyped-def]
    shell = make_shell(demo_dir)
    sign_in(qtbot, shell, "Amira", PASSPHRASES["Amira"])
    page = shell.desk_page
    seen: list[str] = []
    for section in page.nav_items:
        page.show_section(section)
        settle(qtbot)
        seen += widget_texts(page)
    for kind in (Kind.PERSON, Kind.DIARY, Kind.REFLECTION, Kind.DISCHARGE_PLAN,
                 Kind.CRISIS_PLAN, Kind.RECOVERY_PLAN):
        editor = page.new_record(kind)
        seen += widget_texts(editor)
        page.close_editor(editor)
    page.access_button.click()
    qtbot.waitUntil(lambda: bool(page.dialogs), timeout=WAIT_MS)
    seen += widget_texts(page.dialogs[-1])
    for w in QApplication.topLevelWidgets():
        if w.isVisible() and w is not shell:
            seen += widget_texts(w)
    text = "\n".join(seen).lower()
    assert "caldicott guardian" in text  # the access log explains who that is
    for word in replaced_words():
        assert word.lower() not in text, word
