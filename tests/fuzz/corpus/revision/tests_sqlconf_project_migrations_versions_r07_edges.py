"""edge cases: quoting, identity options, enum forms, precise types, implicit objects

Revision ID: r07
Revises: r06
Create Date: 2026-01-07 00:00:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'r07'
down_revision = 'r06'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'Ünïcode tâble',
        sa.Column('ID', sa.Numeric(), primary_key=True),
        sa.Column('ıd', sa.Integer()),
        sa.Column('1st', sa.Unicode(20), server_default="it's \\ here"),
        sa.Column('a"b', sa.DECIMAL(8, 3)),
        sa.Column('f', sa.Float(precision=24)),
        sa.Column('ts', postgresql.TIMESTAMP(timezone=True, precision=3)),
        sa.Column('iv', postgresql.INTERVAL(precision=2)),
        sa.Column('grid', postgresql.ARRAY(sa.Integer(), dimensions=2)),
        sa.Column('mood', sa.Enum('happy', 'sad', name='Mood', schema='audit')),
        sa.Column('plain_enum', sa.Enum('x', 'yy', name='pe', native_enum=False)),
        sa.Column('seq', sa.Integer(), sa.Identity(start=5, increment=2, cycle=True), nullable=True),
        sa.Column('parent', sa.Numeric(), sa.ForeignKey('customers.id', name='fk_parent', onupdate='CASCADE', deferrable=True, initially='DEFERRED')),
        sa.Column('uix', sa.String(), unique=True, index=True, comment='both'),
        sa.Column('created', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
        schema='audit',
    )
    op.add_column('customers', sa.Column('serial_pk', sa.Integer(), primary_key=True))
    op.add_column('customers', sa.Column('uq', sa.String(8), unique=True))
    op.add_column('customers', sa.Column('ix', sa.String(8), index=True))
    op.add_column('customers', sa.Column('kind', sa.Enum('a', 'b', name='cust_kind')))
    op.create_index('ix_desc', 'customers', [sa.text('born DESC NULLS LAST')])
    op.execute("SELECT '1'\\:\\:integer")
    op.execute(sa.text("UPDATE customers SET name = 'x' WHERE name ~ '^a'"))


def downgrade() -> None:
    op.drop_index('ix_desc', table_name='customers')
    op.drop_column('customers', 'kind')
    op.drop_column('customers', 'ix')
    op.drop_column('customers', 'uq')
    op.drop_column('customers', 'serial_pk')
    op.drop_table('Ünïcode tâble', schema='audit')
