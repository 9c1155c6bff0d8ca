"""The item models pass Qt's model tester, sort, filter, and forget everything on clear()."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from peerdesk.domain import Kind, Record
from peerdesk.services import Draft
from peerdesk.services.workqueue import Item, ItemKind
from ui.models.drafts import DraftListModel
from ui.models.records import COLUMNS, RecordTableModel
from ui.models.rows import Row, make_rows
from ui.models.workqueue import WorkQueueModel


def _records() -> list[Record]:
    person = Record("p1", Kind.PERSON, "a1", None, 1, datetime(2026, 1, 1), {"label": "Jo"})
    out = [person]
    for i, text in enumerate(["walk by the river", "cooking together", "allotment group"]):
        out.append(Record(f"d{i}", Kind.DIARY, "a1", "p1", 1, datetime(2026, 1, 2 + i),
                          {"when": f"2026-01-0{2 + i}T10:00", "what_happened": text,
                           "peer_brought": ["hope"]}))
    out.append(Record("c1", Kind.CRISIS_PLAN, "a1", "p1", 1, datetime(2026, 1, 9),
                      {"sections": {"helps": "tea"}, "review_on": "2026-01-10"}))
    return out


def test_record_model_passes_the_model_tester(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = RecordTableModel()
    model.set_rows(make_rows(_records(), {"a1": "Amira"}))
    qtmodeltester.check(model, force_py=True)
    model.set_filter("river")
    qtmodeltester.check(model, force_py=True)


def test_filter_sort_and_clear() -> None:
    model = RecordTableModel(("when", "kind", "person", "summary"))
    model.set_rows(make_rows(_records(), {"a1": "Amira"}))
    assert model.rowCount() == 5
    model.set_filter("ALLOTMENT jo")  # every word, any case, across fields and the person
    assert [r.record.id for r in model.rows()] == ["d2"]
    model.set_filter("Time, warmth")  # a tag's label, not its id
    assert model.rowCount() == 0
    model.set_filter("hope")
    assert model.rowCount() == 3
    model.set_filter("")
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.data(model.index(0, 0)).startswith("2026-01-09") or model.rows()[0].when
    model.sort(3, Qt.SortOrder.AscendingOrder)
    summaries = [model.data(model.index(i, 3)) for i in range(model.rowCount())]
    assert summaries == sorted(summaries, key=str.lower)
    model.clear()
    assert model.rowCount() == 0 and model.total() == 0


def test_work_queue_model_says_when_in_words_and_bolds_what_is_pressing(
        qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = WorkQueueModel()
    today = date(2026, 3, 20)
    items = [Item("a", ItemKind.FIRST_MEETING, "p1", "p1", date(2026, 3, 17), "Discharged"),
             Item("b", ItemKind.REVIEW, "c1", "p1", date(2026, 3, 30), "Crisis plan")]
    model.set_items(items, {"p1": "Jo"}, today)
    qtmodeltester.check(model, force_py=True)
    assert model.text_rows() == [
        ("3 days late (was due 17 Mar 2026)", "First meeting after discharge", "Jo", "Discharged"),
        ("Due in 10 days (30 Mar 2026)", "Plan review", "Jo", "Crisis plan")]
    assert model.data(model.index(0, 0), Qt.ItemDataRole.FontRole).bold()
    assert model.data(model.index(1, 0), Qt.ItemDataRole.FontRole) is None


def test_draft_model(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = DraftListModel()
    draft = Draft("x", Kind.DIARY, None, "p1", datetime(2026, 1, 1, 9, 30), {"what_happened": "t"})
    model.set_drafts([draft], {"p1": "Jo"})
    qtmodeltester.check(model, force_py=True)
    label = model.data(model.index(0))
    assert label.startswith("New session diary, about Jo, last typed 1 Jan 2026, 09:30")
    model.clear()
    assert model.rowCount() == 0


def test_sorting_in_steps_gives_what_sorted_gives() -> None:
    """Worker-side sorting in runs (so the UI thread gets the interpreter lock in between)
    keeps sorted()'s order, equal keys included, both ways."""
    import random

    from ui.models.rows import SORT_STEP, sorted_in_steps

    rng = random.Random(4)
    rows = [(rng.choice("abcdefg"), n) for n in range(SORT_STEP * 3 + 17)]
    for reverse in (False, True):
        assert sorted_in_steps(rows, key=lambda r: r[0], reverse=reverse) == \
            sorted(rows, key=lambda r: r[0], reverse=reverse)  # type: ignore[arg-type]


