"""The local resource pack (community asset map): kept by the coordinator as records she
gives every peer in the team, so each peer's computer holds it, searchable offline."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from peerdesk import exports
from peerdesk import search as finding
from peerdesk.catalogue import spec
from peerdesk.domain import Kind, Record, Role
from peerdesk.errors import InvalidInput, NotAllowed
from peerdesk.services import drafts, saving, sharing
from peerdesk.services.actor import Actor
from peerdesk.store import records

if TYPE_CHECKING:
    from peerdesk.services.desk import Desk

STALE_AFTER = timedelta(days=183)  # "not checked in six months"
COLUMNS = ("name", "category", "area", "what_happens", "opening_times", "contact",
           "accessibility", "cost", "last_checked")


def _coordinator(desk: Desk) -> None:
    if desk.user.role is not Role.COORDINATOR:
        raise NotAllowed("The resource pack is kept by the Peer Worker Coordinator.")


def share_with_team(desk: Desk, record_id: str) -> int:
    """Give one entry to every other account in the team; returns how many were new."""
    me = desk.actor()
    with me.transaction() as conn:
        return _give_to_team(desk, me, conn, record_id)


def _give_to_team(desk: Desk, me: Actor, conn: Connection, record_id: str) -> int:
    before = set(records.readers(conn, record_id))
    for account in desk.vault.accounts():
        if account.id != desk.user.id and account.role is not Role.ADMIN and account.active:
            sharing.give(me, conn, record_id, account.id)
    return len(set(records.readers(conn, record_id)) - before)


def save(desk: Desk, fields: Mapping[str, object], *, record_id: str | None = None,
         draft_id: str | None = None) -> Record:
    """One entry, new or changed, given to every peer, with the draft it replaces gone: one
    transaction, so an entry is never saved without reaching the team."""
    _coordinator(desk)
    me = desk.actor()
    with me.transaction() as conn:
        saved = (saving.update_in(me, conn, record_id, fields) if record_id
                 else saving.add_in(me, conn, Kind.RESOURCE, fields))
        _give_to_team(desk, me, conn, saved.id)
        if draft_id:
            drafts.discard_in(me, conn, draft_id)
        return replace(saved, readers=records.readers(conn, saved.id))


def propose(desk: Desk, fields: Mapping[str, object], *, record_id: str | None = None,
            draft_id: str | None = None) -> Record:
    """A peer proposes an entry: saved and given to every coordinator in one transaction."""
    me = desk.actor()
    with me.transaction() as conn:
        saved = (saving.update_in(me, conn, record_id, fields) if record_id
                 else saving.add_in(me, conn, Kind.PROPOSAL, fields))
        for account in desk.vault.accounts():
            if account.role is Role.COORDINATOR and account.id != desk.user.id:
                sharing.give(me, conn, saved.id, account.id)
        if draft_id:
            drafts.discard_in(me, conn, draft_id)
        return replace(saved, readers=records.readers(conn, saved.id))


def from_proposal(proposal: Record) -> dict[str, object]:
    """A new pack entry's fields, started from a peer's proposal (the coordinator checks and
    saves it)."""
    keep = {f.name for f in spec(Kind.RESOURCE).fields} - {"proposal", "last_checked"}
    return {k: v for k, v in proposal.fields.items() if k in keep} | {"proposal": proposal.id}


def open_proposals(records: Iterable[Record], *, me: str) -> list[Record]:
    """Proposals from others that no entry of the pack was made from yet."""
    made_from = {str(r.fields.get("proposal")) for r in records
                 if r.kind is Kind.RESOURCE and not r.deleted and r.fields.get("proposal")}
    return [r for r in records if r.kind is Kind.PROPOSAL and not r.deleted
            and r.author_id != me and r.id not in made_from]


def share_all(desk: Desk) -> int:
    """After a new peer joins: every entry of the pack to every account."""
    _coordinator(desk)
    return sum(share_with_team(desk, r.id) for r in desk.records(Kind.RESOURCE)
               if r.author_id == desk.user.id)


def entries(records: Iterable[Record]) -> list[Record]:
    return sorted((r for r in records if r.kind is Kind.RESOURCE and not r.deleted),
                  key=lambda r: str(r.fields.get("name", "")).lower())


def is_stale(entry: Record, today: date) -> bool:
    checked = entry.fields.get("last_checked")
    return checked is None or date.fromisoformat(str(checked)) < today - STALE_AFTER


def search(records: Iterable[Record], text: str) -> list[Record]:
    """Every word typed must start a word somewhere in the entry (any field; capitals and
    accents do not matter)."""
    wanted = finding.terms(text)
    labels = {c.id: c.label for c in spec(Kind.RESOURCE).by_name["category"].choices}
    out = []
    for entry in entries(records):
        hay = finding.index([*(str(v) for v in entry.fields.values()),
                             labels.get(str(entry.fields.get("category")), "")])
        if finding.matches(hay, wanted):
            out.append(entry)
    return out


def linked(diary: Record, pack: Sequence[Record]) -> list[Record]:
    """The pack entries a diary links: by id (chosen in the picker), or by name for diaries
    written before the picker (capitals and spaces do not matter)."""
    by_id = {e.id: e for e in entries(pack)}
    by_name = {" ".join(str(e.fields.get("name", "")).split()).casefold(): e
               for e in by_id.values()}
    out: dict[str, Record] = {}
    for value in diary.fields.get("resources") or ():
        entry = by_id.get(str(value)) or by_name.get(" ".join(str(value).split()).casefold())
        if entry is not None:
            out.setdefault(entry.id, entry)
    return list(out.values())


def usage(records: Sequence[Record]) -> dict[str, int]:
    """How many diary entries link each resource, from what this user can read."""
    pack = entries(records)
    used = dict.fromkeys((e.id for e in pack), 0)
    for diary in records:
        if diary.kind is Kind.DIARY and not diary.deleted:
            for entry in linked(diary, pack):
                used[entry.id] += 1
    return used


HANDOUT_FIELDS = (("what_happens", "What happens"), ("opening_times", "When"),
                  ("area", "Where"), ("contact", "How to get in touch"),
                  ("accessibility", "Getting there"), ("cost", "Cost"))


def handout(chosen: Sequence[Record], *, team: str = "", on: date) -> exports.Document:
    """One page for the person: the entries chosen together, in large-ish type. No name of
    anyone: it may be left on a table or shown to a friend."""
    if not chosen:
        raise InvalidInput("Choose at least one resource pack entry for the handout.")
    blocks: list[exports.Block] = [exports.Heading("Places and groups we talked about")]
    for entry in chosen:
        f = entry.fields
        blocks.append(exports.Heading(str(f.get("name", "")), level=2))
        lines = [f"{label}: {' '.join(str(f[k]).split())}" for k, label in HANDOUT_FIELDS
                 if str(f.get(k) or "").strip()]
        blocks.append(exports.Para("\n".join(lines)))
    blocks.append(exports.Para("Details change: ring first if you can. Your peer support worker "
                               "can come with you the first time.", style="note"))
    return exports.Document("Places and groups we talked about", tuple(blocks), size=13.0,
                            footer=f"{team or 'PeerDesk'} · {on.day} {on:%B %Y}")


def to_csv(records: Iterable[Record]) -> str:
    return exports.csv_text([COLUMNS, *([entry.fields.get(k, "") for k in COLUMNS]
                                        for entry in entries(records))])


def write_csv(path: Path, records: Iterable[Record]) -> Path:
    return exports.write_csv(path, [COLUMNS, *([entry.fields.get(k, "") for k in COLUMNS]
                                               for entry in entries(records))])


def import_csv(desk: Desk, text: str) -> tuple[int, int]:
    """Rows with a name already in the pack update it; others are added. Returns (added,
    updated). A category may be given by its id or its label."""
    _coordinator(desk)
    header, rows_in = exports.read_csv(text)
    missing = [c for c in ("name",) if c not in header]
    if missing:
        raise InvalidInput("The CSV needs a 'name' column (and may have: "
                           + ", ".join(COLUMNS[1:]) + ").")
    kind_spec = spec(Kind.RESOURCE)
    by_label = {c.label.lower(): c.id for c in kind_spec.by_name["category"].choices}
    existing = {str(r.fields.get("name", "")).lower(): r for r in desk.records(Kind.RESOURCE)
                if r.author_id == desk.user.id}
    rows = []
    for number, row in enumerate(rows_in, start=2):
        fields = {k: (row.get(k) or "").strip() for k in COLUMNS if (row.get(k) or "").strip()}
        if "category" in fields:
            fields["category"] = by_label.get(fields["category"].lower(), fields["category"])
        try:
            rows.append(kind_spec.validate(fields))
        except InvalidInput as exc:
            raise InvalidInput(f"Line {number}: {exc}") from None
    added = updated = 0
    for valid in rows:  # every row checked before anything is saved
        old = existing.get(str(valid["name"]).lower())
        if old is not None:
            save(desk, dict(old.fields) | valid, record_id=old.id)
            updated += 1
        else:
            save(desk, valid)
            added += 1
    return added, updated
