"""The desk of one signed-in user: who she is, her keys while unlocked, and locking.

The work itself is in small use-case modules (``saving``, ``reading``, ``sharing``,
``erasure``, ``drafts``), each action one transaction, handed the keys explicitly through an
``Actor``. The methods here are shorthands for them, so the app and the command line speak to
one object per signed-in user.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from peerdesk import audit
from peerdesk.crypto.keys import UserKeys
from peerdesk.domain import Account, Kind, Record
from peerdesk.errors import NotAllowed
from peerdesk.services import drafts, erasure, reading, saving, sharing
from peerdesk.services.actor import Actor
from peerdesk.services.drafts import Draft
from peerdesk.services.reading import CheckProblem
from peerdesk.services.vault import Unlocked, Vault

__all__ = ["CheckProblem", "Desk", "Draft", "sign_in"]


def sign_in(vault: Vault, name_or_id: str, passphrase: str) -> Desk:
    """Slow on purpose (key derivation): run it off the UI thread."""
    return Desk(vault, vault.unlock(name_or_id, passphrase))


class Desk:
    def __init__(self, vault: Vault, unlocked: Unlocked) -> None:
        self.vault = vault
        self.user: Account = unlocked.account
        self._keys: UserKeys | None = unlocked.keys

    # -- the session ------------------------------------------------------------------------

    @property
    def keys(self) -> UserKeys:
        if self._keys is None:
            raise NotAllowed("PeerDesk is locked. Sign in again to continue.")
        return self._keys

    @property
    def locked(self) -> bool:
        return self._keys is None

    def actor(self) -> Actor:
        """Who acts, with her keys, for one action; refused once she has locked."""
        return Actor(self.vault, self.user, self.keys)

    def lock(self) -> None:
        if self._keys is None:
            return
        reading.note(self.actor(), audit.LOCK, None)
        # Python cannot wipe memory; dropping the only reference is the best available.
        self._keys = None

    # -- shorthands for the use-cases ---------------------------------------------------------

    def add(self, kind: Kind | str, fields: Mapping[str, Any], *,
            person_id: str | None = None) -> Record:
        return saving.add(self.actor(), kind, fields, person_id=person_id)

    def may_register(self) -> None:
        """Raises NotAllowed, with one sentence, if she may not register someone new now (she
        is leaving): asked before the form opens, and again by ``add`` when it saves."""
        with self.vault.store.begin() as conn:
            saving.refuse_registering(conn, self.user.id)

    def update(self, record_id: str, fields: Mapping[str, Any], *,
               consent_change: str | None = None) -> Record:
        return saving.update(self.actor(), record_id, fields, consent_change=consent_change)

    def delete(self, record_id: str) -> None:
        saving.delete(self.actor(), record_id)

    def resolve_conflict(self, record_id: str, fields: Mapping[str, Any] | None) -> Record | None:
        return saving.resolve_conflict(self.actor(), record_id, fields)

    def records(self, kind: Kind | str | None = None, *, person_id: str | None = None,
                include_deleted: bool = False, ids: Sequence[str] | None = None) -> list[Record]:
        return reading.records_of(self.actor(), kind, person_id=person_id,
                                  include_deleted=include_deleted, ids=ids)

    def record_ids(self) -> list[str]:
        return reading.record_ids(self.actor())

    def get(self, record_id: str, *, version: int | None = None) -> Record:
        return reading.get(self.actor(), record_id, version=version)

    def history(self, record_id: str) -> list[Record]:
        return reading.history(self.actor(), record_id)

    def check(self) -> list[CheckProblem]:
        return reading.check(self.actor())

    def note(self, action: str, record_id: str | None, detail: str = "") -> None:
        reading.note(self.actor(), action, record_id, detail)

    def note_export(self, record_id: str, how: str) -> None:
        reading.note_export(self.actor(), record_id, how)

    def shared_with_me(self) -> list[Record]:
        return [r for r in self.records() if r.author_id != self.user.id]

    def shared_by_me(self) -> dict[str, tuple[str, ...]]:
        return reading.shared_by_me(self.actor())

    def share(self, record_id: str, with_account: str) -> None:
        sharing.share(self.actor(), record_id, with_account)

    def unshare(self, record_id: str, with_account: str) -> None:
        sharing.unshare(self.actor(), record_id, with_account)

    def give_reader(self, record_id: str, account_id: str) -> None:
        sharing.give_reader(self.actor(), record_id, account_id)

    def erase_person(self, person_id: str) -> int:
        return erasure.erase_person(self.actor(), person_id)

    def erase_record(self, record_id: str) -> int:
        return erasure.erase_record(self.actor(), record_id)

    def save_draft(self, kind: Kind | str, fields: Mapping[str, Any], *,
                   draft_id: str | None = None, record_id: str | None = None,
                   person_id: str | None = None) -> str:
        return drafts.save_draft(self.actor(), kind, fields, draft_id=draft_id,
                                 record_id=record_id, person_id=person_id)

    def drafts(self) -> list[Draft]:
        return drafts.drafts(self.actor())

    def discard_draft(self, draft_id: str) -> None:
        drafts.discard_draft(self.actor(), draft_id)
