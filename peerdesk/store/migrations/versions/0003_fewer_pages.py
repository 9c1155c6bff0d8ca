"""fewer pages written per save: indexes that no frequent query needs

Revision ID: 0003_fewer_pages
Revises: 0002_sync
Create Date: 2026-11-30 07:10:00

Every save writes a page of every index of the tables it inserts into, and each page is
flushed to disk with the commit; an index keyed by a random id touches a different page each
time. ``ix_versions_hlc`` (record, clock) repeats what the primary key (record, version)
already finds: a record's few versions. ``ix_sync_outbox_user_id`` indexes a short queue.
``ix_records_person_id`` and ``ix_records_author_kind`` served erasure, subject access and
retention, which are rare and read every record anyway; the one frequent query among them,
how many of her records are in conflict (the status line asks every half minute), gets a
partial index that holds conflicts only, so a save does not touch it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_fewer_pages"
down_revision = "0002_sync"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.drop_index("ix_versions_hlc")
    with op.batch_alter_table("sync_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_outbox_user_id"))
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_author_kind")
        batch_op.drop_index(batch_op.f("ix_records_person_id"))
        batch_op.create_index("ix_records_conflicts", ["author_id"], unique=False,
                              sqlite_where=sa.text('"conflict" IS 1'))


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_conflicts")
        batch_op.create_index(batch_op.f("ix_records_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_records_author_kind", ["author_id", "kind"], unique=False)
    with op.batch_alter_table("sync_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_outbox_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.create_index("ix_versions_hlc", ["record_id", "hlc"], unique=False)
