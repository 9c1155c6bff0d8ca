"""`audit verify`: this computer's audit trail checked entry by entry, then against the
newest signed head it published to the team share (and the one it remembers publishing), so
removing the newest entries here shows. Says what it checked in one plain sentence."""

from __future__ import annotations

from dataclasses import dataclass

from peerdesk import audit
from peerdesk.errors import InvalidInput, PeerDeskError
from peerdesk.services import sync
from peerdesk.services.vault import Vault
from peerdesk.store import settings
from peerdesk.sync import auditheads, auditsync, certs
from peerdesk.sync import format as fmt
from peerdesk.sync.share import FileTooLarge, Share


@dataclass(frozen=True)
class AuditCheck:
    problems: list[str]
    checked: str  # one sentence: what was checked, and how far the trail is anchored
    entries: int
    anchored: int  # entries the newest head held (0: none found)
    on_share: bool  # whether that head was read from the team share at this check

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _Found:
    head: auditheads.AuditHead | None
    problem: str | None
    reached: bool
    configured: bool


def _share_head(vault: Vault, share: Share | None, timeout: float) -> _Found:
    if share is None:
        try:
            location = sync.share_location(vault)
        except InvalidInput:
            return _Found(None, None, False, False)
        share = sync.open_share(location, timeout=timeout)
    with vault.store.begin() as conn:
        team_id = settings.get(conn, "share_team_id") or ""
        keys = certs.trusted_keys(conn)
    try:
        found = auditheads.listed(share.list(auditheads.FOLDER), lambda _e: None)
        problem = None
        for item in found.get(vault.device_id, []):
            try:
                return _Found(auditsync.read_head(share, item, team_id=team_id, keys=keys),
                              problem, True, True)
            except fmt.NewerFormat:
                continue  # a newer PeerDesk wrote it: an older head may still be read
            except (fmt.Tampered, FileTooLarge) as exc:
                reason = str(exc) if isinstance(exc, fmt.Tampered) else "it is far too large"
                problem = problem or (
                    f"This computer's audit head on the team share failed its checks ({reason}): "
                    f"{auditheads.FOLDER}/{item.entry.name}.")
        return _Found(None, problem, True, True)
    except PeerDeskError:
        return _Found(None, None, False, True)


def check(vault: Vault, *, share: Share | None = None, timeout: float = 10.0) -> AuditCheck:
    """Long when the share is slow (share I/O): run it off the UI thread."""
    problems = vault.verify_audit()
    found = _share_head(vault, share, timeout)
    if found.problem:
        problems.append(found.problem)
    with vault.store.begin() as conn:
        now = audit.newest(conn)
        last = auditsync.stored(conn)
        anchors = [(last.anchor, auditsync.PUBLISHED)] if last else []
        if found.head is not None:
            anchors.append((audit.Anchor(found.head.count, found.head.hash), auditsync.ON_SHARE))
        problems += [p for a, where in anchors if (p := audit.anchor_problem(conn, a, where))]
        if found.reached and found.head is None and found.problem is None and last:
            problems.append(
                f"This computer's audit head ({last.anchor.count} entries) is missing from the "
                "team share, though this computer published it: it was removed there. The next "
                "sync writes it again.")
    anchored = max((a.count for a, _ in anchors), default=0)
    on_share = found.head is not None
    checked = (f"Checked the {now.count} entries of this computer's audit trail, each against "
               "the one before it and its author's signature")
    if on_share:
        checked += f", and against its signed head on the team share ({anchored} entries)"
    elif last is not None:
        checked += f", and against the head it last published ({anchored} entries)"
    if problems:
        checked += "."
    elif on_share or last is not None:
        newer = now.count - anchored
        checked += (": nothing is missing or changed" + (
            f"; the newest {newer} are anchored at the next sync" if newer > 0 else ""))
        if not on_share and found.configured:
            checked += " (the team share could not be reached, so it was not read)"
        checked += "."
    elif found.configured:
        checked += ("; it has no signed head on the team share yet (the next sync writes one), "
                    "so removing its newest entries would not show yet.")
    else:
        checked += ("; there is no team share to anchor it, so removing its newest entries "
                    "would not show.")
    return AuditCheck(problems, checked, now.count, anchored, on_share)
