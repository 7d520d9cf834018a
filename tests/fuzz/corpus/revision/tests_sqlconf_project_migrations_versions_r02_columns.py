"""columns: add, drop, alter

Revision ID: r02
Revises: r01
Create Date: 2026-01-02 00:00:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'r02'
down_revision = 'r01'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('customers', sa.Column('phone', sa.String(length=32), nullable=True))
    op.add_column('customers', sa.Column('score', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('customers', sa.Column('ref_id', sa.Integer(), sa.ForeignKey('customers.id'), nullable=True))
    op.add_column('events', sa.Column('note', sa.Text(), comment='why'), schema='audit')
    op.add_column('user', sa.Column('Select', sa.Boolean(), server_default=sa.false()))
    op.alter_column('customers', 'name', nullable=False)
    op.alter_column('customers', 'name', existing_type=sa.String(), nullable=True)
    op.alter_column('customers', 'score', type_=sa.BigInteger(), existing_type=sa.Integer())
    op.alter_column('customers', 'code', type_=sa.Integer(), postgresql_using='code::integer')
    op.alter_column('customers', 'score', server_default='1')
    op.alter_column('customers', 'score', server_default=None)
    op.alter_column('customers', 'created_at', server_default=sa.text('clock_timestamp()'))
    op.alter_column('customers', 'phone', new_column_name='phone_number')
    op.alter_column('customers', 'bio', comment='about me')
    op.alter_column('customers', 'bio', comment=None, existing_comment='about me')
    op.alter_column('customers', 'ratio', type_=sa.Numeric(10, 4), nullable=False, server_default='1.0')
    op.drop_column('customers', 'avatar')
    op.drop_column('events', 'doubled', schema='audit')


def downgrade() -> None:
    op.add_column('events', sa.Column('doubled', sa.Integer()), schema='audit')
    op.add_column('customers', sa.Column('avatar', postgresql.BYTEA(), nullable=True))
    op.alter_column('customers', 'phone_number', new_column_name='phone')
    op.drop_column('user', 'Select')
    op.drop_column('events', 'note', schema='audit')
    op.drop_column('customers', 'ref_id')
    op.drop_column('customers', 'score')
    op.drop_column('customers', 'phone')
