"""left: items

Revision ID: 2b0000000002
Revises: 1a0000000001
Create Date: 2026-02-01 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '2b0000000002'
down_revision = '1a0000000001'
branch_labels = ('left',)
depends_on = None


def upgrade() -> None:
    op.create_table(
        'items',
        sa.Column('id', sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column('account_id', sa.Integer(), sa.ForeignKey('accounts.id', ondelete='CASCADE'), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
    )
    op.create_index('ix_items_account_id', 'items', ['account_id'])


def downgrade() -> None:
    op.drop_index('ix_items_account_id', table_name='items')
    op.drop_table('items')
