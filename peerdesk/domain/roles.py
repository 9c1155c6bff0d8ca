"""Which role an account held when it wrote something, and what that role may write.

An account's certificate names her role now and, since role changes carry one, the roles
she held before: each earlier role with the point where it ended, as the administrator who
changed it had taken in her streams (device id -> last changeset number) and the time of the
change. Something she wrote counts as written under a role if either of two things says so:

- its place in her stream: at or before an earlier role's cut-off on that device, that role;
  past every cut-off, her role now. This cannot be forged: her changesets are chained and
  signed, and the cut-off is signed by an administrator.
- its clock reading: before an earlier role's change, that role. This keeps what she wrote
  before a change when it reaches the administrator's computer only afterwards: written
  offline, sent again, or folded into a snapshot written later.

A kind only a Peer Worker Coordinator writes (a comment, a group supervision session, cover)
is taken in only if she was a coordinator by either. A deletion is always taken in: it takes
nothing away from anyone but her own record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from peerdesk.domain import hlc
from peerdesk.domain.records import COORDINATOR_KINDS, Kind, Role


@dataclass(frozen=True)
class Period:
    """A role held before a change: until ``until`` in her streams, and until ``ended``."""

    role: Role
    until: dict[str, int] = field(default_factory=dict)
    ended: datetime | None = None  # None: judged by place in her streams only

    def covers(self, device_id: str, seq: int) -> bool:
        return seq <= self.until.get(device_id, 0)

    def before(self, ms: int) -> bool:
        return self.ended is not None and ms < hlc.wall_ms(self.ended)


@dataclass(frozen=True)
class History:
    role: Role  # the role her certificate names now
    periods: tuple[Period, ...] = ()  # earlier roles, oldest first

    def at_place(self, device_id: str, seq: int) -> Role:
        return next((p.role for p in self.periods if p.covers(device_id, seq)), self.role)

    def at_time(self, ms: int) -> Role:
        return next((p.role for p in self.periods if p.before(ms)), self.role)

    def may_write(self, kind: Kind, *, device_id: str, seq: int, reading: str,
                  tombstone: bool = False) -> bool:
        """Whether a version of ``kind`` written at ``seq`` in her stream on ``device_id``,
        with clock reading ``reading``, was hers to write."""
        if kind not in COORDINATOR_KINDS or tombstone:
            return True
        if self.at_place(device_id, seq) is Role.COORDINATOR:
            return True
        try:
            ms = hlc.decode(reading)[0]
        except ValueError:
            return False
        return self.at_time(ms) is Role.COORDINATOR

    def changed(self, new_role: Role, *, cut: dict[str, int], at: datetime) -> History:
        """The history after her role changes to ``new_role`` at ``at``, with her streams
        taken in as far as ``cut``. A cut-off never ends before the one before it."""
        if new_role is self.role:
            return self
        floor: dict[str, int] = {}
        for p in self.periods:
            for device, seq in p.until.items():
                floor[device] = max(floor.get(device, 0), seq)
        until = {d: max(cut.get(d, 0), floor.get(d, 0)) for d in set(cut) | set(floor)}
        return History(new_role, (*self.periods, Period(self.role, until, at)))
