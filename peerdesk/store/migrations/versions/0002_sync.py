"""sync: version ids, hybrid logical clocks, conflicts, outbox and cursors

Revision ID: 0002_sync
Revises: 0001_initial
Create Date: 2026-11-22 03:40:00

Versions written before this revision keep ``vid = str(version)``, which is exactly what their
encryption was bound to, and get a clock reading from their save time. Everything already in
the vault is queued for the first sync.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002_sync"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("conflict", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vid", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hlc", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("device_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("parents", sa.String(), nullable=False, server_default=""))

    conn = op.get_bind()
    device = conn.execute(sa.text("SELECT value FROM settings WHERE key = 'device_id'")).scalar()
    device = device or "00000000-0000-0000-0000-000000000000"
    rows = conn.execute(sa.text(
        "SELECT record_id, version, saved_at FROM versions ORDER BY record_id, version")).all()
    for record_id, version, saved_at in rows:
        when = saved_at if isinstance(saved_at, datetime) else datetime.fromisoformat(saved_at)
        ms = int(when.replace(tzinfo=UTC).timestamp() * 1000)
        conn.execute(sa.text(
            "UPDATE versions SET vid = :vid, hlc = :hlc, device_id = :dev, parents = :parents "
            "WHERE record_id = :rid AND version = :v"),
            {"vid": str(version), "hlc": f"{ms:012x}{version % 65536:04x}.{device}",
             "dev": device, "parents": str(version - 1) if version > 1 else "",
             "rid": record_id, "v": version})

    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.alter_column("vid", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hlc", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("device_id", existing_type=sa.String(length=36), nullable=False)
        batch_op.create_index("ix_versions_vid", ["record_id", "vid"], unique=True)
        batch_op.create_index("ix_versions_hlc", ["record_id", "hlc"], unique=False)

    op.create_table(
        "sync_outbox",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("op", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("vid", sa.String(length=64), nullable=True),
        sa.Column("reader_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_sync_outbox")),
    )
    with op.batch_alter_table("sync_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_outbox_user_id"), ["user_id"], unique=False)
    op.create_table(
        "reader_clocks",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("reader_id", sa.String(length=36), nullable=False),
        sa.Column("hlc", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("record_id", "reader_id", name=op.f("pk_reader_clocks")),
    )
    op.create_table(
        "erased_people",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("author_id", sa.String(length=36), nullable=False),
        sa.Column("hlc", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_erased_people")),
    )
    op.create_table(
        "sync_cursors",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("author_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "device_id", "author_id", name=op.f("pk_sync_cursors")),
    )
    op.create_table(
        "sync_pushed",
        sa.Column("author_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("ops", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("author_id", "seq", name=op.f("pk_sync_pushed")),
    )
    op.create_table(
        "sync_pending",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("author_id", sa.String(length=36), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("entry", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_pending")),
    )
    with op.batch_alter_table("sync_pending", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_pending_record_id"), ["record_id"], unique=False)
    op.create_table(
        "sync_problems",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sync_problems")),
    )

    # Queue what the vault already holds, so the first sync publishes it.
    conn.execute(sa.text(
        "INSERT INTO sync_outbox (user_id, op, record_id, vid) "
        "SELECT author_id, 'version', record_id, vid FROM versions ORDER BY record_id, version"))
    conn.execute(sa.text(
        "INSERT INTO sync_outbox (user_id, op, record_id, reader_id) "
        "SELECT r.author_id, 'reader', d.record_id, d.reader_id "
        "FROM readers d JOIN records r ON r.id = d.record_id"))
    # A version entry carries every wrap its version has, so wraps need no entries of their own.


def downgrade() -> None:
    with op.batch_alter_table("sync_pending", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_pending_record_id"))
    for table in ("sync_problems", "sync_pending", "sync_pushed", "sync_cursors", "erased_people",
                  "reader_clocks"):
        op.drop_table(table)
    with op.batch_alter_table("sync_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_outbox_user_id"))
    op.drop_table("sync_outbox")
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.drop_index("ix_versions_hlc")
        batch_op.drop_index("ix_versions_vid")
        batch_op.drop_column("parents")
        batch_op.drop_column("device_id")
        batch_op.drop_column("hlc")
        batch_op.drop_column("vid")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_column("conflict")
