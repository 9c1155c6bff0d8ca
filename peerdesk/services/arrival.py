"""What happens when someone signs in, besides opening her records: a peer's computer shares
with a cover coordinator (or stops, when the cover has ended), does what handovers, shared
support and cover between peers ask of it (services/handover.py), moves names from plans' old
free-text "share with" onto their consent ledgers (to confirm), and refreshes the name-free
delivery figures coordinators count. The app and the command line call the same function."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from peerdesk.domain import Record, Role
from peerdesk.errors import PeerDeskError
from peerdesk.services import consent, cover, fidelity, handover
from peerdesk.services.desk import Desk


@dataclass(frozen=True)
class Arrived:
    shared_with_cover: int = 0
    stopped_for_cover: int = 0
    figures_changed: int = 0
    figures_problem: str = ""  # why the figures were not sent this time, if they were not
    plans_named_moved: int = 0  # plans whose free-text "share with" names went to the ledger
    # What handovers, shared support and cover asked of this computer.
    support: handover.Applied = field(default_factory=handover.Applied)


def arrive(desk: Desk, records: Sequence[Record] | None = None) -> Arrived:
    """Run once per sign-in, after the records are read (``records``: what was decrypted, so
    nothing is decrypted twice). Only a peer's computer does anything."""
    if desk.user.role is not Role.PEER:
        return Arrived()
    shared, stopped = cover.apply(desk)
    moved = consent.take_named_everywhere(desk, records)
    support = handover.apply(desk, records)
    # A failure to send the figures must not stop the peer signing in; the Fidelity page's
    # button sends them again and says why.
    try:
        changed = fidelity.publish(desk, records)
    except PeerDeskError as exc:
        return Arrived(shared, stopped, 0, str(exc), moved, support)
    return Arrived(shared, stopped, changed, "", moved, support)
