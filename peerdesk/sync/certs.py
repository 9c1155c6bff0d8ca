"""Signed account certificates: who is in the team, in which role, with which keys.

An account's certificate is the document its file on the team share holds (kind
``account``): id, name, role, public keys, status, when it was issued and a serial that only
grows, signed by an administrator. It is the only source of the role a command obeys, on this
computer too: every use of an account checks its columns against its certificate, and the
certificate against the team's administrator key (the anchor, pinned here: the share's
manifest key, or the first administrator made on this computer). A row whose columns say
something its certificate does not was changed outside PeerDesk and is refused.

Chain: the anchor's own account certifies itself; any other certificate is signed by an
administrator whose own certificate holds (active, admin). On a computer with no
administrator at all (one person's laptop), an account certifies itself; the first
administrator made there adopts those, and any later account waits for approval.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache, partial
from typing import Any

from sqlalchemy import Connection, select, update

from peerdesk.domain import Account, Role
from peerdesk.domain.roles import History
from peerdesk.store import settings
from peerdesk.store.models import AccountRow, table
from peerdesk.sync import format as fmt
from peerdesk.sync import keyfiles, roles
from peerdesk.sync.changes import iso, parse_time

KIND = "account"
ACTIVE, REMOVED = "active", "removed"
PENDING, ALTERED = "pending", "altered"
ANCHOR_KEY, TEAM_KEY = "share_admin_key", "share_team_id"
SUCCESSORS_KEY = "share_root_keys"  # the keys a chain of successions led to, oldest first
# A member an administrator marked as leaving: her last day (ISO date), carried by every later
# certificate until it is taken back. Absent in certificates from before (and for everyone
# else); a PeerDesk that does not know the field reads the certificate as it always did.
LEAVING = "leaving"
KEEP = "keep"  # certify(): the leaving mark stays as the certificate it replaces says
# Duties an administrator grants alongside the role, signed in the certificate (``duties``):
# information governance (IG), who may open care records from the team share with the trust
# recovery key. Only a Peer Worker Coordinator or an administrator holds one: a role change to
# peer, or a removal, ends it. No column holds it, so editing the database grants nothing.
DUTIES_FIELD, IG = "duties", "ig"
DUTIES = frozenset({IG})
DUTY_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN})
_ACCOUNTS = table(AccountRow)
_A = _ACCOUNTS.c


@dataclass(frozen=True)
class Cert:
    """A parsed certificate (not yet verified)."""

    raw: bytes
    signed: dict[str, Any]
    sig: bytes
    id: str
    team: str
    name: str
    role: Role
    status: str
    serial: int
    issuer: str | None  # None: a certificate from before issuers were named (the anchor's)
    issued: str
    receive_public: bytes
    verify_public: bytes
    # A removal's cut-off: how far each of her devices' streams had reached where she was
    # removed (device id -> last seq taken in); anything past it is set aside everywhere.
    streams: dict[str, int]
    duties: frozenset[str] = frozenset()  # none in a certificate from before duties

    @property
    def order(self) -> tuple[int, str]:
        """Newer certificates of one account sort later."""
        return self.serial, self.issued


@dataclass(frozen=True)
class Anchor:
    team_id: str
    key: bytes  # the root administrator's key now
    # Earlier roots' keys, oldest (the pinned one) first, after a succession (succession.py).
    former: tuple[bytes, ...] = ()

    @property
    def original(self) -> bytes:
        """The key this computer pinned (the share manifest's)."""
        return self.former[0] if self.former else self.key


def parse(data: bytes) -> Cert:
    """Raises ``fmt.Tampered`` or ``fmt.NewerFormat``."""
    signed, sig = fmt.parse_doc(data, KIND)
    try:
        role = Role(fmt.field(signed, "role", str))
    except ValueError:
        raise fmt.Tampered("its role is unknown") from None
    status = signed.get("status", ACTIVE)
    if status not in {ACTIVE, REMOVED}:
        raise fmt.Tampered("its status is unknown")
    serial = signed.get("serial", 0)
    if not isinstance(serial, int) or isinstance(serial, bool) or serial < 0:
        raise fmt.Tampered("its serial is damaged")
    issuer = signed.get("issuer")
    if issuer is not None and not isinstance(issuer, str):
        raise fmt.Tampered("its issuer is damaged")
    streams = signed.get("streams", {})
    if not isinstance(streams, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
            for k, v in streams.items()):
        raise fmt.Tampered("its list of streams is damaged")
    roles.read(signed)  # her earlier roles, if she had any: checked here, read when judged
    _leaving(signed)
    return Cert(data, signed, sig, fmt.field(signed, "id", str), fmt.field(signed, "team", str),
                fmt.field(signed, "name", str), role, status, serial, issuer,
                fmt.field(signed, "issued", str), fmt.unb64(signed.get("receive_public")),
                fmt.unb64(signed.get("verify_public")), dict(streams),
                _duties(signed, role, status))


def _duties(signed: dict[str, Any], role: Role, status: str) -> frozenset[str]:
    """The duties a certificate grants: a list of known names, only in format 5, only for an
    active coordinator or administrator (raises Tampered)."""
    if DUTIES_FIELD not in signed:
        return frozenset()
    listed = signed[DUTIES_FIELD]
    if (not isinstance(listed, list) or not listed or len(set(listed)) != len(listed)
            or not all(isinstance(d, str) for d in listed)):
        raise fmt.Tampered("its list of duties is damaged")
    if not set(listed) <= DUTIES:
        raise fmt.Tampered("it names a duty no PeerDesk grants")
    if signed.get("format") != fmt.DUTIES_FORMAT:
        raise fmt.Tampered("it grants a duty under an older format")
    if role not in DUTY_ROLES or status != ACTIVE:
        raise fmt.Tampered("it grants a duty to an account that cannot hold one")
    return frozenset(listed)


def issue(row: Any, *, team_id: str, role: Role, status: str, serial: int, issuer_id: str,
          sign: Callable[[bytes], bytes], now: datetime,
          streams: dict[str, int] | None = None, format_: int = fmt.FORMAT,
          earlier: list[dict[str, Any]] | None = None, leaving: str | None = None,
          duties: frozenset[str] = frozenset()) -> bytes:
    """A certificate for ``row`` (the account's columns by name), signed by ``issuer_id``.
    An account with sealed keys of its own on the share (``keys/``) gets a certificate
    without them (format 4): a new device enrols from ``keys/``, and a passphrase change
    leaves no older copy behind in the certificate. One without (from before ``keys/``)
    carries its sealed keys, as certificates of format 1 and 3 did. One that grants a duty
    has format 5."""
    shared = keyfiles.read(getattr(row, "keys_doc", None))
    sealed: dict[str, Any] = {"kdf": row.kdf, "secrets": fmt.b64(row.secrets)}
    if shared is not None and keyfiles.signed_by(shared, row.id, row.verify_public):
        sealed, format_ = {}, max(format_, fmt.SUCCEEDED_FORMAT)
    if duties:
        format_ = fmt.DUTIES_FORMAT
    return fmt.seal_doc(KIND, sealed | {
        "team": team_id, "id": row.id, "name": row.name, "role": role.value,
        "created": iso(row.created_at),
        "receive_public": fmt.b64(row.receive_public),
        "verify_public": fmt.b64(row.verify_public), "issued": iso(now), "status": status,
        "serial": serial, "issuer": issuer_id} | ({"streams": streams} if streams else {})
        | ({roles.FIELD: earlier} if earlier else {}) | ({LEAVING: leaving} if leaving else {})
        | ({DUTIES_FIELD: sorted(duties)} if duties else {}),
        sign, format_=format_)


def _leaving(signed: dict[str, Any]) -> date | None:
    value = signed.get(LEAVING)
    if value is None:
        return None
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise fmt.Tampered("its leaving date is damaged")


def leaving(cert: Cert) -> date | None:
    """Her last day, if an administrator marked her as leaving (checked by ``parse``)."""
    return _leaving(cert.signed)


def created_at(cert: Cert) -> datetime:
    return parse_time(cert.signed.get("created"))


def carries_keys(cert: Cert) -> bool:
    """Whether a certificate carries a copy of the account's sealed keys (one from before
    ``keys/``): a passphrase changed since does not change that copy."""
    return "secrets" in cert.signed


# -- the anchor -------------------------------------------------------------------------------

def anchor(conn: Connection) -> Anchor | None:
    key, team = settings.get(conn, ANCHOR_KEY), settings.get(conn, TEAM_KEY)
    if key is None or team is None:
        return None
    roots = [bytes.fromhex(key)] + [bytes.fromhex(k) for k in
                                    json.loads(settings.get(conn, SUCCESSORS_KEY) or "[]")]
    return Anchor(team, roots[-1], tuple(roots[:-1]))


def set_successors(conn: Connection, keys: list[bytes]) -> None:
    """The root administrators' keys after the pinned one, as the chain of successions
    this computer verified names them (succession.keep)."""
    settings.put(conn, SUCCESSORS_KEY, json.dumps([k.hex() for k in keys]))


def set_anchor(conn: Connection, found: Anchor) -> None:
    settings.put(conn, ANCHOR_KEY, found.key.hex())
    settings.put(conn, TEAM_KEY, found.team_id)


# -- verifying ----------------------------------------------------------------------------------

class _Chain:
    """Which certificates hold, given every account's newest certificate and the anchor."""

    def __init__(self, certs: dict[str, Cert], found: Anchor | None) -> None:
        self.certs, self.anchor = certs, found
        self._done: dict[str, str | None] = {}

    def problem(self, account_id: str, depth: int = 0) -> str | None:
        """None if the certificate holds; else ``PENDING`` or why it fails."""
        if account_id not in self._done:
            self._done[account_id] = "its issuer's certificate does not hold"  # cycles fail
            self._done[account_id] = self._check(self.certs[account_id], depth)
        return self._done[account_id]

    def _check(self, cert: Cert, depth: int) -> str | None:
        a = self.anchor
        if a is None:
            # No administrator here: an account speaks for itself only.
            if cert.issuer != cert.id:
                return "it names an issuer this computer does not know"
            return None if _signed_by(cert, cert.verify_public) else "its signature does not match"
        if cert.team != a.team_id:
            return PENDING if cert.issuer == cert.id else "it belongs to another team"
        if cert.issuer is None:  # a file from before issuers: the pinned key signed it
            return None if _signed_by(cert, a.original) else "its signature does not match"
        if cert.issuer == cert.id and (cert.verify_public == a.key
                                       or cert.verify_public in a.former):
            # The root administrator, or one who was root before a succession: her own
            # certificate holds as it says until another administrator replaces it.
            return None if _signed_by(cert, cert.verify_public) else "its signature does not match"
        if cert.issuer == cert.id:
            return PENDING  # certified itself before this computer had an administrator
        issuer = self.certs.get(cert.issuer)
        if issuer is None or depth > 16:
            return "its issuer is not an administrator of this team"
        if (self.problem(issuer.id, depth + 1) is not None or issuer.role is not Role.ADMIN
                or issuer.status != ACTIVE):
            return "its issuer is not an administrator of this team"
        return None if _signed_by(cert, issuer.verify_public) else "its signature does not match"


def _signed_by(cert: Cert, key: bytes) -> bool:
    return _verified(cert.raw, key)


def signed_by_key(cert: Cert, key: bytes) -> bool:
    """Whether ``key`` signed this certificate."""
    return _verified(cert.raw, key)


@lru_cache(maxsize=1024)
def _verified(raw: bytes, key: bytes) -> bool:
    """A certificate's signature by one key; remembered, as every use of an account checks
    it again (the bytes are the whole certificate, so a changed one is checked anew)."""
    try:
        cert = parse(raw)
        fmt.check_signature(KIND, cert.signed, cert.sig, key)
    except (fmt.Tampered, fmt.NewerFormat):
        return False
    return True


@lru_cache(maxsize=1024)
def _parsed(raw: bytes) -> Cert:
    return fmt.boundary(partial(parse, raw))


def holds(certs: dict[str, Cert], found: Anchor | None, account_id: str) -> str | None:
    """Whether one certificate holds among ``certs``: None, ``PENDING`` or why not."""
    return _Chain(certs, found).problem(account_id)


@dataclass(frozen=True)
class Standing:
    account: Account
    cert: Cert | None
    problem: str = ""  # for an altered account: one sentence naming what is wrong

    @property
    def last_day(self) -> date | None:
        """Her last day, if an administrator marked her as leaving: what her newest signed
        certificate on this computer says, when it holds (never a column)."""
        return leaving(self.cert) if self.cert is not None and not self.problem else None


def standings(conn: Connection) -> dict[str, Standing]:
    """Every account on this computer, as its certificate says, by id."""
    rows = list(conn.execute(select(_ACCOUNTS)))
    found = anchor(conn)
    parsed: dict[str, Cert] = {}
    damaged: set[str] = set()
    for row in rows:
        if row.certificate is None:
            continue
        try:
            cert = _parsed(row.certificate)
        except (fmt.Tampered, fmt.NewerFormat):
            damaged.add(row.id)
            continue
        if cert.id == row.id:
            parsed[row.id] = cert
        else:
            damaged.add(row.id)
    chain = _Chain(parsed, found)
    out = {}
    for row in rows:
        held = parsed.get(row.id)
        out[row.id] = _standing(row, held, chain.problem(row.id) if held else None,
                                damaged=row.id in damaged)
    return out


def _standing(row: Any, cert: Cert | None, problem: str | None, *, damaged: bool) -> Standing:
    def account(role: Role, status: str) -> Account:
        asked = None
        if status == PENDING:
            with contextlib.suppress(ValueError):
                asked = Role(row.role)
        return Account(row.id, row.name, role, row.created_at, status, asked)

    def altered(why: str) -> Standing:
        return Standing(account(cert.role if cert and problem is None else Role.PEER, ALTERED),
                        cert, f"{row.name}'s account on this computer was changed outside "
                              f"PeerDesk: {why}. It cannot be used until an administrator "
                              "approves it again.")

    if damaged:
        return altered("its signed certificate is damaged")
    if cert is None or problem == PENDING:
        return Standing(account(Role.PEER, PENDING), cert)
    if problem is not None:
        return altered(f"its certificate fails its checks ({problem})")
    if row.role != cert.role.value:
        return altered(f"its role reads {_label(row.role)}, but its signed certificate says "
                       f"{cert.role.label}")
    if (row.name, row.receive_public, row.verify_public) != (
            cert.name, cert.receive_public, cert.verify_public):
        return altered("its name or keys are not the ones its certificate names")
    return Standing(account(cert.role, cert.status), cert)


def _label(role: str) -> str:
    try:
        return Role(role).label
    except ValueError:
        return repr(role)


def problems(conn: Connection) -> list[str]:
    """One sentence per account changed outside PeerDesk."""
    return [s.problem for s in standings(conn).values() if s.problem]


def active(conn: Connection) -> dict[str, Account]:
    """The accounts this computer may share with and trust, by id."""
    return {i: s.account for i, s in standings(conn).items() if s.account.active}


def certify(conn: Connection, account_id: str, *, role: Role, status: str, team_id: str,
            issuer_id: str, sign: Callable[[bytes], bytes], now: datetime,
            streams: dict[str, int] | None = None, cut: dict[str, int] | None = None,
            leaving: str | None = KEEP, duties: frozenset[str] | None = None) -> bytes:
    """Sign and keep a new certificate for an account (its role column follows it); the
    serial is one past the one it replaces. Her earlier roles go with it, and if her role
    changes, the one she had until now, ending where ``cut`` says her streams were taken in.
    ``leaving``: her last day (ISO date), None to take the mark back, ``KEEP`` as before.
    Her duties go with it too unless ``duties`` says otherwise; a role that holds none, or a
    removal, ends them."""
    row = conn.execute(select(_ACCOUNTS).where(_A.id == account_id)).one()
    serial = 1
    before: Cert | None = None
    if row.certificate is not None:
        with contextlib.suppress(fmt.Tampered, fmt.NewerFormat):
            before = fmt.boundary(partial(parse, row.certificate))
            serial = before.serial + 1
    if leaving == KEEP:
        leaving = before.signed.get(LEAVING) if before is not None else None
    earlier = roles.after_change(before.signed if before else None,
                                 before.role if before else None, role, cut=cut or {}, at=now)
    # Signed by another administrator than the pinned one, or after a succession: a newer
    # format (see format.py).
    found = anchor(conn)
    issuer_key = conn.scalar(select(_A.verify_public).where(_A.id == issuer_id))
    format_ = fmt.FORMAT
    if found is not None and found.former:
        format_ = fmt.SUCCEEDED_FORMAT
    elif found is not None and issuer_key != found.key:
        format_ = fmt.DELEGATED_FORMAT
    if duties is None:
        duties = before.duties if before is not None else frozenset()
    if role not in DUTY_ROLES or status != ACTIVE:
        duties = frozenset()
    data = issue(row, team_id=team_id, role=role, status=status, serial=serial,
                 issuer_id=issuer_id, sign=sign, now=now, streams=streams,
                 format_=format_, earlier=earlier, leaving=leaving, duties=duties)
    conn.execute(update(_ACCOUNTS).where(_A.id == account_id).values(
        certificate=data, role=role.value))
    return data


def trusted_keys(conn: Connection) -> dict[str, bytes]:
    """The signature keys of every member whose certificate holds (removed ones too: what
    they signed before their removal still checks out), by account id."""
    return {i: s.cert.verify_public for i, s in standings(conn).items()
            if s.cert is not None and not s.problem and s.account.status != PENDING}


def histories(conn: Connection) -> dict[str, History]:
    """For each member whose certificate holds, the roles she held and where (see
    ``peerdesk.domain.roles``): what arrives by sync is judged by them."""
    return {i: history_of(s.cert) for i, s in standings(conn).items()
            if s.cert is not None and not s.problem and s.account.status != PENDING}


def history_of(cert: Cert) -> History:
    """Her role now and the earlier ones her certificate lists."""
    return History(cert.role, roles.read(cert.signed))


def cut_offs(conn: Connection) -> dict[str, dict[str, int]]:
    """For each removed member, how far each of her devices' streams is taken in."""
    return {i: s.cert.streams for i, s in standings(conn).items()
            if s.cert is not None and not s.problem and s.account.status == REMOVED}
