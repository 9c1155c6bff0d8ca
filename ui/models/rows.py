"""Plain rows for the item models, built off the UI thread from decrypted records."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from peerdesk import dates, search
from peerdesk.catalogue import spec
from peerdesk.domain import PLAN_KINDS, FieldType, Kind, Record

SUMMARY_LENGTH = 140
KIND_LABELS = {k: k.label for k in Kind}


@dataclass(frozen=True, slots=True)
class Row:
    """One record as the lists show it. Slots, not a dict per row: a desk holds 100,000."""

    record: Record
    person: str
    author: str
    when: str  # ISO date or date-time, sorts as text
    haystack: str  # folded words searched as you type (peerdesk.search); memory only
    _summary: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def summary(self) -> str:
        """A line for lists: made when first shown (most rows of a large vault never are)."""
        summary = self._summary
        if summary is None:
            summary = _summary(self.record)
            object.__setattr__(self, "_summary", summary)  # frozen: set once, here
        return summary

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.record.kind]

    @property
    def review_on(self) -> str:
        return str(self.record.fields.get("review_on", ""))


def _choice_label(kind: Kind, field: str, value: str) -> str:
    for c in spec(kind).by_name[field].choices:
        if c.id == value:
            return c.label
    return value


def _summary(record: Record) -> str:
    text = _SUMMARIES.get(record.kind, _plan_summary)(record)
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "…"


def _diary_summary(record: Record) -> str:
    f = record.fields
    text = str(f.get("what_happened") or f.get("what_mattered") or "")
    if not text and f.get("contact_type"):
        text = _choice_label(Kind.DIARY, "contact_type", f["contact_type"])
    return text


def _reflection_summary(record: Record) -> str:
    f = record.fields
    area = _choice_label(Kind.REFLECTION, "boundary_area", f.get("boundary_area", ""))
    return f"{area}: {f.get('what_happened', '')}".strip(": ")


def _plan_summary(record: Record) -> str:
    f = record.fields
    sections = f.get("sections") or {}
    text = spec(record.kind).title
    if f.get("review_on"):
        text += f" · review {dates.short_day(str(f['review_on']))}"
    first = next(iter(sections.values()), "")
    if first:
        text += f" · {first}"
    return text


def _handover_summary(record: Record) -> str:
    f = record.fields
    what = _choice_label(Kind.HANDOVER, "arrangement", str(f.get("arrangement", "")))
    return f"{what}: {f.get('from_peer', '')} to {f.get('to_peer', '')}, from {f.get('starts', '')}"


# A line for lists, per kind (plans: their title, review date and first section).
_SUMMARIES: dict[Kind, Callable[[Record], str]] = {
    Kind.PERSON: lambda r: str(r.fields.get("what_matters") or r.fields.get("pronouns") or ""),
    Kind.DIARY: _diary_summary,
    Kind.COMMENT: lambda r: str(r.fields.get("text", "")),
    Kind.ACTION: lambda r: str(r.fields.get("text", "")),
    Kind.SUPERVISION: lambda r: str(r.fields.get("notes", "")),
    Kind.COVER: lambda r: (f"{r.fields.get('cover', '')} covers from "
                           f"{r.fields.get('starts', '')} to {r.fields.get('ends', '')}"),
    Kind.RESOURCE: lambda r: " · ".join(str(r.fields[k]) for k in ("name", "area", "opening_times")
                                        if r.fields.get(k)),
    Kind.CHECKIN: lambda r: _choice_label(Kind.CHECKIN, "how_i_am",
                                          str(r.fields.get("how_i_am", ""))),
    Kind.REFLECTION: _reflection_summary,
    # Her own plan: lists show that it is there, never its words (a ward screen is seen).
    Kind.STAYING_WELL: lambda r: "Your own plan: open it to read it",
    Kind.SUPPORT_ASK: lambda r: f"Asked for a conversation on {r.fields.get('when', '')}",
    Kind.HANDOVER: lambda r: _handover_summary(r),
}


def _searchable(record: Record) -> list[str]:
    out: list[str] = []
    kind_spec = spec(record.kind)
    for name, value in record.fields.items():
        field = kind_spec.by_name.get(name)
        if field is None:
            continue
        if field.type in (FieldType.CHOICE,):
            out.append(_choice_label(record.kind, name, str(value)))
        elif field.type is FieldType.TAGS:
            out.extend(_choice_label(record.kind, name, v) for v in value)
        elif field.type is FieldType.SECTIONS:
            out.extend(str(v) for v in value.values())
        elif field.type is FieldType.LIST:
            out.extend(str(v) for v in value)
        elif field.type is not FieldType.BOOL:
            out.append(str(value))
    return out


def when_of(record: Record) -> str:
    f = record.fields
    when = f.get("when") or f.get("agreed_on") or f.get("support_started")
    # A save time is UTC: made local, so it sorts and reads with the wall-clock fields.
    return str(when) if when else dates.local(record.saved_at).replace(tzinfo=None).isoformat(
        timespec="minutes")


def make_row(record: Record, people: Mapping[str, str], authors: Mapping[str, str]) -> Row:
    person = people.get(record.person_id or "", "") if record.kind is not Kind.PERSON \
        else str(record.fields.get("label", ""))
    author = authors.get(record.author_id, "")
    hay = search.index([record.kind.label, person, author, *_searchable(record)])
    return Row(record, person, author, when_of(record), hay)


def make_rows(records: Iterable[Record], authors: Mapping[str, str],
              people: Mapping[str, str] | None = None) -> list[Row]:
    """``people``: labels of people read earlier (those among ``records`` are added)."""
    records = list(records)
    people = {**(people or {}), **{r.id: str(r.fields.get("label", "")) for r in records
                                   if r.kind is Kind.PERSON}}
    return [make_row(r, people, authors) for r in records]


# -- which lists a row is in -------------------------------------------------------------------

# Delivery summaries and Today's outcomes are bookkeeping: no list shows them.
BOOKKEEPING = frozenset({Kind.SUMMARY, Kind.OUTCOME})
LISTS = ("people", "diary", "reflection", "plans", "shared", "search")
_NOT_RECENT = frozenset({Kind.PERSON, Kind.RESOURCE}) | BOOKKEEPING


@dataclass(frozen=True)
class Whose:
    """Whose desk the lists are for."""

    me: str
    coordinator: bool
    shared_ids: frozenset[str]


def lists_of(row: Row, whose: Whose) -> set[str]:
    """The desk's lists this row belongs in (``LISTS``): one owner for what each list shows."""
    r = row.record
    if r.kind in BOOKKEEPING:
        return set()
    out = {"search"}
    mine = r.author_id == whose.me
    if r.kind is Kind.PERSON:
        out.add("people")
    elif r.kind in (Kind.DIARY, Kind.REFLECTION) and mine:
        out.add("diary" if r.kind is Kind.DIARY else "reflection")
    elif r.kind in PLAN_KINDS:
        out.add("plans")
    if whose.coordinator:
        if not mine:
            out.add("shared")
    elif (r.kind in (Kind.DIARY, Kind.REFLECTION)
          and (r.id in whose.shared_ids or r.fields.get("bring_to_supervision"))) \
            or r.kind is Kind.COMMENT:  # the coordinator's, on my items
        out.add("shared")
    return out


