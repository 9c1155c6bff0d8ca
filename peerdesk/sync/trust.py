"""Who belongs to the team: the share's manifest (pinned admin key) and the admin-signed
accounts. Needs no user keys, so a new device can enrol with only a passphrase."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import Connection, insert, select, update

from peerdesk.crypto.keys import UserKeys
from peerdesk.domain import Role
from peerdesk.errors import EnvironmentProblem, IntegrityProblem
from peerdesk.store import settings
from peerdesk.store.models import AccountRow, table
from peerdesk.sync import certs, keyfiles, state, succession
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
    try:
        # Reading the manifest is the reachability check too: one file operation, not two,
        # at every sync.
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
    root_changed = sync_succession(run, manifest)
    files = run.db(AccountFiles.load)
    found, again = _changed_accounts(run, manifest, files, everything=root_changed)
    anchor = run.db(certs.anchor) or certs.Anchor(manifest.team_id, manifest.admin_key)
    verdicts = run.db(partial(_judge, found=[c for _, c in found], anchor=anchor))
    added = 0
    take: list[certs.Cert] = []
    for e, cert in found:
        verdict = verdicts[cert.id]
        if verdict == "same" or (verdict == "older" and e.name in again):
            pass  # as held here, or not yet replaced by what this computer signed since
        elif verdict == "older":
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
    here = run.db(lambda conn: {i for (i,) in conn.execute(select(_A.id))})
    new_without_keys = [c for c in take if c.id not in here and not certs.carries_keys(c)]
    keys_for = _keys_for(run, new_without_keys) if new_without_keys else {}
    for cert in take:
        if cert in new_without_keys and cert.id not in keys_for:
            continue  # told once; added when its sealed keys are on the share
        added += run.db(partial(_import_account, run, cert=cert, sealed=keys_for.get(cert.id)))
    run.db(files.save)
    sync_keys(run)
    return added


def _changed_accounts(run: Run, manifest: Manifest, files: AccountFiles, *,
                      everything: bool) -> tuple[list[tuple[Entry, certs.Cert]], set[str]]:
    """The account files whose size changed since they were read (or whose account has no
    certificate here), parsed, and the names of those read again: when any changed, or the
    root administrator did, the rest are read too. A certificate signed again by another
    administrator (when the one who signed it is removed) can keep its size, and comes
    with one that changed."""
    certified = run.db(lambda conn: {i for i, c in conn.execute(select(_A.id, _A.certificate))
                                     if c is not None})
    found: list[tuple[Entry, certs.Cert]] = []
    unchanged: list[tuple[Entry, str]] = []
    for e in run.share.list(fmt.ACCOUNTS):
        if e.is_temp:
            continue
        match = fmt.ACCOUNT_NAME.fullmatch(e.name)
        if not match or e.kind != "file":
            run.odd_entry(fmt.ACCOUNTS, e)
            continue
        if files.sizes.get(e.name) == e.size and match.group(1) in certified:
            unchanged.append((e, match.group(1)))
            continue
        cert = _read(run, e, match.group(1), manifest)
        if cert is not None:
            found.append((e, cert))
    again: set[str] = set()
    if found or everything:
        for e, account_id in unchanged:
            cert = _read(run, e, account_id, manifest)
            if cert is not None:
                found.append((e, cert))
                again.add(e.name)
    return found, again


# -- succession (the root administrator's role passed on) -------------------------------------

def sync_succession(run: Run, manifest: Manifest) -> bool:
    """Walk the chain of root administrators from the pinned key through the steps held
    here and those on the share; keep it; set aside every step that is not in it. Whether
    the root administrator changed."""
    held = run.db(succession.held)
    found = _new_steps(run, {s.name: s.raw for s in held})
    if not found:
        return False
    resolved = run.db(partial(_resolve, team_id=manifest.team_id, original=manifest.admin_key,
                              pool=[*held, *(s for _, s in found)]))
    for e, step in found:
        why = resolved.refused.get(step.raw)
        if why is not None:
            run.quarantine(succession.FOLDER, e.name,
                           f"{why} — it was not taken as a change of root administrator",
                           e.size)
    if [s.raw for s in resolved.chain] != [s.raw for s in held]:
        run.db(partial(succession.keep, chain=resolved.chain))
        if resolved.chain:
            _report_root(run, resolved.chain[-1])
        return True
    return False


def _new_steps(run: Run, known: dict[str, bytes]) -> list[tuple[Entry, succession.Step]]:
    found = []
    for e in run.share.list(succession.FOLDER):
        if e.is_temp:
            continue
        if not succession.NAME.fullmatch(e.name) or e.kind != "file":
            run.odd_entry(succession.FOLDER, e)
            continue
        if e.name in known and e.size == len(known[e.name]):
            continue  # a step this computer holds already (its own copy is the one it trusts)
        step = _read_step(run, e)
        if step is not None:
            found.append((e, step))
    return found


def _report_root(run: Run, last: succession.Step) -> None:
    name = run.db(lambda conn: conn.scalar(select(_A.name).where(_A.id == last.to_id)))
    who = repr(name) if name else "another administrator"
    how = "handed over" if last.how == succession.HAND_OVER else "taken over"
    run.report(f"root:{last.digest}",
               f"{who} is now the team's root administrator ({how} on {last.issued[:10]}).")


def _read_step(run: Run, e: Entry) -> succession.Step | None:
    return _read_small(run, succession.FOLDER, e, succession.parse,
                       lambda step: step.name == e.name, "a succession")


T = TypeVar("T")


def _read_small(run: Run, folder: str, e: Entry, parse: Callable[[bytes], T],
                matches: Callable[[T], bool], what: str) -> T | None:
    """One small signed file, parsed inside the boundary and matched against its name; None
    if it is set aside or left for a newer PeerDesk."""
    if e.size > fmt.MAX_SMALL_FILE:
        run.quarantine(folder, e.name, f"it is far too large to be {what}", e.size)
        return None
    try:
        data = run.share.read(f"{folder}/{e.name}", max_size=fmt.MAX_SMALL_FILE)
        found = fmt.boundary(partial(parse, data))
        if not matches(found):
            raise fmt.Tampered("its name does not match its content")
    except FileTooLarge:
        run.quarantine(folder, e.name, f"it is far too large to be {what}", e.size)
        return None
    except fmt.NewerFormat as exc:
        run.newer(folder, e.name, exc)
        return None
    except fmt.Tampered as exc:
        run.quarantine(folder, e.name, str(exc), e.size)
        return None
    return found


def _resolve(conn: Connection, *, team_id: str, original: bytes,
             pool: list[succession.Step]) -> succession.Resolved:
    held = {i: c for i, c in conn.execute(select(_A.id, _A.certificate)) if c is not None}

    def removed_by(account_id: str, root_key: bytes, proof: certs.Cert) -> bool:
        """The outgoing root signed a newer certificate for the taker, not an active
        administrator's: she had been removed (or her role changed) first."""
        try:
            mine = fmt.boundary(partial(certs.parse, held[account_id]))
        except (KeyError, fmt.Tampered, fmt.NewerFormat):
            return False
        return (mine.order > proof.order and certs.signed_by_key(mine, root_key)
                and not (mine.role is Role.ADMIN and mine.status == certs.ACTIVE))

    return succession.resolve(team_id, original, pool, removed_by)


