"""The data folder on this device: accounts, unlocking, passphrases."""

from __future__ import annotations

import math
import uuid
from datetime import timedelta
from pathlib import Path
from types import TracebackType

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerdesk import audit
from peerdesk.clock import Clock, utcnow
from peerdesk.config import Policy, load_policy
from peerdesk.crypto.kdf import KdfParams, derive
from peerdesk.crypto.keys import UserKeys
from peerdesk.domain import Account, Role
from peerdesk.errors import InvalidInput, NotAllowed, NotFound, TooManyAttempts, WrongPassphrase
from peerdesk.services.desk import Desk
from peerdesk.store.db import Store
from peerdesk.store.models import AccountRow, Setting

PASSPHRASE_MIN_LENGTH = 12
FREE_ATTEMPTS = 3
MAX_WAIT = timedelta(minutes=5)


def check_passphrase(passphrase: str, *, min_length: int = PASSPHRASE_MIN_LENGTH) -> None:
    if len(passphrase.strip()) < min_length:
        raise InvalidInput(
            f"Choose a passphrase of at least {min_length} characters. Three or four "
            "unrelated words are easy to remember and hard to guess."
        )


def _to_account(row: AccountRow) -> Account:
    return Account(row.id, row.name, Role(row.role), row.created_at)


class Vault:
    """An open data folder. Only one process at a time may hold it."""

    def __init__(self, data_dir: Path, *, clock: Clock = utcnow,
                 kdf_params: KdfParams | None = None, policy: Policy | None = None) -> None:
        # The machine policy is read here, so every client gets it and none can weaken it.
        self.policy = load_policy() if policy is None else policy
        self.store = Store(data_dir)
        self.clock = clock
        # None means the policy's strength; tests of other things may lower it.
        self._kdf_template = kdf_params
        with self.store.transaction() as s:
            self.device_id = self._setting(s, "device_id") or self._put(
                s, "device_id", str(uuid.uuid4()))

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object | TracebackType) -> None:
        self.close()

    def close(self) -> None:
        self.store.close()

    # -- device settings ------------------------------------------------------------------

    @staticmethod
    def _setting(s: Session, key: str) -> str | None:
        row = s.get(Setting, key)
        return row.value if row else None

    @staticmethod
    def _put(s: Session, key: str, value: str) -> str:
        s.merge(Setting(key=key, value=value))
        return value

    @property
    def team(self) -> str | None:
        if self.policy.team:
            return self.policy.team
        with self.store.transaction() as s:
            return self._setting(s, "team")

    def set_team(self, name: str) -> None:
        if not name.strip():
            raise InvalidInput("The team name cannot be empty.")
        if self.policy.team:
            if name.strip() == self.policy.team:
                return
            raise NotAllowed(f"This computer's team is set by the trust ({self.policy.team}) "
                             "and cannot be changed here.")
        with self.store.transaction() as s:
            self._put(s, "team", name.strip())

    # -- accounts -------------------------------------------------------------------------

    def accounts(self) -> list[Account]:
        with self.store.transaction() as s:
            return [_to_account(r) for r in s.scalars(select(AccountRow).order_by(AccountRow.name))]

    def account(self, name_or_id: str) -> Account:
        with self.store.transaction() as s:
            return _to_account(self._row(s, name_or_id))

    @staticmethod
    def _row(s: Session, name_or_id: str) -> AccountRow:
        row = s.scalar(select(AccountRow).where(
            (AccountRow.name == name_or_id) | (AccountRow.id == name_or_id)))
        if row is None:
            raise NotFound(f"There is no account called {name_or_id!r} on this computer.")
        return row

    def _fresh_kdf(self) -> KdfParams:
        t = self._kdf_template
        if t is None:
            return KdfParams.fresh(memory_kib=self.policy.kdf_memory_kib,
                                   iterations=self.policy.kdf_iterations)
        return KdfParams.fresh(memory_kib=t.memory_kib, iterations=t.iterations, lanes=t.lanes)

    def create_account(self, name: str, role: Role | str, passphrase: str) -> Account:
        name = " ".join(name.split())
        if not name:
            raise InvalidInput("Give the account a name, for example your first name.")
        try:
            role = Role(role)
        except ValueError:
            raise InvalidInput("The role must be peer, coordinator or admin.") from None
        check_passphrase(passphrase, min_length=self.policy.passphrase_min_length)
        account_id, params = str(uuid.uuid4()), self._fresh_kdf()
        keys = UserKeys.generate()
        sealed = keys.seal_with_passphrase_key(derive(passphrase, params), account_id=account_id)
        public, now = keys.public(), self.clock()
        with self.store.transaction() as s:
            if s.scalar(select(AccountRow.id).where(AccountRow.name == name)):
                raise InvalidInput(f"There is already an account called {name!r} on this computer.")
            row = AccountRow(id=account_id, name=name, role=role.value, created_at=now,
                             kdf=params.to_json(), secrets=sealed,
                             receive_public=public.receive, verify_public=public.verify,
                             failed_attempts=0)
            s.add(row)
            audit.append(s, at=now, actor_id=account_id, action=audit.ACCOUNT_CREATED,
                         detail=f"role={role.value}", sign=keys.sign)
            return _to_account(row)

    def _open_keys(self, name_or_id: str, passphrase: str) -> tuple[AccountRow, UserKeys]:
        """Check the passphrase, with a growing wait after repeated failures."""
        with self.store.transaction() as s:
            row = self._row(s, name_or_id)
            now = self.clock()
            if row.retry_after and row.retry_after > now:
                raise TooManyAttempts(math.ceil((row.retry_after - now).total_seconds()))
        kek = derive(passphrase, KdfParams.from_json(row.kdf))
        try:
            keys = UserKeys.open_with_passphrase_key(kek, row.secrets, account_id=row.id)
        except WrongPassphrase:
            with self.store.transaction() as s:
                fresh = self._row(s, row.id)
                fresh.failed_attempts += 1
                extra = fresh.failed_attempts - FREE_ATTEMPTS
                if extra > 0:
                    fresh.retry_after = self.clock() + min(timedelta(seconds=5 * 2 ** (extra - 1)),
                                                           MAX_WAIT)
                audit.append(s, at=self.clock(), actor_id=row.id, action=audit.UNLOCK_FAILED)
            raise
        return row, keys

    def unlock(self, name_or_id: str, passphrase: str) -> Desk:
        """Slow on purpose (key derivation): run it off the UI thread."""
        row, keys = self._open_keys(name_or_id, passphrase)
        # If the machine policy now asks for stronger key derivation than this passphrase was
        # set with, re-seal under it while the passphrase is at hand (never weaker).
        stronger = self._stronger_kdf(KdfParams.from_json(row.kdf))
        sealed = None if stronger is None else keys.seal_with_passphrase_key(
            derive(passphrase, stronger), account_id=row.id)
        with self.store.transaction() as s:
            fresh = self._row(s, row.id)
            fresh.failed_attempts, fresh.retry_after = 0, None
            audit.append(s, at=self.clock(), actor_id=row.id, action=audit.UNLOCK, sign=keys.sign)
            if stronger is not None and sealed is not None:
                fresh.kdf, fresh.secrets = stronger.to_json(), sealed
                audit.append(s, at=self.clock(), actor_id=row.id, action=audit.PASSPHRASE_CHANGED,
                             detail="stronger key derivation (machine policy)", sign=keys.sign)
        return Desk(self, _to_account(row), keys)

    def _stronger_kdf(self, current: KdfParams) -> KdfParams | None:
        wanted = self._fresh_kdf()
        if wanted.memory_kib <= current.memory_kib and wanted.iterations <= current.iterations:
            return None
        return KdfParams.fresh(memory_kib=max(wanted.memory_kib, current.memory_kib),
                               iterations=max(wanted.iterations, current.iterations),
                               lanes=current.lanes)

    def change_passphrase(self, name_or_id: str, old: str, new: str) -> None:
        """Re-wraps the account's keys; no record is re-encrypted."""
        check_passphrase(new, min_length=self.policy.passphrase_min_length)
        row, keys = self._open_keys(name_or_id, old)
        params = self._fresh_kdf()
        sealed = keys.seal_with_passphrase_key(derive(new, params), account_id=row.id)
        with self.store.transaction() as s:
            fresh = self._row(s, row.id)
            fresh.kdf, fresh.secrets = params.to_json(), sealed
            fresh.failed_attempts, fresh.retry_after = 0, None
            audit.append(s, at=self.clock(), actor_id=row.id, action=audit.PASSPHRASE_CHANGED,
                         sign=keys.sign)

    def verify_audit(self) -> list[str]:
        with self.store.transaction() as s:
            keys = {r.id: r.verify_public for r in s.scalars(select(AccountRow))}
            return audit.verify_chain(s, keys)