def lists(rows: Iterable[Row], whose: Whose) -> dict[str, list[Row]]:
    """Every list's rows, newest first (the lists' usual order: sorting them again is then
    one pass). Pure Python: runs on a worker."""
    out: dict[str, list[Row]] = {name: [] for name in LISTS}
    for row in sorted_in_steps(rows, key=lambda r: r.when, reverse=True):
        for name in lists_of(row, whose):
            out[name].append(row)
    return out


SORT_STEP = 5_000


def sorted_in_steps(rows: Iterable[Row], *, key: Callable[[Row], str],
                    reverse: bool = False) -> list[Row]:
    """``sorted()`` for a worker: sorting 100,000 rows in one call holds the interpreter lock
    for about 100 ms, and the UI thread waits that long. Here runs of SORT_STEP are sorted
    and then merged in Python, which lets the UI thread in between. Stable, like sorted()."""
    rows = list(rows)
    if len(rows) <= SORT_STEP:
        return sorted(rows, key=key, reverse=reverse)
    runs = [sorted(rows[i:i + SORT_STEP], key=key, reverse=reverse)
            for i in range(0, len(rows), SORT_STEP)]
    return list(heapq.merge(*runs, key=key, reverse=reverse))


FREE_STEP = 2_000


def free_in_steps(*held: dict[Any, Any] | list[Any]) -> None:
    """Let go of what a desk held, a few thousand entries at a time, on a worker (at lock).
    Dropping 100,000 rows in one go frees them all in one call that holds the interpreter lock
    for over 100 ms, and the UI thread waits that long; freed entry by entry, the UI thread
    gets in between. Each collection is left empty."""
    for thing in held:
        if isinstance(thing, dict):
            while thing:
                thing.popitem()
        else:
            while thing:
                del thing[-FREE_STEP:]


def in_recent(row: Row) -> bool:
    return row.record.kind not in _NOT_RECENT and not row.record.deleted


def recent(rows: Iterable[Row], count: int) -> list[Row]:
    """The newest saves, for Today's "Recent entries"."""
    return heapq.nlargest(count, (r for r in rows if in_recent(r)),
                          key=lambda r: r.record.saved_at)