def succession_to_publish(conn: Connection, *, on_share: set[str]) -> dict[str, bytes]:
    """The steps of the chain held here that the share does not list."""
    return {s.name: s.raw for s in succession.held(conn) if s.name not in on_share}


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
        if seen.get(e.name) == e.version:  # the same copy: a new one may keep its size
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
        seen[e.name] = e.version
    run.db(lambda conn: state.note_keys_seen(conn, seen))


_LATER = "later"


def _read_keys(run: Run, e: Entry, account_id: str) -> keyfiles.SealedKeys | None:
    return _read_small(run, keyfiles.FOLDER, e, keyfiles.parse,
                       lambda sealed: sealed.id == account_id, "an account's keys")


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


def _keys_for(run: Run, found: list[certs.Cert]) -> dict[str, keyfiles.SealedKeys]:
    """The sealed keys on the share of accounts new here whose certificates carry none
    (format 4), checked against those certificates; each one missing is told once."""
    listed = {e.name: e for e in run.share.list(keyfiles.FOLDER) if not e.is_temp}
    out = {}
    for cert in found:
        e = listed.get(f"{cert.id}.json")
        sealed = None
        if e is not None and e.kind == "file" and e.size <= fmt.MAX_SMALL_FILE:
            try:
                data = run.share.read(f"{keyfiles.FOLDER}/{e.name}",
                                      max_size=fmt.MAX_SMALL_FILE)
                sealed = fmt.boundary(partial(keyfiles.parse, data))
            except (FileTooLarge, fmt.Tampered, fmt.NewerFormat):
                sealed = None  # sync_keys sets it aside or leaves it, and says so
        if sealed is not None and keyfiles.signed_by(sealed, cert.id, cert.verify_public):
            out[cert.id] = sealed
        else:
            run.report(f"account-without-keys:{cert.id}",
                       f"{cert.name}'s account is on the team share without its sealed keys "
                       f"({keyfiles.FOLDER}/{cert.id}.json), so it was not added to this "
                       "computer yet; it will be at a sync once they are there.")
    return out


def _import_account(run: Run, conn: Connection, *, cert: certs.Cert,
                    sealed: keyfiles.SealedKeys | None = None) -> int:
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
    if sealed is not None:  # a certificate without sealed keys: hers from keys/
        kdf, secrets, keys_doc = sealed.kdf, sealed.secrets, sealed.raw
    else:
        kdf = fmt.field(cert.signed, "kdf", str)
        secrets, keys_doc = fmt.unb64(cert.signed.get("secrets")), None
    conn.execute(insert(_ACCOUNTS).values(
        id=cert.id, name=cert.name, role=cert.role.value, created_at=certs.created_at(cert),
        kdf=kdf, secrets=secrets, receive_public=cert.receive_public,
        verify_public=cert.verify_public, failed_attempts=0, certificate=cert.raw,
        keys_doc=keys_doc))
    return 1


def _report_in(run: Run, conn: Connection, key: str, message: str) -> None:
    if state.first_report(conn, key, message, at=run.clock()):
        run.result.problems.append(message)


def to_publish(conn: Connection) -> dict[str, bytes]:
    """Every certificate held here that holds, by its file name on the share."""
    return {f"{i}.json": s.cert.raw for i, s in certs.standings(conn).items()
            if s.cert is not None and not s.problem and s.account.status != certs.PENDING}
