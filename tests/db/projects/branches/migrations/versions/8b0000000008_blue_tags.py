"""blue: tags (a second branch point after the merge)

Revision ID: 8b0000000008
Revises: 7a0000000007
Create Date: 2026-02-01 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '8b0000000008'
down_revision = '7a0000000007'
branch_labels = ('blue',)
depends_on = None


def upgrade() -> None:
    op.create_table(
        'tags',
        sa.Column('item_id', sa.BigInteger(), sa.ForeignKey('items.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('tag', sa.String(40), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table('tags')
