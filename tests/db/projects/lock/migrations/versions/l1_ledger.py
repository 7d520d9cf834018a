"""ledger

Revision ID: l1
Revises: 
Create Date: 2026-02-01 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'l1'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ledger', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('amount', sa.Integer()))


def downgrade() -> None:
    op.drop_table('ledger')
