"""Sync with the team share, for the app and the CLI alike: run, status, conflicts, enrolment.

``run_sync`` is long and blocking (share I/O): the app runs it off the UI thread with a
``progress`` sink and a ``cancel`` token, like every long job.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from peerdesk import audit
from peerdesk.crypto import keystore
from peerdesk.domain import Kind, Record, Role
from peerdesk.errors import EnvironmentProblem, InvalidInput, NotAllowed, PeerDeskError
from peerdesk.lanes import INLINE, Lanes
from peerdesk.progress import CancelToken, Progress
from peerdesk.services import fromshare
from peerdesk.services.desk import Desk
from peerdesk.services.vault import Vault
from peerdesk.store import records, settings
from peerdesk.store.models import OutboxRow, RecordRow
from peerdesk.sync import certs, engine
from peerdesk.sync.run import Run, RunResult
from peerdesk.sync.share import FolderShare, Share, ShareUnavailable, SmbShare

__all__ = [
    "CancelToken",
    "Conflict",
    "Progress",
    "SyncReport",
    "SyncStatus",
    "conflict_count",
    "conflicts",
    "enrol",
    "init_share",
    "join_share",
    "merged_fields",
    "open_share",
    "probe",
    "reachable",
    "resolve_conflict",
    "run_sync",
    "share_location",
    "sync_status",
]

LOCATION_KEY = "share_location"
SYNC_AUDIT = audit.SYNC
_LAST_OK, _LAST_STATE, _LAST_ERROR = "sync_last_ok", "sync_last_state", "sync_last_error"


@dataclass(frozen=True)
class SyncReport:
    pulled: int
    pushed: int
    conflicts: int
    quarantined: int
    problems: tuple[str, ...] = ()
    accounts_added: int = 0
    fingerprint: str | None = None
    new_fingerprint: bool = False
    # The records whose reading here may differ after this sync (new versions, keys, sharing,
    # erasures): an open desk reads these again, not everything. None: not known.
    changed: frozenset[str] | None = None

    def summary(self) -> str:
        lines = [f"Synced: {self.pulled} received, {self.pushed} sent, "
                 f"{self.conflicts} {'conflict' if self.conflicts == 1 else 'conflicts'} to "
                 f"resolve, {self.quarantined} {'file' if self.quarantined == 1 else 'files'} "
                 "set aside."]
        if self.new_fingerprint and self.fingerprint:
            lines.append(f"This computer now trusts the team share's administrator key "
                         f"{self.fingerprint}. Check it with your administrator.")
        lines += self.problems
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {"pulled": self.pulled, "pushed": self.pushed, "conflicts": self.conflicts,
                "quarantined": self.quarantined, "problems": list(self.problems),
                "accounts_added": self.accounts_added, "admin_key_fingerprint": self.fingerprint,
                "summary": self.summary()}


@dataclass(frozen=True)
class SyncStatus:
    state: str  # "synced", "offline", "unreachable", "failed", "never", "no-share"
    last_synced: datetime | None
    waiting: int
    detail: str = ""

    def text(self, now: datetime) -> str:
        """The app's status line."""
        waiting = f"{self.waiting} {'change' if self.waiting == 1 else 'changes'} waiting"
        if self.state == "no-share":
            return "No team share set up" + (f" — {waiting}" if self.waiting else "")
        if self.state in {"offline", "unreachable"}:
            return f"Offline — {waiting}" if self.waiting else "Share not reachable"
        if self.state == "failed":
            return "Sync failed — " + (self.detail or "see the message")
        if self.last_synced is None:
            return "Not synced yet" + (f" — {waiting}" if self.waiting else "")
        return f"Synced {_ago(now - self.last_synced)}" + (f" — {waiting}" if self.waiting else "")


def _ago(delta: Any) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    return f"{hours} h ago" if hours < 48 else f"{hours // 24} days ago"


# -- where the share is -----------------------------------------------------------------------

def open_share(location: str, *, timeout: float = 15.0) -> Share:
    if location.lower().startswith("smb://"):
        return SmbShare(location, credentials=keystore.share_credentials, timeout=timeout)
    return FolderShare(Path(location).expanduser())


def share_location(vault: Vault, override: str | None = None) -> str:
    """The machine policy, else the --share option, else this device's setting."""
    if override:
        return _allowed(vault, override)
    policy = vault.policy.share_location
    if policy:
        return policy
    with vault.store.begin() as conn:
        chosen = settings.get(conn, LOCATION_KEY)
    if chosen is not None:
        return chosen
    raise InvalidInput("No team share is set up on this computer. Give one with --share "
                       "LOCATION, or ask IT to set share_location in the machine policy.")


def _allowed(vault: Vault, location: str) -> str:
    """Where the trust has set the share, no other folder may receive this computer's data."""
    policy = vault.policy.share_location
    if policy and location.strip() != policy:
        raise NotAllowed(f"This computer's team share is set by the trust ({policy}), so "
                         f"PeerDesk will not sync with {location}.")
    return location.strip()


