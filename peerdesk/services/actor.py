"""Who is acting, with which keys: what every use-case is handed, so none reaches into a
session for them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy import Connection

from peerdesk import audit
from peerdesk.crypto.keys import UserKeys
from peerdesk.domain import Account, Kind
from peerdesk.errors import InvalidInput, NotAllowed, NotFound
from peerdesk.services.vault import Vault
from peerdesk.store import records
from peerdesk.store.records import RecordState


@dataclass(frozen=True)
class Actor:
    """A signed-in user for the length of one action: her account, her unlocked keys, and the
    data folder she works in. Taken from a ``Desk`` (refused once it is locked)."""

    vault: Vault
    user: Account
    keys: UserKeys

    @property
    def device_id(self) -> str:
        return self.vault.device_id

    def now(self) -> datetime:
        return self.vault.clock()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One action: every write in it commits together, or none does. Audit entries that
        waited for a disk that could not save go first."""
        self.vault.store.flush_pending()
        with self.vault.store.begin() as conn:
            yield conn

    def audit(self, conn: Connection, action: str, record_id: str | None = None,
              detail: str = "") -> None:
        """An audit entry, signed by her, in the same transaction as what it records."""
        audit.append(conn, at=self.now(), actor_id=self.user.id, action=action,
                     record_id=record_id, detail=detail, sign=self.keys.sign)

    def audit_read(self, action: str, record_id: str | None = None, detail: str = "") -> None:
        """The audit entry of a read, after it: written (signed) at once, or, on a disk that
        cannot take it, kept and written when it can (the read is not refused for it)."""
        at = self.now()
        self.vault.store.write_or_queue(
            partial(audit.append, at=at, actor_id=self.user.id, action=action,
                    record_id=record_id, detail=detail, sign=self.keys.sign),
            audit.written_late(at=at, actor_id=self.user.id, action=action,
                               record_id=record_id, detail=detail))

    def own(self, conn: Connection, record_id: str, *, expect: Kind | None = None,
            deleted_ok: bool = False) -> RecordState:
        """One of her records that she may change: it exists, is hers, is not erased (nor
        deleted, unless ``deleted_ok``), and is of the ``expect``-ed kind."""
        row = records.state(conn, record_id)
        if row is None or row.erased_at is not None:
            raise NotFound("There is no record with that id on this computer.")
        if row.author_id != self.user.id:
            raise NotAllowed("Only the person who wrote this record can change it.")
        if row.deleted_at is not None and not deleted_ok:
            raise InvalidInput("This record was deleted; its history is still readable.")
        if expect is not None and row.kind != expect.value:
            raise InvalidInput(f"That id is not a {expect.label.lower()}.")
        return row
