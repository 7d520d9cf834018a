"""merge left and right

Revision ID: 6f0000000006
Revises: 3c0000000003, 5e0000000005
Create Date: 2026-02-01 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '6f0000000006'
down_revision = ('3c0000000003', '5e0000000005')
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_unique_constraint('uq_notes_account_item', 'notes', ['account_id', 'item_id'])


def downgrade() -> None:
    op.drop_constraint('uq_notes_account_item', 'notes', type_='unique')