def set_share_location(vault: Vault, location: str) -> None:
    """This device's share, chosen at setup (the policy's, where there is one, wins)."""
    location = _allowed(vault, location)
    with vault.store.begin() as conn:
        settings.put(conn, LOCATION_KEY, location)


def probe(location: str, *, timeout: float = 5.0) -> None:
    """Raise unless the share answers. ``timeout`` bounds an SMB connection; a dead mapped
    drive can still hang, so the app runs this on its I/O lane with a timeout of its own and
    stops waiting for it (ui/tasks.py)."""
    open_share(location, timeout=timeout).check()


def reachable(location: str, *, timeout: float = 5.0) -> bool:
    """Whether the share answers now (``probe``, as yes or no)."""
    try:
        probe(location, timeout=timeout)
    except PeerDeskError:
        return False
    return True


# -- setting up -------------------------------------------------------------------------------

def init_share(desk: Desk, location: str, *, team_name: str | None = None,
               lanes: Lanes = INLINE) -> str:
    """The administrator makes a folder into the team's share: a manifest signed with her key
    and every account on this computer, signed. Returns the key's fingerprint to read out."""
    if desk.user.role is not Role.ADMIN or not desk.user.active:
        raise NotAllowed("Only an administrator can create the team share.")
    vault = desk.vault
    location = _allowed(vault, location)
    share = open_share(location)
    try:
        share.check()
    except ShareUnavailable:
        share.create()  # a new team folder inside a share that is there
    try:
        existing = engine.read_manifest(share)
    except engine.NotATeamShare:
        existing = None
    if existing is not None and existing.admin_key != desk.keys.public().verify:
        raise InvalidInput(f"{location} is already a team share, made by another "
                           "administrator. Nothing was changed.")
    team = team_name or lanes.db(lambda: vault.team) or "PeerDesk team"
    anchor = lanes.db(lambda: _anchor(vault))
    if anchor is not None and anchor.key != desk.keys.public().verify:
        raise NotAllowed("Only the administrator who made this team on this computer can "
                         "create its team share.")
    manifest = existing or engine.write_manifest(
        share, team_id=anchor.team_id if anchor else str(uuid.uuid4()), name=team,
        admin_id=desk.user.id, keys=desk.keys, now=vault.clock())
    sync = _engine(desk, share, lanes)
    sync.db(lambda conn: engine.pin_manifest(conn, manifest, sync.result))
    lanes.db(lambda: set_share_location(vault, location))
    sync.manifest = manifest
    sync.publish_accounts()
    return manifest.fingerprint


def _anchor(vault: Vault) -> certs.Anchor | None:
    with vault.store.begin() as conn:
        return certs.anchor(conn)


def join_share(vault: Vault, location: str, *, lanes: Lanes = INLINE) -> SyncReport:
    """Bring the team's accounts from the share to this computer (no passphrase needed: they
    are signed by the admin, and their secrets sealed by each person's passphrase)."""
    location = _allowed(vault, location)
    share = open_share(location)
    lanes.db(lambda: set_share_location(vault, location))  # remembered even if this fails
    # Before anyone signs in here: files that fail their checks are skipped, not moved.
    ctx = Run(vault.store, share, lanes=lanes, device_id=vault.device_id, clock=vault.clock,
              set_aside=False)
    manifest = engine.read_manifest(share)
    ctx.db(lambda conn: engine.pin_manifest(conn, manifest, ctx.result))
    ctx.result.accounts_added = engine.sync_accounts(ctx, manifest)
    return _report(ctx.result)


def enrol(vault: Vault, location: str, name: str, passphrase: str, *,
          lanes: Lanes = INLINE, progress: Progress | None = None,
          cancel: CancelToken | None = None) -> tuple[Desk, SyncReport]:
    """Sign in on a new computer with only a passphrase: the account comes from the share,
    then the records."""
    join_share(vault, location, lanes=lanes)
    desk = Desk(vault, vault.unlock(name, passphrase, lanes=lanes))
    return desk, run_sync(desk, location=location, lanes=lanes, progress=progress,
                          cancel=cancel)


# -- syncing ----------------------------------------------------------------------------------

def _report(result: RunResult) -> SyncReport:
    return SyncReport(result.pulled, result.pushed, result.conflicts, result.quarantined,
                      tuple(result.problems), result.accounts_added, result.fingerprint,
                      result.new_fingerprint, frozenset(result.changed))


def _engine(desk: Desk, share: Share, lanes: Lanes, progress: Progress | None = None,
            cancel: CancelToken | None = None) -> engine.Engine:
    vault = desk.vault
    policy = vault.policy
    recovery = (policy.recovery_reader_id, policy.recovery_key) \
        if policy.recovery_reader_id and policy.recovery_key else None
    return engine.Engine(vault.store, share, device_id=vault.device_id, user_id=desk.user.id,
                         keys=desk.keys, clock=vault.clock, lanes=lanes, progress=progress,
                         cancel=cancel, recovery=recovery)


