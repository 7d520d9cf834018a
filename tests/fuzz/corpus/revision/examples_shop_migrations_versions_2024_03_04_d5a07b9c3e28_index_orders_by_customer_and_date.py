"""index orders by customer and date

The account page lists a customer's orders newest first.

Revision ID: d5a07b9c3e28
Revises: c81f3e2a6d94
Create Date: 2024-03-04 10:02:51.128466

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5a07b9c3e28'
down_revision = 'c81f3e2a6d94'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_orders_customer_id_created_at', 'orders',
                    ['customer_id', 'created_at'])


def downgrade() -> None:
    op.drop_index('ix_orders_customer_id_created_at', table_name='orders')
