"""an index

Revision ID: s3
Revises: s2
Create Date: 2026-02-01 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 's3'
down_revision = 's2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_orders_total', 'orders', ['total'])
    op.execute("INSERT INTO applied_log (rev) VALUES ('s3')")


def downgrade() -> None:
    op.execute("DELETE FROM applied_log WHERE rev = 's3'")
    op.drop_index('ix_orders_total', table_name='orders')
