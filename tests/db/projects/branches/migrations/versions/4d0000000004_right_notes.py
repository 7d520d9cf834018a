"""right: notes

Revision ID: 4d0000000004
Revises: 1a0000000001
Create Date: 2026-02-01 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '4d0000000004'
down_revision = '1a0000000001'
branch_labels = ('right',)
depends_on = None


def upgrade() -> None:
    op.create_table(
        'notes',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text()),
    )
    op.create_foreign_key('fk_notes_account', 'notes', 'accounts', ['account_id'], ['id'])


def downgrade() -> None:
    op.drop_table('notes')
