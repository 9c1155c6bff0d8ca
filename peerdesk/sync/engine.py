"""One sync run for one signed-in user: the team manifest, accounts, pull, then push.

Each changeset goes through four steps: fetched and verified (share I/O, signature,
decryption, parsing: no database session), applied (transactions on the database lane of at
most APPLY_STEP changes, ended early after any slice of APPLY_SLICE when a save waits; the
cursor that records it moving with the last; a step applied twice changes nothing), and on the
way out written and read back (share I/O), then
marked sent (one transaction). Local data is only ever added to by a sync: a
changeset that fails its checks is moved aside and reported once; a share that is missing,
read-only or full stops the run with a calm sentence and changes nothing here, so a crash or
a cancel leaves a consistent vault.
"""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import TypeVar

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError

from peerdesk.crypto.keys import UserKeys
from peerdesk.crypto.payload import rewrapper
from peerdesk.domain import Role, hlc
from peerdesk.domain.roles import History
from peerdesk.errors import NotAllowed
from peerdesk.lanes import INLINE, Lanes
from peerdesk.progress import CancelToken, Progress
from peerdesk.store import records
from peerdesk.store.db import Store
from peerdesk.store.models import (
    AccountRow,
    ReaderRow,
    RecordRow,
    VersionRow,
    WrapRow,
    table,
)
from peerdesk.store.records import Queued
from peerdesk.sync import (
    auditsync,
    certs,
    changes,
    devicefolder,
    heads,
    keyfiles,
    roles,
    state,
    succession,
)
from peerdesk.sync import format as fmt
from peerdesk.sync.changes import Change, ErasureChange, KeyChange
from peerdesk.sync.incoming import Apply
from peerdesk.sync.outgoing import Outgoing, Section, everything
from peerdesk.sync.run import Run, RunResult
from peerdesk.sync.share import TEMP_PREFIX, Entry, FileTooLarge, Share, ShareUnavailable
from peerdesk.sync.state import Position, Written
from peerdesk.sync.trust import (
    AdminKeyChanged,
    Manifest,
    NotATeamShare,
    keys_to_publish,
    pin_manifest,
    read_manifest,
    succession_to_publish,
    sync_accounts,
    to_publish,
    write_manifest,
)

_CHUNK = 500
# Changes applied in one transaction at most (a whole changeset: few commits when nothing
# else needs the database), taken in slices; after each slice the step ends if another job
# (a save) waits for the database lane, so a save waits for one slice, a few ms, at most.
APPLY_STEP = 2000
APPLY_SLICE = 50
# A device folds its own changesets into one snapshot once it has written this many.
COMPACT_AFTER = 50
# A section's body is kept well under the file limit even when every record is long.
_SECTION_BYTES = 16 * 1024 * 1024
_R, _A = table(RecordRow).c, table(AccountRow).c
T = TypeVar("T")
# What a signed changeset's content can still cause on the way into the store; a problem with
# this computer (its disk, its database) is not among them, and stops the run instead.
_DATA_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError,
                RecursionError, IntegrityError)


@dataclass(frozen=True)
class Found:
    """A changeset or snapshot on the share that this user has not read yet."""

    device: str
    author: str
    seq: int
    entry: Entry
    kind: str  # "changeset" or "snapshot"
    parts: dict[str, Entry] = field(default_factory=dict)  # a snapshot's parts as listed


@dataclass(frozen=True)
class Fetched:
    """A changeset read, verified and opened: what applying it needs, and nothing to fetch."""

    found: Found
    header: fmt.Header
    changes: tuple[Change, ...]
    position: Position | None  # where the cursor goes once applied (None: a snapshot's part)
    parts: tuple[fmt.Part, ...] = ()  # a snapshot in parts: what it names, read before it


@dataclass(frozen=True)
class Batch:
    """Queued changes to send as one changeset."""

    seqs: tuple[int, ...]  # their places in the outbox
    carried: tuple[Queued, ...]
    sections: list[Section]


