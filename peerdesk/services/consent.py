"""Consent per plan: record who the person agreed may see it, withdraw that, and make every
copy of a plan through one door that checks the ledger (peerdesk/domain/consent.py)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Connection

from peerdesk import audit, dates
from peerdesk.catalogue import choices, spec
from peerdesk.domain import PLAN_KINDS, Record
from peerdesk.domain.consent import (
    ACTIVE,
    EXPIRED,
    NOT_YET,
    TO_CONFIRM,
    WITHDRAWN,
    Consent,
    active,
    ledger,
)
from peerdesk.domain.consent import agreement as agreement_of
from peerdesk.errors import InvalidInput, NotAllowed, NotFound
from peerdesk.services import reading, saving
from peerdesk.services.actor import Actor
from peerdesk.services.desk import Desk
from peerdesk.store import records

FOR_THE_PERSON = "the person"


@dataclass(frozen=True)
class PlanCopy:
    """What one copy of a plan may show. ``record`` is cut to the consent's scope; the person's
    own copy is the whole plan and lists everyone who can see it ("who can see this")."""

    record: Record
    recipient: str  # FOR_THE_PERSON, or the consent's recipient
    consent: Consent | None
    who_can_see: tuple[Consent, ...]
    agreed_on: date | None
    changed_since_agreed: bool
    on: date

    @property
    def for_the_person(self) -> bool:
        return self.consent is None


def role_label(role: str) -> str:
    return {c.id: c.label for c in choices("recipient_roles")}.get(role, role)


def _plan(desk: Desk, plan_id: str) -> Record:
    record = desk.get(plan_id)
    if record.kind not in PLAN_KINDS:
        raise InvalidInput("Consent is recorded on plans: discharge, crisis and recovery plans.")
    return record


def _today(desk: Desk, on: date | None) -> date:
    return on or dates.today(desk.vault.clock())


def add_consent(desk: Desk, plan_id: str, *, recipient: str, role: str,
                scope: Sequence[str] = (), purpose: str = "", given_on: date | None = None,
                expires_on: date | None = None) -> Consent:
    """The person agreed that ``recipient`` may see this plan (or some of its sections)."""
    record = _plan(desk, plan_id)
    given = _today(desk, given_on)
    if expires_on is not None and expires_on < given:
        raise InvalidInput("The agreement cannot end before it starts.")
    entry = {"id": "c-" + uuid.uuid4().hex[:8], "recipient": recipient, "role": role,
             "scope": list(scope), "purpose": purpose, "given_on": given.isoformat(),
             "expires_on": expires_on.isoformat() if expires_on else None,
             "withdrawn_on": None}
    fields = dict(record.fields)
    fields["consents"] = [*(record.fields.get("consents") or ()), entry]
    saved = desk.update(plan_id, fields, consent_change=f"add={entry['id']} role={role}")
    return next(c for c in ledger(saved.fields) if c.id == entry["id"])


def add_in(me: Actor, conn: Connection, plan_id: str, *, recipient: str, role: str,
           purpose: str, given_on: date, expires_on: date | None = None) -> str:
    """``add_consent`` inside a transaction the caller holds (a handover records the person's
    agreement on each of their plans in the same step as it moves them). Returns the id."""
    row = me.own(conn, plan_id)
    shown = records.outcome(conn, plan_id).winner
    before = reading.fields_of(me, conn, row, [shown.version])
    if not before:
        raise InvalidInput("This plan has no version you can read.")
    entry: dict[str, Any] = {"id": "c-" + uuid.uuid4().hex[:8], "recipient": recipient, "role": role,
             "scope": [], "purpose": purpose, "given_on": given_on.isoformat(),
             "expires_on": expires_on.isoformat() if expires_on else None,
             "withdrawn_on": None}
    fields = dict(before[0])
    fields["consents"] = [*(fields.get("consents") or ()), entry]
    saving.update_in(me, conn, plan_id, fields, consent_change=f"add={entry['id']} role={role}")
    return str(entry["id"])


NAMED_ROLE = "other"  # "Someone else the person named": the role is chosen when confirmed


def named_to_move(fields: Mapping[str, Any]) -> list[str]:
    """Names in the old free-text "who to share with" that the ledger does not hold yet."""
    entries = ledger(fields)
    names = [" ".join(str(n).split()) for n in fields.get("shared_with") or ()]
    out: list[str] = []
    for name in names:
        if name and not any(c.matches(name) for c in entries) and \
                name.casefold() not in (n.casefold() for n in out):
            out.append(name[:200])
    return out


def take_named(desk: Desk, plan_id: str, *, on: date | None = None) -> list[Consent]:
    """One list of who may see a plan: names from the old free-text field go onto the ledger
    as "to confirm" (no copy is made for them until the person confirms), and the free text
    goes. Returns the entries added."""
    record = _plan(desk, plan_id)
    if "shared_with" not in record.fields:
        return []
    when = _today(desk, on)
    added: list[dict[str, Any]] = [{"id": "c-" + uuid.uuid4().hex[:8], "recipient": name, "role": NAMED_ROLE,
              "scope": [], "purpose": "", "given_on": when.isoformat(), "expires_on": None,
              "withdrawn_on": None, "to_confirm": True} for name in named_to_move(record.fields)]
    fields = {k: v for k, v in record.fields.items() if k != "shared_with"}
    fields["consents"] = [*(record.fields.get("consents") or ()), *added]
    saved = desk.update(plan_id, fields, consent_change="named=" + ",".join(
        str(e["id"]) for e in added))
    ids = {e["id"] for e in added}
    return [c for c in ledger(saved.fields) if c.id in ids]


def take_named_everywhere(desk: Desk, records: Sequence[Record] | None = None) -> int:
    """At sign-in: every plan of this user's that still has the free-text field. Returns how
    many plans changed."""
    plans = [r for r in (desk.records() if records is None else records)
             if r.kind in PLAN_KINDS and not r.deleted and r.author_id == desk.user.id
             and "shared_with" in r.fields]
    for plan in plans:
        take_named(desk, plan.id)
    return len(plans)


def confirm_consent(desk: Desk, plan_id: str, consent_id: str, *, role: str,
                    scope: Sequence[str] = (), purpose: str = "",
                    on: date | None = None) -> Consent:
    """The person confirmed that someone named in their plan may see it: from today, in the
    role and for the sections they chose."""
    record = _plan(desk, plan_id)
    when = _today(desk, on)
    if role not in {c.id for c in choices("recipient_roles")}:
        raise InvalidInput(f"{role!r} is not one of the recipient roles.")
    entries: list[dict[str, Any]] = [dict(e) for e in record.fields.get("consents") or ()]
    found = [e for e in entries if e["id"] == consent_id and e.get("to_confirm")
             and e.get("withdrawn_on") is None]
    if not found:
        raise NotFound(f"This plan's consent ledger has no entry {consent_id!r} waiting to be "
                       "confirmed.")
    entry = found[0]
    entry.pop("to_confirm")
    entry |= {"role": role, "scope": list(scope), "purpose": purpose.strip(),
              "given_on": when.isoformat()}
    saved = desk.update(plan_id, dict(record.fields) | {"consents": entries},
                        consent_change=f"confirm={consent_id} role={role}")
    return next(c for c in ledger(saved.fields) if c.id == consent_id)


def to_confirm(fields: Mapping[str, Any], on: date) -> list[Consent]:
    return [c for c in ledger(fields) if c.state(on) == TO_CONFIRM]


def withdraw_consent(desk: Desk, plan_id: str, consent_id: str, *,
                     on: date | None = None) -> Consent:
    """The person no longer agrees: from ``on`` (today) no copy is made for that recipient.
    The entry stays in the ledger, so who could see the plan, and when, stays on record."""
    record = _plan(desk, plan_id)
    when = _today(desk, on)
    entries: list[dict[str, Any]] = [dict(e) for e in record.fields.get("consents") or ()]
    found = [e for e in entries if e["id"] == consent_id or (Consent.from_entry(e).matches(
        consent_id) and Consent.from_entry(e).state(when) == ACTIVE)]
    if not found:
        raise NotFound(f"This plan's consent ledger has no current entry {consent_id!r}.")
    for e in found:
        if e.get("withdrawn_on") is None:
            e["withdrawn_on"] = when.isoformat()
    saved = desk.update(plan_id, dict(record.fields) | {"consents": entries},
                        consent_change="withdraw=" + ",".join(e["id"] for e in found))
    return next(c for c in ledger(saved.fields) if c.id == found[0]["id"])


def _refusal(recipient: str, matching: list[Consent], on: date) -> str:
    if not matching:
        return (f"{recipient} is not on this plan's consent ledger: the person has not agreed "
                "that they can see it. Ask the person, and record their agreement first.")
    last = max(matching, key=lambda c: c.given_on)
    match last.state(on):
        case "to confirm":
            return (f"{last.recipient} is named in this plan, but the person's agreement has "
                    "not been confirmed and recorded yet. Confirm it with them first ('Who can "
                    "see this' on the plan).")
        case "withdrawn":
            return (f"The person withdrew their agreement for {last.recipient} to see this plan "
                    f"on {dates.day(last.withdrawn_on)}.")
        case "expired":
            return (f"The person's agreement for {last.recipient} to see this plan ended on "
                    f"{dates.day(last.expires_on)}. Ask them again before sending a copy.")
        case _:
            return (f"The person's agreement for {last.recipient} to see this plan starts on "
                    f"{dates.day(last.given_on)}.")


def _cut(record: Record, consent: Consent) -> Record:
    """Only what the consent covers: its sections, and no other recipient's name."""
    fields = {k: v for k, v in record.fields.items() if k not in ("shared_with", "consents")}
    if consent.scope:
        sections = record.fields.get("sections") or {}
        fields["sections"] = {k: v for k, v in sections.items() if k in consent.scope}
        fields["peer_notes"] = [s for s in record.fields.get("peer_notes") or ()
                                if s in consent.scope]
    fields["consents"] = [consent.entry()]
    return replace(record, fields=fields)


