"""The search box as a peer uses it: names typed without accents are found, and a search that
finds nothing says so with what to try next."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from peerdesk.domain import Kind
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in as open_desk
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.gui.conftest import WAIT_MS, sign_in

NAME = "Zofia Wójcik-Nguyễn"


@pytest.fixture
def people_dir(data_dir: Path) -> Path:
    with Vault(data_dir, kdf_params=LIGHT_KDF) as vault:
        vault.create_account("Amira", "peer", PASSPHRASE)
        desk = open_desk(vault, "Amira", PASSPHRASE)
        zofia = desk.add(Kind.PERSON, {"label": NAME})
        desk.add(Kind.PERSON, {"label": "أحمد الحسن"})
        desk.add(Kind.PERSON, {"label": "Jo Smith"})
        desk.add(Kind.DIARY, {"when": "2026-11-01T10:00", "what_happened": "A walk by the canal"},
                 person_id=zofia.id)
        desk.lock()
    return data_dir


def shown(page) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(r.kind_label, r.person) for r in page.search_model.rows()]


@pytest.fixture(params=["read-each-row", "from-the-index"])
def indexed(request, monkeypatch) -> bool:  # type: ignore[no-untyped-def]
    """A small list is searched by reading each row; a large one from its index of words
    (here made for any list, as for 100,000 records)."""
    if request.param == "from-the-index":
        from ui.models import records
        monkeypatch.setattr(records, "INDEX_FROM", 0)
    return bool(request.param == "from-the-index")


def test_a_name_typed_without_accents_finds_her(qtbot, make_shell, people_dir: Path,  # type: ignore[no-untyped-def]
                                               indexed: bool) -> None:
    shell = make_shell(people_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    qtbot.waitUntil(lambda: page.search_model.indexed == indexed, timeout=WAIT_MS)
    qtbot.keyClicks(page.search, "wojcik")
    qtbot.waitUntil(lambda: page.pages.currentWidget() is page.search_page, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(shown(page)) == 2, timeout=WAIT_MS)
    assert sorted(shown(page)) == [("Person I support", NAME), ("Session diary", NAME)]
    assert page.search_page.count.text() == "2 of 4 shown"

    page.search.clear()
    qtbot.keyClicks(page.search, "NGUYEN canal")
    qtbot.waitUntil(lambda: shown(page) == [("Session diary", NAME)], timeout=WAIT_MS)

    page.search.clear()
    page.search.setText("احمد")  # typed without the hamza (an input method, not key presses)
    qtbot.waitUntil(lambda: shown(page) == [("Person I support", "أحمد الحسن")], timeout=WAIT_MS)


def test_nothing_found_says_so_and_what_to_try(qtbot, make_shell, people_dir: Path) -> None:  # type: ignore[no-untyped-def]
    shell = make_shell(people_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    qtbot.keyClicks(page.search, "wojtek")
    qtbot.waitUntil(lambda: page.pages.currentWidget() is page.search_page, timeout=WAIT_MS)
    empty = page.search_page.empty
    qtbot.waitUntil(lambda: empty.text().startswith("Nothing found for “wojtek”"), timeout=WAIT_MS)
    assert empty.isVisible() and not page.search_page.view.isVisible()
    assert "capitals and accents do not matter" in empty.text()
    assert empty.accessibleName().startswith("Search results: Nothing found for")
    for _ in range(3):
        qtbot.keyClick(page.search, Qt.Key.Key_Backspace)
    qtbot.waitUntil(lambda: not empty.isVisible(), timeout=WAIT_MS)
    assert page.search_page.view.isVisible()
    assert [p for _k, p in shown(page)] == [NAME, NAME]


def test_results_come_from_a_worker_as_rows_in_and_out_and_the_selection_stays(
        qtbot, make_shell, data_dir: Path, indexed: bool) -> None:  # type: ignore[no-untyped-def]
    """Typing narrows the results: they are found off the UI thread and the table changes
    row by row (no reset), so the row she had selected stays selected and in view."""
    with Vault(data_dir, kdf_params=LIGHT_KDF) as vault:
        vault.create_account("Amira", "peer", PASSPHRASE)
        desk = open_desk(vault, "Amira", PASSPHRASE)
        jo = desk.add(Kind.PERSON, {"label": "Jo"})
        for n, words in enumerate(["allotment tea", "allotment", "tea garden", "allotment bus",
                                   "allotment teapot", "library", "allotment tea again"]):
            desk.add(Kind.DIARY, {"when": f"2026-11-0{1 + n}T10:00", "what_happened": words},
                     person_id=jo.id)
        desk.lock()
    shell = make_shell(data_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    model = page.search_model
    qtbot.waitUntil(lambda: model.indexed == indexed, timeout=WAIT_MS)
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))

    model.set_filter("allot")
    assert model.searching and model.rowCount() == 8  # not scanned here: asked of a worker
    qtbot.waitUntil(lambda: not model.searching, timeout=WAIT_MS)
    page.search.setText("allot")
    qtbot.waitUntil(lambda: page.pages.currentWidget() is page.search_page, timeout=WAIT_MS)
    assert sorted(r.summary for r in model.rows()) == [
        "allotment", "allotment bus", "allotment tea", "allotment tea again", "allotment teapot"]
    view = page.search_page.view
    chosen = next(i for i, r in enumerate(model.rows()) if r.summary == "allotment tea again")
    view.selectRow(chosen)

    qtbot.keyClicks(page.search, "ment tea")
    qtbot.waitUntil(lambda: len(model.rows()) == 3 and not model.searching, timeout=WAIT_MS)
    assert sorted(r.summary for r in model.rows()) == [
        "allotment tea", "allotment tea again", "allotment teapot"]
    [selected] = view.selectionModel().selectedRows()
    assert model.row_at(selected).summary == "allotment tea again"
    page.search.clear()
    qtbot.waitUntil(lambda: model.rowCount() == 8 and not model.searching, timeout=WAIT_MS)
    assert resets == []
