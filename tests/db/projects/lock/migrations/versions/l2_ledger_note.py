"""ledger note

Revision ID: l2
Revises: l1
Create Date: 2026-02-01 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'l2'
down_revision = 'l1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('ledger', sa.Column('note', sa.Text()))


def downgrade() -> None:
    op.drop_column('ledger', 'note')
