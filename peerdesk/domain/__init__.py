"""Plain typed objects and rules; no I/O."""

from peerdesk.domain.fields import Choice, FieldSpec, FieldType, KindSpec, Section
from peerdesk.domain.records import (
    PLAN_KINDS,
    Account,
    Kind,
    Record,
    Role,
)

__all__ = [
    "PLAN_KINDS",
    "Account",
    "Choice",
    "FieldSpec",
    "FieldType",
    "Kind",
    "KindSpec",
    "Record",
    "Role",
    "Section",
]
