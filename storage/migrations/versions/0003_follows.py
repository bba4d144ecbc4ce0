"""follows, digest preferences, alert digests

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 02:46:35.608352
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "digest_preferences",
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("actor_ids", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("max_articles", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["subscriber_id"], ["subscribers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("subscriber_id"),
    )
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["actors.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["subscriber_id"], ["subscribers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subscriber_id", "actor_id", name="uq_follow"),
    )
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follows_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_follows_subscriber_id"), ["subscriber_id"], unique=False
        )

    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_items", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("statement_ids", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.drop_column("statement_ids")
        batch_op.drop_column("max_items")

    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follows_subscriber_id"))
        batch_op.drop_index(batch_op.f("ix_follows_actor_id"))

    op.drop_table("follows")
    op.drop_table("digest_preferences")
