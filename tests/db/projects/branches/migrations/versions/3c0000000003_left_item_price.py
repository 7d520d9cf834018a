"""left: item price

Revision ID: 3c0000000003
Revises: 2b0000000002
Create Date: 2026-02-01 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '3c0000000003'
down_revision = '2b0000000002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('items', sa.Column('price_cents', sa.Integer(), server_default='0', nullable=False))
    op.create_check_constraint('ck_items_price', 'items', 'price_cents >= 0')


def downgrade() -> None:
    op.drop_constraint('ck_items_price', 'items', type_='check')
    op.drop_column('items', 'price_cents')
