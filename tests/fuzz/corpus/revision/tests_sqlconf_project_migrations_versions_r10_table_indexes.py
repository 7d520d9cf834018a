"""sa.Index inside create_table

Revision ID: r10
Revises: r09
Create Date: 2026-01-10 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'r10'
down_revision = 'r09'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'with_indexes',
        sa.Column('id', sa.BigInteger(), primary_key=True),
        sa.Column('email', sa.String(), nullable=False),
        sa.Column('Kind', sa.String(10)),
        sa.Index('ix_with_indexes_email', 'email', unique=True),
        sa.Index(op.f('ix_with_indexes_lower_email'), sa.text('lower(email)'), postgresql_where=sa.text("\"Kind\" = 'a'")),
        sa.Index('ix_with_indexes_kind_email', 'Kind', 'email', postgresql_using='btree'),
        schema='audit',
    )


def downgrade() -> None:
    op.drop_table('with_indexes', schema='audit')
