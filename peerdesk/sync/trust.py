"""Who belongs to the team: the share's manifest (pinned admin key) and the admin-signed
accounts. Needs no user keys, so a new device can enrol with only a passphrase."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import Connection, insert, select, update

from peerdesk.crypto.keys import UserKeys
from peerdesk.errors import EnvironmentProblem, IntegrityProblem
from peerdesk.store import settings
from peerdesk.store.models import AccountRow, table
from peerdesk.sync import certs, keyfiles, state
from peerdesk.sync import format as fmt
from peerdesk.sync.changes import ident, iso
from peerdesk.sync.run import Run, RunResult
from peerdesk.sync.share import Entry, FileTooLarge, Share, ShareUnavailable
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


# -- accounts ---------------------------------------------------------------------------------

def sync_accounts(run: Run, manifest: Manifest) -> int:
    """Bring in every account certificate an administrator of this team signed that is newer
    than the one held here; refuse the rest. Returns how many accounts are new here. Files
    are read and checked off the database lane; the import is one step on it."""
    files = run.db(AccountFiles.load)
    certified = run.db(lambda conn: {i for i, c in conn.execute(select(_A.id, _A.certificate))
                                     if c is not None})
    found: list[tuple[Entry, certs.Cert]] = []
    for e in run.share.list(fmt.ACCOUNTS):
        if e.is_temp:
            continue
        match = fmt.ACCOUNT_NAME.fullmatch(e.name)
        if not match or e.kind != "file":
            run.odd_entry(fmt.ACCOUNTS, e)
            continue
        if files.sizes.get(e.name) == e.size and match.group(1) in certified:
            continue
        cert = _read(run, e, match.group(1), manifest)
        if cert is not None:
            found.append((e, cert))
    anchor = certs.Anchor(manifest.team_id, manifest.admin_key)
    verdicts = run.db(partial(_judge, found=[c for _, c in found], anchor=anchor))
    added = 0
    take: list[certs.Cert] = []
    for e, cert in found:
        verdict = verdicts[cert.id]
        if verdict == "older":
            # Genuine but older than the one held: an old copy put back.
            run.report(f"account-rollback:{e.name}:{cert.issued}",
                       f"An older copy of an account was put back on the team share "
                       f"({fmt.ACCOUNTS}/{e.name}); it was ignored.")
        elif verdict is not None:
            run.quarantine(fmt.ACCOUNTS, e.name,
                           f"{verdict} — it was not signed by this team's administrator", e.size)
            continue
        else:
            take.append(cert)
        files.sizes[e.name] = e.size
    for cert in take:
        added += run.db(partial(_import_account, run, cert=cert))
    run.db(files.save)
    sync_keys(run)
    return added


# -- sealed keys (a passphrase changed on another device) -------------------------------------

def sync_keys(run: Run) -> None:
    """Take in each account's sealed keys from the share where they are newer than the ones
    held here and signed by the account itself (as its certificate names her)."""
    seen = run.db(lambda conn: state.keys_seen(conn))
    found: list[tuple[Entry, keyfiles.SealedKeys]] = []
    for e in run.share.list(keyfiles.FOLDER):
        if e.is_temp:
            continue
        match = fmt.ACCOUNT_NAME.fullmatch(e.name)
        if not match or e.kind != "file":
            run.odd_entry(keyfiles.FOLDER, e)
            continue
        if seen.get(e.name) == e.size:
            continue
        sealed = _read_keys(run, e, match.group(1))
        if sealed is not None:
            found.append((e, sealed))
    for e, sealed in found:
        verdict = run.db(partial(_take_keys, run, sealed=sealed))
        if verdict == _LATER:
            continue
        if verdict is not None:
            run.quarantine(keyfiles.FOLDER, e.name, verdict, e.size)
            continue
        seen[e.name] = e.size
    run.db(lambda conn: state.note_keys_seen(conn, seen))


_LATER = "later"


def _read_keys(run: Run, e: Entry, account_id: str) -> keyfiles.SealedKeys | None:
    if e.size > fmt.MAX_SMALL_FILE:
        run.quarantine(keyfiles.FOLDER, e.name, "it is far too large to be an account's keys",
                       e.size)
        return None
    try:
        data = run.share.read(f"{keyfiles.FOLDER}/{e.name}", max_size=fmt.MAX_SMALL_FILE)
        sealed = fmt.boundary(partial(keyfiles.parse, data))
        if sealed.id != account_id:
            raise fmt.Tampered("its name does not match its content")
    except FileTooLarge:
        run.quarantine(keyfiles.FOLDER, e.name, "it is far too large to be an account's keys",
                       e.size)
        return None
    except fmt.NewerFormat as exc:
        run.newer(keyfiles.FOLDER, e.name, exc)
        return None
    except fmt.Tampered as exc:
        run.quarantine(keyfiles.FOLDER, e.name, str(exc), e.size)
        return None
    return sealed


def _take_keys(run: Run, conn: Connection, *, sealed: keyfiles.SealedKeys) -> str | None:
    """None once handled (taken in, or not newer); ``_LATER`` for an account not a member
    here (yet); else why the file is set aside."""
    standing = certs.standings(conn).get(sealed.id)
    if standing is None or standing.cert is None or standing.problem:
        return _LATER
    if not keyfiles.signed_by(sealed, sealed.id, standing.cert.verify_public):
        return "it is not signed by the account it is for"
    held = keyfiles.read(conn.scalar(select(_A.keys_doc).where(_A.id == sealed.id)))
    if held is not None and sealed.serial <= held.serial:
        return None
    conn.execute(update(_ACCOUNTS).where(_A.id == sealed.id).values(
        kdf=sealed.kdf, secrets=sealed.secrets, keys_doc=sealed.raw))
    if held is not None:  # not at enrolment: her passphrase changed elsewhere
        _report_in(run, conn, f"keys:{sealed.id}:{sealed.serial}",
                   f"{standing.account.name}'s passphrase was changed on another computer; "
                   "the new one works here from the next sign-in.")
    return None


def keys_to_publish(conn: Connection, *, names: set[str]) -> dict[str, bytes]:
    """Sealed keys held here for the accounts whose files are ``names``, where this device
    has not written those very bytes to the share yet."""
    written = state.keys_written(conn)
    out = {}
    for account_id, data in conn.execute(select(_A.id, _A.keys_doc)):
        name = f"{account_id}.json"
        if data is not None and name in names and written.get(name) != fmt.digest(data):
            out[name] = data
    return out


def _read(run: Run, e: Entry, account_id: str, manifest: Manifest) -> certs.Cert | None:
    """One account file, parsed; None if it is set aside or left for a newer PeerDesk."""
    if e.size > fmt.MAX_SMALL_FILE:
        run.quarantine(fmt.ACCOUNTS, e.name, "it is far too large to be an account", e.size)
        return None
    try:
        data = run.share.read(f"{fmt.ACCOUNTS}/{e.name}", max_size=fmt.MAX_SMALL_FILE)
        cert = fmt.boundary(lambda: certs.parse(data))
        if cert.id != account_id or cert.team != manifest.team_id:
            raise fmt.Tampered("its name or team does not match its content")
    except FileTooLarge:
        run.quarantine(fmt.ACCOUNTS, e.name, "it is far too large to be an account", e.size)
        return None
    except fmt.NewerFormat as exc:
        run.newer(fmt.ACCOUNTS, e.name, exc)
        return None
    except fmt.Tampered as exc:
        run.quarantine(fmt.ACCOUNTS, e.name,
                       f"{exc} — it was not signed by this team's administrator", e.size)
        return None
    return cert


def _judge(conn: Connection, *, found: list[certs.Cert],
           anchor: certs.Anchor) -> dict[str, str | None]:
    """Each certificate read from the share: None to take it in, "older", "same", or why it
    fails. A chain is judged with the newest certificate of each account, so an
    administrator approved on the share vouches for those she signed; one that fails is
    dropped and the rest judged again."""
    held = {i: s.cert for i, s in certs.standings(conn).items() if s.cert is not None}
    verdicts: dict[str, str | None] = {}
    offered = {}
    for cert in found:
        mine = held.get(cert.id)
        if mine is not None and certs.holds(held, anchor, cert.id) is None:
            if cert.order < mine.order:
                verdicts[cert.id] = "older"
                continue
            if cert.raw == mine.raw:
                verdicts[cert.id] = "same"
                continue
        offered[cert.id] = cert
    while True:
        chain = held | offered
        failed = {i: p for i in offered if (p := certs.holds(chain, anchor, i)) is not None}
        if not failed:
            break
        for i, p in failed.items():
            verdicts[i] = "it names no administrator of this team" if p == certs.PENDING else p
            del offered[i]
    return verdicts | dict.fromkeys(offered)


def _import_account(run: Run, conn: Connection, *, cert: certs.Cert) -> int:
    row = conn.execute(select(_A.id, _A.receive_public, _A.verify_public).where(
        _A.id == cert.id)).first()
    if row is not None:
        if (row.receive_public, row.verify_public) != (cert.receive_public, cert.verify_public):
            _report_in(run, conn, f"account-keys:{cert.id}",
                       f"The team share's certificate for {cert.name!r} names other keys than "
                       "the account on this computer; it was not taken in.")
            return 0
        # Role, name and status follow the certificate. The sealed keys never: a passphrase
        # changed on this computer must keep working.
        conn.execute(update(_ACCOUNTS).where(_A.id == cert.id).values(
            certificate=cert.raw, role=cert.role.value, name=cert.name))
        return 0
    if conn.scalar(select(_A.id).where(_A.name == cert.name)):
        _report_in(run, conn, f"account-name:{cert.id}",
                   f"The team share has an account called {cert.name!r}, and this computer has "
                   "a different one with that name; the share's was not added.")
        return 0
    conn.execute(insert(_ACCOUNTS).values(
        id=cert.id, name=cert.name, role=cert.role.value, created_at=certs.created_at(cert),
        kdf=fmt.field(cert.signed, "kdf", str), secrets=fmt.unb64(cert.signed.get("secrets")),
        receive_public=cert.receive_public, verify_public=cert.verify_public,
        failed_attempts=0, certificate=cert.raw))
    return 1


def _report_in(run: Run, conn: Connection, key: str, message: str) -> None:
    if state.first_report(conn, key, message, at=run.clock()):
        run.result.problems.append(message)


def to_publish(conn: Connection) -> dict[str, bytes]:
    """Every certificate held here that holds, by its file name on the share."""
    return {f"{i}.json": s.cert.raw for i, s in certs.standings(conn).items()
            if s.cert is not None and not s.problem and s.account.status != certs.PENDING}