def test_the_changes_a_search_sends_turn_the_rows_shown_into_the_rows_found() -> None:
    """Whatever two searches show (each in the list's order), applying the removals and then
    the insertions in turn gives exactly the new results."""
    import random

    from ui.models import records

    rng = random.Random(9)
    base = make_rows([Record(f"d{n}", Kind.DIARY, "a1", None, 1, datetime(2026, 1, 1),
                             {"when": f"2026-01-01T10:{n % 60:02d}"}) for n in range(300)], {})
    for _ in range(200):
        old = [r for r in base if rng.random() < rng.random()]
        new = [r for r in base if rng.random() < rng.random()]
        shown = list(old)
        for out, first, rows in records._diff(old, new, None):
            if out:
                assert shown[first:first + len(rows)] == rows
                del shown[first:first + len(rows)]
            else:
                shown[first:first] = rows
        assert shown == new


def _diaries(texts: list[str]) -> list[Record]:
    return [Record(f"d{n}", Kind.DIARY, "a1", None, 1, datetime(2026, 1, 1),
                   {"when": f"2026-01-{1 + n % 28:02d}T10:{n % 60:02d}", "what_happened": text})
            for n, text in enumerate(texts)]


def test_a_long_list_gives_the_view_its_first_rows_and_more_as_it_scrolls(
        qtbot, qtmodeltester, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Whatever the vault's size, the view is handed the first rows found and fetches the
    rest as it scrolls; the count says every row found."""
    from ui.models import records
    from ui.windows.pages import ListPage

    monkeypatch.setattr(records, "SHOW_FIRST", 20)
    monkeypatch.setattr(records, "SHOW_MORE", 15)
    model = RecordTableModel(("when", "person", "summary"))
    rows = make_rows(_diaries(["walk by the canal" if n % 3 else "tea" for n in range(90)]),
                     {"a1": "Amira"})
    model.set_rows(rows)
    assert model.rowCount() == 20 and model.found() == 90 and model.canFetchMore()
    page = ListPage("Diary", "", model)
    qtbot.addWidget(page)
    page.resize(800, 400)
    page.show()
    assert page.count.text() == "90 in all"
    model.set_filter("canal")
    assert model.found() == 60 and model.rowCount() == 20
    assert page.count.text() == "60 of 90 shown"
    assert sorted(r.record.id for r in model.rows()) == sorted(
        r.record.id for r in rows if r.record.fields["what_happened"] != "tea")
    whens = [r.when for r in model.rows()]
    assert whens == sorted(whens, reverse=True)  # the page's order: newest first
    page.view.scrollToBottom()  # the view asks for more when it reaches the end
    qtbot.waitUntil(lambda: model.rowCount() > 20)
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == 60
    assert [model.row_at(model.index(i, 0)) for i in range(60)] == model.rows()
    qtmodeltester.check(model, force_py=True)

    # A save lands where the order puts it: below the rows held, only in the rows found.
    model.set_filter("tea")
    assert model.rowCount() == 20 and model.found() == 30
    [extra] = make_rows([Record("old", Kind.DIARY, "a1", None, 1, datetime(2026, 1, 1),
                                {"when": "2025-12-01T10:00", "what_happened": "tea"})],
                        {"a1": "Amira"})
    model.put(extra)
    assert model.found() == 31 and model.rowCount() == 20 and model.rows()[-1] is extra
    newest = make_rows([Record("new", Kind.DIARY, "a1", None, 1, datetime(2026, 1, 1),
                               {"when": "2026-02-01T10:00", "what_happened": "tea"})],
                       {"a1": "Amira"})[0]
    model.put(newest)  # at the top, in the view at once
    assert model.rowCount() == 21 and model.row_at(model.index(0, 0)) is newest
    model.discard(extra.record.id)
    assert model.found() == 31 and extra not in model.rows()


def test_a_stale_search_never_replaces_a_newer_one() -> None:
    """Searches run on a worker and may finish in any order: only the newest one's rows are
    shown, whichever finishes last."""
    model = RecordTableModel(("when", "summary"))
    model.set_rows(make_rows(_diaries(["allotment", "garden", "allotment garden", "tea"]),
                             {"a1": "Amira"}))
    started: list[tuple[object, object]] = []
    model.search_with(lambda job, done, token: started.append((job, done)))

    def summaries() -> list[str]:
        return sorted(r.summary for r in model.rows())

    def late(done: object, result: object) -> None:
        """Deliver a search's result late, then run whatever the model starts after it as a
        worker would."""
        mark = len(started)
        done(result)  # type: ignore[operator]
        while len(started) > mark:
            job, then = started[mark]
            mark += 1
            then(job())  # type: ignore[operator]

    model.set_filter("allot")
    model.set_filter("garden")
    (_job_a, done_a), (job_b, done_b) = started
    found_b = job_b()  # type: ignore[operator]
    done_b(found_b)  # type: ignore[operator]
    assert summaries() == ["allotment garden", "garden"] and not model.searching
    late(done_a, ([], [(True, 0, model.rows())]))  # the older one
    assert summaries() == ["allotment garden", "garden"]
    assert model.rowCount() == 2 and model.query == "garden"

    started.clear()
    model.set_filter("tea")
    [(job_c, done_c)] = started
    found_c = job_c()  # type: ignore[operator]  # finished, not yet delivered
    model.set_filter("allotment")
    (job_d, done_d) = started[1]
    found_d = job_d()  # type: ignore[operator]
    done_d(found_d)  # type: ignore[operator]
    late(done_c, found_c)
    assert summaries() == ["allotment", "allotment garden"]
    assert model.query == "allotment"


_TEXTS = ["tea at the allotment", "Wójcik's garden", "O'Brien walk", "teapot", "café", "team"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["filter", "put", "discard", "sort"]),
                          st.integers(0, 40), st.lists(st.sampled_from(_TEXTS), max_size=3)),
                max_size=30), st.booleans())
@example([("sort", 1, []), ("filter", 2, ["teapot"]), ("discard", 3, []),
          ("filter", 1, ["teapot"])], False)  # sorted by a column, a row gone, then a search
@example([("sort", 0, []), ("filter", 2, ["teapot"]), ("put", 3, ["café"]),
          ("filter", 1, ["teapot"])], False)
@example([("filter", 2, ["teapot"]), ("sort", 3, []), ("put", 4, ["tea"]), ("sort", 2, [])],
         True)  # sorted by another column, then back to the rows' own order
def test_a_list_searched_by_its_index_shows_what_reading_every_row_shows(
        ops: list[tuple[str, int, list[str]]], newest_first: bool) -> None:
    """The same saves, deletions, sorts and filters, on a list found from its index (rows
    saved since it was made read as they are, and the index made again after enough) and on
    one that reads every row: the same rows, in the same order."""
    from ui.models import records

    def row(n: int, words: list[str]) -> object:
        return make_rows([Record(f"d{n}", Kind.DIARY, "a1", None, 1, datetime(2026, 1, 1),
                                 {"when": f"2026-01-{1 + n % 9:02d}T10:00",
                                  "what_happened": " ".join(words)})], {"a1": "Amira"})[0]

    rows = [row(n, [_TEXTS[n % 6], _TEXTS[n % 5]]) for n in range(30)]
    indexed, plain = RecordTableModel(("when", "summary")), RecordTableModel(("when", "summary"))
    indexed.search_with(lambda job, done, token: done(job()), index_now=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(records, "INDEX_FROM", 0)
        mp.setattr(records, "EXTRA_MOST", 3)
        for model in (indexed, plain):
            model.set_rows(rows, newest_first=newest_first)  # type: ignore[arg-type]
        assert indexed._index is not None
        for op, n, words in ops:
            for model in (indexed, plain):
                if op == "filter":
                    model.set_filter(" ".join(w[:1 + n % 6] for w in words))
                elif op == "put":
                    model.put(row(n, words))  # type: ignore[arg-type]
                elif op == "discard":
                    model.discard(f"d{n}")
                else:
                    model.sort(n % 2, Qt.SortOrder(n // 2 % 2))
            assert indexed._index is not None
            assert [r.record.id for r in indexed.rows()] == [r.record.id for r in plain.rows()]
            assert indexed.rowCount() == plain.rowCount()


_WORDS = ["tea", "walk", "garden", "canal", "café"]


def _diary(n: int, version: int, day: int, words: str) -> Record:
    return Record(f"d{n}", Kind.DIARY, "a1", None, version, datetime(2026, 1, 1),
                  {"when": f"2026-01-{1 + day % 28:02d}T10:{day % 3:02d}",
                   "what_happened": words})


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["put", "put", "discard", "sort", "filter"]),
                          st.integers(0, 24), st.integers(0, 90),
                          st.sampled_from(_WORDS)), max_size=40),
       st.integers(0, 3))
@example([("sort", 3, 0, "tea"), ("put", 1, 5, "tea"), ("put", 1, 60, "walk"),
          ("discard", 1, 0, "tea")], 2)
def test_a_list_told_the_row_it_held_finds_it_in_its_order_as_reading_every_row_does(
        ops: list[tuple[str, int, int, str]], start: int) -> None:
    """Saves (new records and new versions that move in the order), deletions, sorts and
    filters on a list told which row it held for each record (as the desk tells it): its
    rows are the latest of each record, in the order a fresh sort gives, and the same, in
    the same order, as on a list that reads every row to find one."""
    versions: dict[str, int] = {}

    def row(n: int, day: int, words: str) -> Row:
        versions[f"d{n}"] = versions.get(f"d{n}", 0) + 1
        return make_rows([_diary(n, versions[f"d{n}"], day, words)], {"a1": "Amira"})[0]

    held = {f"d{n}": row(n, n * 7, _WORDS[n % 5]) for n in range(start * 5)}
    told, plain = RecordTableModel(("when", "summary")), RecordTableModel(("when", "summary"))
    newest = sorted(held.values(), key=lambda r: r.when, reverse=True)
    for model in (told, plain):
        model.set_rows(newest, newest_first=True)
    sort: tuple[int, Qt.SortOrder] | None = None
    for op, n, day, words in ops:
        rid = f"d{n}"
        was = held.get(rid)
        if was is not None and day % 4 == 0:  # a copy of it (not the row given): the same keys
            was = dataclasses.replace(was)
        if op == "put":
            new = row(n, day, words)
            told.put(new, was)
            plain.put(new)
            held[rid] = new
        elif op == "discard":
            told.discard(rid, was)
            held.pop(rid, None)
            plain.discard(rid)
        elif op == "sort":
            sort = (n % 2, Qt.SortOrder(day % 2))
            for model in (told, plain):
                model.sort(*sort)
        else:
            for model in (told, plain):
                model.set_filter(words if day % 3 else "")
        got = told.rows()
        assert [r.record.id for r in got] == [r.record.id for r in plain.rows()]
        assert told.total() == len(held) and all(held[r.record.id] is r for r in got)
        assert len({r.record.id for r in got}) == len(got)
        words_now = told._terms
        expected = [r for r in held.values()
                    if all(t in r.haystack for t in words_now)]
        key, down = ((lambda r: r.when), True) if sort is None else (
            COLUMNS[("when", "summary")[sort[0]]][2],
            sort[1] == Qt.SortOrder.DescendingOrder)
        assert [key(r) for r in got] == sorted(map(key, expected), reverse=down)
        assert {r.record.id for r in got} == {r.record.id for r in expected}
        assert [told.row_at(told.index(i, 0)) for i in range(told.rowCount())] == \
            got[:told.rowCount()]


class _Counted(str):
    """A record id that counts how often it is compared: how many rows a list reads."""

    compared = 0

    def __eq__(self, other: object) -> bool:
        _Counted.compared += 1
        return str.__eq__(self, other)

    def __hash__(self) -> int:
        return str.__hash__(self)


def test_a_save_in_a_long_list_reads_a_few_rows_not_every_row(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """At 20,000 rows, a save that moves a row (from the bottom of the list to the top), a
    deletion, and a save into a list that does not hold the record each read a few dozen
    rows (their place in the order), not the 20,000 that scanning did, sorted by the list's
    own order or by another column; the list is then as a fresh sort gives it."""
    from ui.models import records

    total = 20_000
    keyed = {"n": 0}

    def counting(column: str) -> tuple[str, Any, Any]:
        header, show, key = records.COLUMNS[column]

        def count(r: Row) -> str:
            keyed["n"] += 1
            return key(r)
        return header, show, count

    def diary(n: int, day: int, version: int = 1) -> Row:
        record = _diary(n, version, day, f"{_WORDS[n % 5]} {n}")  # as real, few alike
        record = Record(_Counted(record.id), record.kind, record.author_id, None, version,
                        record.saved_at, {**record.fields, "when": f"2025-{1 + day // 28:02d}-"
                                          f"{1 + day % 28:02d}T{n % 24:02d}:{n % 60:02d}"})
        return make_rows([record], {"a1": "Amira"})[0]

    rows = sorted((diary(n, n % 300) for n in range(total)), key=lambda r: r.when,
                  reverse=True)
    monkeypatch.setitem(records.COLUMNS, "when", counting("when"))
    monkeypatch.setitem(records.COLUMNS, "summary", counting("summary"))
    for column in (0, 1):
        model, other = RecordTableModel(("when", "summary")), RecordTableModel(("when",))
        model.set_rows(rows, newest_first=True)
        other.set_rows([], newest_first=True)
        model.sort(column, Qt.SortOrder.DescendingOrder)
        oldest = model.rows()[-1] if column == 0 else rows[-1]
        moved = diary(int(oldest.record.id[1:]), 400, version=2)
        middle = rows[total // 2]
        for change in (partial(model.put, moved, oldest),
                       partial(other.discard, moved.record.id, oldest),
                       partial(model.discard, middle.record.id, middle)):
            _Counted.compared, keyed["n"] = 0, 0
            change()
            assert _Counted.compared + keyed["n"] < 200, (column, _Counted.compared, keyed)
        got = model.rows()
        assert len(got) == total - 1 and got.count(moved) == 1 and oldest not in got
        key = records.COLUMNS[("when", "summary")[column]][2]
        assert [key(r) for r in got] == sorted(map(key, got), reverse=True)
