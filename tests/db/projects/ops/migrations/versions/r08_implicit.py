"""implicit objects: shared and array enums, enum CHECKs, column CHECKs, sequences, no SERIAL
for a foreign key

Revision ID: r08
Revises: r07
Create Date: 2026-01-08 00:00:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'r08'
down_revision = 'r07'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'implicit',
        sa.Column('id', sa.Integer(), sa.Sequence('implicit_id_seq'), primary_key=True),
        sa.Column('a', sa.Enum('x', 'y', name='two')),
        sa.Column('b', sa.Enum('x', 'y', name='two')),
        sa.Column('c', postgresql.ARRAY(sa.Enum('p', 'q', name='arr_enum'))),
        sa.Column('d', sa.Boolean(create_constraint=True)),
        sa.Column('f', sa.Enum('m', 'n', name='ne', native_enum=False, create_constraint=True), unique=True),
        sa.Column('g', sa.Integer(), sa.CheckConstraint('g < 10', name='ck_g_small'), nullable=False),
        sa.Column('h', sa.String(), server_default=sa.text("'a'::text")),
        sa.Column('u', sa.Enum('k', 'l', native_enum=False, create_constraint=True)),
    )
    op.add_column('implicit', sa.Column('e2', sa.Enum('s', 't', name='e2', native_enum=False, create_constraint=True)))
    op.add_column('implicit', sa.Column('chk', sa.Integer(), sa.CheckConstraint('chk > 0')))
    op.add_column('implicit', sa.Column('en', sa.Enum('v', 'w', name='never_created')))
    # An integer primary key that a table-level foreign key names is not SERIAL (joined
    # inheritance: the child's id is the parent's).
    op.create_table(
        'implicit_child',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['id'], ['implicit.id']),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade() -> None:
    op.drop_table('implicit_child')
    op.drop_table('implicit')
