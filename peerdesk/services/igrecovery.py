"""Recovery from the team share alone: the care records of a device that is gone (a lost
laptop, a leaver's), opened with the trust recovery key and a written reason.

Every section on the share that carries a version wrapped for the recovery key is sealed for
that key too (docs/sync-protocol.md, "Changesets"), so reading a device's folder on the share
is enough: no data folder is needed. It is break-glass: only someone whose signed certificate
grants the information governance duty (``governance.require_ig_duty``), only with the key the
machine policy names, only with a reason; an audit entry for each record
is written before its content is opened, with the reason sealed for IG and for the record's
author, and each reaches the author and the coordinators on every computer as an audit notice
(docs/sync-protocol.md, "Audit notices").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from peerdesk import audit
from peerdesk.crypto import recovery
from peerdesk.crypto.payload import SealedVersion, open_with_key
from peerdesk.crypto.recovery import RecoveryKey
from peerdesk.domain import Record
from peerdesk.errors import InvalidInput, NotFound
from peerdesk.lanes import INLINE, Lanes
from peerdesk.progress import Progress, no_progress
from peerdesk.services import governance, sar, sync
from peerdesk.services.desk import Desk
from peerdesk.store import settings
from peerdesk.sync import certs, changes, devicefolder
from peerdesk.sync import format as fmt
from peerdesk.sync.changes import VersionChange
from peerdesk.sync.share import Share


@dataclass(frozen=True)
class _Holder:
    """What opening a section's HPKE wrap needs of a reader: her receive key only."""

    receive_key: RecoveryKey
    own: Any = None


def _stream_files(share: Share, device_id: str) -> list[tuple[str, str, str, int]]:
    """(kind, name, author, seq as the name says) of every file to read in a device's folder,
    per author: the newest snapshot, then the changesets after it, in order (chosen as the
    sync engine chooses)."""
    found = devicefolder.listing(e for e in share.list(f"{fmt.DEVICES}/{device_id}")
                                 if e.kind == "file")
    out: list[tuple[str, str, str, int]] = []
    for author in found.authors:
        snapshot, changesets = found.unread(author, 0)
        if snapshot is not None:
            out.append(("snapshot", snapshot[1].name, author, snapshot[0]))
        out += [("changeset", e.name, author, seq) for seq, e in changesets]
    return out


@dataclass(frozen=True)
class Origin:
    """Where a version was found on the share: a device's signed changeset or snapshot (and
    the snapshot's part holding it, if any), the section, and that section's key."""

    device: str
    file: str
    part: str  # "" when the section is in the file itself
    index: int
    key: bytes


def _opened(share: Share, device_id: str, *, team_id: str, verify_keys: dict[str, bytes],
            reader: str, key: RecoveryKey) -> list[tuple[VersionChange, Origin]]:
    holder: Any = _Holder(key)
    found: list[tuple[VersionChange, Origin]] = []
    for kind, name, author, seq in _stream_files(share, device_id):
        data = share.read(f"{fmt.DEVICES}/{device_id}/{name}", max_size=fmt.MAX_FILE)
        signed, sig = fmt.parse_doc(data, kind)
        h = fmt.read_header(signed)
        if h.device_id != device_id or h.team_id != team_id or h.author_id not in verify_keys:
            raise fmt.Tampered(f"{name} does not belong to this device of this team")
        if (h.author_id, h.seq) != (author, seq):
            # As a sync refuses it: an older file under a newer name would hide what came
            # after it (a snapshot stands for every changeset up to its number).
            raise fmt.Tampered(f"{name}'s name does not match its content (moved or replayed)")
        fmt.check_signature(kind, signed, sig, verify_keys[h.author_id])
        docs = [(signed, "")]
        for part in fmt.read_parts(signed, h) if kind == "snapshot" else []:
            raw = share.read(f"{fmt.DEVICES}/{device_id}/{part.name}", max_size=fmt.MAX_FILE)
            if fmt.digest(raw) != part.digest:
                raise fmt.Tampered(f"a part of {name} is not the one it names")
            docs.append((fmt.parse_doc(raw, "part")[0], part.name))
        for doc, part_name in docs:
            for index, section_key, entries in fmt.keyed_sections(doc, h, reader, holder):
                for entry in entries:
                    change = changes.from_wire(entry)
                    if isinstance(change, VersionChange) and change.author_id == h.author_id:
                        found.append((change, Origin(device_id, name, part_name, index,
                                                     section_key)))
    return found


@dataclass(frozen=True)
class _Ready:
    share: Share
    reader: str
    team_id: str
    verify_keys: dict[str, bytes]
    publics: dict[str, bytes]
    names: dict[str, str]


