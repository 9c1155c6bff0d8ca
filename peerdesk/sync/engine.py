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
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from peerdesk.crypto.keys import UserKeys
from peerdesk.domain import Kind, Role
from peerdesk.errors import Cancelled, EnvironmentProblem, IntegrityProblem, NotAllowed
from peerdesk.store.db import Store
from peerdesk.store.models import (
    AccountRow,
    CursorRow,
    ErasedPersonRow,
    OutboxRow,
    PendingRow,
    ProblemRow,
    PushedRow,
    ReaderClockRow,
    ReaderRow,
    RecordRow,
    Setting,
    VersionRow,
    WrapRow,
)
from peerdesk.sync import format as fmt
from peerdesk.sync import hlc, merge
from peerdesk.sync.share import (
    TEMP_PREFIX,
    Entry,
    FileTooLarge,
    Share,
    ShareUnavailable,
    safe_name,
)

Progress = Callable[[int, int, str], None]
_CHUNK = 500
# A device folds its own changesets into one snapshot once it has written this many.
COMPACT_AFTER = 50
# A section's body is kept well under the file limit even when every record is long.
_SECTION_BYTES = 16 * 1024 * 1024


class CancelToken(Protocol):
    def is_set(self) -> bool: ...


class NotATeamShare(EnvironmentProblem):
    pass


class AdminKeyChanged(IntegrityProblem):
    pass


@dataclass
class RunResult:
    pulled: int = 0
    pushed: int = 0
    conflicts: int = 0
    quarantined: int = 0
    accounts_added: int = 0
    problems: list[str] = field(default_factory=list)
    fingerprint: str | None = None
    new_fingerprint: bool = False


@dataclass(frozen=True)
class Manifest:
    team_id: str
    name: str
    admin_id: str
    admin_key: bytes

    @property
    def fingerprint(self) -> str:
        return fmt.fingerprint(self.admin_key)


def _setting(s: Session, key: str) -> str | None:
    row = s.get(Setting, key)
    return row.value if row else None


def _put(s: Session, key: str, value: str) -> None:
    s.merge(Setting(key=key, value=value))


def _iso(at: datetime) -> str:
    return at.isoformat()


def _when(text: Any) -> datetime:
    try:
        return datetime.fromisoformat(fmt.field({"x": text}, "x", str))
    except ValueError:
        raise fmt.Tampered("a time in it is damaged") from None


def _id(obj: dict[str, Any], name: str) -> str:
    value = fmt.field(obj, name, str)
    if not 0 < len(value) <= 36:
        raise fmt.Tampered(f"its field {name!r} is not an id")
    return str(value)


# -- the manifest and accounts (no keys needed: enrolment uses these) ---------------------------

def read_manifest(share: Share) -> Manifest:
    share.check()
    try:
        data = share.read(fmt.MANIFEST, max_size=fmt.MAX_SMALL_FILE)
    except ShareUnavailable:
        share.check()  # gone altogether: that is "not reachable", not "not a team share"
        raise NotATeamShare(f"{share.describe()} is not a PeerDesk team share (or it is not "
                            "mounted). Nothing was changed. An administrator creates one with: "
                            "peerdesk share init LOCATION") from None
    except FileTooLarge:
        raise fmt.Tampered("The team share's manifest is far too large to be genuine.") from None
    try:
        signed, sig = fmt.parse_doc(data, "share")
        key = fmt.unb64(signed.get("admin_key"))
        fmt.check_signature("share", signed, sig, key)
        return Manifest(_id(signed, "team"), fmt.field(signed, "name", str),
                        _id(signed, "admin"), key)
    except fmt.Tampered as exc:
        raise fmt.Tampered(f"The team share's manifest failed its checks: {exc}.") from None


