"""A large vault: the desk shows from the people and the newest records, and the rest is read
behind it (the sizes are made small here, so a small vault takes the same path)."""

from __future__ import annotations

import gc
import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from peerdesk import dates, search
from peerdesk.domain import Kind
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in as open_desk
from peerdesk.services.workqueue import ItemKind
from tests.conftest import LIGHT_KDF, PASSPHRASE
from tests.gui.conftest import WAIT_MS, settle, sign_in
from ui.models.rows import make_row
from ui.windows import desk as desk_module

DIARIES = 30


def _day(offset: int) -> str:
    return (dates.today() + timedelta(days=offset)).isoformat()


@pytest.fixture
def large(prepared_dir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    with Vault(prepared_dir, kdf_params=LIGHT_KDF) as vault:
        desk = open_desk(vault, "Amira", PASSPHRASE)
        jo = desk.add(Kind.PERSON, {"label": "Jo", "discharged_on": _day(-6)})
        plan = desk.add(Kind.CRISIS_PLAN, {"sections": {}, "review_on": _day(3)},
                        person_id=jo.id)  # old by the time the diaries are written
        for n in range(DIARIES):
            desk.add(Kind.DIARY, {"when": f"{_day(-30 - n)}T10:00",
                                  "what_happened": "allotment" if n < DIARIES - 1
                                  else "saw a heron at the allotment"}, person_id=jo.id)
        desk.lock()
    monkeypatch.setattr(desk_module, "WHOLE_LOAD", 10)
    monkeypatch.setattr(desk_module, "FIRST_BATCH", 5)
    monkeypatch.setattr(desk_module, "BATCH", 7)
    return {"jo": jo.id, "plan": plan.id}


def test_the_desk_shows_before_every_record_is_read_and_fills_in_behind_it(
        qtbot, make_shell, prepared_dir: Path, large: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    shell = make_shell(prepared_dir)
    shown: list[tuple[int, bool, str]] = []
    shell.unlocked.connect(lambda: shown.append((len(shell.desk_page.rows),
                                                 shell.desk_page.reading,
                                                 shell.desk_page.today.work_hint.text())))
    sign_in(qtbot, shell)
    page = shell.desk_page
    # When the desk appeared, only the people and the newest records had been decrypted,
    # and Today said it was still reading rather than showing a queue worked out from part.
    [(read_then, reading_then, hint_then)] = shown
    assert read_then < DIARIES + 2 and reading_then
    assert hint_then.startswith("Reading your records: ") and f"of {DIARIES + 2}" in hint_then
    assert page.people_model.total() == 1  # people come first: every row has its name

    qtbot.waitUntil(lambda: not page.reading, timeout=WAIT_MS)
    settle(qtbot)
    assert len(page.rows) == DIARIES + 2
    assert "Search results" in page._built  # made before the first key, not at it
    # The words folded while reading (decrypted text) are not kept once all is read.
    assert search._token_words.cache_info().currsize == 0
    assert page.diary_model.total() == DIARIES and page.plans_model.total() == 1
    assert all(r.person == "Jo" for r in page.diary_model.rows())
    assert {i.what for i in page.work_model.items()} == {ItemKind.FIRST_MEETING,
                                                         ItemKind.REVIEW}
    assert "2 things to do" in page.today.work_hint.text()
    # The oldest diary is found by search, and the lists keep their newest-first order.
    page.search.setText("heron")
    qtbot.waitUntil(lambda: page.search_model.rowCount() == 1, timeout=WAIT_MS)
    whens = [r.when for r in page.diary_model.rows()]
    assert whens == sorted(whens, reverse=True)


def test_a_save_while_reading_stands_in_the_lists_and_on_today(
        qtbot, make_shell, prepared_dir: Path, large: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    desk = page.desk
    assert page.reading
    # The plan is among the oldest records, read in the last batch: saved meanwhile, on the
    # database lane between two batches, as the editor saves.

    def save() -> object:
        return desk.update(large["plan"], {"sections": {}, "review_on": _day(60)})
    page._run(save, page._upsert)
    qtbot.waitUntil(lambda: not page.reading, timeout=WAIT_MS)
    settle(qtbot)
    assert page.rows[large["plan"]].review_on == _day(60)
    assert [r.review_on for r in page.plans_model.rows()] == [_day(60)]
    assert {i.what for i in page.work_model.items()} == {ItemKind.FIRST_MEETING}


def test_read_again_after_a_sync_keeps_what_was_saved_meanwhile_and_drops_what_went(
        qtbot, make_shell, prepared_dir: Path, large: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    desk = page.desk
    qtbot.waitUntil(lambda: not page.reading, timeout=WAIT_MS)
    # Gone on another computer (as a sync brings it): deleted in the data file, not here.
    gone = next(r.record.id for r in page.diary_model.rows())
    page._run(lambda: desk.delete(gone), lambda _: None)
    page.reload()  # as after a sync that brought something
    assert page.reading

    def save() -> object:  # saved while the vault is read again, not among the ids it reads
        return desk.add(Kind.DIARY, {"when": f"{_day(0)}T09:00", "what_happened": "kingfisher"},
                        person_id=large["jo"])
    page._run(save, page._upsert)
    qtbot.waitUntil(lambda: not page.reading, timeout=WAIT_MS)
    settle(qtbot)
    summaries = [r.summary for r in page.diary_model.rows()]
    assert "kingfisher" in summaries and len(summaries) == DIARIES
    assert gone not in page.rows


def test_the_lock_lets_go_of_the_rows_on_a_worker_not_on_the_window(
        qtbot, make_shell, prepared_dir: Path, large: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """Freeing 100,000 rows at once held the window for over 100 ms at lock: the rows are let
    go of on the workers, a few thousand at a time. A marker among one row's fields says on
    which thread that row was freed."""
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    qtbot.waitUntil(lambda: not page.reading, timeout=WAIT_MS)
    settle(qtbot)
    freed_on: list[threading.Thread] = []

    class Marker:
        def __del__(self) -> None:
            freed_on.append(threading.current_thread())

    diary = next(r.record for r in page.rows.values() if r.record.kind is Kind.DIARY)
    # As the desk holds a saved row: in its rows, its lists, Recent entries and Today's queue.
    page._put_row(make_row(replace(diary, fields={**diary.fields, "marker": Marker()}),
                           page.people(), page.authors))
    del diary
    settle(qtbot)
    assert not freed_on and page.search_model.total() == DIARIES + 2

    assert gc.get_freeze_count() > 0  # what was read is kept out of the collector's walks
    shell.lock()
    assert shell.desk_page is None and not page.rows
    # ...until it is let go of: unfrozen while still held, the collector walked every row.
    assert gc.get_freeze_count() > 0
    qtbot.waitUntil(lambda: bool(freed_on), timeout=WAIT_MS)
    assert len(freed_on) == 1 and freed_on[0] is not threading.main_thread()
    qtbot.waitUntil(lambda: gc.get_freeze_count() == 0, timeout=WAIT_MS)


def test_reading_a_large_vault_collects_nothing_off_the_ui_thread(
        qtbot, make_shell, prepared_dir: Path, large: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """A collection on a worker can destroy a Qt wrapper off the UI thread (ui.collector):
    reading the vault in batches on the database lane must leave collecting to the UI
    thread."""
    shell = make_shell(prepared_dir)
    threads: list[threading.Thread] = []

    def started(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            threads.append(threading.current_thread())
    gc.callbacks.append(started)
    try:
        sign_in(qtbot, shell)
        page = shell.desk_page
        qtbot.waitUntil(lambda: not page.reading, timeout=WAIT_MS)
        settle(qtbot)
    finally:
        gc.callbacks.remove(started)
    assert len(page.rows) == DIARIES + 2
    assert all(t is threading.main_thread() for t in threads), {t.name for t in threads}


def test_a_record_changed_elsewhere_and_saved_while_read_again_shows_once_in_each_list(
        qtbot, make_shell, prepared_dir: Path, large: dict[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """While the vault is read again, the desk's rows move ahead of its lists (a record read
    again may sort elsewhere now): a save then still finds the row each list holds, so the
    record is listed once, not twice."""
    shell = make_shell(prepared_dir)
    sign_in(qtbot, shell)
    page = shell.desk_page
    desk = page.desk
    qtbot.waitUntil(lambda: not page.reading, timeout=WAIT_MS)
    oldest = page.diary_model.rows()[-1].record
    moved_to = f"{_day(-1)}T08:00"
    changed: list[object] = []
    # Moved to another day on another computer (as a sync brings it): the data file only.
    page._run(lambda: desk.update(oldest.id, {**oldest.fields, "when": moved_to}),
              changed.append)
    qtbot.waitUntil(lambda: bool(changed), timeout=WAIT_MS)
    counts: list[tuple[int, int]] = []
    read_rest = page._read_rest

    def between_batches(*args: object, **kwargs: object) -> None:
        if not counts and page.rows[oldest.id].when == moved_to:  # read again, not relisted
            page._upsert(changed[0])  # a save lands here, between two batches
            counts.append(tuple(  # type: ignore[arg-type]
                [r.record.id for r in m.rows()].count(oldest.id)
                for m in (page.diary_model, page.search_model)))
        read_rest(*args, **kwargs)
    monkeypatch.setattr(page, "_read_rest", between_batches)
    page.reload()
    qtbot.waitUntil(lambda: not page.reading, timeout=WAIT_MS)
    settle(qtbot)
    assert counts == [(1, 1)]
    assert [r.record.id for r in page.diary_model.rows()].count(oldest.id) == 1
    assert page.diary_model.rows()[0].record.id == oldest.id  # now the newest
