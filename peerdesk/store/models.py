"""Tables. Plaintext columns hold only what is needed before unlock: ids, kinds, authors,
versions and times. Everything a person wrote is in an encrypted column."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import (
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table(model: type[Base]) -> Table:
    """A model's table, for Core statements."""
    return cast(Table, model.__table__)


class Setting(Base):
    """Device-level settings: device id, team name. Nothing about a person."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str]


class AccountRow(Base):
    __tablename__ = "accounts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    kdf: Mapped[str]  # JSON KdfParams; stored so they can be raised later
    secrets: Mapped[bytes] = mapped_column(LargeBinary)  # sealed under the passphrase key
    receive_public: Mapped[bytes] = mapped_column(LargeBinary)
    verify_public: Mapped[bytes] = mapped_column(LargeBinary)
    failed_attempts: Mapped[int] = mapped_column(default=0)
    retry_after: Mapped[datetime | None]
    # The signed account certificate (peerdesk/sync/certs.py); None until one is issued.
    certificate: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The account's secrets as the team share holds them (peerdesk/sync/keyfiles.py).
    keys_doc: Mapped[bytes | None] = mapped_column(LargeBinary)


class RecordRow(Base):
    __tablename__ = "records"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    author_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    person_id: Mapped[str | None] = mapped_column(String(36))
    head_version: Mapped[int]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]
    # Two or more versions were saved concurrently (on different devices); the user resolves.
    conflict: Mapped[bool] = mapped_column(default=False)

    # Only conflicts are indexed (the status line counts them): every other index on a
    # record would be one more page written and flushed with each save.
    __table_args__ = (Index("ix_records_conflicts", "author_id", sqlite_where=text('"conflict" IS 1')),)


class VersionRow(Base):
    """One saved version. ``version`` numbers them on this device (in the order they arrived);
    ``vid`` names them everywhere: it is what the encryption binds and what the share carries."""

    __tablename__ = "versions"
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id"), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    vid: Mapped[str] = mapped_column(String(64))
    # Hybrid logical clock and device, as one sortable string: the order of versions.
    hlc: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str] = mapped_column(String(36))
    # The vids this version was saved over (space-separated); a version no other version
    # names is a head, and a record with two heads is in conflict.
    parents: Mapped[str] = mapped_column(default="")
    author_id: Mapped[str] = mapped_column(String(36))
    saved_at: Mapped[datetime]
    suite: Mapped[str] = mapped_column(String(32))
    tombstone: Mapped[bool] = mapped_column(default=False)
    ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Fields marked private (e.g. "keeping myself well"), sealed for the author alone.
    private_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)

    # The primary key finds a record's few versions; no other index is worth a page per save.
    __table_args__ = (Index("ix_versions_vid", "record_id", "vid", unique=True),)


class WrapRow(Base):
    """One content key wrapped for one reader of one version."""

    __tablename__ = "wraps"
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    reader_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    suite: Mapped[str] = mapped_column(String(64))
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (
        ForeignKeyConstraint(["record_id", "version"], ["versions.record_id", "versions.version"],
                             ondelete="CASCADE"),
        Index("ix_wraps_reader", "reader_id"),
    )


class ReaderRow(Base):
    """Who, besides the author, receives new versions of a record (sharing for supervision)."""

    __tablename__ = "readers"
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id"), primary_key=True)
    reader_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    since: Mapped[datetime]


class DraftRow(Base):
    """Autosaved, unsaved edits, sealed under the owner's own key."""

    __tablename__ = "drafts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    record_id: Mapped[str | None] = mapped_column(String(36))
    person_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime]
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class AuditRow(Base):
    """Hash-chained, append-only; holds ids and actions, never content."""

    __tablename__ = "audit"
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor_id: Mapped[str | None] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str | None] = mapped_column(String(36))
    detail: Mapped[str] = mapped_column(default="")
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary)
    hash: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)


class AuditReceivedRow(Base):
    """An audit entry another device published for readers here (docs/sync-protocol.md,
    "Audit notices"): a break-glass opening, an export or a recovery-key read of someone
    else's record. Ids, actions and times, as in ``audit``; a reason stays sealed."""

    __tablename__ = "audit_received"
    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor_id: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(36))
    record_author_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(default="")


# -- sync state (see docs/sync-protocol.md) ----------------------------------------------------


class OutboxRow(Base):
    """A local change not yet on the share. Ids only: content is read from its version at push."""

    __tablename__ = "sync_outbox"
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(36))  # a short queue: no index
    op: Mapped[str] = mapped_column(String(16))  # version | wrap | reader | erase
    record_id: Mapped[str] = mapped_column(String(36))
    vid: Mapped[str | None] = mapped_column(String(64))
    reader_id: Mapped[str | None] = mapped_column(String(36))


class ReaderClockRow(Base):
    """When sharing with a reader was last switched on or off: the newest switch wins."""

    __tablename__ = "reader_clocks"
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reader_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hlc: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool]


class ErasedPersonRow(Base):
    """A person who withdrew: any version about them that arrives later is dropped unread."""

    __tablename__ = "erased_people"
    person_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    author_id: Mapped[str] = mapped_column(String(36))
    hlc: Mapped[str] = mapped_column(String(64))


class CursorRow(Base):
    """How far one signed-in user has read one author's changesets from one device."""

    __tablename__ = "sync_cursors"
    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    author_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int]
    digest: Mapped[str] = mapped_column(String(64))


class PushedRow(Base):
    """A changeset this device wrote, so a removed or damaged one can be written again."""

    __tablename__ = "sync_pushed"
    author_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    digest: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    ops: Mapped[str]  # JSON list of the outbox entries it carried, to queue them again
    at: Mapped[datetime]


class PendingRow(Base):
    """An entry from the share that refers to a version not here yet (it comes from another
    device's folder); applied as soon as that version arrives."""

    __tablename__ = "sync_pending"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(36))
    author_id: Mapped[str] = mapped_column(String(36))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    entry: Mapped[str]  # JSON, as it came out of its (verified, decrypted) changeset


class ProblemRow(Base):
    """A share problem already reported, so each is reported once."""

    __tablename__ = "sync_problems"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    message: Mapped[str]
    at: Mapped[datetime]
