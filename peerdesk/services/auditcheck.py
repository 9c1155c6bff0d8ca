"""`audit verify`: this computer's audit trail checked entry by entry, then against the
newest signed head it published to the team share (and the one it remembers publishing), so
removing the newest entries here shows. Says what it checked in one plain sentence."""

from __future__ import annotations

from dataclasses import dataclass

from peerdesk import audit
from peerdesk.errors import InvalidInput, PeerDeskError
from peerdesk.lanes import INLINE, Lanes
from peerdesk.services import sync
from peerdesk.services.vault import Vault
from peerdesk.store import settings
from peerdesk.sync import auditheads, auditnotices, auditsync, certs
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


def _share_head(vault: Vault, share: Share | None, timeout: float, lanes: Lanes) -> _Found:
    if share is None:
        try:
            location = lanes.db(lambda: sync.share_location(vault))
        except InvalidInput:
            return _Found(None, None, False, False)
        share = sync.open_share(location, timeout=timeout)

    def held() -> tuple[str, dict[str, bytes]]:
        with vault.store.begin() as conn:
            return settings.get(conn, "share_team_id") or "", certs.trusted_keys(conn)
    team_id, keys = lanes.db(held)
    try:
        rest, _notices = auditnotices.split(share.list(auditheads.FOLDER))
        found = auditheads.listed(rest, lambda _e: None)
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


def check(vault: Vault, *, share: Share | None = None, timeout: float = 10.0,
          lanes: Lanes = INLINE) -> AuditCheck:
    """Long when the share is slow (share I/O): run it off the UI thread, on the I/O lane;
    its database steps go to ``lanes``."""
    problems = lanes.db(vault.verify_audit)
    found = _share_head(vault, share, timeout, lanes)
    if found.problem:
        problems.append(found.problem)

    def compare() -> tuple[audit.Anchor, auditsync.Published | None,
                           list[tuple[audit.Anchor, str]], list[str]]:
        with vault.store.begin() as conn:
            last = auditsync.stored(conn)
            anchors = [(last.anchor, auditsync.PUBLISHED)] if last else []
            if found.head is not None:
                anchors.append((audit.Anchor(found.head.count, found.head.hash),
                                auditsync.ON_SHARE))
            return (audit.newest(conn), last, anchors,
                    [p for a, where in anchors if (p := audit.anchor_problem(conn, a, where))])
    now, last, anchors, cut = lanes.db(compare)
    problems += cut
    if found.reached and found.head is None and found.problem is None and last:
        problems.append(
            f"This computer's audit head ({last.anchor.count} entries) is missing from the "
            "team share, though this computer published it: it was removed there. The next "
            "sync writes it again.")
    anchored = max((a.count for a, _ in anchors), default=0)
    on_share = found.head is not None
    checked = _sentence(now.count, anchored, found, last is not None, bool(problems))
    return AuditCheck(problems, checked, now.count, anchored, on_share)


def _sentence(entries: int, anchored: int, found: _Found, published: bool,
              problems: bool) -> str:
    """What was checked, in one sentence."""
    on_share = found.head is not None
    checked = (f"Checked the {entries} entries of this computer's audit trail, each against "
               "the one before it and its author's signature")
    if on_share:
        checked += f", and against its signed head on the team share ({anchored} entries)"
    elif published:
        checked += f", and against the head it last published ({anchored} entries)"
    if problems:
        return checked + "."
    if on_share or published:
        newer = entries - anchored
        checked += ": nothing is missing or changed" + (
            f"; the newest {newer} are anchored at the next sync" if newer > 0 else "")
        if not on_share and found.configured:
            checked += " (the team share could not be reached, so it was not read)"
        return checked + "."
    if found.reached:
        return checked + ("; it has no signed head on the team share yet (the next sync "
                          "writes one), so removing its newest entries would not show yet.")
    if found.configured:
        return checked + ("; the team share could not be reached and this computer has "
                          "published no head yet, so removing its newest entries would not "
                          "show.")
    return checked + ("; there is no team share to anchor it, so removing its newest entries "
                      "would not show.")
