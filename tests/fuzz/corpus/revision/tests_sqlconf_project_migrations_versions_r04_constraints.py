"""constraints

Revision ID: r04
Revises: r03
Create Date: 2026-01-04 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'r04'
down_revision = 'r03'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_unique_constraint('uq_customers_phone', 'customers', ['phone_number'])
    op.create_unique_constraint('uq_user_login_order', 'user', ['login', 'order'], deferrable=True, initially='DEFERRED')
    op.create_foreign_key('fk_customers_ref', 'customers', 'customers', ['ref_id'], ['id'])
    op.create_foreign_key('fk_events_user2', 'events', 'user', ['user_id'], ['id'],
                          ondelete='CASCADE', onupdate='SET NULL', deferrable=True,
                          initially='IMMEDIATE', source_schema='audit', postgresql_not_valid=True)
    op.create_foreign_key('fk_x', 'events', 'customers', ['user_id'], ['id'], source_schema='audit', referent_schema='public', match='FULL')
    op.create_check_constraint('ck_customers_score', 'customers', 'score >= 0')
    op.create_check_constraint('ck_customers_balance', 'customers', sa.text('balance >= 0'), postgresql_not_valid=True)
    op.create_primary_key('pk_plain2', 'plain', ['n', 's'])
    op.drop_constraint('uq_customers_email', 'customers', type_='unique')


def downgrade() -> None:
    op.create_unique_constraint('uq_customers_email', 'customers', ['email'])
    op.drop_constraint('pk_plain2', 'plain', type_='primary')
    op.drop_constraint('ck_customers_balance', 'customers', type_='check')
    op.drop_constraint('ck_customers_score', 'customers')
    op.drop_constraint('fk_x', 'events', type_='foreignkey', schema='audit')
    op.drop_constraint('fk_events_user2', 'events', type_='foreignkey', schema='audit')
    op.drop_constraint('fk_customers_ref', 'customers', type_='foreignkey')
    op.drop_constraint('uq_user_login_order', 'user', type_='unique')
    op.drop_constraint('uq_customers_phone', 'customers', type_='unique')
