"""Information governance on one device: audit export for an incident review, break-glass
opening with the trust recovery key, and the Caldicott Guardian's break-glass report.

Break-glass, in one paragraph: a coordinator or administrator who holds the trust recovery key
(the private half is a passphrase-protected file that IG keeps offline; its public half is in
the machine policy and every version is wrapped for it) may open a record not shared with her
only by giving a reason. The audit entry is written before anything is decrypted. The reason
is sealed twice with HPKE: for the recovery key (the Guardian's report) and for the record's
author (her own view of who opened her records), so the plaintext audit table holds no words
about a person.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select

from peerdesk import audit, exports
from peerdesk.config import recovery_reader_id
from peerdesk.crypto import envelope, recovery
from peerdesk.crypto.payload import SealedVersion, open_with_key
from peerdesk.crypto.recovery import RecoveryKey
from peerdesk.domain import Kind, Record, Role
from peerdesk.errors import (
    DecryptionFailed,
    IntegrityProblem,
    InvalidInput,
    NotAllowed,
    NotFound,
)
from peerdesk.services.desk import Desk
from peerdesk.services.vault import Vault
from peerdesk.store.models import (
    AccountRow,
    AuditReceivedRow,
    AuditRow,
    RecordRow,
    VersionRow,
    WrapRow,
)
from peerdesk.sync import certs

RECOVERY_PASSPHRASE_ENV = "PEERDESK_RECOVERY_PASSPHRASE"  # noqa: S105 - a variable's name
MIN_REASON = 10
STAFF = frozenset({Role.COORDINATOR, Role.ADMIN})


# -- the recovery key -----------------------------------------------------------------------

def load_recovery_key(path: Path, passphrase: str | bytes) -> RecoveryKey:
    """The trust recovery key file made by ``recovery.py keygen`` (PKCS#8 PEM under a
    passphrase)."""
    return recovery.load(path, passphrase)


def check_recovery_key(vault: Vault, key: RecoveryKey) -> str:
    expected = vault.policy.recovery_key
    if expected is None:
        raise NotAllowed("This computer's policy sets no trust recovery key, so records here "
                         "cannot be opened with one.")
    if recovery.public_bytes(key) != expected:
        raise NotAllowed("This is not the trust recovery key named in this computer's policy.")
    return recovery_reader_id(expected)


def seal_reason(reason: str, public: bytes, context: str) -> str:
    blob = envelope.seal_to(public, reason.encode(), context=context.encode())
    return base64.b64encode(blob).decode()


def _open_reason(sealed: str, key: RecoveryKey, context: str) -> str:
    failure = "A break-glass reason failed its integrity check."
    try:
        blob = base64.b64decode(sealed, validate=True)
    except ValueError:
        raise DecryptionFailed(failure) from None
    try:
        return envelope.open_sealed(key, blob, context=context.encode(), failure=failure).decode()
    except UnicodeDecodeError:
        raise DecryptionFailed(failure) from None


def _detail_fields(detail: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in detail.split("; ") if "=" in part)


# -- the information governance duty ---------------------------------------------------------
# Reading care records from the team share with the trust recovery key (a lost or leaver's
# device, a subject access request across the team) needs the IG duty, which an administrator
# grants in the account's signed certificate (peerdesk/sync/certs.py, ``duties``). Break-glass
# on one computer (below) stays open to any coordinator or administrator with the key: it
# reaches only what that computer holds, for an emergency where the record is needed now.

def holds_ig_duty(vault: Vault, account_id: str) -> bool:
    """Whether an account's signed certificate, as it holds on this computer, grants the
    information governance duty (for what the app shows; ``require_ig_duty`` is the gate)."""
    return _ig_refusal(vault, account_id) is None


def ig_holders(vault: Vault) -> frozenset[str]:
    """The accounts whose signed certificates, as they hold here, grant the IG duty."""
    with vault.store.begin() as conn:
        if certs.anchor(conn) is None:
            return frozenset()
        return frozenset(i for i, s in certs.standings(conn).items()
                         if s.cert is not None and not s.problem and s.account.active
                         and s.account.role in certs.DUTY_ROLES and certs.IG in s.cert.duties)


def _ig_refusal(vault: Vault, account_id: str) -> str | None:
    with vault.store.begin() as conn:
        found = certs.anchor(conn)
        mine = certs.standings(conn).get(account_id)
    if mine is not None and mine.problem:
        return mine.problem
    if (found is None or mine is None or mine.cert is None or not mine.account.active
            or mine.account.role not in certs.DUTY_ROLES or certs.IG not in mine.cert.duties):
        return ("Only someone an administrator has given the information governance duty can "
                "open records from the team share with the trust recovery key.")
    return None


def require_ig_duty(desk: Desk) -> None:
    """The one gate for reading care records from the team share with the trust recovery key
    (recover-device, a team-wide subject access request, a leaver's records): her signed
    certificate grants the IG duty, checked now, not her role column or her sign-in. Raises
    NotAllowed with one sentence."""
    refusal = _ig_refusal(desk.vault, desk.user.id)
    if refusal is not None:
        raise NotAllowed(refusal)


# -- break-glass ----------------------------------------------------------------------------

def break_glass(desk: Desk, record_id: str, *, recovery_key: RecoveryKey,
                reason: str) -> list[Record]:
    """Open every version of a record that is not shared with this user, with the trust
    recovery key and a reason. Logged first; the author sees it in her own view."""
    if desk.user.role not in STAFF:
        raise NotAllowed("Only a Peer Worker Coordinator or an administrator can open a record "
                         "with the trust recovery key.")
    reason = " ".join(reason.split())
    if len(reason) < MIN_REASON:
        raise InvalidInput("Say why you need to open this record (at least a short sentence). "
                           "The reason is shown to its author and to the Caldicott Guardian.")
    vault = desk.vault
    reader = check_recovery_key(vault, recovery_key)
    with vault.store.transaction() as s:
        row = s.get(RecordRow, record_id)
        if row is None or row.erased_at is not None:
            raise NotFound("There is no record with that id on this computer.")
        if row.author_id == desk.user.id or s.scalar(select(WrapRow.version).where(
                WrapRow.record_id == record_id, WrapRow.reader_id == desk.user.id).limit(1)):
            raise InvalidInput("This record is already yours to read: open it normally.")
        author = s.get(AccountRow, row.author_id)
        if author is None:  # a record's author is always an account here (a foreign key)
            raise IntegrityProblem("This record's author is missing from this computer.")
        kind, author_id, person_id = Kind(row.kind), row.author_id, row.person_id
    recovery_public = recovery.public_bytes(recovery_key)  # checked against the policy above
    context = f"peerdesk/break-glass/v1|{record_id}|{desk.user.id}"
    desk.note(audit.BREAK_GLASS, record_id,
              f"role={desk.user.role.value}; for-ig={seal_reason(reason, recovery_public, context)}"
              f"; for-author={seal_reason(reason, author.receive_public, context)}")
    return _open_all(vault, record_id, kind, author_id, person_id, reader, recovery_key)


def open_with_recovery_key(desk: Desk, record_id: str, *,
                           recovery_key: RecoveryKey, why: str) -> list[Record]:
    """Every version of a record, opened with the recovery key for a purpose that is itself
    audited (a subject access request). Staff only."""
    if desk.user.role not in STAFF:
        raise NotAllowed("Only a Peer Worker Coordinator or an administrator can use the trust "
                         "recovery key.")
    reader = check_recovery_key(desk.vault, recovery_key)
    with desk.vault.store.transaction() as s:
        row = s.get(RecordRow, record_id)
        if row is None or row.erased_at is not None:
            raise NotFound("There is no record with that id on this computer.")
        kind, author_id, person_id = Kind(row.kind), row.author_id, row.person_id
    desk.note(audit.READ, record_id, f"recovery key; {why}")
    return _open_all(desk.vault, record_id, kind, author_id, person_id, reader, recovery_key)


def _open_all(vault: Vault, record_id: str, kind: Kind, author_id: str, person_id: str | None,
              reader: str, key: RecoveryKey) -> list[Record]:
    out = []
    with vault.store.transaction() as s:
        rows = s.execute(
            select(VersionRow, WrapRow.suite, WrapRow.wrapped)
            .join(WrapRow, (WrapRow.record_id == VersionRow.record_id)
                  & (WrapRow.version == VersionRow.version) & (WrapRow.reader_id == reader))
            .where(VersionRow.record_id == record_id).order_by(VersionRow.hlc)).all()
        for ver, suite, wrapped in rows:
            if ver.ciphertext is None:
                continue
            fields = open_with_key(key, reader, SealedVersion(
                record_id, kind, author_id, ver.vid, ver.ciphertext), suite, wrapped)
            out.append(Record(record_id, kind, author_id, person_id, ver.version, ver.saved_at,
                              fields, deleted=ver.tombstone))
    if not out:
        raise NotFound("No version of this record was wrapped for the recovery key (it was "
                       "written before the policy set one).")
    return out


@dataclass(frozen=True)
class AccessEvent:
    """Someone other than the author did something with one of her records (or, in a
    coordinator's view, with a record of someone else in the team)."""

    at: datetime
    who: str
    role: str
    action: str
    record_id: str
    kind: str
    reason: str  # break-glass only, for the author: the reason, opened with her own key
    author: str = ""  # the record's author, when it is not the one looking
    elsewhere: bool = False  # it happened on another computer and came through the team share


_SEEN_BY_OTHERS = (audit.READ, audit.EXPORT, audit.BREAK_GLASS)


def _shown(me: str, coordinator: bool, author: str, actor: str | None, action: str,
           detail: str) -> bool:
    """Whether an entry belongs in this user's view: someone else with her record, or, for a
    coordinator, an export, a break-glass opening or a recovery-key read of anyone's."""
    if author == me:
        return actor != me
    if not coordinator or not author or author == actor:
        return False
    return action != audit.READ or detail.startswith(audit.RECOVERY_READ)


def access_to_my_records(desk: Desk) -> list[AccessEvent]:
    """The author's view: every read, export and break-glass opening of her records by
    someone else, on this computer and (through the team share) on any other, newest first.
    A coordinator also sees every break-glass opening, export and recovery-key read of
    anyone else's records in the team."""
    me = desk.user.id
    coordinator = desk.user.role is Role.COORDINATOR
    out = []
    with desk.vault.store.transaction() as s:
        names = {a.id: (a.name, a.role) for a in s.scalars(select(AccountRow))}

        def event(at: datetime, actor: str | None, action: str, record_id: str, kind: str,
                  author_id: str, detail: str, elsewhere: bool) -> AccessEvent:
            reason = ""
            if action == audit.BREAK_GLASS and author_id == me:
                sealed = _detail_fields(detail).get("for-author", "")
                reason = _open_reason(sealed, desk.keys.receive_key,
                                      f"peerdesk/break-glass/v1|{record_id}|{actor}")
            name, role = names.get(actor or "", ("(unknown account)", ""))
            author = "" if author_id == me else names.get(author_id, ("someone", ""))[0]
            return AccessEvent(at, name, role, action, record_id, kind, reason, author,
                               elsewhere)

        records = {rid: (kind, author) for rid, kind, author in s.execute(
            select(RecordRow.id, RecordRow.kind, RecordRow.author_id))}
        mine = [rid for rid, (_k, author) in records.items() if author == me]
        local = select(AuditRow).where(AuditRow.action.in_(_SEEN_BY_OTHERS))
        if coordinator:  # her own records, and what a coordinator sees of everyone's
            local = local.where(or_(
                AuditRow.record_id.in_(mine), AuditRow.action != audit.READ,
                AuditRow.detail.startswith(audit.RECOVERY_READ)))
        else:
            local = local.where(AuditRow.record_id.in_(mine))
        for r in s.scalars(local):
            kind, author = records.get(r.record_id or "", ("", ""))
            if _shown(me, coordinator, author, r.actor_id, r.action, r.detail):
                out.append(event(r.at, r.actor_id, r.action, r.record_id or "", kind, author,
                                 r.detail, False))
        # From other computers, through the team share (sealed for the author and the
        # coordinators): a coordinator sees her own there too, as she may have been elsewhere.
        for n in s.scalars(select(AuditReceivedRow)):
            if _shown(me, coordinator, n.record_author_id, n.actor_id, n.action, n.detail):
                out.append(event(n.at, n.actor_id, n.action, n.record_id, n.kind,
                                 n.record_author_id, n.detail, True))
    return sorted(out, key=lambda e: e.at, reverse=True)


@dataclass(frozen=True)
class BreakGlassEvent:
    seq: int
    at: datetime
    who: str
    role: str
    record_id: str
    kind: str
    author: str
    reason: str


def break_glass_report(vault: Vault, recovery_key: RecoveryKey, *,
                       start: date | None = None, end: date | None = None,
                       ) -> tuple[list[BreakGlassEvent], list[str]]:
    """For the Caldicott Guardian: every break-glass opening on this computer, with the reason
    (opened with the recovery key), and the audit trail's own check."""
    check_recovery_key(vault, recovery_key)
    problems = vault.verify_audit()
    out = []
    with vault.store.transaction() as s:
        names = {a.id: (a.name, a.role) for a in s.scalars(select(AccountRow))}
        query = select(AuditRow).where(AuditRow.action == audit.BREAK_GLASS)
        query = _between(query, start, end).order_by(AuditRow.seq)
        for r in s.scalars(query):
            record = s.get(RecordRow, r.record_id)
            sealed = _detail_fields(r.detail).get("for-ig", "")
            reason = _open_reason(sealed, recovery_key,
                                  f"peerdesk/break-glass/v1|{r.record_id}|{r.actor_id}")
            who, role = names.get(r.actor_id or "", ("(unknown account)", ""))
            author = names.get(record.author_id, ("(unknown)", ""))[0] if record else "(erased)"
            out.append(BreakGlassEvent(r.seq, r.at, who, role, r.record_id or "",
                                       record.kind if record else "", author, reason))
    return out, problems


# -- audit export ---------------------------------------------------------------------------

def _between(query: Any, start: date | None, end: date | None) -> Any:
    if start is not None:
        query = query.where(AuditRow.at >= datetime.combine(start, time()))
    if end is not None:
        query = query.where(AuditRow.at < datetime.combine(end + timedelta(days=1), time()))
    return query


CSV_COLUMNS = ("seq", "at_utc", "actor_id", "actor_name", "actor_role", "action", "record_id",
               "record_kind", "detail", "signed", "hash")


def export_audit(desk: Desk, out: Path, *, start: date | None = None,
                 end: date | None = None) -> tuple[int, str]:
    """The audit trail of a period as CSV, for an incident review. The whole chain is verified
    first; a broken chain is refused. Returns (entries written, hash of the chain's head)."""
    if desk.user.role not in STAFF:
        raise NotAllowed("Only a Peer Worker Coordinator or an administrator can export the "
                         "audit trail.")
    problems = desk.vault.verify_audit()
    if problems:
        raise IntegrityProblem("The audit trail failed its check, so it was not exported: "
                               + problems[0])
    rows: list[tuple[object, ...]] = [CSV_COLUMNS]
    with desk.vault.store.transaction() as s:
        names = {a.id: (a.name, a.role) for a in s.scalars(select(AccountRow))}
        kinds = {rid: kind for rid, kind in s.execute(select(RecordRow.id, RecordRow.kind))}
        head = s.scalar(select(AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)) or b""
        count = 0
        for r in s.scalars(_between(select(AuditRow), start, end).order_by(AuditRow.seq)):
            name, role = names.get(r.actor_id or "", ("", ""))
            rows.append((r.seq, r.at.isoformat(timespec="seconds"), r.actor_id, name, role,
                         r.action, r.record_id, kinds.get(r.record_id or "", ""), r.detail,
                         "yes" if r.signature else "no", r.hash.hex()))
            count += 1
    exports.write_csv(out, rows)
    desk.note(audit.AUDIT_EXPORT, None, f"entries={count}; from={start or ''}; to={end or ''}")
    return count, head.hex()


def role_label(role: str) -> str:
    try:
        return Role(role).label
    except ValueError:
        return role

