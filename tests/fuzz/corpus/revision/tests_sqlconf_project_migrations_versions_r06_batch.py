"""batch_alter_table on PostgreSQL (no recreate)

Revision ID: r06
Revises: r05
Create Date: 2026-01-06 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'r06'
down_revision = 'r05'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nickname', sa.String(length=40), nullable=True))
        batch_op.alter_column('nickname', existing_type=sa.String(length=40), nullable=False, server_default='x')
        batch_op.create_index('ix_customers_nickname', ['nickname'], unique=False)
        batch_op.create_unique_constraint('uq_customers_nickname', ['nickname'])
        batch_op.create_foreign_key('fk_customers_ref2', 'customers', ['ref_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint('ck_nick', 'length(nickname) > 0')
        batch_op.drop_column('grace')
    with op.batch_alter_table('user') as batch_op:
        batch_op.drop_constraint('ck_user_order_positive', type_='check')


def downgrade() -> None:
    with op.batch_alter_table('user') as batch_op:
        batch_op.create_check_constraint('ck_user_order_positive', '"order" >= 0')
    with op.batch_alter_table('customers') as batch_op:
        batch_op.add_column(sa.Column('grace', sa.Interval(), nullable=True))
        batch_op.drop_constraint('ck_nick', type_='check')
        batch_op.drop_constraint('fk_customers_ref2', type_='foreignkey')
        batch_op.drop_constraint('uq_customers_nickname', type_='unique')
        batch_op.drop_index('ix_customers_nickname')
        batch_op.drop_column('nickname')