class Engine:
    def __init__(self, store: Store, share: Share, *, device_id: str, user_id: str,
                 keys: UserKeys, clock: Callable[[], datetime], lanes: Lanes = INLINE,
                 progress: Progress | None = None, cancel: CancelToken | None = None,
                 recovery: tuple[str, bytes] | None = None) -> None:
        self.ctx = Run(store, share, lanes=lanes, device_id=device_id, clock=clock,
                        progress=progress, cancel=cancel)
        self.share, self.device_id, self.user_id, self.keys, self.clock = \
            share, device_id, user_id, keys, clock
        self.result = self.ctx.result
        self.recovery = recovery  # (reader id, public key) of the trust recovery key, if set
        self.manifest: Manifest | None = None
        # Set when this user erased someone (here or on another of her devices): what this
        # device wrote about them must leave the share, so its folder is compacted.
        self.compact_now = False
        self.heads_listed: dict[heads.Stream, heads.Listed] = {}
        self.heads_older: list[heads.Listed] = []
        # Each member's roles and where she held them: what she sends is judged by them.
        self.histories: dict[str, History] = {}

    def db(self, step: Callable[[Connection], T]) -> T:
        return self.ctx.db(step)

    def _manifest(self) -> Manifest:
        if self.manifest is None:
            raise RuntimeError("The team share's manifest is read before anything else.")
        return self.manifest

    def run(self) -> RunResult:
        manifest = self.manifest = read_manifest(self.share)
        self.db(lambda conn: pin_manifest(conn, manifest, self.result))
        self.result.accounts_added = sync_accounts(self.ctx, manifest)
        me = self.db(certs.standings).get(self.user_id)
        if me is None or me.problem:
            raise NotAllowed(me.problem if me else "Your account is not on this computer.")
        if me.account.status == certs.REMOVED:
            raise NotAllowed("Your account was removed from the team by an administrator, so "
                             "nothing was synced.")
        if me.account.status == certs.PENDING:
            raise NotAllowed("Your account is waiting for an administrator to approve it, so "
                             "nothing was synced. Ask your administrator to approve it.")
        if me.account.role is Role.ADMIN:
            self.publish_accounts()
        # Her passphrase changed here: the share's copy follows.
        self._publish_keys({f"{self.user_id}.json"})
        mine = self.keys.public().verify
        published = self.db(lambda conn: conn.scalar(select(_A.verify_public).where(
            _A.id == self.user_id)) == mine and f"{self.user_id}.json" in state.published(conn))
        if not published:
            raise NotAllowed("Your account is not on the team share yet, so nothing was synced. "
                             "Ask your administrator to add it.")
        self.pull()
        self.push()
        auditsync.anchor(self.ctx, team_id=manifest.team_id, user_id=self.user_id,
                         keys=self.keys)
        self.result.conflicts = self.db(lambda conn: int(conn.scalar(
            select(func.count()).select_from(table(RecordRow)).where(
                _R.conflict.is_(True), _R.author_id == self.user_id,
                _R.erased_at.is_(None))) or 0))
        return self.result

    # -- accounts --------------------------------------------------------------------------

    def publish_accounts(self) -> None:
        """An administrator's devices publish every certificate held here that the share does
        not hold yet (signed when it was issued: a sync signs nothing); first the chain of
        root administrators, which later certificates need."""
        listed = {e.name for e in self.share.list(succession.FOLDER)}
        for name, data in self.db(partial(succession_to_publish, on_share=listed)).items():
            self.share.write(f"{succession.FOLDER}/{name}", data)
        held = self.db(to_publish)
        written = self.db(lambda conn: state.published_digests(conn))
        on_share = {e.name for e in self.share.list(fmt.ACCOUNTS)}
        published = {}
        for name, data in held.items():
            if name in on_share and written.get(name) == fmt.digest(data):
                continue
            self.share.write(f"{fmt.ACCOUNTS}/{name}", data)
            published[name] = data
        if published:
            self.db(lambda conn: state.note_published(conn, published))
        # With each member's certificate, her sealed keys as this device holds them (signed
        # by her; taken in from the share first, so never older than the share's).
        self._publish_keys(set(held))

    def _publish_keys(self, names: set[str]) -> None:
        for name, data in self.db(partial(keys_to_publish, names=names)).items():
            self.share.write(f"{keyfiles.FOLDER}/{name}", data)
            self.db(partial(state.note_keys_written, name=name, data=data))

    # -- pull: fetch and verify (share), apply (database) ----------------------------------

    def pull(self) -> None:
        listed, self.heads_older = heads.newest(
            self.share.list(heads.HEADS), partial(self.ctx.odd_entry, heads.HEADS))
        self.heads_listed = listed
        devices: set[str] = set()
        for d in self.share.list(fmt.DEVICES):
            if d.is_temp:
                continue
            if d.kind != "dir" or not fmt.DEVICE_NAME.fullmatch(d.name):
                self.ctx.odd_entry(fmt.DEVICES, d)
                continue
            devices.add(d.name)
        before = self.db(lambda conn: state.all_cursors(conn, self.user_id))
        found: list[Found] = []
        for device in sorted(devices - {self.device_id}):
            cursors = before.get(device, {})
            if not _changed(device, cursors, listed):
                continue  # every stream's head is where this user already is: not listed
            found += self._new_in(device, cursors)
        self._apply_found(found)
        self.db(self._retry_waiting)
        self._check_heads(listed, devices, before)

    def _apply_found(self, found: list[Found]) -> None:
        total = len(found)
        # Keys from certificates that hold: a row changed outside PeerDesk vouches for nothing.
        verify_keys, cut_offs, self.histories = self.db(lambda conn: (
            certs.trusted_keys(conn), certs.cut_offs(conn), certs.histories(conn)))
        stopped: set[tuple[str, str]] = set()  # streams held up by a newer PeerDesk's file
        for done, item in enumerate(found):
            self.ctx.check_cancel()
            self.ctx.progress(done, total, "Receiving changes from the team share")
            if (item.device, item.author) in stopped:
                continue
            if item.author in cut_offs and item.seq > cut_offs[item.author].get(item.device, 0):
                # Written after she was removed: left on the share, never taken in.
                stopped.add((item.device, item.author))
                self.ctx.report(
                    f"removed-author:{item.device}:{item.author}:{item.seq}",
                    f"Changes from another device ({item.device[:8]}) written after their "
                    "author was removed from the team were set aside: they were not taken in. "
                    "Nothing on this computer was changed.")
                continue
            try:
                fetched = self._fetch(item, verify_keys)
            except fmt.NewerFormat as exc:
                # Left in place; nothing after it in that stream can be taken in before it.
                self.ctx.newer(f"{fmt.DEVICES}/{item.device}", item.entry.name, exc)
                stopped.add((item.device, item.author))
                continue
            if fetched is None:
                continue
            try:
                if fetched.parts and not self._take_parts(item, fetched):
                    stopped.add((item.device, item.author))
                    continue
                self._apply_in_steps(fetched)
                if any(isinstance(c, ErasureChange) for c in fetched.changes):
                    self.ctx.store.drop_copies()  # a pre-upgrade copy would still hold them
            except fmt.Tampered as exc:  # signed, but not hers to change: the rest not applied
                self.ctx.quarantine(f"{fmt.DEVICES}/{item.device}", item.entry.name, str(exc),
                                    item.entry.size)
            except _DATA_ERRORS as exc:  # checked, yet the store would not take it in
                self.ctx.quarantine(f"{fmt.DEVICES}/{item.device}", item.entry.name,
                                    f"it could not be taken in ({type(exc).__name__})",
                                    item.entry.size)
        self.ctx.progress(total, total, "Received")

    # -- device heads: which streams changed, and whether any was cut short ------------------

    def _check_heads(self, listed: dict[heads.Stream, heads.Listed], devices: set[str],
                     before: dict[str, dict[str, Position]]) -> None:
        """Every head past where this user was is read and checked against what the share
        held: a stream cut short, a device folder removed, or (through the heads' lists of
        what each device had read) a stream whose head was removed too, is reported."""
        gone = self.db(certs.cut_offs)  # streams of removed members stop where they were cut
        changed = [h for h in listed.values() if h.device != self.device_id
                   and h.author not in gone
                   and h.seq > before.get(h.device, {}).get(h.author, Position()).seq]
        if not changed:
            return
        after, names, keys = self.db(lambda conn: (
            state.all_cursors(conn, self.user_id),
            {i: n for i, n in conn.execute(select(_A.id, _A.name))},
            {i: k for i, k in conn.execute(select(_A.id, _A.verify_public))}))
        for item in changed:
            head = self._read_head(item, keys)
            if head is None:
                continue
            at = after.get(item.device, {}).get(item.author, Position())
            who = f"another device ({item.device[:8]}, {names.get(item.author, 'someone')})"
            if item.device not in devices:
                self.ctx.report(
                    f"head-folder:{item.device}:{item.author}:{head.seq}",
                    f"Everything {who} sent — {head.seq} changes, by its signed head — is "
                    "missing from the team share: its folder was removed. Nothing on this "
                    "computer was changed.")
            elif at.seq < head.seq:
                self.ctx.report(
                    f"head-cut:{item.device}:{item.author}:{head.seq}",
                    f"Changes {at.seq + 1} to {head.seq} from {who} are missing from the team "
                    "share, though its signed head says they were written: removed, or cut "
                    "short. Nothing on this computer was changed.")
            elif at.seq == head.seq and at.digest != head.digest:
                self.ctx.report(
                    f"head-fork:{item.device}:{item.author}:{head.seq}",
                    f"Change {head.seq} from {who} is not the one its signed head names; it "
                    "may have been replaced.")
            self._check_seen(head, after, listed, names)

    def _check_seen(self, head: heads.Head, after: dict[str, dict[str, Position]],
                    listed: dict[heads.Stream, heads.Listed], names: dict[str, str]) -> None:
        for (device, author), seq in head.seen.items():
            if device == self.device_id:
                continue  # this device's own streams heal themselves
            have = max(after.get(device, {}).get(author, Position()).seq,
                       listed[(device, author)].seq if (device, author) in listed else 0)
            if seq > have:
                self.ctx.report(
                    f"seen-cut:{device}:{author}:{seq}",
                    f"Another device ({head.device[:8]}) had received {seq} changes from "
                    f"device {device[:8]} ({names.get(author, 'someone')}), but the team share "
                    f"holds only {have}: they were removed, with that device's head. Nothing "
                    "on this computer was changed.")

    def _read_head(self, item: heads.Listed, keys: dict[str, bytes]) -> heads.Head | None:
        manifest = self._manifest()
        try:
            data = self.share.read(f"{heads.HEADS}/{item.entry.name}", max_size=heads.MAX_HEAD)
            return fmt.boundary(lambda: heads.parse(data, item, team_id=manifest.team_id,
                                                    verify_key=keys.get))
        except FileTooLarge:
            self.ctx.quarantine(heads.HEADS, item.entry.name, "it is far too large to be a head",
                                item.entry.size)
        except fmt.NewerFormat as exc:
            self.ctx.newer(heads.HEADS, item.entry.name, exc)
        except fmt.Tampered as exc:
            self.ctx.quarantine(heads.HEADS, item.entry.name, str(exc), item.entry.size)
        return None

    def _publish_head(self, last: Position) -> None:
        """This device's head for this user, where its stream now ends; older ones go."""
        stream = (self.device_id, self.user_id)
        current = self.heads_listed.get(stream)
        old = [h for h in [current, *self.heads_older]
               if h is not None and (h.device, h.author) == stream and h.seq != last.seq]
        if last.seq and (current is None or current.seq != last.seq):
            cursors = self.db(lambda conn: state.all_cursors(conn, self.user_id))
            seen = {(d, a): p.seq for d, streams in cursors.items() if d != self.device_id
                    for a, p in streams.items()}
            self.share.write(f"{heads.HEADS}/{heads.head_name(*stream, last.seq)}", heads.build(
                team_id=self._manifest().team_id, device_id=self.device_id,
                author_id=self.user_id, seq=last.seq, digest=last.digest, seen=seen,
                sign=self.keys.sign))
        for h in old:
            self.share.remove(f"{heads.HEADS}/{h.entry.name}")

    def _listing(self, device: str) -> devicefolder.Listing:
        """One device's folder: each author's changesets, her newest snapshot, and the
        snapshot parts there (read only as a snapshot names them); anything else is set
        aside."""
        where = f"{fmt.DEVICES}/{device}"
        found = devicefolder.listing(self.share.list(where))
        for e in found.odd:
            self.ctx.odd_entry(where, e)
        return found

    def _new_in(self, device: str, cursors: dict[str, Position]) -> list[Found]:
        found = self._listing(device)
        streams, snapshots = found.streams, found.snapshots
        todo: list[Found] = []
        for author in set(streams) | set(snapshots):
            at = cursors[author].seq if author in cursors else 0
            snap_seq = snapshots[author][0] if author in snapshots else 0
            # Changesets up to a newer snapshot's seq were folded into it: read it instead.
            snapshot, files = found.unread(author, at)
            if snapshot is not None:
                todo.append(Found(device, author, snapshot[0], snapshot[1], "snapshot",
                                  found.parts.get(author, {})))
            newest = max([seq for seq, _ in streams.get(author, [])] + [snap_seq])
            if newest < at and snap_seq < at:
                self.ctx.report(
                    f"rollback:{device}:{author}:{at}",
                    f"Changes {newest + 1} to {at} from another device ({device[:8]}) have "
                    "disappeared from the team share: removed, or an older copy of the folder "
                    "was put back. Nothing on this computer was changed.")
            todo += [Found(device, author, seq, e, "changeset") for seq, e in files]
        for author, cursor in cursors.items():
            if author not in streams and author not in snapshots and cursor.seq > 0:
                self.ctx.report(
                    f"rollback:{device}:{author}:{cursor.seq}",
                    f"All changes from another device ({device[:8]}) have disappeared from "
                    "the team share. Nothing on this computer was changed.")
        return todo

    def _fetch(self, item: Found, verify_keys: dict[str, bytes]) -> Fetched | None:
        """Read, verify, decrypt and parse one file; a bad one is set aside (None)."""
        folder, e = f"{fmt.DEVICES}/{item.device}", item.entry
        if e.kind != "file":
            self.ctx.quarantine(folder, e.name, "it is not a plain file", e.size)
            return None
        if e.size > fmt.MAX_FILE:
            self.ctx.quarantine(folder, e.name, f"it is too large ({e.size:,} bytes)", e.size)
            return None
        try:
            data = self.share.read(f"{folder}/{e.name}", max_size=fmt.MAX_FILE)
        except FileTooLarge as big:
            self.ctx.quarantine(folder, e.name, f"it is too large ({big.size:,} bytes)", e.size)
            return None
        try:
            return fmt.boundary(lambda: self._verify(item, data, verify_keys))
        except fmt.Tampered as exc:
            self.ctx.quarantine(folder, e.name, str(exc), e.size)
            return None

    def _verify(self, item: Found, data: bytes, verify_keys: dict[str, bytes]) -> Fetched:
        manifest = self._manifest()
        signed, sig = fmt.parse_doc(data, item.kind)
        h = fmt.read_header(signed)
        if (h.device_id, h.author_id, h.seq) != (item.device, item.author, item.seq):
            raise fmt.Tampered("its name does not match its content (moved or replayed)")
        if h.team_id != manifest.team_id:
            raise fmt.Tampered("it belongs to another team share")
        key = verify_keys.get(item.author)
        if key is None:
            raise fmt.Tampered("it is signed by someone this team's administrator has not added")
        fmt.check_signature(item.kind, signed, sig, key)
        opened = tuple(changes.from_wire(e) for e in fmt.open_sections(
            signed, h, self.user_id, self.keys))
        digest = fmt.field(signed, "last", str) if item.kind == "snapshot" else fmt.digest(data)
        parts = tuple(fmt.read_parts(signed, h)) if item.kind == "snapshot" else ()
        return Fetched(item, h, opened, Position(item.seq, digest), parts)

    def _take_parts(self, item: Found, snapshot: Fetched) -> bool:
        """A snapshot's parts, one at a time (so memory never holds more than one): each
        checked against the digest the signed snapshot names, and applied in a transaction of
        its own. The cursor moves only with the snapshot itself, after the last part; a part
        applied twice (after a crash or a cancel) changes nothing."""
        folder = f"{fmt.DEVICES}/{item.device}"
        for part in snapshot.parts:
            self.ctx.check_cancel()
            listed = item.parts.get(part.name)
            if listed is None or listed.size != part.size or listed.kind != "file":
                self.ctx.report(
                    f"part-missing:{item.device}:{item.author}:{item.seq}:{part.name}",
                    f"Part of the changes from another device ({item.device[:8]}) is missing "
                    "from the team share; they will be read when that device has written "
                    "them again. Nothing on this computer was changed.")
                return False
            try:
                data = self.share.read(f"{folder}/{part.name}", max_size=fmt.MAX_FILE)
                if fmt.digest(data) != part.digest:
                    raise fmt.Tampered("it is not the part its snapshot names")
                h, opened = fmt.boundary(partial(self._open_part, data, item, snapshot))
                del data
                self._apply_in_steps(Fetched(item, h, opened, None))
            except (fmt.Tampered, FileTooLarge, fmt.NewerFormat) as exc:
                self.ctx.quarantine(folder, part.name, str(exc), listed.size)
                return False
            except _DATA_ERRORS as exc:  # checked, yet the store would not take it in
                self.ctx.quarantine(folder, part.name,
                                    f"it could not be taken in ({type(exc).__name__})",
                                    listed.size)
                return False
        return True

    def _open_part(self, data: bytes, item: Found,
                   snapshot: Fetched) -> tuple[fmt.Header, tuple[Change, ...]]:
        signed, _ = fmt.parse_doc(data, "part")
        h = fmt.read_header(signed)
        if (h.team_id, h.device_id, h.author_id, h.seq) != (
                snapshot.header.team_id, item.device, item.author, item.seq):
            raise fmt.Tampered("it is not the part its snapshot names")
        return h, tuple(changes.from_wire(e) for e in fmt.open_sections(
            signed, h, self.user_id, self.keys))

    def _apply_in_steps(self, f: Fetched) -> None:
        """A changeset's changes in steps, each a transaction of its own on the database lane
        (``_apply``); the cursor moves with the last. A step applied again (after a crash or
        a cancel between steps) changes nothing, and a change whose version comes in a later
        step waits for it like one from another device's folder.

        Versions of a kind her role did not allow where she wrote them are set aside first
        (never applied, reported once); the rest of the changeset is taken in."""
        f = self._judged(f)
        start = 0
        while True:
            start = self.db(partial(self._apply, f=f, start=start))
            if start >= len(f.changes):
                return

    def _judged(self, f: Fetched) -> Fetched:
        item = f.found
        verdict = roles.judge(f.changes, self.histories.get(item.author),
                              device_id=item.device, seq=item.seq)
        if verdict.refused:
            # A version may come in several sections (one per group of readers): counted once.
            counts = Counter(kind.label.lower() for _, kind in
                             {(c.record_id, c.kind) for c in verdict.refused})
            what = " and ".join(f"a {label}" if n == 1 else f"{n} records of the kind '{label}'"
                                for label, n in sorted(counts.items()))
            name = self.db(lambda conn: conn.scalar(
                select(_A.name).where(_A.id == item.author))) or "their author"
            self.ctx.report(
                f"role:{item.device}:{item.author}:{item.seq}",
                f"Changes from another device ({item.device[:8]}) by {name} included {what}, "
                f"which only a Peer Worker Coordinator can write, and {name} was not one when "
                "they were written: those were set aside and not taken in. Everything else in "
                "them was taken in.")
        return replace(f, changes=verdict.kept)

    def _apply(self, conn: Connection, *, f: Fetched, start: int = 0) -> int:
        """Changes of one changeset from ``start``, APPLY_SLICE at a time, in one transaction:
        up to APPLY_STEP of them, fewer if another job waits for the database lane after a
        slice; with the cursor that records the changeset if its last change is among them.
        Returns where the next step starts."""
        item, h = f.found, f.header
        cursor = state.cursors(conn, self.user_id, item.device).get(item.author, Position())
        if item.kind == "snapshot" or start:
            pass  # a snapshot stands for everything up to seq; a later step was checked
        elif item.seq == cursor.seq + 1 and h.prev != cursor.digest:
            self._report_in(conn, f"fork:{item.device}:{item.author}:{item.seq}",
                            f"Change {item.seq} from another device ({item.device[:8]}) does "
                            "not follow the one before it; an earlier change may have been "
                            "replaced.")
        elif item.seq > cursor.seq + 1:
            self._report_in(conn, f"gap:{item.device}:{item.author}:{cursor.seq + 1}",
                            f"Changes {cursor.seq + 1} to {item.seq - 1} from another device "
                            f"({item.device[:8]}) are missing from the team share; they will "
                            "come when that device syncs again.")
        apply = Apply(conn, self.user_id, item.author, self.clock())
        end, at = min(len(f.changes), start + APPLY_STEP), start
        apply.expect(f.changes[start:end])
        while True:
            upto = min(end, at + APPLY_SLICE)
            self.result.pulled += apply.all(f.changes[at:upto])
            at = upto
            if at >= end or self.ctx.others_waiting():
                break
        self.result.changed |= apply.changed
        taken = f.changes[start:at]
        if item.author == self.user_id and any(isinstance(c, ErasureChange) for c in taken):
            self.compact_now = True
        if item.author == self.user_id and taken:
            state.set_wraps_due(conn, self.user_id, True)
        # The clock moves past the newest reading among the changes opened (a changeset
        # carries no reading in clear since format 4).
        # (A version's reading was checked as it was read.)
        readings = [c.hlc for c in taken if isinstance(c, changes.VersionChange)
                    or (not isinstance(c, KeyChange) and hlc.sane(c.hlc))]
        if readings:
            records.observe(conn, max(readings), device_id=self.device_id, now=self.clock())
        if at >= len(f.changes) and f.position is not None:
            state.move_cursor(conn, self.user_id, item.device, item.author, f.position)
        return at

    def _report_in(self, conn: Connection, key: str, message: str) -> None:
        """``Run.report`` inside a transaction already open on the database lane."""
        if state.first_report(conn, key, message, at=self.clock()):
            self.result.problems.append(message)

    def _retry_waiting(self, conn: Connection) -> None:
        for author, items in state.take_waiting(conn, self.user_id).items():
            apply = Apply(conn, self.user_id, author, self.clock())
            apply.all(items)
            self.result.changed |= apply.changed
            if author == self.user_id:
                state.set_wraps_due(conn, self.user_id, True)

    # -- push: prepare (database), write and read back (share), mark sent (database) --------

    def push(self) -> None:
        folder = f"{fmt.DEVICES}/{self.device_id}"
        listing = {e.name: e for e in self.share.list(folder)}
        for name in listing:
            if name.startswith(TEMP_PREFIX):
                # Left by a write from this device that crashed (one writer per folder).
                self.share.remove(f"{folder}/{name}")
        last = self._own_position(listing, folder)
        self._requeue_missing(listing)
        snapshot = self.db(lambda conn: state.own_snapshot(conn, self.user_id))
        if snapshot.damaged(listing):
            # A reader could not have the whole of it: written again below.
            self.compact_now = True
            self.ctx.report(f"own-snapshot:{self.user_id}:{snapshot.seq}",
                            "Part of what this computer sent is missing or damaged on the "
                            "team share; it is being sent again.")
        self.db(self._ensure_reader_wraps)
        outbox = self.db(lambda conn: records.queued(conn, self.user_id))  # ids only
        total = start = 0
        while start < len(outbox):
            # One changeset at a time: built, written and marked sent before the next is
            # built, so memory holds one whatever the size of the outbox.
            self.ctx.check_cancel()
            self.ctx.progress(start, len(outbox), "Sending changes to the team share")
            batch, start = self.db(partial(self._next_batch, outbox=outbox, start=start))
            total += 1
            manifest = self._manifest()
            header = fmt.Header(manifest.team_id, self.device_id, self.user_id, last.seq + 1,
                                last.digest)
            data = fmt.build_changeset(header, batch.sections, self.keys)
            self._write_and_check(f"{folder}/{self.user_id}.{header.seq:010d}.pdk", data)
            last = Position(header.seq, fmt.digest(data))
            written = Written(self.user_id, last.seq, last.digest, len(data), batch.carried)
            self.db(partial(self._mark_sent, written=written, seqs=batch.seqs))
            self.result.pushed += sum(len(entries) for _, entries in batch.sections)
            if any(q.op == "erase" for q in batch.carried):
                self.compact_now = True
            del batch
        self.ctx.progress(len(outbox), len(outbox), "Sent")
        mine = [n for n in listing if (m := fmt.CHANGESET_NAME.fullmatch(n))
                and m.group(1) == self.user_id]
        # Folded once as many changesets as the snapshot has files have gathered (at least
        # COMPACT_AFTER): a snapshot is rebuilt only when something was sent since, and the
        # cost of rebuilding a large one is spread over as many syncs as it has parts.
        if last.seq and (self.compact_now
                         or len(mine) + total >= max(COMPACT_AFTER, len(snapshot.files))):
            self.compact(folder, last)
        self._publish_head(last)

    def _write_and_check(self, path: str, data: bytes) -> None:
        """Written, then read back and compared before anything here is marked as sent."""
        self.share.write(path, data)
        if fmt.digest(self.share.read(path, max_size=fmt.MAX_FILE)) != fmt.digest(data):
            raise ShareUnavailable("The team share did not keep what was written to it. "
                                   "Your work is safe on this computer; sync will retry.")

    def _mark_sent(self, conn: Connection, *, written: Written, seqs: tuple[int, ...]) -> None:
        records.unqueue(conn, list(seqs))
        state.mark_written(conn, written=written, at=self.clock())

    def compact(self, folder: str, last: Position) -> None:
        """Fold this device's changesets 1..seq (for this user) into one snapshot, built from
        what the vault holds now: every version this device wrote, every wrapped key, every
        sharing switch and erasure. Nothing anyone has not pulled is lost: the snapshot holds
        all of it, and a reader behind it reads the snapshot. Erased records are not in it,
        so compaction is also how their ciphertext leaves the share.

        Built a part at a time (at most MAX_ENTRIES changes or about 16 MB), each written and
        read back before the next is built, so memory holds one part whatever the vault's
        size. A snapshot that fits one part is one file, as always; a larger one is its parts
        (``<author>.<seq>.<random>.part.pdk``) and, written last, the snapshot file naming
        each part's digest. Only then do the files it replaces go."""
        manifest = self._manifest()
        me, seq = self.user_id, last.seq
        todo = self.db(lambda conn: list(everything(conn, me, self.device_id)))
        parts: list[fmt.Part] = []
        header = fmt.Header(manifest.team_id, self.device_id, me, seq, "")
        start = 0
        while True:
            self.ctx.check_cancel()
            sections, start = self.db(partial(self._snapshot_part, todo=todo, start=start))
            if start >= len(todo) and not parts:
                data = fmt.build_changeset(header, sections, self.keys, kind="snapshot",
                                           last=last.digest)
                if len(data) <= fmt.MAX_FILE:
                    break
            name = f"{me}.{seq:010d}.{secrets.token_hex(8)}.part.pdk"
            data = fmt.build_changeset(header, sections, self.keys, kind="part")
            del sections
            self._write_and_check(f"{folder}/{name}", data)
            parts.append(fmt.Part(name, fmt.digest(data), len(data)))
            if start >= len(todo):
                data = fmt.build_changeset(header, [], self.keys, kind="snapshot",
                                           last=last.digest, extra=fmt.part_doc(parts))
                break
        name = f"{me}.{seq:010d}.snap.pdk"
        self._write_and_check(f"{folder}/{name}", data)
        files = {name: len(data)} | {p.name: p.size for p in parts}
        # Only now, with the snapshot read back, do the files it replaces go.
        for e in self.share.list(folder):
            match = (fmt.CHANGESET_NAME.fullmatch(e.name)
                     or fmt.SNAPSHOT_NAME.fullmatch(e.name) or fmt.PART_NAME.fullmatch(e.name))
            if (match and match.group(1) == me and int(match.group(2)) <= seq
                    and e.name not in files):
                self.share.remove(f"{folder}/{e.name}")

        def done(conn: Connection) -> None:
            state.forget_written(conn, me, up_to=seq)
            state.note_snapshot(conn, me, state.OwnSnapshot(seq, files))
        self.db(done)

    def _snapshot_part(self, conn: Connection, *, todo: list[Queued],
                       start: int) -> tuple[list[Section], int]:
        """The next part of a snapshot from ``todo[start:]``, and where the one after starts."""
        builder = Outgoing(conn, self.user_id, self.device_id, self.clock(),
                           recovery=self.recovery)
        groups: dict[frozenset[str], list[Change]] = defaultdict(list)
        count = size = 0
        at = start
        while at < len(todo) and count < fmt.MAX_ENTRIES and size < _SECTION_BYTES:
            chunk = list(enumerate(todo[at:at + _CHUNK], start=at))
            built = builder.build(chunk)
            for index, _ in chunk:
                at = index + 1
                item = built.get(index)
                if item is not None:
                    groups[item[0]].append(item[1])
                    count += 1
                    size += _size(item[1])
                if count >= fmt.MAX_ENTRIES or size >= _SECTION_BYTES:
                    break
        return builder.sections(groups), at

    def _own_position(self, listing: dict[str, Entry], folder: str) -> Position:
        at = self.db(lambda conn: state.own_position(conn, self.user_id))
        # A changeset written just before a crash, not yet marked here: adopt it, so its
        # number is never reused. Its entries are still queued and go out again (harmless).
        while (nxt := f"{self.user_id}.{at.seq + 1:010d}.pdk") in listing:
            data = self.share.read(f"{folder}/{nxt}", max_size=fmt.MAX_FILE)
            try:
                fmt.boundary(partial(self._check_own, data))
            except (fmt.Tampered, fmt.NewerFormat):
                break
            adopted = Written(self.user_id, at.seq + 1, fmt.digest(data), len(data), ())
            self.db(partial(state.mark_written, written=adopted, at=self.clock()))
            at = Position(adopted.seq, adopted.digest)
        return at

    def _check_own(self, data: bytes) -> None:
        signed, sig = fmt.parse_doc(data, "changeset")
        fmt.check_signature("changeset", signed, sig, self.keys.public().verify)

    def _requeue_missing(self, listing: dict[str, Entry]) -> None:
        """A changeset of ours that is gone or cut short on the share is queued again."""
        def requeue(conn: Connection) -> list[Written]:
            sizes = state.written_sizes(conn, self.user_id)
            gone = sorted(state.written_at(conn, self.user_id, [
                seq for seq, size in sizes.items()
                if (e := listing.get(f"{self.user_id}.{seq:010d}.pdk")) is None
                or e.size != size]) if sizes else [], key=lambda w: w.seq)
            for w in gone:
                if w.carried:
                    records.queue(conn, self.user_id, *w.carried)
                state.forget_written(conn, self.user_id, seq=w.seq)
            return gone
        gone = self.db(requeue)
        if gone:
            self.ctx.report(f"own-missing:{self.user_id}:{gone[0].seq}",
                             f"{len(gone)} of the changes this computer sent are missing or "
                             "damaged on the team share; they are being sent again.")

    def _ensure_reader_wraps(self, conn: Connection) -> None:
        """A version saved on another device before sharing reached it: give the coordinator
        the key of the version now shown, as sharing promises. Only something of this user's
        own from another device can need it, so it runs (joining every shared record) only
        after such a change was applied here, in the same transaction as the flag."""
        if not state.wraps_due(conn, self.user_id):
            return
        state.set_wraps_due(conn, self.user_id, False)
        v, w, rd = table(VersionRow).c, table(WrapRow).c, table(ReaderRow).c
        rows = conn.execute(
            select(rd.reader_id, v.record_id, v.version, v.vid, _A.receive_public)
            .join(table(RecordRow), _R.id == rd.record_id)
            .join(table(VersionRow), (v.record_id == _R.id) & (v.version == _R.head_version))
            .join(table(AccountRow), _A.id == rd.reader_id)
            .outerjoin(table(WrapRow), (w.record_id == _R.id) & (w.version == _R.head_version)
                       & (w.reader_id == rd.reader_id))
            .where(_R.author_id == self.user_id, _R.erased_at.is_(None),
                   v.tombstone.is_(False), w.reader_id.is_(None))).all()
        for reader_id, record_id, number, vid, public in rows:
            records.give_key(conn, record_id, number, vid, owner_id=self.user_id,
                             reader_id=reader_id, rewrap=rewrapper(
                                 self.keys, self.user_id, record_id, vid, reader_id, public))

    def _next_batch(self, conn: Connection, *, outbox: list[tuple[int, Queued]],
                    start: int) -> tuple[Batch, int]:
        """The next changeset from ``outbox[start:]``: changes grouped by who may read them,
        at most MAX_ENTRIES or about 16 MB; and where the one after starts."""
        builder = Outgoing(conn, self.user_id, self.device_id, self.clock(),
                           recovery=self.recovery)
        seqs: list[int] = []
        carried: list[Queued] = []
        groups: dict[frozenset[str], list[Change]] = defaultdict(list)
        count = size = 0
        at = start
        while at < len(outbox) and count < fmt.MAX_ENTRIES and size < _SECTION_BYTES:
            chunk = outbox[at:at + _CHUNK]
            built = builder.build(chunk)
            for seq, queued in chunk:
                at += 1
                seqs.append(seq)
                carried.append(queued)
                item = built.get(seq)
                if item is not None:
                    groups[item[0]].append(item[1])
                    count += 1
                    size += _size(item[1])
                if count >= fmt.MAX_ENTRIES or size >= _SECTION_BYTES:
                    break
        return Batch(tuple(seqs), tuple(carried), builder.sections(groups)), at


def _changed(device: str, cursors: dict[str, Position],
             listed: dict[heads.Stream, heads.Listed]) -> bool:
    """Whether a device's folder may hold something this user has not read: never read yet,
    a stream with no head (a device not yet upgraded), or a head past where she is."""
    mine = {a: h for (d, a), h in listed.items() if d == device}
    if not cursors or not mine or any(a not in mine for a in cursors):
        return True
    return any(a not in cursors or h.seq > cursors[a].seq for a, h in mine.items())


def _size(change: Change) -> int:
    """Roughly what a change adds to a changeset: its ciphertexts in base64, and the rest."""
    if isinstance(change, changes.VersionChange):
        return sum(4 * ((len(ct) + 2) // 3) for ct in (change.ciphertext,
                                                       change.private_ciphertext)
                   if ct is not None) + 512
    return 512


__all__ = [
    "COMPACT_AFTER",
    "AdminKeyChanged",
    "Engine",
    "Manifest",
    "NotATeamShare",
    "RunResult",
    "pin_manifest",
    "read_manifest",
    "sync_accounts",
    "write_manifest",
]
