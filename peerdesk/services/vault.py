"""The data folder on this device: accounts, unlocking, passphrases."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, insert, select, update

from peerdesk import audit, dates
from peerdesk.clock import Clock, utcnow
from peerdesk.config import Policy, load_policy
from peerdesk.crypto.kdf import KdfParams, derive
from peerdesk.crypto.keys import UserKeys
from peerdesk.domain import Account, Role
from peerdesk.errors import (
    DiskFull,
    IntegrityProblem,
    InvalidInput,
    NotAllowed,
    NotFound,
    TooManyAttempts,
    WrongPassphrase,
)
from peerdesk.lanes import INLINE, Lanes
from peerdesk.store import settings
from peerdesk.store.db import CANT_SAVE, DB_NAME, Store
from peerdesk.store.models import AccountRow, table
from peerdesk.sync import certs, keyfiles

PASSPHRASE_MIN_LENGTH = 12
# No policy sets a shorter minimum than this; and zxcvbn's score 3 (about 10^8 guesses).
PASSPHRASE_FLOOR, PASSPHRASE_MIN_SCORE = 12, 3
ZXCVBN_MAX = 72
SHARE_KDF_MEMORY_FACTOR = 4
FREE_ATTEMPTS = 3
MAX_WAIT = timedelta(minutes=5)


def check_passphrase(passphrase: str, *, min_length: int = PASSPHRASE_MIN_LENGTH,
                     hints: tuple[str, ...] = ()) -> None:
    """Long enough (never under 12, whatever the policy says) and not easy to guess: zxcvbn
    must estimate at least 10^8 guesses (its score 3), counting ``hints`` (the person's name,
    the team's) as known to whoever guesses."""
    min_length = max(min_length, PASSPHRASE_FLOOR)
    if len(passphrase.strip()) < min_length:
        raise InvalidInput(
            f"Choose a passphrase of at least {min_length} characters. Three or four "
            "unrelated words are easy to remember and hard to guess."
        )
    from zxcvbn import zxcvbn  # its word lists take a moment to load: only when needed

    # zxcvbn refuses more than 72 characters (and its time grows with length): it judges the
    # first 72, and what follows only adds strength.
    found = zxcvbn(passphrase[:ZXCVBN_MAX], user_inputs=[h for h in hints if h])
    if found["score"] < PASSPHRASE_MIN_SCORE:
        warning = found["feedback"].get("warning") or "It follows a common pattern"
        raise InvalidInput(
            f"That passphrase would be easy to guess ({warning.rstrip('.').lower()}). Three "
            "or four unrelated words, not a saying or a name, are easy to remember and hard "
            "to guess."
        )


@dataclass(frozen=True)
class Unlocked:
    """What an unlock opened: the account and its keys, for a ``Desk`` to hold."""

    account: Account
    keys: UserKeys


@dataclass(frozen=True)
class Attempt:
    """An unlock under way: the account, and what its passphrase must open. Opening is the
    slow part (key derivation) and touches no database, so the app runs it off the database
    lane."""

    account: Account
    kdf: KdfParams
    secrets: bytes

    def open(self, passphrase: str) -> UserKeys:
        """Raises WrongPassphrase."""
        return UserKeys.open_with_passphrase_key(derive(passphrase, self.kdf), self.secrets,
                                                 account_id=self.account.id)


_ACCOUNTS = table(AccountRow)
_A = _ACCOUNTS.c


def _find(conn: Connection, name_or_id: str) -> Any:
    """The account's row: every column of the accounts table, by name."""
    row = conn.execute(select(_ACCOUNTS).where((_A.name == name_or_id) | (_A.id == name_or_id))
                       ).first()
    if row is None:
        raise NotFound(f"There is no account called {name_or_id!r} on this computer.")
    return row


def data_folder_exists(data_dir: Path) -> bool:
    """Whether data_dir holds a PeerDesk store (opening a Vault makes one where there is none)."""
    return (data_dir / DB_NAME).is_file()


def _certify_new(conn: Connection, account_id: str, role: Role, keys: UserKeys,
                 now: datetime) -> str:
    """A new account's certificate, or none: on a computer with an administrator it waits for
    one to approve it (pending). The first administrator on a computer without one becomes its
    anchor; with no administrator at all, an account certifies itself."""
    if certs.anchor(conn) is not None:
        return certs.PENDING
    if role is Role.ADMIN:
        _become_anchor(conn, account_id, keys, now)
    else:
        certs.certify(conn, account_id, role=role, status=certs.ACTIVE, team_id="",
                      issuer_id=account_id, sign=keys.sign, now=now)
    return certs.ACTIVE


def _become_anchor(conn: Connection, account_id: str, keys: UserKeys, now: datetime) -> None:
    """The first administrator on a computer that had none: her key becomes the team's
    anchor, and she certifies the accounts already here as they were (each as it certified
    itself, or as its columns say for one from before certificates): until now nobody here
    could say otherwise."""
    adopted = [(i, s.account.role) for i, s in certs.standings(conn).items()
               if s.account.active and i != account_id]
    adopted += [(i, Role(r)) for i, r, c in conn.execute(select(_A.id, _A.role, _A.certificate))
                if c is None and i != account_id and r in {x.value for x in Role}]
    team = certs.Anchor(str(uuid.uuid4()), keys.public().verify)
    certs.set_anchor(conn, team)
    for i, r in [(account_id, Role.ADMIN), *adopted]:
        certs.certify(conn, i, role=r, status=certs.ACTIVE, team_id=team.team_id,
                      issuer_id=account_id, sign=keys.sign, now=now)


def _certify_earlier(conn: Connection, account_id: str, keys: UserKeys, now: datetime) -> None:
    """An account from before certificates, at its first unlock since: with no administrator
    here it certifies itself as it was (an administrator becomes the anchor, as when one is
    made); the anchor's own account certifies itself. Any other waits for its certificate
    from the team share, or for an administrator here to approve it."""
    found = certs.anchor(conn)
    role = Role(str(conn.scalar(select(_A.role).where(_A.id == account_id))))
    if found is None and role is Role.ADMIN:
        _become_anchor(conn, account_id, keys, now)
    elif found is None:
        certs.certify(conn, account_id, role=role, status=certs.ACTIVE, team_id="",
                      issuer_id=account_id, sign=keys.sign, now=now)
    elif found.key == keys.public().verify and role is Role.ADMIN:
        certs.certify(conn, account_id, role=role, status=certs.ACTIVE, team_id=found.team_id,
                      issuer_id=account_id, sign=keys.sign, now=now)


class Vault:
    """An open data folder. Only one process at a time may hold it."""

    def __init__(self, data_dir: Path, *, clock: Clock = utcnow,
                 kdf_params: KdfParams | None = None, policy: Policy | None = None) -> None:
        # The machine policy is read here, so every client gets it and none can weaken it.
        self.policy = load_policy() if policy is None else policy
        dates.use_zone(self.policy.time_zone)
        self.store = Store(data_dir)
        audit.resume_late(self.store)  # kept by a run that closed on a full disk
        self.clock = clock
        # None means the policy's strength; tests of other things may lower it.
        self._kdf_template = kdf_params
        with self.store.begin() as conn:
            found = settings.get(conn, "device_id")
            if found is None:
                found = str(uuid.uuid4())
                settings.put(conn, "device_id", found)
            self.device_id: str = found

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object | TracebackType) -> None:
        self.close()

    def close(self) -> None:
        self.store.close()

    @property
    def cannot_save(self) -> str | None:
        """Why nothing can be saved right now (a full disk, a read-only folder), as the
        sentence to show; None when saving works. Reading works either way."""
        if self.store.read_only is None and self.store.pending:
            self.store.flush_pending()
        if self.store.read_only is not None:
            return self.store.read_only
        if self.store.pending:
            return (f"{CANT_SAVE}the disk is full. You can read; what you open is recorded "
                    "when there is room again.")
        return None

    # -- device settings ------------------------------------------------------------------

    @property
    def team(self) -> str | None:
        if self.policy.team:
            return self.policy.team
        with self.store.begin() as conn:
            return settings.get(conn, "team")

    def set_team(self, name: str) -> None:
        if not name.strip():
            raise InvalidInput("The team name cannot be empty.")
        if self.policy.team:
            if name.strip() == self.policy.team:
                return
            raise NotAllowed(f"This computer's team is set by the trust ({self.policy.team}) "
                             "and cannot be changed here.")
        with self.store.begin() as conn:
            settings.put(conn, "team", name.strip())

    # -- accounts -------------------------------------------------------------------------

    def accounts(self) -> list[Account]:
        """Everyone on this computer, each with the role and status her certificate gives."""
        with self.store.begin() as conn:
            return sorted((s.account for s in certs.standings(conn).values()),
                          key=lambda a: a.name)

    def account(self, name_or_id: str) -> Account:
        with self.store.begin() as conn:
            return certs.standings(conn)[_find(conn, name_or_id).id].account

    def account_problems(self) -> list[str]:
        """One sentence per account whose columns were changed outside PeerDesk."""
        with self.store.begin() as conn:
            return certs.problems(conn)

    def public_keys(self) -> dict[str, bytes]:
        """Every account's signature-checking key, by account id."""
        with self.store.begin() as conn:
            return {i: k for i, k in conn.execute(select(_A.id, _A.verify_public))}

    def _fresh_kdf(self) -> KdfParams:
        t = self._kdf_template
        if t is None:
            return KdfParams.fresh(memory_kib=self.policy.kdf_memory_kib,
                                   iterations=self.policy.kdf_iterations)
        return KdfParams.fresh(memory_kib=t.memory_kib, iterations=t.iterations, lanes=t.lanes)

    def _share_kdf(self) -> KdfParams:
        """For the copy of an account's secrets on the team share, which anyone who can
        browse the share could try passphrases against offline: four times the memory of
        this computer's own copy (up to 1 GiB) and one pass more."""
        local = self._fresh_kdf()
        return KdfParams.fresh(memory_kib=min(local.memory_kib * SHARE_KDF_MEMORY_FACTOR,
                                              keyfiles.MAX_MEMORY_KIB),
                               iterations=local.iterations + 1, lanes=local.lanes)

    def _share_copy(self, keys: UserKeys, account_id: str, passphrase: str, serial: int,
                    now: datetime) -> bytes:
        """The account's sealed keys for the team share, signed by the account (slow)."""
        params = self._share_kdf()
        return keyfiles.build(
            account_id=account_id, kdf=params, serial=serial, now=now, sign=keys.sign,
            secrets=keys.seal_with_passphrase_key(derive(passphrase, params),
                                                  account_id=account_id))

    def create_account(self, name: str, role: Role | str, passphrase: str, *,
                       lanes: Lanes = INLINE) -> Account:
        """Slow on purpose (key derivation, on the calling thread); the account is written on
        the database lane."""
        name = " ".join(name.split())
        if not name:
            raise InvalidInput("Give the account a name, for example your first name.")
        try:
            role = Role(role)
        except ValueError:
            raise InvalidInput("The role must be peer, coordinator or admin.") from None
        check_passphrase(passphrase, min_length=self.policy.passphrase_min_length,
                         hints=(name, self.policy.team or ""))
        account_id, params = str(uuid.uuid4()), self._fresh_kdf()
        keys = UserKeys.generate()
        sealed = keys.seal_with_passphrase_key(derive(passphrase, params), account_id=account_id)
        public, now = keys.public(), self.clock()
        share_copy = self._share_copy(keys, account_id, passphrase, 1, now)

        def write() -> Account:
            with self.store.begin() as conn:
                if conn.scalar(select(_A.id).where(_A.name == name)):
                    raise InvalidInput(f"There is already an account called {name!r} on this "
                                       "computer.")
                conn.execute(insert(_ACCOUNTS).values(
                    id=account_id, name=name, role=role.value, created_at=now,
                    kdf=params.to_json(), secrets=sealed, receive_public=public.receive,
                    verify_public=public.verify, failed_attempts=0, keys_doc=share_copy))
                status = _certify_new(conn, account_id, role, keys, now)
                audit.append(conn, at=now, actor_id=account_id, action=audit.ACCOUNT_CREATED,
                             detail=f"role={role.value}; status={status}", sign=keys.sign)
            return Account(account_id, name, role if status == certs.ACTIVE else Role.PEER, now,
                           status)
        return lanes.db(write)

    # -- unlocking ------------------------------------------------------------------------

    def begin_unlock(self, name_or_id: str) -> Attempt:
        """The account to open, unless it must wait after repeated wrong passphrases."""
        with self.store.begin() as conn:
            row = _find(conn, name_or_id)
        now = self.clock()
        if row.retry_after and row.retry_after > now:
            raise TooManyAttempts(math.ceil((row.retry_after - now).total_seconds()))
        with self.store.begin() as conn:
            standing = certs.standings(conn)[row.id]
        if standing.problem:
            raise IntegrityProblem(standing.problem)
        if standing.account.status == certs.REMOVED:
            raise NotAllowed(f"{row.name}'s account was removed from the team by an "
                             "administrator, so it cannot be used on this computer.")
        return Attempt(standing.account, KdfParams.from_json(row.kdf), row.secrets)

    def failed_unlock(self, attempt: Attempt) -> None:
        """A wrong passphrase: counted, with a growing wait after the first few."""
        with self.store.begin() as conn:
            failed = _find(conn, attempt.account.id).failed_attempts + 1
            extra = failed - FREE_ATTEMPTS
            wait = min(timedelta(seconds=5 * 2 ** (extra - 1)), MAX_WAIT) if extra > 0 else None
            conn.execute(update(_ACCOUNTS).where(_A.id == attempt.account.id).values(
                failed_attempts=failed,
                **({"retry_after": self.clock() + wait} if wait is not None else {})))
            audit.append(conn, at=self.clock(), actor_id=attempt.account.id,
                         action=audit.UNLOCK_FAILED)

    def open_keys(self, attempt: Attempt, passphrase: str, *, lanes: Lanes = INLINE) -> UserKeys:
        """The slow part, on the calling thread; a wrong passphrase is counted (on the
        database lane) and raised."""
        try:
            return attempt.open(passphrase)
        except WrongPassphrase:
            lanes.db(lambda: self.failed_unlock(attempt))
            raise

    def reseal(self, attempt: Attempt, keys: UserKeys,
               passphrase: str) -> tuple[KdfParams, bytes] | None:
        """If the machine policy now asks for stronger key derivation than this passphrase was
        set with, the secrets sealed under it (slow), while the passphrase is at hand; never
        weaker. None if nothing needs to change."""
        stronger = self._stronger_kdf(attempt.kdf)
        if stronger is None:
            return None
        return stronger, keys.seal_with_passphrase_key(derive(passphrase, stronger),
                                                       account_id=attempt.account.id)

    def finish_unlock(self, attempt: Attempt, keys: UserKeys,
                      resealed: tuple[KdfParams, bytes] | None = None) -> Unlocked:
        self.store.flush_pending()  # what waited for room goes first, if there is room now
        try:
            return self._finish_unlock(attempt, keys, resealed)
        except DiskFull:
            # A full disk or a read-only folder: she signs in and reads all the same; the
            # entry waits (and stronger key derivation, and her certificate, wait for a
            # sign-in that can save).
            account_id = attempt.account.id
            self.store.write_or_queue(audit.written_late(
                at=self.clock(), actor_id=account_id, action=audit.UNLOCK))
            with self.store.begin() as conn:
                account = certs.standings(conn)[account_id].account
            return Unlocked(account, keys)

    def _finish_unlock(self, attempt: Attempt, keys: UserKeys,
                       resealed: tuple[KdfParams, bytes] | None) -> Unlocked:
        account_id = attempt.account.id
        with self.store.begin() as conn:
            values: dict[str, object] = {"failed_attempts": 0, "retry_after": None}
            if resealed is not None:
                values |= {"kdf": resealed[0].to_json(), "secrets": resealed[1]}
            conn.execute(update(_ACCOUNTS).where(_A.id == account_id).values(**values))
            audit.append(conn, at=self.clock(), actor_id=account_id, action=audit.UNLOCK,
                         sign=keys.sign)
            if resealed is not None:
                audit.append(conn, at=self.clock(), actor_id=account_id,
                             action=audit.PASSPHRASE_CHANGED,
                             detail="stronger key derivation (machine policy)", sign=keys.sign)
            if conn.scalar(select(_A.certificate).where(_A.id == account_id)) is None:
                _certify_earlier(conn, account_id, keys, self.clock())
            account = certs.standings(conn)[account_id].account
        return Unlocked(account, keys)

    def unlock(self, name_or_id: str, passphrase: str, *, lanes: Lanes = INLINE) -> Unlocked:
        """Slow on purpose (key derivation): run it off the UI thread, and off the database
        lane (its database steps go there through ``lanes``)."""
        attempt = lanes.db(lambda: self.begin_unlock(name_or_id))
        keys = self.open_keys(attempt, passphrase, lanes=lanes)
        resealed = self.reseal(attempt, keys, passphrase)
        return lanes.db(lambda: self.finish_unlock(attempt, keys, resealed))

    def _stronger_kdf(self, current: KdfParams) -> KdfParams | None:
        wanted = self._fresh_kdf()
        if wanted.memory_kib <= current.memory_kib and wanted.iterations <= current.iterations:
            return None
        return KdfParams.fresh(memory_kib=max(wanted.memory_kib, current.memory_kib),
                               iterations=max(wanted.iterations, current.iterations),
                               lanes=current.lanes)

    def change_passphrase(self, name_or_id: str, old: str, new: str, *,
                          lanes: Lanes = INLINE) -> None:
        """Re-wraps the account's keys; no record is re-encrypted. The share's copy is sealed
        again and signed (a new serial): her next sync publishes it, her other devices take
        it at their next, and the old passphrase no longer enrols a new one."""
        check_passphrase(new, min_length=self.policy.passphrase_min_length,
                         hints=(name_or_id,))
        attempt = lanes.db(lambda: self.begin_unlock(name_or_id))
        keys = self.open_keys(attempt, old, lanes=lanes)
        params = self._fresh_kdf()
        sealed = keys.seal_with_passphrase_key(derive(new, params), account_id=attempt.account.id)
        held = lanes.db(lambda: self._keys_doc(attempt.account.id))
        share_copy = self._share_copy(keys, attempt.account.id, new,
                                      (held.serial if held else 0) + 1, self.clock())

        def write() -> None:
            with self.store.begin() as conn:
                conn.execute(update(_ACCOUNTS).where(_A.id == attempt.account.id).values(
                    kdf=params.to_json(), secrets=sealed, failed_attempts=0, retry_after=None,
                    keys_doc=share_copy))
                audit.append(conn, at=self.clock(), actor_id=attempt.account.id,
                             action=audit.PASSPHRASE_CHANGED, sign=keys.sign)
        lanes.db(write)

    def _keys_doc(self, account_id: str) -> keyfiles.SealedKeys | None:
        with self.store.begin() as conn:
            return keyfiles.read(conn.scalar(select(_A.keys_doc).where(_A.id == account_id)))

    def verify_audit(self) -> list[str]:
        """The audit chain's problems, and every account changed outside PeerDesk (whose
        entries would otherwise be read with the wrong role or key)."""
        with self.store.transaction() as s:
            conn = s.connection()
            keys = {i: st.cert.verify_public for i, st in certs.standings(conn).items()
                    if st.cert is not None and not st.problem}
            keys |= {i: k for i, k in conn.execute(select(_A.id, _A.verify_public))
                     if i not in keys}
            return certs.problems(conn) + audit.verify_chain(s, keys)
