"""after the merge: archived flags

Revision ID: 7a0000000007
Revises: 6f0000000006
Create Date: 2026-02-01 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '7a0000000007'
down_revision = '6f0000000006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('accounts', sa.Column('archived', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('items', sa.Column('archived', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    op.drop_column('items', 'archived')
    op.drop_column('accounts', 'archived')
