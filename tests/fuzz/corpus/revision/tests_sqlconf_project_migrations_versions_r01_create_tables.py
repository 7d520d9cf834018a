"""create tables: column types, defaults, keys, enums, identity

Revision ID: r01
Revises:
Create Date: 2026-01-01 00:00:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'r01'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'customers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=255), nullable=False),
        sa.Column('name', sa.String(), nullable=True),
        sa.Column('bio', sa.Text()),
        sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
        sa.Column('born', sa.Date(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('updated_at', sa.DateTime(), server_default=sa.func.now()),
        sa.Column('wake', sa.Time()),
        sa.Column('grace', sa.Interval()),
        sa.Column('balance', sa.Numeric(12, 2), server_default='0'),
        sa.Column('ratio', sa.Float()),
        sa.Column('avatar', sa.LargeBinary()),
        sa.Column('prefs', sa.JSON()),
        sa.Column('attrs', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column('token', postgresql.UUID(as_uuid=True)),
        sa.Column('tags', postgresql.ARRAY(sa.String())),
        sa.Column('search', postgresql.TSVECTOR()),
        sa.Column('code', sa.CHAR(2)),
        sa.Column('seen', sa.TIMESTAMP()),
        sa.Column('big', sa.BigInteger()),
        sa.Column('small', sa.SmallInteger()),
        sa.Column('CamelCase', sa.String(10), comment="it's mixed"),
        sa.PrimaryKeyConstraint('id', name='pk_customers'),
        sa.UniqueConstraint('email', name='uq_customers_email'),
        comment='people who buy',
    )
    op.create_table(
        'user',
        sa.Column('id', sa.BigInteger(), primary_key=True),
        sa.Column('customer_id', sa.Integer(), sa.ForeignKey('customers.id', ondelete='CASCADE'), nullable=False),
        sa.Column('login', sa.String(50), unique=True),
        sa.Column('order', sa.Integer(), index=True),
        sa.Column('status', sa.Enum('active', 'banned', name='user_status'), nullable=False, server_default='active'),
        sa.Column('ref', sa.Integer(), sa.ForeignKey('customers.id'), unique=True),
        sa.Column('uidx', sa.Integer(), unique=True, index=True),
        sa.Column('path', sa.Text(), server_default='C:\\temp 100%'),
        sa.CheckConstraint('"order" >= 0', name='ck_user_order_positive'),
        sa.UniqueConstraint('login', 'order'),
    )
    op.create_table(
        'events',
        sa.Column('id', sa.BigInteger(), sa.Identity(always=True), primary_key=True),
        sa.Column('kind', postgresql.ENUM('a', 'b', name='event_kind', create_type=False)),
        sa.Column('user_id', sa.BigInteger(), nullable=True),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('doubled', sa.Integer(), sa.Computed('amount * 2')),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name='fk_events_user', ondelete='SET NULL', onupdate='CASCADE'),
        schema='audit',
    )
    op.create_table(
        'plain',
        sa.Column('n', sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column('s', sa.SmallInteger(), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table('plain')
    op.drop_table('events', schema='audit')
    op.drop_table('user')
    op.drop_table('customers')
