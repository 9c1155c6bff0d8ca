"""Drafts: unsaved edits, autosaved sealed under the owner's own key so a peer interrupted on
the ward loses nothing. They stay on the device where they were typed."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects.sqlite import insert as upsert

from peerdesk.crypto.payload import open_fields, seal_fields
from peerdesk.domain import Kind
from peerdesk.services.actor import Actor
from peerdesk.store.models import DraftRow, table

_DRAFTS = table(DraftRow)


@dataclass(frozen=True)
class Draft:
    id: str
    kind: Kind
    record_id: str | None
    person_id: str | None
    updated_at: datetime
    fields: Mapping[str, Any]


def _aad(me: Actor, draft_id: str) -> bytes:
    return f"peerdesk/draft/v1|{draft_id}|{me.user.id}".encode()


def save_draft(me: Actor, kind: Kind | str, fields: Mapping[str, Any], *,
               draft_id: str | None = None, record_id: str | None = None,
               person_id: str | None = None) -> str:
    draft_id = draft_id or str(uuid.uuid4())
    row = {"id": draft_id, "owner_id": me.user.id, "record_id": record_id,
           "person_id": person_id, "kind": Kind(kind).value, "updated_at": me.now(),
           "ciphertext": seal_fields(me.keys.own, dict(fields), aad=_aad(me, draft_id))}
    with me.transaction() as conn:
        conn.execute(upsert(_DRAFTS).values(row).on_conflict_do_update(
            index_elements=[_DRAFTS.c.id], set_=row))
    return draft_id


def drafts(me: Actor) -> list[Draft]:
    d = _DRAFTS.c
    with me.transaction() as conn:
        rows = conn.execute(
            select(d.id, d.kind, d.record_id, d.person_id, d.updated_at, d.ciphertext)
            .where(d.owner_id == me.user.id).order_by(d.updated_at.desc())).all()
    return [Draft(r.id, Kind(r.kind), r.record_id, r.person_id, r.updated_at,
                  open_fields(me.keys.own, r.ciphertext, aad=_aad(me, r.id))) for r in rows]


def discard_draft(me: Actor, draft_id: str) -> None:
    with me.transaction() as conn:
        discard_in(me, conn, draft_id)


def discard_in(me: Actor, conn: Connection, draft_id: str) -> None:
    """``discard_draft`` inside a transaction the caller holds (the save that replaces it)."""
    conn.execute(delete(_DRAFTS).where(_DRAFTS.c.id == draft_id, _DRAFTS.c.owner_id == me.user.id))
