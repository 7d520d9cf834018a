"""name

Revision ID: f4
Revises: f3
Create Date: 2026-02-01 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'f4'
down_revision = 'f3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('products', sa.Column('name', sa.Text()))


def downgrade() -> None:
    op.drop_column('products', 'name')
