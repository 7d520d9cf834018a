"""green: account display name

Revision ID: 9c0000000009
Revises: 7a0000000007
Create Date: 2026-02-01 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '9c0000000009'
down_revision = '7a0000000007'
branch_labels = ('green',)
depends_on = None


def upgrade() -> None:
    op.add_column('accounts', sa.Column('display_name', sa.String(80)))
    op.create_index('ix_accounts_display_name', 'accounts', ['display_name'])


def downgrade() -> None:
    op.drop_index('ix_accounts_display_name', table_name='accounts')
    op.drop_column('accounts', 'display_name')