def write_manifest(share: Share, *, team_id: str, name: str, admin_id: str, keys: UserKeys,
                   now: datetime) -> Manifest:
    public = keys.public().verify
    share.write(fmt.MANIFEST, fmt.seal_doc("share", {
        "team": team_id, "name": name, "admin": admin_id, "admin_key": fmt.b64(public),
        "created": _iso(now)}, keys.sign))
    return Manifest(team_id, name, admin_id, public)


def pin_manifest(s: Session, manifest: Manifest, result: RunResult) -> None:
    """Trust on first use, shown for checking: the admin key never changes silently after."""
    pinned = _setting(s, "share_admin_key")
    team = _setting(s, "share_team_id")
    if pinned is None:
        _put(s, "share_admin_key", manifest.admin_key.hex())
        _put(s, "share_team_id", manifest.team_id)
        result.new_fingerprint = True
    elif pinned != manifest.admin_key.hex() or team != manifest.team_id:
        raise AdminKeyChanged(
            "The team share's administrator key is not the one this computer trusts. Someone "
            "may have replaced the share's files; nothing was synced. Tell your administrator.")
    result.fingerprint = manifest.fingerprint


def account_doc(row: AccountRow, team_id: str, sign: Callable[[bytes], bytes],
                now: datetime) -> bytes:
    return fmt.seal_doc("account", {
        "team": team_id, "id": row.id, "name": row.name, "role": row.role,
        "created": _iso(row.created_at), "kdf": row.kdf, "secrets": fmt.b64(row.secrets),
        "receive_public": fmt.b64(row.receive_public),
        "verify_public": fmt.b64(row.verify_public), "issued": _iso(now)}, sign)


class Reporter:
    """Problems are written down so each is reported once, not at every sync."""

    def __init__(self, store: Store, result: RunResult, clock: Callable[[], datetime]) -> None:
        self.store, self.result, self.clock = store, result, clock

    def once(self, key: str, message: str) -> bool:
        with self.store.transaction() as s:
            if s.get(ProblemRow, key[:300]) is not None:
                return False
            s.add(ProblemRow(key=key[:300], message=message, at=self.clock()))
        self.result.problems.append(message)
        return True


def sync_accounts(store: Store, share: Share, manifest: Manifest, reporter: Reporter,
                  *, quarantine: Callable[[str, str, str, int], None]) -> int:
    """Bring in every account the admin signed; refuse the rest. Returns how many are new."""
    added = 0
    with store.transaction() as s:
        seen: dict[str, int] = json.loads(_setting(s, "share_accounts_seen") or "{}")
        issued_at: dict[str, str] = json.loads(_setting(s, "share_accounts_issued") or "{}")
    for e in share.list(fmt.ACCOUNTS):
        if e.is_temp:
            continue
        match = fmt.ACCOUNT_NAME.match(e.name)
        if not match or e.kind != "file":
            _odd_entry(reporter, quarantine, fmt.ACCOUNTS, e)
            continue
        if seen.get(e.name) == e.size:
            continue
        if e.size > fmt.MAX_SMALL_FILE:
            quarantine(fmt.ACCOUNTS, e.name, "it is far too large to be an account", e.size)
            continue
        try:
            data = share.read(f"{fmt.ACCOUNTS}/{e.name}", max_size=fmt.MAX_SMALL_FILE)
            signed, sig = fmt.parse_doc(data, "account")
            fmt.check_signature("account", signed, sig, manifest.admin_key)
            if _id(signed, "id") != match.group(1) or signed.get("team") != manifest.team_id:
                raise fmt.Tampered("its name or team does not match its content")
            role = fmt.field(signed, "role", str)
            if role not in {r.value for r in Role}:
                raise fmt.Tampered("its role is unknown")
            issued = fmt.field(signed, "issued", str)
            if issued < issued_at.get(match.group(1), ""):
                # Genuine but older than one already seen: an old copy put back.
                reporter.once(f"account-rollback:{e.name}:{issued}",
                              f"An older copy of an account was put back on the team share "
                              f"({fmt.ACCOUNTS}/{e.name}); it was ignored.")
                continue
            issued_at[match.group(1)] = issued
            added += _import_account(store, signed, role, reporter)
        except FileTooLarge:
            quarantine(fmt.ACCOUNTS, e.name, "it is far too large to be an account", e.size)
            continue
        except fmt.Tampered as exc:
            quarantine(fmt.ACCOUNTS, e.name,
                       f"{exc} — it was not signed by this team's administrator", e.size)
            continue
        seen[e.name] = e.size
    with store.transaction() as s:
        _put(s, "share_accounts_seen", json.dumps(seen, sort_keys=True))
        _put(s, "share_accounts_issued", json.dumps(issued_at, sort_keys=True))
    return added


