"""Who is in the team and in which role, decided by an administrator who is signed in: each
decision is a new account certificate she signs (peerdesk/sync/certs.py), kept here, audited,
and published by her next sync. Nothing else signs one, so a routine sync never does.

- ``approve``: a pending account (added at a computer that has an administrator) joins with
  the role it asked for, or another; an account changed outside PeerDesk is certified again.
- ``set_role``: a member's role changes.
- ``remove``: a member leaves (or a waiting account is turned down). Her devices are refused
  at their next sync, nothing new is wrapped for her, and every device shows who was removed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from peerdesk import audit
from peerdesk.domain import Account, Role
from peerdesk.errors import InvalidInput, NotAllowed, NotFound
from peerdesk.store.models import AccountRow
from peerdesk.sync import certs, state

if TYPE_CHECKING:
    from peerdesk.services.desk import Desk

__all__ = ["approve", "remove", "set_role"]


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
             why: str) -> Account:
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
        if why == "role changed" and account.status == certs.PENDING:
            raise InvalidInput(f"{account.name}'s account is waiting for approval: approve it "
                               f"first with: peerdesk user approve {account.name!r}")
        asked = role or (target.cert.role if target.cert is not None and not target.problem
                         else _asked(conn, account.id))
        # A role change ends her earlier role at the same cut-off: what she wrote before it
        # keeps standing everywhere, what she writes after is judged by her new role.
        ends = state.stream_ends(conn, account.id, me.device_id)
        certs.certify(conn, account.id, role=asked, status=status, team_id=team.team_id,
                      issuer_id=me.user.id, sign=me.keys.sign, now=me.now(),
                      streams=ends if status == certs.REMOVED else None, cut=ends)
        me.audit(conn, audit.CERTIFIED, None,
                 f"account={account.id}; {why}; role={asked.value}; status={status}")
        return certs.standings(conn)[account.id].account


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
    return _certify(desk, name_or_id, role=new, status=certs.ACTIVE, why="role changed")


def remove(desk: Desk, name_or_id: str) -> Account:
    if name_or_id in {desk.user.id, desk.user.name}:
        raise InvalidInput("An administrator cannot remove herself; another administrator "
                           "can.")
    team = _admin(desk)
    with desk.vault.store.begin() as conn:
        for s in certs.standings(conn).values():
            if name_or_id in {s.account.id, s.account.name} and s.cert is not None \
                    and s.cert.verify_public == team.key:
                raise NotAllowed("The administrator who made the team holds its key on the "
                                 "team share, so her account cannot be removed: make a new "
                                 "team share to hand the team to another administrator.")
    removed = _certify(desk, name_or_id, role=None, status=certs.REMOVED, why="removed")
    if removed.role is Role.ADMIN:
        _take_over(desk, removed.id)
    return removed


def _take_over(desk: Desk, former: str) -> None:
    """Every certificate a removed administrator signed is signed again by the one removing
    her, as it was, so those accounts stay members."""
    team = _admin(desk)
    me = desk.actor()
    with me.transaction() as conn:
        for i, s in certs.standings(conn).items():
            cert = s.cert
            if cert is not None and cert.issuer == former and i != former:
                certs.certify(conn, i, role=cert.role, status=cert.status,
                              team_id=team.team_id, issuer_id=me.user.id, sign=me.keys.sign,
                              now=me.now(), streams=cert.streams)
                me.audit(conn, audit.CERTIFIED, None,
                         f"account={i}; signed again; role={cert.role.value}; "
                         f"status={cert.status}")
