"""signed account certificates

Revision ID: 0004_certificates
Revises: 0003_fewer_pages
Create Date: 2026-12-06 20:05:00

Each account keeps the certificate an administrator signed for it (the same bytes as its file
on the team share): the only source of the role a command obeys. Accounts from before have
none; they are certified again as described in docs/sync-protocol.md ("Account
certificates").
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_certificates"
down_revision = "0003_fewer_pages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("certificate", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("certificate")