def _import_account(store: Store, signed: dict[str, Any], role: str, reporter: Reporter) -> int:
    account_id, name = _id(signed, "id"), fmt.field(signed, "name", str)
    with store.transaction() as s:
        row = s.get(AccountRow, account_id)
        if row is not None:
            # Role and name follow the admin. Keys never: a passphrase changed on this
            # computer must keep working.
            row.role = role
            return 0
        if s.scalar(select(AccountRow.id).where(AccountRow.name == name)):
            reporter.once(f"account-name:{account_id}",
                          f"The team share has an account called {name!r}, and this computer "
                          "has a different one with that name; the share's was not added.")
            return 0
        s.add(AccountRow(
            id=account_id, name=name, role=role, created_at=_when(signed.get("created")),
            kdf=fmt.field(signed, "kdf", str), secrets=fmt.unb64(signed.get("secrets")),
            receive_public=fmt.unb64(signed.get("receive_public")),
            verify_public=fmt.unb64(signed.get("verify_public")), failed_attempts=0))
    return 1


def _odd_entry(reporter: Reporter, quarantine: Callable[[str, str, str, int], None],
               folder: str, e: Entry) -> None:
    if safe_name(e.name):
        quarantine(folder, e.name, "it is not a file PeerDesk writes", e.size)
    else:
        # Never used as a path: not read, not moved, only named (shortened, made printable).
        shown = e.name.encode("unicode_escape").decode("ascii")[:60]
        reporter.once(f"unsafe:{folder}/{e.name}",
                      f"A file with an unsafe name ({shown!r}) in the team share's {folder} "
                      "folder was ignored. Tell your administrator.")


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
                f"{self.user_id}.json" in json.loads(_setting(s, "share_accounts_seen") or "{}")
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
            seen = set(json.loads(_setting(s, "share_accounts_seen") or "{}"))
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
            seen_sizes = json.loads(_setting(s, "share_accounts_seen") or "{}")
            _put(s, "share_accounts_seen", json.dumps(seen_sizes | published, sort_keys=True))

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
                _odd_entry(self.report, self._quarantine, fmt.DEVICES, d)
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
                _odd_entry(self.report, self._quarantine, folder, e)
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
            hlc.observe(s, h.hlc, device_id=self.device_id, now=self.clock())
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
                s.execute(delete(OutboxRow).where(OutboxRow.seq.in_([o["seq"] for o in ops])))
                s.add(PushedRow(author_id=self.user_id, seq=seq, digest=last_digest,
                                size=len(data), ops=json.dumps(ops), at=self.clock()))
                _put(s, f"sync_seq/{self.user_id}", f"{seq} {last_digest}")
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
            rows: list[OutboxRow] = []
            for rid, vid in s.execute(select(VersionRow.record_id, VersionRow.vid)
                                      .join(RecordRow, RecordRow.id == VersionRow.record_id)
                                      .where(RecordRow.author_id == me,
                                             RecordRow.erased_at.is_(None),
                                             VersionRow.device_id == self.device_id)
                                      .order_by(VersionRow.hlc)):
                rows.append(OutboxRow(seq=len(rows), op="version", record_id=rid, vid=vid))
            for rid, vid, reader in s.execute(
                    select(WrapRow.record_id, VersionRow.vid, WrapRow.reader_id)
                    .join(VersionRow, (VersionRow.record_id == WrapRow.record_id)
                          & (VersionRow.version == WrapRow.version))
                    .join(RecordRow, RecordRow.id == WrapRow.record_id)
                    .where(RecordRow.author_id == me, WrapRow.reader_id != me,
                           VersionRow.device_id != self.device_id)):
                rows.append(OutboxRow(seq=len(rows), op="wrap", record_id=rid, vid=vid,
                                      reader_id=reader))
            for clock_row in s.scalars(select(ReaderClockRow).join(
                    RecordRow, RecordRow.id == ReaderClockRow.record_id)
                    .where(RecordRow.author_id == me)):
                rows.append(OutboxRow(seq=len(rows), op="reader", record_id=clock_row.record_id,
                                      reader_id=clock_row.reader_id))
            for person in s.scalars(select(ErasedPersonRow.person_id)
                                    .where(ErasedPersonRow.author_id == me)):
                rows.append(OutboxRow(seq=len(rows), op="erase", record_id=person))
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
            text = _setting(s, f"sync_seq/{self.user_id}")
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
                _put(s, f"sync_seq/{self.user_id}", f"{seq} {digest}")
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
                for op in json.loads(p.ops):
                    s.add(OutboxRow(user_id=self.user_id, op=op["op"], record_id=op["record_id"],
                                    vid=op.get("vid"), reader_id=op.get("reader_id")))
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
        for reader_id, ver, public in rows:
            merge.add_reader_wrap(s, self.keys, self.user_id, ver, reader_id, public)

    def _batches(self, s: Session) -> Iterable[tuple[list[dict[str, Any]], list[tuple[
            list[tuple[str, bytes]], list[dict[str, Any]]]]]]:
        """The outbox as changesets: entries grouped by who may read them, bounded in size."""
        outbox = list(s.scalars(select(OutboxRow).where(OutboxRow.user_id == self.user_id)
                                .order_by(OutboxRow.seq)))
        if not outbox:
            return
        builder = EntryBuilder(s, self.user_id, self.device_id, self.clock)
        ops: list[dict[str, Any]] = []
        groups: dict[frozenset[str], list[dict[str, Any]]] = defaultdict(list)
        count = size = 0
        for i in range(0, len(outbox), _CHUNK):
            chunk = outbox[i:i + _CHUNK]
            built = builder.build(chunk)
            for row in chunk:
                ops.append({"seq": row.seq, "op": row.op, "record_id": row.record_id,
                            "vid": row.vid, "reader_id": row.reader_id})
                item = built.get(row.seq)
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


