"""Who is in the team and in which role, decided by an administrator who is signed in: each
decision is a new account certificate she signs (peerdesk/sync/certs.py), kept here, audited,
and published by her next sync. Nothing else signs one, so a routine sync never does.

- ``approve``: a pending account (added at a computer that has an administrator) joins with
  the role it asked for, or another; an account changed outside PeerDesk is certified again.
- ``set_role``: a member's role changes.
- ``grant_ig`` / ``revoke_ig``: an administrator gives a coordinator or an administrator the
  information governance duty (recovery from the team share), or takes it away: a duty signed
  in her certificate alongside the role, so no column on any computer can grant it.
- ``remove``: a member leaves (or a waiting account is turned down). Her devices are refused
  at their next sync, nothing new is wrapped for her, and every device shows who was removed.
- ``mark_leaving``: a member is leaving on a given day (or is not, after all): her
  certificate carries the date, so every device shows it and her leaver's checklist
  (peerdesk/services/leavers.py) can run anywhere.
- ``hand_over_root``: the root administrator (whose key every device pinned, or was led to by
  earlier successions) passes that role to another administrator: a signed step of the
  chain in peerdesk/sync/succession.py. She stays an administrator, and can then be removed.
- ``take_over_root``: an administrator takes the root's role when the root is gone for good
  (a lost laptop), and removes her in the same action.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from peerdesk import audit
from peerdesk.domain import Account, Role
from peerdesk.errors import InvalidInput, NotAllowed, NotFound
from peerdesk.store.models import AccountRow
from peerdesk.sync import certs, state, succession

if TYPE_CHECKING:
    from peerdesk.services.desk import Desk
    from peerdesk.services.vault import Vault

__all__ = ["approve", "carrying_keys", "grant_ig", "hand_over_root", "mark_leaving",
           "reissue", "remove", "revoke_ig", "root_id", "set_role", "take_over_root"]


def _admin(desk: Desk) -> certs.Anchor:
    if desk.user.role is not Role.ADMIN or not desk.user.active:
        raise NotAllowed("Only an administrator can approve, change or remove accounts.")
    with desk.vault.store.begin() as conn:
        found = certs.anchor(conn)
        mine = certs.standings(conn).get(desk.user.id)
    if found is None or mine is None or not mine.account.active or mine.problem:
        raise NotAllowed("Only an administrator can approve, change or remove accounts.")
    return found


def _role(role: Role | str | None) -> Role | None:
    if role is None:
        return None
    try:
        return Role(role)
    except ValueError:
        raise InvalidInput("The role must be peer, coordinator or admin.") from None


def _certify(desk: Desk, name_or_id: str, *, role: Role | None, status: str,
             why: str, leaving: str | None = certs.KEEP,
             duty: tuple[str, bool] | None = None) -> Account:
    """A new certificate for one account, signed by this administrator. A removal or a role
    change names how far each of the member's streams is taken in here: what she writes after
    a removal is set aside on every device, and after a role change is judged by her new role."""
    team = _admin(desk)
    me = desk.actor()
    with me.transaction() as conn:
        everyone = certs.standings(conn)
        target = next((s for s in everyone.values()
                       if name_or_id in {s.account.id, s.account.name}), None)
        if target is None:
            raise NotFound(f"There is no account called {name_or_id!r} on this computer.")
        account = target.account
        if why in {"role changed", "leaving"} and account.status == certs.PENDING:
            raise InvalidInput(f"{account.name}'s account is waiting for approval: approve it "
                               f"first with: peerdesk user approve {account.name!r}")
        if why == "leaving" and account.status == certs.REMOVED:
            raise InvalidInput(f"{account.name} has already been removed from the team.")
        if why == "leaving" and target.problem:
            raise InvalidInput(target.problem)
        asked = role or (target.cert.role if target.cert is not None and not target.problem
                         else _asked(conn, account.id))
        # A role change ends her earlier role at the same cut-off: what she wrote before it
        # keeps standing everywhere, what she writes after is judged by her new role.
        ends = state.stream_ends(conn, account.id, me.device_id)
        duties = None  # as her certificate has them
        if duty is not None:
            duties = _duty_change(target, duty)
        signed_by_her = _signed_by(everyone, team, target) if status == certs.REMOVED else []
        if me.user.id in dict(signed_by_her) and team.key != me.keys.public().verify:
            raise NotAllowed(f"{account.name} approved you as an administrator, so you cannot "
                             "remove her: the root administrator, or another administrator, "
                             "can.")
        certs.certify(conn, account.id, role=asked, status=status, team_id=team.team_id,
                      issuer_id=me.user.id, sign=me.keys.sign, now=me.now(),
                      streams=ends if status == certs.REMOVED else None, cut=ends,
                      leaving=leaving, duties=duties)
        held = certs.standings(conn)[account.id]
        granted = ",".join(sorted(held.cert.duties)) if held.cert is not None else ""
        me.audit(conn, audit.CERTIFIED, None,
                 f"account={account.id}; {why}; role={asked.value}; status={status}"
                 + (f"; leaving={leaving or 'no'}" if leaving != certs.KEEP else "")
                 + (f"; duties={granted or 'none'}" if duty is not None or granted else ""))
        # What a removed administrator signed is signed again by the one removing her, as it
        # was, so those accounts stay members (in the same step: her own may be among them).
        for i, cert in signed_by_her:
            certs.certify(conn, i, role=cert.role, status=cert.status, team_id=team.team_id,
                          issuer_id=me.user.id, sign=me.keys.sign, now=me.now(),
                          streams=cert.streams)
            me.audit(conn, audit.CERTIFIED, None,
                     f"account={i}; signed again; role={cert.role.value}; status={cert.status}")
        return certs.standings(conn)[account.id].account


def _duty_change(target: certs.Standing, duty: tuple[str, bool]) -> frozenset[str]:
    """Her duties after granting (True) or taking away (False) one."""
    name, grant = duty
    account, cert = target.account, target.cert
    if not account.active or cert is None or target.problem:
        raise InvalidInput(f"{account.name}'s account is not an active member of the team: "
                           "approve it first.")
    held = cert.duties
    if grant and account.role not in certs.DUTY_ROLES:
        raise InvalidInput(f"{account.name} is a {account.role.label}: the information "
                           "governance duty goes with a Peer Worker Coordinator's or an "
                           "administrator's account.")
    if grant == (name in held):
        raise InvalidInput(f"{account.name} {'already holds' if grant else 'does not hold'} "
                           "the information governance duty.")
    return held | {name} if grant else held - {name}


def _signed_by(everyone: dict[str, certs.Standing], team: certs.Anchor,
               target: certs.Standing) -> list[tuple[str, certs.Cert]]:
    """The certificates an administrator signed that hold (a file from before issuers was
    signed by the pinned key's owner)."""
    her = target.cert
    if her is None or target.problem or her.role is not Role.ADMIN:
        return []
    return [(i, s.cert) for i, s in everyone.items()
            if s.cert is not None and not s.problem and i != her.id
            and (s.cert.issuer == her.id
                 or (s.cert.issuer is None and her.verify_public == team.original))]


def _asked(conn: Connection, account_id: str) -> Role:
    """The role a pending account asked for when it was added (its role column)."""
    try:
        return Role(str(conn.scalar(select(AccountRow.role).where(AccountRow.id == account_id))))
    except ValueError:
        return Role.PEER


def approve(desk: Desk, name_or_id: str, role: Role | str | None = None) -> Account:
    """Sign a pending account in, with the role it asked for unless ``role`` says
    otherwise; or certify again one changed outside PeerDesk (its role from its certificate
    unless ``role`` says otherwise)."""
    return _certify(desk, name_or_id, role=_role(role), status=certs.ACTIVE, why="approved")


def set_role(desk: Desk, name_or_id: str, role: Role | str) -> Account:
    new = _role(role)
    if name_or_id in {desk.user.id, desk.user.name} and new is not Role.ADMIN:
        raise InvalidInput("An administrator cannot take away her own role; another "
                           "administrator can.")
    root = root_id(desk.vault)
    if root is not None and name_or_id in {root, desk.vault.account(root).name} \
            and new is not Role.ADMIN:
        raise NotAllowed("The team's root administrator stays an administrator: she hands "
                         "that role to another administrator first (peerdesk user "
                         "hand-over-root NAME).")
    return _certify(desk, name_or_id, role=new, status=certs.ACTIVE, why="role changed")


def mark_leaving(desk: Desk, name_or_id: str, on: date | None) -> Account:
    """Mark a member as leaving with ``on`` as her last day (None: she is not leaving after
    all). A new certificate, signed and published like any other: every device sees it. Marking
    her again with the same day signs nothing new."""
    wanted = on.isoformat() if on is not None else None
    with desk.vault.store.begin() as conn:
        for s in certs.standings(conn).values():
            if name_or_id in {s.account.id, s.account.name} and s.cert is not None \
                    and not s.problem and s.account.status == certs.ACTIVE \
                    and s.cert.signed.get(certs.LEAVING) == wanted:
                _admin(desk)
                return s.account
    return _certify(desk, name_or_id, role=None, status=certs.ACTIVE, why="leaving",
                    leaving=wanted)


def grant_ig(desk: Desk, name_or_id: str) -> Account:
    """Give a coordinator or an administrator the information governance duty: with the trust
    recovery key and a reason she may then open care records from the team share."""
    return _certify(desk, name_or_id, role=None, status=certs.ACTIVE,
                    why="information governance duty granted", duty=(certs.IG, True))


def revoke_ig(desk: Desk, name_or_id: str) -> Account:
    """Take the information governance duty away (she keeps her role)."""
    return _certify(desk, name_or_id, role=None, status=certs.ACTIVE,
                    why="information governance duty taken away", duty=(certs.IG, False))


def remove(desk: Desk, name_or_id: str) -> Account:
    if name_or_id in {desk.user.id, desk.user.name}:
        raise InvalidInput("An administrator cannot remove herself; another administrator "
                           "can.")
    team = _admin(desk)
    with desk.vault.store.begin() as conn:
        for s in certs.standings(conn).values():
            if name_or_id in {s.account.id, s.account.name} and s.cert is not None \
                    and s.cert.verify_public == team.key:
                raise NotAllowed(f"{s.account.name} is the team's root administrator, so her "
                                 "account cannot be removed. She hands that role to another "
                                 "administrator first (peerdesk user hand-over-root NAME), or, "
                                 "if she is gone for good, another administrator takes it "
                                 "over (peerdesk user take-over-root --yes).")
    return _certify(desk, name_or_id, role=None, status=certs.REMOVED, why="removed")


# -- the root administrator's role --------------------------------------------------------------

def root_id(vault: Vault) -> str | None:
    """The account of the team's root administrator, if this computer knows it."""
    with vault.store.begin() as conn:
        found = certs.anchor(conn)
        if found is None:
            return None
        return next((i for i, s in certs.standings(conn).items()
                     if s.cert is not None and s.cert.verify_public == found.key), None)


def _on_share(desk: Desk, conn: Connection) -> None:
    if f"{desk.user.id}.json" not in state.published(conn):
        raise InvalidInput("The root administrator's role is passed on through the team share: "
                           "set it up first (peerdesk share init LOCATION).")


def hand_over_root(desk: Desk, name_or_id: str) -> Account:
    """The root administrator passes her role to another active administrator."""
    team = _admin(desk)
    me = desk.actor()
    mine = me.keys.public().verify
    if team.key != mine:
        raise NotAllowed("Only the team's root administrator can hand that role over. If she "
                         "is gone for good, an administrator takes it over: peerdesk user "
                         "take-over-root --yes")
    with me.transaction() as conn:
        _on_share(desk, conn)
        target = next((s for s in certs.standings(conn).values()
                       if name_or_id in {s.account.id, s.account.name}), None)
        if target is None:
            raise NotFound(f"There is no account called {name_or_id!r} on this computer.")
        account = target.account
        if account.id == me.user.id:
            raise InvalidInput("You are the root administrator already.")
        if account.role is not Role.ADMIN or not account.active or target.cert is None:
            raise InvalidInput(f"{account.name} must be an active administrator first: "
                               f"peerdesk user role {account.name!r} admin")
        _add_step(conn, team, how=succession.HAND_OVER, from_id=me.user.id, from_key=mine,
                  to_id=account.id, to_key=target.cert.verify_public, sign=me.keys.sign,
                  now=me.now())
        me.audit(conn, audit.CERTIFIED, None,
                 f"account={account.id}; root administrator handed over")
        return account


def take_over_root(desk: Desk) -> Account:
    """An administrator takes the root's role from a root who is gone for good, and removes
    her (what she signed is signed again by the one taking over). Returns the former root."""
    team = _admin(desk)
    me = desk.actor()
    mine = me.keys.public().verify
    if team.key == mine:
        raise InvalidInput("You are the root administrator already.")
    with me.transaction() as conn:
        _on_share(desk, conn)
        everyone = certs.standings(conn)
        root = next((s for s in everyone.values()
                     if s.cert is not None and s.cert.verify_public == team.key), None)
        if root is None:
            raise NotFound("This computer does not have the root administrator's account, so "
                           "it cannot take over from her. Sync first.")
        proof = _proof(everyone, me.user.id, root.account.id)
        _add_step(conn, team, how=succession.TAKE_OVER, from_id=root.account.id,
                  from_key=team.key, to_id=me.user.id, to_key=mine, sign=me.keys.sign,
                  now=me.now(), proof=proof)
        me.audit(conn, audit.CERTIFIED, None,
                 f"account={root.account.id}; root administrator taken over")
    return remove(desk, root.account.id)


def _proof(everyone: dict[str, certs.Standing], me: str, root: str) -> list[bytes]:
    """Her certificate, then her issuer's, up to one the root signed."""
    out: list[bytes] = []
    at = everyone.get(me)
    while at is not None and at.cert is not None and len(out) < succession.MAX_PROOF:
        out.append(at.cert.raw)
        if at.cert.issuer == root:
            return out
        at = everyone.get(at.cert.issuer or "")
    raise NotAllowed("Your administrator's certificate does not lead back to the root "
                     "administrator on this computer, so you cannot take over from her.")


def _add_step(conn: Connection, team: certs.Anchor, *, how: str, from_id: str,
              from_key: bytes, to_id: str, to_key: bytes, sign: Callable[[bytes], bytes],
              now: datetime, proof: list[bytes] | None = None) -> None:
    """The next step of the chain, checked as every other device will check it, then kept
    (published by this computer's next sync)."""
    held = succession.held(conn)
    raw = succession.build(team_id=team.team_id, n=len(held) + 1,
                           prev=held[-1].digest if held else "", from_id=from_id,
                           from_key=from_key, to_id=to_id, to_key=to_key, how=how, now=now,
                           sign=sign, proof=proof or [])
    step = succession.parse(raw)
    resolved = succession.resolve(team.team_id, team.original, [*held, step])
    if not resolved.chain or resolved.chain[-1].raw != raw:
        raise NotAllowed("The change of root administrator would not hold: "
                         f"{resolved.refused.get(raw, 'it does not follow on')}.")
    succession.keep(conn, resolved.chain)


# -- certificates that still carry sealed keys ------------------------------------------------

def _carrying(conn: Connection, me: str, root: bool) -> list[tuple[str, certs.Cert]]:
    """Certificates from before ``keys/`` that still carry a copy of sealed keys this
    administrator can sign again without changing whom they chain to: all of them for the
    root, those she signed herself for any other. Only accounts with sealed keys of their own
    on the share (a certificate signed for the others would carry them again)."""
    with_keys = {i for i, d in conn.execute(select(AccountRow.id, AccountRow.keys_doc))
                 if d is not None}
    return [(i, s.cert) for i, s in certs.standings(conn).items()
            if s.cert is not None and not s.problem and s.account.status != certs.PENDING
            and certs.carries_keys(s.cert) and i in with_keys
            and (root or s.cert.issuer == me)]


def carrying_keys(desk: Desk) -> list[str]:
    """Names of the members whose certificates still carry a copy of their sealed keys,
    which this administrator can issue again without it."""
    team = _admin(desk)
    with desk.vault.store.begin() as conn:
        found = _carrying(conn, desk.user.id, team.key == desk.keys.public().verify)
        return sorted(c.name for _, c in found)


def reissue(desk: Desk) -> list[str]:
    """Sign again, as they are, the certificates that still carry a copy of sealed keys: the
    new ones carry none, so an old passphrase opens nothing in ``accounts/`` once her next
    sync has published them. Returns the names."""
    team = _admin(desk)
    me = desk.actor()
    with me.transaction() as conn:
        found = _carrying(conn, me.user.id, team.key == me.keys.public().verify)
        for i, cert in found:
            certs.certify(conn, i, role=cert.role, status=cert.status, team_id=team.team_id,
                          issuer_id=me.user.id, sign=me.keys.sign, now=me.now(),
                          streams=cert.streams)
            me.audit(conn, audit.CERTIFIED, None,
                     f"account={i}; issued again without sealed keys; "
                     f"role={cert.role.value}; status={cert.status}")
        return sorted(c.name for _, c in found)
