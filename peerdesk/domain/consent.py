"""A plan's consent ledger: who the person agreed may see their plan, which sections, why, and
from when until when. Pure rules; the service that changes and checks it is
peerdesk/services/consent.py.

The ledger is a field of the plan (``consents``), so it is encrypted with the plan, versioned
with it, and travels through the trust share with it. Entries are never removed: withdrawing
sets ``withdrawn_on``, so the history of who could see the plan stays readable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from peerdesk.errors import InvalidInput

ACTIVE, WITHDRAWN, EXPIRED, NOT_YET = "active", "withdrawn", "expired", "not yet"
# Named in the plan's old free-text "who to share with", not yet confirmed with the person:
# on the ledger so there is one list, but no copy is made for them until it is confirmed.
TO_CONFIRM = "to confirm"


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None


@dataclass(frozen=True)
class Consent:
    id: str
    recipient: str
    role: str
    scope: tuple[str, ...]  # section ids; empty means the whole plan
    purpose: str
    given_on: date
    expires_on: date | None
    withdrawn_on: date | None
    to_confirm: bool = False

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any]) -> Consent:
        given = _day(entry.get("given_on"))
        if given is None:  # the field's validation requires it: damaged if missing
            raise InvalidInput("A consent entry has no date it was given.")
        return cls(str(entry["id"]), str(entry["recipient"]), str(entry["role"]),
                   tuple(entry.get("scope") or ()), str(entry.get("purpose") or ""), given,
                   _day(entry.get("expires_on")), _day(entry.get("withdrawn_on")),
                   entry.get("to_confirm") is True)

    def entry(self) -> dict[str, Any]:
        return {"id": self.id, "recipient": self.recipient, "role": self.role,
                "scope": list(self.scope), "purpose": self.purpose,
                "given_on": self.given_on.isoformat(),
                "expires_on": self.expires_on.isoformat() if self.expires_on else None,
                "withdrawn_on": self.withdrawn_on.isoformat() if self.withdrawn_on else None,
                } | ({"to_confirm": True} if self.to_confirm else {})

    def state(self, on: date) -> str:
        if self.withdrawn_on is not None and self.withdrawn_on <= on:
            return WITHDRAWN
        if self.to_confirm:
            return TO_CONFIRM
        if self.expires_on is not None and self.expires_on < on:
            return EXPIRED
        if self.given_on > on:
            return NOT_YET
        return ACTIVE

    def matches(self, recipient: str) -> bool:
        wanted = " ".join(recipient.split()).casefold()
        return wanted in (self.id.casefold(), self.recipient.casefold())

    @property
    def whole_plan(self) -> bool:
        return not self.scope


def ledger(fields: Mapping[str, Any]) -> list[Consent]:
    return [Consent.from_entry(e) for e in fields.get("consents") or ()]


def active(fields: Mapping[str, Any], on: date) -> list[Consent]:
    """Who can see this plan today: what the person's own copy shows."""
    return [c for c in ledger(fields) if c.state(on) == ACTIVE]


def keep_ledger(previous: Sequence[Mapping[str, Any]], fields: dict[str, Any], *,
                changing: bool) -> dict[str, Any]:
    """A new version of a plan keeps the ledger of the version it replaces: consent is changed
    only through the consent service, so every change is its own audited step. An editor that
    does not show the ledger (the desktop form) therefore never drops it."""
    if changing:
        return fields
    before = list(previous[0].get("consents") or ()) if previous else []
    given = fields.get("consents")
    if given is not None and given != before:
        raise InvalidInput("Consent is recorded with `peerdesk plan consent add` or `withdraw` "
                           "(or 'Who can see this' on the plan in the app), so every change is "
                           "its own step in the audit trail. Leave 'consents' out of the record "
                           "or unchanged.")
    out = {k: v for k, v in fields.items() if k != "consents"}
    if before:
        out["consents"] = before
    return out


def merge_ledgers(heads: Iterable[Mapping[str, Any]], fields: dict[str, Any]) -> dict[str, Any]:
    """Settling a conflict: every entry from every concurrent version, and for an entry that
    differs, the narrower one (the earliest withdrawal or expiry). A withdrawal made on any
    device is never lost by a merge."""
    merged: dict[str, Consent] = {}
    for source in [*heads, fields]:
        for c in ledger(source):
            old = merged.get(c.id)
            if old is None:
                merged[c.id] = c
                continue
            merged[c.id] = Consent(
                c.id, old.recipient, old.role, old.scope, old.purpose,
                max(old.given_on, c.given_on), _earliest(old.expires_on, c.expires_on),
                _earliest(old.withdrawn_on, c.withdrawn_on),
                old.to_confirm or c.to_confirm)  # unconfirmed on either: no copy yet
    out = {k: v for k, v in fields.items() if k != "consents"}
    if merged:
        out["consents"] = [c.entry() for c in merged.values()]
    return out


def _earliest(a: date | None, b: date | None) -> date | None:
    known = [d for d in (a, b) if d is not None]
    return min(known) if known else None


def agreement(history: Sequence[Mapping[str, Any]]) -> tuple[date | None, bool]:
    """For the newest of a plan's versions (oldest first): the date the person last agreed it
    ("agreed by me on"), and whether the plan's words changed since the version where that
    date was set. A date carried forward over changed words is not an agreement to them."""
    if not history:
        return None, False
    newest = history[-1]
    agreed = _day(newest.get("agreed_on"))
    if agreed is None:
        return None, False
    set_at = len(history) - 1
    while set_at > 0 and history[set_at - 1].get("agreed_on") == newest.get("agreed_on"):
        set_at -= 1
    # "I agree this version" names the version itself: agreeing again the same day counts.
    named = str(newest.get("agreed_version") or "")
    if named.isdigit() and set_at < int(named) <= len(history):
        set_at = int(named) - 1
    words = ("sections", "peer_notes")
    changed = any(history[i].get(k) != newest.get(k)
                  for i in range(set_at, len(history)) for k in words)
    return agreed, changed
