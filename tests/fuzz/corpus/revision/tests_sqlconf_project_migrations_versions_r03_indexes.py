"""indexes

Revision ID: r03
Revises: r02
Create Date: 2026-01-03 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'r03'
down_revision = 'r02'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_customers_name', 'customers', ['name'])
    op.create_index(op.f('ix_customers_email_lower'), 'customers', [sa.text('lower(email)')], unique=True)
    op.create_index('ix_customers_active_name', 'customers', ['active', 'name'], postgresql_where=sa.text('active'))
    op.create_index('ix_customers_tags', 'customers', ['tags'], postgresql_using='gin')
    op.create_index('ix_events_kind', 'events', ['kind'], schema='audit')
    op.create_index('ix_user_Login', 'user', ['login'], unique=True, postgresql_include=['order'])
    with op.get_context().autocommit_block():
        op.create_index('ix_customers_born', 'customers', ['born'], postgresql_concurrently=True)
        op.drop_index('ix_customers_name', table_name='customers', postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index('ix_customers_born', table_name='customers', postgresql_concurrently=True)
    op.create_index('ix_customers_name', 'customers', ['name'])
    op.drop_index('ix_user_Login', table_name='user')
    op.drop_index('ix_events_kind', table_name='events', schema='audit')
    op.drop_index('ix_customers_tags', table_name='customers')
    op.drop_index('ix_customers_active_name', table_name='customers')
    op.drop_index(op.f('ix_customers_email_lower'), table_name='customers')
    op.drop_index('ix_customers_name')
