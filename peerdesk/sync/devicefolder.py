"""A device's folder on the team share, as its file names say (docs/sync-protocol.md): each
author's changesets, her newest snapshot, and the snapshot parts there. Which of them to read
is decided here once, for the sync engine (from where this computer has read to) and for
recovery from the share with the trust recovery key (from the start): a snapshot stands for
every changeset it folded in, so only the changesets after it are read. Nothing is read here
but names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from peerdesk.sync import format as fmt
from peerdesk.sync.share import Entry


@dataclass
class Listing:
    streams: dict[str, list[tuple[int, Entry]]] = field(default_factory=dict)  # by author
    snapshots: dict[str, tuple[int, Entry]] = field(default_factory=dict)  # her newest
    parts: dict[str, dict[str, Entry]] = field(default_factory=dict)  # by author, by name
    odd: list[Entry] = field(default_factory=list)  # nothing PeerDesk writes there
    authors: dict[str, None] = field(default_factory=dict)  # in the order first listed

    def unread(self, author: str, after: int,
               ) -> tuple[tuple[int, Entry] | None, list[tuple[int, Entry]]]:
        """What to read of one author's stream after change ``after``: her newest snapshot,
        if it is past that, then each changeset after both, in order."""
        snapshot = self.snapshots.get(author)
        if snapshot is not None and snapshot[0] > after:
            after = snapshot[0]
        else:
            snapshot = None
        return snapshot, sorted((p for p in self.streams.get(author, []) if p[0] > after),
                                key=lambda p: p[0])


def listing(entries: Iterable[Entry]) -> Listing:
    """One device's folder from its entries. A writer's unfinished file (a temp name) is left
    alone: only its writer removes it."""
    found = Listing()
    for e in entries:
        if e.is_temp:
            continue
        change = fmt.CHANGESET_NAME.fullmatch(e.name)
        snap = fmt.SNAPSHOT_NAME.fullmatch(e.name)
        part = fmt.PART_NAME.fullmatch(e.name)
        if change:
            found.authors.setdefault(change.group(1))
            found.streams.setdefault(change.group(1), []).append((int(change.group(2)), e))
        elif snap:
            author, seq = snap.group(1), int(snap.group(2))
            found.authors.setdefault(author)
            if seq > found.snapshots.get(author, (0, e))[0]:
                found.snapshots[author] = (seq, e)
        elif part:
            found.parts.setdefault(part.group(1), {})[e.name] = e
        else:
            found.odd.append(e)
    return found

