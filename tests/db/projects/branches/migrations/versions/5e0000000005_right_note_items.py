"""right: notes refer to items (depends on the left branch)

Revision ID: 5e0000000005
Revises: 4d0000000004
Create Date: 2026-02-01 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '5e0000000005'
down_revision = '4d0000000004'
branch_labels = None
depends_on = '2b0000000002'


def upgrade() -> None:
    op.add_column('notes', sa.Column('item_id', sa.BigInteger(), nullable=True))
    op.create_foreign_key('fk_notes_item', 'notes', 'items', ['item_id'], ['id'], ondelete='SET NULL')
    op.create_index('ix_notes_item_id', 'notes', ['item_id'])


def downgrade() -> None:
    op.drop_index('ix_notes_item_id', table_name='notes')
    op.drop_constraint('fk_notes_item', 'notes', type_='foreignkey')
    op.drop_column('notes', 'item_id')
