"""A sortable, filterable table of records, fast enough to filter 10,000 rows per keystroke."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from enum import Enum
from itertools import compress, count, groupby, repeat
from operator import attrgetter, contains, eq, is_
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from peerdesk import dates, search
from peerdesk.progress import CancelToken
from ui.models.rows import Row, sorted_in_steps

Index = QModelIndex | QPersistentModelIndex

def nice_when(value: str) -> str:
    """2026-11-16T12:24 -> 16 Nov 2026, 12:24 (sorting still uses the ISO text). The text is
    a wall-clock time already: a field's value, or a save time made local by the row."""
    return dates.short_moment(value) if len(value) > 10 else dates.short_day(value)


# key -> (header, displayed text, sort key)
COLUMNS: dict[str, tuple[str, Callable[[Row], str], Callable[[Row], str]]] = {
    "when": ("When", lambda r: nice_when(r.when), lambda r: r.when),
    "kind": ("Kind", lambda r: r.kind_label, lambda r: r.kind_label.lower()),
    "person": ("Person", lambda r: r.person, lambda r: r.person.lower()),
    "summary": ("Summary", lambda r: r.summary, lambda r: r.summary.lower()),
    "author": ("Written by", lambda r: r.author, lambda r: r.author.lower()),
    "review": ("Review date", lambda r: nice_when(r.review_on), lambda r: r.review_on),
    "started": ("Support started",
                lambda r: nice_when(str(r.record.fields.get("support_started") or "")) or "Not set",
                lambda r: str(r.record.fields.get("support_started") or "")),
    "pronouns": ("Pronouns", lambda r: str(r.record.fields.get("pronouns", "")),
                 lambda r: str(r.record.fields.get("pronouns", ""))),
}
# Sample text for a column's starting width, measured in the current font.
WIDTH_SAMPLE = {"when": "28 Nov 2026, 22:22", "kind": "Personal recovery plan",
                "person": "Zofia Wójcik-Nguyen", "author": "Written by someone",
                "review": "28 Nov 2026", "pronouns": "they/them", "started": "Support started"}
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
NEWEST_FIRST = ("when", Qt.SortOrder.DescendingOrder)


class Unknown(Enum):
    """The row a list held for a record is not known: it is looked for in every row."""
    UNKNOWN = "unknown"


UNKNOWN = Unknown.UNKNOWN
Was = Row | None | Unknown  # what a list was given for a record before (None: nothing)


class RecordTableModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[str] = ("when", "kind", "person", "summary"),
                 *, headers: dict[str, str] | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = self._columns = list(columns)
        self._headers = {k: (headers or {}).get(k, COLUMNS[k][0]) for k in self._columns}
        self._all: list[Row] = []
        self._matches: list[Row] = []  # every row found, in the order shown
        self._shown: list[Row] = []  # what the view holds: the first of _matches (fetchMore)
        self._terms: list[str] = []
        self.query = ""  # the filter as typed, for "Nothing found for …"
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._known_order: tuple[str, Qt.SortOrder] | None = None  # how _all came sorted
        self._generation = 0  # counts every change of the rows: a search found before is stale
        self._starter: Starter | None = None
        self._searching: CancelToken | None = None
        # Rows are being changed: a view asking for more meanwhile (its scroll bar moved as
        # rows went) waits, so no insertion lands in the middle of another change.
        self._changing = False
        # The words of the rows, to find them without reading each (peerdesk.search), made on
        # a worker: at once for the search list (``search_with(..., index_now=True)``), on the
        # first filter for others. Rows saved since are searched as they are (_extra).
        self._index: search.WordIndex | None = None
        self._slots = array("l")  # each row of _all: its number in the index (or _extra's)
        self._extra: list[Row] = []  # saved since the index was made; numbers past its end
        self._indexing: CancelToken | None = None
        self._index_now = False
        self._edits = 0  # counts every change of _all (an index made before is out of date)
        # Sorted by a column other than the rows' own order: _all in that order with its
        # numbers in the index, made on a worker once, so a key does not sort what it found.
        self._ordered: tuple[tuple[str, bool], list[Row], array[int]] | None = None
        self._ordering: CancelToken | None = None

    # -- Qt model API ---------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._shown):
            return None
        row = self._shown[index.row()]
        key = self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return COLUMNS[key][1](row)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return COLUMNS[key][1](row) or "none"  # heard as a cell, not as silence
        if role == ROW_ROLE:
            return row
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            return self._headers[self._columns[section]]
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._shown):
            return section + 1
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return (not parent.isValid() and not self._changing
                and len(self._shown) < len(self._matches))

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        """The view scrolled to the end of what it holds: the next rows found."""
        if not self.canFetchMore(parent):
            return
        first = len(self._shown)
        more = self._matches[first:first + SHOW_MORE]
        self.beginInsertRows(QModelIndex(), first, first + len(more) - 1)
        self._shown += more
        self.endInsertRows()

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._columns):
            return
        before = self._effective_order()
        self._sort = (column, order)
        if self._effective_order() == before:
            return  # already in that order (a view just built sorts its model once)
        self._generation += 1
        self.layoutAboutToBeChanged.emit()
        if self._in_known_order():
            self._matches = self._filtered()  # back to the order the rows came in
        else:
            self._apply_sort(self._matches)
        self._shown = self._matches[:len(self._shown)]
        self.layoutChanged.emit()
        self._order_ahead()

    def _effective_order(self) -> tuple[str, Qt.SortOrder] | None:
        """The order the rows are shown in (None: as given, in no known order)."""
        if self._sort is None:
            return self._known_order
        column, order = self._sort
        return self._columns[column], order

    def _in_known_order(self) -> bool:
        """Are the rows already in the order asked for (so no sort is needed)?"""
        if self._sort is None or self._known_order is None:
            return self._sort is None
        column, order = self._sort
        return (self._columns[column], order) == self._known_order

    # -- ours -----------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[Row], *, newest_first: bool = False) -> None:
        """``newest_first``: the rows come sorted by "when", newest first (as the desk's lists
        are worked out on a worker), so a view in that order need not sort them again."""
        self.beginResetModel()
        self._generation += 1
        self._all = list(rows)
        self._known_order = NEWEST_FIRST if newest_first else None
        self._matches = self._filtered()
        self._shown = self._matches[:SHOW_FIRST]
        self._drop_index()
        self.endResetModel()
        if self._index_now:
            self._make_index()

    @property
    def indexed(self) -> bool:
        """The rows' index is made: a search reads it, not every row."""
        return self._index is not None

    @property
    def quick(self) -> bool:
        """A search takes a few milliseconds: the rows are few, or their index is made."""
        return self._index is not None or len(self._all) < INDEX_FROM

    @property
    def searching(self) -> bool:
        """A search is running on the worker (its results are not shown yet)."""
        return self._searching is not None

    def search_with(self, start: Starter, *, index_now: bool = False) -> None:
        """Filter on a worker from now on: ``start(job, on_done, token)`` runs ``job`` off
        the UI thread and gives its result to ``on_done`` on it. ``index_now``: make the
        rows' index as soon as they are set, not at the first filter."""
        self._starter = start
        self._index_now = index_now

    def _make_index(self) -> None:
        if self._starter is None or len(self._all) < INDEX_FROM:
            return
        if self._indexing is not None:
            self._indexing.cancel()
        rows, edits = list(self._all), self._edits
        token = self._indexing = CancelToken()

        def job() -> search.WordIndex:
            return search.WordIndex((r.haystack for r in rows), token)

        def done(index: search.WordIndex) -> None:
            if self._indexing is not token:
                return
            self._indexing = None
            if edits != self._edits:  # a save meanwhile: made again from the rows now
                self._make_index()
                return
            self._index, self._slots, self._extra = index, array("l", range(index.size)), []
            self._ordered = None
            self._order_ahead()
        self._starter(job, done, token)  # type: ignore[arg-type]

    def _drop_index(self) -> None:
        if self._indexing is not None:
            self._indexing.cancel()
        self._index, self._slots, self._extra, self._indexing = None, array("l"), [], None
        self._ordered = None
        self._edits += 1

    def _order_id(self) -> tuple[str, bool] | None:
        if self._sort is None:
            return None
        column, order = self._sort
        return self._columns[column], order == Qt.SortOrder.DescendingOrder

    def _order_ahead(self) -> None:
        """Sorted by a column other than the rows' own order: that order made now, before
        the next key asks for it."""
        wanted = self._order_id()
        if wanted is not None and not self._in_known_order():
            self._make_order(wanted)

    def _make_order(self, wanted: tuple[str, bool]) -> None:
        """_all in the order asked for, with its numbers in the index (on a worker)."""
        if self._starter is None or self._index is None:
            return
        if self._ordering is not None:
            self._ordering.cancel()
        rows, slots, edits, index = list(self._all), self._slots[:], self._edits, self._index
        key, down = COLUMNS[wanted[0]][2], wanted[1]
        token = self._ordering = CancelToken()

        def job() -> tuple[list[Row], array[int]]:
            number = {id(r): n for r, n in zip(rows, slots, strict=True)}
            token.check()
            ordered = sorted_in_steps(rows, key=key, reverse=down)
            token.check()
            return ordered, array("l", [number[id(r)] for r in ordered])

        def done(made: tuple[list[Row], array[int]]) -> None:
            if self._ordering is not token:
                return
            self._ordering = None
            if edits == self._edits and index is self._index and self._order_id() == wanted:
                self._ordered = (wanted, *made)
        self._starter(job, done, token)  # type: ignore[arg-type]

    def set_filter(self, text: str) -> None:
        """Show only the rows with every word typed. With a worker (``search_with``) the rows
        are found there (within the rows shown, when the words only grew) and come back as a
        few removals and insertions: the view keeps its place, and the UI thread never scans
        the rows."""
        terms = search.terms(text)
        self.query = " ".join(text.split())
        if self._searching is not None:
            self._searching.cancel()
            self._searching = None
        if terms == self._terms:
            return
        if self._index is None and self._indexing is None:
            self._make_index()  # for the next keys; this one reads the rows
        self._search(terms, self._matches if _narrower(self._terms, terms) else self._all)

    def _search(self, terms: list[str], base: list[Row]) -> None:
        """The view is given only the first rows found (SHOW_FIRST; more as it scrolls), so
        what crosses to the UI thread, and what it changes, is a screenful or so whatever
        the vault's size."""
        old, generation = list(self._shown), self._generation
        order = None if self._in_known_order() else self._order()
        if self._starter is None:
            found = _found(base, terms, order, None)
            self._apply(terms, (found, _diff(old, found[:SHOW_FIRST], None)))
            return
        token = self._searching = CancelToken()
        index = self._index
        if index is not None:
            rows, slots, extra, order, plain = self._from_index(index, order)

        def job() -> Found:
            if index is None:
                found = _found(base, terms, order, token)
            else:
                found = _found_in(index, rows, slots, extra, terms, order, token, plain=plain)
            return found, _diff(old, found[:SHOW_FIRST], token)

        def done(result: Found) -> None:
            if self._searching is not token:  # a newer search (or a lock) replaced this one
                return
            self._searching = None
            if generation != self._generation:  # the rows changed meanwhile: again
                self._search(terms, self._all)
                return
            self._apply(terms, result)
        self._starter(job, done, token)

    def _from_index(self, index: search.WordIndex,
                    order: tuple[Callable[[Row], str], bool] | None,
                    ) -> tuple[list[Row], array[int], list[Row],
                               tuple[Callable[[Row], str], bool] | None, bool]:
        """What a search from the index reads: a snapshot (saves change these while the
        worker reads), already in the order asked for if it was made (``_make_order``)."""
        rows, slots, extra = list(self._all), self._slots[:], list(self._extra)
        plain = not extra and len(slots) == index.size  # row n of _all is number n
        wanted = self._order_id()
        if order is not None and wanted is not None:
            if self._ordered is not None and self._ordered[0] == wanted:
                _, rows, slots = self._ordered
                return rows, slots, extra, None, False
            if self._ordering is None:
                self._make_order(wanted)  # for the next keys
        return rows, slots, extra, order, plain

    def _apply(self, terms: list[str], result: Found) -> None:
        self._terms = terms
        self._generation += 1
        self._matches, changes = result
        self._changing = True
        try:
            for out, first, rows in changes:
                if out:
                    self.beginRemoveRows(QModelIndex(), first, first + len(rows) - 1)
                    del self._shown[first:first + len(rows)]
                    self.endRemoveRows()
                else:
                    self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
                    self._shown[first:first] = rows
                    self.endInsertRows()
        finally:
            self._changing = False

    def put(self, row: Row, was: Was = UNKNOWN) -> None:
        """One row saved: changed where it stands, or moved to where the order puts it, or
        added. The view keeps its selection and place (no reset). ``was``: the row this list
        was given for that record before (None: none), so it is found by its place in the
        order, a few rows read whatever the list's length; UNKNOWN: every row is read."""
        rid = row.record.id
        self._generation += 1
        self._edits += 1
        self._ordered = None
        at = _locate(self._all, rid, was, self._known())
        if at is not None:
            del self._all[at]
            if self._index is not None:
                del self._slots[at]
        known = self._known()  # kept in the order the rows came in, if they came in one
        place = len(self._all) if known is None else _place(self._all, known[0](row), known[0],
                                                             down=known[1])
        self._all.insert(place, row)
        if self._index is not None:
            self._slots.insert(place, self._index.size + len(self._extra))
            self._extra.append(row)
            if len(self._extra) > max(EXTRA_MOST, self._index.size // 20):
                self._make_index()  # searched as they are, the rows saved since cost more
        found_at = _locate(self._matches, rid, was, self._order())
        show = not self._terms or search.matches(row.haystack, self._terms)
        if found_at is not None:
            if show and self._fits(found_at, row):
                self._matches[found_at] = row
                if found_at < len(self._shown):
                    self._shown[found_at] = row
                    self.dataChanged.emit(self.index(found_at, 0),
                                          self.index(found_at, len(self._columns) - 1))
                return
            self._remove_found(found_at)
        if show:
            self._insert_found(self._position(row), row)

    def discard(self, record_id: str, was: Was = UNKNOWN) -> None:
        """One row gone (deleted, erased): taken out, nothing else moves. ``was`` as for
        ``put``."""
        self._generation += 1
        self._edits += 1
        self._ordered = None
        at = _locate(self._all, record_id, was, self._known())
        if at is not None:
            del self._all[at]
            if self._index is not None:
                del self._slots[at]
        found_at = _locate(self._matches, record_id, was, self._order())
        if found_at is not None:
            self._remove_found(found_at)

    def _remove_found(self, at: int) -> None:
        del self._matches[at]
        if at < len(self._shown):
            self._changing = True
            self.beginRemoveRows(QModelIndex(), at, at)
            del self._shown[at]
            self.endRemoveRows()
            self._changing = False

    def _insert_found(self, at: int, row: Row) -> None:
        """Into the rows found; into the view too unless it goes below the rows it holds
        (where scrolling on fetches it)."""
        all_held = len(self._shown) == len(self._matches)
        self._matches.insert(at, row)
        if at < len(self._shown) or all_held:
            self._changing = True
            self.beginInsertRows(QModelIndex(), at, at)
            self._shown.insert(at, row)
            self.endInsertRows()
            self._changing = False

    def _order(self) -> tuple[Callable[[Row], str], bool] | None:
        """The sort key and direction of the rows found (None: in no known order)."""
        return _key_of(self._effective_order())

    def _known(self) -> tuple[Callable[[Row], str], bool] | None:
        """The sort key and direction of every row (_all), as they came (None: no order)."""
        return _key_of(self._known_order)

    def _fits(self, at: int, row: Row) -> bool:
        """Would the row stay at ``at`` in the current order?"""
        order = self._order()
        if order is None:
            return True
        key, down = order
        k = key(row)
        found = self._matches
        before = key(found[at - 1]) if at > 0 else None
        after = key(found[at + 1]) if at + 1 < len(found) else None
        if down:
            return (before is None or before >= k) and (after is None or k >= after)
        return (before is None or before <= k) and (after is None or k <= after)

    def _position(self, row: Row) -> int:
        """Where a row goes in the rows found, in the current order (after its equals)."""
        order = self._order()
        if order is None:
            return len(self._matches)
        key, down = order
        return _place(self._matches, key(row), key, down=down)

    def clear(self) -> list[dict[Any, Any] | list[Any]]:
        """Drop every decrypted value (on lock). Returns what it held (rows, and the index's
        words), for the caller to let go of off the UI thread (``rows.free_in_steps``)."""
        self.beginResetModel()
        self._generation += 1
        if self._searching is not None:
            self._searching.cancel()
            self._searching = None
        held: list[dict[Any, Any] | list[Any]] = [self._all, self._matches, self._shown,
                                                  self._extra]
        if self._index is not None:
            held += self._index.held()
        self._all, self._matches, self._shown, self._terms, self.query = [], [], [], [], ""
        self._drop_index()
        search.forget()
        self.endResetModel()
        return held

    def row_at(self, index: Index) -> Row | None:
        if not index.isValid() or not 0 <= index.row() < len(self._shown):
            return None
        return self._shown[index.row()]

    def rows(self) -> list[Row]:
        """Every row found, in the order shown (the view may hold only the first)."""
        return list(self._matches)

    def found(self) -> int:
        """How many rows the filter found (the view may hold only the first of them)."""
        return len(self._matches)

    def total(self) -> int:
        return len(self._all)

    def _filtered(self) -> list[Row]:
        """The rows found for the words now, in the order asked for (on the UI thread: a
        sort back to the rows' own order reads the index, not every row, when it is made)."""
        terms, index = self._terms, self._index
        if not terms:
            shown = list(self._all)
        elif index is not None:
            shown = _found_in(index, self._all, self._slots, self._extra, terms, None,
                              CancelToken(), plain=not self._extra
                              and len(self._slots) == index.size)
        else:
            shown = [r for r in self._all if search.matches(r.haystack, terms)]
        self._apply_sort(shown)
        return shown

    def _apply_sort(self, rows: list[Row]) -> None:
        if self._sort is None or self._in_known_order():
            return
        column, order = self._sort
        key = COLUMNS[self._columns[column]][2]
        rows.sort(key=key,
                  reverse=order == Qt.SortOrder.DescendingOrder)


# (taken out?, where, the rows): one removal or insertion of a run of rows.
Change = tuple[bool, int, list[Row]]
# Every row a search found, and the changes that turn the view's rows into the first of them.
Found = tuple[list[Row], list[Change]]
Starter = Callable[[Callable[[], Found], Callable[[Found], None], CancelToken], None]
SHOW_FIRST = 500  # rows given to the view at first: a few screenfuls, whatever the vault's size
SHOW_MORE = 500  # and each time it scrolls to the end of them
INDEX_FROM = 2_000  # fewer rows than this are read in a few ms: no index
EXTRA_MOST = 1_000  # rows saved since the index was made, read as they are, before it is made again
MOST_CHANGES = 64  # more runs than this: all rows out, then all in (two changes)
STEP = 5_000  # rows searched between looks at whether a newer search replaced this one
_HAYSTACK = attrgetter("haystack")


def _narrower(before: list[str], now: list[str]) -> bool:
    """Does every row with the words ``now`` also have the words ``before``? (Typing on at
    the end of a word, or adding a word, only narrows a search.)"""
    return bool(before) and all(any(b in n for n in now) for b in before)


def _found(base: Sequence[Row], terms: list[str],
           order: tuple[Callable[[Row], str], bool] | None,
           token: CancelToken | None) -> list[Row]:
    """The rows of ``base`` with every term, in ``order`` (None: as they are). Plain Python:
    runs on a worker, a term at a time (the longest, usually the rarest, first: one tight
    pass each), and stops when ``token`` is cancelled."""
    out = list(base)
    for term in sorted(terms, key=len, reverse=True):
        kept: list[Row] = []
        for start in range(0, len(out), STEP):  # each step in C, a few ms with the lock
            if token is not None:
                token.check()
            step = out[start:start + STEP]
            kept += compress(step, map(contains, map(_HAYSTACK, step), repeat(term)))
        out = kept
    if order is not None:
        key, down = order
        out = sorted_in_steps(out, key=key, reverse=down)
    return out


def _found_in(index: search.WordIndex, rows: list[Row], slots: array[int], extra: list[Row],
              terms: list[str], order: tuple[Callable[[Row], str], bool] | None,
              token: CancelToken, *, plain: bool) -> list[Row]:
    """What ``_found`` gives, from the index: ``rows`` (in the list's order) are numbered
    by ``slots`` in the index, or past its end in ``extra``, read as they are. ``plain``:
    row n is number n (nothing saved or gone since the index was made)."""
    flags = index.find(terms, token)
    token.check()
    if plain:
        out = list(compress(rows, flags))
    else:
        flags += bytes(search.matches(r.haystack, terms) for r in extra)
        out = list(compress(rows, map(flags.__getitem__, slots)))
    if order is not None:
        key, down = order
        out = sorted_in_steps(out, key=key, reverse=down)
    return out


def _runs(flags: list[bool]) -> list[tuple[int, int]] | None:
    """(first, count) of each run of False; None when there are more than MOST_CHANGES."""
    marks = bytes(flags)
    if marks.count(b"\x01\x00") > MOST_CHANGES:  # counted in C: most searches stop here
        return None
    out, at = [], 0
    for flag, run in groupby(flags):
        n = len(list(run))
        if not flag:
            out.append((at, n))
        at += n
    return out


def _diff(old: list[Row], new: list[Row], token: CancelToken | None) -> list[Change]:
    """From the rows shown to the rows found, as runs taken out (last first, so each
    position holds) and then runs put in at their places. Both are in the same order, so
    what stays of ``old`` is in ``new`` in that order; if not, or if the runs are many,
    all rows out and then all in."""
    if token is not None:
        token.check()
    scattered = [c for c in ((True, 0, old), (False, 0, new)) if c[2]]
    wanted = set(map(id, new))
    stays = list(map(wanted.__contains__, map(id, old)))
    out = _runs(stays)
    if out is None:
        return scattered
    kept = list(compress(old, stays))
    had = set(map(id, kept))
    there = list(map(had.__contains__, map(id, new)))
    put_in = _runs(there)
    if put_in is None or len(out) + len(put_in) > MOST_CHANGES \
            or list(compress(new, there)) != kept:
        return scattered
    changes: list[Change] = [(True, first, old[first:first + n]) for first, n in reversed(out)]
    changes += [(False, first, new[first:first + n]) for first, n in put_in]
    return changes


def _place(rows: Sequence[Row], k: str, key: Callable[[Row], str], *, down: bool) -> int:
    """Where a row with sort key ``k`` goes among rows sorted by ``key`` (after its equals)."""
    lo, hi = 0, len(rows)
    while lo < hi:
        mid = (lo + hi) // 2
        other = key(rows[mid])
        if (other >= k) if down else (other <= k):
            lo = mid + 1
        else:
            hi = mid
    return lo


def _key_of(order: tuple[str, Qt.SortOrder] | None) -> tuple[Callable[[Row], str], bool] | None:
    if order is None:
        return None
    return COLUMNS[order[0]][2], order[1] == Qt.SortOrder.DescendingOrder


_ID = attrgetter("record.id")


def _locate(rows: Sequence[Row], record_id: str, was: Was,
            order: tuple[Callable[[Row], str], bool] | None) -> int | None:
    """Where the row of ``record_id`` is in ``rows`` (sorted by ``order``; None: in no
    order), given the row it was (``was``): only the rows that sort as it does are read, a
    few at 100,000 rows, where reading each took tens of milliseconds on the UI thread."""
    if was is None:
        return None
    if isinstance(was, Unknown) or order is None:
        return _find(rows, record_id)
    key, down = order
    k = key(was)
    start, end = _first(rows, k, key, down=down), _place(rows, k, key, down=down)
    # The row itself, by its address alone: sorted by a column where many rows are alike
    # (Kind), 80,000 rows may sort as it does, and reading each one's id (three objects
    # apart in memory) took 50-100 ms; a copy of it (the same record, the same keys) by id.
    at = next(compress(count(start), map(is_, rows[start:end], repeat(was))), None)
    return at if at is not None else _find(rows, record_id, start, end)


def _first(rows: Sequence[Row], k: str, key: Callable[[Row], str], *, down: bool) -> int:
    """Where the rows with sort key ``k`` start among rows sorted by ``key`` (before its
    equals)."""
    lo, hi = 0, len(rows)
    while lo < hi:
        mid = (lo + hi) // 2
        other = key(rows[mid])
        if (other > k) if down else (other < k):
            lo = mid + 1
        else:
            hi = mid
    return lo


def _find(rows: Sequence[Row], record_id: str, start: int = 0, end: int | None = None,
          ) -> int | None:
    """The place of the row of ``record_id`` among ``rows[start:end]`` (read in C)."""
    got = rows[start:end] if start or end is not None else rows
    return next(compress(count(start), map(eq, map(_ID, got), repeat(record_id))), None)
