"""Role histories on the share: the ``roles`` field of an account certificate, and the check
that what arrives by sync was its author's to write (``peerdesk.domain.roles`` holds the rule).

Every certificate signed after a role change lists her earlier roles, each with the cut-off
of her streams and the time of the change, carried forward by every certificate signed after
it. So the newest certificate alone, as on the share, says which role she held where: a device
that joins later reaches the same decision as one that saw every change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from peerdesk.domain import Role
from peerdesk.domain.roles import History, Period
from peerdesk.sync import format as fmt
from peerdesk.sync.changes import (
    Change,
    ErasureChange,
    KeyChange,
    SharingChange,
    VersionChange,
    iso,
    parse_time,
)

FIELD = "roles"
MAX_PERIODS = 256


def read(signed: Mapping[str, Any]) -> tuple[Period, ...]:
    """The earlier roles a certificate lists (none in one from before); raises Tampered."""
    listed = signed.get(FIELD, [])
    if not isinstance(listed, list) or len(listed) > MAX_PERIODS:
        raise fmt.Tampered("its list of earlier roles is damaged")
    out = []
    for p in listed:
        if not isinstance(p, dict):
            raise fmt.Tampered("its list of earlier roles is damaged")
        try:
            role = Role(fmt.field(p, "role", str))
        except ValueError:
            raise fmt.Tampered("an earlier role in it is unknown") from None
        until = fmt.field(p, "until", dict)
        if not all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
                   and v >= 0 for k, v in until.items()):
            raise fmt.Tampered("its list of earlier roles is damaged")
        out.append(Period(role, dict(until), parse_time(p.get("ended"))))
    return tuple(out)


def wire(periods: Iterable[Period]) -> list[dict[str, Any]]:
    return [{"role": p.role.value, "until": dict(p.until)}
            | ({"ended": iso(p.ended)} if p.ended is not None else {}) for p in periods]


def after_change(previous: Mapping[str, Any] | None, previous_role: Role | None,
                 new_role: Role, *, cut: Mapping[str, int], at: datetime) -> list[dict[str, Any]]:
    """The ``roles`` field of a certificate replacing ``previous`` (its signed fields, or None
    for the first): its earlier roles, and one more if the role changes. A certificate an
    account signed for itself (waiting for approval, or from before an administrator) names a
    role nobody gave her: it is no earlier role."""
    if previous is None or previous_role is None or (
            previous.get("issuer") is not None and previous.get("issuer") == previous.get("id")):
        return []
    try:
        history = History(previous_role, read(previous))
    except fmt.Tampered:
        history = History(previous_role)
    return wire(history.changed(new_role, cut=dict(cut), at=at).periods)


@dataclass(frozen=True)
class Verdict:
    """What of one changeset is taken in, and the versions set aside."""

    kept: tuple[Change, ...]
    refused: tuple[VersionChange, ...]


def judge(found: Sequence[Change], history: History | None, *, device_id: str,
          seq: int) -> Verdict:
    """A changeset's changes at ``seq`` in a stream on ``device_id``: versions of a kind the
    author's role did not allow where she wrote them are set aside, with every wrap, sharing
    switch and erasure naming those records. With no history (no certificate that holds)
    nothing is judged here: such a changeset was refused before it was opened."""
    if history is None:
        return Verdict(tuple(found), ())
    refused = tuple(c for c in found if isinstance(c, VersionChange) and not history.may_write(
        c.kind, device_id=device_id, seq=seq, reading=c.hlc, tombstone=c.tombstone))
    if not refused:
        return Verdict(tuple(found), ())
    gone = {c.record_id for c in refused}
    held = {(c.record_id, c.vid) for c in refused}

    def kept(c: Change) -> bool:
        match c:
            case VersionChange():
                return (c.record_id, c.vid) not in held
            case KeyChange() | SharingChange():
                return c.record_id not in gone
            case ErasureChange():
                return True
        return True

    return Verdict(tuple(c for c in found if kept(c)), refused)