class EntryBuilder:
    """Outbox rows (ids only) to changeset entries (ciphertext and wrapped keys)."""

    def __init__(self, s: Session, user_id: str, device_id: str,
                 clock: Callable[[], datetime]) -> None:
        self.s, self.user_id, self.device_id, self.clock = s, user_id, device_id, clock
        self.coordinators = {r.id: r.receive_public for r in s.scalars(
            select(AccountRow).where(AccountRow.role == Role.COORDINATOR.value))}
        self.publics = {r.id: r.receive_public for r in s.scalars(select(AccountRow))}

    def sections(self, groups: dict[frozenset[str], list[dict[str, Any]]],
                 ) -> list[tuple[list[tuple[str, bytes]], list[dict[str, Any]]]]:
        return [([(r, self.publics[r]) for r in sorted(readers) if r in self.publics], entries)
                for readers, entries in groups.items()]

    def build(self, rows: list[OutboxRow]) -> dict[int, tuple[frozenset[str], dict[str, Any]]]:
        s, me = self.s, self.user_id
        rids = list({r.record_id for r in rows})
        records = {r.id: r for r in s.scalars(select(RecordRow).where(RecordRow.id.in_(rids)))}
        versions = {(v.record_id, v.vid): v for v in s.scalars(
            select(VersionRow).where(VersionRow.record_id.in_(rids)))}
        wraps: dict[tuple[str, int], list[WrapRow]] = defaultdict(list)
        for w in s.scalars(select(WrapRow).where(WrapRow.record_id.in_(rids))):
            wraps[(w.record_id, w.version)].append(w)
        sharing: dict[str, set[str]] = defaultdict(set)
        for rid, reader in s.execute(select(ReaderRow.record_id, ReaderRow.reader_id)
                                     .where(ReaderRow.record_id.in_(rids))):
            sharing[rid].add(reader)
        out: dict[int, tuple[frozenset[str], dict[str, Any]]] = {}
        for row in rows:
            rec = records.get(row.record_id)
            if row.op == "erase":
                erased = s.get(ErasedPersonRow, row.record_id)
                ids = list(s.scalars(select(RecordRow.id).where(
                    RecordRow.author_id == me, (RecordRow.id == row.record_id)
                    | (RecordRow.person_id == row.record_id))))
                out[row.seq] = (frozenset(self.coordinators), {
                    "t": "e", "p": row.record_id, "ids": ids,
                    "hlc": erased.hlc if erased else hlc.encode(0, 0, self.device_id)})
                continue
            if rec is None or rec.erased_at is not None or rec.author_id != me:
                continue  # erased since: nothing of it may leave this computer
            if row.op == "version":
                ver = versions.get((row.record_id, row.vid or ""))
                if ver is None:
                    continue
                ws = wraps.get((ver.record_id, ver.version), [])
                # Whoever holds its key, and whoever it is shared with now (so a deletion
                # reaches the coordinator too).
                readers = {w.reader_id for w in ws if w.reader_id != me} | sharing[rec.id]
                out[row.seq] = (frozenset(readers), {
                    "t": "v", "r": rec.id, "k": rec.kind, "a": me, "p": rec.person_id,
                    "c": _iso(rec.created_at), "vid": ver.vid, "hlc": ver.hlc,
                    "dev": ver.device_id, "par": merge.parse_parents(ver.parents),
                    "at": _iso(ver.saved_at), "tomb": ver.tombstone, "suite": ver.suite,
                    "ct": fmt.b64(ver.ciphertext) if ver.ciphertext is not None else None,
                    "pct": (fmt.b64(ver.private_ciphertext)
                            if ver.private_ciphertext is not None else None),
                    "w": [[w.reader_id, w.suite, fmt.b64(w.wrapped)] for w in ws]})
            elif row.op == "wrap":
                ver = versions.get((row.record_id, row.vid or ""))
                wrap = s.get(WrapRow, (row.record_id, ver.version, row.reader_id)) if ver else None
                if ver is None or wrap is None:
                    continue
                out[row.seq] = (frozenset({wrap.reader_id}), {
                    "t": "w", "r": rec.id, "vid": ver.vid, "rd": wrap.reader_id,
                    "s": wrap.suite, "x": fmt.b64(wrap.wrapped)})
            elif row.op == "reader" and row.reader_id:
                clock_row = s.get(ReaderClockRow, (rec.id, row.reader_id))
                if clock_row is None:  # shared before sync existed
                    active = s.get(ReaderRow, (rec.id, row.reader_id)) is not None
                    reading = hlc.tick(s, now=self.clock(), device_id=self.device_id)
                else:
                    active, reading = clock_row.active, clock_row.hlc
                out[row.seq] = (frozenset(), {"t": "r", "r": rec.id, "rd": row.reader_id,
                                              "on": active, "hlc": reading})
        return out


