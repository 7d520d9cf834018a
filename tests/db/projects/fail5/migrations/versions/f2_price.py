"""price

Revision ID: f2
Revises: f1
Create Date: 2026-02-01 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'f2'
down_revision = 'f1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('products', sa.Column('price_cents', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    op.drop_column('products', 'price_cents')
