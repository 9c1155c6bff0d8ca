"""Records, accounts and roles as immutable snapshots handed to the UI and the CLI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    PERSON = "person"
    DIARY = "diary"
    REFLECTION = "reflection"
    DISCHARGE_PLAN = "discharge_plan"
    CRISIS_PLAN = "crisis_plan"
    RECOVERY_PLAN = "recovery_plan"
    COMMENT = "comment"
    SUPERVISION = "supervision"
    ACTION = "action"
    SUMMARY = "delivery_summary"
    CHECKIN = "wellbeing_checkin"
    RESOURCE = "resource"
    COVER = "cover"
    OUTCOME = "work_outcome"
    SUPPORT_ASK = "support_ask"
    STAYING_WELL = "staying_well_plan"
    PROPOSAL = "resource_proposal"
    HANDOVER = "support_handover"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    Kind.PERSON: "Person I support",
    Kind.DIARY: "Session diary",
    Kind.REFLECTION: "Boundary reflection",
    Kind.DISCHARGE_PLAN: "Discharge plan",
    Kind.CRISIS_PLAN: "Crisis plan",
    Kind.RECOVERY_PLAN: "Personal recovery plan",
    Kind.COMMENT: "Comment from supervision",
    Kind.SUPERVISION: "Group supervision session",
    Kind.ACTION: "Supervision action",
    Kind.SUMMARY: "Delivery figures (no names or words)",
    Kind.CHECKIN: "My wellbeing check-in (private)",
    Kind.RESOURCE: "Resource pack entry",
    Kind.COVER: "Cover while the coordinator is away",
    Kind.OUTCOME: "Done or not needed (Today)",
    Kind.SUPPORT_ASK: "Asked for a conversation",
    Kind.STAYING_WELL: "My staying-well plan (private)",
    Kind.PROPOSAL: "Proposed resource pack entry",
    Kind.HANDOVER: "Support handed over, shared or covered",
}

PLAN_KINDS = frozenset({Kind.DISCHARGE_PLAN, Kind.CRISIS_PLAN, Kind.RECOVERY_PLAN})
# Kinds never about one person: the editor offers no person to choose.
NOT_ABOUT_A_PERSON = frozenset({Kind.PERSON, Kind.REFLECTION, Kind.COMMENT, Kind.SUPERVISION,
                                Kind.ACTION, Kind.CHECKIN, Kind.RESOURCE, Kind.COVER,
                                Kind.SUPPORT_ASK, Kind.STAYING_WELL, Kind.PROPOSAL,
                                Kind.HANDOVER})


# Kinds only a Peer Worker Coordinator writes: comments from supervision, group supervision
# sessions and the actions agreed in them, and cover.
COORDINATOR_KINDS = frozenset({Kind.COMMENT, Kind.SUPERVISION, Kind.ACTION, Kind.COVER})


class Role(StrEnum):
    PEER = "peer"
    COORDINATOR = "coordinator"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {"peer": "Peer support worker", "coordinator": "Peer Worker Coordinator",
                "admin": "Administrator"}[self.value]


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    role: Role
    created_at: datetime
    # "active"; "pending" (no administrator has approved it: it obeys no role but peer and
    # receives nothing shared), "removed", or "altered" (its columns do not match its signed
    # certificate). Only an active account is shared with or trusted by other devices.
    status: str = "active"
    # For a pending account: the role it asked for when it was added (approval's default).
    asked: Role | None = None

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True, slots=True)
class Record:
    """One version of a record, decrypted for the user who asked for it. (Slots: a desk holds
    one for every record it lists, and a per-instance dict would cost 100 bytes each.)"""

    id: str
    kind: Kind
    author_id: str
    person_id: str | None
    version: int
    saved_at: datetime
    fields: Mapping[str, Any]
    deleted: bool = False
    readers: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """A short line for lists; never shown in window titles or notifications."""
        if self.kind is Kind.PERSON:
            return str(self.fields.get("label", ""))
        when = self.fields.get("when") or self.fields.get("agreed_on") or ""
        return f"{self.kind.label} {str(when)[:10]}".strip()
