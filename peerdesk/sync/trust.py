"""Who belongs to the team: the share's manifest (pinned admin key) and the admin-signed
accounts. Needs no user keys, so a new device can enrol with only a passphrase."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerdesk.crypto.keys import UserKeys
from peerdesk.domain import Role
from peerdesk.errors import EnvironmentProblem, IntegrityProblem
from peerdesk.store.db import Store
from peerdesk.store.models import (
    AccountRow,
    ProblemRow,
    Setting,
)
from peerdesk.sync import format as fmt
from peerdesk.sync.share import (
    Entry,
    FileTooLarge,
    Share,
    ShareUnavailable,
    safe_name,
)


class NotATeamShare(EnvironmentProblem):
    pass


class AdminKeyChanged(IntegrityProblem):
    pass


@dataclass
class RunResult:
    pulled: int = 0
    pushed: int = 0
    conflicts: int = 0
    quarantined: int = 0
    accounts_added: int = 0
    problems: list[str] = field(default_factory=list)
    fingerprint: str | None = None
    new_fingerprint: bool = False


@dataclass(frozen=True)
class Manifest:
    team_id: str
    name: str
    admin_id: str
    admin_key: bytes

    @property
    def fingerprint(self) -> str:
        return fmt.fingerprint(self.admin_key)


def setting(s: Session, key: str) -> str | None:
    row = s.get(Setting, key)
    return row.value if row else None


def put(s: Session, key: str, value: str) -> None:
    s.merge(Setting(key=key, value=value))


def iso(at: datetime) -> str:
    return at.isoformat()


def parse_time(text: Any) -> datetime:
    try:
        return datetime.fromisoformat(fmt.field({"x": text}, "x", str))
    except ValueError:
        raise fmt.Tampered("a time in it is damaged") from None


def ident(obj: dict[str, Any], name: str) -> str:
    value = fmt.field(obj, name, str)
    if not 0 < len(value) <= 36:
        raise fmt.Tampered(f"its field {name!r} is not an id")
    return str(value)


# -- the manifest and accounts (no keys needed: enrolment uses these) ---------------------------

def read_manifest(share: Share) -> Manifest:
    share.check()
    try:
        data = share.read(fmt.MANIFEST, max_size=fmt.MAX_SMALL_FILE)
    except ShareUnavailable:
        share.check()  # gone altogether: that is "not reachable", not "not a team share"
        raise NotATeamShare(f"{share.describe()} is not a PeerDesk team share (or it is not "
                            "mounted). Nothing was changed. An administrator creates one with: "
                            "peerdesk share init LOCATION") from None
    except FileTooLarge:
        raise fmt.Tampered("The team share's manifest is far too large to be genuine.") from None
    try:
        signed, sig = fmt.parse_doc(data, "share")
        key = fmt.unb64(signed.get("admin_key"))
        fmt.check_signature("share", signed, sig, key)
        return Manifest(ident(signed, "team"), fmt.field(signed, "name", str),
                        ident(signed, "admin"), key)
    except fmt.Tampered as exc:
        raise fmt.Tampered(f"The team share's manifest failed its checks: {exc}.") from None


def write_manifest(share: Share, *, team_id: str, name: str, admin_id: str, keys: UserKeys,
                   now: datetime) -> Manifest:
    public = keys.public().verify
    share.write(fmt.MANIFEST, fmt.seal_doc("share", {
        "team": team_id, "name": name, "admin": admin_id, "admin_key": fmt.b64(public),
        "created": iso(now)}, keys.sign))
    return Manifest(team_id, name, admin_id, public)


def pin_manifest(s: Session, manifest: Manifest, result: RunResult) -> None:
    """Trust on first use, shown for checking: the admin key never changes silently after."""
    pinned = setting(s, "share_admin_key")
    team = setting(s, "share_team_id")
    if pinned is None:
        put(s, "share_admin_key", manifest.admin_key.hex())
        put(s, "share_team_id", manifest.team_id)
        result.new_fingerprint = True
    elif pinned != manifest.admin_key.hex() or team != manifest.team_id:
        raise AdminKeyChanged(
            "The team share's administrator key is not the one this computer trusts. Someone "
            "may have replaced the share's files; nothing was synced. Tell your administrator.")
    result.fingerprint = manifest.fingerprint


def account_doc(row: AccountRow, team_id: str, sign: Callable[[bytes], bytes],
                now: datetime) -> bytes:
    return fmt.seal_doc("account", {
        "team": team_id, "id": row.id, "name": row.name, "role": row.role,
        "created": iso(row.created_at), "kdf": row.kdf, "secrets": fmt.b64(row.secrets),
        "receive_public": fmt.b64(row.receive_public),
        "verify_public": fmt.b64(row.verify_public), "issued": iso(now)}, sign)


class Reporter:
    """Problems are written down so each is reported once, not at every sync."""

    def __init__(self, store: Store, result: RunResult, clock: Callable[[], datetime]) -> None:
        self.store, self.result, self.clock = store, result, clock

    def once(self, key: str, message: str) -> bool:
        with self.store.transaction() as s:
            if s.get(ProblemRow, key[:300]) is not None:
                return False
            s.add(ProblemRow(key=key[:300], message=message, at=self.clock()))
        self.result.problems.append(message)
        return True


def sync_accounts(store: Store, share: Share, manifest: Manifest, reporter: Reporter,
                  *, quarantine: Callable[[str, str, str, int], None]) -> int:
    """Bring in every account the admin signed; refuse the rest. Returns how many are new."""
    added = 0
    with store.transaction() as s:
        seen: dict[str, int] = json.loads(setting(s, "share_accounts_seen") or "{}")
        issued_at: dict[str, str] = json.loads(setting(s, "share_accounts_issued") or "{}")
    for e in share.list(fmt.ACCOUNTS):
        if e.is_temp:
            continue
        match = fmt.ACCOUNT_NAME.match(e.name)
        if not match or e.kind != "file":
            odd_entry(reporter, quarantine, fmt.ACCOUNTS, e)
            continue
        if seen.get(e.name) == e.size:
            continue
        if e.size > fmt.MAX_SMALL_FILE:
            quarantine(fmt.ACCOUNTS, e.name, "it is far too large to be an account", e.size)
            continue
        try:
            data = share.read(f"{fmt.ACCOUNTS}/{e.name}", max_size=fmt.MAX_SMALL_FILE)
            signed, sig = fmt.parse_doc(data, "account")
            fmt.check_signature("account", signed, sig, manifest.admin_key)
            if ident(signed, "id") != match.group(1) or signed.get("team") != manifest.team_id:
                raise fmt.Tampered("its name or team does not match its content")
            role = fmt.field(signed, "role", str)
            if role not in {r.value for r in Role}:
                raise fmt.Tampered("its role is unknown")
            issued = fmt.field(signed, "issued", str)
            if issued < issued_at.get(match.group(1), ""):
                # Genuine but older than one already seen: an old copy put back.
                reporter.once(f"account-rollback:{e.name}:{issued}",
                              f"An older copy of an account was put back on the team share "
                              f"({fmt.ACCOUNTS}/{e.name}); it was ignored.")
                continue
            issued_at[match.group(1)] = issued
            added += _import_account(store, signed, role, reporter)
        except FileTooLarge:
            quarantine(fmt.ACCOUNTS, e.name, "it is far too large to be an account", e.size)
            continue
        except fmt.Tampered as exc:
            quarantine(fmt.ACCOUNTS, e.name,
                       f"{exc} — it was not signed by this team's administrator", e.size)
            continue
        seen[e.name] = e.size
    with store.transaction() as s:
        put(s, "share_accounts_seen", json.dumps(seen, sort_keys=True))
        put(s, "share_accounts_issued", json.dumps(issued_at, sort_keys=True))
    return added


def _import_account(store: Store, signed: dict[str, Any], role: str, reporter: Reporter) -> int:
    account_id, name = ident(signed, "id"), fmt.field(signed, "name", str)
    with store.transaction() as s:
        row = s.get(AccountRow, account_id)
        if row is not None:
            # Role and name follow the admin. Keys never: a passphrase changed on this
            # computer must keep working.
            row.role = role
            return 0
        if s.scalar(select(AccountRow.id).where(AccountRow.name == name)):
            reporter.once(f"account-name:{account_id}",
                          f"The team share has an account called {name!r}, and this computer "
                          "has a different one with that name; the share's was not added.")
            return 0
        s.add(AccountRow(
            id=account_id, name=name, role=role, created_at=parse_time(signed.get("created")),
            kdf=fmt.field(signed, "kdf", str), secrets=fmt.unb64(signed.get("secrets")),
            receive_public=fmt.unb64(signed.get("receive_public")),
            verify_public=fmt.unb64(signed.get("verify_public")), failed_attempts=0))
    return 1


def odd_entry(reporter: Reporter, quarantine: Callable[[str, str, str, int], None],
               folder: str, e: Entry) -> None:
    if safe_name(e.name):
        quarantine(folder, e.name, "it is not a file PeerDesk writes", e.size)
    else:
        # Never used as a path: not read, not moved, only named (shortened, made printable).
        shown = e.name.encode("unicode_escape").decode("ascii")[:60]
        reporter.once(f"unsafe:{folder}/{e.name}",
                      f"A file with an unsafe name ({shown!r}) in the team share's {folder} "
                      "folder was ignored. Tell your administrator.")


