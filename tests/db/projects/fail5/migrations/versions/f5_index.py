"""index on name

Revision ID: f5
Revises: f4
Create Date: 2026-02-01 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'f5'
down_revision = 'f4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_products_name', 'products', ['name'])


def downgrade() -> None:
    op.drop_index('ix_products_name', table_name='products')
