"""a table, two seconds of work, a column

Revision ID: s2
Revises: s1
Create Date: 2026-02-01 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 's2'
down_revision = 's1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('orders', sa.Column('id', sa.Integer(), primary_key=True))
    op.execute("SELECT pg_sleep(2)")
    op.add_column('orders', sa.Column('total', sa.Numeric(10, 2)))
    op.execute("INSERT INTO applied_log (rev) VALUES ('s2')")


def downgrade() -> None:
    op.execute("DELETE FROM applied_log WHERE rev = 's2'")
    op.drop_table('orders')
