"""One sync run for one signed-in user: the team manifest, accounts, pull, then push.

Local data is only ever added to by a sync: a changeset that fails its checks is moved aside
and reported once; a share that is missing, read-only or full stops the run with a calm
sentence and changes nothing here. Each changeset is applied in one transaction together with
the cursor that records it, so a crash or a cancel leaves a consistent vault.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import suppress
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from peerdesk.crypto.keys import UserKeys
from peerdesk.crypto.payload import rewrapper
from peerdesk.domain import hlc
from peerdesk.errors import Cancelled, EnvironmentProblem, NotAllowed
from peerdesk.store import records
from peerdesk.store.db import Store
from peerdesk.store.models import (
    AccountRow,
    CursorRow,
    ErasedPersonRow,
    PendingRow,
    PushedRow,
    ReaderClockRow,
    ReaderRow,
    RecordRow,
    Setting,
    VersionRow,
    WrapRow,
)
from peerdesk.store.records import Queued
from peerdesk.sync import format as fmt
from peerdesk.sync.entries import Applier, EntryBuilder
from peerdesk.sync.share import (
    TEMP_PREFIX,
    Entry,
    FileTooLarge,
    Share,
    ShareUnavailable,
)
from peerdesk.sync.trust import (
    AdminKeyChanged,
    Manifest,
    NotATeamShare,
    Reporter,
    RunResult,
    account_doc,
    odd_entry,
    pin_manifest,
    put,
    read_manifest,
    setting,
    sync_accounts,
    write_manifest,
)

Progress = Callable[[int, int, str], None]
_CHUNK = 500
# A device folds its own changesets into one snapshot once it has written this many.
COMPACT_AFTER = 50
# A section's body is kept well under the file limit even when every record is long.
_SECTION_BYTES = 16 * 1024 * 1024


class CancelToken(Protocol):
    def is_set(self) -> bool: ...


# -- one run ------------------------------------------------------------------------------------

class Engine:
    def __init__(self, store: Store, share: Share, *, device_id: str, user_id: str,
                 keys: UserKeys, clock: Callable[[], datetime],
                 progress: Progress | None = None, cancel: CancelToken | None = None) -> None:
        self.store, self.share = store, share
        self.device_id, self.user_id, self.keys, self.clock = device_id, user_id, keys, clock
        self.progress = progress or (lambda done, total, text: None)
        self.cancel = cancel
        self.result = RunResult()
        self.report = Reporter(store, self.result, clock)
        self.manifest: Manifest | None = None
        # Set when this user erased someone (here or on another of her devices): what this
        # device wrote about them must leave the share, so its folder is compacted.
        self.compact_now = False

    def run(self) -> RunResult:
        manifest = self.manifest = read_manifest(self.share)
        with self.store.transaction() as s:
            pin_manifest(s, manifest, self.result)
        self.result.accounts_added = sync_accounts(self.store, self.share, manifest, self.report,
                                                   quarantine=self._quarantine)
        with self.store.transaction() as s:
            me = s.get(AccountRow, self.user_id)
            published = me is not None and me.verify_public == self.keys.public().verify and \
                s.get(Setting, "share_accounts_seen") is not None and \
                f"{self.user_id}.json" in json.loads(setting(s, "share_accounts_seen") or "{}")
        if self.user_id == manifest.admin_id and self.keys.public().verify == manifest.admin_key:
            self.publish_accounts()
            published = True
        if not published:
            raise NotAllowed("Your account is not on the team share yet, so nothing was synced. "
                             "Ask your administrator to add it.")
        self.pull()
        self.push()
        with self.store.transaction() as s:
            self.result.conflicts = int(s.scalar(
                select(func.count()).select_from(RecordRow).where(
                    RecordRow.conflict.is_(True), RecordRow.author_id == self.user_id,
                    RecordRow.erased_at.is_(None))) or 0)
        return self.result

    def _check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled("Sync stopped. What was already received is kept.")

    # -- accounts --------------------------------------------------------------------------

    def publish_accounts(self) -> None:
        """The admin's devices sign and publish every account on this computer that the share
        does not have yet."""
        assert self.manifest is not None
        with self.store.transaction() as s:
            seen = set(json.loads(setting(s, "share_accounts_seen") or "{}"))
            rows = [r for r in s.scalars(select(AccountRow)) if f"{r.id}.json" not in seen]
        if not rows:
            return
        on_share = {e.name: e.size for e in self.share.list(fmt.ACCOUNTS)}
        published = {}
        for row in rows:
            name = f"{row.id}.json"
            if name in on_share:
                continue
            data = account_doc(row, self.manifest.team_id, self.keys.sign, self.clock())
            self.share.write(f"{fmt.ACCOUNTS}/{name}", data)
            published[name] = len(data)
        with self.store.transaction() as s:
            seen_sizes = json.loads(setting(s, "share_accounts_seen") or "{}")
            put(s, "share_accounts_seen", json.dumps(seen_sizes | published, sort_keys=True))

    # -- quarantine ------------------------------------------------------------------------

    def _quarantine(self, folder: str, name: str, reason: str, size: int) -> None:
        where = f"{folder}/{name}"
        first = self.report.once(
            f"bad:{where}:{size}",
            f"A file on the team share failed its checks and was moved aside ({reason}): "
            f"{where}. Nothing on this computer was changed.")
        if first:
            self.result.quarantined += 1
        target = (f"{fmt.QUARANTINE}/{self.device_id}/"
                  f"{folder.replace('/', '.')}.{name}.{self.clock():%Y%m%d%H%M%S}")
        # On a read-only share it stays where it is, and is still reported only this once.
        with suppress(EnvironmentProblem):
            self.share.move(where, target)

    # -- pull ------------------------------------------------------------------------------

    def pull(self) -> None:
        todo: list[tuple[str, str, int, Entry, str]] = []
        for d in self.share.list(fmt.DEVICES):
            if d.is_temp or d.name == self.device_id:
                continue
            if d.kind != "dir" or not fmt.DEVICE_NAME.match(d.name):
                odd_entry(self.report, self._quarantine, fmt.DEVICES, d)
                continue
            todo += self._new_in(d.name)
        total = len(todo)
        for done, (device, author, seq, entry, kind) in enumerate(todo):
            self._check_cancel()
            self.progress(done, total, "Receiving changes from the team share")
            self._pull_one(device, author, seq, entry, kind)
        self.progress(total, total, "Received")
        self._retry_pending()

    def _new_in(self, device: str) -> list[tuple[str, str, int, Entry, str]]:
        folder = f"{fmt.DEVICES}/{device}"
        streams: dict[str, list[tuple[int, Entry]]] = defaultdict(list)
        snapshots: dict[str, tuple[int, Entry]] = {}
        for e in self.share.list(folder):
            if e.is_temp:
                continue  # a writer's unfinished file; only its writer removes it
            match = fmt.CHANGESET_NAME.match(e.name)
            snap = fmt.SNAPSHOT_NAME.match(e.name)
            if match:
                streams[match.group(1)].append((int(match.group(2)), e))
            elif snap:
                seq = int(snap.group(2))
                if seq > snapshots.get(snap.group(1), (0, e))[0]:
                    snapshots[snap.group(1)] = (seq, e)
            else:
                odd_entry(self.report, self._quarantine, folder, e)
        with self.store.transaction() as s:
            cursors = {c.author_id: c for c in s.scalars(select(CursorRow).where(
                CursorRow.user_id == self.user_id, CursorRow.device_id == device))}
        todo: list[tuple[str, str, int, Entry, str]] = []
        for author in set(streams) | set(snapshots):
            files = streams.get(author, [])
            at = cursors[author].seq if author in cursors else 0
            snap_seq, snap_entry = snapshots.get(author, (0, None))
            if snap_entry is not None and snap_seq > at:
                # Changesets up to snap_seq were folded into it: read it instead of them.
                todo.append((device, author, snap_seq, snap_entry, "snapshot"))
                at = snap_seq
            newest = max([seq for seq, _ in files] + [snap_seq])
            if newest < at and snap_seq < at:
                self.report.once(
                    f"rollback:{device}:{author}:{at}",
                    f"Changes {newest + 1} to {at} from another device ({device[:8]}) have "
                    "disappeared from the team share: removed, or an older copy of the folder "
                    "was put back. Nothing on this computer was changed.")
            todo += [(device, author, seq, e, "changeset") for seq, e in sorted(files) if seq > at]
        for author, cursor in cursors.items():
            if author not in streams and author not in snapshots and cursor.seq > 0:
                self.report.once(
                    f"rollback:{device}:{author}:{cursor.seq}",
                    f"All changes from another device ({device[:8]}) have disappeared from "
                    "the team share. Nothing on this computer was changed.")
        return todo

    def _pull_one(self, device: str, author: str, seq: int, e: Entry, kind: str) -> None:
        folder = f"{fmt.DEVICES}/{device}"
        if e.kind != "file":
            self._quarantine(folder, e.name, "it is not a plain file", e.size)
            return
        if e.size > fmt.MAX_FILE:
            self._quarantine(folder, e.name, f"it is too large ({e.size:,} bytes)", e.size)
            return
        try:
            data = self.share.read(f"{folder}/{e.name}", max_size=fmt.MAX_FILE)
        except FileTooLarge as big:
            self._quarantine(folder, e.name, f"it is too large ({big.size:,} bytes)", e.size)
            return
        try:
            self._apply_changeset(data, device, author, seq, kind)
        except fmt.Tampered as exc:
            self._quarantine(folder, e.name, str(exc), e.size)

    def _apply_changeset(self, data: bytes, device: str, author: str, seq: int,
                         kind: str = "changeset") -> None:
        assert self.manifest is not None
        signed, sig = fmt.parse_doc(data, kind)
        h = fmt.read_header(signed)
        if (h.device_id, h.author_id, h.seq) != (device, author, seq):
            raise fmt.Tampered("its name does not match its content (moved or replayed)")
        if h.team_id != self.manifest.team_id:
            raise fmt.Tampered("it belongs to another team share")
        if not hlc.sane(h.hlc):
            raise fmt.Tampered("its clock reading is damaged")
        with self.store.transaction() as s:
            signer = s.get(AccountRow, author)
            key = signer.verify_public if signer is not None else None
        if key is None:
            raise fmt.Tampered("it is signed by someone this team's administrator has not added")
        fmt.check_signature(kind, signed, sig, key)
        entries = fmt.open_sections(signed, h, self.user_id, self.keys)
        if author == self.user_id and any(e.get("t") == "e" for e in entries):
            self.compact_now = True
        digest = fmt.digest(data)
        if kind == "snapshot":
            digest = fmt.field(signed, "last", str)
        with self.store.transaction() as s:
            cursor = s.get(CursorRow, (self.user_id, device, author))
            at, prev = (cursor.seq, cursor.digest) if cursor else (0, "")
            if kind == "snapshot":
                pass  # it stands for everything up to seq; nothing to chain to
            elif seq == at + 1 and h.prev != prev:
                self.report.once(f"fork:{device}:{author}:{seq}",
                                 f"Change {seq} from another device ({device[:8]}) does not follow "
                                 "the one before it; an earlier change may have been replaced.")
            elif seq > at + 1:
                self.report.once(f"gap:{device}:{author}:{at + 1}",
                                 f"Changes {at + 1} to {seq - 1} from another device "
                                 f"({device[:8]}) are missing from the team share; they will "
                                 "come when that device syncs again.")
            self.result.pulled += Applier(s, self.user_id, author, self.clock).apply(entries)
            records.observe(s.connection(), h.hlc, device_id=self.device_id, now=self.clock())
            s.merge(CursorRow(user_id=self.user_id, device_id=device, author_id=author, seq=seq,
                              digest=digest))

    def _retry_pending(self) -> None:
        with self.store.transaction() as s:
            rows = list(s.scalars(select(PendingRow).where(PendingRow.user_id == self.user_id)))
            if not rows:
                return
            by_author: dict[str, list[PendingRow]] = defaultdict(list)
            for row in rows:
                by_author[row.author_id].append(row)
            s.execute(delete(PendingRow).where(PendingRow.id.in_([r.id for r in rows])))
            for author, items in by_author.items():
                Applier(s, self.user_id, author, self.clock).apply(
                    [json.loads(r.entry) for r in items])

    # -- push ------------------------------------------------------------------------------

    def push(self) -> None:
        folder = f"{fmt.DEVICES}/{self.device_id}"
        listing = {e.name: e for e in self.share.list(folder)}
        for name in listing:
            if name.startswith(TEMP_PREFIX):
                # Left by a write from this device that crashed (one writer per folder).
                self.share.remove(f"{folder}/{name}")
        last_seq, last_digest = self._own_position(listing, folder)
        self._requeue_missing(listing)
        with self.store.transaction() as s:
            self._ensure_reader_wraps(s)
        with self.store.transaction() as s:
            batches = list(self._batches(s))
        total = len(batches)
        for done, (ops, sections) in enumerate(batches):
            self._check_cancel()
            self.progress(done, total, "Sending changes to the team share")
            seq = last_seq + 1
            assert self.manifest is not None
            header = fmt.Header(self.manifest.team_id, self.device_id, self.user_id, seq,
                                last_digest, self._max_hlc(sections))
            data = fmt.build_changeset(header, sections, self.keys)
            name = f"{self.user_id}.{seq:010d}.pdk"
            self.share.write(f"{folder}/{name}", data)
            # Read back and compare before anything here is marked as sent.
            back = self.share.read(f"{folder}/{name}", max_size=fmt.MAX_FILE)
            if fmt.digest(back) != fmt.digest(data):
                raise ShareUnavailable("The team share did not keep what was written to it. "
                                       "Your work is safe on this computer; sync will retry.")
            last_seq, last_digest = seq, fmt.digest(data)
            with self.store.transaction() as s:
                records.unqueue(s.connection(), [o["seq"] for o in ops])
                s.add(PushedRow(author_id=self.user_id, seq=seq, digest=last_digest,
                                size=len(data), ops=json.dumps(ops), at=self.clock()))
                put(s, f"sync_seq/{self.user_id}", f"{seq} {last_digest}")
            self.result.pushed += sum(len(entries) for _, entries in sections)
            if any(o["op"] == "erase" for o in ops):
                self.compact_now = True
        self.progress(total, total, "Sent")
        mine = [n for n in listing if n.startswith(f"{self.user_id}.") and n.endswith(".pdk")
                and not n.endswith(".snap.pdk")]
        if last_seq and (self.compact_now or len(mine) + total >= COMPACT_AFTER):
            self.compact(folder, last_seq, last_digest)

    def compact(self, folder: str, seq: int, last_digest: str) -> None:
        """Fold this device's changesets 1..seq (for this user) into one snapshot, built from
        what the vault holds now: every version this device wrote, every wrapped key, every
        sharing switch and erasure. Nothing anyone has not pulled is lost: the snapshot holds
        all of it, and a reader behind it reads the snapshot. Erased records are not in it,
        so compaction is also how their ciphertext leaves the share."""
        assert self.manifest is not None
        me = self.user_id
        with self.store.transaction() as s:
            rows: list[tuple[int, Queued]] = []
            for rid, vid in s.execute(select(VersionRow.record_id, VersionRow.vid)
                                      .join(RecordRow, RecordRow.id == VersionRow.record_id)
                                      .where(RecordRow.author_id == me,
                                             RecordRow.erased_at.is_(None),
                                             VersionRow.device_id == self.device_id)
                                      .order_by(VersionRow.hlc)):
                rows.append((len(rows), Queued("version", rid, vid)))
            for rid, vid, reader in s.execute(
                    select(WrapRow.record_id, VersionRow.vid, WrapRow.reader_id)
                    .join(VersionRow, (VersionRow.record_id == WrapRow.record_id)
                          & (VersionRow.version == WrapRow.version))
                    .join(RecordRow, RecordRow.id == WrapRow.record_id)
                    .where(RecordRow.author_id == me, WrapRow.reader_id != me,
                           VersionRow.device_id != self.device_id)):
                rows.append((len(rows), Queued("wrap", rid, vid, reader)))
            for clock_row in s.scalars(select(ReaderClockRow).join(
                    RecordRow, RecordRow.id == ReaderClockRow.record_id)
                    .where(RecordRow.author_id == me)):
                rows.append((len(rows), Queued("reader", clock_row.record_id,
                                               reader_id=clock_row.reader_id)))
            for person in s.scalars(select(ErasedPersonRow.person_id)
                                    .where(ErasedPersonRow.author_id == me)):
                rows.append((len(rows), Queued("erase", person)))
            builder = EntryBuilder(s, me, self.device_id, self.clock)
            groups: dict[frozenset[str], list[dict[str, Any]]] = defaultdict(list)
            for i in range(0, len(rows), _CHUNK):
                for readers, entry in builder.build(rows[i:i + _CHUNK]).values():
                    groups[readers].append(entry)
            sections = builder.sections(groups)
        header = fmt.Header(self.manifest.team_id, self.device_id, me, seq, "",
                            self._max_hlc(sections))
        data = fmt.build_changeset(header, sections, self.keys, kind="snapshot",
                                   last=last_digest)
        if len(data) > fmt.MAX_FILE:
            return  # too much for one file; the changesets stay (nothing is lost)
        name = f"{me}.{seq:010d}.snap.pdk"
        self.share.write(f"{folder}/{name}", data)
        if fmt.digest(self.share.read(f"{folder}/{name}", max_size=fmt.MAX_FILE)) != \
                fmt.digest(data):
            raise ShareUnavailable("The team share did not keep what was written to it. "
                                   "Your work is safe on this computer; sync will retry.")
        # Only now, with the snapshot read back, do the changesets it replaces go.
        for e in self.share.list(folder):
            match = fmt.CHANGESET_NAME.match(e.name) or fmt.SNAPSHOT_NAME.match(e.name)
            if match and match.group(1) == me and int(match.group(2)) <= seq and e.name != name:
                self.share.remove(f"{folder}/{e.name}")
        with self.store.transaction() as s:
            s.execute(delete(PushedRow).where(PushedRow.author_id == me, PushedRow.seq <= seq))

    @staticmethod
    def _max_hlc(sections: list[tuple[list[tuple[str, bytes]], list[dict[str, Any]]]]) -> str:
        readings = [e["hlc"] for _, entries in sections for e in entries if "hlc" in e]
        return max(readings, default=hlc.encode(0, 0, "0"))

    def _own_position(self, listing: dict[str, Entry], folder: str) -> tuple[int, str]:
        with self.store.transaction() as s:
            text = setting(s, f"sync_seq/{self.user_id}")
        seq, digest = (int(text.split()[0]), text.split()[1]) if text else (0, "")
        # A changeset written just before a crash, not yet marked here: adopt it, so its
        # number is never reused. Its entries are still queued and go out again (harmless).
        while (nxt := f"{self.user_id}.{seq + 1:010d}.pdk") in listing:
            data = self.share.read(f"{folder}/{nxt}", max_size=fmt.MAX_FILE)
            try:
                signed, sig = fmt.parse_doc(data, "changeset")
                fmt.check_signature("changeset", signed, sig, self.keys.public().verify)
            except fmt.Tampered:
                break
            seq, digest = seq + 1, fmt.digest(data)
            with self.store.transaction() as s:
                put(s, f"sync_seq/{self.user_id}", f"{seq} {digest}")
                s.merge(PushedRow(author_id=self.user_id, seq=seq, digest=digest,
                                  size=len(data), ops="[]", at=self.clock()))
        return seq, digest

    def _requeue_missing(self, listing: dict[str, Entry]) -> None:
        """A changeset of ours that is gone or cut short on the share is queued again."""
        with self.store.transaction() as s:
            gone = [p for p in s.scalars(select(PushedRow).where(
                        PushedRow.author_id == self.user_id))
                    if (e := listing.get(f"{p.author_id}.{p.seq:010d}.pdk")) is None
                    or e.size != p.size]
            if not gone:
                return
            for p in gone:
                ops = [Queued(op["op"], op["record_id"], op.get("vid"), op.get("reader_id"))
                       for op in json.loads(p.ops)]
                if ops:
                    records.queue(s.connection(), self.user_id, *ops)
                s.delete(p)
        self.report.once(f"own-missing:{self.user_id}:{gone[0].seq}",
                         f"{len(gone)} of the changes this computer sent are missing or damaged "
                         "on the team share; they are being sent again.")

    def _ensure_reader_wraps(self, s: Session) -> None:
        """A version saved on another device before sharing reached it: give the coordinator
        the key of the version now shown, as sharing promises."""
        rows = s.execute(
            select(ReaderRow.reader_id, VersionRow, AccountRow.receive_public)
            .join(RecordRow, RecordRow.id == ReaderRow.record_id)
            .join(VersionRow, (VersionRow.record_id == RecordRow.id)
                  & (VersionRow.version == RecordRow.head_version))
            .join(AccountRow, AccountRow.id == ReaderRow.reader_id)
            .outerjoin(WrapRow, (WrapRow.record_id == RecordRow.id)
                       & (WrapRow.version == RecordRow.head_version)
                       & (WrapRow.reader_id == ReaderRow.reader_id))
            .where(RecordRow.author_id == self.user_id, RecordRow.erased_at.is_(None),
                   VersionRow.tombstone.is_(False), WrapRow.reader_id.is_(None))
        ).all()
        conn = s.connection()
        for reader_id, ver, public in rows:
            records.give_key(conn, ver.record_id, ver.version, ver.vid, owner_id=self.user_id,
                             reader_id=reader_id, rewrap=rewrapper(
                                 self.keys, self.user_id, ver.record_id, ver.vid, reader_id,
                                 public))

    def _batches(self, s: Session) -> Iterable[tuple[list[dict[str, Any]], list[tuple[
            list[tuple[str, bytes]], list[dict[str, Any]]]]]]:
        """The outbox as changesets: entries grouped by who may read them, bounded in size."""
        outbox = records.queued(s.connection(), self.user_id)
        if not outbox:
            return
        builder = EntryBuilder(s, self.user_id, self.device_id, self.clock)
        ops: list[dict[str, Any]] = []
        groups: dict[frozenset[str], list[dict[str, Any]]] = defaultdict(list)
        count = size = 0
        for i in range(0, len(outbox), _CHUNK):
            chunk = outbox[i:i + _CHUNK]
            built = builder.build(chunk)
            for seq, row in chunk:
                ops.append({"seq": seq, "op": row.op, "record_id": row.record_id,
                            "vid": row.vid, "reader_id": row.reader_id})
                item = built.get(seq)
                if item is not None:
                    readers, entry = item
                    groups[readers].append(entry)
                    count += 1
                    size += len(entry.get("ct") or "") + len(entry.get("pct") or "") + 512
                if count >= fmt.MAX_ENTRIES or size >= _SECTION_BYTES:
                    yield ops, builder.sections(groups)
                    ops, groups, count, size = [], defaultdict(list), 0, 0
        if ops:
            yield ops, builder.sections(groups)




__all__ = [
    "COMPACT_AFTER",
    "AdminKeyChanged",
    "CancelToken",
    "Engine",
    "Manifest",
    "NotATeamShare",
    "Progress",
    "Reporter",
    "RunResult",
    "account_doc",
    "pin_manifest",
    "read_manifest",
    "sync_accounts",
    "write_manifest",
]