def _prepare(desk: Desk, recovery_key: RecoveryKey, reason: str, share: Share | None,
             what: str, lanes: Lanes) -> tuple[_Ready, str]:
    """Checks first (the IG gate, the reason, the key), then what the share's files are
    checked against. Database steps go to ``lanes``; the share is opened here."""
    reason = " ".join(reason.split())

    def held() -> tuple[str, str, str, dict[str, certs.Standing], dict[str, bytes]]:
        governance.require_ig_duty(desk)
        if len(reason) < governance.MIN_REASON:
            raise InvalidInput(f"Say why you need to open {what} (at least a short sentence). "
                               "The reason is shown to their author and to the Caldicott "
                               "Guardian.")
        reader = governance.check_recovery_key(desk.vault, recovery_key)
        with desk.vault.store.begin() as conn:
            team_id = settings.get(conn, "share_team_id") or ""
            standings = certs.standings(conn)
            verify_keys = certs.trusted_keys(conn)
        location = sync.share_location(desk.vault) if share is None else ""
        return reader, team_id, location, standings, verify_keys

    reader, team_id, location, standings, verify_keys = lanes.db(held)
    publics = {i: s.cert.receive_public for i, s in standings.items()
               if s.cert is not None and not s.problem}
    names = {i: s.account.name for i, s in standings.items()}
    opened = share if share is not None else sync.open_share(location)
    return _Ready(opened, reader, team_id, verify_keys, publics, names), reason


# For a handover from the share (peerdesk/services/leavers.py): the same checks before anything
# on the share is read (who may use the recovery key, the key, a reason), then share and keys.
Ready = _Ready
prepare = _prepare


def open_record(v: VersionChange, reader: str, key: RecoveryKey) -> Record:
    """One version from the share opened with the recovery key: write ``note_opening``
    first."""
    return _open(v, reader, key)


def _read(ready: _Ready, device_id: str, key: RecoveryKey) -> list[VersionChange]:
    return [v for v, _ in read_with_origins(ready, device_id, key)]


def read_with_origins(ready: _Ready, device_id: str,
                      key: RecoveryKey) -> list[tuple[VersionChange, Origin]]:
    """Every version a device sent to the share that the recovery key's sections hold, with
    where each was found. Its signatures are checked; nothing is opened."""
    try:
        return fmt.boundary(lambda: _opened(
            ready.share, device_id, team_id=ready.team_id, verify_keys=ready.verify_keys,
            reader=ready.reader, key=key))
    except fmt.Tampered as exc:
        raise fmt.Tampered(f"A file of device {device_id[:8]} on the team share failed its "
                           f"checks: {exc}. Nothing was opened.") from None


def _open(v: VersionChange, reader: str, key: RecoveryKey, number: int = 0) -> Record:
    wrap = next(w for w in v.keys if w.reader_id == reader)
    fields = open_with_key(key, reader, SealedVersion(
        v.record_id, v.kind.value, v.author_id, v.vid, v.ciphertext or b""),
        wrap.suite, wrap.wrapped)
    return Record(v.record_id, v.kind, v.author_id, v.person_id, number, v.saved_at, fields,
                  deleted=v.tombstone)


def _opens(v: VersionChange, reader: str) -> bool:
    return v.ciphertext is not None and any(w.reader_id == reader for w in v.keys)


@dataclass(frozen=True)
class Computer:
    """A device's folder on the team share, as its file names say (nothing is read)."""

    device_id: str
    authors: tuple[str, ...]  # who synced from it: names as certificates here give them
    files: int


def computers_on_share(desk: Desk, *, share: Share | None = None,
                       lanes: Lanes = INLINE) -> list[Computer]:
    """Every computer that sent anything to the team share, with who synced from it, for
    choosing which one to open (someone with the IG duty only). One listing per computer;
    no file is read or opened, so nothing is logged."""
    def held() -> tuple[dict[str, str], str]:
        governance.require_ig_duty(desk)
        with desk.vault.store.begin() as conn:
            names = {i: s.account.name for i, s in certs.standings(conn).items()}
        return names, sync.share_location(desk.vault) if share is None else ""

    names, location = lanes.db(held)
    opened = share if share is not None else sync.open_share(location)
    out = []
    for e in opened.list(fmt.DEVICES):
        if e.kind != "dir" or not fmt.DEVICE_NAME.fullmatch(e.name):
            continue
        authors: set[str] = set()
        files = 0
        for f in opened.list(f"{fmt.DEVICES}/{e.name}"):
            match = (fmt.CHANGESET_NAME.fullmatch(f.name)
                     or fmt.SNAPSHOT_NAME.fullmatch(f.name))
            if match and f.kind == "file":
                files += 1
                authors.add(names.get(match.group(1), "someone not known here"))
        if files:
            out.append(Computer(e.name, tuple(sorted(authors)), files))
    return sorted(out, key=lambda c: (c.authors, c.device_id))


