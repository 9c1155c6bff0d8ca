"""The item models pass Qt's model tester, sort, filter, and forget everything on clear()."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import Qt

from peerdesk.domain import Kind, Record
from peerdesk.services import Draft
from peerdesk.services.workqueue import Item, ItemKind
from ui.models.drafts import DraftListModel
from ui.models.records import RecordTableModel
from ui.models.rows import make_rows
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
