"""Who belongs to the team: the share's manifest (pinned admin key) and the admin-signed
accounts. Needs no user keys, so a new device can enrol with only a passphrase."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import Connection, insert, select, update

from peerdesk.crypto.keys import UserKeys
from peerdesk.domain import Role
from peerdesk.errors import EnvironmentProblem, IntegrityProblem
from peerdesk.store import settings
from peerdesk.store.models import AccountRow, table
from peerdesk.sync import format as fmt
from peerdesk.sync import state
from peerdesk.sync.changes import ident, iso, parse_time
from peerdesk.sync.run import Run, RunResult
from peerdesk.sync.share import FileTooLarge, Share, ShareUnavailable
from peerdesk.sync.state import AccountFiles

_ACCOUNTS = table(AccountRow)
_A = _ACCOUNTS.c


class NotATeamShare(EnvironmentProblem):
    pass


class AdminKeyChanged(IntegrityProblem):
    pass


@dataclass(frozen=True)
class Manifest:
    team_id: str
    name: str
    admin_id: str
    admin_key: bytes

    @property
    def fingerprint(self) -> str:
        return fmt.fingerprint(self.admin_key)


# -- the manifest ---------------------------------------------------------------------------------

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
        signed, sig = fmt.boundary(lambda: fmt.parse_doc(data, "share"))
    except fmt.NewerFormat:
        raise NotATeamShare(f"{fmt.NEWER_ADVICE} The team share at {share.describe()} was set "
                            "up by a newer PeerDesk, so this computer cannot sync with it. "
                            "Nothing was changed.") from None
    except fmt.Tampered as exc:
        raise fmt.Tampered(f"The team share's manifest failed its checks: {exc}.") from None
    try:
        return fmt.boundary(lambda: _checked_manifest(signed, sig))
    except fmt.Tampered as exc:
        raise fmt.Tampered(f"The team share's manifest failed its checks: {exc}.") from None


def _checked_manifest(signed: dict[str, Any], sig: bytes) -> Manifest:
    key = fmt.unb64(signed.get("admin_key"))
    fmt.check_signature("share", signed, sig, key)
    return Manifest(ident(signed, "team"), fmt.field(signed, "name", str),
                    ident(signed, "admin"), key)


def write_manifest(share: Share, *, team_id: str, name: str, admin_id: str, keys: UserKeys,
                   now: datetime) -> Manifest:
    public = keys.public().verify
    share.write(fmt.MANIFEST, fmt.seal_doc("share", {
        "team": team_id, "name": name, "admin": admin_id, "admin_key": fmt.b64(public),
        "created": iso(now)}, keys.sign))
    return Manifest(team_id, name, admin_id, public)


def pin_manifest(conn: Connection, manifest: Manifest, result: RunResult) -> None:
    """Trust on first use, shown for checking: the admin key never changes silently after."""
    pinned = settings.get(conn, "share_admin_key")
    team = settings.get(conn, "share_team_id")
    if pinned is None:
        settings.put(conn, "share_admin_key", manifest.admin_key.hex())
        settings.put(conn, "share_team_id", manifest.team_id)
        result.new_fingerprint = True
    elif pinned != manifest.admin_key.hex() or team != manifest.team_id:
        raise AdminKeyChanged(
            "The team share's administrator key is not the one this computer trusts. Someone "
            "may have replaced the share's files; nothing was synced. Tell your administrator.")
    result.fingerprint = manifest.fingerprint


# -- accounts ---------------------------------------------------------------------------------------

def account_doc(row: Any, team_id: str, sign: Callable[[bytes], bytes], now: datetime) -> bytes:
    """An account as the admin publishes it (``row``: the account's columns by name)."""
    return fmt.seal_doc("account", {
        "team": team_id, "id": row.id, "name": row.name, "role": row.role,
        "created": iso(row.created_at), "kdf": row.kdf, "secrets": fmt.b64(row.secrets),
        "receive_public": fmt.b64(row.receive_public),
        "verify_public": fmt.b64(row.verify_public), "issued": iso(now)}, sign)


def sync_accounts(run: Run, manifest: Manifest) -> int:
    """Bring in every account the admin signed; refuse the rest. Returns how many are new.
    Files are read and checked off the database lane; each import is a step on it."""
    files = run.db(AccountFiles.load)
    added = 0
    for e in run.share.list(fmt.ACCOUNTS):
        if e.is_temp:
            continue
        match = fmt.ACCOUNT_NAME.fullmatch(e.name)
        if not match or e.kind != "file":
            run.odd_entry(fmt.ACCOUNTS, e)
            continue
        if files.sizes.get(e.name) == e.size:
            continue
        if e.size > fmt.MAX_SMALL_FILE:
            run.quarantine(fmt.ACCOUNTS, e.name, "it is far too large to be an account", e.size)
            continue
        try:
            signed, role = _verified_account(run.share, e.name, match.group(1), manifest)
            issued = fmt.field(signed, "issued", str)
            if issued < files.issued.get(match.group(1), ""):
                # Genuine but older than one already seen: an old copy put back.
                run.report(f"account-rollback:{e.name}:{issued}",
                           f"An older copy of an account was put back on the team share "
                           f"({fmt.ACCOUNTS}/{e.name}); it was ignored.")
                continue
            files.issued[match.group(1)] = issued
            added += run.db(partial(_import_account, run, signed=signed, role=role))
        except FileTooLarge:
            run.quarantine(fmt.ACCOUNTS, e.name, "it is far too large to be an account", e.size)
            continue
        except fmt.NewerFormat as exc:
            run.newer(fmt.ACCOUNTS, e.name, exc)
            continue
        except fmt.Tampered as exc:
            run.quarantine(fmt.ACCOUNTS, e.name,
                           f"{exc} — it was not signed by this team's administrator", e.size)
            continue
        files.sizes[e.name] = e.size
    run.db(files.save)
    return added


def _verified_account(share: Share, name: str, account_id: str,
                      manifest: Manifest) -> tuple[dict[str, Any], str]:
    data = share.read(f"{fmt.ACCOUNTS}/{name}", max_size=fmt.MAX_SMALL_FILE)
    return fmt.boundary(lambda: _checked_account(data, account_id, manifest))


def _checked_account(data: bytes, account_id: str,
                     manifest: Manifest) -> tuple[dict[str, Any], str]:
    signed, sig = fmt.parse_doc(data, "account")
    fmt.check_signature("account", signed, sig, manifest.admin_key)
    if ident(signed, "id") != account_id or signed.get("team") != manifest.team_id:
        raise fmt.Tampered("its name or team does not match its content")
    role = fmt.field(signed, "role", str)
    if role not in {r.value for r in Role}:
        raise fmt.Tampered("its role is unknown")
    return signed, role


def _import_account(run: Run, conn: Connection, *, signed: dict[str, Any], role: str) -> int:
    account_id, name = ident(signed, "id"), fmt.field(signed, "name", str)
    if conn.scalar(select(_A.id).where(_A.id == account_id)) is not None:
        # Role and name follow the admin. Keys never: a passphrase changed on this
        # computer must keep working.
        conn.execute(update(_ACCOUNTS).where(_A.id == account_id).values(role=role))
        return 0
    if conn.scalar(select(_A.id).where(_A.name == name)):
        if state.first_report(conn, f"account-name:{account_id}", message := (
                f"The team share has an account called {name!r}, and this computer has a "
                "different one with that name; the share's was not added."), at=run.clock()):
            run.result.problems.append(message)
        return 0
    conn.execute(insert(_ACCOUNTS).values(
        id=account_id, name=name, role=role, created_at=parse_time(signed.get("created")),
        kdf=fmt.field(signed, "kdf", str), secrets=fmt.unb64(signed.get("secrets")),
        receive_public=fmt.unb64(signed.get("receive_public")),
        verify_public=fmt.unb64(signed.get("verify_public")), failed_attempts=0))
    return 1
