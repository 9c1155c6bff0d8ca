"""Recovery from the team share alone: the care records of a device that is gone (a lost
laptop, a leaver's), opened with the trust recovery key and a written reason.

Every section on the share that carries a version wrapped for the recovery key is sealed for
that key too (docs/sync-protocol.md, "Changesets"), so reading a device's folder on the share
is enough: no data folder is needed. It is break-glass: only a coordinator or administrator,
only with the key the machine policy names, only with a reason; an audit entry for each record
is written before its content is opened, with the reason sealed for IG and for the record's
author, and each reaches the author and the coordinators on every computer as an audit notice
(docs/sync-protocol.md, "Audit notices").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from peerdesk import audit
from peerdesk.crypto import recovery
from peerdesk.crypto.payload import SealedVersion, open_with_key
from peerdesk.crypto.recovery import RecoveryKey
from peerdesk.domain import Record
from peerdesk.errors import InvalidInput, NotAllowed, NotFound
from peerdesk.services import governance, sync
from peerdesk.services.desk import Desk
from peerdesk.store import settings
from peerdesk.sync import certs, changes
from peerdesk.sync import format as fmt
from peerdesk.sync.changes import VersionChange
from peerdesk.sync.share import Share


@dataclass(frozen=True)
class _Holder:
    """What opening a section's HPKE wrap needs of a reader: her receive key only."""

    receive_key: RecoveryKey
    own: Any = None


def _stream_files(share: Share, device_id: str) -> list[tuple[str, str]]:
    """(kind, name) of every file to read in a device's folder, per author: the newest
    snapshot, then the changesets after it, in order."""
    by_author: dict[str, dict[str, Any]] = {}
    for e in share.list(f"{fmt.DEVICES}/{device_id}"):
        for kind, pattern in (("changeset", fmt.CHANGESET_NAME),
                              ("snapshot", fmt.SNAPSHOT_NAME)):
            match = pattern.fullmatch(e.name)
            if match and e.kind == "file":
                item = by_author.setdefault(match.group(1), {"snap": (0, ""), "sets": []})
                seq = int(match.group(2))
                if kind == "snapshot" and seq >= item["snap"][0]:
                    item["snap"] = (seq, e.name)
                elif kind == "changeset":
                    item["sets"].append((seq, e.name))
    out: list[tuple[str, str]] = []
    for item in by_author.values():
        snap_seq, snap = item["snap"]
        if snap:
            out.append(("snapshot", snap))
        out += [("changeset", n) for s, n in sorted(item["sets"]) if s > snap_seq]
    return out


def _versions(share: Share, device_id: str, *, team_id: str, verify_keys: dict[str, bytes],
              reader: str, key: RecoveryKey) -> list[VersionChange]:
    holder: Any = _Holder(key)
    found: list[VersionChange] = []
    for kind, name in _stream_files(share, device_id):
        data = share.read(f"{fmt.DEVICES}/{device_id}/{name}", max_size=fmt.MAX_FILE)
        signed, sig = fmt.parse_doc(data, kind)
        h = fmt.read_header(signed)
        if h.device_id != device_id or h.team_id != team_id or h.author_id not in verify_keys:
            raise fmt.Tampered(f"{name} does not belong to this device of this team")
        fmt.check_signature(kind, signed, sig, verify_keys[h.author_id])
        docs = [(signed, h)]
        for part in fmt.read_parts(signed, h) if kind == "snapshot" else []:
            raw = share.read(f"{fmt.DEVICES}/{device_id}/{part.name}", max_size=fmt.MAX_FILE)
            if fmt.digest(raw) != part.digest:
                raise fmt.Tampered(f"a part of {name} is not the one it names")
            docs.append((fmt.parse_doc(raw, "part")[0], h))
        for doc, header in docs:
            for entry in fmt.open_sections(doc, header, reader, holder):
                change = changes.from_wire(entry)
                if isinstance(change, VersionChange) and change.author_id == h.author_id:
                    found.append(change)
    return found


def open_device(desk: Desk, device_id: str, *, recovery_key: RecoveryKey, reason: str,
                share: Share | None = None) -> list[Record]:
    """The newest version of every record a device sent to the team share that the recovery
    key opens. Long (share I/O): run it off the UI thread."""
    if desk.user.role not in governance.STAFF:
        raise NotAllowed("Only a Peer Worker Coordinator or an administrator can open records "
                         "with the trust recovery key.")
    reason = " ".join(reason.split())
    if len(reason) < governance.MIN_REASON:
        raise InvalidInput("Say why you need to open this device's records (at least a short "
                           "sentence). The reason is shown to their author and to the "
                           "Caldicott Guardian.")
    if not fmt.DEVICE_NAME.fullmatch(device_id):
        raise InvalidInput("That is not a device id (a device's folder name on the team share).")
    vault = desk.vault
    reader = governance.check_recovery_key(vault, recovery_key)
    if share is None:
        share = sync.open_share(sync.share_location(vault))
    with vault.store.begin() as conn:
        team_id = settings.get(conn, "share_team_id") or ""
        verify_keys = certs.trusted_keys(conn)
        publics = {i: s.cert.receive_public for i, s in certs.standings(conn).items()
                   if s.cert is not None and not s.problem}
    try:
        versions = fmt.boundary(lambda: _versions(
            share, device_id, team_id=team_id, verify_keys=verify_keys, reader=reader,
            key=recovery_key))
    except fmt.Tampered as exc:
        raise fmt.Tampered(f"A file of that device on the team share failed its checks: {exc}."
                           " Nothing was opened.") from None
    newest: dict[str, VersionChange] = {}
    for v in versions:
        if v.ciphertext is not None and any(w.reader_id == reader for w in v.keys) and (
                v.record_id not in newest or v.hlc > newest[v.record_id].hlc):
            newest[v.record_id] = v
    if not newest:
        raise NotFound("Nothing that device sent to the team share opens with the recovery key "
                       "(written before the policy named it, or by an older PeerDesk).")
    recovery_public = recovery.public_bytes(recovery_key)
    out = []
    for v in sorted(newest.values(), key=lambda c: c.hlc):
        context = f"peerdesk/break-glass/v1|{v.record_id}|{desk.user.id}"
        author_public = publics.get(v.author_id)
        for_author = (governance.seal_reason(reason, author_public, context)
                      if author_public else "")
        # Logged before it is opened; the author and the coordinators hear of it through the
        # team share at this computer's next sync.
        for_ig = governance.seal_reason(reason, recovery_public, context)
        desk.note(audit.BREAK_GLASS, v.record_id,
                  f"role={desk.user.role.value}; from-share={device_id}; author={v.author_id}; "
                  f"kind={v.kind.value}; for-ig={for_ig}; for-author={for_author}")
        wrap = next(w for w in v.keys if w.reader_id == reader)
        fields = open_with_key(recovery_key, reader, SealedVersion(
            v.record_id, v.kind.value, v.author_id, v.vid, v.ciphertext or b""),
            wrap.suite, wrap.wrapped)
        out.append(Record(v.record_id, v.kind, v.author_id, v.person_id, 0, v.saved_at, fields,
                          deleted=v.tombstone))
    return out