def copy_for(record: Record, recipient: str | None, *, on: date,
             history: Sequence[Mapping[str, Any]] = ()) -> PlanCopy:
    """The consent check itself, on a plan already read (no store access, so the app's copy
    dialog runs it too). Raises NotAllowed with the reason when the ledger does not allow it.
    ``history`` is the plan's versions, oldest first, for "agreed by me on"."""
    agreed, changed = agreement_of(list(history) or [record.fields])
    if recipient is None or recipient.strip().casefold() in (FOR_THE_PERSON, "person", "self"):
        return PlanCopy(record, FOR_THE_PERSON, None, tuple(active(record.fields, on)), agreed,
                        changed, on)
    matching = [c for c in ledger(record.fields) if c.matches(recipient)]
    current = [c for c in matching if c.state(on) == ACTIVE]
    if not current:
        raise NotAllowed(_refusal(recipient.strip(), matching, on))
    consent = max(current, key=lambda c: (c.whole_plan, c.given_on))
    return PlanCopy(_cut(record, consent), consent.recipient, consent, (consent,), agreed,
                    changed, on)


def export_detail(copy: PlanCopy, how: str) -> str:
    """The audit entry's detail: how, and for whom by consent id (never a name); no "for"
    is the person's own copy."""
    return how if copy.consent is None else f"{how}; for=consent:{copy.consent.id}"