def run_sync(desk: Desk, *, location: str | None = None, share: Share | None = None,
             lanes: Lanes = INLINE, progress: Progress | None = None,
             cancel: CancelToken | None = None) -> SyncReport:
    """Long and blocking (share I/O): run it off the UI thread and off the database lane;
    its database steps go to ``lanes``."""
    vault = desk.vault
    if share is None:
        named = location
        location = lanes.db(lambda: share_location(vault, named))
        share = open_share(location)
        if named:  # remembered once tried, so the next sync (and the status line) use it
            lanes.db(lambda: set_share_location(vault, named))
    try:
        result = _engine(desk, share, lanes, progress, cancel).run()
    except (ShareUnavailable, engine.NotATeamShare) as exc:
        _failed(vault, lanes, "unreachable", str(exc))
        raise
    except (NotAllowed, EnvironmentProblem) as exc:  # NotAllowed: an unpublished account
        _failed(vault, lanes, "failed", str(exc))
        raise

    # A handover from the share for this peer (her leaving colleague's laptop is gone).
    taken = fromshare.take_in(desk, share, lanes)

    def done() -> None:
        _record(vault, "synced", "")
        with vault.store.begin() as conn:
            # Counts only: the audit trail never holds content.
            audit.append(conn, at=vault.clock(), actor_id=desk.user.id, action=SYNC_AUDIT,
                         detail=f"pulled={result.pulled} pushed={result.pushed} "
                                f"conflicts={result.conflicts} "
                                f"quarantined={result.quarantined}",
                         sign=desk.keys.sign)
    lanes.db(done)
    report = _report(result)
    if not (taken.refused or taken.changed):
        return report
    return replace(report, problems=report.problems + taken.refused,
                   changed=None if report.changed is None else report.changed | taken.changed)


def _failed(vault: Vault, lanes: Lanes, state: str, detail: str) -> None:
    lanes.db(lambda: _record(vault, state, detail))


def _record(vault: Vault, state: str, detail: str) -> None:
    with vault.store.begin() as conn:
        settings.put(conn, _LAST_STATE, state)
        settings.put(conn, _LAST_ERROR, detail)
        if state == "synced":
            settings.put(conn, _LAST_OK, vault.clock().isoformat())


def sync_status(vault: Vault, user_id: str | None = None) -> SyncStatus:
    """Cheap (no share I/O): what the status line shows."""
    with vault.store.transaction() as s:
        values = settings.get_many(s.connection(), [_LAST_OK, _LAST_STATE, _LAST_ERROR,
                                                    LOCATION_KEY])
        query = select(func.count()).select_from(OutboxRow)
        if user_id is not None:
            query = query.where(OutboxRow.user_id == user_id)
        waiting = int(s.scalar(query) or 0)
    last = datetime.fromisoformat(values[_LAST_OK]) if _LAST_OK in values else None
    if LOCATION_KEY not in values and not vault.policy.share_location:
        return SyncStatus("no-share", last, waiting)
    state = values.get(_LAST_STATE, "never")
    return SyncStatus(state, last, waiting, values.get(_LAST_ERROR, ""))


# -- conflicts --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Conflict:
    """One record saved concurrently on two devices: every head, newest first. The first is
    what is shown until the user resolves it."""

    record_id: str
    kind: Kind
    versions: tuple[Record, ...] = field(default_factory=tuple)


def conflict_count(desk: Desk) -> int:
    """Cheap (nothing decrypted): for a badge on the status line."""
    with desk.vault.store.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(RecordRow).where(
            RecordRow.author_id == desk.user.id, RecordRow.conflict.is_(True),
            RecordRow.erased_at.is_(None))) or 0)


def merged_fields(conflict: Conflict) -> dict[str, Any]:
    """A starting point for merging by hand: the shown version, with the text of every other
    version's differing text fields added below its own, marked. The user edits from there."""
    live = [v for v in conflict.versions if not v.deleted]
    if not live:
        return {}
    merged = dict(live[0].fields)
    for other in live[1:]:
        for name, value in other.fields.items():
            mine = merged.get(name)
            if value == mine:
                continue
            if isinstance(value, str) and isinstance(mine, str):
                merged[name] = f"{mine}\n\n[From the other version:]\n{value}"
            elif mine is None:
                merged[name] = value
    return merged


def conflicts(desk: Desk) -> list[Conflict]:
    with desk.vault.store.transaction() as s:
        rows = list(s.execute(select(RecordRow.id, RecordRow.kind).where(
            RecordRow.author_id == desk.user.id, RecordRow.conflict.is_(True),
            RecordRow.erased_at.is_(None))))
        heads = {rid: records.outcome(s.connection(), rid).heads for rid, _ in rows}
    out = []
    for rid, kind in rows:
        history = {r.version: r for r in desk.history(rid)}
        versions = tuple(history[h.version] for h in reversed(heads[rid]) if h.version in history)
        out.append(Conflict(rid, Kind(kind), versions))
    return out


def resolve_conflict(desk: Desk, record_id: str, fields: dict[str, Any] | None) -> Record | None:
    """Keep ``fields`` (one version's, or a merge of them) or, with None, delete."""
    return desk.resolve_conflict(record_id, fields)


