"""an account's sealed keys as the team share holds them

Revision ID: 0005_sealed_keys
Revises: 0004_certificates
Create Date: 2026-12-06 20:30:00

Each account keeps the signed copy of its secrets that goes to the team share (sealed with
the share's stronger key derivation; a new one at each passphrase change), so the change
reaches her other devices and the old passphrase stops enrolling new ones.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_sealed_keys"
down_revision = "0004_certificates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("keys_doc", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("keys_doc")