def open_device(desk: Desk, device_id: str, *, recovery_key: RecoveryKey, reason: str,
                share: Share | None = None, lanes: Lanes = INLINE,
                progress: Progress = no_progress) -> list[Record]:
    """The newest version of every record a device sent to the team share that the recovery
    key opens. Long (share I/O): run it off the UI thread, its database steps on ``lanes``."""
    if not fmt.DEVICE_NAME.fullmatch(device_id):
        raise InvalidInput("That is not a device id (a device's folder name on the team share).")
    progress(0, 0, "Checking your duty, the reason and the recovery key")
    ready, reason = _prepare(desk, recovery_key, reason, share, "this device's records", lanes)
    reader = ready.reader
    progress(0, 0, "Reading that device's files on the team share")
    versions = _read(ready, device_id, recovery_key)
    newest: dict[str, VersionChange] = {}
    for v in versions:
        if _opens(v, reader) and (
                v.record_id not in newest or v.hlc > newest[v.record_id].hlc):
            newest[v.record_id] = v
    if not newest:
        raise NotFound("Nothing that device sent to the team share opens with the recovery key "
                       "(written before the policy named it, or by an older PeerDesk).")
    out = []
    chosen = sorted(newest.values(), key=lambda c: c.hlc)
    for done, v in enumerate(chosen):
        progress(done, len(chosen), "Opening the records, each logged first")
        # Logged before it is opened; the author and the coordinators hear of it through the
        # team share at this computer's next sync.
        note_opening(desk, ready, v, device_id, recovery_key, reason, lanes=lanes)
        out.append(_open(v, reader, recovery_key))
    progress(len(chosen), len(chosen), "Done")
    return out


def note_opening(desk: Desk, ready: _Ready, v: VersionChange, device_id: str,
                 recovery_key: RecoveryKey, reason: str, *, extra: str = "",
                 lanes: Lanes = INLINE) -> None:
    """The break-glass entry written before a version from the share is opened with the
    recovery key: the reason sealed for IG and for the record's author. ``extra``: more
    ``; name=value`` fields (a handover names the peer it is for: she is told too)."""
    context = f"peerdesk/break-glass/v1|{v.record_id}|{desk.user.id}"
    author_public = ready.publics.get(v.author_id)
    for_author = (governance.seal_reason(reason, author_public, context)
                  if author_public else "")
    for_ig = governance.seal_reason(reason, recovery.public_bytes(recovery_key), context)
    detail = (f"role={desk.user.role.value}; from-share={device_id}; author={v.author_id}; "
              f"kind={v.kind.value}; for-ig={for_ig}; for-author={for_author}{extra}")
    lanes.db(partial(desk.note, audit.BREAK_GLASS, v.record_id, detail))


def subject_access(desk: Desk, person_id: str, *, recovery_key: RecoveryKey, reason: str,
                   share: Share | None = None, lanes: Lanes = INLINE,
                   progress: Progress = no_progress) -> sar.Bundle:
    """Everything the team holds about one person, across peers and devices, from the team
    share with the recovery key: every version of every record about them that the key
    opens, the handovers of their support among them (with their dates). Written with
    ``sar.write`` like a bundle made on one computer."""
    if not fmt.DEVICE_NAME.fullmatch(person_id):
        raise InvalidInput("That is not a person's id.")
    progress(0, 0, "Checking your duty, the reason and the recovery key")
    ready, reason = _prepare(desk, recovery_key, reason, share, "this person's records", lanes)
    devices = sorted(e.name for e in ready.share.list(fmt.DEVICES)
                     if e.kind == "dir" and fmt.DEVICE_NAME.fullmatch(e.name))
    seen: dict[tuple[str, str], VersionChange] = {}
    for done, device in enumerate(devices):
        progress(done, len(devices), "Reading every computer's files on the team share")
        for v in _read(ready, device, recovery_key):
            if v.record_id == person_id or v.person_id == person_id:
                seen[(v.record_id, v.vid)] = v
    if not seen:
        raise NotFound("Nothing on the team share about that person opens with the recovery "
                       "key.")
    sealed = governance.seal_reason(reason, recovery.public_bytes(recovery_key),
                                    f"peerdesk/subject-access/v1|{person_id}|{desk.user.id}")
    lanes.db(lambda: desk.note(audit.SUBJECT_ACCESS, person_id,
                               f"by=recovery-key; from=team share; for-ig={sealed}"))
    progress(len(devices), len(devices), "Opening the records")
    by_record: dict[str, list[VersionChange]] = {}
    for v in sorted(seen.values(), key=lambda c: c.hlc):
        by_record.setdefault(v.record_id, []).append(v)
    held, missing = [], []
    for rid, versions in sorted(by_record.items(), key=lambda kv: (
            kv[0] != person_id, kv[1][0].hlc)):
        first = versions[0]
        opened = tuple(_open(v, ready.reader, recovery_key, n)
                       for n, v in enumerate(versions, 1) if _opens(v, ready.reader))
        if not opened:
            missing.append(rid)
        held.append(sar.HeldRecord(rid, first.kind, ready.names.get(first.author_id,
                                                                    first.author_id),
                                   None, opened, ()))
    label = next((str(v.fields.get("label")) for r in held if r.id == person_id
                  for v in reversed(r.versions) if v.fields.get("label")), "")
    notes = ["Made from the team share with the trust recovery key: every peer's records about "
             "them that the key opens, from every computer that synced, including each "
             "handover of their support (its record, with its dates).",
             "Private reflection fields are sealed for their author alone and are not "
             "recoverable with the trust key."]
    if missing:
        notes.append(f"{len(missing)} records were written before the trust recovery key was "
                     "set and could not be opened: ask their author. Ids: " + ", ".join(missing))
    return sar.Bundle(person_id, label, desk.vault.clock(), desk.user.name, tuple(held), (),
                      tuple(notes))