def export_plan(desk: Desk, plan_id: str, recipient: str | None = None, *, how: str,
                on: date | None = None) -> PlanCopy:
    """The one door for a copy of a plan leaving PeerDesk. ``recipient`` None is the person's
    own copy (always theirs to have); anyone else must be on the ledger, agreed and current,
    or the copy is refused with the reason, and the refusal is audited."""
    today = _today(desk, on)
    record = _plan(desk, plan_id)
    history = [r.fields for r in desk.history(plan_id) if not r.deleted]
    try:
        copy = copy_for(record, recipient, on=today, history=history)
    except NotAllowed:
        states = sorted({c.state(today) for c in ledger(record.fields)
                         if recipient and c.matches(recipient)})
        desk.note(audit.EXPORT_REFUSED, plan_id, f"{how}; consent={','.join(states) or 'none'}")
        raise
    desk.note_export(plan_id, export_detail(copy, how))
    return copy


def copy_text(copy: PlanCopy, *, person: str = "") -> str:
    """The copy as plain text (the command line's export; the app lays out the same facts as
    a document in services/copies.py)."""
    record, f = copy.record, copy.record.fields
    kind_spec = spec(record.kind)
    lines = [kind_spec.title, "=" * len(kind_spec.title)]
    if person and copy.for_the_person:
        lines.append(f"This plan belongs to {person}.")
    lines.append(agreement_line(copy))
    if f.get("review_on"):
        lines.append(f"To look at again on: {dates.day(str(f['review_on']))}")
    lines += ["", *who_can_see_lines(copy), ""]
    notes = set(f.get("peer_notes") or ())
    for section in kind_spec.by_name["sections"].sections:
        text = str((f.get("sections") or {}).get(section.id, "")).strip()
        if text:
            whose = "peer worker note" if section.id in notes else "in my words"
            lines += [f"{section.title} ({whose})", text, ""]
    lines.append(f"Version {record.version}. Copy made on {dates.day(copy.on)}.")
    return "\n".join(lines) + "\n"


