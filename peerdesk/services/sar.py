"""Subject access: everything this computer holds about one person, as a bundle they can read
(PDF and HTML) and a complete machine-readable copy (JSON).

Run by the peer who supports the person (her own keys open every version she wrote), or by a
coordinator or administrator with the trust recovery key (for a leaver's records). What is in
it: the person's record and every record about them, every version (deletions included), who
each was shared with and when, each plan's consent ledger, records erased at the person's
request (their dates only: nothing else is left), and every audit entry that touched any of
them. Nothing about anyone else: records are chosen by the person's id, and audit entries carry
ids and actions only. Withholding under the serious-harm test is a human decision made on the
bundle before it is handed over; the app does not make it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select

from peerdesk import audit, dates, exports
from peerdesk.catalogue import spec
from peerdesk.crypto.recovery import RecoveryKey
from peerdesk.domain import FieldType, Kind, Record
from peerdesk.errors import InvalidInput, NotAllowed, NotFound, NotSharedWithYou
from peerdesk.exports import Document, Heading, Para
from peerdesk.services import governance
from peerdesk.services.desk import Desk
from peerdesk.store import records
from peerdesk.store.models import AccountRow, AuditRow, ReaderClockRow, RecordRow


@dataclass(frozen=True)
class HeldRecord:
    id: str
    kind: Kind
    author: str
    erased_at: datetime | None
    versions: tuple[Record, ...]
    shared: tuple[dict[str, Any], ...]  # reader, since/until as far as this computer knows


@dataclass(frozen=True)
class Bundle:
    person_id: str
    label: str
    made_at: datetime
    made_by: str
    records: tuple[HeldRecord, ...]
    audit: tuple[dict[str, Any], ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def version_count(self) -> int:
        return sum(len(r.versions) for r in self.records)


def _may_collect(desk: Desk, author_id: str, recovery_key: RecoveryKey | None, *,
                 supports: bool = False) -> None:
    if recovery_key is None and author_id != desk.user.id and not supports:
        raise NotAllowed("Only the peer who supports this person, or a coordinator or "
                         "administrator with the trust recovery key, can make their subject "
                         "access bundle.")
    if recovery_key is not None and desk.user.role not in governance.STAFF:
        raise NotAllowed("Only a Peer Worker Coordinator or an administrator can use the trust "
                         "recovery key.")


def _versions(desk: Desk, record_id: str, author_id: str, recovery_key: RecoveryKey | None,
              missing: list[str], unread: list[str]) -> list[Record]:
    """Every version of one record: the author's own, or opened with the recovery key
    (noted in ``missing`` when none was wrapped for it)."""
    if recovery_key is None or author_id == desk.user.id:
        try:
            return desk.history(record_id)
        except NotSharedWithYou:
            # Another supporter's record not shared with this peer: listed, not opened.
            unread.append(record_id)
            return []
    try:
        return governance.open_with_recovery_key(desk, record_id, recovery_key=recovery_key,
                                                 why="subject access")
    except NotFound:
        missing.append(record_id)
        return []


def collect(desk: Desk, person_id: str, *,
            recovery_key: RecoveryKey | None = None, reason: str = "") -> Bundle:
    """Everything held about one person. Without a recovery key, only the peer who supports
    the person can collect it."""
    vault = desk.vault
    with vault.store.transaction() as s:
        person = s.get(RecordRow, person_id)
        if person is None or person.kind != Kind.PERSON.value:
            raise NotFound("There is no person with that id on this computer.")
        names = {a.id: a.name for a in s.scalars(select(AccountRow))}
        rows = list(s.scalars(select(RecordRow).where(or_(
            RecordRow.id == person_id, RecordRow.person_id == person_id)).order_by(
            RecordRow.created_at)))
        ids = [r.id for r in rows]
        clocks = list(s.scalars(select(ReaderClockRow).where(ReaderClockRow.record_id.in_(ids))))
        entries = list(s.scalars(select(AuditRow).where(AuditRow.record_id.in_(ids))
                                 .order_by(AuditRow.seq)))
        meta = [(r.id, Kind(r.kind), r.author_id, r.erased_at) for r in rows]
        # A peer the person's support was handed or shared with supports them too.
        supports = records.is_reader(s.connection(), person_id, desk.user.id)
    _may_collect(desk, person.author_id, recovery_key, supports=supports)
    desk.note(audit.SUBJECT_ACCESS, person_id,
              "by=author" if recovery_key is None else "by=recovery-key")
    held: list[HeldRecord] = []
    missing: list[str] = []
    unread: list[str] = []
    for rid, kind, author_id, erased_at in meta:
        versions = [] if erased_at is not None else _versions(desk, rid, author_id,
                                                              recovery_key, missing, unread)
        shared = tuple({"reader": names.get(c.reader_id, c.reader_id),
                        "sharing": "on" if c.active else "off"}
                       for c in clocks if c.record_id == rid)
        held.append(HeldRecord(rid, kind, names.get(author_id, author_id), erased_at,
                               tuple(versions), shared))
    label = ""
    if held and held[0].versions:
        label = str(next((v.fields.get("label") for v in reversed(held[0].versions)
                          if v.fields.get("label")), ""))
    trail = tuple({"seq": e.seq, "at": e.at.isoformat(timespec="seconds"),
                   "who": names.get(e.actor_id or "", e.actor_id or ""), "action": e.action,
                   "record_id": e.record_id,
                   # A break-glass reason is sealed; the bundle says one was given.
                   "detail": "reason given" if e.action == audit.BREAK_GLASS else e.detail}
                  for e in entries)
    notes = []
    if recovery_key is not None:
        notes.append("Private reflection fields are sealed for their author alone and are not "
                     "recoverable with the trust key.")
    if unread:
        notes.append(f"{len(unread)} records about them on this computer were written by "
                     "another of their supporters and not shared with you: ask their author, "
                     "or IG with the trust recovery key. Ids: " + ", ".join(unread))
    if missing:
        notes.append(f"{len(missing)} records were written before the trust recovery key was "
                     "set and could not be opened: ask their author. Ids: " + ", ".join(missing))
    return Bundle(person_id, label, vault.clock(), desk.user.name, tuple(held), trail,
                  tuple(notes))


# -- the readable bundle ----------------------------------------------------------------------

def _value_text(kind: Kind, name: str, value: Any) -> tuple[str, str]:
    f = spec(kind).by_name.get(name)
    if f is None:
        return name, json.dumps(value, ensure_ascii=False)
    labels = {c.id: c.label for c in f.choices}
    if f.type is FieldType.SECTIONS:
        titles = {s.id: s.title for s in f.sections}
        # Each answer on its own line, so an Arabic or Urdu one reads from the right.
        return f.label, "\n".join(f"{titles.get(k, k)}:\n{v}" for k, v in value.items())
    if f.type is FieldType.CONSENTS:
        return f.label, "\n".join(
            f"{c['recipient']} ({labels.get(c['role'], c['role'])}), since "
            f"{dates.day(c['given_on'])}"
            + (f", until {dates.day(c['expires_on'])}" if c.get("expires_on") else "")
            + (f", withdrawn {dates.day(c['withdrawn_on'])}" if c.get("withdrawn_on") else "")
            for c in value)
    if f.type is FieldType.DATE and value:
        return f.label, dates.day(value)
    if f.type is FieldType.DATETIME and value:
        return f.label, dates.moment(value)
    if isinstance(value, list):
        return f.label, ", ".join(str(labels.get(v, v)) for v in value)
    if isinstance(value, bool):
        return f.label, "Yes" if value else "No"
    return f.label, str(labels.get(value, value))


def document(bundle: Bundle) -> Document:
    """The bundle as headings and paragraphs, for the PDF and the HTML. Times are local."""
    who = bundle.label or "this person"
    out: list[Heading | Para] = [
        Heading(f"Everything PeerDesk holds about {who} on this computer"),
        Para(f"Made on {dates.moment(bundle.made_at)} by {bundle.made_by}. "
             f"Person id {bundle.person_id}. {len(bundle.records)} records, "
             f"{bundle.version_count} versions, {len(bundle.audit)} audit entries."),
        Para("Every saved version is here, oldest first, including deleted ones. Peer support "
             "records are written to be read by the person they are about. Times are local time "
             f"({dates.zone().key}); the JSON file beside this one has them in UTC.", "note")]
    out += [Para(n) for n in bundle.notes]
    for r in bundle.records:
        out.append(Heading(f"{r.kind.label} (written by {r.author}) · id {r.id}", 2))
        if r.erased_at is not None:
            out.append(Para(f"Erased on {dates.day(r.erased_at)} at the person's request. "
                            "Only this line is left."))
            continue
        if r.shared:
            out.append(Para("Shared for supervision: " + "; ".join(
                f"{s['reader']} (sharing now {s['sharing']})" for s in r.shared)))
        for v in r.versions:
            out.append(Heading(f"Version {v.version}, saved {dates.moment(v.saved_at)}"
                               + (" — deleted in this version" if v.deleted else ""), 3))
            for name, value in v.fields.items():
                label, text = _value_text(r.kind, name, value)
                out.append(Para(f"{label}:\n{text}" if "\n" in text else f"{label}: {text}"))
    out.append(Heading("Who did what with these records (audit trail)", 2))
    out += [Para(f"{dates.short_moment(datetime.fromisoformat(e['at']))}  {e['who']}  "
                 f"{e['action']}  {e['record_id']}  {e['detail']}") for e in bundle.audit]
    return Document("Subject access", tuple(out),
                    footer=f"Subject access · made {dates.day(bundle.made_at)}")


def as_json(bundle: Bundle) -> dict[str, Any]:
    return {
        "person_id": bundle.person_id, "label": bundle.label,
        "made_at": bundle.made_at.isoformat(timespec="seconds"), "made_by": bundle.made_by,
        "notes": list(bundle.notes),
        "records": [{
            "id": r.id, "kind": r.kind.value, "author": r.author,
            "erased_at": r.erased_at.isoformat(timespec="seconds") if r.erased_at else None,
            "shared_for_supervision": list(r.shared),
            "versions": [{"version": v.version,
                          "saved_at": v.saved_at.isoformat(timespec="seconds"),
                          "deleted": v.deleted, "fields": dict(v.fields)} for v in r.versions],
        } for r in bundle.records],
        "audit": list(bundle.audit),
    }


def write(bundle: Bundle, out_dir: Path) -> list[Path]:
    """subject-access.json, .html and .pdf in ``out_dir`` (made if needed; files there of the
    same names are replaced). None of them is encrypted: hand them over, then remove them."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidInput(f"{out_dir} is a file, not a folder.")
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    stem = out_dir / "subject-access"
    doc = document(bundle)
    return [exports.write_json(stem.with_suffix(".json"), as_json(bundle)),
            exports.write_atomic(stem.with_suffix(".html"), exports.html_text(doc)),
            exports.write_pdf(stem.with_suffix(".pdf"), doc)]