class Applier:
    """Entries from one verified, decrypted changeset, into the vault. Idempotent: applying
    the same entry twice changes nothing the second time."""

    def __init__(self, s: Session, user_id: str, author: str,
                 clock: Callable[[], datetime]) -> None:
        self.s, self.user_id, self.author, self.clock = s, user_id, author, clock

    def apply(self, entries: list[dict[str, Any]]) -> int:
        s = self.s
        for e in entries:
            if e.get("t") not in {"v", "w", "r", "e"}:
                raise fmt.Tampered("it holds an entry of an unknown type")
        versions = [e for e in entries if e["t"] == "v"]
        touched: set[str] = set()
        added = self._versions(versions, touched) if versions else 0
        for e in entries:
            if e["t"] == "w":
                self._wrap(e, touched)
            elif e["t"] == "r":
                self._reader(e)
            elif e["t"] == "e":
                self._erase(e)
        merge.refresh(s, touched)
        return added

    def _pending(self, e: dict[str, Any]) -> None:
        self.s.add(PendingRow(user_id=self.user_id, author_id=self.author,
                              record_id=_id(e, "r"), entry=json.dumps(e)))

    def _versions(self, entries: list[dict[str, Any]], touched: set[str]) -> int:
        s, author = self.s, self.author
        rids = list({_id(e, "r") for e in entries})
        records: dict[str, tuple[str, str, str | None, bool]] = {}
        maxver: dict[str, int] = {}
        have: set[tuple[str, str]] = set()
        for i in range(0, len(rids), _CHUNK):
            chunk = rids[i:i + _CHUNK]
            for rid, a, k, p, erased in s.execute(
                    select(RecordRow.id, RecordRow.author_id, RecordRow.kind, RecordRow.person_id,
                           RecordRow.erased_at).where(RecordRow.id.in_(chunk))):
                records[rid] = (a, k, p, erased is not None)
            for rid, vid, number in s.execute(
                    select(VersionRow.record_id, VersionRow.vid, VersionRow.version)
                    .where(VersionRow.record_id.in_(chunk))):
                have.add((rid, vid))
                maxver[rid] = max(maxver.get(rid, 0), number)
        erased_people = set(s.scalars(select(ErasedPersonRow.person_id)
                                      .where(ErasedPersonRow.author_id == author)))
        new_records, new_versions, new_wraps = [], [], []
        added = 0
        for e in entries:
            rid, vid = _id(e, "r"), fmt.field(e, "vid", str)
            if e.get("a") != author:
                raise fmt.Tampered("it carries a version written by someone else")
            try:
                kind = Kind(fmt.field(e, "k", str))
            except ValueError:
                raise fmt.Tampered("it holds a record of an unknown kind") from None
            person = e.get("p")
            if person is not None and not isinstance(person, str):
                raise fmt.Tampered("a record's person is damaged")
            if kind is Kind.PERSON:
                person = None
            if rid in erased_people or person in erased_people:
                continue  # the person withdrew: dropped unread
            known = records.get(rid)
            if known is not None:
                if known[0] != author or known[1] != kind.value or known[2] != person:
                    raise fmt.Tampered("it tries to change someone else's record")
                if known[3]:
                    continue
            else:
                when = _when(e.get("c"))
                new_records.append({"id": rid, "kind": kind.value, "author_id": author,
                                    "person_id": person, "head_version": 1, "created_at": when,
                                    "updated_at": when, "deleted_at": None, "erased_at": None,
                                    "conflict": False})
                records[rid] = (author, kind.value, person, False)
            reading = fmt.field(e, "hlc", str)
            if not hlc.sane(reading) or len(vid) > 64:
                raise fmt.Tampered("a version's clock reading is damaged")
            parents = fmt.field(e, "par", list)
            if not all(isinstance(p, str) and " " not in p for p in parents):
                raise fmt.Tampered("a version's parents are damaged")
            wraps = fmt.field(e, "w", list)
            version: int | None
            if (rid, vid) in have:
                version = None
            else:
                version = maxver[rid] = maxver.get(rid, 0) + 1
                have.add((rid, vid))
                ct, pct = e.get("ct"), e.get("pct")
                if ct is None and not e.get("tomb"):
                    raise fmt.Tampered("a version in it has no content")
                new_versions.append({
                    "record_id": rid, "version": version, "vid": vid, "hlc": reading,
                    "device_id": fmt.field(e, "dev", str)[:36], "parents": " ".join(parents),
                    "author_id": author, "saved_at": _when(e.get("at")),
                    "suite": fmt.field(e, "suite", str)[:32],
                    "tombstone": bool(e.get("tomb")),
                    "ciphertext": fmt.unb64(ct) if ct is not None else None,
                    "private_ciphertext": fmt.unb64(pct) if pct is not None else None})
                added += 1
                touched.add(rid)
            for w in wraps:
                if not (isinstance(w, list) and len(w) == 3 and isinstance(w[0], str)
                        and isinstance(w[1], str)):
                    raise fmt.Tampered("a wrapped key is damaged")
                if version is not None:
                    new_wraps.append({"record_id": rid, "version": version, "reader_id": w[0][:36],
                                      "suite": w[1][:64], "wrapped": fmt.unb64(w[2])})
                else:
                    self._wrap({"t": "w", "r": rid, "vid": vid, "rd": w[0], "s": w[1],
                                "x": w[2]}, touched)
        if new_records:
            s.execute(insert(RecordRow), new_records)
        if new_versions:
            s.execute(insert(VersionRow), new_versions)
        if new_wraps:
            s.execute(insert(WrapRow), new_wraps)
        return added

    def _wrap(self, e: dict[str, Any], touched: set[str]) -> None:
        s = self.s
        rid, vid, reader = _id(e, "r"), fmt.field(e, "vid", str), _id(e, "rd")
        rec = s.get(RecordRow, rid)
        if rec is not None and rec.author_id != self.author:
            raise fmt.Tampered("it tries to share someone else's record")
        ver = s.scalar(select(VersionRow).where(VersionRow.record_id == rid,
                                                VersionRow.vid == vid))
        if rec is None or ver is None:
            self._pending(e)
            return
        if rec.erased_at is not None or s.get(WrapRow, (rid, ver.version, reader)) is not None:
            return
        s.add(WrapRow(record_id=rid, version=ver.version, reader_id=reader,
                      suite=fmt.field(e, "s", str)[:64], wrapped=fmt.unb64(e.get("x"))))
        s.flush()
        touched.add(rid)

    def _reader(self, e: dict[str, Any]) -> None:
        s = self.s
        rid, reader = _id(e, "r"), _id(e, "rd")
        on, reading = fmt.field(e, "on", bool), fmt.field(e, "hlc", str)
        rec = s.get(RecordRow, rid)
        if rec is None:
            self._pending(e)
            return
        if rec.author_id != self.author:
            raise fmt.Tampered("it tries to share someone else's record")
        clock_row = s.get(ReaderClockRow, (rid, reader))
        if clock_row is not None and clock_row.hlc >= reading:
            return  # the newest switch wins, whichever device made it
        s.merge(ReaderClockRow(record_id=rid, reader_id=reader, hlc=reading, active=on))
        row = s.get(ReaderRow, (rid, reader))
        if on and row is None and rec.erased_at is None and s.get(AccountRow, reader) is not None:
            s.add(ReaderRow(record_id=rid, reader_id=reader, since=self.clock()))
        elif not on and row is not None:
            s.delete(row)
        s.flush()

    def _erase(self, e: dict[str, Any]) -> None:
        s = self.s
        person = _id(e, "p")
        listed = [str(i) for i in fmt.field(e, "ids", list) if isinstance(i, str)]
        ids = list(s.scalars(select(RecordRow.id).where(
            RecordRow.author_id == self.author,
            (RecordRow.id == person) | (RecordRow.person_id == person)
            | RecordRow.id.in_(listed))))
        merge.erase_records(s, ids, now=self.clock())
        s.execute(delete(PendingRow).where(PendingRow.record_id.in_(ids)))
        if s.get(ErasedPersonRow, person) is None:
            s.add(ErasedPersonRow(person_id=person, author_id=self.author,
                                  hlc=fmt.field(e, "hlc", str)))
        s.flush()
