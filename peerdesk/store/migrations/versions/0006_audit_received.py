"""audit entries other devices published for readers here

Revision ID: 0006_audit_received
Revises: 0005_sealed_keys
Create Date: 2026-12-06 23:00:00

A break-glass opening, an export or a recovery-key read of someone else's record, done on
another computer, reaches the record's author and the coordinators through the team share;
each device keeps what arrived for its readers here.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_audit_received"
down_revision = "0005_sealed_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_received",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("record_author_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "seq", name=op.f("pk_audit_received")),
    )
    with op.batch_alter_table("audit_received", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_received_record_author_id"),
                              ["record_author_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_received", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_received_record_author_id"))
    op.drop_table("audit_received")