def agreement_line(copy: PlanCopy) -> str:
    if copy.agreed_on is None:
        return "Not yet marked as agreed by the person."
    if copy.changed_since_agreed:
        return (f"Agreed by me on {dates.day(copy.agreed_on)}; changed since then, "
                "not yet agreed again.")
    return f"Agreed by me on {dates.day(copy.agreed_on)}."


def who_can_see_lines(copy: PlanCopy) -> list[str]:
    """"Who can see this", in plain English (Caldicott principle 8)."""
    if not copy.for_the_person and copy.consent is not None:
        c = copy.consent
        part = "the whole plan" if c.whole_plan else "some sections of this plan"
        out = [f"Shared with {c.recipient} ({role_label(c.role)}), by the person's choice, "
               f"on {dates.day(c.given_on)}: {part}."]
        if c.purpose:
            out.append(f"Why: {c.purpose}")
        if c.expires_on:
            out.append(f"Until: {dates.day(c.expires_on)}.")
        return out
    out = ["Who can see this:"]
    if not copy.who_can_see:
        out.append("  Only you and your peer support worker. Nobody else has a copy through "
                   "PeerDesk.")
    for c in copy.who_can_see:
        part = "the whole plan" if c.whole_plan else "some sections"
        until = f", until {dates.day(c.expires_on)}" if c.expires_on else ""
        out.append(f"  {c.recipient} ({role_label(c.role)}): {part}, since "
                   f"{dates.day(c.given_on)}{until}.")
    waiting = to_confirm(copy.record.fields, copy.on)
    if waiting:
        out.append("  Named by you, still to confirm: " + ", ".join(c.recipient for c in waiting)
                   + ". Nobody is sent a copy until you have said yes.")
    out.append("  If someone is at serious risk, staff may have to share information needed "
               "to keep people safe, even without agreement; you would normally be told.")
    return out


__all__ = ["ACTIVE", "EXPIRED", "FOR_THE_PERSON", "NOT_YET", "TO_CONFIRM", "WITHDRAWN",
           "PlanCopy", "add_consent", "agreement_line", "confirm_consent", "copy_for",
           "copy_text", "export_detail", "export_plan", "role_label", "take_named",
           "take_named_everywhere", "to_confirm", "who_can_see_lines", "withdraw_consent"]
